"""Named incidents the simulator can inject, for alert tests, demos and the incident benchmark.

    python -m orchestration.simulator --incident payment_outage@2025-06-20 ...
    python -m orchestration.simulator --incident carrier_delay@2025-06-20:顺丰速运:0.5:3 ...

An incident is ``kind@YYYY-MM-DD[:target[:magnitude[:days]]]`` (an empty target takes the
kind's default): it starts on its shop-local day and lasts ``days`` days (1 unless given).
``KINDS`` below is the one table of the kinds: what each does, its default target and
magnitude, and its **expected root**, the catalog indicator and slice (as
``fct_indicator_values`` names them) that the incident moves first, with the relative
change of that indicator per unit of magnitude. The parts of the shop that an incident
disturbs ask ``Incidents`` whether one covers their day; the extra random numbers an
incident needs come from streams of their own, so that the rest of the shop draws the
numbers it draws without incident.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestration.simulator import reference as ref
from orchestration.simulator.inventory import LEAD_JITTER_DAYS

if TYPE_CHECKING:
    from orchestration.simulator.catalogue import Catalogue


@dataclass(frozen=True)
class Kind:
    """One kind of incident and the node of the indicator net it is expected to move."""

    what: str
    target: str | None  # default target (None: the kind has none, or the day's best seller)
    magnitude: float  # default magnitude; what it measures is said in ``what``
    indicator: str  # expected root indicator (catalog code)
    dimension: str  # expected root slice dimension; its value is the target's ('all': none)
    effect: float  # relative change of the root indicator per unit of magnitude
    lead_days: int = 0  # days before the incident's day that its root indicator shows it


#: The incident kinds (the one place they are declared).
KINDS: dict[str, Kind] = {
    "payment_outage": Kind(
        "the payment gateway fails a share (magnitude) of the online payment attempts from "
        "10:00 to 22:00 shop time (COD orders are unaffected)",
        None,
        1.0,
        "payment_success_rate",
        "all",
        -0.7,  # the share of the day's attempts from 10:00 to 22:00
    ),
    "warehouse_stall": Kind(
        "a warehouse ships a share (magnitude) of its parcels of the day two days later; its "
        "indicators are dated by order day, so the orders of the evening before show it too",
        "WH-SH",
        1.0,
        "warehouse_processing_h",
        "warehouse_id",
        2.0,  # +48 h per stalled parcel, against ~12 h; about half the day's orders ship that day
        lead_days=1,
    ),
    "runaway_ad_cost": Kind(
        "an ad placement (by campaign code prefix) bills 1 + magnitude times its usual cost",
        "dy-feed",
        4.0,
        "marketing_cost",
        "campaign_code",
        1.0,
    ),
    "category_stockout": Kind(
        "a share (magnitude) of a level 1 category's SKUs is put on hold in every warehouse "
        "at the start of the day (a recall): system stock 0 until the next deliveries",
        "服装",
        1.0,
        "sku_diversity",
        "category_l1",
        -0.94,  # held SKUs that the day's deliveries restock stay on sale
    ),
    "tracking_loss": Kind(
        "the tracking tag is broken on one device: a share (magnitude) of its click-stream "
        "events is never recorded (orders and payments are)",
        "mobile",
        0.5,
        "page_views",
        "device",
        -1.0,
    ),
    "price_error": Kind(
        "a SKU (the day's best seller unless named) is sold at (1 - magnitude) times its list "
        "price, and deal hunters find it: its demand rises as 1 / (1 - magnitude), at most 4 "
        "times; the shop-wide gross margin falls (by how much: Incident.expected_effect)",
        None,
        0.9,
        "gross_margin",
        "all",
        -1.0,
    ),
    "checkout_failure": Kind(
        "the payment step fails on one device class: a share (magnitude) of its online "
        "orders cannot be paid (every attempt fails)",
        "app",
        0.5,
        "payment_success_rate",
        "device",
        -1.0,  # every attempt of a broken order fails (retries too)
    ),
    "carrier_delay": Kind(
        "a carrier's parcels of orders placed that day take 1 + magnitude times as long",
        "中通快递",
        0.5,
        "delivery_h",
        "carrier",
        1.0,
    ),
    "return_spike": Kind(
        "a SKU (the day's best seller unless named) of orders placed that day is returned so "
        "often that its level 1 category's return rate rises by the magnitude (capped at "
        "every delivered unit returned)",
        None,
        0.5,
        "return_rate",
        "category_l1",
        1.0,
    ),
    "site_slowdown": Kind(
        "the site slows down for one probe location: a share (magnitude) of its probes time out",
        "上海",
        0.3,
        "site_availability",
        "probe_location",
        -1.0,
    ),
}

#: Most a price_error multiplies its SKU's demand by.
MAX_PRICE_ERROR_DEMAND = 4.0
#: Kinds whose target is a SKU id (SKU000123).
SKU_KINDS = ("price_error", "return_spike")
_SKU_ID = re.compile(r"SKU\d{6}")


@dataclass(frozen=True)
class Incident:
    kind: str
    date: dt.date
    target: str | None = None
    magnitude: float | None = None  # None: the kind's default
    days: int = 1
    spec: Kind = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown incident {self.kind!r}: choose from {sorted(KINDS)}")
        object.__setattr__(self, "spec", KINDS[self.kind])
        if self.magnitude is None:
            object.__setattr__(self, "magnitude", self.spec.magnitude)
        if not self.magnitude > 0:
            raise ValueError(f"incident {self.kind}: magnitude must be positive")
        if self.kind != "runaway_ad_cost" and self.magnitude > 1:
            raise ValueError(f"incident {self.kind}: magnitude is a share, at most 1")
        if self.kind == "price_error" and self.magnitude >= 1:
            raise ValueError("incident price_error: magnitude is the price cut, below 1")
        if self.days < 1:
            raise ValueError(f"incident {self.kind}: days must be at least 1")

    @classmethod
    def parse(cls, text: str) -> Incident:
        """``kind@YYYY-MM-DD[:target[:magnitude[:days]]]``."""
        kind, _, rest = text.partition("@")
        day, *fields = rest.split(":")
        if kind not in KINDS:
            raise ValueError(f"unknown incident {kind!r}: choose from {sorted(KINDS)}")
        usage = f"incident {text!r}: expected {kind}@YYYY-MM-DD[:target[:magnitude[:days]]]"
        if len(fields) > 3:
            raise ValueError(usage)
        target, magnitude, days = (fields + [""] * 3)[:3]
        try:
            date = dt.date.fromisoformat(day)
            incident = cls(
                kind,
                date,
                target or KINDS[kind].target,
                float(magnitude) if magnitude else None,
                int(days) if days else 1,
            )
        except ValueError as error:
            raise ValueError(f"{usage}: {error}") from None
        incident.check_target()
        return incident

    def check_target(self) -> None:
        """Raise ValueError when the target names nothing of the kind's."""
        targets = {
            "warehouse_stall": [w.warehouse_id for w in ref.WAREHOUSES],
            "runaway_ad_cost": [a.code for a in ref.AD_PLACEMENTS],
            "category_stockout": [c.name for c in ref.CATEGORIES],
            "tracking_loss": list(ref.DEVICES),
            "checkout_failure": list(ref.DEVICES),
            "carrier_delay": [name for carriers in ref.CARRIERS.values() for name, _ in carriers],
            "site_slowdown": list(ref.PROBE_LOCATIONS),
        }.get(self.kind)
        if targets is not None and self.target not in targets:
            raise ValueError(
                f"incident {self.kind}: unknown target {self.target!r}, one of {targets}"
            )
        named = self.target is not None
        if self.kind in SKU_KINDS and named and not _SKU_ID.fullmatch(str(self.target)):
            raise ValueError(f"incident {self.kind}: {self.target!r} is no SKU id (SKU000123)")

    def sku(self) -> int:
        """Index of the incident's SKU in the catalogue (of a kind in SKU_KINDS)."""
        return int(str(self.target)[3:]) - 1

    def resolved(self, catalogue: Catalogue, first_day: dt.date) -> Incident:
        """The incident with its SKU named: its target, or the SKU with the most expected
        merchandise value on its first day (``first_day``: the run's)."""
        if self.kind not in SKU_KINDS or self.target is not None:
            return self
        day = (self.date - first_day).days
        best = int((catalogue.demand_weights(day) * catalogue.list_price).argmax())
        return dataclasses.replace(self, target=str(catalogue.sku_ids[best]))

    @property
    def demand_factor(self) -> float:
        """A price_error's pull on demand: unit-elastic (1 / price factor), at most 4 times."""
        return min(1 / (1 - self.magnitude), MAX_PRICE_ERROR_DEMAND)

    def expected_root(self, catalogue: Catalogue, day: int) -> tuple[str, str, str]:
        """(indicator code, slice dimension, slice value) the incident is expected to move
        first, ``day`` being its simulated first day."""
        spec = self.spec
        if spec.dimension == "all":
            return spec.indicator, "all", "all"
        if self.kind == "return_spike":
            return spec.indicator, spec.dimension, ref.CATEGORIES[catalogue.l1[self.sku()]].name
        return spec.indicator, spec.dimension, str(self.target)

    def recovery_days(self, catalogue: Catalogue) -> int:
        """Days after its last day that the incident's effects last: a category stock-out,
        and a price error that empties its SKU's stock, until the supplier restocks (the
        category's lead time and its jitter); 0 for the other kinds."""
        if self.kind == "category_stockout":
            category = next(c for c in ref.CATEGORIES if c.name == self.target)
        elif self.kind == "price_error":
            category = ref.CATEGORIES[catalogue.l1[self.sku()]]
        else:
            return 0
        return category.supplier_lead_days + LEAD_JITTER_DAYS

    def expected_effect(self, catalogue: Catalogue, day: int) -> float:
        """Expected relative change of the root indicator (e.g. -0.3: it falls by 30 %)."""
        if self.kind == "price_error":  # in list prices, the SKU's stock permitting
            weights = catalogue.demand_weights(day)
            sales, cost = weights * catalogue.list_price, weights * catalogue.unit_cost
            sku = self.sku()
            factor = self.demand_factor
            wrong_sales = sales.sum() + (factor * (1 - self.magnitude) - 1) * sales[sku]
            wrong_profit = (
                (sales - cost).sum()
                - (sales[sku] - cost[sku])
                + factor * ((1 - self.magnitude) * sales[sku] - cost[sku])
            )
            margin = (sales - cost).sum() / sales.sum()
            return (wrong_profit / wrong_sales) / margin - 1
        if self.kind == "return_spike":
            return min(self.magnitude, return_spike_cap(catalogue, self.sku(), day))
        return self.spec.effect * self.magnitude


