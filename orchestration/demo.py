"""`make run`: generate the demo shop, load it, build the warehouse, print what was built.

The demo shop is small (90 days at a fifth of scale 1, covering Double 11) so that a fresh
clone runs end to end in a few minutes. The landing area is regenerated only when the demo
parameters change; loading skips partitions whose files did not change.
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
from orchestration.ingest import ingest
from orchestration.simulator import simulate
from orchestration.summary import warehouse_summary
from orchestration.transform import run_dbt

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
    landing = settings.landing_dir()
    warehouse = settings.warehouse_path()
    os.environ.setdefault("SHOP_WAREHOUSE_PATH", str(warehouse))
    ensure_demo_landing(landing)
    report = ingest(warehouse, landing)
    print(report.summary())
    if not report.ok:
        return 1
    if not run_dbt(["build"]):
        return 1
    print(warehouse_summary(warehouse))
    return 0


if __name__ == "__main__":
    sys.exit(main())
