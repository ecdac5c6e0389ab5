"""The ``seasonal`` profile: the demo shop with peak seasons and days without orders.

Every promotion of the demo's calendar becomes a peak season: on its days the shop draws so
much more traffic that a day of the season brings about ``1 / AFTER_PEAK_SHARE`` times the
orders of an ordinary day, and orders fall by about 70 % once its peak has passed. The
``ZERO_DAY_AFTER_PEAK``-th day after each peak the shop takes no orders at all (no visit
starts, so no orders and no online payments; parcels already shipped still arrive): a
zero-order day that neither the promotion calendar nor the weekday history explains, which
the raw gate reports until the shop declares the day closed (``closed_days.csv`` of its
reference folder).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.simulator.reference import PROMOTION_CONVERSION

if TYPE_CHECKING:  # marketing imports the outbox, which imports the profiles
    from orchestration.simulator.marketing import Marketing

#: Orders of an ordinary day after a peak season, as a share of a season day's.
AFTER_PEAK_SHARE = 0.3
#: The shop takes no orders this many days after each promotion's peak.
ZERO_DAY_AFTER_PEAK = 7


def _promotions(marketing: Marketing) -> list[dict]:
    return [
        plan.fields for plan in marketing.campaigns if plan.fields["campaign_type"] == "promotion"
    ]


def seasonal_demand(marketing: Marketing, day: int) -> float:
    """The seasonal shop's traffic on a simulated day relative to the demo shop's."""
    index = marketing.promotion(day)
    if index >= 0:
        # the promotion's own traffic and conversion already lift the day: the season
        # brings the rest of 1 / AFTER_PEAK_SHARE
        plan = marketing.campaigns[index].fields
        return 1 / (AFTER_PEAK_SHARE * plan["traffic"] * PROMOTION_CONVERSION)
    peaks = (plan["peak_day"] for plan in _promotions(marketing))
    return 0.0 if any(day == peak + ZERO_DAY_AFTER_PEAK for peak in peaks) else 1.0
