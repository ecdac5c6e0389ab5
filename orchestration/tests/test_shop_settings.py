"""A shop's own settings (shop.yml and its reference seeds) and the usd-us shop end to end.

The usd-us shop (simulator profile usd-us) is a US shop in New York time, reporting in USD
with every fifth order in MXN, UTF-8 everywhere, with its own payment methods and carriers.
It runs through the whole pipeline as a shop would run it (the simulator, then
``python -m orchestration.run``, each a process of its own with ``SHOP_SETTINGS_FILE``),
and its published figures are recomputed from the landing files by a second route: pyarrow
and Python, converting each MXN order at the rate of its New York day read from the seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow.csv as pa_csv
import pytest
import yaml

from orchestration.contract import SHOP_SETTINGS_PATH, _load_shop, load_contract
from orchestration.quality.raw_suites import _accepted_values_description
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.usd_us import SETTINGS as USD_US
from orchestration.tests.warehouse import shop_environment

#: Two shop-local months, at a scale whose days hold enough orders for the volume rule.
START, DAYS, SCALE = dt.date(2025, 5, 20), 14, "0.1"


def test_demo_settings_are_the_dbt_defaults() -> None:
    """dbt run by hand (docs, lint) falls back to the demo shop's settings: they must be
    shop.yml's, or hand-run dbt would build another shop."""
    project = (PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8")
    for name, value in _load_shop(SHOP_SETTINGS_PATH).dbt_environment().items():
        assert f"env_var('{name}', '{value}')" in project, name


def test_unknown_code_message_names_the_seed_to_extend() -> None:
    column = load_contract().table("shop", "orders").column("payment_method")
    message = _accepted_values_description(column)
    assert message == (
        "payment_method holds only codes of seed payment_methods (alipay, wechat_pay, "
        "union_pay, credit_card, cod): add a new code as a row of "
        f"{SHOP_SETTINGS_PATH.parent / 'reference' / 'payment_methods.csv'}"
    )


def test_usd_us_settings_give_its_codes_currencies_and_encodings(monkeypatch) -> None:
    monkeypatch.setenv("SHOP_SETTINGS_FILE", str(USD_US))
    contract = load_contract()
    assert (contract.timezone, contract.currency) == ("America/New_York", "USD")
    assert contract.table("shop", "orders").column("currency").accepted_values == ("USD", "MXN")
    assert contract.table("wms", "shipments").column("carrier").accepted_values == (
        "fedex", "ups", "usps", "ontrac",
    )  # fmt: skip
    assert contract.source("shop").csv_encoding == "utf-8"
    monkeypatch.delenv("SHOP_SETTINGS_FILE")
    assert load_contract().source("shop").csv_encoding == "gbk"


# --- the usd-us shop end to end -------------------------------------------------------------


def _read(landing: Path, source: str, table: str) -> list[dict]:
    rows: list[dict] = []
    for path in sorted((landing / source / table).glob("date=*/*.csv")):
        options = pa_csv.ConvertOptions(strings_can_be_null=False, column_types={})
        rows += pa_csv.read_csv(path, convert_options=options).to_pylist()
    return rows


def _latest(rows: list[dict], key: str) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda row: row["updated_at"]):
        latest[row[key]] = row
    return latest


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def usd_us_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("usd_us")
    environment = shop_environment(root, START, USD_US)
    simulate = [
        sys.executable, "-m", "orchestration.simulator", "--profile", "usd-us",
        "--start", str(START), "--days", str(DAYS), "--scale", SCALE, "--seed", "5",
        "--out", str(root / "landing"),
    ]  # fmt: skip
    subprocess.run(simulate, env=environment, cwd=PROJECT_ROOT, check=True)
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.run"],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return root


