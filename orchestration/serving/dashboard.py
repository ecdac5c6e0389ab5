"""The indicator dashboard: one static HTML page built from the published warehouse.

    python -m orchestration.serving.dashboard                   # writes dashboard/index.html
    python -m orchestration.serving.dashboard --serve 8000      # then serves it on 127.0.0.1

The page reads only the published version (``<published_dir>/current.duckdb``, opened
read-only) and shows, for a shop manager:

* the open alerts of ``marts.fct_indicator_alerts`` (those of the last loaded day) with their
  runbook;
* the five indicator families of ``reference.indicator_catalog``, each with its headline
  indicators at the latest complete day, ISO week and month, the change against the period
  before and a trend chart, and a table of all its shop-wide indicators;
* the driver decomposition of the last change of GMV, net sales and gross profit
  (``marts.fct_indicator_decomposition``).

A period is complete when it lies within the loaded days. A change is relative (``+3.4%``)
except for indicators shown as percentages, whose change is in percentage points; it is not
shown when the previous period has no value, or when it began before the first loaded day
for an indicator computed from daily data (that week or month is only partly loaded).

The charts are Altair (Vega-Lite) specifications rendered to inline SVG at build time by
vl-convert, so the page needs no JavaScript, no network and no server: open the file, mail
it or put it on any static host. Every number a tile or table shows carries what it is as
data attributes, for tools and tests that read the page::

    <span class="kpi" data-indicator="gmv" data-grain="month" data-period="2025-06-01"
          data-value="167123.62">¥167,123.62</span>
    <span class="change" data-indicator="gmv" data-grain="month" data-period="2025-06-01"
          data-previous-period="2025-05-01" data-previous-value="..." data-change="0.034"
          data-change-kind="relative">+3.4%</span>

``data-change`` is ``value / previous - 1`` for kind ``relative`` and ``value - previous``
for kind ``points``; it is empty (and the text ``n/a``) when no change is shown.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import http.server
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import jinja2
import vl_convert
from markupsafe import Markup

from orchestration.indicator_catalog import families as catalog_families
from orchestration.publish import published_dir
from orchestration.settings import PROJECT_ROOT

TEMPLATES = Path(__file__).parent / "templates"
GRAINS = ("day", "week", "month")

#: The indicator families (code, English and Chinese name) in their order, from the catalog
#: (models/marts/indicators/catalog/); each family's headline indicators are those the
#: catalog flags headline (reference.indicator_catalog.headline), in catalog order.
FAMILIES = tuple(
    (family["code"], family["name_en"], family["name_zh"]) for family in catalog_families()
)

#: Ratios that read as multiples (3.41×) rather than as percentages.
MULTIPLES = frozenset({"pv_per_uv", "roas", "inventory_turnover"})

#: Drivers of the decomposition that are not catalog indicators: English name and unit.
EXTRA_DRIVERS = {
    "orders_per_visit": ("Orders per visit", "ratio"),
    "gmv_per_order": ("GMV per order", "CNY"),
}

#: Days of daily trend shown, and months of monthly trend (indicators without a daily grain).
TREND_DAYS = 90
TREND_MONTHS = 24

COLOURS = {"line": "#2563eb", "alert": "#dc2626", "up": "#16a34a", "down": "#dc2626"}


@dataclass(frozen=True)
class Period:
    """The latest complete period of a grain and the one before it."""

    grain: str
    start: dt.date
    end: dt.date
    previous_start: dt.date

    @property
    def label(self) -> str:
        if self.grain == "day":
            return f"{self.start:%a %d %b %Y}"
        if self.grain == "week":
            return f"week {self.start:%G-W%V}, {self.start:%d %b} – {self.end:%d %b %Y}"
        return f"{self.start:%B %Y}"

    @property
    def previous_label(self) -> str:
        return f"the {self.grain} before"


@dataclass(frozen=True)
class Indicator:
    """A catalog row, as far as the page needs it."""

    code: str
    family: str
    sub_family: str
    name_en: str
    name_zh: str
    definition: str
    unit: str
    direction: str
    grains: tuple[str, ...]
    has_total: bool
    headline: bool = False

    @property
    def as_percent(self) -> bool:
        return _is_percent(self.unit, self.code)


@dataclass(frozen=True)
class Figure:
    """One indicator's shop-wide value in one period and its change from the period before."""

    indicator: Indicator
    period: Period
    value: float | None
    previous_value: float | None
    change: float | None
    change_kind: str
    note: str

    @property
    def text(self) -> str:
        return format_value(self.value, self.indicator.unit, self.indicator.code)

    @property
    def change_text(self) -> str:
        if self.change is None:
            return "n/a"
        if self.change_kind == "points":
            return f"{self.change * 100:+.2f} pp"
        return f"{self.change:+.1%}"

    @property
    def tone(self) -> str:
        """good, bad or flat, by the catalog direction of the indicator."""
        if not self.change or self.indicator.direction == "neutral":
            return "flat"
        better = (self.change > 0) == (self.indicator.direction == "higher_is_better")
        return "good" if better else "bad"


def _is_percent(unit: str, code: str) -> bool:
    return unit == "ratio" and code not in MULTIPLES


