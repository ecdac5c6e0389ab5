"""Importer throughput: 1 million GA4 events (one day's export as Parquet, GA4's BigQuery
export schema) and 1 million access log lines (combined format with the request time),
each imported in a process of its own; rows per second and that process's peak memory.

    .venv/bin/python benchmarks/bench_importers.py [--rows 1000000] [--repeat 3]

Writes benchmarks/results/importers.json. The target: at least 500,000 rows/s for both.
Each format is imported ``--repeat`` times; the run of median speed is reported, with
every run's speed beside it (the first run after the input is written is often slower).
Besides the wall time, each import's CPU seconds (user and system, all its threads) and
the machine's load average before it: on shared cores the wall time grows with the other
work, the CPU time much less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "importers.json"
TARGET_ROWS_PER_S = 500_000
#: Pages, user agents and statuses the generated traffic cycles through.
PAGES = ["/", "/collections/tees", "/products/classic-tee", "/cart", "/search?q=mug",
         "/products/white-mug?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale",
         "/static/app.css", "/images/tee.png"]  # fmt: skip
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]


def ga4_export(path: Path, rows: int) -> None:
    """One events_YYYYMMDD table of ``rows`` events in GA4's export schema (Parquet)."""
    pages = ", ".join(f"'https://shop.example.com{p}'" for p in PAGES[:6])
    duckdb.sql(f"""
        copy (
            select
                '20250610' as event_date,
                1749528000000000 + i * 80000 as event_timestamp,
                ['page_view', 'view_item', 'add_to_cart', 'page_view', 'scroll',
                 'begin_checkout', 'page_view', 'purchase'][i % 8 + 1] as event_name,
                [{{'key': 'page_location', 'value': {{'string_value': [{pages}][i % 6 + 1],
                    'int_value': null::bigint, 'float_value': null::double,
                    'double_value': null::double}}}},
                 {{'key': 'ga_session_id', 'value': {{'string_value': null::varchar,
                    'int_value': i // 20, 'float_value': null::double,
                    'double_value': null::double}}}}] as event_params,
                'u' || (i // 20) as user_pseudo_id,
                null::varchar as user_id,
                'WEB' as platform,
                {{'category': ['desktop', 'mobile', 'tablet'][i % 3 + 1]}} as device,
                {{'manual_source': null::varchar, 'manual_medium': null::varchar,
                  'manual_campaign_name': null::varchar}} as collected_traffic_source,
                {{'transaction_id': case when i % 8 = 7 then 'T' || i end}} as ecommerce,
                [{{'item_id': 'SKU-' || (i % 500)}}] as items
            from range({rows}) as t(i)
        ) to '{path}' (format parquet, compression zstd)
    """)


def access_log(path: Path, rows: int) -> None:
    """``rows`` combined-format lines with the request time."""
    with path.open("w", encoding="utf-8") as file:
        for start in range(0, rows, 100_000):
            lines = []
            for i in range(start, min(rows, start + 100_000)):
                second = i // 12
                hour, minute = second // 3600 % 24, second // 60 % 60
                stamp = f"10/Jun/2025:{hour:02d}:{minute:02d}:{second % 60:02d}"
                lines.append(
                    f"198.51.{i % 250}.{i // 250 % 250} - - [{stamp} -0400] "
                    f'"GET {PAGES[i % 8]} HTTP/1.1" {404 if i % 50 == 0 else 200} 5120 '
                    f'"-" "{AGENTS[i % 3]}" 0.{i % 900 + 100}\n'
                )
            file.write("".join(lines))


def timed(call: str, rows: int) -> dict:
    """Run one import (``call``, a Python expression giving its report) in a child process:
    the import's own seconds (interpreter start and module imports excluded, reported
    apart as the process's wall time), rows/s and the child's peak memory (its maximum
    resident set)."""
    command = (
        "import resource, time; from pathlib import Path; "
        "from orchestration.importers.access_log import import_access_log; "
        "from orchestration.importers.ga4 import import_ga4; "
        "before = resource.getrusage(resource.RUSAGE_SELF); "
        f"started = time.perf_counter(); report = {call}; "
        "print(time.perf_counter() - started); "
        "after = resource.getrusage(resource.RUSAGE_SELF); "
        "print(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime); "
        "print(report.summary()); print(after.ru_maxrss)"
    )
    load = os.getloadavg()[0]
    started = time.perf_counter()
    output = (
        subprocess.run(
            [sys.executable, "-c", command], check=True, capture_output=True, text=True, cwd=ROOT
        )
        .stdout.strip()
        .splitlines()
    )
    wall = time.perf_counter() - started
    seconds, cpu = float(output[0]), float(output[1])
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "cpu_seconds": round(cpu, 2),
        "load_average_before": round(load, 1),
        "process_wall_seconds": round(wall, 2),
        "peak_memory_mb": round(int(output[-1]) / 1024),
        "meets_target": rows / seconds >= TARGET_ROWS_PER_S,
        "report": [line for line in output[2:-1] if not line.startswith(("100%", " 100%"))],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format (median kept)")
    args = parser.parse_args(argv)
    results = {"machine": f"{platform.machine()}, {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        ga4, log = work / "events_20250610.parquet", work / "access.log"
        ga4_export(ga4, args.rows)
        access_log(log, args.rows)
        calls = {
            "ga4_parquet": "import_ga4([Path('{ga4}')], Path('{work}/landing_ga4_{run}'))",
            "access_log": "import_access_log([Path('{log}')], Path('{work}/landing_log_{run}'))",
        }
        for name, call in calls.items():
            runs = [
                timed(call.format(ga4=ga4, log=log, work=work, run=run), args.rows)
                for run in range(args.repeat)
            ]
            # the run of median speed (the lower of the two middle ones), every run's speed
            median = sorted(runs, key=lambda r: r["rows_per_s"])[(len(runs) - 1) // 2]
            results[name] = {**median, "runs_rows_per_s": [r["rows_per_s"] for r in runs]}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0 if all(results[k]["meets_target"] for k in ("ga4_parquet", "access_log")) else 1


if __name__ == "__main__":
    sys.exit(main())
