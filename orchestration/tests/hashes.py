"""Comparing warehouses by content: equal hashes mean equal contents, whatever the order.

Each row hashes to a 64-bit value and a table's hash is the sum of its rows' hashes, so row
order (which parallel builds don't keep) does not matter but every row, duplicates
included, counts. Floating-point columns are rounded to 6 decimals first: the same sum
taken in a different order can differ in its last bits. A value that lies on a rounding
boundary can still round either way, so tables whose hashes differ are compared row by row
(``differences``), floating-point values allowed one rounding step apart.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.tests.warehouse import query

FLOATING = ("DOUBLE", "FLOAT", "REAL")


def _columns(database: Path, schemas: tuple[str, ...], ignore: tuple[str, ...]) -> dict:
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
    return columns


def _rounded(columns: list[tuple[str, str]]) -> list[str]:
    return [
        f'round("{name}", 6)' if data_type in FLOATING else f'"{name}"'
        for name, data_type in columns
    ]


def table_hashes(
    database: Path,
    schemas: tuple[str, ...],
    ignore: tuple[str, ...] = ("_loaded_at",),
    rows_where: dict[str, str] | None = None,
) -> dict[str, tuple[int, str]]:
    """Per ``schema.table`` (base tables and views), its row count and content hash over
    every column but ``ignore`` (by default the load time, which differs between loads of
    the same files), over the rows that ``rows_where`` (relation → SQL condition) keeps."""
    hashes = {}
    for relation, columns in _columns(database, schemas, ignore).items():
        row_hash = f"hash({', '.join(_rounded(columns))})"
        where = (rows_where or {}).get(relation, "true")
        [(rows, digest)] = query(
            database,
            f"select count(*), cast(coalesce(sum(cast({row_hash} as hugeint)), 0) as varchar) "
            f"from {relation} where {where}",
        )
        hashes[relation] = (rows, digest)
    return hashes


def _only_float_noise(first: Path, second: Path, relation: str, columns: list) -> bool:
    """True when the rows that differ after rounding pair up, by their other columns, with
    floating-point values one rounding step (1e-6) apart at most."""
    rounded = ", ".join(
        f'{expression} as "{name}"'
        for expression, (name, _) in zip(_rounded(columns), columns, strict=True)
    )
    exact = [name for name, data_type in columns if data_type not in FLOATING]
    floats = [name for name, data_type in columns if data_type in FLOATING]
    con = duckdb.connect()
    try:
        con.execute(f"attach '{first}' as first_db (read_only)")
        con.execute(f"attach '{second}' as second_db (read_only)")
        for name, one, other in (("a", "first_db", "second_db"), ("b", "second_db", "first_db")):
            con.execute(
                f"create temp table only_{name} as select {rounded} from {one}.{relation} "
                f"except all select {rounded} from {other}.{relation}"
            )
        same = " and ".join(f'a."{n}" is not distinct from b."{n}"' for n in exact) or "true"
        close = (
            " and ".join(
                f'(a."{n}" is not distinct from b."{n}" or abs(a."{n}" - b."{n}") <= 1.5e-6)'
                for n in floats
            )
            or "false"
        )
        [(left, right, paired)] = con.execute(
            "select (select count(*) from only_a), (select count(*) from only_b), "
            f"(select count(*) from only_a as a join only_b as b on {same} and {close})"
        ).fetchall()
    finally:
        con.close()
    return left == right == paired


def differences(first: Path, second: Path, schemas: tuple[str, ...]) -> dict[str, str]:
    """The tables whose contents differ between two warehouses, with what differs."""
    ignore = ("_loaded_at",)
    ours, theirs = table_hashes(first, schemas, ignore), table_hashes(second, schemas, ignore)
    columns = _columns(second, schemas, ignore)
    found = {}
    for relation in sorted(set(ours) | set(theirs)):
        if ours.get(relation) == theirs.get(relation):
            continue
        if relation not in ours or relation not in theirs:
            found[relation] = "only in one warehouse"
        elif ours[relation][0] != theirs[relation][0]:
            found[relation] = f"{ours[relation][0]} rows vs {theirs[relation][0]}"
        elif not _only_float_noise(first, second, relation, columns[relation]):
            found[relation] = "same row count, different contents"
    return found
