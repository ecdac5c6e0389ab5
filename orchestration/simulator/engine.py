"""The day loop: wires the parts of the shop together and runs them day by day.

Each simulated shop-local day: apply the day's catalogue, marketing, customer and warehouse
changes; simulate the visits starting that day; place the orders submitted that day
(including those of visits that started the evening before) and decide their futures;
report ad spend; close the stock; write the day's files (records of later days stay queued).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from tqdm import tqdm

from orchestration.contract import load_contract
from orchestration.simulator.catalogue import Catalogue
from orchestration.simulator.clock import Clock
from orchestration.simulator.columns import Frame, Sequences, concat, take
from orchestration.simulator.customers import Customers
from orchestration.simulator.fulfilment import Fulfilment
from orchestration.simulator.incidents import Incident, Incidents
from orchestration.simulator.inventory import Inventory
from orchestration.simulator.market_monitoring import MarketMonitoring
from orchestration.simulator.marketing import Marketing
from orchestration.simulator.orders import Checkout
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.profiles import DEFAULT, Profile
from orchestration.simulator.traffic import Traffic, expected_units_per_day

#: Visitors seen in the 60 days before the start (they may come back), at scale 1.
PREHISTORY_VISITORS_AT_SCALE_1 = 360_000


class Shop:
    """All parts of the simulated shop and their shared export queue."""

    def __init__(
        self,
        out: Path,
        start: dt.date,
        days: int,
        scale: float,
        seed: int,
        incidents: tuple[Incident, ...] = (),
        profile: Profile = DEFAULT,
    ) -> None:
        self.seed, self.scale = seed, scale
        self.profile = profile
        self.clock = clock = Clock(start, days, load_contract().timezone)
        self.outbox = Outbox(out, clock, profile)
        self.sequences = Sequences()
        self.units_per_day = expected_units_per_day(scale)
        self.catalogue = Catalogue(seed, scale, clock)
        self.incidents = Incidents(incidents, start, self.catalogue)
        self.marketing = Marketing(seed, scale, clock)
        if profile.demand is not None:
            self.marketing.reshape_traffic(profile.demand)
        self.customers = Customers(
            seed, scale, clock, max(round(PREHISTORY_VISITORS_AT_SCALE_1 * scale), 600)
        )
        # the parts below work with those above, through this shop (see parts.ShopPart)
        self.inventory = Inventory(self)
        self.traffic = Traffic(self)
        self.checkout = Checkout(self)
        self.fulfilment = Fulfilment(self)
        self.market = MarketMonitoring(self)
        self._intents: dict[int, list[Frame]] = {}  # order intents by day of submission

    def run_day(self, day: int) -> None:
        outbox = self.outbox
        self.catalogue.start_of_day(day, outbox)
        self.marketing.start_of_day(day, outbox)
        self.customers.start_of_day(day, outbox)
        self.fulfilment.start_of_day(day, outbox)
        stockout = self.incidents.on("category_stockout", day)
        if stockout is not None:
            self.inventory.hold(day, stockout.target, stockout.magnitude)

        intents, landings = self.traffic.simulate_day(day, outbox)
        submitted = self.clock.local_day(intents["placed_at"])
        for when in np.unique(submitted[submitted < self.clock.days]).tolist():
            self._intents.setdefault(when, []).append(take(intents, submitted == when))
        todays = concat(self._intents.pop(day, []))
        if todays is not None and len(todays["placed_at"]):
            placed = self.checkout.place(day, todays, outbox)
            self.fulfilment.process(day, placed, outbox)

        self.marketing.ad_spend(day, landings, outbox, self.incidents.on("runaway_ad_cost", day))
        self.inventory.end_of_day(day, outbox)
        self.fulfilment.end_of_day(day, outbox)
        self.market.run_day(day, outbox)
        outbox.flush(day)


def check_arguments(days: int, scale: float, seed: int) -> None:
    """Raise ValueError for a period, scale or seed the simulator cannot run."""
    if days < 1:
        raise ValueError("days must be at least 1")
    if not scale > 0:
        raise ValueError("scale must be positive")
    if seed < 0:
        raise ValueError("seed must not be negative")


def simulate(
    out: Path,
    start: dt.date,
    days: int,
    scale: float = 1.0,
    seed: int = 7,
    progress: bool = False,
    incidents: tuple[Incident, ...] = (),
    profile: Profile = DEFAULT,
) -> dict[str, int]:
    """Simulate ``days`` shop-local days from ``start`` into the landing tree ``out``.

    Writes one partition per table and simulated day (market reports on the 5th only) and
    returns the number of rows written per table. Nothing outside ``out`` is touched.
    ``incidents`` (see :mod:`orchestration.simulator.incidents`) disturb the shop on their
    day; without them the output depends on the seed alone. ``profile`` (see
    :mod:`orchestration.simulator.profiles`) is the kind of shop: the demo shop by default.
    """
    check_arguments(days, scale, seed)
    shop = Shop(Path(out), start, days, scale, seed, incidents, profile)
    for day in tqdm(range(days), desc="simulating", unit="day", disable=not progress):
        shop.run_day(day)
    return dict(shop.outbox.rows_written)
