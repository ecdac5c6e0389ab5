"""Tests of the shop simulator: a small shop is simulated once per module (45 days around
618 at scale 0.05) and its landing files are read back and checked for the contract, the
partition semantics and the coherence of the simulated business."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from orchestration.contract import Table, load_contract
from orchestration.simulator.cli import main
from orchestration.simulator.engine import simulate
from orchestration.simulator.market_monitoring import outages
from orchestration.simulator.profiles import ORDER_SYSTEM_TABLES, PROFILES

START = dt.date(2025, 5, 20)
DAYS = 45
SCALE = 0.05
SEED = 7
DATES = [START + dt.timedelta(days=i) for i in range(DAYS)]
MONTHLY = {"market_category_gmv", "site_rankings"}
CONTRACT = load_contract()
TABLES = {table.name: table for table in CONTRACT.tables}


def run(root: Path, seed: int = SEED) -> Path:
    simulate(root, START, DAYS, scale=SCALE, seed=seed)
    return root


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    return run(tmp_path_factory.mktemp("landing"))


def files_of(root: Path, table: Table) -> list[Path]:
    return sorted((root / table.source / table.name).glob("date=*/part-*"))


def read_file(path: Path, table: Table) -> pa.Table:
    source = CONTRACT.source(table.source)
    if source.format == "parquet":
        return pq.read_table(path)
    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(encoding=source.csv_encoding),
        convert_options=pa_csv.ConvertOptions(
            column_types=table.arrow_schema, strings_can_be_null=True
        ),
    )


def partition_of(path: Path) -> dt.date:
    return dt.date.fromisoformat(path.parent.name.removeprefix("date="))


@pytest.fixture(scope="module")
def tables(landing) -> dict[str, pa.Table]:
    """Every table of the run, with the partition date of each row in ``_partition``."""
    result = {}
    for name, table in TABLES.items():
        parts = []
        for path in files_of(landing, table):
            data = read_file(path, table)
            parts.append(
                data.append_column(
                    "_partition", pa.array([partition_of(path)] * len(data), pa.date32())
                )
            )
        result[name] = pa.concat_tables(parts)
    return result


def local_date(values) -> pa.Array:
    """Shop-local calendar day of UTC timestamps."""
    local = pc.local_timestamp(pc.cast(values, pa.timestamp("us", tz=CONTRACT.timezone)))
    return pc.cast(local, pa.date32())


def column(data: pa.Table, name: str) -> np.ndarray:
    values = data.column(name)
    if pa.types.is_decimal(values.type):
        return np.round(pc.multiply(values.cast(pa.float64()), 100).to_numpy()).astype(np.int64)
    if pa.types.is_timestamp(values.type):
        return pc.cast(values.cast(pa.timestamp("us")), pa.int64()).to_numpy(zero_copy_only=False)
    return values.to_numpy(zero_copy_only=False)


def present(data: pa.Table, name: str) -> set:
    """Distinct non-null values of a column."""
    return set(pc.unique(data.column(name).drop_null()).to_pylist())


def lookup(keys: np.ndarray, values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """values[keys == wanted[i]] for each i (keys unique and all present)."""
    order = np.argsort(keys)
    position = np.searchsorted(keys, wanted, sorter=order)
    found = order[np.minimum(position, len(keys) - 1)]
    assert (keys[found] == wanted).all(), "missing keys"
    return values[found]


def latest(data: pa.Table, key: str) -> pa.Table:
    """Latest version of each record of a ``changes`` table."""
    order = np.lexsort((column(data, "updated_at"), column(data, key)))
    data = data.take(order)
    keys = column(data, key)
    last = np.append(keys[1:] != keys[:-1], True)
    return data.filter(pa.array(last))


# -- 1. determinism ---------------------------------------------------------------------


def digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files_and_another_seed_does_not(landing, tmp_path):
    first = digests(landing)
    assert digests(run(tmp_path / "again")) == first
    other = digests(run(tmp_path / "other", seed=SEED + 1))
    assert other.keys() == first.keys()
    for table in ("events", "orders", "order_lines", "payments", "inventory_snapshots"):
        paths = [p for p in first if f"/{table}/" in p]
        assert sum(first[p] != other[p] for p in paths) == len(paths), table


# -- 2. the contract --------------------------------------------------------------------


def test_every_file_has_the_contract_columns_types_and_nullability(landing):
    for table in TABLES.values():
        for path in files_of(landing, table):
            if path.suffix == ".parquet":
                names = pq.read_schema(path).names
            else:
                encoding = CONTRACT.source(table.source).csv_encoding
                header = path.read_bytes().decode(encoding).split("\n", 1)[0]
                names = [name.strip('"') for name in header.split(",")]
                assert header == ",".join(f'"{name}"' for name in names), path
            # the contract's columns in its order; an optional one may be left out of a file
            written = [c for c in table.columns if not c.optional or c.name in names]
            assert names == [c.name for c in written], path
            data = read_file(path, table)
            assert data.schema.types == [c.arrow_type for c in written], path
            for spec in written:
                if not spec.nullable:
                    assert data.column(spec.name).null_count == 0, (path, spec.name)
                if spec.accepted_values:
                    values = set(data.column(spec.name).drop_null().to_pylist())
                    assert values <= set(spec.accepted_values), (path, spec.name)


def test_every_daily_table_has_a_file_every_day_and_market_tables_monthly(landing):
    for table in TABLES.values():
        dates = [partition_of(path) for path in files_of(landing, table)]
        if table.name in MONTHLY:
            assert dates == [dt.date(2025, 6, 5)], table.name
        else:
            assert dates == DATES, table.name


# -- 3. references ----------------------------------------------------------------------


def test_references_between_tables_resolve(tables):
    skus = set(column(tables["products"], "sku_id"))
    assert set(column(tables["order_lines"], "sku_id")) <= skus
    assert set(column(tables["inventory_snapshots"], "sku_id")) <= skus

    all_orders = tables["orders"]
    orders = all_orders.filter(pc.is_valid(all_orders.column("customer_id")))
    guests = len(all_orders) - len(orders)
    assert 0 < guests < 0.1 * len(all_orders)  # guest checkouts exist, and are a minority
    customers = latest(tables["customers"], "customer_id")
    registered = lookup(
        column(customers, "customer_id"),
        column(customers, "registered_at"),
        column(orders, "customer_id"),
    )
    assert (registered <= column(orders, "placed_at")).all()
    orders = all_orders
    referrers = present(customers, "referred_by_customer_id")
    assert referrers and referrers <= set(column(customers, "customer_id"))

    events = tables["events"]
    with_order = events.filter(pc.is_valid(events.column("order_id")))
    assert present(with_order, "event_type") == {"order_submit", "payment_result"}
    submits = events.filter(pc.equal(events.column("event_type"), "order_submit"))
    assert sorted(column(submits, "order_id")) == sorted(column(orders, "order_id"))
    order_ids = column(orders, "order_id")
    for name in ("placed_at", "visitor_id", "customer_id"):
        expected = lookup(order_ids, column(orders, name), column(submits, "order_id"))
        assert (column(submits, "event_at" if name == "placed_at" else name) == expected).all()

    # Every online payment attempt is a payment_result event at the same instant.
    payments = tables["payments"]
    online = payments.filter(pc.not_equal(payments.column("payment_method"), "cod"))
    results = events.filter(pc.equal(events.column("event_type"), "payment_result"))
    attempts = Counter(
        zip(
            column(online, "order_id"),
            column(online, "attempted_at"),
            column(online, "status") == "success",
            strict=True,
        )
    )
    tracked = Counter(
        zip(
            column(results, "order_id"),
            column(results, "event_at"),
            column(results, "is_success"),
            strict=True,
        )
    )
    assert attempts == tracked

    for name in (
        "shipments",
        "cancellations",
        "refunds",
        "returns",
        "payments",
        "partner_commissions",
    ):
        assert set(column(tables[name], "order_id")) <= set(order_ids), name
    lines = set(column(tables["order_lines"], "order_line_id"))
    assert set(column(tables["returns"], "order_line_id")) <= lines
    assert set(column(tables["picking_exceptions"], "order_line_id")) <= lines
    campaign_codes = set(column(tables["campaigns"], "campaign_code"))
    assert present(events, "utm_campaign") <= campaign_codes
    campaign_ids = set(column(tables["campaigns"], "campaign_id"))
    assert set(column(tables["ad_spend"], "campaign_id")) <= campaign_ids
    assert set(column(tables["partner_commissions"], "campaign_id")) <= campaign_ids
    assert present(orders, "coupon_code") <= set(column(tables["coupons"], "coupon_code"))


# -- 4. time order and money ------------------------------------------------------------


def test_lifecycle_events_happen_in_order(tables):
    orders, payments = tables["orders"], tables["payments"]
    order_ids = column(orders, "order_id")
    placed = dict(zip(order_ids, column(orders, "placed_at"), strict=True))
    method = dict(zip(order_ids, column(orders, "payment_method"), strict=True))
    success = payments.filter(pc.equal(payments.column("status"), "success"))
    paid = dict(zip(column(success, "order_id"), column(success, "attempted_at"), strict=True))
    assert len(paid) == len(success)  # at most one successful payment per order
    online_paid = {o: t for o, t in paid.items() if method[o] != "cod"}
    assert all(t > placed[o] for o, t in online_paid.items())

    shipments = latest(tables["shipments"], "shipment_id")
    ship_order = column(shipments, "order_id")
    shipped = column(shipments, "shipped_at")
    assert len(set(ship_order)) == len(ship_order)
    for order, at in zip(ship_order, shipped, strict=True):
        if method[order] != "cod":
            assert at > online_paid[order]
    delivered = column(shipments, "delivered_at")
    failed = column(shipments, "failed_at")
    status = column(shipments, "status")
    done = status != "shipped"
    outcome = np.where(status == "delivered", delivered, failed)
    assert (outcome[done] > shipped[done]).all()
    delivered_at = dict(
        zip(ship_order[status == "delivered"], delivered[status == "delivered"], strict=True)
    )
    for order, at in paid.items():
        if method[order] == "cod":
            assert at == delivered_at[order]

    returns = latest(tables["returns"], "return_id")
    requested = column(returns, "requested_at")
    received = column(returns, "received_at")
    return_orders = column(returns, "order_id")
    assert all(requested[i] > delivered_at[o] for i, o in enumerate(return_orders))
    arrived = pc.is_valid(returns.column("received_at")).to_numpy(zero_copy_only=False)
    assert (received[arrived] > requested[arrived]).all()
    received_at = dict(zip(column(returns, "return_id")[arrived], received[arrived], strict=True))
    refunds = tables["refunds"]
    for_returns = refunds.filter(pc.equal(refunds.column("refund_type"), "return"))
    for return_id, at in zip(
        column(for_returns, "return_id"), column(for_returns, "refunded_at"), strict=True
    ):
        assert at > received_at[return_id]

    cancellations = tables["cancellations"]
    cancelled = column(cancellations, "cancelled_at")
    assert (
        cancelled
        > lookup(order_ids, column(orders, "placed_at"), column(cancellations, "order_id"))
    ).all()


def test_money_paid_back_never_exceeds_money_received(tables):
    orders, payments, refunds = tables["orders"], tables["payments"], tables["refunds"]
    success = payments.filter(pc.equal(payments.column("status"), "success"))
    received = dict(zip(column(success, "order_id"), column(success, "amount"), strict=True))
    received_at = dict(
        zip(column(success, "order_id"), column(success, "attempted_at"), strict=True)
    )
    returned = Counter()
    for order, amount, at in zip(
        column(refunds, "order_id"),
        column(refunds, "amount"),
        column(refunds, "refunded_at"),
        strict=True,
    ):
        assert at > received_at[order]
        returned[order] += amount
    assert all(amount <= received[order] for order, amount in returned.items())

    lines = tables["order_lines"]
    line_amount = dict(
        zip(column(lines, "order_line_id"), column(lines, "line_amount"), strict=True)
    )
    short_pick = refunds.filter(pc.equal(refunds.column("refund_type"), "short_pick"))
    assert all(
        line_amount[line] == amount
        for line, amount in zip(
            column(short_pick, "order_line_id"), column(short_pick, "amount"), strict=True
        )
    )
    short = Counter()
    for order, line in zip(
        column(tables["picking_exceptions"], "order_id"),
        column(tables["picking_exceptions"], "order_line_id"),
        strict=True,
    ):
        short[order] += line_amount[line]
    total = dict(zip(column(orders, "order_id"), column(orders, "order_total"), strict=True))
    cod = success.filter(pc.equal(success.column("payment_method"), "cod"))
    assert len(cod) > 0
    assert all(
        amount == total[o] - short[o]
        for o, amount in zip(column(cod, "order_id"), column(cod, "amount"), strict=True)
    )

    versions = tables["campaigns"].sort_by("updated_at")
    commissions = tables["partner_commissions"]
    items = dict(zip(column(orders, "order_id"), column(orders, "items_amount"), strict=True))
    for campaign, order, at, amount in zip(
        column(commissions, "campaign_id"),
        column(commissions, "order_id"),
        column(commissions, "accrued_at"),
        column(commissions, "commission_amount"),
        strict=True,
    ):
        valid = (column(versions, "campaign_id") == campaign) & (
            column(versions, "updated_at") <= at
        )
        rate = column(versions, "commission_rate")[valid][-1]
        assert amount == np.round(rate * items[order])


# -- 5. stock ---------------------------------------------------------------------------


def day_index(values) -> np.ndarray:
    return (column(pa.table({"d": local_date(values)}), "d") - np.datetime64(START, "D")).astype(
        int
    )


def test_lines_are_refused_exactly_when_stock_is_exhausted_and_stock_balances(tables):
    snapshots = tables["inventory_snapshots"]
    skus = np.unique(column(tables["products"], "sku_id"))
    warehouses = np.unique(column(snapshots, "warehouse_id"))

    def cells(warehouse, sku) -> np.ndarray:
        return np.searchsorted(warehouses, warehouse) * len(skus) + np.searchsorted(skus, sku)

    closing = np.full((DAYS, len(warehouses) * len(skus)), -1, dtype=np.int64)
    snapshot_day = (column(snapshots, "snapshot_date") - np.datetime64(START, "D")).astype(int)
    closing[snapshot_day, cells(column(snapshots, "warehouse_id"), column(snapshots, "sku_id"))] = (
        column(snapshots, "system_quantity")
    )
    known = closing >= 0
    opening = np.where(known[:-1], closing[:-1], 0)  # unknown SKUs (not listed yet) hold 0

    orders, lines = tables["orders"], tables["order_lines"]
    order_ids = column(orders, "order_id")
    line_order = column(lines, "order_id")
    line_cell = cells(
        lookup(order_ids, column(orders, "warehouse_id"), line_order), column(lines, "sku_id")
    )
    line_day = day_index(lines.column("placed_at"))
    accepted = column(lines, "line_status") == "accepted"
    quantity = column(lines, "quantity")
    # Placement order: time, then order id, then line number.
    order = np.lexsort(
        (column(lines, "line_number"), line_order, column(lines, "placed_at"), line_cell, line_day)
    )
    taken = np.where(accepted, quantity, 0)[order]
    group = line_day[order] * closing.shape[1] + line_cell[order]
    before = np.cumsum(taken) - taken
    starts = np.r_[True, group[1:] != group[:-1]]
    before -= before[np.maximum.accumulate(np.where(starts, np.arange(len(group)), 0))]
    later = line_day[order] > 0
    available = opening[line_day[order] - 1, line_cell[order]] - before
    refused = ~accepted[order]
    assert refused.any() and (available[later & refused] == 0).all()
    assert (available[later & ~refused] >= quantity[order][later & ~refused]).all()

    # closing(D) = closing(D-1) - accepted(D) + released(D) + restocked(D) + shelved(D)
    flow = np.zeros_like(closing)
    np.add.at(flow, (line_day[accepted], line_cell[accepted]), -quantity[accepted])
    short = set(column(tables["picking_exceptions"], "order_line_id"))
    cancellations = tables["cancellations"]
    cancel_day = dict(
        zip(
            column(cancellations, "order_id"),
            day_index(cancellations.column("cancelled_at")),
            strict=True,
        )
    )
    back = (
        accepted
        & np.array([o in cancel_day for o in line_order])
        & ~np.isin(column(lines, "order_line_id"), list(short))
    )
    np.add.at(flow, ([cancel_day[o] for o in line_order[back]], line_cell[back]), quantity[back])
    returns = latest(tables["returns"], "return_id")
    restocked = returns.filter(
        pc.and_(
            pc.is_valid(returns.column("received_at")),
            pc.equal(returns.column("return_type"), "return"),
        )
    )
    return_cell = cells(
        lookup(order_ids, column(orders, "warehouse_id"), column(restocked, "order_id")),
        column(restocked, "sku_id"),
    )
    np.add.at(
        flow,
        (day_index(restocked.column("received_at")), return_cell),
        column(restocked, "quantity"),
    )
    receipts = latest(tables["inbound_receipts"], "receipt_id")
    shelved = receipts.filter(pc.is_valid(receipts.column("shelved_at")))
    np.add.at(
        flow,
        (
            day_index(shelved.column("shelved_at")),
            cells(column(shelved, "warehouse_id"), column(shelved, "sku_id")),
        ),
        column(shelved, "quantity"),
    )
    assert (closing[1:][known[1:]] == (opening + flow[1:])[known[1:]]).all()
    assert (flow[1:][~known[1:]] == 0).all()


def test_promotion_peak_has_more_stock_outs_than_ordinary_days(tables):
    lines = tables["order_lines"]
    refused = column(lines, "line_status") == "refused_no_stock"
    day = column(lines, "_partition")
    peak = day == np.datetime64("2025-06-18")
    ordinary = day >= np.datetime64("2025-06-25")
    assert refused[peak].mean() > refused[ordinary].mean()


# -- 6. returns and short picks ---------------------------------------------------------


def test_only_delivered_picked_lines_are_returned(tables):
    shipments = latest(tables["shipments"], "shipment_id")
    delivered = set(column(shipments, "order_id")[column(shipments, "status") == "delivered"])
    returns = tables["returns"]
    assert set(column(returns, "order_id")) <= delivered
    short = set(column(tables["picking_exceptions"], "order_line_id"))
    assert short and not short & set(column(returns, "order_line_id"))
    lines = tables["order_lines"]
    accepted = lines.filter(pc.equal(lines.column("line_status"), "accepted"))
    remaining = Counter(
        o
        for o, line in zip(
            column(accepted, "order_id"), column(accepted, "order_line_id"), strict=True
        )
        if line not in short
    )
    nothing_to_ship = set(column(tables["picking_exceptions"], "order_id")) - set(remaining)
    assert not nothing_to_ship & set(column(shipments, "order_id"))
    line_quantity = dict(
        zip(column(lines, "order_line_id"), column(lines, "quantity"), strict=True)
    )
    assert all(
        q <= line_quantity[line]
        for line, q in zip(
            column(returns, "order_line_id"), column(returns, "quantity"), strict=True
        )
    )


# -- 7. partitions ----------------------------------------------------------------------


def test_every_record_sits_in_the_partition_of_its_local_day(tables):
    for name, table in TABLES.items():
        data = tables[name]
        partition = column(data, "_partition")
        if name in MONTHLY:
            month = column(data, "report_month")
            assert (month == np.datetime64("2025-05-01")).all() and (
                partition == np.datetime64("2025-06-05")
            ).all()
            continue
        time = table.event_time or table.updated_at
        if table.column(time).type == "date":
            day = column(data, time)
        else:
            day = column(pa.table({"d": local_date(data.column(time))}), "d")
        matches = day == partition
        if name == "sku_costs":  # the first export also carries the history of earlier costs
            matches |= (partition == np.datetime64(START)) & (day < np.datetime64(START))
        assert matches.all(), name


# -- 8. order arithmetic and prices -----------------------------------------------------


def test_order_amounts_add_up(tables):
    orders, lines = tables["orders"], tables["order_lines"]
    accepted = column(lines, "line_status") == "accepted"
    amount = column(lines, "line_amount")
    assert (
        amount[accepted] == (column(lines, "quantity") * column(lines, "unit_price"))[accepted]
    ).all()
    assert (amount[~accepted] == 0).all()
    assert (column(lines, "unit_price") <= column(lines, "unit_list_price")).all()
    order_ids = column(orders, "order_id")
    position = np.searchsorted(np.sort(order_ids), column(lines, "order_id"))
    items = np.bincount(position, amount, minlength=len(order_ids)).astype(np.int64)
    assert (column(orders, "items_amount")[np.argsort(order_ids)] == items).all()
    assert (
        column(orders, "order_total")
        == column(orders, "items_amount") + column(orders, "shipping_fee")
    ).all()
    commissions = tables["partner_commissions"]
    assert (column(commissions, "commission_amount") > 0).all()


def test_prices_follow_the_promotion_and_the_coupon(tables):
    orders, lines = tables["orders"], tables["order_lines"]
    campaigns = latest(tables["campaigns"], "campaign_id")
    rates = dict(
        zip(column(campaigns, "campaign_code"), column(campaigns, "discount_rate"), strict=True)
    )
    order_ids = column(orders, "order_id")
    code = lookup(order_ids, column(orders, "campaign_code"), column(lines, "order_id"))
    rate = np.array([0.0 if c is None else rates[c] for c in code])
    discounted = np.round(column(lines, "unit_list_price") * (1 - rate)).astype(np.int64)
    accepted = column(lines, "line_status") == "accepted"
    assert (column(lines, "unit_price")[~accepted] == discounted[~accepted]).all()

    coupons = latest(tables["coupons"], "coupon_code")
    coupon = {c: i for i, c in enumerate(column(coupons, "coupon_code"))}
    amount_off, minimum = column(coupons, "discount_amount"), column(coupons, "minimum_spend")
    position = lookup(order_ids, np.arange(len(order_ids)), column(lines, "order_id"))
    quantity = column(lines, "quantity")
    before = np.bincount(position, np.where(accepted, quantity * discounted, 0), len(order_ids))
    single = np.bincount(position, accepted & (quantity == 1), len(order_ids)) > 0
    items = column(orders, "items_amount")
    day = column(orders, "_partition")
    for i, code in enumerate(column(orders, "coupon_code")):
        if code is None:
            assert items[i] == before[i]
            continue
        c = coupon[code]
        assert before[i] >= minimum[c]
        assert column(coupons, "valid_from")[c] <= day[i] <= column(coupons, "valid_to")[c]
        if single[i]:
            assert before[i] - items[i] == amount_off[c]
        else:
            assert 0 <= amount_off[c] - (before[i] - items[i]) < quantity[position == i].sum()


# -- 9. visits, marketing and realism ---------------------------------------------------


def visit_starts(events: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Visits derived like the warehouse will: a visitor's events with gaps under 30
    minutes. Returns the order of events by visitor and time, and in that order whether
    each event starts a visit."""
    visitor, at = column(events, "visitor_id"), column(events, "event_at")
    order = np.lexsort((at, visitor))
    visitor, at = visitor[order], at[order]
    return order, np.r_[True, (visitor[1:] != visitor[:-1]) | (np.diff(at) > 30 * 60 * 10**6)]


