"""The seasonal shop (simulator profile ``seasonal``) through the whole pipeline: a peak
season (the 618 promotion), orders falling about 70 % after its peak, and a day without a
single order a week after it.

The first run, a full build of the shop's history, stops at the raw gate: the zero-order day
is judged against its own history (the same weekday of the weeks before the season, the
promotion's weeks left out), and the message names the table, the day, the observed and the
expected rows (recounted here from the landing files) and how to tune the rule. The weeks
after the peak pass, though they hold a third of the season's orders. With the shop's own
settings, whose reference folder declares the day closed, the same history publishes, and
the published monthly figures equal a recomputation from the landing files: GMV, net sales,
total and valid orders, the return rate and net sales by level 1 category.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pytest

from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.simulator.profiles import get_profile
from orchestration.tests.warehouse import (
    assert_equal_figures,
    landing_figures,
    monthly_values,
    read_landed,
    run_pipeline,
    use_shop,
)

#: A Monday, an ordinary week, the 618 promotion (1–18 June), then 18 ordinary days (up to
#: the market report of June, published on 5 July: market growth needs two months).
START, DAYS = dt.date(2025, 5, 26), 42
END = START + dt.timedelta(days=DAYS - 1)
SEASON = (dt.date(2025, 6, 1), dt.date(2025, 6, 17))  # the promotion's days before its peak
PEAK = dt.date(2025, 6, 18)
#: The profile's day without orders: 7 days after the peak, a Wednesday.
ZERO_DAY = PEAK + dt.timedelta(days=7)
#: Its only same weekday of the last 8 weeks outside the promotion calendar.
ORDINARY_SAME_WEEKDAY = dt.date(2025, 5, 28)
#: The seasonal shop's own settings: its reference folder declares its closed days.
SETTINGS = PROJECT_ROOT / "orchestration" / "simulator" / "shops" / "seasonal" / "shop.yml"


@pytest.fixture(scope="module")
def seasonal_shop(tmp_path_factory: pytest.TempPathFactory):
    """The shop's history run once with the demo shop's settings (no closed day), then again
    (``python -m orchestration.run``, a process reading its settings file) with its own
    settings, which declare its closed days; the shop's folder, the first run's result and
    the second run's process."""
    root = tmp_path_factory.mktemp("seasonal")
    simulate(root / "landing", START, DAYS, scale=0.05, seed=5, profile=get_profile("seasonal"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_shop(monkeypatch, root, START)
        stopped = run_days(START, END)
    # nothing of a stopped build is published
    assert not (root / "published" / "current.duckdb").exists()
    return root, stopped, run_pipeline(root, START, SETTINGS)


def orders_per_day(landing: Path) -> dict[dt.date, int]:
    """Rows of each export day of shop.orders, counted in the landing files."""
    days = [START + dt.timedelta(days=d) for d in range(DAYS)]
    return {day: len(read_landed(landing, "shop", "orders", day)) for day in days}


def test_the_shop_falls_70_percent_after_its_peak_and_has_a_day_without_orders(
    seasonal_shop,
) -> None:
    root, _, _ = seasonal_shop
    orders = orders_per_day(root / "landing")
    season = [n for day, n in orders.items() if SEASON[0] <= day <= SEASON[1]]
    after = [n for day, n in orders.items() if day > PEAK and day != ZERO_DAY]
    assert 0.2 < statistics.mean(after) / statistics.mean(season) < 0.4
    assert orders[ZERO_DAY] == 0
    assert min(n for day, n in orders.items() if day != ZERO_DAY) > 0


def test_a_full_build_stops_at_the_zero_order_day_naming_day_observed_and_expected(
    seasonal_shop,
) -> None:
    root, stopped, _ = seasonal_shop
    assert not stopped.success
    lines = problems(stopped)
    [orders_line] = [line for line in lines if line.startswith("CHECK FAILED raw/orders:")]
    expected = orders_per_day(root / "landing")[ORDINARY_SAME_WEEKDAY]
    # the only day named: the weeks after the peak are compared with ordinary weeks
    assert orders_line.endswith(
        f"(observed 0): raw.orders on {ZERO_DAY}: 0 rows, expected {expected:.1f} (ratio 0.0)"
    )
    assert (
        "tune volume_floor of shop.orders in orchestration/contract/raw_contract.yml, "
        "or declare a closed day in "
    ) in orders_line
    # no visit started that day either (a few events of visits from the evening before):
    # the click-stream's gate names the same day
    [events_line] = [line for line in lines if line.startswith("CHECK FAILED raw/events:")]
    assert f"raw.events on {ZERO_DAY}: " in events_line


def test_declared_closed_the_day_passes_and_the_history_publishes(seasonal_shop) -> None:
    root, _, published = seasonal_shop
    closed = (SETTINGS.parent / "reference" / "closed_days.csv").read_text(encoding="utf-8")
    assert f"\n{ZERO_DAY}," in closed
    assert published.returncode == 0, published.stdout + published.stderr
    expected = landing_figures(root / "landing", SETTINGS)
    assert sorted(expected["gmv"]) == [
        dt.date(2025, 5, 1),
        dt.date(2025, 6, 1),
        dt.date(2025, 7, 1),
    ]
    for code in ("gmv", "net_sales", "total_orders", "valid_orders", "return_rate"):
        assert_equal_figures(monthly_values(root, code), expected[code])
    assert_equal_figures(
        monthly_values(root, "sales_by_category", "category_l1"), expected["category"]
    )
