"""The Dagster pipeline end to end: gates stop bad loads, and publish shows only good ones.

A tiny shop is built once through the whole graph (ingest → raw suites → dbt layers → marts
suite → publish). Each defect case then copies that state, damages one day's landing
files, re-runs that day, and asserts: the matching gate failed with its rule named, nothing
downstream of it materialized, and the published warehouse is byte-for-byte the previous one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from dagster import DagsterEventType

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.run import run_days
from orchestration.simulator import simulate

START = dt.date(2025, 6, 10)
DAYS = 10
DEFECT_DAY = dt.date(2025, 6, 17)
CONTRACT = load_contract()


def use_shop(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setenv("SHOP_LANDING_DIR", str(root / "landing"))
    monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(root / "warehouse" / "shop.duckdb"))
    monkeypatch.setenv("SHOP_PUBLISHED_DIR", str(root / "published"))
    monkeypatch.setenv("SHOP_FIRST_DAY", str(START))


def materialized(result) -> set[str]:
    return {
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }


def failed_checks(result) -> dict[str, str]:
    return {
        f"{e.event_specific_data.asset_key.to_user_string()}:{e.event_specific_data.check_name}": (
            e.event_specific_data.description or ""
        )
        for e in result.all_events
        if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
        and not e.event_specific_data.passed
    }


def breaking_samples(result, gate: str) -> dict[str, list]:
    """The sample rows a failed raw suite attached, by rule."""
    for event in result.all_events:
        data = event.event_specific_data
        if (
            event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
            and f"{data.asset_key.to_user_string()}:{data.check_name}" == gate
        ):
            return data.metadata["breaking_rows_sample"].value
    return {}


def published_fingerprint(root: Path) -> tuple[str, str]:
    current = root / "published" / "current.duckdb"
    return str(current.resolve().name), hashlib.sha256(current.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pipeline")
    simulate(root / "landing", START, DAYS, scale=0.03, seed=5)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_shop(monkeypatch, root)
        result = run_days(START, START + dt.timedelta(days=DAYS - 1))
    assert result.success, failed_checks(result)
    return root


def test_full_run_materializes_every_layer_and_publishes(built_shop: Path) -> None:
    version, _ = published_fingerprint(built_shop)
    assert version == "shop_v000001.duckdb"
    con = duckdb.connect(str(built_shop / "published" / "current.duckdb"), read_only=True)
    schemas = {row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    (orders,) = con.execute("select count(*) from marts.fct_orders").fetchall()[0]
    con.close()
    assert {"marts", "reference", "meta"} <= schemas
    assert not schemas & {"raw", "staging", "intermediate"}
    raw = duckdb.connect(str(built_shop / "warehouse" / "shop.duckdb"), read_only=True)
    (raw_orders,) = raw.execute("select count(distinct order_id) from raw.orders").fetchall()[0]
    raw.close()
    assert orders == raw_orders > 0


def _rewrite(root: Path, source: str, table: str, change: Callable[[pa.Table], pa.Table]) -> None:
    spec = CONTRACT.table(source, table)
    directory = spec.landing_dir(root / "landing", DEFECT_DAY)
    (path,) = sorted(directory.iterdir())
    if path.suffix == ".parquet":
        data = pq.read_table(path)
    else:
        encoding = CONTRACT.source(source).csv_encoding
        data = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(encoding=encoding),
            convert_options=pa_csv.ConvertOptions(
                column_types={c.name: c.arrow_type for c in spec.columns},
                strings_can_be_null=True,
            ),
        )
    path.unlink()
    write_landing_file(root / "landing", spec, DEFECT_DAY, change(data))


def _set(data: pa.Table, column: str, row: int, value) -> pa.Table:
    values = data.column(column).to_pylist()
    values[row] = value
    index = data.column_names.index(column)
    return data.set_column(index, column, pa.array(values, data.schema.field(column).type))


def duplicate_orders(root: Path) -> None:
    _rewrite(root, "shop", "orders", lambda data: pa.concat_tables([data, data.slice(0, 2)]))


def null_key(root: Path) -> None:
    _rewrite(root, "shop", "order_lines", lambda data: _set(data, "order_line_id", 0, None))


def negative_amount(root: Path) -> None:
    _rewrite(root, "shop", "payments", lambda data: _set(data, "amount", 0, -50))


def orphan_sku(root: Path) -> None:
    _rewrite(root, "shop", "order_lines", lambda data: _set(data, "sku_id", 0, "SKU-UNKNOWN"))


def missing_web_events(root: Path) -> None:
    _rewrite(root, "web", "events", lambda data: data.slice(0, 0))


def stale_web_events(root: Path) -> None:
    """The day's web export is yesterday's file again."""
    events = CONTRACT.table("web", "events")
    today = events.landing_dir(root / "landing", DEFECT_DAY) / "part-0000.parquet"
    yesterday = events.landing_dir(root / "landing", DEFECT_DAY - dt.timedelta(days=1))
    shutil.copyfile(yesterday / "part-0000.parquet", today)


def delivered_before_shipped(root: Path) -> None:
    def change(data: pa.Table) -> pa.Table:
        delivered = pc.equal(data.column("status"), "delivered").to_pylist().index(True)
        shipped_at = data.column("shipped_at")[delivered].as_py()
        return _set(data, "delivered_at", delivered, shipped_at - dt.timedelta(hours=5))

    _rewrite(root, "wms", "shipments", change)


# defect → (damage, the asset (and check) whose check must fail, the rule it must name)
DEFECTS = {
    "duplicate orders": (duplicate_orders, "raw/orders:raw_suite", "duplicate_key"),
    "null key": (null_key, "raw/order_lines:raw_suite", "null_key"),
    "negative amount": (negative_amount, "raw/payments:raw_suite", "bad_amount_amount"),
    "orphan sku": (orphan_sku, "raw/order_lines:raw_suite", "orphan_sku_id"),
    "missing web events": (missing_web_events, "raw/events:raw_suite", "volume_ratio"),
    "stale web events": (stale_web_events, "raw/events:raw_suite", "stale_hours"),
    "delivered before shipped": (
        delivered_before_shipped,
        "marts/fct_shipments:",
        "delivery_hours",
    ),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_gate_stops_defect_and_published_warehouse_is_unchanged(
    defect: str, built_shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    damage, gate, rule = DEFECTS[defect]
    root = tmp_path / "shop"
    shutil.copytree(built_shop, root, symlinks=True)
    use_shop(monkeypatch, root)
    before = published_fingerprint(root)
    damage(root)

    result = run_days(DEFECT_DAY, DEFECT_DAY)

    assert not result.success
    failures = failed_checks(result)
    stopped = [f"{key} {text}" for key, text in failures.items() if key.startswith(gate)]
    assert any(rule in failure for failure in stopped), failures
    done = materialized(result)
    assert "published/warehouse" not in done
    if gate.startswith("raw/"):
        # only dimensions built from seeds alone (no raw input) may still refresh
        downstream = ("staging/", "intermediate/", "marts/fct_", "marts/dim_customer")
        assert not {key for key in done if key.startswith(downstream)}
        if rule not in ("volume_ratio", "stale_hours"):  # row rules show the rows that broke them
            assert breaking_samples(result, gate)[rule]
    assert published_fingerprint(root) == before


def test_readers_keep_working_through_a_refresh_and_then_see_the_new_version(
    built_shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(built_shop, root, symlinks=True)
    use_shop(monkeypatch, root)
    current = root / "published" / "current.duckdb"
    held = duckdb.connect(str(current), read_only=True)  # opened before the refresh
    (before,) = held.execute("select count(*) from meta.publications").fetchall()[0]
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def read_in_a_loop() -> None:
        while not stop.is_set():
            try:
                con = duckdb.connect(str(current), read_only=True)
                (versions,) = con.execute("select count(*) from meta.publications").fetchall()[0]
                con.execute("select sum(gmv) from marts.fct_orders").fetchall()
                con.close()
                seen.add(versions)
            except BaseException as error:  # any reader error fails the test
                errors.append(error)
            stop.wait(0.05)

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        result = run_days(DEFECT_DAY, DEFECT_DAY)
    finally:
        stop.set()
        reader.join()
    assert result.success
    assert errors == []
    assert held.execute("select count(*) from meta.publications").fetchall()[0][0] == before
    held.close()
    assert seen <= {before, before + 1} and before in seen
    fresh = duckdb.connect(str(current), read_only=True)
    assert fresh.execute("select count(*) from meta.publications").fetchall()[0][0] == before + 1
    fresh.close()
    assert published_fingerprint(root)[0] == "shop_v000002.duckdb"
