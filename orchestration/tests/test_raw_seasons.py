"""The raw gate's seasonal volume rule and its null rule, on raw tables written by hand.

Each case fills ``raw.orders`` with a known number of rows per export day (and, where the
case needs them, promotion campaigns in ``raw.campaigns`` and a closed day in the shop's
reference folder), then measures the suite of raw.orders over the checked days and reads
what the failure's message names. Expected values are the medians worked out by hand in
each case.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import SHOP_SETTINGS_PATH, load_contract
from orchestration.ingest.loader import ensure_raw_schema
from orchestration.quality.raw_suites import detail, measure, raw_rules

ORDERS = load_contract().table("shop", "orders")
MONDAY = dt.date(2025, 1, 6)  # no festival of seed shopping_festivals in these weeks


@pytest.fixture
def con(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    """An empty raw schema; the demo shop's settings with a reference folder of its own,
    without closed days."""
    shutil.copytree(SHOP_SETTINGS_PATH.parent / "reference", tmp_path / "reference")
    shutil.copyfile(SHOP_SETTINGS_PATH, tmp_path / "shop.yml")
    (tmp_path / "reference" / "closed_days.csv").write_text(
        "closed_date,reason\n", encoding="utf-8"
    )
    monkeypatch.setenv("SHOP_SETTINGS_FILE", str(tmp_path / "shop.yml"))
    connection = duckdb.connect(str(tmp_path / "shop.duckdb"))
    ensure_raw_schema(connection)
    yield connection
    connection.close()


def load_orders(con: duckdb.DuckDBPyConnection, rows_by_day: dict[dt.date, int]) -> None:
    """``rows`` complete orders exported (and placed at noon shop time) on each day."""
    for day, rows in rows_by_day.items():
        con.execute(
            """
            insert into raw.orders
            select 'O-' || strftime(?::date, '%Y%m%d') || '-' || i, null, 'V-' || i,
                ?::timestamp + interval 4 hour, 'CNY', 100, 0, 100, null, null, 'alipay',
                'standard', 'WH-SH', false, false, ?::date, 'orders.csv', now()
            from range(?) as t(i)
            """,
            [day, day, day, rows],
        )


def promotion(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> None:
    con.execute(
        """
        insert into raw.campaigns values ('P1', 'sale', 'Sale', 'promotion', 'crm', null, null,
            ?, ?, 1000, 0.2, timestamp '2024-12-01 00:00:00', date '2024-12-01', 'c.csv', now())
        """,
        [first, last],
    )


def rule(name: str):
    """A rule of raw.orders' suite, as a check builds it (reading the reference folder)."""
    return next(rule for rule in raw_rules(ORDERS) if rule.name == name)


