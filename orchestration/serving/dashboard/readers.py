"""The dashboard's readers: what the page shows, read from one published version (SQL over
the marts, the catalog and the publications), grouped into the template's context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb

from orchestration.serving.dashboard.charts import decomposition_chart, trend
from orchestration.serving.dashboard.model import (
    EXTRA_DRIVERS,
    FAMILIES,
    GRAINS,
    TREND_DAYS,
    Indicator,
    Period,
    accepted_range,
    figure,
    format_value,
    signed_money,
)


def read(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the template shows, read from one published version."""
    first_day, last_day = con.execute(
        "select min(period_start), max(period_start) from marts.fct_indicator_values "
        "where grain = 'day'"
    ).fetchone()
    if last_day is None:
        raise ValueError("the published warehouse has no indicator values yet")
    catalog = _catalog(con)
    periods = _periods(con, first_day, last_day)
    values, provisional = _shop_wide_values(con, min(period.previous_start for period in periods))
    alerted = _alerted_days(con, last_day - dt.timedelta(days=TREND_DAYS))
    needs = _unavailable(con)
    families = []
    for code, name_en, name_zh in FAMILIES:
        unavailable = [
            (indicator, needs[indicator.code])
            for indicator in catalog
            if indicator.family == code and indicator.code in needs
        ]
        members = [
            indicator
            for indicator in catalog
            if indicator.family == code and indicator.code not in needs
        ]
        rows = [
            (
                indicator,
                [figure(indicator, period, values, first_day, provisional) for period in periods],
            )
            for indicator in members
            if indicator.has_total
        ]
        headlines = [
            {
                "indicator": indicator,
                "figures": figures,
                "chart": trend(con, indicator, last_day, alerted),
            }
            for indicator, figures in rows
            if indicator.headline
        ]
        families.append(
            {
                "code": code,
                "name_en": name_en,
                "name_zh": name_zh,
                "headlines": headlines,
                "rows": rows,
                "sliced_only": [indicator for indicator in members if not indicator.has_total],
                "unavailable": unavailable,
            }
        )
    by_code = {indicator.code: indicator for indicator in catalog}
    alerts = _open_alerts(con, by_code)
    return {
        "first_day": first_day,
        "last_day": last_day,
        "periods": periods,
        "publication": _publication(con),
        "incidents": _open_incidents(con, by_code),
        "alerts": alerts,
        "alert_count": sum(len(group["alerts"]) for group in alerts),
        "families": families,
        "decompositions": _decompositions(con, periods, first_day, by_code),
    }


