"""A short, printable account of a warehouse file: what was built and a few headline figures."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

#: Headline figures: label → (table it needs, SQL). Shown when the table exists.
HEADLINES: dict[str, tuple[str, str]] = {
    "days of web events": (
        "raw.events",
        "select count(distinct _partition_date) from raw.events",
    ),
    "orders placed": ("raw.orders", "select count(*) from raw.orders"),
    "GMV placed (CNY)": ("raw.orders", "select sum(order_total) from raw.orders"),
}


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    return con.execute(
        """
        select table_schema, table_name, table_type
        from information_schema.tables
        where table_catalog = current_database() and not table_name like '\\_%' escape '\\'
        order by table_schema, table_name
        """
    ).fetchall()


def _format(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}"
    return str(value)


def warehouse_summary(database: Path) -> str:
    con = duckdb.connect(str(database), read_only=True)
    try:
        relations = _relations(con)
        lines = [f"warehouse {database}: {len(relations)} tables and views"]
        for schema, name, kind in relations:
            (count,) = con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0]
            label = "view " if kind == "VIEW" else "table"
            lines.append(f"  {label} {schema}.{name:<40} {count:>12,} rows")
        present = {f"{schema}.{name}" for schema, name, _ in relations}
        headlines = [
            (label, con.execute(sql).fetchall()[0][0])
            for label, (needs, sql) in HEADLINES.items()
            if needs in present
        ]
        if headlines:
            lines.append("headline figures:")
            lines += [f"  {label:<40} {_format(value):>16}" for label, value in headlines]
        return "\n".join(lines)
    finally:
        con.close()
