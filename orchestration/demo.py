"""`make run`: generate the demo shop, run the refresh job over it, print what was built.

The demo shop is small (90 days at a fifth of scale 1, covering Double 11) so that a fresh
clone runs end to end in a few minutes. The landing area is regenerated only when the demo
parameters change; loading skips partitions whose files did not change. The run is the
same Dagster job the daily schedule launches (ingest, gates, dbt layers, publish), executed
in-process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import time
from pathlib import Path

from orchestration import settings
from orchestration.publish import current_version, published_dir
from orchestration.simulator import simulate
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


def main() -> int:
    os.environ.setdefault("SHOP_FIRST_DAY", DEMO["start"])
    ensure_demo_landing(settings.landing_dir())
    from orchestration.run import problems, run_days

    first = dt.date.fromisoformat(DEMO["start"])
    started = time.perf_counter()
    result = run_days(first, first + dt.timedelta(days=DEMO["days"] - 1), log_level="WARNING")
    for line in problems(result):
        print(line)
    if not result.success:
        print(f"run {result.run_id} FAILED: the published warehouse was left as it was")
        return 1
    print(warehouse_summary(settings.warehouse_path()))
    print(indicator_report(settings.warehouse_path()))
    print(
        f"refresh run {result.run_id} passed every gate in {time.perf_counter() - started:.0f}s; "
        f"published version {current_version(published_dir())} at "
        f"{published_dir() / 'current.duckdb'} (read-only for analysts and BI tools)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
