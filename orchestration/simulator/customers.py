"""Visitors and registered customers, with fake but plausible Chinese PII.

Visitors are cookie or app-device ids; a visitor keeps its device and location. Customers
register at checkout (or existed before the simulation: the existing base is exported on
day 0). A customer's name, e-mail and phone are stored as small integer codes and only
rendered to strings when exported, so millions of them fit in memory.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.simulator import reference as ref
from orchestration.simulator.clock import DAY, Clock, stream
from orchestration.simulator.columns import choice, join, labels, number_ids
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.pools import Pool

DEVICES = ref.DEVICES
DEVICE_WEIGHTS = (0.22, 0.55, 0.05, 0.18)

PROVINCE_NAMES = [p[0] for p in ref.PROVINCES]
PROVINCE_WEIGHTS = np.array([p[2] for p in ref.PROVINCES])
REGIONS = [w.region for w in ref.WAREHOUSES]
#: Warehouse serving each province.
PROVINCE_WAREHOUSE = np.array([REGIONS.index(p[1]) for p in ref.PROVINCES])
CITY_NAMES = [city for p in ref.PROVINCES for city in p[3]]
CITY_PROVINCE = np.array([i for i, p in enumerate(ref.PROVINCES) for _ in p[3]])
CITY_OFFSETS = np.searchsorted(CITY_PROVINCE, np.arange(len(ref.PROVINCES)))
CITY_COUNTS = np.bincount(CITY_PROVINCE)
#: Share of each warehouse in demand (visitors are spread like the province weights).
WAREHOUSE_SHARE = np.bincount(PROVINCE_WAREHOUSE, PROVINCE_WEIGHTS) / PROVINCE_WEIGHTS.sum()

EXISTING_CUSTOMERS_AT_SCALE_1 = 25_000
EXISTING_HISTORY_DAYS = 730
REFERRED_SHARE = 0.03
NO_EMAIL_SHARE = 0.2
NO_PHONE_SHARE = 0.02
DAILY_CHANGE_RATE = 0.0005  # share of customers editing their details each day

EMAIL_DOMAINS = [domain for domain, _ in ref.EMAIL_DOMAINS]
EMAIL_WEIGHTS = [weight for _, weight in ref.EMAIL_DOMAINS]
QQ_DOMAIN = EMAIL_DOMAINS.index("qq.com")
SURNAME_WEIGHTS = 1.0 / (np.arange(len(ref.SURNAMES)) + 3)


def customer_ids(customers: np.ndarray):
    """Customer id strings of customer numbers (negative = null)."""
    customers = np.asarray(customers)
    return number_ids("c", np.where(customers < 0, -1, customers + 1), 8)


def visitor_ids(visitors: np.ndarray):
    return number_ids("v", np.asarray(visitors) + 1, 10)


def draw_cities(rng: np.random.Generator, provinces: np.ndarray) -> np.ndarray:
    """A city of each province, the capital (listed first) being the likeliest."""
    counts = CITY_COUNTS[provinces]
    slot = np.minimum((rng.random(len(provinces)) ** 1.6 * counts).astype(int), counts - 1)
    return CITY_OFFSETS[provinces] + slot


class Customers:
    """The visitor and customer populations and the customers export."""

    def __init__(self, seed: int, scale: float, clock: Clock, prehistory_visitors: int) -> None:
        self.seed = seed
        self.clock = clock
        self.visitors = Pool({"device": np.int8, "province": np.int8, "customer": np.int64})
        self.customers = Pool(
            {
                "registered_at": np.int64,
                "surname": np.int16,
                "given1": np.int16,
                "given2": np.int16,
                "email_domain": np.int8,
                "email_number": np.int64,
                "phone": np.int64,
                "province": np.int8,
                "city": np.int16,
                "referrer": np.int64,
                "visitor": np.int64,
            }
        )
        self._seed_history(scale, prehistory_visitors)

    # -- visitors -------------------------------------------------------------------------

    def new_visitors(self, day: int, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.visitors.add(
            day,
            device=choice(rng, DEVICE_WEIGHTS, count),
            province=choice(rng, PROVINCE_WEIGHTS, count),
            customer=np.full(count, -1),
        )

    def link(self, visitors: np.ndarray, customers: np.ndarray) -> None:
        """Remember that these visitors are (logged in as) these customers."""
        self.visitors["customer"][visitors] = customers

    # -- customers ------------------------------------------------------------------------

    def register(
        self,
        day: int,
        rng: np.random.Generator,
        visitors: np.ndarray,
        registered_at: np.ndarray,
        outbox: Outbox,
    ) -> np.ndarray:
        """Create customers for visitors registering at checkout; returns their ids."""
        count = len(visitors)
        referred = rng.random(count) < REFERRED_SHARE
        referrer = np.full(count, -1, dtype=np.int64)
        referrer[referred] = self.customers.sample_recent(rng, referred.sum(), day + 1, 120, 0.2)
        provinces = self.visitors["province"][visitors]
        ids = self.customers.add(
            day,
            registered_at=registered_at,
            province=provinces,
            city=draw_cities(rng, provinces),
            referrer=referrer,
            visitor=visitors,
            **self._identities(rng, count),
        )
        self.link(visitors, ids)
        self._export(outbox, ids, registered_at)
        return ids

    def warehouse(self, customers: np.ndarray, visitors: np.ndarray) -> np.ndarray:
        """Warehouse serving each buyer: the customer's current delivery province, or the
        visitor's province for a guest checkout (no customer)."""
        province = np.where(
            customers >= 0,
            self.customers["province"][np.maximum(customers, 0)],
            self.visitors["province"][visitors],
        )
        return PROVINCE_WAREHOUSE[province]

    def start_of_day(self, day: int, outbox: Outbox) -> None:
        """Day 0 exports the existing base; later days export customers editing details."""
        if day == 0:
            ids = np.arange(self.customers.size)
            self._export(outbox, ids, np.full(len(ids), self.clock.midnight(0)))
            return
        rng = stream(self.seed, "customer-changes", day)
        known = self.customers.count_before(day - 1)
        ids = np.unique(rng.integers(0, known, rng.binomial(known, DAILY_CHANGE_RATE)))
        if len(ids) == 0:
            return
        kind = choice(rng, (0.4, 0.3, 0.25, 0.05), len(ids))  # phone, e-mail, city, move
        columns = self.customers
        fresh = self._identities(rng, len(ids))
        phone, email, city, move = (kind == k for k in range(4))
        columns["phone"][ids[phone]] = fresh["phone"][phone]
        columns["email_domain"][ids[email]] = fresh["email_domain"][email]
        columns["email_number"][ids[email]] = fresh["email_number"][email]
        columns["province"][ids[move]] = choice(rng, PROVINCE_WEIGHTS, move.sum())
        relocated = ids[city | move]
        columns["city"][relocated] = draw_cities(rng, columns["province"][relocated])
        # Edits are applied at the start of the day, within its first five minutes.
        updated_at = self.clock.midnight(day) + rng.integers(1, 300, len(ids))
        self._export(outbox, ids, updated_at)

    # -- internals ------------------------------------------------------------------------

    def _seed_history(self, scale: float, prehistory_visitors: int) -> None:
        """Visitors seen before the start and the customers registered before it."""
        rng = stream(self.seed, "customer-history")
        days = 60
        for day in range(-days, 0):
            self.new_visitors(day, rng, prehistory_visitors // days)
        count = max(round(EXISTING_CUSTOMERS_AT_SCALE_1 * scale), 50)
        offsets = np.sort(rng.integers(-EXISTING_HISTORY_DAYS * DAY, 0, count))
        registered_at = self.clock.midnight(0) + offsets
        registered_day = self.clock.local_day(registered_at)
        visitors = rng.choice(self.visitors.size, count, replace=False)
        provinces = self.visitors["province"][visitors]
        identities = self._identities(rng, count)
        for day in np.unique(registered_day):
            members = np.flatnonzero(registered_day == day)
            ids = self.customers.add(
                int(day),
                registered_at=registered_at[members],
                province=provinces[members],
                city=draw_cities(rng, provinces[members]),
                referrer=np.full(len(members), -1),
                visitor=visitors[members],
                **{name: values[members] for name, values in identities.items()},
            )
            self.link(visitors[members], ids)

    def _identities(self, rng: np.random.Generator, count: int) -> dict[str, np.ndarray]:
        domain = choice(rng, EMAIL_WEIGHTS, count)
        qq = domain == QQ_DOMAIN
        number = np.where(
            qq,
            rng.integers(10_000, 3_000_000_000, count),
            np.where(rng.random(count) < 0.6, rng.integers(1, 10_000, count), -1),
        )
        prefixes = np.asarray(ref.PHONE_PREFIXES)[rng.integers(0, len(ref.PHONE_PREFIXES), count)]
        phone = prefixes * 100_000_000 + rng.integers(0, 100_000_000, count)
        two_chars = rng.random(count) < 0.7
        given = len(ref.GIVEN_NAME_CHARS)
        return {
            "surname": choice(rng, SURNAME_WEIGHTS, count),
            "given1": rng.integers(0, given, count),
            "given2": np.where(two_chars, rng.integers(0, given, count), -1),
            "email_domain": np.where(rng.random(count) < NO_EMAIL_SHARE, -1, domain),
            "email_number": number,
            "phone": np.where(rng.random(count) < NO_PHONE_SHARE, 0, phone),
        }

    def _export(self, outbox: Outbox, ids: np.ndarray, updated_at: np.ndarray) -> None:
        c = self.customers
        surname, given1, given2 = c["surname"][ids], c["given1"][ids], c["given2"][ids]
        domain, number, phone = c["email_domain"][ids], c["email_number"][ids], c["phone"][ids]
        given_chars = list(ref.GIVEN_NAME_CHARS)
        pinyin_local = join(
            labels(ref.SURNAME_PINYIN, surname),
            labels(ref.GIVEN_NAME_PINYIN, given1),
            labels(["", *ref.GIVEN_NAME_PINYIN], given2 + 1),
            pc.if_else(pa.array(number >= 0), pa.array(number).cast(pa.string()), ""),
        )
        local = pc.if_else(
            pa.array(domain == QQ_DOMAIN), pa.array(number).cast(pa.string()), pinyin_local
        )
        outbox.add(
            "customers",
            {
                "customer_id": customer_ids(ids),
                "registered_at": c["registered_at"][ids],
                "full_name": join(
                    labels(list(ref.SURNAMES), surname),
                    labels(given_chars, given1),
                    labels(["", *given_chars], given2 + 1),
                ),
                "email": join(local, "@", labels(EMAIL_DOMAINS, domain)),
                "phone": pc.cast(pa.array(phone, mask=phone == 0), pa.string()),
                "province": labels(PROVINCE_NAMES, c["province"][ids]),
                "city": labels(CITY_NAMES, c["city"][ids]),
                "referred_by_customer_id": customer_ids(c["referrer"][ids]),
                "updated_at": updated_at,
            },
        )
