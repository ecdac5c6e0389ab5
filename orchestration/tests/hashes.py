"""Content hashes of warehouse tables: equal hashes mean equal contents, whatever the order.

Each row hashes to a 64-bit value and a table's hash is the sum of its rows' hashes, so row
order (which parallel builds don't keep) does not matter but every row, duplicates
included, counts. Floating-point columns are rounded to 6 decimals first: the same sum
taken in a different order can differ in its last bits.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.tests.warehouse import query

FLOATING = ("DOUBLE", "FLOAT", "REAL")


def _row_expression(columns: list[tuple[str, str]]) -> str:
    parts = [
        f'round("{name}", 6)' if data_type in FLOATING else f'"{name}"'
        for name, data_type in columns
    ]
    return f"hash({', '.join(parts)})"


def table_hashes(
    database: Path, schemas: tuple[str, ...], ignore: tuple[str, ...] = ("_loaded_at",)
) -> dict[str, tuple[int, str]]:
    """Per ``schema.table`` (base tables and views), its row count and content hash over
    every column but ``ignore`` (by default the load time, which differs between loads of
    the same files)."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    columns: dict[str, list[tuple[str, str]]] = {}
    for schema, table, name, data_type in query(
        database,
        "select table_schema, table_name, column_name, data_type "
        f"from information_schema.columns where table_schema in ({listed}) "
        "order by table_schema, table_name, ordinal_position",
    ):
        if name not in ignore:
            columns.setdefault(f"{schema}.{table}", []).append((name, data_type))
    hashes = {}
    for relation, relation_columns in columns.items():
        [(rows, digest)] = query(
            database,
            f"select count(*), cast(coalesce(sum(cast({_row_expression(relation_columns)} "
            f"as hugeint)), 0) as varchar) from {relation}",
        )
        hashes[relation] = (rows, digest)
    return hashes
