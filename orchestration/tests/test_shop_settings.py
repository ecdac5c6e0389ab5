"""A shop's own settings (shop.yml and its reference seeds) and the usd-us shop end to end.

The usd-us shop (simulator profile usd-us) is a US shop in New York time, reporting in USD
with every fifth order in MXN, UTF-8 everywhere, with its own payment methods and carriers.
It runs through the whole pipeline as a shop would run it (the simulator, then
``python -m orchestration.run``, each a process of its own with ``SHOP_SETTINGS_FILE``),
and its published figures are recomputed from the landing files by a second route: pyarrow
and Python, converting each MXN amount at the rate of its order's New York day read from the
seed (to the cent, as the warehouse converts each amount): per month GMV, net sales, total
and valid orders, the return rate and net sales by level 1 category.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from orchestration.contract import SHOP_SETTINGS_PATH, _load_shop, load_contract
from orchestration.quality.raw_suites import _accepted_values_description
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.usd_us import SETTINGS as USD_US
from orchestration.tests.warehouse import (
    assert_equal_figures,
    landing_figures,
    monthly_values,
    profile_shop,
    published,
    read_landed,
)

#: Two shop-local months, at a scale whose days hold enough orders for the volume rule.
START, DAYS, SCALE = dt.date(2025, 5, 20), 14, 0.1


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


@pytest.fixture(scope="module")
def usd_us_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return profile_shop(tmp_path_factory.mktemp("usd_us"), "usd-us", START, DAYS, SCALE, USD_US)


def test_usd_us_shop_publishes_figures_equal_to_the_landing_files(
    usd_us_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = landing_figures(usd_us_shop / "landing", USD_US)
    assert len(expected["gmv"]) == 2
    monkeypatch.setenv("SHOP_SETTINGS_FILE", str(USD_US))
    orders = read_landed(usd_us_shop / "landing", "shop", "orders")
    assert {order["currency"] for order in orders} == {"USD", "MXN"}
    for code in ("gmv", "net_sales", "total_orders", "valid_orders", "return_rate"):
        assert_equal_figures(monthly_values(usd_us_shop, code), expected[code])
    assert_equal_figures(
        monthly_values(usd_us_shop, "sales_by_category", "category_l1"), expected["category"]
    )
    codes = published(usd_us_shop, "select distinct payment_method from marts.fct_orders")
    assert {code for (code,) in codes} <= {
        "card", "paypal", "apple_pay", "shop_pay", "cash_on_delivery",
    }  # fmt: skip
    assert yaml.safe_load(USD_US.read_text(encoding="utf-8"))["timezone"] == "America/New_York"
