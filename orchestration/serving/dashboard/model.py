"""The dashboard's view model: the catalog rows, periods and figures the page shows, and how
each value is written (units, changes, accepted ranges)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orchestration.indicator_catalog import families as catalog_families

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
        return is_percent(self.unit, self.code)


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
    #: late events (returns, refunds, receipts) can still change the value
    provisional: bool = False

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


def is_percent(unit: str, code: str) -> bool:
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
    if is_percent(unit, code):
        return f"{value:.2%}"
    if unit == "ratio":
        return f"{value:,.2f}×"
    if unit == "rank":
        return f"#{value:,.0f}"
    if unit == "ms":
        return f"{value:,.0f} ms"
    suffix = {"seconds": " s", "hours": " h", "days": " days"}.get(unit, "")
    return f"{value:,.2f}{suffix}"


def signed_money(value: float | None) -> str:
    """A change in yuan with its sign in front: +¥1,234.50, -¥98.00."""
    if value is None:
        return "n/a"
    return f"{'-' if value < 0 else '+'}¥{abs(value):,.2f}"


def figure(
    indicator: Indicator,
    period: Period,
    values: dict[tuple[str, str, dt.date], float | None],
    first_day: dt.date,
    provisional: frozenset[tuple[str, str, dt.date]] = frozenset(),
) -> Figure:
    key = (indicator.code, period.grain, period.start)
    value = values.get(key)
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
    return Figure(indicator, period, value, previous, change, kind, note, key in provisional)


def accepted_range(low: float | None, high: float | None, indicator: Indicator) -> str:
    """The values an alert rule accepts: "a – b", "≥ a" or "≤ b"."""
    low_text, high_text = (
        format_value(bound, indicator.unit, indicator.code) for bound in (low, high)
    )
    if low is None:
        return f"≤ {high_text}"
    if high is None:
        return f"≥ {low_text}"
    return f"{low_text} – {high_text}"
