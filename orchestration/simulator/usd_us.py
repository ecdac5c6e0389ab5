"""The ``usd-us`` profile: the demo shop's behaviour, exported as a US shop would.

Its settings file (``shops/usd-us/shop.yml``: America/New_York, USD reporting, orders in
USD or MXN, UTF-8 everywhere) must be the active one (``SHOP_SETTINGS_FILE``), so that the
simulator's clock and CSV writer and then the pipeline all use it. The records differ from
the demo's in their codes and currencies only:

- payment methods and carriers are the shop's own (its reference seeds), mapped one to one
  (or many to one) from the demo's;
- every fifth order (by order number) is placed in MXN: its amounts, those of its lines,
  payments and refunds, are the USD amounts times the pesos per dollar of the order's
  shop-local day (16, 20 or 25: the seed's rate_to_reporting is its inverse, an exact
  decimal, so converting back gives the USD amounts to the cent).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contract import Table, load_shop

#: The settings of the usd-us shop.
SETTINGS = Path(__file__).with_name("shops") / "usd-us" / "shop.yml"
SECOND_CURRENCY = "MXN"

PAYMENT_METHODS = {
    "alipay": "card",
    "wechat_pay": "paypal",
    "union_pay": "apple_pay",
    "credit_card": "shop_pay",
    "cod": "cash_on_delivery",
}
CARRIERS = {
    "顺丰速运": "fedex",
    "京东物流": "ups",
    "中通快递": "usps",
    "圆通速递": "ups",
    "韵达快递": "ontrac",
    "申通快递": "usps",
    "中国邮政": "usps",
}
#: Tables whose amounts are in their order's currency, and their money columns.
ORDER_MONEY = {
    "orders": ("items_amount", "shipping_fee", "order_total"),
    "order_lines": ("unit_list_price", "unit_price", "line_amount"),
    "payments": ("amount",),
    "refunds": ("amount",),
}


def pesos_per_dollar(day: dt.date) -> int:
    """MXN per USD on a shop-local day (the inverse of the seed's rate_to_reporting)."""
    return (16, 20, 25)[day.toordinal() % 3]


def is_in_pesos(order_id: str) -> bool:
    """Every fifth order by number (ids are ``o`` + a zero-padded number)."""
    return int(order_id[1:]) % 5 == 0


class UsdUs:
    """The rewrite of each day's records. Orders are exported on the day they are placed,
    before their lines, payments and refunds (the contract's table order, same day or
    later), so the pesos per dollar of each peso order is known when those arrive."""

    def __init__(self) -> None:
        self._factors: dict[str, int] = {}

    def __call__(self, table: Table, records: pa.Table) -> pa.Table:
        shop = load_shop()
        if shop.path.resolve() != SETTINGS.resolve():
            raise RuntimeError(
                f"profile usd-us needs its settings: set SHOP_SETTINGS_FILE={SETTINGS} "
                f"(the active settings are {shop.path})"
            )
        if records.num_rows == 0:
            return records
        if table.name == "orders":
            zone = ZoneInfo(shop.timezone)
            for order_id, placed_at in zip(
                records["order_id"].to_pylist(), records["placed_at"].to_pylist(), strict=True
            ):
                if is_in_pesos(order_id):
                    day = placed_at.astimezone(zone).date()
                    self._factors[order_id] = pesos_per_dollar(day)
        if "payment_method" in records.column_names:
            records = _mapped(records, "payment_method", PAYMENT_METHODS)
        if "carrier" in records.column_names:
            records = _mapped(records, "carrier", CARRIERS)
        if table.name in ORDER_MONEY:
            records = self._in_order_currency(records, ORDER_MONEY[table.name])
        return records

    def _in_order_currency(self, records: pa.Table, columns: tuple[str, ...]) -> pa.Table:
        factors = [self._factors.get(order_id, 1) for order_id in records["order_id"].to_pylist()]
        for name in columns:
            index = records.schema.get_field_index(name)
            field = records.schema.field(index)
            amounts = records[name].to_pylist()
            converted = [
                None if amount is None else amount * factor
                for amount, factor in zip(amounts, factors, strict=True)
            ]
            records = records.set_column(index, field, pa.array(converted, field.type))
        if "currency" in records.column_names:
            index = records.schema.get_field_index("currency")
            currency = [SECOND_CURRENCY if factor != 1 else "USD" for factor in factors]
            records = records.set_column(
                index, records.schema.field(index), pa.array(currency, pa.string())
            )
        return records


def _mapped(records: pa.Table, name: str, codes: dict[str, str]) -> pa.Table:
    index = records.schema.get_field_index(name)
    values = pc.cast(records[name], pa.string()).to_pylist()
    mapped = [codes.get(value, value) if value is not None else None for value in values]
    return records.set_column(index, records.schema.field(index), pa.array(mapped, pa.string()))
