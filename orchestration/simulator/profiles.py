"""Shop profiles: named variants of the simulated shop (``--profile NAME``).

The default profile is the demo shop every figure of the docs comes from. The others
prove the warehouse on shops it was not first written for: a profile says which landing
files the shop delivers and how its records differ from the demo's. Each profile is one
:class:`Profile` in :data:`PROFILES`; the engine and the outbox read the run's profile
through ``shop.profile``, so a new profile is a new entry here (plus, when it changes how
the shop behaves, the part of the simulator that reads its new field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from orchestration.contract import Table, load_contract
from orchestration.simulator.multi_parcel import weekly_stock_counts
from orchestration.simulator.seasonal import seasonal_demand
from orchestration.simulator.usd_us import UsdUs

if TYPE_CHECKING:  # marketing imports the outbox, which imports the profiles
    from orchestration.simulator.marketing import Marketing

#: Rewrites a day's records of a table before they are written (table, records → records).
Rewrite = Callable[[Table, pa.Table], pa.Table]


@dataclass(frozen=True)
class Profile:
    """A named shop variant.

    ``tables``: the ``source.table`` names the shop delivers (None: every contract table);
    tables outside it get no landing file at all, as a shop without that system.
    ``rewrite``: applied to each day's records of every delivered table before writing.
    ``demand``: the shop's traffic on a simulated day relative to the demo shop's, given the
    shop's marketing calendar (None: the demo's).
    ``split_parcels``: some lines of an order ship in a second parcel from another
    warehouse, and the shop delivers the lines each parcel carries (the fulfilment part).
    ``line_codes``: coupon and promotion codes are recorded per order line (the optional
    columns of shop.order_lines), not per order.
    """

    name: str
    description: str
    tables: frozenset[str] | None = None
    rewrite: Rewrite | None = None
    demand: Callable[[Marketing, int], float] | None = None
    split_parcels: bool = False
    line_codes: bool = False

    def delivers(self, table: Table) -> bool:
        return self.tables is None or f"{table.source}.{table.name}" in self.tables

    def records(self, table: Table, records: pa.Table) -> pa.Table:
        return self.rewrite(table, records) if self.rewrite else records


PROFILES: dict[str, Profile] = {}


def register(profile: Profile) -> Profile:
    if profile.name in PROFILES:
        raise ValueError(f"profile {profile.name!r} is defined twice")
    PROFILES[profile.name] = profile
    return profile


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown profile {name!r}; profiles: {', '.join(sorted(PROFILES))}"
        ) from None


DEFAULT = register(
    Profile(
        name="default",
        description="The demo shop: every source of the contract (the figures of the docs).",
    )
)


# --- orders-only: the shop's order system alone ------------------------------------------

#: What a shop that runs only an order management system delivers: the tables the contract
#: requires (the shop source, and the warehouses its orders are allocated to and the
#: shipments that say when they were delivered). No click-stream, marketing, stock, picking
#: or warehouse-cost, market or monitoring files.
ORDER_SYSTEM_TABLES = frozenset(
    f"{table.source}.{table.name}" for table in load_contract().tables if table.required
)

#: Order columns that point into the marketing system: a shop without it has none.
_MARKETING_CODES = ("coupon_code", "campaign_code")


def _without_marketing_codes(table: Table, records: pa.Table) -> pa.Table:
    """Orders of a shop without the marketing system carry no coupon or campaign code."""
    if table.name != "orders":
        return records
    for name in _MARKETING_CODES:
        index = records.schema.get_field_index(name)
        records = records.set_column(
            index, records.schema.field(index), pa.nulls(records.num_rows, pa.string())
        )
    return records


ORDERS_ONLY = register(
    Profile(
        name="orders-only",
        description=(
            "Only the order system: shop tables plus wms warehouses and shipments; no web, "
            "marketing, stock, market or monitoring files, and no coupon or campaign codes."
        ),
        tables=ORDER_SYSTEM_TABLES,
        rewrite=_without_marketing_codes,
    )
)


# --- usd-us: a US shop in dollars and pesos ----------------------------------------------

USD_US = register(
    Profile(
        name="usd-us",
        description=(
            "A US shop: New York time, USD reporting with every fifth order in MXN (daily "
            "rates), UTF-8 everywhere, its own payment methods and carriers; needs "
            "SHOP_SETTINGS_FILE=orchestration/simulator/shops/usd-us/shop.yml."
        ),
        rewrite=UsdUs(),
    )
)


# --- seasonal: peak seasons, a 70 % drop after each peak, days without orders ------------

SEASONAL = register(
    Profile(
        name="seasonal",
        description=(
            "Every promotion a peak season: orders fall about 70 % after its peak, and the "
            "7th day after each peak has no orders (no visit starts; not declared closed)."
        ),
        demand=seasonal_demand,
    )
)


# --- multi-parcel: lines shipped separately from several warehouses, weekly stock counts -

MULTI_PARCEL = register(
    Profile(
        name="multi-parcel",
        description=(
            "Orders whose lines ship separately, days apart, from several warehouses (the "
            "lines of each parcel in wms.shipment_lines); coupon and promotion codes per "
            "line; stock counted weekly (Sundays)."
        ),
        rewrite=weekly_stock_counts,
        split_parcels=True,
        line_codes=True,
    )
)