def visits_of(events: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each visit's local start day, page views and orders."""
    order, new = visit_starts(events)
    visit = np.cumsum(new) - 1
    event_type = column(events, "event_type")[order]
    views = np.bincount(visit, event_type == "page_view")
    orders = np.bincount(visit, event_type == "order_submit")
    starts = events.column("event_at").take(pa.array(order[new]))
    return column(pa.table({"d": local_date(starts)}), "d"), views, orders


def test_traffic_and_conversion_look_like_a_shop(tables):
    start, views, orders = visits_of(tables["events"])
    days, visits = np.unique(start, return_counts=True)
    promotion = (days >= np.datetime64("2025-05-29")) & (days <= np.datetime64("2025-06-18"))
    ordinary = np.isin(start, days[~promotion])
    assert 0.015 <= orders[ordinary].sum() / ordinary.sum() <= 0.06
    assert visits[days == np.datetime64("2025-06-18")][0] > 1.5 * np.median(visits)
    assert 0.25 <= (views == 1).mean() <= 0.6


def test_random_outage_windows_are_the_probe_failures_they_cause(tmp_path):
    """On 20 days of a small shop with five outage windows (seed 5), outages() (what the
    incident benchmark labels) replays the probes' own draws: every probe inside a window
    fails (only the checkout's for a checkout outage), and the days with a window are
    exactly the days with four checkout probes in a row failed (a window lasts at least 10
    minutes: two probes of each of the two locations probing the checkout; random failures
    alone: about 0.003 ** 4 a day)."""
    days, seed = 20, 5
    simulate(tmp_path, START, days, scale=0.02, seed=seed)
    probes = pa.concat_tables(
        read_file(path, TABLES["probes"]) for path in files_of(tmp_path, TABLES["probes"])
    )
    at = column(probes, "probed_at") // 1_000_000  # seconds since the epoch, UTC
    success = column(probes, "is_success")
    page = column(probes, "page_type")
    zone = ZoneInfo(CONTRACT.timezone)
    midnight = {
        day: int(dt.datetime.combine(date, dt.time(), zone).timestamp())
        for day, date in enumerate(DATES[:days])
    }
    windows = outages(seed, days)
    assert len(windows) == 5
    for outage in windows:
        start = midnight[outage.day] + outage.start
        inside = (at >= start) & (at < start + outage.seconds)
        if outage.checkout_only:
            inside &= page == "checkout"
        assert inside.sum() >= 4
        assert not success[inside].any()
    checkout = np.flatnonzero(page == "checkout")
    checkout = checkout[np.argsort(at[checkout], kind="stable")]
    failed = ~success[checkout].astype(bool)
    run_end = np.convolve(failed, np.ones(4, dtype=int), "valid") == 4
    days_down = {(int(t) - midnight[0]) // 86_400 for t in at[checkout][:-3][run_end]}
    assert days_down == {outage.day for outage in windows}


def test_only_landing_page_views_carry_utm_parameters(tables):
    events = tables["events"]
    order, new = visit_starts(events)
    tagged = pc.is_valid(events.column("utm_source")).to_numpy(zero_copy_only=False)[order]
    assert tagged.any() and not (tagged & ~new).any()
    assert (column(events, "event_type")[order][new] == "page_view").all()


def test_ad_clicks_cover_the_landings_they_brought(tables):
    events, spend = tables["events"], tables["ad_spend"]
    campaigns = latest(tables["campaigns"], "campaign_id")
    ids = dict(
        zip(column(campaigns, "campaign_code"), column(campaigns, "campaign_id"), strict=True)
    )
    landed = events.filter(pc.is_valid(events.column("utm_campaign")))
    landings = Counter(
        zip(
            column(landed, "_partition"),
            [ids[c] for c in column(landed, "utm_campaign")],
            strict=True,
        )
    )
    clicks = dict(
        zip(
            zip(column(spend, "spend_date"), column(spend, "campaign_id"), strict=True),
            column(spend, "clicks"),
            strict=True,
        )
    )
    placements = {key for key in landings if key[1] in set(column(spend, "campaign_id"))}
    assert placements and all(clicks[key] >= landings[key] for key in placements)
    assert (column(spend, "impressions") > column(spend, "clicks")).all()


# -- the entry points -------------------------------------------------------------------


def test_reported_row_counts_match_the_files(tmp_path):
    rows = simulate(tmp_path, START, 3, scale=SCALE, seed=SEED)
    assert rows.keys() == TABLES.keys()
    for name, table in TABLES.items():
        assert rows[name] == sum(len(read_file(p, table)) for p in files_of(tmp_path, table))


def test_command_line_writes_a_landing_tree_and_rejects_bad_arguments(tmp_path, capsys):
    assert (
        main(
            [
                "--start",
                "2025-03-01",
                "--days",
                "2",
                "--scale",
                "0.05",
                "--out",
                str(tmp_path),
                "--no-progress",
            ]
        )
        == 0
    )
    assert f"rows in {len(TABLES)} tables" in capsys.readouterr().out  # every contract table
    assert len(files_of(tmp_path, TABLES["orders"])) == 2
    with pytest.raises(SystemExit):
        main(["--days", "0", "--out", str(tmp_path / "never")])
    assert not (tmp_path / "never").exists()


def test_command_line_help_lists_each_profile_with_its_description_as_written(capsys, monkeypatch):
    """--help names every profile with its description; a "%" in one (the seasonal shop's
    "70 %") is printed as written, not taken for a format of argparse's."""
    monkeypatch.setenv("COLUMNS", "10000")  # argparse's width: no line wrapped
    with pytest.raises(SystemExit):
        main(["--help"])
    printed = " ".join(capsys.readouterr().out.split())
    for name, profile in PROFILES.items():
        assert printed.count(f"{name}: {' '.join(profile.description.rstrip('.').split())}") == 1
    assert printed.count("70 % after its peak") == 1


# -- profiles ---------------------------------------------------------------------------


def test_orders_only_profile_writes_the_order_system_alone_as_the_demo_shop_has_it(tmp_path):
    """The orders-only shop delivers exactly the order-system tables; apart from the orders'
    coupon and campaign codes (cleared: it has no marketing system), every file it writes
    is byte for byte the demo shop's of the same seed."""
    demo, orders_only = tmp_path / "demo", tmp_path / "orders-only"
    simulate(demo, START, 3, scale=SCALE, seed=SEED)
    assert main([*_short_run(orders_only), "--profile", "orders-only"]) == 0
    written = {
        f"{path.parent.parent.parent.name}.{path.parent.parent.name}"
        for path in orders_only.rglob("part-*")
    }
    assert written == ORDER_SYSTEM_TABLES
    demo_digests, own = digests(demo), digests(orders_only)
    for path, digest in own.items():
        if "/orders/" not in path:
            assert digest == demo_digests[path], path
    table, codes = TABLES["orders"], ("coupon_code", "campaign_code")
    kept = [name for name in table.column_names if name not in codes]
    demo_codes = 0
    for path in files_of(orders_only, table):
        data = read_file(path, table)
        theirs = read_file(demo / path.relative_to(orders_only), table)
        assert all(data.column(name).null_count == len(data) for name in codes), path
        assert data.select(kept).equals(theirs.select(kept)), path
        demo_codes += sum(len(theirs) - theirs.column(name).null_count for name in codes)
    assert demo_codes > 0
    with pytest.raises(SystemExit):
        main([*_short_run(tmp_path / "never"), "--profile", "no-such-shop"])
    assert not (tmp_path / "never").exists()


def _short_run(out: Path) -> list[str]:
    return [
        "--start",
        START.isoformat(),
        "--days",
        "3",
        "--scale",
        str(SCALE),
        "--seed",
        str(SEED),
        "--out",
        str(out),
        "--no-progress",
    ]
