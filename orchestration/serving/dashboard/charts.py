"""The dashboard's charts: Altair (Vega-Lite) specifications rendered to inline SVG by
vl-convert when the page is built."""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import duckdb
import vl_convert
from markupsafe import Markup

from orchestration.serving.dashboard.model import TREND_DAYS, TREND_MONTHS, Indicator

COLOURS = {"line": "#2563eb", "alert": "#dc2626", "up": "#16a34a", "down": "#dc2626"}


def axis_format(indicator: Indicator) -> str:
    if indicator.as_percent:
        return ".1%"
    if indicator.unit in ("count", "CNY", "ms"):
        return "~s"
    return ",.3~r"


def trend(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    last_day: dt.date,
    alerted: set[tuple[str, dt.date]],
) -> Markup | None:
    """Daily values of the last TREND_DAYS days (monthly values for monthly indicators),
    alert days in red, as inline SVG; None when there are fewer than two values."""
    grain = "day" if "day" in indicator.grains else "month"
    since = (
        last_day - dt.timedelta(days=TREND_DAYS)
        if grain == "day"
        else last_day - dt.timedelta(days=31 * TREND_MONTHS)
    )
    rows = con.execute(
        """
        select period_start, indicator_value
        from marts.fct_indicator_values
        where indicator_code = ? and grain = ? and slice_dimension = 'all'
          and period_start > ? and period_end <= ? and indicator_value is not null
        order by period_start
        """,
        [indicator.code, grain, since, last_day],
    ).fetchall()
    if len(rows) < 2:
        return None
    points = [
        {"period": start.isoformat(), "value": value, "alert": (indicator.code, start) in alerted}
        for start, value in rows
    ]
    time_unit = "utcyearmonthdate" if grain == "day" else "utcyearmonth"
    base = alt.Chart(alt.Data(values=points)).encode(
        x=alt.X(
            f"{time_unit}(period):T",
            title=None,
            axis=alt.Axis(format="%d %b" if grain == "day" else "%b %Y", tickCount=5),
        ),
        y=alt.Y(
            "value:Q",
            title=None,
            scale=alt.Scale(zero=indicator.unit in ("count", "CNY")),
            axis=alt.Axis(format=axis_format(indicator), tickCount=4),
        ),
    )
    line = base.mark_line(
        color=COLOURS["line"],
        strokeWidth=2,
        point=alt.OverlayMarkDef(color=COLOURS["line"], size=12),
    )
    alerts = base.transform_filter("datum.alert").mark_point(
        color=COLOURS["alert"], filled=True, size=70, opacity=1
    )
    return svg((line + alerts).properties(width=330, height=110))


def svg(chart: alt.TopLevelMixin) -> Markup:
    """Render a chart to an inline SVG element (the markup comes from vl-convert, which
    escapes the chart's text)."""
    configured = chart.configure_view(stroke=None).configure_axis(
        labelFontSize=11, labelColor="#475569", gridColor="#e2e8f0", domainColor="#cbd5e1"
    )
    return Markup(vl_convert.vegalite_to_svg(configured.to_json()))


def decomposition_chart(parents: list[dict[str, Any]]) -> Markup:
    """Horizontal bars: each driver's contribution to the change of its parent."""
    points = [
        {
            "parent": f"{parent['indicator'].name_en} ({parent['change_text']})",
            "driver": driver["label"],
            "contribution": driver["contribution"],
        }
        for parent in parents
        for driver in parent["drivers"]
        if driver["contribution"] is not None
    ]
    order = list(dict.fromkeys(point["parent"] for point in points))
    chart = (
        alt.Chart(alt.Data(values=points))
        .mark_bar(height=16)
        .encode(
            y=alt.Y("driver:N", sort=None, title=None, axis=alt.Axis(labelLimit=280)),
            x=alt.X("contribution:Q", title="CNY", axis=alt.Axis(format="~s")),
            color=alt.condition(
                "datum.contribution >= 0", alt.value(COLOURS["up"]), alt.value(COLOURS["down"])
            ),
        )
        .properties(width=360, height=alt.Step(22))
        .facet(
            row=alt.Row(
                "parent:N",
                sort=order,
                title=None,
                header=alt.Header(
                    labelOrient="top",
                    labelAnchor="start",
                    labelFontSize=13,
                    labelFontWeight="bold",
                ),
            )
        )
        .resolve_scale(y="independent")
    )
    return svg(chart)
