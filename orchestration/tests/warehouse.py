"""Reading a warehouse file in tests: one read-only connection per query, closed after it."""

from __future__ import annotations

from pathlib import Path

import duckdb


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """All rows of ``sql`` on ``database``, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()
