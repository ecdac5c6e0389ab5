"""What happens to an order after checkout, decided when it is placed and exported as each
step's day comes: cancellations, picking and short picks, shipping, delivery, cash on
delivery settlement, returns and refunds, and the warehouses' daily costs.

Each order gets at most one cancellation, the first that applies:

* ``no_stock`` minutes after checkout when every line was refused (nothing to pay);
* ``payment_timeout`` 30 minutes after placement when an online payment never succeeded;
* ``fraud`` hours after placement for orders the risk engine flagged (never shipped);
* ``customer_request`` before shipping (including every internal test order);
* ``no_stock`` when picking finds none of the accepted lines on the shelf;
* ``delivery_failed`` shortly after the carrier gives up.

Money: online orders are paid at checkout; a short-picked line is refunded (short_pick);
a cancellation of a paid order refunds what was paid and not yet refunded (cancellation,
no order line). Cash-on-delivery orders are settled at delivery for the order total minus
short-picked lines (so nothing is refunded for them until a return). Delivered lines may be
returned: a ``return`` is refunded (return) days after the item is received back, an
``exchange`` is not refunded.

Parcels: the demo shop ships each order in one parcel from its warehouse. A profile with
``split_parcels`` (multi-parcel) ships some lines of delivered orders separately, days
later, from another warehouse, and exports the lines each parcel carries
(shipment_lines); a line is returned after its own parcel arrived.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from orchestration.simulator import reference as ref
from orchestration.simulator.clock import DAY, HOUR, MINUTE, NO_TIME, stream
from orchestration.simulator.columns import choice, choice_rows, labels, number_ids
from orchestration.simulator.incidents import sku_share_of_category
from orchestration.simulator.inventory import WAREHOUSE_IDS
from orchestration.simulator.orders import EXPRESS, PICKUP_POINT, Placed
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.parts import ShopPart

if TYPE_CHECKING:
    from orchestration.simulator.engine import Shop
from orchestration.simulator.traffic import DELIVERY_METHODS

CANCELLATION_REASONS = (
    "payment_timeout",
    "customer_request",
    "no_stock",
    "fraud",
    "delivery_failed",
)
PAYMENT_TIMEOUT, CUSTOMER_REQUEST, NO_STOCK, FRAUD, DELIVERY_FAILED = range(5)
REFUND_TYPES = ("return", "short_pick", "cancellation")
RETURN_REASONS = ("size_fit", "quality", "not_as_described", "changed_mind", "damaged")
FIT_REASON_WEIGHTS = (0.55, 0.12, 0.10, 0.15, 0.08)
OTHER_REASON_WEIGHTS = (0.05, 0.30, 0.20, 0.30, 0.15)
RETURN_TYPES = ("return", "exchange")
SHIPMENT_STATUSES = ("shipped", "delivered", "failed")
COST_TYPES = ("labour", "rent", "packaging", "utilities")
COD_FAILURES = ("refused_on_delivery", "customer_unreachable")

PAYMENT_TIMEOUT_SECONDS = 30 * MINUTE
CUSTOMER_CANCEL_SHARE = 0.025
SHORT_PICK_RATE = 0.005
DELIVERY_FAILURE_RATE = 0.015
COD_DELIVERY_FAILURE_RATE = 0.06
TRANSIT_HOURS = np.array([54.0, 28.0, 60.0])  # median per delivery method
PARCEL_COST = np.array([5.5, 14.0, 4.8])  # CNY per parcel, per delivery method
EXTRA_UNIT_COST = np.array([1.2, 2.0, 1.2])
RETURN_RATE = np.array([c.return_rate for c in ref.CATEGORIES])
FIT_SENSITIVE = np.array([c.fit_sensitive for c in ref.CATEGORIES])
CUTOFF_HOUR = np.array([w.cutoff_hour for w in ref.WAREHOUSES])
SPLIT_LINE_SHARE = 0.35  # multi-parcel: share of an order's further lines shipped apart
PEAK_SHIP_SLA_HOURS = 48  # promised during the Double 11 season (Oct 25 - Nov 19)
CARRIER_NAMES = {
    method: [name for name, _ in carriers] for method, carriers in ref.CARRIERS.items()
}
CARRIER_WEIGHTS = {method: [w for _, w in carriers] for method, carriers in ref.CARRIERS.items()}


@dataclass
class Lifecycle:
    """The planned future of a day's orders (per order, per line or per shipped order)."""

    cancel_at: np.ndarray  # per order, NO_TIME if never cancelled
    reason: np.ndarray  # per order, index in CANCELLATION_REASONS or -1
    short: np.ndarray  # per line: accepted but not found when picking
    detected_at: np.ndarray  # per line: when a shortage would be reported
    picked: np.ndarray  # per line: shipped
    short_amount: np.ndarray  # per order: amount of its short-picked lines
    ships: np.ndarray  # orders shipped
    shipped_at: np.ndarray  # per shipped order
    delivered_at: np.ndarray  # per shipped order, NO_TIME if the delivery failed
    failed_at: np.ndarray  # per shipped order, NO_TIME if delivered