def sku_share_of_category(catalogue: Catalogue, sku: int, day: int) -> float:
    """The SKU's share of its level 1 category's expected demand on ``day``."""
    weights = catalogue.demand_weights(day)
    return float(weights[sku] / weights[catalogue.l1 == catalogue.l1[sku]].sum())


def return_spike_cap(catalogue: Catalogue, sku: int, day: int) -> float:
    """The largest rise of its category's return rate a SKU can cause (all of it returned)."""
    rate = ref.CATEGORIES[catalogue.l1[sku]].return_rate
    return sku_share_of_category(catalogue, sku, day) * (1 - rate) / rate


class Incidents:
    """The incidents of a run, asked by the parts of the shop as they simulate."""

    def __init__(
        self, incidents: tuple[Incident, ...], first_day: dt.date, catalogue: Catalogue
    ) -> None:
        self._first_day = first_day
        self._all = tuple(incident.resolved(catalogue, first_day) for incident in incidents)
        for day, error in self.of_kind("price_error"):
            catalogue.boosts[day] = (error.sku(), error.demand_factor)

    def of_kind(self, kind: str) -> list[tuple[int, Incident]]:
        """(simulated day, incident) of every day covered by an incident of this kind."""
        return [
            ((incident.date - self._first_day).days + offset, incident)
            for incident in self._all
            if incident.kind == kind
            for offset in range(incident.days)
        ]

    def on(self, kind: str, day: int) -> Incident | None:
        """The incident of this kind covering this simulated day, if any."""
        return next((incident for d, incident in self.of_kind(kind) if d == day), None)
