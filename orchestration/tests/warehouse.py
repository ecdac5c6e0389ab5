"""Reading what tests check: a warehouse file (one read-only connection per query, closed
after it) and the landing files themselves (a second route to the same numbers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv

from orchestration.contract import load_contract


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """All rows of ``sql`` on ``database``, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def read_landed(landing: Path, source: str, table: str, day: dt.date | None = None) -> list[dict]:
    """The landed rows of a CSV table (of one export day, or all), read straight from the
    files."""
    encoding = load_contract().source(source).csv_encoding
    pattern = f"date={day}/*.csv" if day else "date=*/*.csv"
    rows: list[dict] = []
    for path in sorted((landing / source / table).glob(pattern)):
        rows += pa_csv.read_csv(
            path, read_options=pa_csv.ReadOptions(encoding=encoding)
        ).to_pylist()
    return rows
