"""The instance's event log (orchestration/event_storage.py): what a command-line run stores
through its kept connections is what Dagster's own SQLite storage reads from the same files
(the UI of ``make dagster``), and a reader going through many runs keeps a bounded number
of databases open."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    EventLogEntry,
)
from dagster._core.events import StepMaterializationData
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.event_storage import KEPT_ENGINES, KeptSqliteEventLogStorage
from orchestration.run import project_instance


def materialization(
    run_id: str, asset: str, day: str, tags: dict[str, str] | None = None
) -> EventLogEntry:
    event = DagsterEvent(
        DagsterEventType.ASSET_MATERIALIZATION.value,
        "refresh_warehouse",
        step_key="step",
        event_specific_data=StepMaterializationData(
            AssetMaterialization(AssetKey(["marts", asset]), partition=day, tags=tags)
        ),
    )
    return EventLogEntry(
        error_info=None, level=20, user_message="", run_id=run_id, timestamp=time.time(),
        dagster_event=event, job_name="refresh_warehouse", step_key="step",
    )  # fmt: skip


def test_events_stored_through_kept_connections_read_back_with_dagsters_own_storage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = project_instance()
    storage = instance.event_log_storage
    assert isinstance(storage, KeptSqliteEventLogStorage)
    days = [f"2025-01-{day:02d}" for day in range(1, 11)]
    runs = [f"run-{n}" for n in range(KEPT_ENGINES + 3)]
    for run_id in runs:
        for day in days:
            instance.handle_new_event(materialization(run_id, "fct_orders", day))
    instance.handle_new_event(materialization(runs[0], "fct_sessions", days[0]))
    # every run's database was written; only the most recently used stay open
    assert len(storage._engines) == KEPT_ENGINES
    instance.dispose()

    # Dagster's default SQLite storage on the same directory (no instance settings)
    (tmp_path / "home" / "dagster.yaml").unlink()
    reader = DagsterInstance.from_config(str(tmp_path / "home"))
    assert not isinstance(reader.event_log_storage, KeptSqliteEventLogStorage)
    for run_id in runs:
        stored = [entry.dagster_event.partition for entry in reader.all_logs(run_id)]
        assert stored == days + (days[:1] if run_id == runs[0] else [])
    records = reader.fetch_materializations(AssetKey(["marts", "fct_orders"]), limit=1000)
    assert len(records.records) == len(runs) * len(days)
    assert reader.get_materialized_partitions(AssetKey(["marts", "fct_orders"])) == set(days)
    assert reader.get_materialized_partitions(AssetKey(["marts", "fct_sessions"])) == {days[0]}


def test_the_index_database_is_asked_once_for_each_table_it_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dagster asks whether the asset-event tags table exists before storing each
    materialization with an indexed tag (as every dbt model's carries its data version):
    the database is asked once, and a table it lacks is asked again."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = project_instance()
    asked: list[str] = []
    ask = SqliteEventLogStorage.has_table
    monkeypatch.setattr(
        SqliteEventLogStorage,
        "has_table",
        lambda storage, name: asked.append(name) or ask(storage, name),
    )
    for day in range(1, 21):
        version = {"dagster/data_version": str(day)}
        instance.handle_new_event(
            materialization("run-1", "fct_orders", f"2025-01-{day:02d}", version)
        )
    assert asked == ["asset_event_tags"]
    storage = instance.event_log_storage
    assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
    assert asked == ["asset_event_tags", "no_such_table", "no_such_table"]
    assert len(instance.all_logs("run-1")) == 20
    instance.dispose()
