"""Visitors, visits and the click-stream.

A day's traffic is drawn in two rounds: first visits (new visitors and returning ones, the
latter drawn from earlier days with recency weights), then follow-up visits of some of them
later the same day. Each visit is a contiguous sequence of events with gaps under 30
minutes; follow-ups start more than 30 minutes after the visit before. The landing event
(the visit's first) alone carries the external referrer and the utm parameters.

Every visit follows one template: ``browse`` page views (the first is the landing page),
then, if the visitor shops, for each cart line a product page view and an add_to_cart,
then a cart page view, a checkout page view, checkout_start and order_submit. Abandoned
carts stop somewhere along the template. Converting visits produce order intents, placed
(stock check, prices, payment) by the checkout on the shop-local day of their submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.simulator.catalogue import L2_SLUGS, L2_WEIGHTS
from orchestration.simulator.clock import HOUR, MINUTE, stream
from orchestration.simulator.columns import (
    Frame,
    Sequences,
    choice,
    choice_rows,
    concat,
    join,
    labels,
    number_ids,
    take,
)
from orchestration.simulator.customers import DEVICES, customer_ids, visitor_ids
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.parts import ShopPart

if TYPE_CHECKING:
    from orchestration.simulator.engine import Shop

SITE = "https://shop.example.cn"
PAGE_TYPES = (
    "home",
    "category",
    "search",
    "product",
    "cart",
    "checkout",
    "payment",
    "account",
    "campaign",
)
HOME, CATEGORY, SEARCH, PRODUCT, CART, CHECKOUT, PAYMENT, ACCOUNT, CAMPAIGN = range(9)
EVENT_TYPES = ("page_view", "add_to_cart", "checkout_start", "order_submit", "payment_result")
PAGE_VIEW, ADD_TO_CART, CHECKOUT_START, ORDER_SUBMIT, PAYMENT_RESULT = range(5)
NEW, RETURNING, CUSTOMER = range(3)  # visitor segments
VISIT_TIMEOUT = 30 * MINUTE  # inactivity that ends a visit


@dataclass(frozen=True)
class Source:
    """A way visitors arrive: its utm parameters, referrer and behaviour."""

    key: str
    campaign: str | None  # which campaign's code the landing carries (see Marketing)
    utm_source: str | None
    utm_medium: str | None
    referrer: str | None
    weights: tuple[float, float, float]  # share of new, returning, customer visits
    conversion: float  # relative conversion rate
    bounce: float  # share of single-page visits among non-shopping ones
    landing: tuple[float, float, float, float, float]  # home, category, search, product, campaign


#: key, campaign, share of (new, returning, customer) visits, relative conversion, bounce,
#: landing page weights (home, category, search, product, campaign).
_BEHAVIOUR = (
    ("direct", None, (0.16, 0.30, 0.28), 1.3, 0.35, (0.75, 0.05, 0, 0.15, 0.05)),
    ("baidu_organic", None, (0.22, 0.16, 0.10), 0.9, 0.45, (0.15, 0.3, 0.05, 0.5, 0)),
    ("so_organic", None, (0.05, 0.03, 0.02), 0.8, 0.48, (0.15, 0.3, 0.05, 0.5, 0)),
    ("paid_brand", "brand", (0.07, 0.07, 0.05), 1.4, 0.30, (0.6, 0.15, 0, 0.05, 0.2)),
    ("paid_generic", "generic", (0.13, 0.07, 0.03), 0.8, 0.45, (0.05, 0.4, 0.1, 0.45, 0)),
    ("douyin", "douyin", (0.13, 0.07, 0.04), 0.5, 0.55, (0.05, 0, 0, 0.65, 0.3)),
    ("weibo", "weibo", (0.05, 0.03, 0.02), 0.4, 0.58, (0.1, 0, 0, 0.6, 0.3)),
    ("fanli", "fanli", (0.05, 0.05, 0.06), 1.8, 0.30, (0.15, 0.05, 0, 0.8, 0)),
    ("smzdm", "smzdm", (0.04, 0.03, 0.04), 1.5, 0.35, (0.15, 0.05, 0, 0.8, 0)),
    ("linktech", "linktech", (0.02, 0.02, 0.02), 1.2, 0.40, (0.15, 0.05, 0, 0.8, 0)),
    ("email", "crm", (0, 0, 0.10), 2.0, 0.30, (0.3, 0.1, 0, 0.3, 0.3)),
    ("sms", "crm", (0, 0, 0.06), 1.8, 0.35, (0.3, 0.1, 0, 0.3, 0.3)),
)
_UTM = {
    "paid_brand": ("baidu", "cpc"),
    "paid_generic": ("baidu", "cpc"),
    "douyin": ("douyin", "social"),
    "weibo": ("weibo", "social"),
    "fanli": ("fanli", "affiliate"),
    "smzdm": ("smzdm", "affiliate"),
    "linktech": ("linktech", "affiliate"),
    "email": ("newsletter", "email"),
    "sms": ("sms", "sms"),
}
_REFERRER = {
    "baidu_organic": "https://www.baidu.com/",
    "so_organic": "https://www.so.com/",
    "paid_brand": "https://www.baidu.com/",
    "paid_generic": "https://www.baidu.com/",
    "douyin": "https://www.douyin.com/",
    "weibo": "https://weibo.com/",
    "fanli": "https://www.fanli.com/",
    "smzdm": "https://www.smzdm.com/",
    "linktech": "https://www.linktech.cn/",
}
SOURCES = tuple(
    Source(key, campaign, *_UTM.get(key, (None, None)), _REFERRER.get(key), *behaviour)
    for key, campaign, *behaviour in _BEHAVIOUR
)
SOURCE_WEIGHTS = np.array([s.weights for s in SOURCES]).T  # segment x source
PROMOTION_SOURCE_BOOST = np.array(
    [3.0 if s.campaign == "crm" else 1.5 if s.key == "douyin" else 1.0 for s in SOURCES]
)
SOURCE_CONVERSION = np.array([s.conversion for s in SOURCES])
EXPECTED_SOURCE_CONVERSION = SOURCE_WEIGHTS @ SOURCE_CONVERSION / SOURCE_WEIGHTS.sum(axis=1)
HAS_UTM = np.array([s.utm_source is not None for s in SOURCES])
UTM_SOURCES = [s.utm_source or "" for s in SOURCES]
UTM_MEDIUMS = [s.utm_medium or "" for s in SOURCES]
REFERRERS = [s.referrer or "" for s in SOURCES]
HAS_REFERRER = np.array([s.referrer is not None for s in SOURCES])
SOURCE_BOUNCE = np.array([s.bounce for s in SOURCES])
LANDING_PAGES = np.array([HOME, CATEGORY, SEARCH, PRODUCT, CAMPAIGN])
LANDING_WEIGHTS = np.array([s.landing for s in SOURCES])
#: Page types of page views after the landing one.
BROWSE_WEIGHTS = np.array([0.06, 0.22, 0.14, 0.46, 0.04, 0, 0, 0.05, 0.03])

BASE_VISITS = 10_000  # on an ordinary weekday at scale 1
BASE_CONVERSION = 0.03
GROWTH_PER_YEAR = 0.2
WEEKDAY_FACTORS = np.array([0.97, 0.96, 0.97, 0.99, 1.01, 1.08, 1.10])
#: Relative visit starts per local hour.
HOUR_WEIGHTS = np.array(
    [
        3.0,
        1.5,
        0.8,
        0.5,
        0.4,
        0.5,
        1.0,
        2.0,
        3.5,
        5.0,
        6.5,
        6.5,
        5.5,
        5.0,
        5.0,
        5.0,
        5.0,
        4.5,
        4.5,
        5.5,
        7.5,
        8.5,
        8.0,
        5.5,
    ]
)
PEAK_HOUR_BOOST = np.array([5.0, 3.0] + [1.0] * 18 + [1.5] * 4)  # midnight rush on peak days
RETURNING_SHARE = 0.40
CUSTOMER_DRAW_SHARE = 0.55  # of returning visits, drawn among customers
FOLLOW_UP_RATE = 0.08
SEGMENT_CONVERSION = np.array([0.75, 1.0, 2.5])
DEVICE_CONVERSION = np.array([1.15, 0.9, 1.0, 1.4])
DEVICE_LOAD_MS = np.array([850.0, 1250.0, 1100.0, 650.0])
CART_ABANDON_FACTOR = 1.5  # abandoned-cart visits relative to converting ones
CHECKOUT_ABANDON_SHARE = 0.35
LOGGED_IN_SHARE = 0.6  # visitors whose device keeps the customer logged in
NEW_DEVICE_LOGIN_SHARE = 0.06  # buyers on an unknown visitor id who are existing customers
GUEST_CHECKOUT_SHARE = 0.05  # new buyers who check out without creating an account
LINE_COUNT_WEIGHTS = (0.70, 0.22, 0.08)
QUANTITY_WEIGHTS = (0.88, 0.10, 0.02)
MAX_LINES = len(LINE_COUNT_WEIGHTS)
PAYMENT_METHODS = ("alipay", "wechat_pay", "union_pay", "credit_card", "cod")
PAYMENT_WEIGHTS = (0.46, 0.33, 0.05, 0.06, 0.10)
DELIVERY_METHODS = ("standard", "express", "pickup_point")
DELIVERY_WEIGHTS = (0.70, 0.18, 0.12)
TEST_SHARE = 0.002
FRAUD_SHARE = 0.003


def expected_units_per_day(scale: float) -> float:
    """Units demanded on an ordinary day, for the stock planning."""
    lines = np.dot(np.arange(1, MAX_LINES + 1), LINE_COUNT_WEIGHTS)
    quantity = np.dot(np.arange(1, len(QUANTITY_WEIGHTS) + 1), QUANTITY_WEIGHTS)
    return BASE_VISITS * scale * BASE_CONVERSION * lines * quantity


def remembers_login(visitors: np.ndarray) -> np.ndarray:
    """Whether a visitor's browser or app keeps its customer logged in (a fixed property
    of the visitor, spread evenly by a multiplicative hash of its number)."""
    return (visitors * 2_654_435_761) % 1000 < LOGGED_IN_SHARE * 1000


def event_ids(sequences: Sequences, count: int) -> pa.Array:
    return number_ids("e", sequences.take("event", count), 12)


def order_ids(numbers) -> pa.Array:
    """Order id strings of order numbers (negative = null)."""
    return number_ids("o", numbers, 9)


@dataclass
class DayContext:
    """What shapes the traffic of one day."""

    day: int
    source_campaign: np.ndarray  # campaign landing with each source, or -1
    promotion: int
    conversion: float  # mean conversion target
    load: float  # page load slowdown from promotion pressure
    hour_weights: np.ndarray
    normaliser: float = 1.0


class Traffic(ShopPart):
    """Generates each day's visits, events and order intents."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(shop)
        # Visitors whose last visit ended less than 30 minutes before midnight (or after).
        self._late_visitors = np.zeros(0, dtype=np.int64)
        self._late_ends = np.zeros(0, dtype=np.int64)
        # Page paths: fixed pages, then category, search, campaign and product pages.
        fixed = {HOME: "/", CART: "/cart", CHECKOUT: "/checkout", ACCOUNT: "/account"}
        self._fixed_path = np.full(len(PAGE_TYPES), -1)
        self._fixed_path[list(fixed)] = np.arange(len(fixed))
        paths = list(fixed.values())
        self._category_path = len(paths)
        paths += [f"/category/{slug}" for slug in L2_SLUGS]
        self._search_path = len(paths)
        paths += [f"/search?q={slug}" for slug in L2_SLUGS]
        self._campaign_path = len(paths)
        paths += [f"/campaign/{code}" for code in self.marketing.codes]
        self._product_path = len(paths)
        self._paths = pa.concat_arrays(
            [pa.array(paths, pa.string()), join("/product/", self.catalogue.sku_ids)]
        )
        self._queries = [f"utm_source={s.utm_source}&utm_medium={s.utm_medium}" for s in SOURCES]

    # -- the day --------------------------------------------------------------------------

    def simulate_day(self, day: int, outbox: Outbox) -> tuple[Frame, np.ndarray]:
        """Simulate the visits starting on ``day``: export their events and registrations,
        return the order intents and the number of landings per campaign."""
        rng = stream(self.seed, "traffic", day)
        context = self._context(day)
        visits = self._first_visits(day, rng, context)
        if len(visits["visitor"]):
            context.normaliser = context.conversion / self._expected_conversion(visits).mean()
        events, intents, campaigns, ends = self._play(day, rng, visits, context, outbox)
        follow_ups = self._follow_ups(day, rng, visits, ends)
        more_events, more_intents, more_campaigns, more_ends = self._play(
            day, rng, follow_ups, context, outbox
        )
        self._remember_late(
            day,
            np.concatenate([visits["visitor"], follow_ups["visitor"]]),
            np.concatenate([ends, more_ends]),
        )
        more_intents["event"] += len(events["at"])
        events = concat([events, more_events])
        intents = concat([intents, more_intents])
        order = np.argsort(intents["placed_at"], kind="stable")
        intents = {name: values[order] for name, values in intents.items()}
        intents["order_no"] = self.sequences.take("order", len(order))
        submitted = np.full(len(events["at"]), -1)
        submitted[intents.pop("event")] = intents["order_no"]
        loss = self.shop.incidents.on("tracking_loss", day)
        if loss is not None:  # the broken tag records none of these events
            lost = (events["device"] == DEVICES.index(loss.target)) & (
                stream(self.seed, "tracking-loss", day).random(len(submitted)) < loss.magnitude
            )
            events, submitted = take(events, ~lost), submitted[~lost]
        self._export(outbox, events, submitted)
        landed = np.concatenate([campaigns, more_campaigns])
        landings = np.bincount(landed[landed >= 0], minlength=len(self.marketing.codes))
        return intents, landings

    def _context(self, day: int) -> DayContext:
        marketing = self.marketing
        hours = HOUR_WEIGHTS * (PEAK_HOUR_BOOST if marketing.is_peak(day) else 1.0)
        return DayContext(
            day=day,
            source_campaign=marketing.source_campaigns(day, [s.campaign for s in SOURCES]),
            promotion=marketing.promotion(day),
            conversion=BASE_CONVERSION * marketing.conversion_factor(day),
            load=1 + 0.3 * marketing.intensity(day),
            hour_weights=hours,
        )

    def _remember_late(self, day: int, visitors: np.ndarray, ends: np.ndarray) -> None:
        late = ends >= self.clock.midnight(day + 1) - VISIT_TIMEOUT
        order = np.argsort(visitors[late], kind="stable")
        self._late_visitors, self._late_ends = visitors[late][order], ends[late][order]

    def _after_late_visits(
        self, rng: np.random.Generator, visitors: np.ndarray, start: np.ndarray
    ) -> np.ndarray:
        """Delay visits of visitors still active around midnight so that they start more
        than 30 minutes after the visit of the evening before ended."""
        if not len(self._late_visitors):
            return start
        position = np.searchsorted(self._late_visitors, visitors)
        position = np.minimum(position, len(self._late_visitors) - 1)
        known = self._late_visitors[position] == visitors
        earliest = self._late_ends[position] + VISIT_TIMEOUT + MINUTE
        delayed = earliest + rng.integers(0, HOUR, len(start))
        return np.where(known & (start < earliest), delayed, start)

    def _first_visits(self, day: int, rng: np.random.Generator, context: DayContext) -> Frame:
        growth = (1 + GROWTH_PER_YEAR) ** (day / 365)
        weekday = WEEKDAY_FACTORS[self.clock.weekday(day)]
        mean = BASE_VISITS * self.scale * weekday * growth * self.marketing.traffic_factor(day)
        count = round(rng.poisson(mean * rng.lognormal(0, 0.05)) / (1 + FOLLOW_UP_RATE))
        returning = rng.binomial(count, RETURNING_SHARE + 0.05 * (context.promotion >= 0))
        from_customers = rng.binomial(returning, CUSTOMER_DRAW_SHARE)
        people = self.customers
        regulars = people.customers.sample_recent(rng, from_customers, day, 90, 0.15)
        others = people.visitors.sample_recent(rng, returning - from_customers, day, 20, 0.05)
        back = np.concatenate([people.customers["visitor"][regulars], others])
        _, first = np.unique(back, return_index=True)
        back = back[np.sort(first)]  # one first visit per visitor and day
        visitor = np.concatenate([back, people.new_visitors(day, rng, count - returning)])
        customer = people.visitors["customer"][visitor]
        segment = np.where(customer >= 0, CUSTOMER, RETURNING)
        segment[len(back) :] = NEW
        hour = choice(rng, context.hour_weights, len(visitor))
        start = self.clock.midnight(day) + hour * HOUR + rng.integers(0, HOUR, len(visitor))
        return {
            "visitor": visitor,
            "device": people.visitors["device"][visitor],
            "customer": customer,
            "segment": segment,
            "start": self._after_late_visits(rng, visitor, start),
        }

    def _follow_ups(
        self, day: int, rng: np.random.Generator, visits: Frame, ends: np.ndarray
    ) -> Frame:
        """Second visits of some visitors, 31 minutes to 4 hours after the first ended."""
        again = np.flatnonzero(rng.random(len(ends)) < FOLLOW_UP_RATE)
        start = ends[again] + VISIT_TIMEOUT + rng.integers(MINUTE, 210 * MINUTE, len(again))
        same_day = start < self.clock.midnight(day + 1)
        again, start = again[same_day], start[same_day]
        visitor = visits["visitor"][again]
        customer = self.customers.visitors["customer"][visitor]
        return {
            "visitor": visitor,
            "device": visits["device"][again],
            "customer": customer,
            "segment": np.where(customer >= 0, CUSTOMER, RETURNING),
            "start": start,
        }

    @staticmethod
    def _expected_conversion(visits: Frame) -> np.ndarray:
        """Relative conversion of visits before their source is known."""
        return (
            SEGMENT_CONVERSION[visits["segment"]]
            * DEVICE_CONVERSION[visits["device"]]
            * EXPECTED_SOURCE_CONVERSION[visits["segment"]]
        )

    # -- visits to events -----------------------------------------------------------------

    def _play(
        self,
        day: int,
        rng: np.random.Generator,
        visits: Frame,
        context: DayContext,
        outbox: Outbox,
    ) -> tuple[Frame, Frame, np.ndarray, np.ndarray]:
        """Turn visits into events and order intents (registering new customers).

        Returns the events, the intents, each visit's landing campaign and its end."""
        n = len(visits["visitor"])
        segment = visits["segment"]
        promotion_running = context.promotion >= 0

        weights = SOURCE_WEIGHTS[segment] * (PROMOTION_SOURCE_BOOST if promotion_running else 1.0)
        source = choice_rows(rng, weights)
        campaign = context.source_campaign[source]
        landing_weights = LANDING_WEIGHTS[source]
        if not promotion_running:
            landing_weights = landing_weights.copy()
            landing_weights[:, 0] += landing_weights[:, -1]
            landing_weights[:, -1] = 0
        landing = LANDING_PAGES[choice_rows(rng, landing_weights)]

        p = (
            SEGMENT_CONVERSION[segment]
            * DEVICE_CONVERSION[visits["device"]]
            * SOURCE_CONVERSION[source]
            * context.normaliser
        )
        converts = rng.random(n) < p
        cart = ~converts & (rng.random(n) < np.minimum(CART_ABANDON_FACTOR * p, 0.5))
        at_checkout = cart & (rng.random(n) < CHECKOUT_ABANDON_SHARE)
        wanted = np.where(converts, choice(rng, LINE_COUNT_WEIGHTS, n) + 1, cart * 1)
        wanted[cart & (rng.random(n) < 0.3)] = 2
        sku, quantity = self._cart(day, rng, wanted, converts)
        lines = (sku >= 0).sum(axis=1)
        tail = np.select(
            [converts, at_checkout, cart], [2 * lines + 4, 2 * lines + 3, 2 * lines + 1], 0
        )
        browse = np.where(
            converts | cart,
            rng.geometric(0.3, n),
            np.where(rng.random(n) < SOURCE_BOUNCE[source], 1, 1 + rng.geometric(0.22, n)),
        )

        # Expand visits into events following the template.
        count = browse + tail
        visit = np.repeat(np.arange(n), count)
        total = len(visit)
        first = np.cumsum(count) - count
        position = np.arange(total) - first[visit]
        step = position - browse[visit]  # < 0 while browsing
        in_lines = (step >= 0) & (step < 2 * lines[visit])
        after = np.where(step >= 0, step - 2 * lines[visit], -1)  # 0 cart, 1 checkout, ...
        event_type = np.full(total, PAGE_VIEW)
        event_type[in_lines & (step % 2 == 1)] = ADD_TO_CART
        event_type[after == 2] = CHECKOUT_START
        event_type[after == 3] = ORDER_SUBMIT
        browse_weights = BROWSE_WEIGHTS.copy()
        if not promotion_running:
            browse_weights[HOME] += browse_weights[CAMPAIGN]
            browse_weights[CAMPAIGN] = 0
        page_type = choice(rng, browse_weights, total)
        page_type[position == 0] = landing
        page_type[in_lines] = PRODUCT
        page_type[after == 0] = CART
        page_type[after >= 1] = CHECKOUT
        event_sku = np.where(
            in_lines,
            sku[visit, np.clip(step // 2, 0, MAX_LINES - 1)],
            self.catalogue.draw(rng, day, total),
        )
        event_sku[page_type != PRODUCT] = -1

        gap = np.clip(rng.lognormal(np.log(35), 1.0, total), 2, 1200).astype(np.int64)
        gap = np.select(
            [event_type == ADD_TO_CART, after == 1, after == 2, after == 3],
            [
                rng.integers(3, 40, total),
                rng.integers(5, 60, total),
                rng.integers(2, 20, total),
                rng.integers(20, 240, total),
            ],
            gap,
        )
        gap[position == 0] = 0
        elapsed = np.cumsum(gap)
        at = visits["start"][visit] + elapsed - elapsed[first[visit]]
        ends = at[first + count - 1]

        # Who is logged in: remembered customers from the start, buyers from checkout_start.
        checkout_start = first + browse + 2 * lines + 2  # event index, if the visit gets there
        people = self.customers
        buyer = visits["customer"].copy()
        logged_in = (buyer >= 0) & remembers_login(visits["visitor"])
        other_device = converts & (buyer < 0) & (rng.random(n) < NEW_DEVICE_LOGIN_SHARE)
        buyer[other_device] = people.customers.sample_recent(rng, other_device.sum(), day, 90, 0.15)
        people.link(visits["visitor"][other_device], buyer[other_device])
        first_time = np.flatnonzero(converts & (buyer < 0))
        registers = first_time[rng.random(len(first_time)) >= GUEST_CHECKOUT_SHARE]
        start_at = at[checkout_start[registers]]
        registered_at = (at[checkout_start[registers] - 1] + start_at) // 2
        buyer[registers] = people.register(
            day, rng, visits["visitor"][registers], registered_at, outbox
        )
        login = np.where((converts | at_checkout) & (buyer >= 0), checkout_start - first, total)
        login[logged_in] = 0
        customer = np.where(position >= login[visit], buyer[visit], -1)

        hour = (at - self.clock.midnight(day)) // HOUR % 24
        load = (1 + 0.35 * context.hour_weights[hour] / context.hour_weights.max()) * context.load
        load_ms = rng.lognormal(np.log(DEVICE_LOAD_MS[visits["device"][visit]]), 0.45) * load
        events = {
            "at": at,
            "visitor": visits["visitor"][visit],
            "customer": customer,
            "event_type": event_type,
            "page_type": page_type,
            "path": self._path_codes(rng, page_type, event_sku, context.promotion),
            "source": source[visit],
            "campaign": campaign[visit],
            "position": position,
            "device": visits["device"][visit],
            "sku": event_sku,
            "load_ms": np.where(event_type == PAGE_VIEW, load_ms.astype(np.int64), -1),
        }

        buying = np.flatnonzero(converts)
        submit = checkout_start[buying] + 1
        intents = {
            "event": submit,
            "placed_at": at[submit],
            "visitor": visits["visitor"][buying],
            "customer": buyer[buying],
            "device": visits["device"][buying],
            "campaign": campaign[buying],
            "new_customer": np.isin(buying, registers),
            "warehouse": people.warehouse(buyer[buying], visits["visitor"][buying]),
            "payment_method": choice(rng, PAYMENT_WEIGHTS, len(buying)),
            "delivery_method": choice(rng, DELIVERY_WEIGHTS, len(buying)),
            "is_test": rng.random(len(buying)) < TEST_SHARE,
            "is_fraud": rng.random(len(buying)) < FRAUD_SHARE,
            "line_sku": sku[buying],
            "line_quantity": quantity[buying],
        }
        return events, intents, campaign, ends

    def _cart(
        self, day: int, rng: np.random.Generator, wanted: np.ndarray, converts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """SKUs (n x MAX_LINES, -1 = no line) and quantities put in each visit's cart;
        a SKU is in a cart once, lines are packed to the left."""
        n = len(wanted)
        sku = np.full((n, MAX_LINES), -1)
        shopping = np.flatnonzero(wanted > 0)
        drawn = self.catalogue.draw(rng, day, len(shopping) * MAX_LINES)
        sku[shopping] = drawn.reshape(len(shopping), MAX_LINES)
        sku[np.arange(MAX_LINES) >= wanted[:, None]] = -1
        for j in range(1, MAX_LINES):
            repeated = (sku[:, :j] == sku[:, j : j + 1]).any(axis=1)
            sku[repeated, j] = -1
        sku = np.take_along_axis(sku, np.argsort(sku < 0, axis=1, kind="stable"), axis=1)
        quantity = choice(rng, QUANTITY_WEIGHTS, sku.shape) + 1
        quantity = np.where(sku < 0, 0, np.where(converts[:, None], quantity, 1))
        return sku, quantity

    def _path_codes(
        self, rng: np.random.Generator, page_type: np.ndarray, sku: np.ndarray, promotion: int
    ) -> np.ndarray:
        """Index of each event's page path in ``self._paths``."""
        code = self._fixed_path[page_type]
        listing = np.flatnonzero((page_type == CATEGORY) | (page_type == SEARCH))
        l2 = choice(rng, L2_WEIGHTS, len(listing))
        code[listing] = (
            np.where(page_type[listing] == CATEGORY, self._category_path, self._search_path) + l2
        )
        product = page_type == PRODUCT
        code[product] = self._product_path + sku[product]
        code[page_type == CAMPAIGN] = self._campaign_path + promotion
        return code

    def _export(self, outbox: Outbox, events: Frame, submitted: np.ndarray) -> None:
        """Render the events to strings and queue them for export."""
        n = len(events["at"])
        source, position = events["source"], events["position"]
        landing = position == 0
        page_type = events["page_type"]
        path = self._paths.take(pa.array(events["path"]))
        tagged = landing & HAS_UTM[source]
        query = labels(self._queries, np.where(tagged, source, -1))
        campaign = np.where(tagged, events["campaign"], -1)
        campaign_codes = labels(self.marketing.codes, campaign)
        query = pc.coalesce(join(query, "&utm_campaign=", campaign_codes), query)
        separator = pc.if_else(pa.array(page_type == SEARCH), "&", "?")
        url = pc.coalesce(join(path, separator, query), path)

        is_view = events["event_type"] == PAGE_VIEW
        current = np.maximum.accumulate(np.where(is_view, np.arange(n), 0))
        previous = current[np.maximum(np.arange(n) - 1, 0)]
        external = labels(REFERRERS, np.where(landing & HAS_REFERRER[source], source, -1))
        view_referrer = pc.if_else(
            pa.array(landing), external, join(SITE, url.take(pa.array(previous)))
        )
        sku = events["sku"]
        outbox.add(
            "events",
            {
                "event_id": event_ids(self.sequences, n),
                "event_at": events["at"],
                "visitor_id": visitor_ids(events["visitor"]),
                "customer_id": customer_ids(events["customer"]),
                "event_type": labels(EVENT_TYPES, events["event_type"]),
                "page_type": labels(PAGE_TYPES, page_type),
                "page_url": url,
                "referrer_url": view_referrer.take(pa.array(current)),
                "utm_source": labels(UTM_SOURCES, np.where(tagged, source, -1)),
                "utm_medium": labels(UTM_MEDIUMS, np.where(tagged, source, -1)),
                "utm_campaign": campaign_codes,
                "device": labels(DEVICES, events["device"]),
                "sku_id": self.catalogue.sku_ids.take(pa.array(sku, mask=sku < 0)),
                "order_id": order_ids(submitted),
                "is_success": pa.nulls(n, pa.bool_()),
                "page_load_ms": events["load_ms"],
            },
        )
