"""Third-party data: the monthly market report (category GMV, site rankings), published on
the 5th for the previous calendar month, and the synthetic monitoring probes of the
storefront (every 5 minutes from three locations, with occasional outages).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from orchestration.simulator import reference as ref
from orchestration.simulator.catalogue import L1_NAMES
from orchestration.simulator.clock import HOUR, MINUTE, stream
from orchestration.simulator.columns import labels, number_ids
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.parts import ShopPart

if TYPE_CHECKING:
    from orchestration.simulator.engine import Shop
from orchestration.simulator.traffic import HOUR_WEIGHTS

PUBLICATION_DAY = 5
MARKET_GROWTH_PER_YEAR = 0.08
MARKET_SEASON = (1.0, 0.85, 0.95, 0.95, 1.0, 1.35, 0.95, 0.95, 1.0, 1.05, 1.6, 1.25)
SHOP_SHARE_RANGE = (0.004, 0.015)  # realised shares come out a little higher (growth, launches)
RANKING_PROVIDERS = (("ChinaWebRank", 1800.0), ("iWebIndex", 2300.0))  # rank at scale 1

PROBE_INTERVAL = 5 * MINUTE
PROBE_LOCATIONS = ref.PROBE_LOCATIONS
PROBE_PAGES = ("home", "category", "product", "checkout")
#: Pages each location probes.
LOCATION_PAGES = ((0, 2, 3), (0, 1, 2, 3), (0, 1, 2))
PROBE_MEDIAN_MS = np.array([250.0, 400.0, 350.0, 600.0])
OUTAGE_DAY_SHARE = 0.12
RANDOM_FAILURE_RATE = 0.003
TIMEOUT_SHARE = 0.8  # failures that time out (no response time)
PROBES_PER_DAY = 24 * HOUR // PROBE_INTERVAL * sum(len(p) for p in LOCATION_PAGES)


@dataclass(frozen=True)
class Outage:
    """A random outage window of the storefront on one day: every probe it covers fails."""

    day: int  # simulated day
    start: int  # seconds after the shop's midnight
    seconds: int  # length of the window
    checkout_only: bool  # only the checkout page is down (else the whole site)


def _draw_outage(rng: np.random.Generator, day: int = 0) -> Outage | None:
    """The day's outage window, if any, drawn from the day's probe stream (after its random
    probe failures)."""
    if rng.random() >= OUTAGE_DAY_SHARE:
        return None
    start = int(rng.integers(0, 24 * HOUR))
    seconds = int(rng.integers(10 * MINUTE, 60 * MINUTE))
    return Outage(day, start, seconds, bool(rng.random() < 0.4))


def outages(seed: int, days: int) -> list[Outage]:
    """The random outage windows of a shop's first ``days`` days, as its probes draw them:
    real availability dips that no incident injected (the incident benchmark labels them)."""
    found = []
    for day in range(days):
        rng = stream(seed, "probes", day)
        rng.random(PROBES_PER_DAY)  # the day's random probe failures
        if (outage := _draw_outage(rng, day)) is not None:
            found.append(outage)
    return found


class MarketMonitoring(ShopPart):
    """Market reports and probes."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(shop)
        rng = stream(self.seed, "market")
        share = rng.uniform(*SHOP_SHARE_RANGE, len(L1_NAMES))
        weights = self.catalogue.demand_weights(0)
        revenue = np.bincount(
            self.catalogue.l1, weights * self.catalogue.list_price, minlength=len(L1_NAMES)
        )
        daily = self.units_per_day * revenue / weights.sum()  # cents per ordinary day
        self._market_per_day = daily / share
        location = np.repeat(np.arange(len(PROBE_LOCATIONS)), [len(p) for p in LOCATION_PAGES])
        self._probe_location = location
        self._probe_page = np.concatenate(LOCATION_PAGES)
        self._probe_offset = 7 * location + 2 * np.concatenate(
            [np.arange(len(p)) for p in LOCATION_PAGES]
        )

    def run_day(self, day: int, outbox: Outbox) -> None:
        self._probes(day, outbox)
        date = self.clock.date(day)
        if date.day == PUBLICATION_DAY:
            self._publish(day, (date.replace(day=1) - dt.timedelta(days=1)).replace(day=1), outbox)

    def _publish(self, day: int, month: dt.date, outbox: Outbox) -> None:
        rng = stream(self.seed, "market-report", day)
        years = (month - self.clock.start).days / 365
        length = calendar.monthrange(month.year, month.month)[1]
        season = MARKET_SEASON[month.month - 1]
        gmv = (
            self._market_per_day
            * length
            * season
            * (1 + MARKET_GROWTH_PER_YEAR) ** years
            * rng.lognormal(0, 0.04, len(L1_NAMES))
        )
        report_month = self.clock.day_of(month)
        outbox.add(
            "market_category_gmv",
            {
                "report_month": np.full(len(L1_NAMES), report_month),
                "category_l1": L1_NAMES,
                "market_gmv": np.round(gmv, -2).astype(np.int64),
            },
            days=day,
        )
        base = np.array([rank for _, rank in RANKING_PROVIDERS]) / self.scale**0.35
        rank = base / 1.2**years / season**0.3 * rng.lognormal(0, 0.06, len(base))
        outbox.add(
            "site_rankings",
            {
                "report_month": np.full(len(base), report_month),
                "ranking_provider": [name for name, _ in RANKING_PROVIDERS],
                "site_rank": np.maximum(np.round(rank), 1).astype(np.int64),
            },
            days=day,
        )

    def _probes(self, day: int, outbox: Outbox) -> None:
        """One probe per location and page every 5 minutes; an outage window now and then
        (site-wide, or only the checkout) fails every probe it covers; a site_slowdown
        incident times out its share of one location's probes."""
        rng = stream(self.seed, "probes", day)
        slots = 24 * HOUR // PROBE_INTERVAL
        per_slot = len(self._probe_page)
        page = np.tile(self._probe_page, slots)
        second = np.repeat(np.arange(slots) * PROBE_INTERVAL, per_slot) + np.tile(
            self._probe_offset, slots
        )
        n = len(page)
        failed = rng.random(n) < RANDOM_FAILURE_RATE
        outage = _draw_outage(rng, day)
        if outage is not None:
            window = (second >= outage.start) & (second < outage.start + outage.seconds)
            if outage.checkout_only:
                window &= page == PROBE_PAGES.index("checkout")
            failed |= window
        busy = HOUR_WEIGHTS[second // HOUR] / HOUR_WEIGHTS.max()
        pressure = (1 + 0.8 * busy) * (1 + 0.5 * self.marketing.intensity(day))
        response = rng.lognormal(np.log(PROBE_MEDIAN_MS[page]), 0.35) * pressure
        timeout = failed & (rng.random(n) < TIMEOUT_SHARE)
        slowdown = self.shop.incidents.on("site_slowdown", day)
        if slowdown is not None:  # the location's probes wait past their time limit
            location = np.tile(self._probe_location, slots)
            slow = (location == PROBE_LOCATIONS.index(slowdown.target)) & (
                stream(self.seed, "site-slowdown", day).random(n) < slowdown.magnitude
            )
            failed |= slow
            timeout |= slow
        response = np.where(failed, rng.integers(20, 200, n), response).astype(np.int64)
        outbox.add(
            "probes",
            {
                "probe_id": number_ids("pr", self.sequences.take("probe", n), 10),
                "probed_at": self.clock.midnight(day) + second,
                "probe_location": labels(PROBE_LOCATIONS, np.tile(self._probe_location, slots)),
                "page_type": labels(PROBE_PAGES, page),
                "is_success": ~failed,
                "response_ms": np.where(timeout, -1, response),
            },
        )
