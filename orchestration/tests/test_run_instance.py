"""The Dagster instance of command-line runs: a run whose process was killed is marked failed
and gives back the warehouse pool's slot, so that the next run does not wait for it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import DagsterRunStatus, job, op

from orchestration.ingest.assets import WAREHOUSE_POOL
from orchestration.jobs import REFRESH_JOB
from orchestration.run import HOST_TAG, INSTANCE_SETTINGS, PID_TAG, project_instance


@op
def step() -> None:
    pass


@job(name=REFRESH_JOB)
def refresh() -> None:
    step()


def test_a_killed_runs_slot_is_freed_and_a_going_run_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    instance = project_instance()
    assert (tmp_path / "home" / "dagster.yaml").read_text() == INSTANCE_SETTINGS.read_text()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    runs = {}
    for name, pid in (("killed", ended.stdout.strip()), ("going", str(os.getpid()))):
        run = instance.create_run_for_job(
            refresh, status=DagsterRunStatus.STARTED,
            tags={PID_TAG: pid, HOST_TAG: socket.gethostname()},
        )  # fmt: skip
        runs[name] = run.run_id
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WAREHOUSE_POOL, 2)
    for run_id in runs.values():
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, run_id, "step").is_claimed

    project_instance()  # what the next command-line run opens

    statuses = {name: instance.get_run_by_id(run_id).status for name, run_id in runs.items()}
    assert statuses == {"killed": DagsterRunStatus.FAILURE, "going": DagsterRunStatus.STARTED}
    claimed = storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots
    assert [slot.run_id for slot in claimed] == [runs["going"]]
