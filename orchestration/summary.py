"""A short, printable account of a warehouse file: what was built, and the indicator report
(the open incidents first, then the catalog's headline indicators, alerts, indicators not
available)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.indicator_catalog import headline_codes


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
        return f"{value:,.4f}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def warehouse_summary(database: Path) -> str:
    """One line: the file, its tables and views, and the rows in its tables."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        relations = _relations(con)
        tables = [(schema, name) for schema, name, kind in relations if kind != "VIEW"]
        rows = sum(
            con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0]
            for schema, name in tables
        )
        return (
            f"warehouse {database}: {len(tables)} tables and {len(relations) - len(tables)} "
            f"views, {rows:,} rows in the tables"
        )
    finally:
        con.close()


def incident_lines(con: duckdb.DuckDBPyConnection, shown: int = 5) -> list[str]:
    """The open incidents (marts.fct_indicator_incidents: their last day is the latest day),
    costliest first: severity, summary, estimated impact in net sales and the first
    sentence of the root's runbook; then how many incidents the last 30 days had."""
    incidents = con.execute(
        """
        select severity, summary, impact_amount, runbook, is_open
        from marts.fct_indicator_incidents
        where last_day > (select max(last_day) - 30 from marts.fct_indicator_incidents)
        order by impact_rank
        """
    ).fetchall()
    open_incidents = [incident for incident in incidents if incident[-1]]
    lines = [
        f"open incidents: {len(open_incidents)} ({len(incidents)} in the last 30 days; "
        "impact = net sales below their baseline)"
    ]
    for severity, summary, impact, runbook, _ in open_incidents[:shown]:
        shown_impact = "n/a" if impact is None else _format(impact)
        lines.append(f"  {severity:<8} {summary} — impact {shown_impact}")
        lines.append(f"           → {runbook.split('. ')[0].rstrip('.')}.")
    return lines


def indicator_report(database: Path, shown_alerts: int = 8) -> str:
    """The open incidents (:func:`incident_lines`), then the last day, the last complete
    ISO week and the last complete month of the headline indicators with their change
    against the period before (a provisional value marked *), then the alerts of the last
    seven days (open: those of the last day) with the first sentence of their runbook."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        periods = con.execute(
            """
            with last_day as (
                select max(period_start) as day from marts.fct_indicator_values
                where grain = 'day'
            )
            select grain, max(period_start)
            from marts.fct_indicator_values, last_day
            where period_end <= last_day.day
            group by grain
            order by case grain when 'day' then 1 when 'week' then 2 else 3 end
            """
        ).fetchall()
        names, values = {}, {}
        for grain, period in periods:
            rows = con.execute(
                """
                select c.indicator_code, c.name_zh, c.unit, v.indicator_value, p.indicator_value,
                       v.is_provisional
                from reference.indicator_catalog as c
                inner join marts.fct_indicator_values as v
                    on v.indicator_code = c.indicator_code and v.grain = ?
                    and v.period_start = ? and v.slice_dimension = 'all'
                left join marts.fct_indicator_values as p
                    on p.indicator_code = c.indicator_code and p.grain = v.grain
                    and p.slice_dimension = 'all' and p.period_end = v.period_start - 1
                """,
                [grain, period],
            ).fetchall()
            for code, name, unit, value, previous, provisional in rows:
                change = f"{value / previous - 1:+.1%}" if value is not None and previous else "n/a"
                shown = _format(value if unit != "count" else int(value or 0))
                names[code] = name
                values[code, grain] = f"{shown:>14}{'*' if provisional else ' '}{change:>7}"
        # the open incidents, then one line per headline indicator: its last day, week, month
        lines = [
            *incident_lines(con),
            "indicator report (shop-wide; change against the previous period; * provisional: "
            "late returns, refunds or deliveries can still change it):",
            f"  {'':<24} {'':<12}"
            + "".join(f"  {grain + ' ' + str(period):>22}" for grain, period in periods),
        ]
        for code in (code for code in headline_codes() if code in names):
            shown = "".join(f"  {values.get((code, grain), ''):>22}" for grain, _ in periods)
            lines.append(f"  {code:<24} {names[code]:<12}{shown}")
        alerts = con.execute(
            """
            select period_start, indicator_code, slice_dimension, slice_value, severity,
                   indicator_value, baseline_value, runbook, is_open
            from marts.fct_indicator_alerts
            where period_start > (select max(period_start) - 7 from marts.fct_indicator_alerts)
            order by period_start desc, severity, indicator_code, slice_dimension, slice_value
            """
        ).fetchall()
        opened = sum(1 for alert in alerts if alert[-1])
        lines.append(f"alerts of the last 7 days: {len(alerts)} ({opened} open on the last day)")
        for day, code, dimension, value, severity, actual, baseline, runbook, _ in alerts[
            :shown_alerts
        ]:
            where = "" if dimension == "all" else f" [{dimension}={value}]"
            expected = "" if baseline is None else f" (baseline {_format(baseline)})"
            lines.append(f"  {severity:<8} {day} {code}{where}: {_format(actual)}{expected}")
            lines.append(f"           → {runbook.split('. ')[0].rstrip('.')}.")
        lines += availability_lines(con)
        return "\n".join(lines)
    finally:
        con.close()


def availability_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The catalog's indicators that are not available, one line each with the raw tables
    the shop would have to deliver ("needs web.events"), from marts.indicator_availability."""
    rows = con.execute(
        """
        select indicator_code, name_zh, status, availability_note
        from marts.indicator_availability
        order by family, indicator_code
        """
    ).fetchall()
    missing = [row for row in rows if row[2] != "available"]
    if not missing:
        return [f"indicators available: all {len(rows)} of the catalog"]
    lines = [
        f"indicators available: {len(rows) - len(missing)} of {len(rows)}; not available "
        "(a raw table they need was never delivered):"
    ]
    lines += [f"  {code:<32} {name:<14} {note}" for code, name, _, note in missing]
    return lines
