"""Benchmark: the Dagster refresh job, full rebuild vs the daily scheduled run.

    .venv/bin/python benchmarks/bench_refresh.py --scale 1 --days 365

Generates the shop, then times in one process: (1) the full rebuild (every day, empty
warehouse), (2) the daily scheduled run (yesterday plus the late-data look-back window) on
top of it. Both pass every gate and publish. Results: benchmarks/results/refresh.json.
"""

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Ingest hashes personal identifiers with a secret salt: a benchmark makes its own.
os.environ.setdefault("SHOP_PII_SALT", secrets.token_hex(16))
RESULTS = HERE / "results" / "refresh.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--work", type=Path, default=HERE / "work" / "refresh")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.environ.update(
        SHOP_LANDING_DIR=str(args.work / "landing"),
        SHOP_WAREHOUSE_PATH=str(args.work / "warehouse" / "shop.duckdb"),
        SHOP_PUBLISHED_DIR=str(args.work / "published"),
        SHOP_FIRST_DAY=args.start,
    )
    from orchestration.jobs import late_data_lookback_days
    from orchestration.run import problems, run_days
    from orchestration.simulator import simulate

    first = dt.date.fromisoformat(args.start)
    last = first + dt.timedelta(days=args.days - 1)
    simulate(args.work / "landing", first, args.days, args.scale, seed=7)
    timings = {}
    for name, start in (
        ("full_rebuild", first),
        ("daily_run", last - dt.timedelta(days=late_data_lookback_days())),
    ):
        started = time.perf_counter()
        result = run_days(start, last, log_level="WARNING")
        timings[name] = round(time.perf_counter() - started, 1)
        assert result.success, problems(result)
    report = {
        "scale": args.scale,
        "days": args.days,
        "full_rebuild_s": timings["full_rebuild"],
        "daily_run_s": timings["daily_run"],
        "daily_over_full": round(timings["daily_run"] / timings["full_rebuild"], 3),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    shutil.rmtree(args.work)


if __name__ == "__main__":
    main()
