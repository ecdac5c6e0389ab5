"""Marketing: the campaign plan (promotions, ad placements, partnerships), coupons, the
promotion calendar that drives traffic and discounts, daily ad platform reports and
partner commissions.

Campaigns and coupons are created some weeks before they start and exported on that day
(or on day 0 when created earlier); a later revision of a plan (budget, commission rate,
coupon validity) re-exports the full record.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from orchestration.simulator.clock import HOUR, MINUTE, Clock, stream
from orchestration.simulator.columns import Frame, labels, number_ids
from orchestration.simulator.incidents import Incident
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.reference import (
    AD_PLACEMENTS,
    PEAK_CONVERSION,
    PROMOTION_CONVERSION,
)


@dataclass(frozen=True)
class PromotionPlan:
    key: str
    name: str
    starts: tuple[int, int, int]  # month, day, year offset
    ends: tuple[int, int, int]
    peak: tuple[int, int, int]
    discount_rate: float
    traffic: float  # traffic multiplier on promotion days
    peak_traffic: float  # ... and on the peak day
    budget: float  # CNY at scale 1
    coupons: tuple[tuple[int, int], ...]  # (minimum spend, amount off) in CNY


@dataclass(frozen=True)
class PartnerPlan:
    key: str  # traffic source (utm_source) of the partner
    partner_name: str
    commission_rate: float
    budget: float  # CNY per year at scale 1
    rate_change: tuple[int, int, float] | None = None  # (month, day, new rate)


PROMOTIONS = (
    PromotionPlan(
        key="ny",
        name="元旦跨年购",
        starts=(12, 30, -1),
        ends=(1, 2, 0),
        peak=(1, 1, 0),
        discount_rate=0.10,
        traffic=1.5,
        peak_traffic=2.2,
        budget=20_000,
        coupons=((199, 15), (399, 40)),
    ),
    PromotionPlan(
        key="38",
        name="三八女王节",
        starts=(3, 1, 0),
        ends=(3, 8, 0),
        peak=(3, 8, 0),
        discount_rate=0.15,
        traffic=1.5,
        peak_traffic=2.5,
        budget=30_000,
        coupons=((199, 20), (399, 50)),
    ),
    PromotionPlan(
        key="618",
        name="618年中大促",
        starts=(6, 1, 0),
        ends=(6, 18, 0),
        peak=(6, 18, 0),
        discount_rate=0.20,
        traffic=1.8,
        peak_traffic=4.0,
        budget=90_000,
        coupons=((300, 30), (600, 80)),
    ),
    PromotionPlan(
        key="d11",
        name="双11狂欢节",
        starts=(11, 1, 0),
        ends=(11, 11, 0),
        peak=(11, 11, 0),
        discount_rate=0.25,
        traffic=2.0,
        peak_traffic=4.5,
        budget=150_000,
        coupons=((300, 40), (800, 120)),
    ),
    PromotionPlan(
        key="d12",
        name="双12年终盛典",
        starts=(12, 10, 0),
        ends=(12, 12, 0),
        peak=(12, 12, 0),
        discount_rate=0.15,
        traffic=1.7,
        peak_traffic=3.0,
        budget=40_000,
        coupons=((200, 20), (500, 60)),
    ),
)
PARTNERSHIPS = (
    PartnerPlan("fanli", "返利网", 0.05, 60_000),
    PartnerPlan("smzdm", "什么值得买", 0.03, 40_000, (7, 1, 0.04)),
    PartnerPlan("linktech", "领克特", 0.08, 20_000),
)
MAX_PEAK_TRAFFIC = max(plan.peak_traffic for plan in PROMOTIONS)
WELCOME_COUPON = (99, 20)  # minimum spend, amount off (CNY), for new customers
CREATION_LEAD_DAYS = {"promotion": 30, "ad_placement": 14, "partnership": 14}
CALENDAR_MARGIN = 60  # days of calendar known before the start and after the end


@dataclass
class Plan:
    """A campaign or coupon: its fields when created and its later revisions."""

    fields: dict
    created_day: int
    revisions: list[tuple[int, int, dict]] = field(default_factory=list)  # (day, second, changes)

    def on(self, day: int) -> dict:
        state = dict(self.fields)
        for revision_day, _, changes in self.revisions:
            if revision_day <= day:
                state.update(changes)
        return state


class Marketing:
    """Campaigns, coupons and the promotion calendar of the simulated period."""

    def __init__(self, seed: int, scale: float, clock: Clock) -> None:
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.campaigns: list[Plan] = []
        self.coupons: list[Plan] = []
        last = clock.date(clock.days - 1)
        for year in range(clock.start.year - 1, last.year + 2):
            self._plan_year(year)
        self.campaigns = [c for c in self.campaigns if self._relevant(c)]
        self.coupons = [c for c in self.coupons if self._relevant(c)]
        self.codes = [c.fields["campaign_code"] for c in self.campaigns]
        self.ids = [c.fields["campaign_id"] for c in self.campaigns]
        self.kinds = np.array([c.fields["campaign_type"] for c in self.campaigns])
        self._build_calendar()

    # -- the plan -------------------------------------------------------------------------

    def _day(self, year: int, month: int, day: int) -> int:
        return self.clock.day_of(dt.date(year, month, day))

    def _add_campaign(self, year: int, number: int, created_day: int, **fields) -> Plan:
        fields = {
            "campaign_id": f"CMP{year}{number:02d}",
            "partner_name": None,
            "commission_rate": math.nan,
            "discount_rate": math.nan,
            **fields,
        }
        plan = Plan(fields, created_day)
        self.campaigns.append(plan)
        return plan

    def _plan_year(self, year: int) -> None:
        scale = self.scale
        for number, p in enumerate(PROMOTIONS, start=1):
            starts = self._day(year + p.starts[2], *p.starts[:2])
            ends = self._day(year + p.ends[2], *p.ends[:2])
            code = f"{p.key}-{year}"
            plan = self._add_campaign(
                year,
                number,
                starts - CREATION_LEAD_DAYS["promotion"],
                campaign_code=code,
                campaign_name=f"{year} {p.name}",
                campaign_type="promotion",
                channel="crm",
                starts_on=starts,
                ends_on=ends,
                budget=round(p.budget * scale * 100),
                discount_rate=p.discount_rate,
                peak_day=self._day(year + p.peak[2], *p.peak[:2]),
                traffic=p.traffic,
                peak_traffic=p.peak_traffic,
            )
            plan.revisions.append(
                (
                    starts - 7,
                    10 * HOUR + 30 * MINUTE,
                    {"budget": round(plan.fields["budget"] * 1.2)},
                )
            )
            for minimum, amount in p.coupons:
                coupon = Plan(
                    {
                        "coupon_code": f"{code}-{amount}OFF{minimum}",
                        "campaign_id": plan.fields["campaign_id"],
                        "discount_amount": amount * 100,
                        "minimum_spend": minimum * 100,
                        "valid_from": starts,
                        "valid_to": ends,
                    },
                    plan.created_day,
                )
                if p.key == "d11":  # Double 11 coupons stay valid one more day
                    coupon.revisions.append((ends, 22 * HOUR, {"valid_to": ends + 1}))
                self.coupons.append(coupon)
        self.coupons.append(
            Plan(
                {
                    "coupon_code": f"WELCOME-{year}",
                    "campaign_id": None,
                    "discount_amount": WELCOME_COUPON[1] * 100,
                    "minimum_spend": WELCOME_COUPON[0] * 100,
                    "valid_from": self._day(year, 1, 1),
                    "valid_to": self._day(year, 12, 31),
                },
                self._day(year - 1, 12, 15),
            )
        )
        for half, (first, last) in enumerate(((1, 6), (7, 12)), start=1):
            starts = self._day(year, first, 1)
            ends = self._day(year + (last == 12), last % 12 + 1, 1) - 1
            for number, a in enumerate(AD_PLACEMENTS, start=10 * half + 1):
                plan = self._add_campaign(
                    year,
                    number,
                    starts - CREATION_LEAD_DAYS["ad_placement"],
                    campaign_code=f"{a.code}-{year}h{half}",
                    campaign_name=f"{a.name} {year}H{half}",
                    campaign_type="ad_placement",
                    channel=a.channel,
                    starts_on=starts,
                    ends_on=ends,
                    budget=round(a.daily_budget * scale * (ends - starts + 1) * 100),
                    source=a.key,
                )
                if half == 2:  # budget top-up ahead of Double 11
                    revised = {"budget": round(plan.fields["budget"] * 1.25)}
                    plan.revisions.append((self._day(year, 10, 15), 10 * HOUR, revised))
        starts, ends = self._day(year, 1, 1), self._day(year, 12, 31)
        for number, p in enumerate(PARTNERSHIPS, start=31):
            plan = self._add_campaign(
                year,
                number,
                starts - CREATION_LEAD_DAYS["partnership"],
                campaign_code=f"{p.key}-{year}",
                campaign_name=f"{p.partner_name}合作 {year}",
                campaign_type="partnership",
                channel="affiliate",
                partner_name=p.partner_name,
                commission_rate=p.commission_rate,
                starts_on=starts,
                ends_on=ends,
                budget=round(p.budget * scale * 100),
                source=p.key,
            )
            if p.rate_change:
                month, day, rate = p.rate_change
                plan.revisions.append((self._day(year, month, day), 0, {"commission_rate": rate}))

    def _relevant(self, plan: Plan) -> bool:
        ends = plan.fields.get("ends_on", plan.fields.get("valid_to"))
        return ends >= 0 and plan.created_day < self.clock.days

    def _build_calendar(self) -> None:
        """Per day: the running promotion, traffic and conversion multipliers."""
        low, size = -CALENDAR_MARGIN, self.clock.days + 2 * CALENDAR_MARGIN
        self._low = low
        self._promotion = np.full(size, -1)
        self._traffic = np.ones(size)
        self._conversion = np.ones(size)
        for index, plan in enumerate(self.campaigns):
            f = plan.fields
            if f["campaign_type"] != "promotion":
                continue
            before = np.arange(f["starts_on"] - 3, f["starts_on"]) - low
            before = before[(before >= 0) & (before < size)]
            self._traffic[before] = np.minimum(self._traffic[before], 0.9)  # waiting for the sale
            for day in range(f["starts_on"], f["ends_on"] + 1):
                if not low <= day < low + size:
                    continue
                i = day - low
                self._promotion[i] = index
                self._conversion[i] = (
                    PEAK_CONVERSION if day == f["peak_day"] else PROMOTION_CONVERSION
                )
                if day == f["peak_day"]:
                    self._traffic[i] = f["peak_traffic"]
                elif day == f["peak_day"] - 1:
                    self._traffic[i] = (f["traffic"] + f["peak_traffic"]) / 2
                else:
                    self._traffic[i] = f["traffic"] * (1.15 if day == f["starts_on"] else 1.0)

    # -- the calendar ---------------------------------------------------------------------

    def promotion(self, day: int) -> int:
        """Index of the promotion running on ``day`` or -1."""
        return int(self._promotion[day - self._low])

    def discount_rate(self, day: int) -> float:
        index = self.promotion(day)
        return 0.0 if index < 0 else self.campaigns[index].fields["discount_rate"]

    def traffic_factor(self, day: int) -> float:
        return float(self._traffic[day - self._low])

    def conversion_factor(self, day: int) -> float:
        return float(self._conversion[day - self._low])

    def intensity(self, day: int) -> float:
        """How hard a promotion pushes the shop: 0 normally, 1 on the biggest peak."""
        return max(0.0, (self.traffic_factor(day) - 1) / (MAX_PEAK_TRAFFIC - 1))

    def is_peak(self, day: int) -> bool:
        index = self.promotion(day)
        return index >= 0 and self.campaigns[index].fields["peak_day"] == day

    def reshape_traffic(self, demand: Callable[[Marketing, int], float]) -> None:
        """A shop profile's own demand (``Profile.demand``): each day's traffic factor of the
        calendar multiplied by ``demand(self, day)``; stock planning follows it too."""
        days = range(self._low, self._low + len(self._traffic))
        self._traffic = self._traffic * np.array([demand(self, day) for day in days])

    def demand_factor(self, days: np.ndarray) -> np.ndarray:
        """Expected demand relative to an ordinary day (known from the plan)."""
        i = np.clip(np.asarray(days) - self._low, 0, len(self._traffic) - 1)
        return self._traffic[i] * self._conversion[i]

    def source_campaigns(self, day: int, sources: list[str]) -> np.ndarray:
        """For each traffic source key, the campaign its landings carry on ``day`` (or -1);
        'crm' (e-mail and SMS) carries the running promotion."""
        result = np.full(len(sources), -1)
        for index, plan in enumerate(self.campaigns):
            f = plan.fields
            running = f["starts_on"] <= day <= f["ends_on"]
            if f["campaign_type"] != "promotion" and running and f["source"] in sources:
                result[sources.index(f["source"])] = index
        if "crm" in sources:
            result[sources.index("crm")] = self.promotion(day)
        return result

    def coupons_on(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Coupons usable on ``day``: index, amount off, minimum spend (cents), is welcome."""
        rows = [
            (i, state["discount_amount"], state["minimum_spend"], state["campaign_id"] is None)
            for i, plan in enumerate(self.coupons)
            if (state := plan.on(day))["valid_from"] <= day <= state["valid_to"]
        ]
        if not rows:
            return (np.zeros(0, np.int64),) * 3 + (np.zeros(0, bool),)
        index, amount, minimum, welcome = (np.array(column) for column in zip(*rows, strict=True))
        return index, amount, minimum, welcome

    # -- exports --------------------------------------------------------------------------

    def start_of_day(self, day: int, outbox: Outbox) -> None:
        """Export the campaigns and coupons created or revised on ``day`` (all on day 0)."""
        midnight = int(self.clock.midnight(day))
        for name, plans, export in (
            ("campaigns", self.campaigns, self._campaign_rows),
            ("coupons", self.coupons, self._coupon_rows),
        ):
            rows = []
            for plan in plans:
                if day == 0 and plan.created_day <= 0:
                    rows.append((plan.on(0), midnight))
                elif plan.created_day == day:
                    rows.append((plan.on(day), midnight + 10 * HOUR))
                rows += [
                    (plan.on(day), midnight + second)
                    for revision_day, second, _ in plan.revisions
                    if revision_day == day and day > max(plan.created_day, 0)
                ]
            if rows:
                outbox.add(name, export([state for state, _ in rows], [t for _, t in rows]))

    def _campaign_rows(self, states: list[dict], updated_at: list[int]) -> dict:
        columns = (
            "campaign_id",
            "campaign_code",
            "campaign_name",
            "campaign_type",
            "channel",
            "partner_name",
            "commission_rate",
            "starts_on",
            "ends_on",
            "budget",
            "discount_rate",
        )
        data = {name: [state[name] for state in states] for name in columns}
        return {**data, "updated_at": updated_at}

    def _coupon_rows(self, states: list[dict], updated_at: list[int]) -> dict:
        columns = (
            "coupon_code",
            "campaign_id",
            "discount_amount",
            "minimum_spend",
            "valid_from",
            "valid_to",
        )
        data = {name: [state[name] for state in states] for name in columns}
        return {**data, "updated_at": updated_at}

    def ad_spend(
        self, day: int, landings: np.ndarray, outbox: Outbox, runaway: Incident | None = None
    ) -> None:
        """Daily platform report of each running ad placement. ``landings`` counts the visits
        that landed with each campaign's code; clicks are never fewer (some clicks are lost
        before the page loads). A ``runaway`` incident bills its placement 1 + its magnitude
        times over (five times by default)."""
        rng = stream(self.seed, "ad-spend", day)
        running = [
            i
            for i, plan in enumerate(self.campaigns)
            if plan.fields["campaign_type"] == "ad_placement"
            and plan.fields["starts_on"] <= day <= plan.fields["ends_on"]
        ]
        if not running:
            return
        plans = {a.key: a for a in AD_PLACEMENTS}
        ad = [plans[self.campaigns[i].fields["source"]] for i in running]
        landed = landings[running]
        clicks = np.ceil(landed / rng.uniform(0.82, 0.93, len(running))).astype(np.int64)
        ctr = np.clip(
            np.array([a.ctr for a in ad]) * rng.lognormal(0, 0.1, len(running)), 0.005, 0.03
        )
        impressions = np.round(clicks / ctr).astype(np.int64) + rng.poisson(20, len(running))
        promotion = 1 + 0.3 * (self.promotion(day) >= 0)
        noise = rng.lognormal(0, 0.08, len(running))
        cpc = np.array([a.cpc or 0.0 for a in ad]) * promotion * noise
        cpm = np.array([a.cpm or 0.0 for a in ad]) * promotion * noise
        cost = np.round((clicks * cpc + impressions * cpm / 1000) * 100).astype(np.int64)
        if runaway is not None:
            codes = [self.codes[i] for i in running]
            runs = np.array([code.startswith(runaway.target) for code in codes])
            cost[runs] = np.round(cost[runs] * (1 + runaway.magnitude)).astype(np.int64)
        outbox.add(
            "ad_spend",
            {
                "spend_date": np.full(len(running), day),
                "campaign_id": [self.ids[i] for i in running],
                "impressions": impressions,
                "clicks": clicks,
                "cost": cost,
            },
        )

    def accrue_commissions(
        self,
        day: int,
        orders: Frame,
        order_ids: pa.Array,
        commission_numbers: np.ndarray,
        outbox: Outbox,
    ) -> None:
        """Commission owed for orders placed on ``day`` from a partnership landing: the rate
        valid that day times the items amount. ``orders`` holds only such orders."""
        rates = np.array([plan.on(day)["commission_rate"] for plan in self.campaigns], dtype=float)[
            orders["campaign"]
        ]
        outbox.add(
            "partner_commissions",
            {
                "commission_id": number_ids("cm", commission_numbers, 8),
                "campaign_id": labels(self.ids, orders["campaign"]),
                "order_id": order_ids,
                "accrued_at": orders["placed_at"],
                "commission_amount": np.round(rates * orders["items_amount"]).astype(np.int64),
            },
        )
