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

from orchestration.event_storage import KEPT_ENGINES, KeptSqliteEventLogStorage
from orchestration.run import project_instance


def materialization(run_id: str, asset: str, day: str) -> EventLogEntry:
    event = DagsterEvent(
        DagsterEventType.ASSET_MATERIALIZATION.value,
        "refresh_warehouse",
        step_key="step",
        event_specific_data=StepMaterializationData(
            AssetMaterialization(AssetKey(["marts", asset]), partition=day)
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