def _recomputed(landing: Path) -> dict[str, dict]:
    """GMV, valid orders and net sales per New York month, and net sales per month and
    level 1 category, in USD, from the landing files alone."""
    zone = ZoneInfo("America/New_York")
    with (USD_US.parent / "reference" / "exchange_rates.csv").open(encoding="utf-8") as file:
        rates = {
            (row["rate_date"], row["currency"]): Decimal(row["rate_to_reporting"])
            for row in csv.DictReader(file)
        }
    orders = {row["order_id"]: row for row in _read(landing, "shop", "orders")}
    month, rate = {}, {}
    for order_id, order in orders.items():
        day = order["placed_at"].astimezone(zone).date()
        month[order_id] = day.replace(day=1).isoformat()
        rate[order_id] = (
            Decimal(1) if order["currency"] == "USD" else rates[(str(day), order["currency"])]
        )
    assert {order["currency"] for order in orders.values()} == {"USD", "MXN"}
    paid = {
        row["order_id"] for row in _read(landing, "shop", "payments") if row["status"] == "success"
    }
    cancelled = {row["order_id"] for row in _read(landing, "shop", "cancellations")}
    valid = {
        order_id
        for order_id, order in orders.items()
        if order_id in paid
        and order_id not in cancelled
        and not order["is_test"]
        and not order["is_fraud"]
    }
    line_refunds: dict[str, Decimal] = defaultdict(Decimal)
    for refund in _read(landing, "shop", "refunds"):
        if refund["refund_type"] in ("return", "short_pick"):
            amount = _money(refund["amount"]) * rate[refund["order_id"]]
            line_refunds[refund["order_line_id"]] += amount
    products = _latest(_read(landing, "shop", "products"), "sku_id")
    figures: dict[str, dict] = {
        "gmv": defaultdict(Decimal),
        "valid_orders": defaultdict(int),
        "net_sales": defaultdict(Decimal),
        "category_net_sales": defaultdict(Decimal),
    }
    for order_id, order in orders.items():
        if not order["is_test"]:
            figures["gmv"][month[order_id]] += _money(order["items_amount"]) * rate[order_id]
        if order_id in valid:
            figures["valid_orders"][month[order_id]] += 1
    for line in _read(landing, "shop", "order_lines"):
        order_id = line["order_id"]
        if order_id not in valid:
            continue
        amount = _money(line["line_amount"]) * rate[order_id]
        net = amount - line_refunds[line["order_line_id"]]
        figures["net_sales"][month[order_id]] += net
        category = products[line["sku_id"]]["category_l1"]
        figures["category_net_sales"][(month[order_id], category)] += net
    return figures


def test_usd_us_shop_publishes_figures_equal_to_the_landing_files(usd_us_shop: Path) -> None:
    expected = _recomputed(usd_us_shop / "landing")
    published = (usd_us_shop / "published" / "current.duckdb").resolve()
    with duckdb.connect(str(published), read_only=True) as connection:
        values = connection.sql(
            "select indicator_code, cast(period_start as varchar), indicator_value "
            "from marts.fct_indicator_values where grain = 'month' and slice_dimension = 'all' "
            "and indicator_code in ('gmv', 'valid_orders', 'net_sales')"
        ).fetchall()
        by_category = connection.sql(
            "select cast(date_trunc('month', lines.placed_date) as date)::varchar, "
            "products.category_l1, sum(lines.net_sales) from marts.fct_order_lines as lines "
            "join marts.dim_product as products using (product_key) group by all"
        ).fetchall()
        codes = connection.sql(
            "select distinct payment_method from marts.fct_orders order by 1"
        ).fetchall()
    got: dict[str, dict] = defaultdict(dict)
    for code, month, value in values:
        got[code][month] = value
    assert len(expected["gmv"]) == 2
    for code in ("gmv", "net_sales"):
        assert got[code] == pytest.approx(
            {m: float(v) for m, v in expected[code].items()}, abs=0.005
        )
    assert got["valid_orders"] == pytest.approx(dict(expected["valid_orders"]))
    category = {(month, name): float(value) for month, name, value in by_category if value}
    assert category == pytest.approx(
        {key: float(value) for key, value in expected["category_net_sales"].items() if value},
        abs=0.005,
    )
    assert {code for (code,) in codes} <= {
        "card", "paypal", "apple_pay", "shop_pay", "cash_on_delivery",
    }  # fmt: skip
    assert yaml.safe_load(USD_US.read_text(encoding="utf-8"))["timezone"] == "America/New_York"
