"""Benchmark: speed and scale of the dbt warehouse, every figure from one run.

    .venv/bin/python benchmarks/bench_scale.py --scales 1 10 --days 365

Per scale, on the same generated shop (seed 7, from 2025-01-01):
1. full build: one `dbt build` (seeds, models, every test) in a child process: wall time,
   peak memory, seconds per layer, the slowest models, and dbt's fixed overhead (an
   invocation that selects nothing: start-up and project load);
2. daily refresh: day ``days + 1`` loaded onto the history and the same build with that
   day as the run's window (incremental facts rebuild only the days it touched), as a
   ratio of the full build;
3. the limit proxy: ``limit_proxy.sql``, hand-written DuckDB SQL computing the headline
   daily indicators straight from raw, timed, with the full build divided by it and its
   figures compared with the marts' (largest difference per indicator);
4. analyst / BI queries: the 20 queries of ``BI_QUERIES`` on the built warehouse opened
   read-only, as a BI tool opens the published file, each run 5 times after a warm-up:
   p50 and p95 latency.
Then, on a small shop (``--engine-scale``, ``--engine-days``):
5. the same `dbt build` on Spark (PySpark local[2]) and on PostgreSQL (a throwaway local
   server) as ratios to DuckDB.
Results: ``benchmarks/results/scale.json``; ratios across scales in its ``summary``.
``--scales`` with no value runs step 5 alone and adds it to the results there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import statistics
import time
from pathlib import Path

import duckdb
from bench_simulator_ingest import HERE, measure

from orchestration import settings
from orchestration.contract import CONTRACT_PATH
from orchestration.ingest import ingest
from orchestration.ingest.loader import SALT_TABLE
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.transform import DBT, PROFILES_DIR

RESULTS = HERE / "results" / "scale.json"
#: The code the generated and ingested shop depends on besides its parameters (--reuse).
INPUT_CODE = tuple(PROJECT_ROOT / "orchestration" / name for name in ("simulator", "ingest"))
PROXY_SQL = HERE / "limit_proxy.sql"

#: The marts' figures per shop-local day for the proxy's indicators (same names).
MART_FIGURES = """
with traffic as (
    select visit_date as day, sum(page_views) as page_views, sum(visits) as visits
    from marts.fct_traffic_daily group by 1
),
visitors as (
    select visit_date as day, count(distinct visitor_id) as unique_visitors
    from marts.fct_visitor_daily group by 1
),
orders as (
    select placed_date as day, sum(valid_order_count) as valid_orders, sum(gmv) as gmv,
        sum(net_sales) as net_sales, sum(gross_profit) as gross_profit
    from marts.fct_orders group by 1
),
items as (
    select placed_date as day, sum(items_delivered) as items_delivered,
        sum(items_returned) as items_returned
    from marts.fct_sales_daily group by 1
),
receipts as (
    select placed_date as day, avg(order_to_receipt_hours) as order_to_receipt_hours
    from marts.fct_shipments group by 1
)
select day, {indicators} from traffic
full join visitors using (day) full join orders using (day) full join items using (day)
full join receipts using (day)
"""
PROXY_INDICATORS = (
    "page_views", "unique_visitors", "visits", "valid_orders", "gmv", "net_sales",
    "gross_profit", "items_delivered", "items_returned", "order_to_receipt_hours",
)  # fmt: skip

#: The most typical dashboard queries: KPI overview, category shares, funnel, RFM segments,
#: campaign ROI, alerts and drivers.
BI_QUERIES = {
    "kpi_overview_last_30_days": "select * from marts.kpi_overview where grain = 'day' "
    "order by period_start desc limit 30",
    "kpi_overview_months": "select * from marts.kpi_overview where grain = 'month' "
    "order by period_start",
    "kpi_week_over_week": "select period_start, gmv, gmv / lag(gmv) over (order by "
    "period_start) - 1 as gmv_change from marts.kpi_overview where grain = 'week'",
    "gmv_trend_by_day": "select period_start, indicator_value from marts.fct_indicator_values "
    "where indicator_code = 'gmv' and grain = 'day' and slice_dimension = 'all' "
    "order by period_start",
    "conversion_by_channel_month": "select period_start, slice_value, indicator_value "
    "from marts.fct_indicator_values where indicator_code = 'order_conversion_rate' "
    "and grain = 'month' and slice_dimension = 'channel'",
    "category_sales_share_month": "select category_l1, sum(net_sales) / sum(sum(net_sales)) "
    "over () as share from marts.fct_sales_daily where placed_date >= (select max("
    "placed_date) - 29 from marts.fct_sales_daily) group by 1 order by 2 desc",
    "brand_sales_top_20": "select brand, sum(net_sales) as net_sales, sum(gross_profit) as "
    "gross_profit from marts.fct_sales_daily group by 1 order by 2 desc limit 20",
    "category_concentration": "select category, avg(top_20_percent_share), avg(sku_hhi) "
    "from marts.fct_category_concentration_daily where category_level = 'level_1' group by 1",
    "funnel_last_30_days": "select sum(visits), sum(visits_with_add_to_cart), "
    "sum(visits_with_checkout_start), sum(visits_with_order), sum(visits_with_payment) "
    "from marts.fct_traffic_daily where visit_date >= (select max(visit_date) - 29 from "
    "marts.fct_traffic_daily)",
    "funnel_by_device": "select device, sum(visits_with_order) / sum(visits) from "
    "marts.fct_traffic_daily group by 1",
    "uv_by_month": "select period_start, indicator_value from marts.fct_indicator_values "
    "where indicator_code = 'unique_visitors' and grain = 'month' "
    "and slice_dimension = 'all' order by period_start",
    "bounce_rate_by_channel": "select channel, sum(bounced_visits) / sum(visits) from "
    "marts.fct_traffic_daily group by 1",
    "rfm_segment_shares": "select rfm_segment, count(*) / sum(count(*)) over () from "
    "marts.fct_customer_rfm where snapshot_date = (select max(snapshot_date) from "
    "marts.fct_customer_rfm) group by 1",
    "rfm_segment_value": "select rfm_segment, avg(monetary), avg(recency_days) from "
    "marts.fct_customer_rfm where snapshot_date = (select max(snapshot_date) from "
    "marts.fct_customer_rfm) group by 1",
    "campaign_roi_ranking": "select campaign_code, sum(attributed_gross_profit) - "
    "sum(marketing_cost) as profit, sum(marketing_cost) as cost from "
    "marts.fct_campaign_performance_daily group by 1 order by 2 desc",
    "campaign_daily_roas": "select date_day, sum(attributed_net_sales) / nullif(sum("
    "marketing_cost), 0) from marts.fct_campaign_performance_daily group by 1 order by 1",
    "open_alerts": "select indicator_code, name_zh, severity, deviation, runbook from "
    "marts.fct_indicator_alerts where is_open order by severity, deviation desc",
    "gmv_drivers_last_month": "select factor_name, contribution from "
    "marts.fct_indicator_decomposition where parent_code = 'gmv' and grain = 'month' "
    "and slice_dimension = 'all' and period_start = (select max(period_start) from "
    "marts.fct_indicator_decomposition where grain = 'month')",
    "warehouse_cost_per_order": "select warehouse_id, sum(warehousing_cost) / "
    "nullif(sum(shipped_orders), 0) from marts.fct_warehouse_daily group by 1",
    "delivery_hours_by_carrier": "select carrier, avg(order_to_receipt_hours), quantile_cont("
    "order_to_receipt_hours, 0.9) from marts.fct_shipments where is_delivered group by 1",
}


def dbt(
    arguments: list[str], target: Path, check: bool = True, rss_samples: list | None = None
) -> dict[str, float]:
    return measure(
        [str(DBT), *arguments, "--project-dir", str(PROJECT_ROOT), "--profiles-dir",
         str(PROFILES_DIR), "--target-path", str(target)],
        check,
        rss_samples,
    )  # fmt: skip


def layer_of(unique_id: str, manifest: dict) -> str:
    """The layer (models/<layer>/) of a node, or of the model a test is attached to; seeds."""
    node = manifest["nodes"][unique_id]
    if node["resource_type"] in ("test", "unit_test"):
        parents = node.get("depends_on", {}).get("nodes", [])
        tested = node.get("attached_node") or next(iter(parents), "")
        node = manifest["nodes"].get(tested, node)
    if node["resource_type"] == "seed":
        return "seeds"
    parts = Path(node["original_file_path"]).parts
    return parts[1] if parts[0] == "models" else "tests"  # tests of several models


def build(target: Path) -> dict:
    """One `dbt build` (seeds, models, tests): wall time, peak memory, seconds per layer
    (sum of its nodes' execution times: two threads run them side by side), the slowest
    models and the nodes during which memory peaked (resident memory sampled every 0.2 s,
    each sample given to the nodes executing then); on a failed build also the nodes that
    failed, with dbt's message."""
    rss_samples: list[tuple[float, float]] = []
    result = dbt(["build"], target, check=False, rss_samples=rss_samples)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["nodes"].update(manifest.get("unit_tests", {}))
    # run results also list the exposures (no work): nodes only
    nodes = [
        node
        for node in json.loads((target / "run_results.json").read_text())["results"]
        if node["unique_id"] in manifest["nodes"]
    ]
    layers: dict[str, float] = {}
    for node in nodes:
        layer = layer_of(node["unique_id"], manifest)
        layers[layer] = layers.get(layer, 0) + node["execution_time"]
    models = [
        (node["unique_id"].split(".")[-1], round(node["execution_time"], 2))
        for node in nodes
        if node["unique_id"].startswith("model.")
    ]
    failed = {
        node["unique_id"]: (node["message"] or "")[:300]
        for node in nodes
        if node["status"] in ("error", "fail")
    }
    return {
        **result,
        "nodes": len(nodes),
        "node_seconds_per_layer": {name: round(value, 1) for name, value in layers.items()},
        "slowest_models": sorted(models, key=lambda item: item[1], reverse=True)[:6],
        "peak_rss_mb_by_node": peak_rss_by_node(nodes, rss_samples)[:6],
        **(
            {"failed": failed, "skipped": sum(n["status"] == "skipped" for n in nodes)}
            if failed
            else {}
        ),
    }


def peak_rss_by_node(nodes: list[dict], samples: list[tuple[float, float]]) -> list:
    """(node name, peak resident MB while it executed), highest first."""
    peaks = []
    for node in nodes:
        execute = next((t for t in node["timing"] if t["name"] == "execute"), None)
        if not execute or not execute.get("started_at"):
            continue
        first, last = (
            dt.datetime.fromisoformat(execute[key].replace("Z", "+00:00")).timestamp()
            for key in ("started_at", "completed_at")
        )
        during = [rss for at, rss in samples if first <= at <= last]
        if during:
            peaks.append((node["unique_id"].split(".", 2)[-1], round(max(during))))
    return sorted(peaks, key=lambda item: item[1], reverse=True)


def limit_proxy(warehouse: Path) -> dict:
    """Time the hand-written script; compare its daily figures with the marts'."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # DuckDB as the dbt profile sets it: the same memory cap and threads
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit()}'")
        con.execute(f"set threads = {settings.duckdb_threads()}")
        started = time.perf_counter()
        con.execute(PROXY_SQL.read_text())
        wall = time.perf_counter() - started
        indicators = ", ".join(PROXY_INDICATORS)
        marts = {
            row[0]: row[1:]
            for row in con.execute(MART_FIGURES.format(indicators=indicators)).fetchall()
        }
        proxy = con.execute(
            f"select day, {indicators} from proxy_traffic full join proxy_orders using (day)"
        ).fetchall()
    finally:
        con.close()
    largest = dict.fromkeys(PROXY_INDICATORS, 0.0)
    for day, *ours in proxy:
        theirs = marts.get(day, [None] * len(PROXY_INDICATORS))
        for name, mine, mart in zip(PROXY_INDICATORS, ours, theirs, strict=True):
            if mine is not None and mart is not None:
                largest[name] = max(largest[name], abs(float(mine) - float(mart)))
    return {
        "wall_s": round(wall, 2),
        "days": len(proxy),
        "largest_daily_difference_vs_marts": {k: round(v, 6) for k, v in largest.items()},
    }


def bi_queries(warehouse: Path, repeats: int = 5) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    latencies, per_query = [], {}
    try:
        for name, sql in BI_QUERIES.items():
            con.execute(sql).fetchall()  # warm-up
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                con.execute(sql).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            per_query[name] = round(statistics.median(times), 2)
            latencies += times
    finally:
        con.close()
    latencies.sort()
    return {
        "queries": len(BI_QUERIES),
        "runs": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "median_ms_per_query": per_query,
    }


def shop_inputs(root: Path, scale: float, days: int, start: dt.date, seed: int) -> None:
    """The generated shop (``days + 1`` days in root/landing) and its first ``days`` days
    ingested (root/history.duckdb). The simulator is deterministic, so with ``--reuse`` a
    later run on the same parameters copies them instead of generating and ingesting again
    (about 20 minutes at scale 10)."""
    stamp, history = root / "inputs.json", root / "history.duckdb"
    code = hashlib.sha256()
    for path in [*sorted(p for folder in INPUT_CODE for p in folder.rglob("*.py")), CONTRACT_PATH]:
        code.update(path.read_bytes())
    wanted = {
        "scale": scale, "days": days, "start": str(start), "seed": seed,
        "code": code.hexdigest(),
    }  # fmt: skip
    kept = history.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted
    if not kept:
        shutil.rmtree(root, ignore_errors=True)
        simulate(root / "landing", start, days + 1, scale, seed)
        history_end = start + dt.timedelta(days=days - 1)
        report = ingest(history, root / "landing", end=history_end)
        assert report.ok, report.summary()
        stamp.write_text(json.dumps(wanted))
    # the new day's personal identifiers are hashed with the history's salt
    with duckdb.connect(str(history), read_only=True) as con:
        os.environ["SHOP_PII_SALT"] = con.execute(f"select salt from {SALT_TABLE}").fetchone()[0]


def bench_scale(
    scale: float, days: int, start: dt.date, seed: int, work: Path, reuse: bool
) -> dict:
    root = work / f"scale_{scale:g}"
    if not reuse:
        shutil.rmtree(root, ignore_errors=True)
    shop_inputs(root, scale, days, start, seed)
    landing, warehouse, target = root / "landing", root / "shop.duckdb", root / "dbt_target"
    shutil.rmtree(target, ignore_errors=True)
    for leftover in (Path(f"{warehouse}.wal"), Path(f"{warehouse}.tmp")):  # of a stopped run
        remove(leftover)
    # one copy of raw on disk unless it is kept for the next run
    (shutil.copyfile if reuse else os.replace)(root / "history.duckdb", warehouse)
    history_end = start + dt.timedelta(days=days - 1)
    os.environ["SHOP_WAREHOUSE_PATH"] = str(warehouse)

    result: dict = {"scale": scale, "days": days}
    result["dbt_fixed_overhead_s"] = dbt(["build", "--select", "path:models/none"], target)[
        "wall_s"
    ]
    result["full_build"] = build(target)
    if result["full_build"]["exit_code"] != 0:  # recorded; nothing further to measure
        clean_up(root, reuse)
        return result
    result["limit_proxy"] = limit_proxy(warehouse)
    result["bi_queries"] = bi_queries(warehouse)

    new_day = history_end + dt.timedelta(days=1)
    started = time.perf_counter()
    report = ingest(warehouse, landing, start=new_day, end=new_day)
    assert report.ok, report.summary()
    load = time.perf_counter() - started
    # the window as the orchestration passes it (in the environment: partial parsing holds)
    os.environ.update(SHOP_WINDOW_START=str(new_day), SHOP_WINDOW_END=str(new_day))
    result["daily_refresh"] = {"ingest_s": round(load, 1), **build(target)}
    for name in (settings.WINDOW_START, settings.WINDOW_END):
        os.environ.pop(name)
    result["warehouse_mb"] = round(warehouse.stat().st_size / 2**20, 1)
    full = result["full_build"]["wall_s"]
    result["ratios"] = {
        "daily_refresh_to_full_build": round(result["daily_refresh"]["wall_s"] / full, 3),
        "full_build_to_limit_proxy": round(full / result["limit_proxy"]["wall_s"], 2),
    }
    clean_up(root, reuse)
    return result


def clean_up(root: Path, reuse: bool) -> None:
    """Remove a scale's run: all of it, or (``reuse``) all but its generated inputs."""
    if not reuse:
        shutil.rmtree(root)
        return
    for path in root.iterdir():
        if path.name not in ("landing", "history.duckdb", "inputs.json"):
            remove(path)


def remove(path: Path) -> None:
    """Delete a file or a folder, if it is there."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def bench_engines(days: int, start: dt.date, seed: int, work: Path, scale: float) -> dict:
    """The same project's `dbt build` on DuckDB (a child process), on Spark (PySpark
    local[2] in this process; its start and the copy of raw timed apart) and on PostgreSQL
    (a throwaway local server; its start and the copy of raw timed apart) on a small shop."""
    from orchestration.serving.postgres import Settings, copy_raw, throwaway_server
    from orchestration.transform.spark import copy_raw as copy_raw_to_spark
    from orchestration.transform.spark import dbt_on_spark, local_spark

    root = work / "engines"
    shutil.rmtree(root, ignore_errors=True)
    simulate(root / "landing", start, days, scale, seed)
    warehouse = root / "shop.duckdb"
    assert ingest(warehouse, root / "landing").ok
    os.environ["SHOP_WAREHOUSE_PATH"] = str(warehouse)
    on_duckdb = dbt(["build"], root / "duckdb_target")
    started = time.perf_counter()
    spark = local_spark(root / "spark")
    copy_raw_to_spark(spark, warehouse, root / "spark" / "raw")
    spark_start = time.perf_counter() - started
    started = time.perf_counter()
    built = dbt_on_spark(["build", "--quiet"], root / "spark" / "target")
    spark_build = time.perf_counter() - started
    spark.stop()
    assert built, "dbt build --target spark failed"
    os.environ.setdefault("SHOP_PG_PASSWORD", secrets.token_urlsafe(16))
    os.environ.setdefault("SHOP_PG_BI_PASSWORD", secrets.token_urlsafe(16))
    started = time.perf_counter()
    with throwaway_server(Settings.from_env()) as server:
        os.environ["SHOP_PG_PORT"] = str(server.port)
        copy_raw(server, warehouse)
        postgres_start = time.perf_counter() - started
        on_postgres = dbt(["build", "--target", "postgres"], root / "postgres_target")
    shutil.rmtree(root)
    return {
        "scale": scale,
        "days": days,
        "duckdb_build_s": on_duckdb["wall_s"],
        "spark_start_and_raw_copy_s": round(spark_start, 1),
        "spark_build_s": round(spark_build, 1),
        "spark_to_duckdb": round(spark_build / on_duckdb["wall_s"], 2),
        "postgres_start_and_raw_copy_s": round(postgres_start, 1),
        "postgres_build_s": on_postgres["wall_s"],
        "postgres_to_duckdb": round(on_postgres["wall_s"] / on_duckdb["wall_s"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="*", default=[1.0, 10.0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine-scale", type=float, default=0.05)
    parser.add_argument("--engine-days", type=int, default=10, help="0: no engine comparison")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep each scale's generated and ingested shop in --work for the next run",
    )
    args = parser.parse_args()
    # a run without scales (--scales) adds its engine comparison to the results there
    results = json.loads(args.output.read_text()) if args.output.exists() else {}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    runs = []
    for scale in args.scales:
        runs.append(bench_scale(scale, args.days, args.start, args.seed, args.work, args.reuse))
        print(json.dumps(runs[-1], indent=2), flush=True)
        results["runs"], results["summary"] = runs, {}
        built = [run for run in runs if run["full_build"]["exit_code"] == 0]
        if len(built) > 1:
            first, last = built[0], built[-1]
            results["summary"][
                f"full_build_scale_{last['scale']:g}_to_scale_{first['scale']:g}"
            ] = round(last["full_build"]["wall_s"] / first["full_build"]["wall_s"], 2)
        args.output.write_text(json.dumps(results, indent=2) + "\n")
    if args.engine_days:
        results["engines"] = bench_engines(
            args.engine_days, args.start, args.seed, args.work, args.engine_scale
        )
        args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(args.output.read_text())


if __name__ == "__main__":
    main()
