"""Paths and machine limits shared by the simulator, ingest, dbt and Dagster.

Every setting comes from an environment variable with a default under the project root, so
the same code serves `make run`, the tests (which point them at temporary directories) and a
shop's production deployment.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(variable: str, default: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value else PROJECT_ROOT / default


def landing_dir() -> Path:
    """Where shops drop their export files (``SHOP_LANDING_DIR``)."""
    return _path("SHOP_LANDING_DIR", "landing")


def warehouse_path() -> Path:
    """The DuckDB file the pipeline builds into (``SHOP_WAREHOUSE_PATH``)."""
    return _path("SHOP_WAREHOUSE_PATH", "warehouse/shop.duckdb")


def duckdb_memory_limit() -> str:
    """DuckDB memory cap (``SHOP_DUCKDB_MEMORY``): well inside a 24 GB, 2-core machine."""
    return os.environ.get("SHOP_DUCKDB_MEMORY", "7GB")


def duckdb_threads() -> int:
    """DuckDB worker threads (``SHOP_DUCKDB_THREADS``), one per core by default."""
    return int(os.environ.get("SHOP_DUCKDB_THREADS", str(os.cpu_count() or 2)))


def pii_salt() -> str:
    """The salt of hashed personal identifiers (``SHOP_PII_SALT``): a secret, so it has no
    default in the repository; ``make run`` keeps one per checkout in ``.secrets/``."""
    salt = os.environ.get("SHOP_PII_SALT")
    if not salt:
        raise RuntimeError(
            "SHOP_PII_SALT is not set: personal identifiers are hashed with this secret salt "
            "(set it from your secret store; make run creates one in .secrets/pii_salt)"
        )
    return salt


def dagster_home() -> str | None:
    """Persistent Dagster instance directory (``DAGSTER_HOME``); in-process runs without it
    use a throwaway instance."""
    return os.environ.get("DAGSTER_HOME")
