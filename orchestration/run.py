"""Run the refresh job in-process (no Dagster server): ``python -m orchestration.run``.

    python -m orchestration.run                       # every landed day (a full rebuild)
    python -m orchestration.run --start 2025-03-01 --end 2025-03-07

The same job the schedule and the sensor launch, recorded in the Dagster instance that
``make dagster`` opens (``DAGSTER_HOME``, default .dagster_home/). It prints one line as each
stage starts and ends, then failing checks and steps with their messages; dbt's full output
and every log go to the run's log file (under ``SHOP_LOG_DIR``), whose path it prints. Exit
code 0 only when every gate passed and the warehouse was published.
"""

import argparse
import datetime as dt
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from dagster import (
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    EventLogEntry,
    ExecuteInProcessResult,
    JobDefinition,
    RunsFilter,
)

from orchestration import settings
from orchestration.console import log_path, logged, stage_sizes
from orchestration.contract import load_contract
from orchestration.ingest.assets import REFUSED
from orchestration.ingest.loader import landed_days, refused_partitions
from orchestration.jobs import REFRESH_JOB, range_tags
from orchestration.partitions import landing_day_problem
from orchestration.settings import PROJECT_ROOT

#: Tags of a command-line run: the process running it, so that a later run can tell a run
#: whose process was killed from one still going.
PID_TAG, HOST_TAG = "shop/pid", "shop/host"
#: Where dagster-dbt's error of a failed dbt invocation starts the errors dbt logged.
DBT_ERRORS = "Errors parsed from dbt logs:"
#: Dagster's setting: a run's planned materializations as one event per asset and range.
PLANNED_AS_RANGE = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"
#: The instance settings (run and pool concurrency), copied into the instance directory.
INSTANCE_SETTINGS = PROJECT_ROOT / "orchestration" / "dagster.yaml"


def refresh_job() -> JobDefinition:
    from orchestration.definitions import build_definitions

    return build_definitions().get_job_def(REFRESH_JOB)


def run_days(
    first: dt.date,
    last: dt.date,
    log_level: str = "INFO",
    instance: DagsterInstance | None = None,
    listener: Callable[[EventLogEntry], None] | None = None,
    job: JobDefinition | None = None,
) -> ExecuteInProcessResult:
    """Run the refresh job over the days in this process, recorded in ``instance`` (by
    default a throwaway one), each event also passed to ``listener`` as it is stored."""
    job = job or refresh_job()
    instance = instance or DagsterInstance.ephemeral()
    run_id = str(uuid.uuid4())
    if listener is not None:
        instance.add_event_listener(run_id, listener)
    return job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        instance=instance,
        run_id=run_id,
        tags={**range_tags(first, last), PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()},
        raise_on_error=False,
    )


def project_instance() -> DagsterInstance:
    """The persistent instance ``make dagster`` opens (``settings.dagster_home()``), with
    the project's instance settings; runs a killed process left going are marked failed."""
    home = settings.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    # the instance settings name the event log's directory by DAGSTER_HOME
    os.environ.setdefault("DAGSTER_HOME", str(home))
    # a run over a range of days plans each asset once for the range, not once per day and
    # asset (a 90-day run: 7,000 events written to the instance's SQLite before any step)
    os.environ.setdefault(PLANNED_AS_RANGE, "true")
    config = home / "dagster.yaml"
    if not config.exists() or config.read_bytes() != INSTANCE_SETTINGS.read_bytes():
        shutil.copyfile(INSTANCE_SETTINGS, config)
    instance = DagsterInstance.from_config(str(home))
    fail_abandoned_runs(instance)
    return instance


