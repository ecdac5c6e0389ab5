"""Shopify admin exports (Orders, Products and Customers CSV) into the shop source and the
order system's wms tables.

Column layouts as Shopify documents them: Orders,
https://help.shopify.com/en/manual/fulfillment/managing-orders/exporting-orders (one row
per line item: the order's own fields on its first row only); Products,
https://help.shopify.com/en/manual/products/import-export/using-csv (one row per variant,
a product's fields on its first row); Customers,
https://help.shopify.com/en/manual/customers/import-export-customers. An export with a
column missing or renamed, or a value that is not a number, time or mapped code, is
refused with its file, line and reason, and then nothing of the import lands (its files
depend on each other: orders name customers and SKUs).

Mapped (orders_export): orders (Subtotal is the items amount after discounts, Shipping the
fee; taxes are not part of the contract's amounts), order lines (one per Lineitem row),
payments (one successful payment at Paid at), cancellations (Cancelled at), refunds
(Refunded Amount: a cancelled order's as a cancellation refund, others spread over the
order's lines from the last, each up to its amount, with a return of the line when it had
shipped), shipments (one parcel at Fulfilled at), the one warehouse of shopify.yml and the
coupons of the Discount Code column; products and SKU costs (products_export: Cost per
item); customers (customers_export; an order whose e-mail is no customer's is a guest
checkout). Personal data lands as delivered and is hashed, masked or dropped by staging as
for every shop.

Not in Shopify's exports, and so not known: when a refund was paid (the export's last time
is used), delivery times, carriers (shopify.yml), the visitor of an order (a customer id or
the order's name stands in: visits are not joined to orders), registration times and
product launch times (the export's first order time), campaign of an order.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyarrow as pa
import yaml

from orchestration.contract import load_contract
from orchestration.importers.common import Refused, Report, part_name, utc, write_table

MAPPING_FILE = Path(__file__).with_name("shopify.yml")
ORDERS_COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
    "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
    "Lineitem compare at price", "Lineitem sku", "Lineitem fulfillment status",
    "Cancelled at", "Payment Method", "Refunded Amount", "Lineitem discount",
)  # fmt: skip
PRODUCTS_COLUMNS = (
    "Handle", "Title", "Vendor", "Product Category", "Type", "Option1 Name", "Option1 Value",
    "Option2 Name", "Option2 Value", "Option3 Name", "Option3 Value", "Variant SKU",
    "Variant Price", "Cost per item", "Status",
)  # fmt: skip
CUSTOMERS_COLUMNS = (
    "Customer ID", "First Name", "Last Name", "Email", "Phone", "Default Address City",
    "Default Address Province Code",
)  # fmt: skip
#: Export files by the names Shopify gives them.
EXPORTS = {"orders": "orders_export*.csv", "products": "products_export*.csv",
           "customers": "customers_export*.csv"}  # fmt: skip
#: Shopify's time format in exports, e.g. 2025-06-10 10:15:00 -0400.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"
#: A customer's address part Shopify leaves empty (the contract needs a value).
UNKNOWN = "(unknown)"
CENT = Decimal("0.01")


@dataclass
class _Rows:
    """One export file's rows with their line numbers."""

    path: Path
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _read(path: Path, columns: tuple[str, ...]) -> _Rows:
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        if missing:
            near = [h for h in header if h.lower() in {m.lower() for m in missing}]
            hint = f" (found {', '.join(near)}: Shopify's names are case-sensitive)" if near else ""
            raise Refused(
                path, 1, f"not Shopify's column layout: no column {', '.join(missing)}{hint}"
            )
        rows = _Rows(path)
        try:
            for row in reader:
                if None in row or any(v is None for v in row.values()):
                    raise Refused(
                        path, reader.line_num, "row has another number of fields than the header"
                    )
                rows.rows.append((reader.line_num, row))
        except csv.Error as error:
            raise Refused(path, reader.line_num, f"malformed CSV: {error}") from None
    return rows