def volume(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> tuple[float, str]:
    """The volume rule's measurement over the checked days and its message's detail."""
    ratio = measure(con, ORDERS, first, last)["volume_ratio"]
    return ratio, detail(con, ORDERS, first, last, rule("volume_ratio"))


def weeks(*counts_per_week: tuple[int, int]) -> dict[dt.date, int]:
    """Per week from MONDAY: (the Monday's rows, every other day's rows)."""
    days = {}
    for week, (monday, other) in enumerate(counts_per_week):
        start = MONDAY + dt.timedelta(weeks=week)
        days[start] = monday
        days |= {start + dt.timedelta(days=d): other for d in range(1, 7)}
    return days


def test_a_day_is_compared_with_the_same_weekday_of_recent_weeks(con) -> None:
    # quiet Mondays (100, 120, 140, 400 rows) in busy weeks (1000 rows on other days)
    load_orders(con, weeks((100, 1000), (120, 1000), (140, 1000), (400, 1000)))
    checked = MONDAY + dt.timedelta(weeks=4)
    load_orders(con, {checked: 40})
    ratio, message = volume(con, checked, checked)
    # expected = median(100, 120, 140, 400) = 130; against the previous 7 days, 1000
    assert ratio == pytest.approx(40 / 130)
    assert ratio < ORDERS.volume_floor
    assert message == "raw.orders on 2025-02-03: 40 rows, expected 130.0 (ratio 0.308)"
    con.execute("delete from raw.orders where _partition_date = ?", [checked])
    load_orders(con, {checked: 50})  # 50 / 130 = 0.385: above the floor
    assert volume(con, checked, checked) == (pytest.approx(50 / 130), "")


def test_a_quiet_shops_short_day_passes_when_chance_explains_it(con) -> None:
    # every day of three weeks holds 3 orders, then a Monday holds none
    load_orders(con, weeks((3, 3), (3, 3), (3, 3)))
    checked = MONDAY + dt.timedelta(weeks=3)
    # P(no order | 3 expected) = e^-3 = 0.0498, at least VOLUME_CHANCE: chance, it passes,
    # and the day is left out of the measured ratio
    assert volume(con, checked, checked) == (1, "")
    # with 9 orders a day, P(no order | 9 expected) = e^-9 = 0.000123: it is named
    con.execute("delete from raw.orders")
    load_orders(con, weeks((9, 9), (9, 9), (9, 9)))
    assert volume(con, checked, checked) == (
        0,
        "raw.orders on 2025-01-27: 0 rows, expected 9.0 (ratio 0.0)",
    )


def test_an_ordinary_day_leaves_the_promotion_calendar_out_of_its_expectation(con) -> None:
    # a promotion in weeks 3 and 4 tripled the Mondays; week 5 is ordinary again
    load_orders(con, weeks((10, 10), (12, 12), (30, 30), (36, 36)))
    promotion(con, MONDAY + dt.timedelta(weeks=2), MONDAY + dt.timedelta(weeks=4) - dt.timedelta(1))
    checked = MONDAY + dt.timedelta(weeks=4)
    load_orders(con, {checked: 4})
    # expected = median(10, 12) = 11 (the promotion Mondays 30 and 36 are left out)
    assert volume(con, checked, checked) == (
        pytest.approx(4 / 11),
        "",
    )
    # without the calendar the expectation would be median(10, 12, 30, 36) = 21: 4/21 fails
    con.execute("delete from raw.campaigns")
    assert volume(con, checked, checked)[0] == pytest.approx(4 / 21)


def test_a_promotion_day_is_compared_with_every_day(con) -> None:
    load_orders(con, weeks((10, 10), (12, 12), (30, 30), (36, 36)))
    checked = MONDAY + dt.timedelta(weeks=4)
    promotion(con, MONDAY + dt.timedelta(weeks=2), checked)
    load_orders(con, {checked: 6})
    # expected = median(10, 12, 30, 36) = 21
    ratio, message = volume(con, checked, checked)
    assert ratio == pytest.approx(6 / 21)
    assert message == "raw.orders on 2025-02-03: 6 rows, expected 21.0 (ratio 0.286)"


def test_every_day_of_a_rebuild_is_judged_against_its_own_history(con) -> None:
    days = weeks((50, 50), (50, 50), (50, 50))
    zero_day = MONDAY + dt.timedelta(days=16)  # a Wednesday: history 50 and 50
    second_day = MONDAY + dt.timedelta(days=1)  # the shop's second day: 1 day of history
    days[zero_day], days[second_day] = 0, 10
    load_orders(con, {day: rows for day, rows in days.items() if rows})
    last = max(days)
    ratio, message = volume(con, MONDAY, last)
    assert ratio == 0
    assert message == (
        "raw.orders on 2025-01-07: 10 rows, expected 50.0 (ratio 0.2); "
        "raw.orders on 2025-01-22: 0 rows, expected 50.0 (ratio 0.0)"
    )


def test_a_declared_closed_day_is_neither_judged_nor_expected(con, tmp_path: Path) -> None:
    days = weeks((50, 50), (50, 50), (50, 50))
    closed = MONDAY + dt.timedelta(weeks=1)
    del days[closed]
    load_orders(con, days)
    assert volume(con, MONDAY, max(days))[1].startswith("raw.orders on 2025-01-13: 0 rows")
    (tmp_path / "reference" / "closed_days.csv").write_text(
        f"closed_date,reason\n{closed},stocktaking\n", encoding="utf-8"
    )
    # a closed Monday does not lower the next Monday's expectation either: 50
    load_orders(con, {closed + dt.timedelta(weeks=2): 20})
    assert volume(con, MONDAY, closed + dt.timedelta(weeks=2)) == (pytest.approx(20 / 50), "")


def test_a_shop_without_history_passes(con) -> None:
    load_orders(con, {MONDAY: 3})
    assert volume(con, MONDAY, MONDAY) == (1, "")


def test_a_null_in_a_column_that_is_not_nullable_is_named(con) -> None:
    load_orders(con, {MONDAY: 3})
    con.execute(
        "update raw.orders set visitor_id = null, payment_method = null where order_id like '%-1'"
    )
    con.execute("update raw.orders set customer_id = null")  # nullable: a guest checkout
    assert measure(con, ORDERS, MONDAY, MONDAY)["null_required"] == 1
    assert detail(con, ORDERS, MONDAY, MONDAY, rule("null_required")) == (
        "order_id=O-20250106-1 (export day 2025-01-06): null visitor_id, payment_method"
    )
