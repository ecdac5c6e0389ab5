"""The catalogue: categories, brands, products (styles) and their SKUs, list prices and
purchase costs, and how they change over time (launches, discontinuations, price and cost
changes).

Catalogue changes take effect at local midnight, so a SKU's list price, cost and status are
constant over a shop-local day. New products are listed (exported, inactive) some days
before they launch so that stock can be received before they go on sale.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orchestration.simulator import reference as ref
from orchestration.simulator.clock import Clock, stream
from orchestration.simulator.columns import choice, join, labels, number_ids
from orchestration.simulator.outbox import Outbox

SKUS_AT_SCALE_1 = 1000
SKU_SCALE_EXPONENT = 0.477  # ~3,000 SKUs at scale 10
MIN_SKUS = 300
LISTING_LEAD_DAYS = 14  # longer than any supplier lead time
NEW_PRODUCTS_PER_YEAR = 0.2  # as a share of the catalogue
DISCONTINUED_PER_YEAR = 0.1
DISCONTINUED_BEFORE_START = 0.04
PRICE_CHANGES_PER_MONTH = 0.02  # share of products
COST_CHANGES_PER_MONTH = 0.03  # share of SKUs
NEVER = 10**6  # end day of SKUs never discontinued

COLOUR_COUNTS = (1, 2, 3)
COLOUR_COUNT_WEIGHTS = (0.35, 0.4, 0.25)
SIZE_COUNTS = (1, 2, 3, 4)
SIZE_COUNT_WEIGHTS = (0.1, 0.2, 0.35, 0.35)
MEAN_SKUS_PER_PRODUCT = 5.0


def _level2_table():
    rows = [
        (l1, name, slug, size_set)
        for l1, category in enumerate(ref.CATEGORIES)
        for name, slug, size_set in category.children
    ]
    l1 = np.array([row[0] for row in rows])
    weights = np.array([ref.CATEGORIES[c].weight / len(ref.CATEGORIES[c].children) for c in l1])
    return l1, [row[1] for row in rows], [row[2] for row in rows], [row[3] for row in rows], weights


L2_L1, L2_NAMES, L2_SLUGS, L2_SIZE_SETS, L2_WEIGHTS = _level2_table()
L1_NAMES = [category.name for category in ref.CATEGORIES]
SIZE_SET_NAMES = list(ref.SIZE_SETS)
SIZE_LABELS = [label for sizes, _ in ref.SIZE_SETS.values() for label in sizes]
SIZE_OFFSETS = np.cumsum([0] + [len(sizes) for sizes, _ in ref.SIZE_SETS.values()])[:-1]
SIZE_LENGTHS = np.array([len(sizes) for sizes, _ in ref.SIZE_SETS.values()])
SIZE_PRICED = np.array([priced for _, priced in ref.SIZE_SETS.values()])
L2_SIZE_SET = np.array([SIZE_SET_NAMES.index(name) for name in L2_SIZE_SETS])


def _padded(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged rows of ints as a padded 2-D array plus row lengths."""
    width = max(len(row) for row in rows)
    table = np.zeros((len(rows), width), dtype=np.int64)
    for i, row in enumerate(rows):
        table[i, : len(row)] = row
    return table, np.array([len(row) for row in rows])


L1_BRANDS, L1_BRAND_COUNTS = _padded([category.brands for category in ref.CATEGORIES])
L1_ADJECTIVES = [category.adjectives for category in ref.CATEGORIES]
ADJECTIVE_LABELS = [adjective for adjectives in L1_ADJECTIVES for adjective in adjectives]
ADJECTIVE_OFFSETS = np.cumsum([0] + [len(a) for a in L1_ADJECTIVES])[:-1]
ADJECTIVE_COUNTS = np.array([len(a) for a in L1_ADJECTIVES])


def pretty_price(cents) -> np.ndarray:
    """Round prices (cents) to whole yuan ending in 9, at least 49 CNY."""
    yuan = np.round(np.asarray(cents) / 1000.0) * 10 - 1
    return np.maximum(yuan, 49).astype(np.int64) * 100


