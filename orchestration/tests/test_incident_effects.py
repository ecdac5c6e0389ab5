"""The simulator's incident kinds move their expected root indicator by what ``KINDS`` says
(orchestration/simulator/incidents.py: ``Incident.expected_effect``), measured by a second
route: the same small shop simulated with and without the incidents (an incident draws its
extra random numbers from streams of its own, so the rest of the shop is the same), the root
indicator recomputed from the landing files by the catalog's definition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.simulator.catalogue import L1_NAMES, Catalogue
from orchestration.simulator.clock import Clock
from orchestration.simulator.engine import simulate
from orchestration.simulator.incidents import Incident

START, DAYS, SCALE, SEED = dt.date(2025, 4, 1), 36, 0.1, 5
#: Relative tolerance on the effect: the held or stalled units are a random share.
TOLERANCE = 0.25
STALL = Incident("warehouse_stall", dt.date(2025, 5, 1), "WH-SH", 0.5)
STOCKOUT = Incident("category_stockout", dt.date(2025, 5, 4), "服装", 0.6)
OUTAGE = Incident("payment_outage", dt.date(2025, 4, 24))
#: Every order of the device with the most payments, two days: no sampling, so its effect
#: is exact (every attempt of those days fails but a payment minutes past midnight).
CHECKOUT = Incident("checkout_failure", dt.date(2025, 4, 28), "mobile", 1.0, days=2)


@pytest.fixture(scope="module")
def shops(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incident_effects")
    simulate(root / "quiet", START, DAYS, scale=SCALE, seed=SEED)
    incidents = (STALL, STOCKOUT, OUTAGE, CHECKOUT)
    simulate(root / "incidents", START, DAYS, scale=SCALE, seed=SEED, incidents=incidents)
    return root / "quiet", root / "incidents"


def landed(landing: Path, source: str, table: str) -> str:
    return f"read_csv('{landing}/{source}/{table}/*/*.csv', header = true)"


def warehouse_processing_h(landing: Path, warehouse: str, day: dt.date) -> float:
    """Mean hours from the start of fulfilment (payment, the order for cash on delivery) to
    shipping of the warehouse's parcels of the orders placed on ``day`` (shop time)."""
    query = f"""
        with paid as (
            select order_id, min(attempted_at) as paid_at
            from {landed(landing, "shop", "payments")} where status = 'success' group by 1
        ),
        parcels as (
            select shipment_id, arg_max(shipped_at, updated_at) as shipped_at,
                   any_value(order_id) as order_id, any_value(warehouse_id) as warehouse_id
            from {landed(landing, "wms", "shipments")} group by 1
        )
        select avg(epoch(parcels.shipped_at) - epoch(
            case when orders.payment_method = 'cod' then orders.placed_at else paid.paid_at end
        )) / 3600
        from parcels
        join {landed(landing, "shop", "orders")} as orders using (order_id)
        left join paid using (order_id)
        where parcels.warehouse_id = ? and parcels.shipped_at is not null
          and cast(timezone('Asia/Shanghai', orders.placed_at) as date) = ?
    """
    return duckdb.connect().execute(query, [warehouse, day]).fetchone()[0]


def sku_diversity(landing: Path, category: str, day: dt.date) -> int:
    """SKUs of the level 1 category (the simulator's catalogue) in stock in any warehouse at
    the end of ``day``."""
    query = f"""
        select count(*) from (
            select sku_id from {landed(landing, "wms", "inventory_snapshots")}
            where snapshot_date = ? and sku_id in (select unnest(?))
            group by sku_id having sum(system_quantity) > 0
        )
    """
    catalogue = Catalogue(SEED, SCALE, Clock(START, DAYS, "Asia/Shanghai"))
    skus = [
        sku
        for sku, l1 in zip(catalogue.sku_ids.to_pylist(), catalogue.l1, strict=True)
        if L1_NAMES[l1] == category
    ]
    return duckdb.connect().execute(query, [day, skus]).fetchone()[0]


def payment_success_rate(landing: Path, device: str | None, days: list[dt.date]) -> float:
    """Successful payment-result events / payment-result events of the click-stream (all
    devices, or ``device``) on ``days`` (shop time)."""
    query = f"""
        select avg(case when is_success then 1.0 else 0.0 end)
        from read_parquet('{landing}/web/events/*/*.parquet')
        where event_type = 'payment_result' and (? is null or device = ?)
          and cast(timezone('Asia/Shanghai', event_at) as date) in (select unnest(?))
    """
    return duckdb.connect().execute(query, [device, device, days]).fetchone()[0]


def incident_days(incident: Incident) -> list[dt.date]:
    return [incident.date + dt.timedelta(days=n) for n in range(incident.days)]


@pytest.mark.parametrize(
    ("incident", "root", "tolerance"),
    [
        (STALL, lambda landing, i: warehouse_processing_h(landing, i.target, i.date), TOLERANCE),
        (STOCKOUT, lambda landing, i: sku_diversity(landing, i.target, i.date), TOLERANCE),
        (
            OUTAGE,
            lambda landing, i: payment_success_rate(landing, None, incident_days(i)),
            TOLERANCE,
        ),
        (
            CHECKOUT,
            lambda landing, i: payment_success_rate(landing, i.target, incident_days(i)),
            0.05,
        ),
    ],
    ids=["warehouse_stall", "category_stockout", "payment_outage", "checkout_failure"],
)
def test_an_incident_moves_its_root_by_its_expected_effect(
    shops, incident, root, tolerance
) -> None:
    quiet, injected = shops
    before = root(quiet, incident)
    after = root(injected, incident)
    expected = incident.expected_effect(None, 0)
    assert after / before - 1 == pytest.approx(expected, rel=tolerance)
