"""Run the refresh job in-process (no Dagster server): ``python -m orchestration.run``.

    python -m orchestration.run                       # every landed day (a full rebuild)
    python -m orchestration.run --start 2025-03-01 --end 2025-03-07

The same job the schedule and the sensor launch; failing checks and steps are printed with
their messages. Exit code 0 only when every gate passed and the warehouse was published.
"""

import argparse
import datetime as dt
import sys

from dagster import DagsterEvent, DagsterEventType, DagsterInstance, ExecuteInProcessResult

from orchestration import settings
from orchestration.contract import load_contract
from orchestration.ingest.assets import REFUSED
from orchestration.ingest.loader import landed_days, refused_partitions
from orchestration.jobs import REFRESH_JOB, range_tags
from orchestration.partitions import landing_day_problem


def run_days(first: dt.date, last: dt.date, log_level: str = "INFO") -> ExecuteInProcessResult:
    """Run the refresh job over the days in this process (a persistent instance when
    DAGSTER_HOME is set, else a throwaway one)."""
    from orchestration.definitions import build_definitions

    job = build_definitions().get_job_def(REFRESH_JOB)
    instance = DagsterInstance.get() if settings.dagster_home() else DagsterInstance.ephemeral()
    return job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        instance=instance,
        tags=range_tags(first, last),
        raise_on_error=False,
    )


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
    error = event.event_specific_data.error
    while error and error.cause:
        error = error.cause
    return error.message.strip().splitlines()[0] if error else "unknown error"


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
    result = run_days(first, last)
    for line in problems(result):
        if line not in refused:
            print(line)
    print(f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
