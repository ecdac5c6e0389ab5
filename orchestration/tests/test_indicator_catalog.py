"""The indicator catalog (models/marts/indicators/catalog/) is the one definition of every
indicator, and the dbt models compute the values in plain sight.

The files generated from it are committed and current; a wrong entry names its file and
indicator; ``dbt compile`` of the indicator models shows every indicator's SQL and no model
writes rows from a hook; and the small demo shop's indicator layer has the same content,
by hash, as it had when the values were written by a post-hook (pinned below).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from orchestration.indicator_catalog import (
    CatalogError,
    generated_files,
    headline_codes,
    load_catalog,
    part_model,
    source_models,
    upstream_codes,
)
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.hashes import FLOATING, table_hashes
from orchestration.tests.warehouse import (
    SHOP_DAYS,
    SHOP_START,
    published_file,
    published_shop,
    query,
)
from orchestration.transform import DBT, PROFILES_DIR

CATALOG = PROJECT_ROOT / "models" / "marts" / "indicators" / "catalog"

#: Content hashes (rows, hash: orchestration/tests/hashes.py) of the indicator layer of the
#: small demo shop (published_shop of SHOP_DAYS days from SHOP_START), taken on the commit
#: before the values became ordinary dbt models (when a post-hook inserted them).
PINNED = {
    "marts.fct_indicator_values": (12317, "113268190228239186777958"),
    "marts.fct_indicator_alerts": (9, "77849222296136466130"),
    "marts.fct_indicator_decomposition": (288, "2805308491129752562952"),
    "marts.indicator_availability": (93, "856259442878880636746"),
}
#: Columns added since, per table, left out of its hash (the decomposition has a
#: contribution column of its own, which stays in).
LATER_COLUMNS = {
    "marts.fct_indicator_values": ("is_provisional",),
    "marts.fct_indicator_alerts": (
        "is_provisional", "spread", "alert_sensitivity", "volume_share", "contribution",
        "why", "root_indicator_code", "root_slice_dimension", "root_slice_value",
        "incident_first_day", "incident_id",
    ),
}  # fmt: skip
#: Indicators added since: their rows are left out of the hashes.
LATER_INDICATORS = ("payment_success_rate",)
#: kpi_overview's columns then (grain and period, then its 20 headlines of that time) and
#: their content hash.
KPI_COLUMNS = (
    "grain", "period_start", "period_end", "gmv", "net_sales", "total_orders", "valid_orders",
    "valid_order_rate", "aov", "gross_margin", "visits", "unique_visitors", "new_visitors",
    "bounce_rate", "order_conversion_rate", "new_customers", "returning_customers", "cac",
    "marketing_cost", "roi", "return_rate", "order_to_receipt_h", "site_availability",
)  # fmt: skip
KPI_PINNED = (13, "101028845866730305995")


def test_committed_files_match_the_catalog() -> None:
    stale = [
        str(path.relative_to(PROJECT_ROOT))
        for path, text in generated_files(PROJECT_ROOT).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `make sources`: {stale}"
    parts = PROJECT_ROOT / "models" / "marts" / "indicators" / "values"
    assert set(parts.iterdir()) == {p for p in generated_files(PROJECT_ROOT) if p.parent == parts}


def test_the_catalog_has_every_indicator_once_with_its_family() -> None:
    catalog = load_catalog()
    counts = {}
    for entry in catalog:
        counts[entry["family"]] = counts.get(entry["family"], 0) + 1
    assert counts == {
        "site_operations": 38,  # INDICATORS.md's 37 and the payment success rate
        "operating_environment": 12,
        "sales": 13,
        "marketing": 16,
        "customer_value": 15,
    }
    assert len(source_models(catalog)) == 17
    assert part_model("fct_orders") == "fct_indicator_values__orders"
    assert len(headline_codes(catalog)) == 28
    assert {"gmv", "visits", "roi", "site_availability"} <= set(headline_codes(catalog))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"aggregation": "median"},
            "site_operations.yml: indicator 'page_views': aggregation 'median' not one of",
        ),
        ({"grains": ["day", "year"]}, "indicator 'page_views': grains ['year'] not among"),
        ({"runbook": ""}, "indicator 'page_views': missing runbook"),
        ({"denominator": "sum(visits)"}, "a ratio has a denominator, and only a ratio"),
        ({"colour": "red"}, "indicator 'page_views': unknown keys colour"),
        ({"code": "unique_visitors"}, "'unique_visitors': defined twice"),
        (
            {"alert": {"rule": "same_weekday", "threshold": 0.3, "sensitivity": 0}},
            "indicator 'page_views': alert sensitivity 0 is not a positive number",
        ),
        (
            {"alert": {"rule": "same_weekday", "threshold": 0.3, "promotion_lift": "no"}},
            "indicator 'page_views': alert promotion_lift is true or false",
        ),
        ({"maturity_days": -1}, "maturity_days -1 is not a whole number of days >= 0"),
        ({"parent_codes": ["sales"]}, "indicator 'page_views': parent_codes ['sales'] are not"),
        # site availability drives page views (the catalog): the way back closes a cycle
        ({"parent_codes": ["site_availability"]}, "parent_codes lead back to the indicator"),
    ],
)
def test_a_wrong_entry_names_its_file_indicator_and_rule(
    tmp_path: Path, change: dict, message: str
) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(CATALOG, folder)
    path = folder / "site_operations.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["indicators"][0].update(change)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_catalog(folder)


def test_the_net_walked_upstream() -> None:
    """upstream_codes: every indicator that drives net sales, directly or through others
    (parent_codes), written out from the catalog's relations."""
    upstream = upstream_codes(load_catalog())
    assert upstream["net_sales"] == [
        "add_to_cart_count", "aov", "gmv", "order_conversion_rate", "orders_placed", "page_views",
        "payment_conversion_rate", "payment_success_rate", "payments_succeeded",
        "site_availability", "site_order_conversion_rate", "sku_diversity", "total_orders",
        "unique_visitors", "valid_orders", "visits",
    ]  # fmt: skip
    assert upstream["payment_conversion_rate"] == ["payment_success_rate", "sku_diversity"]
    assert upstream["add_to_cart_count"] == ["page_views", "site_availability"]
    assert upstream["order_to_receipt_h"] == ["delivery_h", "warehouse_processing_h"]
    assert upstream["site_availability"] == []


