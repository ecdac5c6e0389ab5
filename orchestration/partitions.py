"""The daily partitions every partitioned asset shares: shop-local export days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import DailyPartitionsDefinition, TimeWindow

from orchestration.contract import load_contract
from orchestration.settings import first_day


def shop_today() -> dt.date:
    """Today on the shop's clock (its time zone)."""
    return dt.datetime.now(ZoneInfo(load_contract().timezone)).date()


def landing_day_problem(day: dt.date) -> str | None:
    """Why an export day cannot be a landing partition, or None: the shop exports days from
    SHOP_FIRST_DAY to today (shop time), so a later or earlier folder is a mistake (a wrong
    date, a test export), never the end of a run's range."""
    if day > shop_today():
        return f"dated after today ({shop_today()} in {load_contract().timezone})"
    if day < dt.date.fromisoformat(first_day()):
        return f"dated before SHOP_FIRST_DAY ({first_day()})"
    return None


def daily_partitions() -> DailyPartitionsDefinition:
    """One partition per shop-local day, from SHOP_FIRST_DAY up to and including today (the
    days a landing partition may carry, see landing_day_problem)."""
    return DailyPartitionsDefinition(
        start_date=first_day(), timezone=load_contract().timezone, end_offset=1
    )


def window_days(window: TimeWindow) -> list[dt.date]:
    """The shop-local days of a partition time window (end exclusive)."""
    first, last = window.start.date(), window.end.date()
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days)]
