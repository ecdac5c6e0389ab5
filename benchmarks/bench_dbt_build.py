"""Benchmark: `dbt build` of the whole project on a generated shop.

    .venv/bin/python benchmarks/bench_dbt_build.py --scale 1 --days 365

Generates the shop and loads raw (not timed here: see bench_simulator_ingest.py), then times
one full `dbt build` (models, seeds and every test) in a child process and reads dbt's
run_results.json for the slowest nodes. Results go to benchmarks/results/dbt_build.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

from bench_simulator_ingest import HERE, measure

from orchestration.ingest import ingest
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator import simulate
from orchestration.transform import DBT, PROFILES_DIR

RESULTS = HERE / "results" / "dbt_build.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    landing = args.work / f"dbt_landing_s{args.scale:g}"
    warehouse = args.work / f"dbt_s{args.scale:g}.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    simulate(landing, dt.date.fromisoformat(args.start), args.days, args.scale, args.seed)
    report = ingest(warehouse, landing)
    assert report.ok, report.summary()
    shutil.rmtree(landing)

    os.environ["SHOP_WAREHOUSE_PATH"] = str(warehouse)
    target = args.work / "dbt_target"
    started = time.perf_counter()
    build = measure(
        [str(DBT), "build", "--project-dir", str(PROJECT_ROOT), "--profiles-dir",
         str(PROFILES_DIR), "--target-path", str(target)]
    )  # fmt: skip
    wall = time.perf_counter() - started
    nodes = json.loads((target / "run_results.json").read_text())["results"]
    timings = sorted(
        ((node["unique_id"], node["execution_time"]) for node in nodes),
        key=lambda item: item[1],
        reverse=True,
    )
    models = [(uid.split(".")[-1], round(s, 2)) for uid, s in timings if uid.startswith("model.")]
    result = {
        "scale": args.scale,
        "days": args.days,
        "dbt_build_wall_s": round(wall, 1),
        "peak_rss_mb": build["peak_rss_mb"],
        "nodes": len(nodes),
        "sum_of_model_seconds": round(sum(s for uid, s in timings if uid.startswith("model.")), 1),
        "sum_of_test_seconds": round(sum(s for uid, s in timings if uid.startswith("test.")), 1),
        "slowest_models": models[:5],
        "warehouse_mb": round(warehouse.stat().st_size / 2**20, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    warehouse.unlink()


if __name__ == "__main__":
    main()