def fail_abandoned_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed every refresh run of this host still shown as going whose process has
    ended (killed), freeing the warehouse pool's slot it held (else the next run would wait
    for it forever); the ids of those runs."""
    going = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]
    runs = instance.get_runs(
        RunsFilter(job_name=REFRESH_JOB, statuses=going, tags={HOST_TAG: socket.gethostname()})
    )
    abandoned = [run for run in runs if not _alive(int(run.tags[PID_TAG]))]
    for run in abandoned:
        instance.report_run_failed(run, f"its process ({run.tags[PID_TAG]}) ended during the run")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    return [run.run_id for run in abandoned]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def run_logged(
    first: dt.date, last: dt.date, instance: DagsterInstance, terminal: TextIO | None = None
) -> tuple[ExecuteInProcessResult, Path]:
    """Run the days as the command line does: its stages printed to ``terminal`` (by default
    the standard output), everything else written to the run's log file; the result and the
    log file's path."""
    path = log_path(settings.log_dir(), str(uuid.uuid4()))
    with logged(path, terminal) as out:
        out.terminal.write(f"log: {path}\n")
        job = refresh_job()  # its imports' warnings go to the log too
        # the job's steps are its graph's nodes, one step each, in the order they run
        steps = job.graph.nodes_in_topological_order
        console = out.follow(stage_sizes(step.name for step in steps))
        result = run_days(first, last, instance=instance, listener=console.event, job=job)
    return result, path


def problems(result: ExecuteInProcessResult) -> list[str]:
    """Failed checks (with their message), failed steps and refused landing folders of a
    run, for the operator."""
    lines = []
    for event in result.all_events:
        data = event.event_specific_data
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            refused = data.materialization.metadata.get(REFUSED)
            if refused and refused.value != "none":
                lines += [f"REFUSED {line[2:]}" for line in refused.value.splitlines()]
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION and not data.passed:
            lines.append(
                f"CHECK FAILED {data.asset_key.to_user_string()}:{data.check_name} "
                f"({data.severity.value}) {data.description or ''}".rstrip()
            )
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            lines.append(f"STEP FAILED {event.step_key}: {_error(event)}{_details(event)}")
    return lines


def _details(event: DagsterEvent) -> str:
    """What a step's ``Failure`` attached for the operator (the ingest's rejected files)."""
    failure = event.event_specific_data.user_failure_data
    if failure is None or "rejections" not in failure.metadata:
        return ""
    return "\n" + failure.metadata["rejections"].value


def _error(event: DagsterEvent) -> str:
    """The error's first line; for a failed dbt invocation, the errors dbt logged."""
    error = event.event_specific_data.error
    while error and error.cause:
        error = error.cause
    if error is None:
        return "unknown error"
    message = error.message.strip()
    if DBT_ERRORS in message:
        logged = [line.strip() for line in message.split(DBT_ERRORS, 1)[1].splitlines()]
        return " ".join(line for line in logged if line)
    return message.splitlines()[0]


def landed_range() -> tuple[dt.date, dt.date]:
    """The first and last landed export day (days outside SHOP_FIRST_DAY … today are
    refused, see refused_landing)."""
    days = [
        day
        for table in load_contract().tables
        for day in landed_days(settings.landing_dir(), table)
    ]
    if not days:
        raise SystemExit(f"no landing files under {settings.landing_dir()}")
    return min(days), max(days)


def refused_landing() -> list[str]:
    """Every landing folder dated outside the days a shop exports, with why."""
    landing = settings.landing_dir()
    return [line for table in load_contract().tables for line in refused_partitions(landing, table)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", type=dt.date.fromisoformat)
    parser.add_argument("--end", type=dt.date.fromisoformat)
    args = parser.parse_args(argv)
    first, last = landed_range()
    first, last = args.start or first, args.end or last
    for day in (first, last):
        if problem := landing_day_problem(day):
            raise SystemExit(f"cannot run {day}: {problem}")
    if first > last:
        raise SystemExit(f"cannot run {first} … {last}: the range ends before it starts")
    refused = [f"REFUSED {line}" for line in refused_landing()]
    for line in refused:
        print(line)
    count = (last - first).days + 1
    print(f"days {first} … {last} ({count} day{'s' if count > 1 else ''})", flush=True)
    result, log = run_logged(first, last, project_instance())
    for line in problems(result):
        if line not in refused:
            print(line)
    if not result.success:
        print(
            f"run {result.run_id}: FAILED (the published warehouse was left as it was; log: {log})"
        )
        return 1
    print(f"run {result.run_id}: succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
