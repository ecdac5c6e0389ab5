"""The environment that points the pipeline at a benchmark's generated shop.

The benchmarks that run the pipeline over a shop they simulate (``bench_refresh.py``,
``bench_incidents.py``) lay it out alike under one folder; this module names that layout
once so that every benchmark runs the pipeline on the same files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def shop_environment(root: Path, first_day: dt.date) -> dict[str, str]:
    """The settings for the shop under ``root`` whose first day is ``first_day``: every file
    the pipeline reads and writes there."""
    return {
        "SHOP_LANDING_DIR": str(root / "landing"),
        "SHOP_WAREHOUSE_PATH": str(root / "warehouse" / "shop.duckdb"),
        "SHOP_PUBLISHED_DIR": str(root / "published"),
        "SHOP_FIRST_DAY": str(first_day),
        # dbt's targets, partial-parse state and logs, and the runs' logs: the benchmark's
        # own, not the checkout's target/ and logs/
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "target"),
        "SHOP_LOG_DIR": str(root / "logs"),
    }
