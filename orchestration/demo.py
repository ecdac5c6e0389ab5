"""`make run`: generate the demo shop, run the refresh job over it, print what was built.

The demo shop is small (90 days at a fifth of scale 1, covering Double 11) so that a fresh
clone runs end to end in a few minutes. The landing area is regenerated only when the demo
parameters change; loading skips partitions whose files did not change. The run is the
same Dagster job the daily schedule launches (ingest, gates, dbt layers, publish), executed
in-process and recorded in the Dagster instance ``make dagster`` opens; it prints a line
per stage and ends with the report (``report``), dbt's output and the logs go to a log file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from dagster import ExecuteInProcessResult

from orchestration import settings
from orchestration.publish import current_version, published_dir
from orchestration.simulator.engine import simulate
from orchestration.summary import indicator_report, warehouse_summary

DEMO = {"start": "2025-09-01", "days": 90, "scale": 0.2, "seed": 7}
MARKER = ".demo-parameters.json"


def ensure_demo_landing(landing: Path) -> None:
    """Write the demo shop's landing files unless they are already there for DEMO."""
    marker = landing / MARKER
    if marker.exists() and json.loads(marker.read_text()) == DEMO:
        print(f"demo shop already in {landing}")
        return
    if landing.exists():
        shutil.rmtree(landing)
    started = time.perf_counter()
    rows = simulate(
        landing,
        start=dt.date.fromisoformat(DEMO["start"]),
        days=DEMO["days"],
        scale=DEMO["scale"],
        seed=DEMO["seed"],
        progress=sys.stderr.isatty(),
    )
    marker.write_text(json.dumps(DEMO))
    print(
        f"generated the demo shop in {time.perf_counter() - started:.1f}s: "
        f"{sum(rows.values()):,} records in {len(rows)} tables"
    )


def report(database: Path) -> str:
    """The short account ending a demo run: the warehouse, its indicator report (headline
    figures, alerts, indicators not available) and where the published version is."""
    return "\n".join(
        [
            warehouse_summary(database),
            indicator_report(database, shown_alerts=3),
            f"published version {current_version(published_dir())} at "
            f"{published_dir() / 'current.duckdb'} (read-only for analysts and BI tools)",
        ]
    )


def conclude(
    result: ExecuteInProcessResult, log: Path, seconds: float, terminal: TextIO = sys.stdout
) -> int:
    """What ends a run's output: its problems, then the report, or the log to read; the
    exit code."""
    from orchestration.run import problems

    for line in problems(result):
        print(line, file=terminal)
    if not result.success:
        print(
            f"run {result.run_id} FAILED: the published warehouse was left as it was; log: {log}",
            file=terminal,
        )
        return 1
    print(
        f"refresh run {result.run_id} passed every gate in {seconds:.0f}s "
        f"(make dagster shows it, instance {settings.dagster_home()})",
        file=terminal,
    )
    print(report(settings.warehouse_path()), file=terminal)
    return 0


def main() -> int:
    os.environ.setdefault("SHOP_FIRST_DAY", DEMO["start"])
    ensure_demo_landing(settings.landing_dir())
    from orchestration.run import project_instance, run_logged

    first = dt.date.fromisoformat(DEMO["start"])
    started = time.perf_counter()
    result, log = run_logged(first, first + dt.timedelta(days=DEMO["days"] - 1), project_instance())
    return conclude(result, log, time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
