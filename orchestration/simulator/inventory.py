"""System stock per warehouse x SKU, checkout allocation, replenishment and snapshots.

Stock movements (all in the system's view, per warehouse and SKU):

* an accepted order line takes its quantity at checkout;
* a cancelled order gives back its accepted, not short-picked quantities on the day of the
  cancellation (whatever the reason, including failed deliveries);
* a received return of type ``return`` goes back to stock on the day it is received
  (exchanges do not move system stock);
* an inbound receipt becomes available at the end of the day it is shelved.

So ``closing(D) = closing(D-1) - accepted(D) + released(D) + shelved(D)``; during a day the
stock available to a line is the previous closing stock minus what earlier lines of the day
took (lines returned to stock only count from the next day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from orchestration.simulator import reference as ref
from orchestration.simulator.catalogue import L1_NAMES
from orchestration.simulator.clock import HOUR, NO_TIME, stream
from orchestration.simulator.columns import group_first, labels, number_ids
from orchestration.simulator.customers import WAREHOUSE_SHARE
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.parts import ShopPart

if TYPE_CHECKING:
    from orchestration.simulator.engine import Shop

WAREHOUSE_IDS = [w.warehouse_id for w in ref.WAREHOUSES]
SUPPLIER_LEAD_DAYS = np.array([c.supplier_lead_days for c in ref.CATEGORIES])
LEAD_JITTER_DAYS = 4  # extra 0-3 days on top of the supplier's lead time
SAFETY_DAYS = 5
COVER_DAYS = 14
PLAN_AHEAD_DAYS = 5
CASE_SIZE = 5
MIN_REORDER_POINT = 2  # even slow SKUs are reordered before the last unit is gone
FORECAST_WEIGHT = 0.05  # weight of today's demand in the moving average of ordinary days
LAUNCH_BOOST = 2.5


class Inventory(ShopPart):
    """Stock state of every warehouse x SKU and the replenishment policy."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(shop)
        shape = (len(ref.WAREHOUSES), self.catalogue.count)
        self.stock = np.zeros(shape, dtype=np.int64)
        self.on_order = np.zeros(shape, dtype=np.int64)
        self.forecast = np.zeros(shape)
        self.shelved = np.zeros((self.clock.days, *shape), dtype=np.int32)
        self.released = np.zeros((self.clock.days, *shape), dtype=np.int32)
        self._lead_days = SUPPLIER_LEAD_DAYS[self.catalogue.l1] + (LEAD_JITTER_DAYS - 1) / 2
        self._demanded = np.zeros(shape, dtype=np.int64)
        self._accepted = np.zeros(shape, dtype=np.int64)
        self._open(stream(self.seed, "opening-stock"))

    def _prior(self, day: int, skus: np.ndarray) -> np.ndarray:
        """Expected daily demand (warehouses x skus) of SKUs before any sales history."""
        weights = self.catalogue.demand_weights(day)
        launching = self.catalogue.launch_day[skus] > day
        own = np.where(launching, self.catalogue.popularity[skus] * LAUNCH_BOOST, weights[skus])
        return self.units_per_day * WAREHOUSE_SHARE[:, None] * own / weights.sum()

    def _open(self, rng: np.random.Generator) -> None:
        """Stock at the start of day 0: a random point of the replenishment cycle (between
        the reorder point and the order-up-to level)."""
        listed = np.flatnonzero(self.catalogue.listed(0))
        self.forecast[:, listed] = self._prior(0, listed)
        reorder_point, up_to = self._levels(0)
        kept = self.catalogue.replenished(0)
        level = reorder_point + rng.random(self.stock.shape) * (up_to - reorder_point)
        self.stock[:, kept] = np.ceil(level[:, kept])
        leftover = self.catalogue.listed(0) & ~self.catalogue.replenished(0)
        self.stock[:, leftover] = rng.integers(0, 4, (len(ref.WAREHOUSES), leftover.sum()))

    def _levels(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point and order-up-to level, ahead of planned promotions."""
        ahead = day + PLAN_AHEAD_DAYS + np.arange(COVER_DAYS)
        rate = self.forecast * max(1.0, float(self.marketing.demand_factor(ahead).mean()))
        reorder_point = np.maximum(rate * (self._lead_days + SAFETY_DAYS), MIN_REORDER_POINT)
        return reorder_point, reorder_point + rate * COVER_DAYS

    def hold(self, day: int, category: str, share: float = 1.0) -> None:
        """A category_stockout incident: the system stock of ``share`` of the category's SKUs
        drops to 0 everywhere (units on order still arrive and restock it)."""
        held = self.catalogue.l1 == L1_NAMES.index(category)
        if share < 1:
            held &= stream(self.seed, "category-stockout", day).random(len(held)) < share
        self.stock[:, held] = 0

    def allocate(self, warehouse: np.ndarray, sku: np.ndarray, quantity: np.ndarray) -> np.ndarray:
        """Accepted quantity of each line, lines given in placement order: capped at the
        available stock, 0 (refused) when nothing is available."""
        key = warehouse * self.catalogue.count + sku
        order = np.argsort(key, kind="stable")
        wanted = quantity[order]
        before = np.cumsum(wanted) - wanted
        before -= before[group_first(key[order])]
        available = np.maximum(self.stock.ravel()[key[order]] - before, 0)
        accepted = np.empty_like(quantity)
        accepted[order] = np.minimum(wanted, available)
        np.add.at(self._demanded.ravel(), key, quantity)
        np.add.at(self._accepted.ravel(), key, accepted)
        return accepted

    def release(self, day: np.ndarray, warehouse: np.ndarray, sku: np.ndarray, quantity) -> None:
        """Units back in stock at the end of ``day`` (cancellations, received returns)."""
        due = day < self.clock.days
        np.add.at(self.released, (day[due], warehouse[due], sku[due]), np.asarray(quantity)[due])

    def end_of_day(self, day: int, outbox: Outbox) -> None:
        """Close the day: book movements, export the snapshot, learn demand, reorder."""
        self.stock += self.shelved[day] + self.released[day] - self._accepted
        self.on_order -= self.shelved[day]
        if (self.stock < 0).any():
            raise AssertionError("negative system stock")
        self._export_snapshot(day, outbox)
        if self.marketing.promotion(day) < 0:
            on_sale = self.catalogue.active(day)
            self.forecast[:, on_sale] += FORECAST_WEIGHT * (
                self._demanded[:, on_sale] - self.forecast[:, on_sale]
            )
        new = np.flatnonzero(self.catalogue.listed_day == day)
        self.forecast[:, new] = self._prior(day, new)
        self._reorder(day, outbox)
        self._demanded[:] = 0
        self._accepted[:] = 0

    def _export_snapshot(self, day: int, outbox: Outbox) -> None:
        listed = np.flatnonzero(self.catalogue.listed(day))
        warehouses = len(ref.WAREHOUSES)
        warehouse = np.repeat(np.arange(warehouses), len(listed))
        sku = np.tile(listed, warehouses)
        outbox.add(
            "inventory_snapshots",
            {
                "snapshot_date": np.full(len(sku), day),
                "warehouse_id": labels(WAREHOUSE_IDS, warehouse),
                "sku_id": self.catalogue.sku_ids.take(pa.array(sku)),
                "system_quantity": self.stock[warehouse, sku],
                "unit_cost": self.catalogue.unit_cost[sku],
            },
        )

    def _reorder(self, day: int, outbox: Outbox) -> None:
        """Purchase orders for warehouse x SKUs below their reorder point."""
        rng = stream(self.seed, "replenishment", day)
        reorder_point, up_to = self._levels(day)
        position = self.stock + self.on_order
        need = self.catalogue.replenished(day) & (position < reorder_point)
        warehouse, sku = np.nonzero(need)
        if len(sku) == 0:
            return
        quantity = np.ceil((up_to[warehouse, sku] - position[warehouse, sku]) / CASE_SIZE)
        quantity = np.maximum(quantity, 1).astype(np.int64) * CASE_SIZE
        lead_days = SUPPLIER_LEAD_DAYS[self.catalogue.l1[sku]] + rng.integers(
            0, LEAD_JITTER_DAYS, len(sku)
        )
        received_at = self.clock.midnight(day + lead_days) + rng.integers(
            8 * HOUR, 17 * HOUR, len(sku)
        )
        sla = np.array([w.shelving_sla_hours for w in ref.WAREHOUSES])[warehouse]
        hours = np.clip(rng.lognormal(np.log(0.35 * sla), 0.8), 0.5, 120)
        shelved_at = received_at + (hours * HOUR).astype(np.int64)
        shelved_day = self.clock.local_day(shelved_at)
        due = shelved_day < self.clock.days
        np.add.at(self.shelved, (shelved_day[due], warehouse[due], sku[due]), quantity[due])
        self.on_order[warehouse, sku] += quantity
        receipt = {
            "receipt_id": number_ids("rc", self.sequences.take("receipt", len(sku)), 8),
            "warehouse_id": labels(WAREHOUSE_IDS, warehouse),
            "sku_id": self.catalogue.sku_ids.take(pa.array(sku)),
            "quantity": quantity,
            "unit_cost": self.catalogue.unit_cost[sku],
        }
        outbox.add(
            "inbound_receipts",
            {
                **receipt,
                "received_at": received_at,
                "shelved_at": np.full(len(sku), NO_TIME),
                "updated_at": received_at,
            },
        )
        outbox.add(
            "inbound_receipts",
            {
                **receipt,
                "received_at": received_at,
                "shelved_at": shelved_at,
                "updated_at": shelved_at,
            },
        )
