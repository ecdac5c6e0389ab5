"""Jobs, the daily schedule and the landing-file sensor.

Runs cover a range of shop-local days in one run (every asset has a single-run backfill
policy), passed as Dagster's partition-range tags.
"""

import datetime as dt
import hashlib
import json

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
    sensor,
)

from orchestration import settings
from orchestration.contract import load_contract
from orchestration.importers.assets import GROUP as IMPORTERS
from orchestration.ingest.loader import landed_days
from orchestration.partitions import daily_partitions, first_day
from orchestration.settings import late_data_lookback_days

REFRESH_JOB = "refresh_warehouse"
#: The run tags of a single run over a range of partitions, as Dagster documents them for
#: run requests (its own constants live in a private module).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: dt.date, last: dt.date) -> dict[str, str]:
    """Run tags asking for every shop-local day from first to last (inclusive)."""
    first = max(first, dt.date.fromisoformat(first_day()))
    return {RANGE_START_TAG: str(first), RANGE_END_TAG: str(last)}


def refresh_job():
    return define_asset_job(
        REFRESH_JOB,
        # the importers write landing files: their own jobs run them (importers/assets.py)
        selection=AssetSelection.all() - AssetSelection.groups(IMPORTERS),
        partitions_def=daily_partitions(),
        # steps run one after another in one process: the warehouse file has one writer,
        # and DuckDB parallelises each step itself
        executor_def=in_process_executor,
        description="Load the run's days, pass every gate, rebuild and publish the warehouse. "
        "A full rebuild is this job over every day from SHOP_FIRST_DAY.",
    )


@schedule(
    job_name=REFRESH_JOB,
    cron_schedule="0 3 * * *",
    execution_timezone=load_contract().timezone,
    default_status=DefaultScheduleStatus.STOPPED,
    description="03:00 shop time: load yesterday and the late-data look-back window, pass "
    "every gate and publish.",
)
def daily_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    yesterday = context.scheduled_execution_time.date() - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=late_data_lookback_days())
    return RunRequest(run_key=f"daily-{yesterday}", tags=range_tags(first, yesterday))


def _landing_fingerprints() -> dict[str, str]:
    """Per export day, a fingerprint of the names, sizes and times of its landing files."""
    landing = settings.landing_dir()
    digests: dict[str, hashlib._Hash] = {}
    for table in load_contract().tables:
        for day in landed_days(landing, table):
            digest = digests.setdefault(str(day), hashlib.sha256())
            for path in sorted(table.landing_dir(landing, day).iterdir()):
                stat = path.stat()
                digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return {day: digest.hexdigest() for day, digest in digests.items()}


def consecutive_runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as ranges of consecutive days (first, last): runs that plan no day
    between two changed days far apart."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if ranges and day == ranges[-1][1] + dt.timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


@sensor(
    job_name=REFRESH_JOB,
    minimum_interval_seconds=300,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a run over each range of consecutive export days whose landing "
    "files arrived or changed (folders dated after today or before SHOP_FIRST_DAY are "
    "refused by the ingest, never requested).",
)
def landing_files(context: SensorEvaluationContext):
    seen = json.loads(context.cursor) if context.cursor else {}
    current = _landing_fingerprints()
    changed = sorted(day for day, digest in current.items() if seen.get(day) != digest)
    if not changed:
        return SkipReason("no landing files arrived or changed")
    context.update_cursor(json.dumps(current))
    requests = []
    for first, last in consecutive_runs([dt.date.fromisoformat(day) for day in changed]):
        days = [str(first + dt.timedelta(days=n)) for n in range((last - first).days + 1)]
        key = hashlib.sha256(json.dumps({day: current[day] for day in days}).encode())
        requests.append(
            RunRequest(run_key=f"landing-{key.hexdigest()[:16]}", tags=range_tags(first, last))
        )
    return requests
