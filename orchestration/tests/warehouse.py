"""Reading what tests check: a warehouse file (one read-only connection per query, closed
after it) and the landing files themselves (a second route to the same numbers)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow.csv as pa_csv
import pytest
from dagster import ExecuteInProcessResult

from orchestration.contract import SHOP_SETTINGS_PATH, load_contract
from orchestration.ingest import ingest
from orchestration.ingest.loader import connect
from orchestration.publish.publisher import publish
from orchestration.quality.quarantine import CHECKS_TABLE, record_check
from orchestration.quality.raw_checks import broken_rules, failed_days
from orchestration.quality.raw_suites import measure, raw_rules
from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.simulator.profiles import get_profile
from orchestration.transform import run_dbt

#: The small shops of the pipeline and engine tests: their first day and number of days, and
#: the export day the pipeline tests run again (damaged, repeated or killed).
SHOP_START, SHOP_DAYS = dt.date(2025, 6, 10), 10
RERUN_DAY = SHOP_START + dt.timedelta(days=7)
#: The headline indicators every engine must compute alike, and the query that reads them.
HEADLINE = (
    "page_views", "unique_visitors", "visits", "bounce_rate", "order_conversion_rate",
    "valid_orders", "gmv", "net_sales", "aov", "gross_margin", "return_rate",
    "order_to_receipt_h", "new_customers", "marketing_cost", "roi",
)  # fmt: skip
HEADLINE_VALUES = (
    "select indicator_code, grain, cast(period_start as string), indicator_value "
    "from marts.fct_indicator_values where slice_dimension = 'all' and indicator_code in ({})"
).format(", ".join(f"'{code}'" for code in HEADLINE))


def shop_on_duckdb(
    root: Path, start: dt.date, days: int, scale: float, seed: int, incidents: tuple = ()
) -> Path:
    """A simulated shop under ``root`` (with the simulator's ``incidents``), ingested and
    built on DuckDB (seeds and models only: test_warehouse_build runs the dbt tests); its
    warehouse file."""
    landing, duckdb_file = root / "landing", root / "warehouse" / "shop.duckdb"
    duckdb_file.parent.mkdir(parents=True, exist_ok=True)
    simulate(landing, start=start, days=days, scale=scale, seed=seed, incidents=incidents)
    assert ingest(duckdb_file, landing).ok
    pass_raw_gate(duckdb_file)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHOP_WAREHOUSE_PATH", str(duckdb_file))
        assert run_dbt(["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"])
    return duckdb_file


def pass_raw_gate(database: Path) -> None:
    """Check every loaded partition with the raw gate (over each table's loaded days, as a
    full run checks them) and record the outcome, which must be a pass: the shop is then as
    a full run leaves it, and later runs over some days do not wait for the others."""
    con = connect(database)
    try:
        for table in load_contract().tables:
            ((first, last),) = con.execute(
                f"select min(partition_date), max(partition_date) from {CHECKS_TABLE} "
                "where table_name = ?",
                [table.name],
            ).fetchall()
            if first is None:
                continue
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            broken = broken_rules(raw_rules(table), measure(con, table, first, last))
            assert not broken, (table.name, failed_days(con, table, days, "; ".join(broken)))
            record_check(con, table.name, days, {})
    finally:
        con.close()


def use_shop(monkeypatch: pytest.MonkeyPatch, root: Path, first_day: dt.date) -> None:
    """Point the pipeline's settings at a shop laid out under ``root`` as the helpers here
    lay it out (landing/, warehouse/shop.duckdb, published/)."""
    monkeypatch.setenv("SHOP_LANDING_DIR", str(root / "landing"))
    monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(root / "warehouse" / "shop.duckdb"))
    monkeypatch.setenv("SHOP_PUBLISHED_DIR", str(root / "published"))
    monkeypatch.setenv("SHOP_FIRST_DAY", str(first_day))


#: What a run's console output must never show: dbt's node and summary lines, Dagster's log
#: lines, library warnings.
CONSOLE_NOISE = re.compile(
    r"\d+ of \d+ (START|OK|PASS|ERROR|FAIL)|Running with dbt|Finished running|Done\. PASS"
    r"|dagster - (DEBUG|INFO|WARNING|ERROR)|Warning\b|warnings\.warn"
)


def run_as_command(
    monkeypatch: pytest.MonkeyPatch, root: Path, first: dt.date, last: dt.date
) -> tuple[ExecuteInProcessResult, str]:
    """Run the days of a shop laid out by ``use_shop`` as ``make run`` runs them: recorded in
    the shop's own Dagster instance (``root``/dagster_home), logged under ``root``/logs;
    the result and what the run printed (its stages, then its problems and report)."""
    from orchestration.demo import conclude
    from orchestration.run import project_instance, run_logged

    monkeypatch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
    monkeypatch.setenv("SHOP_LOG_DIR", str(root / "logs"))
    terminal = io.StringIO()
    started = time.perf_counter()
    result, log = run_logged(first, last, project_instance(), terminal)
    conclude(result, log, time.perf_counter() - started, terminal)
    return result, terminal.getvalue()


def shop_environment(root: Path, first_day: dt.date, settings_file: Path) -> dict[str, str]:
    """The environment of a pipeline process (``python -m orchestration.run``) for a shop laid
    out under ``root`` as ``use_shop`` lays it out, with its own settings file."""
    return {
        **os.environ,
        "SHOP_SETTINGS_FILE": str(settings_file),
        "SHOP_LANDING_DIR": str(root / "landing"),
        "SHOP_WAREHOUSE_PATH": str(root / "warehouse" / "shop.duckdb"),
        "SHOP_PUBLISHED_DIR": str(root / "published"),
        "SHOP_FIRST_DAY": str(first_day),
    }


def run_pipeline(
    root: Path, first_day: dt.date, settings_file: Path
) -> subprocess.CompletedProcess:
    """``python -m orchestration.run`` for the shop under ``root``, a process of its own
    reading ``settings_file``, as a shop runs it; its exit code and output."""
    return subprocess.run(
        [sys.executable, "-m", "orchestration.run"],
        env=shop_environment(root, first_day, settings_file),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def profile_shop(
    root: Path,
    profile: str,
    start: dt.date,
    days: int,
    scale: float,
    settings_file: Path | None = None,
) -> Path:
    """A shop of a simulator profile under ``root`` (laid out as ``use_shop`` lays it out),
    simulated and run through the whole pipeline, which must publish; ``root``. With a
    settings file (the shop's shop.yml) the simulator and the run are processes of their
    own reading it, as a shop runs them; without, both run here on the demo's settings."""
    landing, last = root / "landing", start + dt.timedelta(days=days - 1)
    if settings_file is None:
        simulate(landing, start, days, scale=scale, seed=5, profile=get_profile(profile))
        with pytest.MonkeyPatch.context() as monkeypatch:
            use_shop(monkeypatch, root, start)
            result = run_days(start, last)
        assert result.success, problems(result)
        return root
    simulator = [
        sys.executable, "-m", "orchestration.simulator", "--profile", profile,
        "--start", str(start), "--days", str(days), "--scale", str(scale), "--seed", "5",
        "--out", str(landing), "--no-progress",
    ]  # fmt: skip
    environment = shop_environment(root, start, settings_file)
    subprocess.run(simulator, env=environment, cwd=PROJECT_ROOT, check=True)
    run = run_pipeline(root, start, settings_file)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return root


def published_file(root: Path) -> Path:
    """The version file a shop's ``published/current.duckdb`` points to."""
    return (root / "published" / "current.duckdb").resolve()


def fingerprint(root: Path) -> tuple[str, str]:
    """The published version's file name and content hash."""
    current = published_file(root)
    return current.name, hashlib.sha256(current.read_bytes()).hexdigest()


def small_shop_on_duckdb(root: Path) -> Path:
    """The small shop the engine-parity tests share (SHOP_DAYS days from SHOP_START)."""
    return shop_on_duckdb(root, SHOP_START, days=SHOP_DAYS, scale=0.05, seed=11)


def published_shop(root: Path, start: dt.date, days: int, seed: int = 11) -> Path:
    """A shop built on DuckDB and published once, as readers get it: the published
    directory (``current.duckdb`` and its version)."""
    published = root / "published"
    publish(shop_on_duckdb(root, start, days, scale=0.03, seed=seed), published, run_id="test")
    return published


def assert_same_headline(on_duckdb: list[tuple], on_other: list[tuple]) -> None:
    """Rows of HEADLINE_VALUES from DuckDB and another engine: the same periods and values
    (to 1e-9: the engines sum floating point in different orders)."""
    expected = {tuple(row[:3]): row[3] for row in on_duckdb}
    actual = {tuple(row[:3]): row[3] for row in on_other}
    assert set(actual) == set(expected)
    assert {code for code, _, _ in expected} == set(HEADLINE)
    for key, value in expected.items():
        if value is None:  # a ratio over nothing (no marketing cost: no ROI)
            assert actual[key] is None, key
        else:
            assert float(actual[key]) == pytest.approx(value, rel=1e-9, abs=1e-9), key


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    """All rows of ``sql`` on ``database``, opened read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def published(root: Path, sql: str) -> list[tuple]:
    """All rows of ``sql`` on the version a shop under ``root`` has published."""
    return query(root / "published" / "current.duckdb", sql)


def monthly_values(root: Path, code: str, dimension: str = "all") -> dict:
    """A published indicator's monthly values: by month start, or by (month start, slice
    value) for a slice dimension."""
    rows = published(
        root,
        "select period_start, slice_value, indicator_value from marts.fct_indicator_values "
        f"where indicator_code = '{code}' and grain = 'month' and slice_dimension = '{dimension}'",
    )
    if dimension == "all":
        return {start: value for start, _, value in rows}
    return {(start, value_of): value for start, value_of, value in rows}


def latest(rows: list[dict], key: str) -> dict[str, dict]:
    """The latest version of each record of a table delivered as changes (by updated_at)."""
    newest: dict[str, dict] = {}
    for row in rows:
        if row[key] not in newest or row["updated_at"] >= newest[row[key]]["updated_at"]:
            newest[row[key]] = row
    return newest


def personal_values(landing: Path) -> set[str]:
    """Every customer name, email and phone the shop delivered (what must never be shown)."""
    customers = read_landed(landing, "shop", "customers")
    return {c[key] for c in customers for key in ("full_name", "email", "phone") if c[key]}


def columns_holding(database: Path, schemas: tuple[str, ...], secrets: set[str]) -> list[str]:
    """The text columns of ``schemas`` in which any value equals one of ``secrets``."""
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    con = duckdb.connect(str(database), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in ({listed}) and data_type = 'VARCHAR'"
        ).fetchall()
        con.execute("create temporary table secrets (secret varchar)")
        con.executemany("insert into secrets values (?)", [[secret] for secret in secrets])
        return [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if con.execute(
                f'select count(*) from {schema}.{table} where "{column}" in '
                "(select secret from secrets)"
            ).fetchall()[0][0]
        ]
    finally:
        con.close()


def read_landed(landing: Path, source: str, table: str, day: dt.date | None = None) -> list[dict]:
    """The landed rows of a CSV table (of one export day, or all), read straight from the
    files."""
    encoding = load_contract().source(source).csv_encoding
    pattern = f"date={day}/*.csv" if day else "date=*/*.csv"
    rows: list[dict] = []
    for path in sorted((landing / source / table).glob(pattern)):
        rows += pa_csv.read_csv(
            path, read_options=pa_csv.ReadOptions(encoding=encoding)
        ).to_pylist()
    return rows


def _first_parcels(parcels: dict[str, dict]) -> dict[str, dict]:
    """Each order's first parcel (by shipping time, then id: macro parcel_number)."""
    first: dict[str, dict] = {}
    for parcel in sorted(parcels.values(), key=lambda p: (p["shipped_at"], p["shipment_id"])):
        first.setdefault(parcel["order_id"], parcel)
    return first


def landing_figures(landing: Path, settings_file: Path | None = None) -> dict[str, dict]:
    """A shop's figures recomputed from its landing files alone (plain Python over the CSVs,
    no warehouse), by the catalog's definitions, each per month of the order's shop-local
    day; amounts in the reporting currency, converted at the rate of the order's day
    (its shop's reference/exchange_rates.csv) and rounded to the cent.

    gmv (non-test orders' items), total_orders (non-test orders), valid_orders (paid, not
    cancelled, test or fraud), net_sales (valid orders' lines less their return and
    short-pick refunds), return_rate (units returned / units delivered: accepted lines not
    short-picked whose own parcel is delivered), net sales by (month, level 1 category)
    ``category``, GMV and net sales by (month, warehouse that shipped the line, the
    order's before it ships) ``warehouse`` and ``warehouse_net_sales``, and net sales by
    (month, promotion) ``promotion`` and (month, coupon) ``coupon``: the line's code, else
    its order's (a file may leave the line's optional code columns out). A line ships in the
    parcel wms.shipment_lines lists it in; a line of an order none of whose lines are
    listed, in the order's first parcel. ``settings_file``: the shop's shop.yml (time zone,
    encodings, currencies), else the demo's."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        if settings_file is not None:
            monkeypatch.setenv("SHOP_SETTINGS_FILE", str(settings_file))
        contract = load_contract()
        zone = ZoneInfo(contract.timezone)

        def read(source: str, table: str) -> list[dict]:
            return read_landed(landing, source, table)

        orders = {row["order_id"]: row for row in read("shop", "orders")}
        lines = read("shop", "order_lines")
        paid = {r["order_id"] for r in read("shop", "payments") if r["status"] == "success"}
        cancelled = {r["order_id"] for r in read("shop", "cancellations")}
        products = latest(read("shop", "products"), "sku_id")
        returns = latest(read("shop", "returns"), "return_id")
        refunds = read("shop", "refunds")
        short = {r["order_line_id"] for r in read("wms", "picking_exceptions")}
        parcels = latest(read("wms", "shipments"), "shipment_id")
        listed = read("wms", "shipment_lines")
    rates = {}
    rates_file = (settings_file or SHOP_SETTINGS_PATH).parent / "reference" / "exchange_rates.csv"
    if rates_file.exists():
        with rates_file.open(encoding="utf-8") as file:
            for row in csv.DictReader(file):
                day = dt.date.fromisoformat(row["rate_date"])
                rates[day, row["currency"]] = Decimal(row["rate_to_reporting"])
    month, rate = {}, {}
    for order_id, order in orders.items():
        day = order["placed_at"].astimezone(zone).date()
        month[order_id] = day.replace(day=1)
        currency = order["currency"]
        rate[order_id] = Decimal(1) if currency == contract.currency else rates[day, currency]

    def money(order_id: str, amount: float) -> Decimal:
        converted = Decimal(str(amount)) * rate[order_id]
        return converted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    valid = {
        order_id
        for order_id, order in orders.items()
        if order_id in paid
        and order_id not in cancelled
        and not order["is_test"]
        and not order["is_fraud"]
    }
    line_refunds: dict[str, Decimal] = defaultdict(Decimal)
    for refund in refunds:
        if refund["order_line_id"] and refund["refund_type"] in ("return", "short_pick"):
            line_refunds[refund["order_line_id"]] += money(refund["order_id"], refund["amount"])
    returned: dict[str, int] = defaultdict(int)
    for item in returns.values():
        if item["return_type"] == "return":
            returned[item["order_line_id"]] += item["quantity"]
    carried_by = {row["order_line_id"]: parcels[row["shipment_id"]] for row in listed}
    listing = {row["order_id"] for row in listed}
    first_parcel = _first_parcels(parcels)

    names = ("gmv", "total_orders", "valid_orders", "net_sales", "returned", "delivered")
    figures: dict[str, dict] = {name: defaultdict(Decimal) for name in names}
    for name in ("category", "warehouse", "warehouse_net_sales", "promotion", "coupon"):
        figures[name] = defaultdict(Decimal)
    for order_id, order in orders.items():
        if not order["is_test"]:
            figures["gmv"][month[order_id]] += money(order_id, order["items_amount"])
            figures["total_orders"][month[order_id]] += 1
        figures["valid_orders"][month[order_id]] += order_id in valid
    for line in lines:
        order_id, line_id = line["order_id"], line["order_line_id"]
        placed = month[order_id]
        parcel = carried_by.get(line_id)
        if parcel is None and order_id not in listing:
            parcel = first_parcel.get(order_id)
        amount = money(order_id, line["line_amount"])
        warehouse = parcel["warehouse_id"] if parcel else orders[order_id]["warehouse_id"]
        if not orders[order_id]["is_test"]:
            figures["warehouse"][placed, warehouse] += amount
        fulfillable = line["line_status"] == "accepted" and line_id not in short
        if fulfillable and parcel and parcel["status"] == "delivered":
            figures["delivered"][placed] += line["quantity"]
        figures["returned"][placed] += returned[line_id]
        if order_id in valid:
            net = amount - line_refunds[line_id]
            figures["net_sales"][placed] += net
            figures["category"][placed, products[line["sku_id"]]["category_l1"]] += net
            figures["warehouse_net_sales"][placed, warehouse] += net
            order = orders[order_id]
            for name, code in (("promotion", "campaign_code"), ("coupon", "coupon_code")):
                if line.get(code) or order[code]:
                    figures[name][placed, line.get(code) or order[code]] += net
    figures["return_rate"] = {
        key: figures["returned"][key] / figures["delivered"][key] for key in figures["delivered"]
    }
    return figures


def assert_equal_figures(published_values: dict, expected: dict) -> None:
    """The same keys with a value other than zero, and each published value (a double) the
    exact figure to 12 digits."""
    expected = {key: value for key, value in expected.items() if value}
    published_values = {key: value for key, value in published_values.items() if value}
    assert published_values.keys() == expected.keys()
    for key, value in expected.items():
        assert float(published_values[key]) == pytest.approx(float(value), rel=1e-12), key