@dataclass
class SplitParcels:
    """Second parcels of orders some of whose lines ship separately (multi-parcel)."""

    moved: np.ndarray  # per line: carried by its order's second parcel
    order: np.ndarray  # per second parcel: the order (index in the day's orders)
    warehouse: np.ndarray  # per second parcel
    shipped_at: np.ndarray  # per second parcel
    delivered_at: np.ndarray  # per second parcel (always delivered)

    @classmethod
    def none(cls, lines: int) -> SplitParcels:
        empty = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(lines, dtype=bool), empty, empty, empty, empty)


def in_peak_season(date: dt.date) -> bool:
    """The Double 11 season, when warehouses promise slower shipping."""
    return dt.date(date.year, 10, 25) <= date < dt.date(date.year, 11, 20)


class Fulfilment(ShopPart):
    """Order lifecycles after checkout, and the warehouses' own tables."""

    def __init__(self, shop: Shop) -> None:
        super().__init__(shop)
        self.size = max(self.scale, 0.05) ** 0.7  # warehouses grow less than linearly
        self.parcels = np.zeros((self.clock.days, len(ref.WAREHOUSES)), dtype=np.int64)
        self.units = np.zeros((self.clock.days, len(ref.WAREHOUSES)), dtype=np.int64)

    # -- order lifecycle ------------------------------------------------------------------

    def process(self, day: int, placed: Placed, outbox: Outbox) -> None:
        """Decide and queue everything that will happen to the orders placed on ``day``."""
        rng = stream(self.seed, "fulfilment", day)
        life = self._plan(day, rng, placed)
        ships, is_cod = life.ships, placed.orders["is_cod"][life.ships]
        split = SplitParcels.none(len(placed.lines["order"]))
        first_ids = self._export_shipments(rng, day, placed, life, outbox)
        if self.shop.profile.split_parcels:
            # its own stream: the demo shop's records stay those of the seed
            parcels_rng = stream(self.seed, "parcels", day)
            split = self._split_parcels(parcels_rng, placed, life)
            self._export_split_parcels(parcels_rng, placed, life, split, first_ids, outbox)
        self._export_cod_payments(
            rng,
            placed,
            ships[is_cod],
            life.delivered_at[is_cod],
            life.failed_at[is_cod],
            life.short_amount,
            outbox,
        )
        self._export_short_picks(rng, placed, life, outbox)
        self._export_cancellations(rng, placed, life, outbox)
        delivered_on = np.full(len(life.reason), NO_TIME)
        delivered = life.failed_at == NO_TIME
        delivered_on[ships[delivered]] = life.delivered_at[delivered]
        # each line is returned after its own parcel arrived
        line_delivered_on = delivered_on[placed.lines["order"]]
        if split.moved.any():
            parcel_of = np.full(len(life.reason), -1)
            parcel_of[split.order] = np.arange(len(split.order))
            moved = np.flatnonzero(split.moved)
            line_delivered_on[moved] = split.delivered_at[parcel_of[placed.lines["order"][moved]]]
        self._returns(rng, day, placed, life.picked, line_delivered_on, outbox)

    def _plan(self, day: int, rng: np.random.Generator, placed: Placed) -> Lifecycle:
        """Cancellations (first applicable reason wins), picking and delivery outcomes."""
        orders, lines = placed.orders, placed.lines
        n = len(orders["placed_at"])
        owner = lines["order"]
        placed_at = orders["placed_at"]
        is_cod = orders["is_cod"]
        cancel_at = np.full(n, NO_TIME)
        reason = np.full(n, -1)

        def cancel(mask: np.ndarray, at: np.ndarray, why: int) -> None:
            mask = mask & (reason < 0)
            cancel_at[mask] = at[mask]
            reason[mask] = why

        has_lines = np.bincount(owner, lines["accepted"], minlength=n) > 0
        cancel(~has_lines, placed_at + rng.integers(MINUTE, 10 * MINUTE, n), NO_STOCK)
        unpaid = ~is_cod & (orders["paid_at"] == NO_TIME)
        cancel(unpaid, placed_at + PAYMENT_TIMEOUT_SECONDS, PAYMENT_TIMEOUT)
        confirmed = placed_at + rng.integers(5 * MINUTE, 30 * MINUTE, n)  # cash on delivery
        ready = np.where(reason >= 0, placed_at, np.where(is_cod, confirmed, orders["paid_at"]))
        shipped_at = self._ship_times(rng, day, ready, orders["warehouse"])
        fraud_at = np.maximum(placed_at + rng.integers(HOUR, 6 * HOUR, n), ready + MINUTE)
        cancel(orders["is_fraud"], fraud_at, FRAUD)
        asks = orders["is_test"] | (rng.random(n) < CUSTOMER_CANCEL_SHARE)
        when = np.where(orders["is_test"], rng.uniform(0.02, 0.3, n), rng.uniform(0.05, 0.9, n))
        cancel(asks, ready + (when * (shipped_at - ready)).astype(np.int64), CUSTOMER_REQUEST)

        # Picking: a few accepted lines are not on the shelf (more under promotion pressure).
        picking = lines["accepted"] & (reason < 0)[owner]
        rate = SHORT_PICK_RATE * (1 + 2 * self.marketing.intensity(day))
        short = picking & (rng.random(len(owner)) < rate)
        detected_at = np.maximum(
            shipped_at[owner] - rng.integers(20 * MINUTE, 90 * MINUTE, len(owner)),
            ready[owner] + MINUTE,
        )
        picked = picking & ~short
        nothing_left = (reason < 0) & (np.bincount(owner, picked, minlength=n) == 0)
        last_detected = np.zeros(n, dtype=np.int64)
        np.maximum.at(last_detected, owner[short], detected_at[short])
        cancel(nothing_left, last_detected + rng.integers(MINUTE, 15 * MINUTE, n), NO_STOCK)

        ships = np.flatnonzero(reason < 0)
        delivered_at, failed_at = self._deliveries(rng, orders, ships, shipped_at[ships])
        given_up = np.full(n, NO_TIME)
        given_up[ships] = failed_at
        failed = given_up != NO_TIME
        cancel(failed, given_up + rng.integers(MINUTE, 30 * MINUTE, n), DELIVERY_FAILED)
        short_amount = np.bincount(owner[short], lines["amount"][short], minlength=n)
        return Lifecycle(
            cancel_at=cancel_at,
            reason=reason,
            short=short,
            detected_at=detected_at,
            picked=picked,
            short_amount=short_amount.astype(np.int64),
            ships=ships,
            shipped_at=shipped_at[ships],
            delivered_at=delivered_at,
            failed_at=failed_at,
        )

    def _export_cancellations(
        self, rng: np.random.Generator, placed: Placed, life: Lifecycle, outbox: Outbox
    ) -> None:
        """Cancellations, refunds of what paid orders still hold, stock given back."""
        orders, lines = placed.orders, placed.lines
        cancelled = np.flatnonzero(life.reason >= 0)
        outbox.add(
            "cancellations",
            {
                "order_id": placed.order_ids.take(pa.array(cancelled)),
                "cancelled_at": life.cancel_at[cancelled],
                "reason": labels(CANCELLATION_REASONS, life.reason[cancelled]),
            },
        )
        paid = cancelled[orders["paid_at"][cancelled] != NO_TIME]
        due = orders["total"][paid] - life.short_amount[paid]
        paid, due = paid[due > 0], due[due > 0]
        slow = life.reason[paid] == DELIVERY_FAILED  # the parcel travels back first
        delay = np.where(
            slow,
            rng.integers(2 * HOUR, 48 * HOUR, len(paid)),
            rng.integers(10 * MINUTE, 24 * HOUR, len(paid)),
        )
        self._export_refunds(
            placed, paid, None, None, life.cancel_at[paid] + delay, due, "cancellation", outbox
        )
        owner = lines["order"]
        back = lines["accepted"] & ~life.short & (life.reason[owner] >= 0)
        self.inventory.release(
            self.clock.local_day(life.cancel_at[owner[back]]),
            orders["warehouse"][owner[back]],
            lines["sku"][back],
            lines["quantity"][back],
        )

    def _ship_times(
        self, rng: np.random.Generator, day: int, ready: np.ndarray, warehouse: np.ndarray
    ) -> np.ndarray:
        """Orders ready before the warehouse's cut-off ship the same day (not before 8:00),
        later ones the next morning; promotion backlogs add up to a day and a half."""
        n = len(ready)
        ready_day = self.clock.local_day(ready)
        midnight = self.clock.midnight(ready_day)
        same_day = ready - midnight < CUTOFF_HOUR[warehouse] * HOUR
        today = np.maximum(ready, midnight + 8 * HOUR) + rng.integers(90 * MINUTE, 5 * HOUR, n)
        tomorrow = midnight + DAY + 8 * HOUR + 30 * MINUTE + rng.integers(0, 5 * HOUR, n)
        backlog = 36 * HOUR * self.marketing.intensity(day) * rng.uniform(0.3, 1.2, n)
        shipped_at = np.where(same_day, today, tomorrow) + backlog.astype(np.int64)
        for stall_day, stall in self.shop.incidents.of_kind("warehouse_stall"):
            stalled = (warehouse == WAREHOUSE_IDS.index(stall.target)) & (
                self.clock.local_day(shipped_at) == stall_day
            )
            if stall.magnitude < 1:
                stalled &= stream(self.seed, "warehouse-stall", day).random(n) < stall.magnitude
            shipped_at[stalled] += 2 * DAY
        return shipped_at

    def _deliveries(
        self, rng: np.random.Generator, orders, ships: np.ndarray, shipped_at: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Delivery (or failure) times of the orders shipped at ``shipped_at``; NO_TIME for
        the other outcome."""
        k = len(ships)
        method = orders["delivery_method"][ships]
        hours = rng.lognormal(np.log(TRANSIT_HOURS[method]), 0.35)
        hours += np.where(method == PICKUP_POINT, rng.uniform(2, 30, k), 0)  # collected later
        arrival = shipped_at + (hours * HOUR).astype(np.int64)
        failure_rate = np.where(
            orders["is_cod"][ships], COD_DELIVERY_FAILURE_RATE, DELIVERY_FAILURE_RATE
        )
        fails = rng.random(k) < failure_rate
        delivered = self.clock.daytime(arrival, rng)
        given_up = self.clock.daytime(arrival + rng.integers(DAY, 3 * DAY, k), rng)
        return np.where(fails, NO_TIME, delivered), np.where(fails, given_up, NO_TIME)

    # -- exports of the lifecycle ---------------------------------------------------------

    def _export_shipments(
        self, rng: np.random.Generator, day: int, placed: Placed, life: Lifecycle, outbox: Outbox
    ) -> pa.Array:
        """One parcel per shipped order (of the orders placed on ``day``): exported when
        shipped, again when delivered or failed. Also counts the parcels each warehouse ships
        per day (for its costs). Returns the parcels' ids (in the order of ``life.ships``)."""
        orders, lines = placed.orders, placed.lines
        ships, shipped_at = life.ships, life.shipped_at
        k = len(ships)
        n = len(orders["placed_at"])
        picked_units = np.where(life.picked, lines["quantity"], 0)
        units = np.bincount(lines["order"], picked_units, minlength=n)
        units = units.astype(np.int64)[ships]
        method = orders["delivery_method"][ships]
        warehouse = orders["warehouse"][ships]
        express = method == EXPRESS
        names = CARRIER_NAMES["express"] + CARRIER_NAMES["standard"]
        carrier = np.where(
            express,
            choice(rng, CARRIER_WEIGHTS["express"], k),
            len(CARRIER_NAMES["express"]) + choice(rng, CARRIER_WEIGHTS["standard"], k),
        )
        cost = (PARCEL_COST[method] + EXTRA_UNIT_COST[method] * (units - 1)) * rng.lognormal(
            0, 0.08, k
        )
        delay = self.shop.incidents.on("carrier_delay", day)
        if delay is not None:  # the carrier's parcels take longer (the lifecycle follows)
            self._delay(life, carrier == names.index(delay.target), 1 + delay.magnitude)
        ship_day = self.clock.local_day(shipped_at)
        due = ship_day < self.clock.days
        np.add.at(self.parcels, (ship_day[due], warehouse[due]), 1)
        np.add.at(self.units, (ship_day[due], warehouse[due]), units[due])

        shipment = {
            "shipment_id": number_ids("sh", self.sequences.take("shipment", k), 9),
            "order_id": placed.order_ids.take(pa.array(ships)),
            "warehouse_id": labels(WAREHOUSE_IDS, warehouse),
            "carrier": labels(names, carrier),
            "delivery_method": labels(DELIVERY_METHODS, method),
            "shipped_at": shipped_at,
            "shipping_cost": np.round(cost * 100).astype(np.int64),
        }
        none = np.full(k, NO_TIME)
        outbox.add(
            "shipments",
            {
                **shipment,
                "delivered_at": none,
                "failed_at": none,
                "status": labels(SHIPMENT_STATUSES, np.zeros(k, int)),
                "updated_at": shipped_at,
            },
        )
        failed = life.failed_at != NO_TIME
        outbox.add(
            "shipments",
            {
                **shipment,
                "delivered_at": life.delivered_at,
                "failed_at": life.failed_at,
                "status": labels(SHIPMENT_STATUSES, np.where(failed, 2, 1)),
                "updated_at": np.where(failed, life.failed_at, life.delivered_at),
            },
        )
        return shipment["shipment_id"]

    @staticmethod
    def _delay(life: Lifecycle, parcels: np.ndarray, factor: float) -> None:
        """A carrier_delay incident: ``parcels`` (a mask over ``life.ships``) arrive, or are
        given up, ``factor`` times as long after they shipped."""
        for outcome in (life.delivered_at, life.failed_at):
            late = parcels & (outcome != NO_TIME)
            outcome[late] = life.shipped_at[late] + (
                (outcome[late] - life.shipped_at[late]) * factor
            ).astype(np.int64)

    def _split_parcels(
        self, rng: np.random.Generator, placed: Placed, life: Lifecycle
    ) -> SplitParcels:
        """Lines of delivered orders shipped separately: every picked line but the order's
        first may move (SPLIT_LINE_SHARE) to a second parcel, shipped from another
        warehouse 1 to 20 days after the first and delivered after its own transit."""
        lines, orders = placed.lines, placed.orders
        n, owner = len(life.reason), lines["order"]
        delivered = np.full(n, False)
        delivered[life.ships[life.failed_at == NO_TIME]] = True
        first_shipped = np.full(n, NO_TIME)
        first_shipped[life.ships] = life.shipped_at
        rows = np.arange(len(owner))
        first_line = np.full(n, len(owner))
        picked_rows = rows[life.picked]
        np.minimum.at(first_line, owner[picked_rows], picked_rows)
        moved = (
            life.picked
            & delivered[owner]
            & (rows != first_line[owner])
            & (rng.random(len(owner)) < SPLIT_LINE_SHARE)
        )
        order = np.unique(owner[moved])
        k = len(order)
        other = rng.integers(1, len(WAREHOUSE_IDS), k)
        warehouse = (orders["warehouse"][order] + other) % len(WAREHOUSE_IDS)
        shipped_at = first_shipped[order] + rng.integers(DAY, 20 * DAY, k)
        method = orders["delivery_method"][order]
        hours = rng.lognormal(np.log(TRANSIT_HOURS[method]), 0.35)
        delivered_at = self.clock.daytime(shipped_at + (hours * HOUR).astype(np.int64), rng)
        return SplitParcels(moved, order, warehouse, shipped_at, delivered_at)

    def _export_split_parcels(
        self,
        rng: np.random.Generator,
        placed: Placed,
        life: Lifecycle,
        split: SplitParcels,
        first_ids: pa.Array,
        outbox: Outbox,
    ) -> None:
        """The second parcels (shipped, then delivered), and the lines every parcel of the
        day's shipped orders carries (shipment_lines); ``first_ids``: the first parcels'
        ids, in the order of ``life.ships``."""
        lines, orders = placed.lines, placed.orders
        owner = lines["order"]
        k = len(split.order)
        method = orders["delivery_method"][split.order]
        names = CARRIER_NAMES["standard"]
        carrier = choice(rng, CARRIER_WEIGHTS["standard"], k)
        cost = PARCEL_COST[method] * rng.lognormal(0, 0.08, k)
        ids = number_ids("sh", self.sequences.take("shipment", k), 9)
        ship_day = self.clock.local_day(split.shipped_at)
        due = ship_day < self.clock.days
        np.add.at(self.parcels, (ship_day[due], split.warehouse[due]), 1)
        shipment = {
            "shipment_id": ids,
            "order_id": placed.order_ids.take(pa.array(split.order)),
            "warehouse_id": labels(WAREHOUSE_IDS, split.warehouse),
            "carrier": labels(names, carrier),
            "delivery_method": labels(DELIVERY_METHODS, method),
            "shipped_at": split.shipped_at,
            "shipping_cost": np.round(cost * 100).astype(np.int64),
        }
        none = np.full(k, NO_TIME)
        outbox.add(
            "shipments",
            {
                **shipment,
                "delivered_at": none,
                "failed_at": none,
                "status": labels(SHIPMENT_STATUSES, np.zeros(k, int)),
                "updated_at": split.shipped_at,
            },
        )
        outbox.add(
            "shipments",
            {
                **shipment,
                "delivered_at": split.delivered_at,
                "failed_at": none,
                "status": labels(SHIPMENT_STATUSES, np.ones(k, int)),
                "updated_at": split.delivered_at,
            },
        )
        n = len(life.reason)
        first_parcel, second_parcel = np.full(n, -1), np.full(n, -1)
        first_parcel[life.ships] = np.arange(len(life.ships))
        second_parcel[split.order] = np.arange(k)
        carried = life.picked & (first_parcel[owner] >= 0)
        rows = np.flatnonzero(carried & ~split.moved)
        moved = np.flatnonzero(split.moved)
        outbox.add(
            "shipment_lines",
            {
                "shipment_id": pa.concat_arrays(
                    [
                        first_ids.take(pa.array(first_parcel[owner[rows]])),
                        ids.take(pa.array(second_parcel[owner[moved]])),
                    ]
                ),
                "order_id": placed.order_ids.take(
                    pa.array(np.concatenate([owner[rows], owner[moved]]))
                ),
                "order_line_id": placed.line_ids.take(pa.array(np.concatenate([rows, moved]))),
                "shipped_at": np.concatenate(
                    [
                        life.shipped_at[first_parcel[owner[rows]]],
                        split.shipped_at[second_parcel[owner[moved]]],
                    ]
                ),
            },
        )

    def _export_cod_payments(
        self,
        rng: np.random.Generator,
        placed: Placed,
        ships: np.ndarray,
        delivered_at: np.ndarray,
        failed_at: np.ndarray,
        short_amount: np.ndarray,
        outbox: Outbox,
    ) -> None:
        """Cash collected at the door (or refused) for shipped cash-on-delivery orders."""
        k = len(ships)
        failed = failed_at != NO_TIME
        outbox.add(
            "payments",
            {
                "payment_id": number_ids("pay", self.sequences.take("payment", k), 9),
                "order_id": placed.order_ids.take(pa.array(ships)),
                "attempted_at": np.where(failed, failed_at, delivered_at),
                "payment_method": labels(("cod",), np.zeros(k, int)),
                "amount": placed.orders["total"][ships] - short_amount[ships],
                "currency": pa.array(["CNY"] * k, pa.string()),
                "status": labels(("success", "failed"), failed.astype(int)),
                "failure_reason": labels(
                    COD_FAILURES, np.where(failed, rng.integers(0, len(COD_FAILURES), k), -1)
                ),
            },
        )

    def _export_short_picks(
        self, rng: np.random.Generator, placed: Placed, life: Lifecycle, outbox: Outbox
    ) -> None:
        """Picking exceptions, and refunds of the short lines of orders paid online."""
        lines = placed.lines
        detected_at = life.detected_at
        rows = np.flatnonzero(life.short)
        owner = lines["order"][rows]
        outbox.add(
            "picking_exceptions",
            {
                "exception_id": number_ids("px", self.sequences.take("exception", len(rows)), 8),
                "order_id": placed.order_ids.take(pa.array(owner)),
                "order_line_id": placed.line_ids.take(pa.array(rows)),
                "warehouse_id": labels(WAREHOUSE_IDS, placed.orders["warehouse"][owner]),
                "sku_id": self.catalogue.sku_ids.take(pa.array(lines["sku"][rows])),
                "detected_at": detected_at[rows],
            },
        )
        rows = rows[placed.orders["paid_at"][owner] != NO_TIME]
        refunded_at = detected_at[rows] + rng.integers(30 * MINUTE, 12 * HOUR, len(rows))
        self._export_refunds(
            placed,
            lines["order"][rows],
            rows,
            None,
            refunded_at,
            lines["amount"][rows],
            "short_pick",
            outbox,
        )

    def _export_refunds(
        self,
        placed: Placed,
        owner: np.ndarray,
        line_rows: np.ndarray | None,
        return_ids: pa.Array | None,
        refunded_at: np.ndarray,
        amount: np.ndarray,
        refund_type: str,
        outbox: Outbox,
    ) -> None:
        k = len(owner)
        outbox.add(
            "refunds",
            {
                "refund_id": number_ids("rf", self.sequences.take("refund", k), 8),
                "order_id": placed.order_ids.take(pa.array(owner)),
                "order_line_id": (
                    pa.nulls(k, pa.string())
                    if line_rows is None
                    else placed.line_ids.take(pa.array(line_rows))
                ),
                "return_id": pa.nulls(k, pa.string()) if return_ids is None else return_ids,
                "refunded_at": refunded_at,
                "amount": amount,
                "refund_type": labels(REFUND_TYPES, np.full(k, REFUND_TYPES.index(refund_type))),
            },
        )

    def _returns(
        self,
        rng: np.random.Generator,
        day: int,
        placed: Placed,
        picked: np.ndarray,
        delivered_on: np.ndarray,
        outbox: Outbox,
    ) -> None:
        """Returns and exchanges of delivered lines of the orders placed on ``day``
        (``delivered_on``: per line, when its parcel was delivered), their refunds and
        restocking. A return_spike incident raises its SKU's return probability so that its
        category's return rate rises by the incident's magnitude."""
        lines = placed.lines
        owner = lines["order"]
        candidates = np.flatnonzero(picked & (delivered_on != NO_TIME))
        category = self.catalogue.l1[lines["sku"][candidates]]
        rate = RETURN_RATE[category]
        spike = self.shop.incidents.on("return_spike", day)
        if spike is not None:
            sku = spike.sku()
            share = sku_share_of_category(self.catalogue, sku, day)
            spiked = lines["sku"][candidates] == sku
            rate = np.where(spiked, np.minimum(rate * (1 + spike.magnitude / share), 1.0), rate)
        rows = candidates[rng.random(len(candidates)) < rate]
        k = len(rows)
        fit = FIT_SENSITIVE[self.catalogue.l1[lines["sku"][rows]]]
        weights = np.where(fit[:, None], FIT_REASON_WEIGHTS, OTHER_REASON_WEIGHTS)
        reason = choice_rows(rng, weights)
        exchange = rng.random(k) < np.where(reason == RETURN_REASONS.index("size_fit"), 0.4, 0.05)
        bought = lines["quantity"][rows]
        quantity = np.where(bought > 1, rng.integers(1, bought + 1), 1)
        requested_at = self.clock.daytime(delivered_on[rows] + rng.integers(DAY, 14 * DAY, k), rng)
        received_at = self.clock.daytime(requested_at + rng.integers(2 * DAY, 7 * DAY, k), rng)
        return_ids = number_ids("rt", self.sequences.take("return", k), 8)
        record = {
            "return_id": return_ids,
            "order_id": placed.order_ids.take(pa.array(owner[rows])),
            "order_line_id": placed.line_ids.take(pa.array(rows)),
            "sku_id": self.catalogue.sku_ids.take(pa.array(lines["sku"][rows])),
            "quantity": quantity,
            "return_type": labels(RETURN_TYPES, exchange.astype(int)),
            "reason": labels(RETURN_REASONS, reason),
            "requested_at": requested_at,
        }
        outbox.add(
            "returns", {**record, "received_at": np.full(k, NO_TIME), "updated_at": requested_at}
        )
        outbox.add("returns", {**record, "received_at": received_at, "updated_at": received_at})

        refund = ~exchange
        self._export_refunds(
            placed,
            owner[rows][refund],
            rows[refund],
            return_ids.filter(pa.array(refund)),
            received_at[refund] + rng.integers(DAY, 3 * DAY, refund.sum()),
            quantity[refund] * lines["unit_price"][rows][refund],
            "return",
            outbox,
        )
        self.inventory.release(
            self.clock.local_day(received_at[refund]),
            placed.orders["warehouse"][owner[rows][refund]],
            lines["sku"][rows][refund],
            quantity[refund],
        )

    # -- warehouses -----------------------------------------------------------------------

    def start_of_day(self, day: int, outbox: Outbox) -> None:
        """Export the warehouses on day 0 and whenever their promised service changes."""
        if day == 0:
            updated_at = self.clock.midnight(0)
        elif in_peak_season(self.clock.date(day)) != in_peak_season(self.clock.date(day - 1)):
            updated_at = self.clock.midnight(day) + 9 * HOUR
        else:
            return
        rows = ref.WAREHOUSES
        outbox.add(
            "warehouses",
            {
                "warehouse_id": [w.warehouse_id for w in rows],
                "warehouse_name": [w.name for w in rows],
                "region": [w.region for w in rows],
                "city": [w.city for w in rows],
                "ship_sla_hours": [
                    PEAK_SHIP_SLA_HOURS
                    if in_peak_season(self.clock.date(day))
                    else w.ship_sla_hours
                    for w in rows
                ],
                "shelving_sla_hours": [w.shelving_sla_hours for w in rows],
                "delivery_sla_hours": [w.delivery_sla_hours for w in rows],
                "updated_at": np.full(len(rows), updated_at),
            },
        )

    def end_of_day(self, day: int, outbox: Outbox) -> None:
        """Daily operating costs: labour and packaging follow the parcels shipped."""
        rng = stream(self.seed, "warehouse-costs", day)
        count = len(ref.WAREHOUSES)
        parcels, units = self.parcels[day], self.units[day]
        month = self.clock.date(day).month
        climate = 1.25 if month in (1, 2, 7, 8, 12) else 1.0
        rent = np.array([w.rent_per_day for w in ref.WAREHOUSES]) * self.size
        amounts = np.stack(
            [
                600 * self.size + 3.2 * parcels,
                rent,
                1.1 * parcels + 0.35 * units,
                180 * self.size * climate * rng.lognormal(0, 0.05, count),
            ],
            axis=1,
        )
        outbox.add(
            "warehouse_costs",
            {
                "cost_date": np.full(amounts.size, day),
                "warehouse_id": labels(WAREHOUSE_IDS, np.repeat(np.arange(count), len(COST_TYPES))),
                "cost_type": labels(COST_TYPES, np.tile(np.arange(len(COST_TYPES)), count)),
                "amount": np.round(amounts.ravel() * 100).astype(np.int64),
            },
        )