def format_value(value: float | None, unit: str, code: str) -> str:
    """The value of indicator ``code`` as the page shows it: counts whole, money in yuan,
    ratios as percentages (or multiples), durations with their unit."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "CNY":
        return f"¥{value:,.2f}"
    if _is_percent(unit, code):
        return f"{value:.2%}"
    if unit == "ratio":
        return f"{value:,.2f}×"
    if unit == "rank":
        return f"#{value:,.0f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    suffix = {"seconds": " s", "hours": " h", "days": " days"}.get(unit, "")
    return f"{value:,.2f}{suffix}"


def _signed_money(value: float | None) -> str:
    """A change in yuan with its sign in front: +¥1,234.50, -¥98.00."""
    if value is None:
        return "n/a"
    return f"{'-' if value < 0 else '+'}¥{abs(value):,.2f}"


def _axis_format(indicator: Indicator) -> str:
    if indicator.as_percent:
        return ".1%"
    if indicator.unit in ("count", "CNY", "ms"):
        return "~s"
    return ",.3~r"


def build_dashboard(published_dir: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from ``published_dir/current.duckdb``; return its path."""
    database = Path(published_dir) / "current.duckdb"
    if not database.exists():
        raise FileNotFoundError(
            f"no published warehouse at {database}: run the pipeline (make run) first, "
            "or point --published at a directory holding current.duckdb"
        )
    con = duckdb.connect(str(database), read_only=True)
    try:
        context = _read(con)
    finally:
        con.close()
    context["source"] = database
    context["built_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    html = _environment().get_template("dashboard.html.j2").render(**context)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    partial = out / "index.html.tmp"
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, target)
    return target


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _read(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the template shows, read from one published version."""
    first_day, last_day = con.execute(
        "select min(period_start), max(period_start) from marts.fct_indicator_values "
        "where grain = 'day'"
    ).fetchone()
    if last_day is None:
        raise ValueError("the published warehouse has no indicator values yet")
    catalog = _catalog(con)
    periods = _periods(con, first_day, last_day)
    values = _shop_wide_values(con, min(period.previous_start for period in periods))
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
            (indicator, [_figure(indicator, period, values, first_day) for period in periods])
            for indicator in members
            if indicator.has_total
        ]
        headlines = [
            {
                "indicator": indicator,
                "figures": figures,
                "chart": _trend(con, indicator, last_day, alerted),
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
) -> dict[tuple[str, str, dt.date], float | None]:
    rows = con.execute(
        """
        select indicator_code, grain, period_start, indicator_value
        from marts.fct_indicator_values
        where slice_dimension = 'all' and period_start >= ?
        """,
        [since],
    ).fetchall()
    return {(code, grain, start): value for code, grain, start, value in rows}


def _figure(
    indicator: Indicator,
    period: Period,
    values: dict[tuple[str, str, dt.date], float | None],
    first_day: dt.date,
) -> Figure:
    value = values.get((indicator.code, period.grain, period.start))
    previous = values.get((indicator.code, period.grain, period.previous_start))
    kind = "points" if indicator.as_percent else "relative"
    change, note = None, ""
    if value is None:
        note = f"no value for this {period.grain}"
    elif previous is None:
        note = f"no value for {period.previous_label}"
    elif "day" in indicator.grains and period.previous_start < first_day:
        note = f"{period.previous_label} is only partly loaded"
    elif kind == "points":
        change = value - previous
    elif previous == 0:
        note = f"{period.previous_label} was zero"
    else:
        change = value / previous - 1
    return Figure(indicator, period, value, previous, change, kind, note)


def _alerted_days(con: duckdb.DuckDBPyConnection, since: dt.date) -> set[tuple[str, dt.date]]:
    rows = con.execute(
        """
        select distinct indicator_code, period_start from marts.fct_indicator_alerts
        where slice_dimension = 'all' and period_start > ?
        """,
        [since],
    ).fetchall()
    return set(rows)


def _trend(
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
            axis=alt.Axis(format=_axis_format(indicator), tickCount=4),
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
    return _svg((line + alerts).properties(width=330, height=110))


def _svg(chart: alt.TopLevelMixin) -> Markup:
    """Render a chart to an inline SVG element (the markup comes from vl-convert, which
    escapes the chart's text)."""
    configured = chart.configure_view(stroke=None).configure_axis(
        labelFontSize=11, labelColor="#475569", gridColor="#e2e8f0", domainColor="#cbd5e1"
    )
    return Markup(vl_convert.vegalite_to_svg(configured.to_json()))


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
        alert["expected_text"] = _accepted_range(
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


def _accepted_range(low: float | None, high: float | None, indicator: Indicator) -> str:
    """The values an alert rule accepts: "a – b", "≥ a" or "≤ b"."""
    low_text, high_text = (
        format_value(bound, indicator.unit, indicator.code) for bound in (low, high)
    )
    if low is None:
        return f"≤ {high_text}"
    if high is None:
        return f"≥ {low_text}"
    return f"{low_text} – {high_text}"


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
            entry["chart"] = _decomposition_chart(entry["parents"])
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
                "change_text": _signed_money(change),
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
                "contribution_text": _signed_money(share),
                "rate_text": f"{rate:+.1%}" if rate is not None else "n/a",
            }
        )
    return list(parents.values())


def _decomposition_chart(parents: list[dict[str, Any]]) -> Markup:
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
    return _svg(chart)


def serve(directory: Path, port: int) -> None:
    """Serve ``directory`` on http://127.0.0.1:PORT until interrupted."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"serving {directory} on http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--published",
        type=Path,
        default=published_dir(),
        help="published directory holding current.duckdb (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "dashboard",
        help="where index.html is written (default: %(default)s)",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help="then serve it on 127.0.0.1")
    args = parser.parse_args(argv)
    try:
        page = build_dashboard(args.published, args.out)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(1, f"error: {error}\n")
    print(f"wrote {page}")
    if args.serve is not None:
        serve(args.out, args.serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