def _time(path: Path, line: int, column: str, value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return utc(dt.datetime.strptime(value, TIME_FORMAT))
    except ValueError:
        raise Refused(
            path, line, f"{column} {value!r} is not a time like 2025-06-10 10:15:00 -0400"
        ) from None


def _money(path: Path, line: int, column: str, value: str) -> Decimal:
    try:
        amount = Decimal(value or "0")
    except InvalidOperation:
        raise Refused(path, line, f"{column} {value!r} is not an amount") from None
    if not amount.is_finite():
        raise Refused(path, line, f"{column} {value!r} is not an amount")
    return amount


def _mapped(path: Path, line: int, column: str, value: str, mapping: dict[str, str]) -> str:
    if value not in mapping:
        raise Refused(
            path, line, f"{column} {value!r} has no code in {MAPPING_FILE.name} (add it there)"
        )
    return mapping[value]


def _find(directory: Path, kind: str) -> Path:
    found = sorted(directory.glob(EXPORTS[kind]))
    if len(found) != 1:
        raise Refused(directory, None, f"expected one {EXPORTS[kind]} file, found {len(found)}")
    return found[0]


def import_shopify(input_dir: Path, landing: Path, report: Report | None = None) -> Report:
    """Import the three Shopify exports of ``input_dir`` into ``landing``."""
    report = report or Report("shopify")
    settings = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    try:
        paths = {kind: _find(input_dir, kind) for kind in EXPORTS}
        orders = _read(paths["orders"], ORDERS_COLUMNS)
        products = _read(paths["products"], PRODUCTS_COLUMNS)
        customers = _read(paths["customers"], CUSTOMERS_COLUMNS)
        tables = _map(orders, products, customers, settings, report)
    except Refused as refusal:
        report.refused_files.append(refusal)
        return report
    report.rows_read += len(orders.rows) + len(products.rows) + len(customers.rows)
    contract = load_contract()
    for (source, name), (kind, day_column, data) in tables.items():
        table = contract.table(source, name)
        write_table(landing, table, data, part_name("shopify", paths[kind]), day_column, report)
    return report


def _map(
    orders: _Rows, products: _Rows, customers: _Rows, settings: dict, report: Report
) -> dict[tuple[str, str], tuple[str, str, pa.Table]]:
    path = orders.path
    # the order-level fields are on each order's first row
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in orders.rows:
        if not row["Name"]:
            raise Refused(path, line, "row without an order Name")
        grouped.setdefault(row["Name"], []).append((line, row))
    times = [
        _time(path, line, column, row[column])
        for line, row in orders.rows
        for column in ("Created at", "Paid at", "Fulfilled at", "Cancelled at")
    ]
    times = [t for t in times if t is not None]
    if not times:
        raise Refused(path, None, "no order with a Created at time")
    created = [
        _time(path, rows[0][0], "Created at", rows[0][1]["Created at"]) for rows in grouped.values()
    ]
    if any(c is None for c in created):
        raise Refused(path, None, "an order without Created at")
    export_start, export_end = min(created), max(times)

    by_email: dict[str, str] = {}
    customer_rows = []
    for line, row in customers.rows:
        if not row["Customer ID"]:
            raise Refused(customers.path, line, "row without a Customer ID")
        if row["Email"]:
            by_email[row["Email"].lower()] = row["Customer ID"]
        customer_rows.append({
            "customer_id": row["Customer ID"], "registered_at": None,
            "full_name": f"{row['First Name']} {row['Last Name']}".strip() or UNKNOWN,
            "email": row["Email"] or None, "phone": row["Phone"] or None,
            "province": row["Default Address Province Code"] or UNKNOWN,
            "city": row["Default Address City"] or UNKNOWN,
            "referred_by_customer_id": None, "updated_at": export_start,
        })  # fmt: skip

    product_rows, cost_rows = [], []
    first_of_handle: dict[str, dict[str, str]] = {}
    for line, row in products.rows:
        first = first_of_handle.setdefault(row["Handle"], row)
        if not row["Variant SKU"]:
            if row["Option1 Value"] or row["Variant Price"]:
                raise Refused(
                    products.path, line, "variant without a Variant SKU (orders name SKUs)"
                )
            continue  # an image row
        levels = [p.strip() for p in first["Product Category"].split(">") if p.strip()]
        options = {
            (first[f"Option{n} Name"] or "").lower(): row[f"Option{n} Value"] or None
            for n in (1, 2, 3)
        }
        product_rows.append({
            "sku_id": row["Variant SKU"], "product_id": row["Handle"],
            "product_name": first["Title"] or row["Handle"],
            "category_l1": levels[0] if levels else first["Type"] or UNKNOWN,
            "category_l2": levels[1] if len(levels) > 1 else first["Type"] or UNKNOWN,
            "brand": first["Vendor"] or UNKNOWN, "model": None,
            "colour": options.get("color") or options.get("colour"), "size": options.get("size"),
            "list_price": _money(products.path, line, "Variant Price", row["Variant Price"]),
            "launched_at": export_start, "is_active": first["Status"] == "active",
            "updated_at": export_start,
        })  # fmt: skip
        if row["Cost per item"]:
            cost_rows.append({
                "sku_id": row["Variant SKU"], "valid_from": export_start,
                "unit_cost": _money(products.path, line, "Cost per item", row["Cost per item"]),
            })  # fmt: skip
        else:
            report.skipped["variant without Cost per item: no SKU cost"] += 1

    warehouse = settings["warehouse"]
    out: dict[str, list[dict]] = {name: [] for name in (
        "orders", "order_lines", "payments", "cancellations", "refunds", "returns", "shipments",
        "coupons")}  # fmt: skip
    for name, rows in grouped.items():
        line, head = rows[0]
        placed_at = _time(path, line, "Created at", head["Created at"])
        gateway = head["Payment Method"].split("+")[0].strip()
        payment_method = _mapped(path, line, "Payment Method", gateway, settings["payment_methods"])
        shipping_method = head["Shipping Method"]
        delivery_method = (
            _mapped(path, line, "Shipping Method", shipping_method, settings["delivery_methods"])
            if shipping_method
            else settings["default_delivery_method"]
        )
        items = _money(path, line, "Subtotal", head["Subtotal"])
        shipping = _money(path, line, "Shipping", head["Shipping"])
        customer_id = by_email.get(head["Email"].lower()) if head["Email"] else None
        code = head["Discount Code"] or None
        visitor = f"shopify-customer-{customer_id}" if customer_id else f"shopify-order-{name}"
        out["orders"].append({
            "order_id": name, "customer_id": customer_id, "visitor_id": visitor,
            "placed_at": placed_at, "currency": head["Currency"], "items_amount": items,
            "shipping_fee": shipping, "order_total": items + shipping, "coupon_code": code,
            "campaign_code": None, "payment_method": payment_method,
            "delivery_method": delivery_method, "warehouse_id": warehouse["warehouse_id"],
            "is_test": gateway in settings["test_gateways"], "is_fraud": False,
        })  # fmt: skip
        if code:
            out["coupons"].append({
                "coupon_code": code,
                "discount_amount": _money(path, line, "Discount Amount", head["Discount Amount"]),
                "day": placed_at,
            })  # fmt: skip
        lines = []
        for number, (row_line, row) in enumerate(rows, 1):
            try:
                quantity = int(row["Lineitem quantity"])
            except ValueError:
                raise Refused(
                    path,
                    row_line,
                    f"Lineitem quantity {row['Lineitem quantity']!r} is not a whole number",
                ) from None
            if not row["Lineitem sku"]:
                raise Refused(path, row_line, "line item without a Lineitem sku")
            price = _money(path, row_line, "Lineitem price", row["Lineitem price"])
            compare = _money(
                path, row_line, "Lineitem compare at price", row["Lineitem compare at price"]
            )
            amount = quantity * price - _money(
                path, row_line, "Lineitem discount", row["Lineitem discount"]
            )
            lines.append({
                "order_line_id": f"{name}-{number}", "order_id": name, "line_number": number,
                "sku_id": row["Lineitem sku"], "placed_at": placed_at, "quantity": quantity,
                "unit_list_price": max(price, compare),
                "unit_price": (amount / quantity).quantize(CENT) if quantity else price,
                "line_amount": amount, "line_status": "accepted",
                "_shipped": row["Lineitem fulfillment status"] == "fulfilled",
            })  # fmt: skip
        out["order_lines"] += lines
        paid_at = _time(path, line, "Paid at", head["Paid at"])
        if paid_at:
            out["payments"].append({
                "payment_id": f"{name}-payment", "order_id": name, "attempted_at": paid_at,
                "payment_method": payment_method, "amount": items + shipping,
                "currency": head["Currency"], "status": "success", "failure_reason": None,
            })  # fmt: skip
        cancelled_at = _time(path, line, "Cancelled at", head["Cancelled at"])
        if cancelled_at:
            out["cancellations"].append(
                {
                    "order_id": name,
                    "cancelled_at": cancelled_at,
                    "reason": settings["cancel_reason"],
                }
            )
        refunded = _money(path, line, "Refunded Amount", head["Refunded Amount"])
        if refunded > 0 and cancelled_at:
            out["refunds"].append({
                "refund_id": f"{name}-refund", "order_id": name, "order_line_id": None,
                "return_id": None, "refunded_at": cancelled_at, "amount": refunded,
                "refund_type": "cancellation",
            })  # fmt: skip
        elif refunded > 0:
            left = refunded
            for order_line in reversed(lines):
                if left <= 0:
                    break
                amount = min(left, order_line["line_amount"])
                left -= amount
                return_id = None
                if order_line["_shipped"]:
                    return_id = f"{order_line['order_line_id']}-return"
                    units = (
                        math.ceil(amount / order_line["unit_price"])
                        if order_line["unit_price"]
                        else 1
                    )
                    out["returns"].append({
                        "return_id": return_id, "order_id": name,
                        "order_line_id": order_line["order_line_id"],
                        "sku_id": order_line["sku_id"],
                        "quantity": min(units, order_line["quantity"]), "return_type": "return",
                        "reason": settings["return_reason"], "requested_at": export_end,
                        "received_at": None, "updated_at": export_end,
                    })  # fmt: skip
                out["refunds"].append({
                    "refund_id": f"{order_line['order_line_id']}-refund", "order_id": name,
                    "order_line_id": order_line["order_line_id"], "return_id": return_id,
                    "refunded_at": export_end, "amount": amount, "refund_type": "return",
                })  # fmt: skip
            if left > 0:
                report.skipped[
                    "refunded beyond the order's lines (shipping, taxes): not imported"
                ] += 1
        fulfilled_at = _time(path, line, "Fulfilled at", head["Fulfilled at"])
        if fulfilled_at:
            out["shipments"].append({
                "shipment_id": f"{name}-1", "order_id": name,
                "warehouse_id": warehouse["warehouse_id"], "carrier": settings["carrier"],
                "delivery_method": delivery_method, "shipped_at": fulfilled_at,
                "delivered_at": None, "failed_at": None, "status": "shipped",
                "shipping_cost": Decimal("0.00"), "updated_at": fulfilled_at,
            })  # fmt: skip

    coupons: dict[str, dict] = {}
    for coupon in out.pop("coupons"):
        seen = coupons.setdefault(
            coupon["coupon_code"], {**coupon, "first": coupon["day"], "last": coupon["day"]}
        )
        seen["first"], seen["last"] = (
            min(seen["first"], coupon["day"]),
            max(seen["last"], coupon["day"]),
        )
    coupon_rows = [{
        "coupon_code": code, "campaign_id": None, "discount_amount": c["discount_amount"],
        "minimum_spend": Decimal("0.00"), "valid_from": _local_day(c["first"]),
        "valid_to": _local_day(c["last"]), "updated_at": export_start,
    } for code, c in sorted(coupons.items())]  # fmt: skip
    for row in out["order_lines"]:
        del row["_shipped"]
    warehouse_rows = [{**warehouse, "updated_at": export_start}]
    tables = {
        ("shop", "orders"): ("orders", "placed_at", out["orders"]),
        ("shop", "order_lines"): ("orders", "placed_at", out["order_lines"]),
        ("shop", "payments"): ("orders", "attempted_at", out["payments"]),
        ("shop", "cancellations"): ("orders", "cancelled_at", out["cancellations"]),
        ("shop", "refunds"): ("orders", "refunded_at", out["refunds"]),
        ("shop", "returns"): ("orders", "updated_at", out["returns"]),
        ("wms", "shipments"): ("orders", "updated_at", out["shipments"]),
        ("wms", "warehouses"): ("orders", "updated_at", warehouse_rows),
        ("marketing", "coupons"): ("orders", "updated_at", coupon_rows),
        ("shop", "products"): ("products", "updated_at", product_rows),
        ("shop", "sku_costs"): ("products", "valid_from", cost_rows),
        ("shop", "customers"): ("customers", "updated_at", customer_rows),
    }
    contract = load_contract()
    return {
        key: (kind, day, _arrow(contract.table(*key), rows))
        for key, (kind, day, rows) in tables.items()
    }


def _local_day(moment: dt.datetime) -> dt.date:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(load_contract().timezone)
    return moment.replace(tzinfo=dt.UTC).astimezone(zone).date()


def _arrow(table, rows: list[dict]) -> pa.Table:
    """The rows as the contract's table; an optional column Shopify's exports do not give
    lands empty (null, as it loads when a file leaves it out)."""
    return pa.table(
        {
            c.name: pa.array(
                [row.get(c.name) if c.optional else row[c.name] for row in rows], c.arrow_type
            )
            for c in table.columns
        },
        schema=table.arrow_schema,
    )
