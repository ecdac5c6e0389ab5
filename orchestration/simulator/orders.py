"""Checkout: order intents of a shop-local day become orders.

In placement order, each line is checked against system stock (refused when none is
available, capped otherwise), priced (list price, promotion discount, coupon spread over
the accepted lines) and the order is paid online minutes later (with a possible retry) or
chosen for cash on delivery. The payment page view and payment_result events join the
visit's click-stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.simulator.clock import HOUR, NO_TIME, stream
from orchestration.simulator.columns import Frame, join, labels, number_ids, take
from orchestration.simulator.customers import DEVICES, customer_ids, visitor_ids
from orchestration.simulator.inventory import WAREHOUSE_IDS
from orchestration.simulator.outbox import Outbox
from orchestration.simulator.parts import ShopPart
from orchestration.simulator.traffic import (
    DELIVERY_METHODS,
    EVENT_TYPES,
    PAGE_TYPES,
    PAGE_VIEW,
    PAYMENT,
    PAYMENT_METHODS,
    PAYMENT_RESULT,
    SITE,
    event_ids,
    order_ids,
)

COD = PAYMENT_METHODS.index("cod")
STANDARD, EXPRESS, PICKUP_POINT = (DELIVERY_METHODS.index(m) for m in DELIVERY_METHODS)
FIRST_ATTEMPT_SUCCESS = 0.92
RETRY_SHARE = 0.6
RETRY_SUCCESS = 0.85
ONLINE_FAILURES = ("insufficient_funds", "card_declined", "bank_timeout", "cancelled_by_user")
PROMOTION_COUPON_USE = 0.7
WELCOME_COUPON_USE = 0.5
LINE_STATUSES = ("accepted", "refused_no_stock")


@dataclass
class Placed:
    """Orders placed on one day and their lines, as the fulfilment needs them."""

    orders: Frame  # placed_at, warehouse, delivery_method, is_cod, total, paid_at, is_test, ...
    lines: Frame  # order (row in orders), sku, quantity, accepted, amount, unit_price
    order_ids: pa.Array
    line_ids: pa.Array


def shipping_fee(items: np.ndarray, delivery_method: np.ndarray, promotion: bool) -> np.ndarray:
    """Fee charged to the customer (cents): standard and pickup are free above a threshold
    (always during promotions), express always costs something."""
    standard = np.where(promotion | (items >= 9_900), 0, 1_000)
    pickup = np.where(promotion | (items >= 5_900), 0, 600)
    express = np.where(items >= 19_900, 800, 1_500)
    fee = np.choose(delivery_method, [standard, express, pickup])
    return np.where(items > 0, fee, 0)


class Checkout(ShopPart):
    """Places each day's orders."""

    def place(self, day: int, intents: Frame, outbox: Outbox) -> Placed:
        """Place the intents submitted on ``day``, in placement order (time, then order
        number): stock check, prices, export, online payment, partner commissions."""
        rng = stream(self.seed, "checkout", day)
        orders = take(intents, np.lexsort((intents["order_no"], intents["placed_at"])))
        owner, slot = np.nonzero(orders["line_sku"] >= 0)
        lines = {
            "order": owner,
            "line_number": slot + 1,
            "sku": orders["line_sku"][owner, slot],
            "wanted": orders["line_quantity"][owner, slot],
        }
        accepted = self.inventory.allocate(
            orders["warehouse"][owner], lines["sku"], lines["wanted"]
        )
        lines["accepted"] = accepted > 0
        lines["quantity"] = np.where(accepted > 0, accepted, lines["wanted"])
        self._price(day, rng, orders, lines)

        ids = order_ids(orders["order_no"])
        line_ids = join(ids.take(pa.array(owner)), "-", pa.array(slot + 1).cast(pa.string()))
        self._export(day, orders, lines, ids, line_ids, outbox)
        is_cod = orders["payment_method"] == COD
        paid_at = self._pay_online(rng, orders, ids, is_cod, outbox)
        partner = (orders["campaign"] >= 0) & (
            self.marketing.kinds[orders["campaign"]] == "partnership"
        )
        referred = np.flatnonzero(partner & (orders["items"] > 0) & ~orders["is_test"])
        self.marketing.accrue_commissions(
            day,
            {
                "campaign": orders["campaign"][referred],
                "placed_at": orders["placed_at"][referred],
                "items_amount": orders["items"][referred],
            },
            ids.take(pa.array(referred)),
            self.sequences.take("commission", len(referred)),
            outbox,
        )
        return Placed(
            orders={
                "placed_at": orders["placed_at"],
                "warehouse": orders["warehouse"],
                "delivery_method": orders["delivery_method"],
                "is_cod": is_cod,
                "total": orders["total"],
                "paid_at": paid_at,
                "is_test": orders["is_test"],
                "is_fraud": orders["is_fraud"],
            },
            lines={
                "order": owner,
                "sku": lines["sku"],
                "quantity": lines["quantity"],
                "accepted": lines["accepted"],
                "amount": lines["amount"],
                "unit_price": lines["unit_price"],
            },
            order_ids=ids,
            line_ids=line_ids,
        )

    def _price(self, day: int, rng: np.random.Generator, orders: Frame, lines: Frame) -> None:
        """Line prices (list price, promotion discount, coupon share) and order amounts,
        added to ``lines`` and ``orders``. Refused lines show the price without coupon."""
        n = len(orders["placed_at"])
        owner, accepted, quantity = lines["order"], lines["accepted"], lines["quantity"]
        lines["list_price"] = self.catalogue.list_price[lines["sku"]]
        error = self.shop.incidents.on("price_error", day)
        if error is not None:  # the SKU's price is wrong in the shop's system
            wrong = lines["sku"] == error.sku()
            lines["list_price"] = np.where(
                wrong, np.round(lines["list_price"] * (1 - error.magnitude)), lines["list_price"]
            ).astype(lines["list_price"].dtype)
        discount = self.marketing.discount_rate(day)
        discounted = np.round(lines["list_price"] * (1 - discount)).astype(np.int64)
        before_coupon = np.where(accepted, quantity * discounted, 0)
        items_before = np.bincount(owner, before_coupon, minlength=n).astype(np.int64)
        orders["coupon"], amount_off = self._coupons(day, rng, orders["new_customer"], items_before)
        unit_off = self._spread(amount_off, owner, accepted, quantity, discounted, items_before)
        lines["unit_price"] = discounted - unit_off
        lines["coupon_off"] = unit_off
        lines["amount"] = np.where(accepted, quantity * lines["unit_price"], 0)
        orders["items"] = np.bincount(owner, lines["amount"], minlength=n).astype(np.int64)
        promotion = self.marketing.promotion(day) >= 0
        orders["fee"] = shipping_fee(orders["items"], orders["delivery_method"], promotion)
        orders["total"] = orders["items"] + orders["fee"]

    def _export(
        self,
        day: int,
        orders: Frame,
        lines: Frame,
        ids: pa.Array,
        line_ids: pa.Array,
        outbox: Outbox,
    ) -> None:
        n = len(orders["placed_at"])
        coupon_codes = [coupon.fields["coupon_code"] for coupon in self.marketing.coupons]
        coupon, promotion = orders["coupon"], np.full(n, self.marketing.promotion(day))
        line_codes = {}
        if self.shop.profile.line_codes:
            # a shop that records codes per line: the coupon on the lines it discounted, the
            # promotion on every line sold under it, and none on the order
            owner = lines["order"]
            line_codes = {
                "coupon_code": labels(
                    coupon_codes, np.where(lines["coupon_off"] > 0, coupon[owner], -1)
                ),
                "campaign_code": labels(
                    self.marketing.codes, np.where(lines["accepted"], promotion[owner], -1)
                ),
            }
            coupon, promotion = np.full(n, -1), np.full(n, -1)
        outbox.add(
            "orders",
            {
                "order_id": ids,
                "customer_id": customer_ids(orders["customer"]),
                "visitor_id": visitor_ids(orders["visitor"]),
                "placed_at": orders["placed_at"],
                "currency": pa.array(["CNY"] * n, pa.string()),
                "items_amount": orders["items"],
                "shipping_fee": orders["fee"],
                "order_total": orders["total"],
                "coupon_code": labels(coupon_codes, coupon),
                "campaign_code": labels(self.marketing.codes, promotion),
                "payment_method": labels(PAYMENT_METHODS, orders["payment_method"]),
                "delivery_method": labels(DELIVERY_METHODS, orders["delivery_method"]),
                "warehouse_id": labels(WAREHOUSE_IDS, orders["warehouse"]),
                "is_test": orders["is_test"],
                "is_fraud": orders["is_fraud"],
            },
        )
        accepted = lines["accepted"]
        outbox.add(
            "order_lines",
            {
                "order_line_id": line_ids,
                "order_id": ids.take(pa.array(lines["order"])),
                "line_number": lines["line_number"],
                "sku_id": self.catalogue.sku_ids.take(pa.array(lines["sku"])),
                "placed_at": orders["placed_at"][lines["order"]],
                "quantity": lines["quantity"],
                "unit_list_price": lines["list_price"],
                "unit_price": lines["unit_price"],
                "line_amount": lines["amount"],
                "line_status": labels(LINE_STATUSES, (~accepted).astype(int)),
                **line_codes,
            },
        )

    def _coupons(
        self, day: int, rng: np.random.Generator, new_customer: np.ndarray, items: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Coupon redeemed by each order (-1 none) and its amount off (cents): the best
        promotion coupon the order qualifies for, else the welcome coupon for new customers."""
        index, amount, minimum, welcome = self.marketing.coupons_on(day)
        n = len(items)
        if not len(index):
            return np.full(n, -1), np.zeros(n, dtype=np.int64)
        qualifies = items[:, None] >= minimum[None, :]
        promotion_value = np.where(qualifies & ~welcome, amount, 0)
        welcome_value = np.where(qualifies & welcome & new_customer[:, None], amount, 0)
        use_promotion = (promotion_value.max(axis=1) > 0) & (rng.random(n) < PROMOTION_COUPON_USE)
        use_welcome = (
            ~use_promotion & (welcome_value.max(axis=1) > 0) & (rng.random(n) < WELCOME_COUPON_USE)
        )
        chosen = np.where(
            use_promotion, promotion_value.argmax(axis=1), welcome_value.argmax(axis=1)
        )
        used = use_promotion | use_welcome
        return np.where(used, index[chosen], -1), np.where(used, amount[chosen], 0)

    @staticmethod
    def _spread(
        amount_off: np.ndarray,
        owner: np.ndarray,
        accepted: np.ndarray,
        quantity: np.ndarray,
        unit_price: np.ndarray,
        items: np.ndarray,
    ) -> np.ndarray:
        """Per-unit share of each order's coupon, proportional to the accepted lines' prices
        in whole cents; the rounding remainder goes to the first single-unit line (so the
        lines add up to the coupon exactly whenever the order has one)."""
        off = amount_off[owner]
        share = np.where(accepted & (off > 0), off * unit_price // np.maximum(items[owner], 1), 0)
        left = amount_off - np.bincount(owner, share * quantity, minlength=len(items)).astype(
            np.int64
        )
        single = np.flatnonzero(accepted & (quantity == 1) & (off > 0))
        _, first = np.unique(owner[single], return_index=True)
        target = single[first]
        share[target] += left[owner[target]]
        return share

    def _gateway_down(self, at: np.ndarray) -> np.ndarray:
        """Payment attempts at ``at`` that a payment_outage incident makes fail (its share of
        the attempts from 10:00 to 22:00 shop time on each of its days)."""
        down = np.zeros(len(at), dtype=bool)
        for day, outage in self.shop.incidents.of_kind("payment_outage"):
            start = self.clock.midnight(day) + 10 * HOUR
            window = (at >= start) & (at < start + 12 * HOUR)
            if outage.magnitude < 1:
                hit = stream(self.seed, "payment-outage", day).random(len(at))
                window &= hit < outage.magnitude
            down |= window
        return down

    def _checkout_broken(self, orders: Frame, paying: np.ndarray) -> np.ndarray:
        """Online orders (rows ``paying`` of ``orders``) that a checkout_failure incident
        leaves unpaid: its share of the orders placed from its device class on its days."""
        broken = np.zeros(len(paying), dtype=bool)
        placed_day = self.clock.local_day(orders["placed_at"][paying])
        device = orders["device"][paying]
        for day, failure in self.shop.incidents.of_kind("checkout_failure"):
            hit = stream(self.seed, "checkout-failure", day).random(len(paying)) < failure.magnitude
            broken |= (placed_day == day) & (device == DEVICES.index(failure.target)) & hit
        return broken

    def _pay_online(
        self,
        rng: np.random.Generator,
        orders: Frame,
        ids: pa.Array,
        is_cod: np.ndarray,
        outbox: Outbox,
    ) -> np.ndarray:
        """Online payment attempts minutes after placement; returns when each order was
        paid (NO_TIME if not paid online)."""
        total = orders["total"]
        paying = np.flatnonzero(~is_cod & (total > 0))
        k = len(paying)
        placed = orders["placed_at"][paying]
        first_at = placed + np.clip(rng.lognormal(np.log(50), 0.8, k), 10, 600).astype(np.int64)
        first_ok = rng.random(k) < FIRST_ATTEMPT_SUCCESS
        retried = ~first_ok & (rng.random(k) < RETRY_SHARE)
        second_at = first_at + rng.integers(30, 300, k)
        second_ok = retried & (rng.random(k) < RETRY_SUCCESS)
        first_ok &= ~self._gateway_down(first_at)
        second_ok &= ~self._gateway_down(second_at)
        if self.shop.incidents.of_kind("checkout_failure"):
            broken = self._checkout_broken(orders, paying)
            first_ok &= ~broken
            second_ok &= ~broken
        paid_at = np.full(len(total), NO_TIME)
        paid_at[paying] = np.where(first_ok, first_at, np.where(second_ok, second_at, NO_TIME))

        attempt_order = np.concatenate([paying, paying[retried]])
        attempted_at = np.concatenate([first_at, second_at[retried]])
        success = np.concatenate([first_ok, second_ok[retried]])
        failure = np.where(success, -1, rng.integers(0, len(ONLINE_FAILURES), len(success)))
        outbox.add(
            "payments",
            {
                "payment_id": number_ids("pay", self.sequences.take("payment", len(success)), 9),
                "order_id": ids.take(pa.array(attempt_order)),
                "attempted_at": attempted_at,
                "payment_method": labels(PAYMENT_METHODS, orders["payment_method"][attempt_order]),
                "amount": total[attempt_order],
                "currency": pa.array(["CNY"] * len(success), pa.string()),
                "status": labels(("success", "failed"), (~success).astype(int)),
                "failure_reason": labels(ONLINE_FAILURES, failure),
            },
        )
        # The click-stream: a payment page view, then one payment_result per attempt.
        view_at = placed + rng.integers(2, 9, k)
        event_order = np.concatenate([paying, attempt_order])
        count = len(event_order)
        is_view = np.arange(count) < k
        order_of_event = ids.take(pa.array(event_order))
        url = join("/pay?order=", order_of_event)
        outbox.add(
            "events",
            {
                "event_id": event_ids(self.sequences, count),
                "event_at": np.concatenate([view_at, attempted_at]),
                "visitor_id": visitor_ids(orders["visitor"][event_order]),
                "customer_id": customer_ids(orders["customer"][event_order]),
                "event_type": labels(EVENT_TYPES, np.where(is_view, PAGE_VIEW, PAYMENT_RESULT)),
                "page_type": labels(PAGE_TYPES, np.full(count, PAYMENT)),
                "page_url": url,
                "referrer_url": pa.array([f"{SITE}/checkout"] * count, pa.string()),
                "utm_source": pa.nulls(count, pa.string()),
                "utm_medium": pa.nulls(count, pa.string()),
                "utm_campaign": pa.nulls(count, pa.string()),
                "device": labels(DEVICES, orders["device"][event_order]),
                "sku_id": pa.nulls(count, pa.string()),
                "order_id": pc.if_else(pa.array(is_view), None, order_of_event),
                "is_success": pa.array(np.concatenate([first_ok, success]), mask=is_view),
                "page_load_ms": np.where(
                    is_view, rng.lognormal(np.log(900), 0.4, count).astype(np.int64), -1
                ),
            },
        )
        return paid_at