def test_compiled_indicator_models_show_their_sql_and_no_hook_writes_rows(
    tmp_path: Path,
) -> None:
    """dbt compile of fct_indicator_values and a part prints the catalog's expressions over
    the mart; no model of the project has a post-hook."""
    environment = {
        **os.environ,
        "SHOP_WAREHOUSE_PATH": str(tmp_path / "empty.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "target"),
    }
    command = [
        str(DBT), "compile", "--quiet", "--select", "fct_indicator_values__orders",
        "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROFILES_DIR),
    ]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    compiled = result.stdout
    assert "sum(gmv) as numerator_" in compiled
    assert "sum(valid_order_count)" in compiled
    assert '"marts"."fct_orders"' in compiled
    assert "'payment_method' as slice_dimension" in compiled
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    hooked = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("post-hook")
    ]
    assert hooked == []
    values = manifest["nodes"]["model.shop_indicators.fct_indicator_values"]
    parents = set(values["depends_on"]["nodes"])
    parts = {f"model.shop_indicators.{part_model(m)}" for m in source_models(load_catalog())}
    # beside its parts: availability, and the catalog's maturity windows (is_provisional)
    assert parents == parts | {
        "model.shop_indicators.indicator_availability",
        "seed.shop_indicators.indicator_catalog",
    }


def test_the_demo_shops_indicator_layer_is_unchanged(tmp_path: Path) -> None:
    """The indicator layer of the small demo shop, built and published, has the pinned
    content: the figures the post-hook wrote."""
    published_shop(tmp_path, SHOP_START, SHOP_DAYS)
    database = published_file(tmp_path)
    # columns and indicators that came later (a value's maturity, an alert's spread, why
    # and incident; the payment success rate): the pinned figures are those of the others
    later = ", ".join(f"'{code}'" for code in LATER_INDICATORS)
    rows_where = {
        name: f"indicator_code not in ({later})"
        for name in PINNED
        if name != "marts.fct_indicator_decomposition"
    }
    hashes = {}
    for name in PINNED:
        ignore = ("_loaded_at", *LATER_COLUMNS.get(name, ()))
        hashes[name] = tuple(table_hashes(database, ("marts",), ignore, rows_where)[name])
    assert hashes == PINNED
    types = dict(
        query(
            database,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'kpi_overview'",
        )
    )
    columns = ", ".join(
        f'round("{c}", 6)' if types[c] in FLOATING else f'"{c}"' for c in KPI_COLUMNS
    )
    ((rows, digest),) = query(
        database,
        f"select count(*), cast(coalesce(sum(cast(hash({columns}) as hugeint)), 0) as varchar) "
        "from marts.kpi_overview",
    )
    assert (rows, digest) == KPI_PINNED