def _unavailable(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Indicators that are not available (a raw table they need was never delivered), with
    what they need ("needs web.events"): listed, never shown as a zero."""
    return dict(
        con.execute(
            "select indicator_code, availability_note from marts.indicator_availability "
            "where status = 'not_available'"
        ).fetchall()
    )


def _catalog(con: duckdb.DuckDBPyConnection) -> list[Indicator]:
    rows = con.execute(
        """
        select indicator_code, family, sub_family, name_en, name_zh, definition, unit,
               direction, grains, has_total, headline
        from reference.indicator_catalog
        order by rowid
        """
    ).fetchall()
    return [
        Indicator(*row[:8], grains=tuple(row[8].split(";")), has_total=row[9], headline=row[10])
        for row in rows
    ]


def _periods(con: duckdb.DuckDBPyConnection, first_day: dt.date, last_day: dt.date) -> list[Period]:
    """The latest period of each grain that lies within the loaded days."""
    rows = con.execute(
        """
        select grain, max(period_start), max_by(period_end, period_start)
        from marts.fct_indicator_values
        where period_start >= ? and period_end <= ?
        group by grain
        """,
        [first_day, last_day],
    ).fetchall()
    found = {grain: (start, end) for grain, start, end in rows}
    periods = []
    for grain in GRAINS:
        if grain not in found:
            continue
        start, end = found[grain]
        if grain == "day":
            previous = start - dt.timedelta(days=1)
        elif grain == "week":
            previous = start - dt.timedelta(days=7)
        else:
            previous = (start - dt.timedelta(days=1)).replace(day=1)
        periods.append(Period(grain, start, end, previous))
    return periods


def _shop_wide_values(
    con: duckdb.DuckDBPyConnection, since: dt.date
) -> tuple[dict[tuple[str, str, dt.date], float | None], frozenset[tuple[str, str, dt.date]]]:
    """The shop-wide values since a day, and which of them are provisional."""
    rows = con.execute(
        """
        select indicator_code, grain, period_start, indicator_value, is_provisional
        from marts.fct_indicator_values
        where slice_dimension = 'all' and period_start >= ?
        """,
        [since],
    ).fetchall()
    values = {(code, grain, start): value for code, grain, start, value, _ in rows}
    provisional = frozenset((code, grain, start) for code, grain, start, _, p in rows if p)
    return values, provisional


def _open_incidents(
    con: duckdb.DuckDBPyConnection, catalog: dict[str, Indicator]
) -> list[dict[str, Any]]:
    """The open incidents (marts.fct_indicator_incidents), costliest first, with their root
    indicator, impact in money and runbook."""
    columns = (
        "incident_id", "root_indicator_code", "root_slice_dimension", "root_slice_value",
        "first_day", "last_day", "severity", "impact_amount", "explained_alert_count",
        "explained_indicators", "runbook", "summary",
    )  # fmt: skip
    rows = con.execute(
        f"""
        select {", ".join(columns)}
        from marts.fct_indicator_incidents
        where is_open
        order by impact_rank
        """
    ).fetchall()
    incidents = []
    for row in rows:
        incident = dict(zip(columns, row, strict=True))
        incident["indicator"] = catalog[incident["root_indicator_code"]]
        incident["impact_text"] = (
            "—" if incident["impact_amount"] is None else signed_money(-incident["impact_amount"])
        )
        incidents.append(incident)
    return incidents


def _alerted_days(con: duckdb.DuckDBPyConnection, since: dt.date) -> set[tuple[str, dt.date]]:
    rows = con.execute(
        """
        select distinct indicator_code, period_start from marts.fct_indicator_alerts
        where slice_dimension = 'all' and period_start > ?
        """,
        [since],
    ).fetchall()
    return set(rows)


def _publication(con: duckdb.DuckDBPyConnection) -> tuple[int, dt.datetime] | None:
    return con.execute(
        "select version, published_at from meta.publications order by version desc limit 1"
    ).fetchone()


def _open_alerts(
    con: duckdb.DuckDBPyConnection, catalog: dict[str, Indicator]
) -> list[dict[str, Any]]:
    """Open alerts grouped by indicator (critical groups first), each group with the
    runbook of its indicator and its alerts' values formatted in the indicator's unit."""
    columns = [
        "alert_key", "indicator_code", "period_start", "slice_dimension", "slice_value",
        "indicator_value", "broken_rule", "baseline_value", "expected_low", "expected_high",
        "deviation", "severity", "runbook",
    ]  # fmt: skip
    rows = con.execute(
        f"""
        select {", ".join(columns)}
        from marts.fct_indicator_alerts
        where is_open
        order by indicator_code, slice_dimension <> 'all', slice_dimension, slice_value
        """
    ).fetchall()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        alert = dict(zip(columns, row, strict=True))
        indicator = catalog[alert["indicator_code"]]
        group = groups.setdefault(
            (indicator.code, alert["runbook"]),
            {"indicator": indicator, "runbook": alert["runbook"], "alerts": []},
        )
        alert["value_text"] = format_value(alert["indicator_value"], indicator.unit, indicator.code)
        alert["baseline_text"] = format_value(
            alert["baseline_value"], indicator.unit, indicator.code
        )
        alert["expected_text"] = accepted_range(
            alert["expected_low"], alert["expected_high"], indicator
        )
        alert["deviation_text"] = (
            "—" if alert["deviation"] is None else f"{alert['deviation']:+.0%}"
        )
        group["alerts"].append(alert)
    for group in groups.values():
        group["severity"] = (
            "critical" if any(a["severity"] == "critical" for a in group["alerts"]) else "warning"
        )
    return sorted(groups.values(), key=lambda group: group["severity"] != "critical")


def _decompositions(
    con: duckdb.DuckDBPyConnection,
    periods: Sequence[Period],
    first_day: dt.date,
    catalog: dict[str, Indicator],
) -> list[dict[str, Any]]:
    """Shop-wide driver decomposition of GMV, net sales and gross profit in each grain's
    latest complete period, against the period the mart compares it with."""
    result = []
    for period in periods:
        rows = con.execute(
            """
            select parent_code, previous_period_start, parent_value, previous_parent_value,
                   parent_change, factor_name, factor_value, previous_factor_value,
                   contribution, contribution_rate
            from marts.fct_indicator_decomposition
            where grain = ? and period_start = ? and slice_dimension = 'all'
            order by parent_code = 'gmv' desc, parent_code = 'net_sales' desc, factor_position
            """,
            [period.grain, period.start],
        ).fetchall()
        entry: dict[str, Any] = {"period": period, "parents": [], "chart": None, "note": ""}
        if not rows:
            entry["note"] = "not available: nothing loaded to compare it with"
        elif rows[0][1] < first_day:
            entry["note"] = f"not shown: the {period.grain} it is compared with is partly loaded"
        else:
            entry["previous_start"] = rows[0][1]
            entry["parents"] = _decomposition_parents(rows, catalog)
            entry["chart"] = decomposition_chart(entry["parents"])
        result.append(entry)
    return result


def _decomposition_parents(
    rows: list[tuple], catalog: dict[str, Indicator]
) -> list[dict[str, Any]]:
    """The decomposition rows of one period, grouped by parent indicator, formatted."""
    parents: dict[str, dict[str, Any]] = {}
    for parent, _, value, previous, change, factor, f_value, f_previous, share, rate in rows:
        indicator = catalog[parent]
        entry = parents.setdefault(
            parent,
            {
                "indicator": indicator,
                "value_text": format_value(value, indicator.unit, parent),
                "previous_text": format_value(previous, indicator.unit, parent),
                "change": change,
                "change_text": signed_money(change),
                "drivers": [],
            },
        )
        if factor in catalog:
            label = f"{catalog[factor].name_en} {catalog[factor].name_zh}"
            unit = catalog[factor].unit
        else:
            label, unit = EXTRA_DRIVERS.get(factor, (factor, ""))
        entry["drivers"].append(
            {
                "code": factor,
                "label": label,
                "value_text": format_value(f_value, unit, factor),
                "previous_text": format_value(f_previous, unit, factor),
                "contribution": share,
                "contribution_text": signed_money(share),
                "rate_text": f"{rate:+.1%}" if rate is not None else "n/a",
            }
        )
    return list(parents.values())
