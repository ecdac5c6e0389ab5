"""The daily partitions every partitioned asset shares: shop-local export days."""

from __future__ import annotations

import datetime as dt
import os

from dagster import DailyPartitionsDefinition, TimeWindow

from orchestration.contract import load_contract


def first_day() -> str:
    """First export day the warehouse knows (``SHOP_FIRST_DAY``, YYYY-MM-DD)."""
    return os.environ.get("SHOP_FIRST_DAY", "2025-01-01")


def daily_partitions() -> DailyPartitionsDefinition:
    """One partition per shop-local day, up to and including yesterday."""
    return DailyPartitionsDefinition(start_date=first_day(), timezone=load_contract().timezone)


def window_days(window: TimeWindow) -> list[dt.date]:
    """The shop-local days of a partition time window (end exclusive)."""
    first, last = window.start.date(), window.end.date()
    return [first + dt.timedelta(days=offset) for offset in range((last - first).days)]