class Catalogue:
    """All SKUs of the simulated period, generated up front, with their current state."""

    def __init__(self, seed: int, scale: float, clock: Clock) -> None:
        self.seed = seed
        self.clock = clock
        target = max(MIN_SKUS, round(SKUS_AT_SCALE_1 * scale**SKU_SCALE_EXPONENT))
        rng = stream(seed, "catalogue")
        existing = round(target / MEAN_SKUS_PER_PRODUCT)
        batches = [self._new_products(rng, existing, rng.integers(-1000, -30, existing))]
        rate = target * NEW_PRODUCTS_PER_YEAR / 365 / MEAN_SKUS_PER_PRODUCT
        for day in range(clock.days):
            daily = stream(seed, "launches", day)
            count = daily.poisson(rate)
            if count:
                batches.append(self._new_products(daily, count, np.full(count, day)))
        products = {name: np.concatenate([b[0][name] for b in batches]) for name in batches[0][0]}
        skus = {name: np.concatenate([b[1][name] for b in batches]) for name in batches[0][1]}
        skus["product"] = np.repeat(np.arange(len(products["l2"])), products["sku_count"])

        self._discontinue(rng, products)
        self.product_l2 = products["l2"]
        self.product_brand = products["brand"]
        self.product_adjective = products["adjective"]
        self.product_model = products["model"]
        self.product = skus["product"]
        self.l2 = self.product_l2[self.product]
        self.l1 = L2_L1[self.l2]
        self.colour = skus["colour"]
        self.size = skus["size"]
        self.popularity = skus["popularity"]
        self.list_price = skus["list_price"]
        self.unit_cost = skus["unit_cost"]
        self.launch_day = products["launch_day"][self.product]
        self.listed_day = self.launch_day - LISTING_LEAD_DAYS
        self.end_day = products["end_day"][self.product]
        self.count = len(self.product)
        self.sku_ids = number_ids("SKU", np.arange(1, self.count + 1), 6)
        self._weights_day: int | None = None
        self._cumulative = np.zeros(0)
        #: day → (sku, factor): a SKU's demand multiplied that day (a price_error incident)
        self.boosts: dict[int, tuple[int, float]] = {}

    # -- generation ---------------------------------------------------------------------

    def _new_products(self, rng: np.random.Generator, count: int, launch_days: np.ndarray):
        l2 = choice(rng, L2_WEIGHTS, count)
        l1 = L2_L1[l2]
        brand = L1_BRANDS[l1, (rng.random(count) * L1_BRAND_COUNTS[l1]).astype(int)]
        adjective = ADJECTIVE_OFFSETS[l1] + (rng.random(count) * ADJECTIVE_COUNTS[l1]).astype(int)
        medians = np.array([c.median_price for c in ref.CATEGORIES])[l1]
        sigmas = np.array([c.price_sigma for c in ref.CATEGORIES])[l1]
        base_price = np.clip(rng.lognormal(np.log(medians), sigmas), 49, 1499) * 100

        size_set = L2_SIZE_SET[l2]
        set_length = SIZE_LENGTHS[size_set]
        size_count = np.minimum(
            np.asarray(SIZE_COUNTS)[choice(rng, SIZE_COUNT_WEIGHTS, count)], set_length
        )
        size_start = (rng.random(count) * (set_length - size_count + 1)).astype(int)
        colour_count = np.asarray(COLOUR_COUNTS)[choice(rng, COLOUR_COUNT_WEIGHTS, count)]
        colours = rng.random((count, len(ref.COLOURS))).argsort(axis=1)[:, : max(COLOUR_COUNTS)]
        appeal = rng.lognormal(0.0, 1.2, count)

        sku_count = colour_count * size_count
        owner = np.repeat(np.arange(count), sku_count)
        within = np.arange(len(owner)) - np.repeat(np.cumsum(sku_count) - sku_count, sku_count)
        colour_slot = within // size_count[owner]
        size_slot = within % size_count[owner]
        step = np.where(SIZE_PRICED[size_set[owner]], 1.15**size_slot, 1.0)
        list_price = pretty_price(base_price[owner] * step)
        centre = (size_count[owner] - 1) / 2
        popularity = (
            appeal[owner]
            * np.array([1.0, 0.6, 0.4])[colour_slot]
            * (1 - 0.15 * np.abs(size_slot - centre))
            * rng.lognormal(0.0, 0.25, len(owner))
        )
        products = {
            "l2": l2,
            "brand": brand,
            "adjective": adjective,
            "model": rng.integers(1000, 10000, count),
            "launch_day": np.asarray(launch_days, dtype=np.int64),
            "end_day": np.full(count, NEVER, dtype=np.int64),
            "sku_count": sku_count,
        }
        skus = {
            "colour": colours[owner, colour_slot],
            "size": SIZE_OFFSETS[size_set[owner]] + size_start[owner] + size_slot,
            "popularity": popularity,
            "list_price": list_price,
            "unit_cost": np.round(list_price * rng.uniform(0.40, 0.65, len(owner))).astype(
                np.int64
            ),
        }
        return products, skus

    def _discontinue(self, rng: np.random.Generator, products: dict[str, np.ndarray]) -> None:
        """Some old products were discontinued before the start, some are during the run."""
        launch = products["launch_day"]
        old = launch < 0
        before = old & (rng.random(len(launch)) < DISCONTINUED_BEFORE_START)
        days = self.clock.days
        during = old & ~before & (rng.random(len(launch)) < DISCONTINUED_PER_YEAR * days / 365)
        end = products["end_day"]
        end[before] = np.maximum(rng.integers(-150, 0, before.sum()), launch[before] + 30)
        end[during] = rng.integers(1, max(days, 2), during.sum())

    # -- daily state ----------------------------------------------------------------------

    def active(self, day: int) -> np.ndarray:
        return (self.launch_day <= day) & (day < self.end_day)

    def listed(self, day: int) -> np.ndarray:
        """SKUs known to the shop system (exported in products) by the end of ``day``."""
        return self.listed_day <= day

    def replenished(self, day: int) -> np.ndarray:
        """SKUs the shop keeps in stock: listed and not discontinued."""
        return self.listed(day) & (day < self.end_day)

    def demand_weights(self, day: int) -> np.ndarray:
        """Relative demand of each SKU on ``day`` (0 when not on sale); new SKUs get a boost."""
        age = day - self.launch_day
        boost = 1 + 1.5 * np.exp(-np.maximum(age, 0) / 21)
        weights = np.where(self.active(day), self.popularity * boost, 0.0)
        if day in self.boosts:
            sku, factor = self.boosts[day]
            weights[sku] *= factor
        return weights

    def draw(self, rng: np.random.Generator, day: int, count: int) -> np.ndarray:
        """SKUs viewed or bought on ``day``, by popularity among those on sale."""
        if self._weights_day != day:
            self._cumulative = np.cumsum(self.demand_weights(day))
            self._weights_day = day
        return np.searchsorted(
            self._cumulative, rng.random(count) * self._cumulative[-1], side="right"
        )

    def start_of_day(self, day: int, outbox: Outbox) -> None:
        """Apply and export the catalogue changes of ``day`` (everything on day 0)."""
        midnight = self.clock.midnight(day)
        if day == 0:
            listed = np.flatnonzero(self.listed(0))
            self._export(outbox, listed, day)
            valid_from = self.clock.midnight(self.listed_day[listed])
            self._export_costs(outbox, listed, valid_from, days=0)
            return
        rng = stream(self.seed, "catalogue-changes", day)
        live = (self.listed_day < day) & (day < self.end_day)
        repriced = np.flatnonzero(
            live[self._first_sku_of_products()]
            & (rng.random(len(self.product_l2)) < PRICE_CHANGES_PER_MONTH / 30)
        )
        factor = np.ones(len(self.product_l2))
        change = rng.uniform(0.03, 0.15, len(repriced))
        factor[repriced] = np.where(rng.random(len(repriced)) < 0.6, 1 - change, 1 + change)
        repriced_skus = np.isin(self.product, repriced)
        self.list_price[repriced_skus] = pretty_price(
            self.list_price[repriced_skus] * factor[self.product[repriced_skus]]
        )
        recosted = live & (rng.random(self.count) < COST_CHANGES_PER_MONTH / 30)
        self.unit_cost[recosted] = np.round(
            self.unit_cost[recosted] * rng.uniform(0.95, 1.08, recosted.sum())
        ).astype(np.int64)

        changed = (
            (self.listed_day == day) | (self.launch_day == day) | (self.end_day == day)
        ) | repriced_skus
        self._export(outbox, np.flatnonzero(changed), day)
        new_costs = np.flatnonzero((self.listed_day == day) | recosted)
        self._export_costs(outbox, new_costs, np.full(len(new_costs), midnight))

    def _first_sku_of_products(self) -> np.ndarray:
        return np.searchsorted(self.product, np.arange(len(self.product_l2)))

    def _export(self, outbox: Outbox, skus: np.ndarray, day: int) -> None:
        """Full rows of ``skus`` as they are on ``day`` (written at its midnight)."""
        product = self.product[skus]
        brand = self.product_brand[product]
        l2 = self.l2[skus]
        outbox.add(
            "products",
            {
                "sku_id": self.sku_ids.take(pa.array(skus)),
                "product_id": number_ids("P", product + 1, 5),
                "product_name": join(
                    labels([name for name, _ in ref.BRANDS], brand),
                    " ",
                    labels(ADJECTIVE_LABELS, self.product_adjective[product]),
                    labels(L2_NAMES, l2),
                ),
                "category_l1": labels(L1_NAMES, self.l1[skus]),
                "category_l2": labels(L2_NAMES, l2),
                "brand": labels([name for name, _ in ref.BRANDS], brand),
                "model": join(
                    labels([prefix for _, prefix in ref.BRANDS], brand),
                    pa.array(self.product_model[product]).cast(pa.string()),
                ),
                "colour": labels(ref.COLOURS, self.colour[skus]),
                "size": labels(SIZE_LABELS, self.size[skus]),
                "list_price": self.list_price[skus],
                "launched_at": self.clock.midnight(self.launch_day[skus]),
                "is_active": self.active(day)[skus],
                "updated_at": np.full(len(skus), self.clock.midnight(day)),
            },
        )

    def _export_costs(self, outbox: Outbox, skus: np.ndarray, valid_from, days=None) -> None:
        outbox.add(
            "sku_costs",
            {
                "sku_id": self.sku_ids.take(pa.array(skus)),
                "valid_from": valid_from,
                "unit_cost": self.unit_cost[skus],
            },
            days=days,
        )
