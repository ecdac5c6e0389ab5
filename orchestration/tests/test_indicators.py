"""The indicator layer on a generated shop with injected incidents.

Six quiet weeks (April to mid-May 2025, no promotion) with four incidents at the end: the
payment gateway failing for half a day, a runaway ad placement, a stalled warehouse and a
category put on hold.
The tests check that the catalog's indicators re-aggregate correctly across grains, that
the decomposition is an exact Shapley split, that each incident raises the alert of the
right indicator and slice, that quiet days raise few alerts, and that an indicator is
added by one catalog row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestration.indicator_catalog import generated_files
from orchestration.ingest import ingest
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.simulator.incidents import Incident
from orchestration.tests.warehouse import query
from orchestration.transform import DBT, PROFILES_DIR, run_dbt

START = dt.date(2025, 4, 1)
DAYS = 42
OUTAGE, RUNAWAY = dt.date(2025, 5, 6), dt.date(2025, 5, 7)
STALL, STOCKOUT = dt.date(2025, 5, 8), dt.date(2025, 5, 9)
INCIDENTS = (
    Incident("payment_outage", OUTAGE),
    Incident("runaway_ad_cost", RUNAWAY, "dy-feed"),
    Incident("warehouse_stall", STALL, "WH-SH"),
    Incident("category_stockout", STOCKOUT, "服装"),
)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("indicators")
    landing, warehouse = root / "landing", root / "shop.duckdb"
    simulate(landing, START, DAYS, scale=0.2, seed=5, incidents=INCIDENTS)
    report = ingest(warehouse, landing)
    assert report.ok, report.summary()
    patch = pytest.MonkeyPatch()
    patch.setenv("SHOP_WAREHOUSE_PATH", str(warehouse))
    assert run_dbt(["build"]), "dbt build failed: see the dbt log above"
    yield warehouse
    patch.undo()


def indicator(warehouse: Path, code: str, grain: str, period: dt.date) -> float:
    ((value,),) = query(
        warehouse,
        """
        select indicator_value from marts.fct_indicator_values
        where indicator_code = ? and grain = ? and period_start = ? and slice_dimension = 'all'
        """,
        [code, grain, period],
    )
    return value


def test_distinct_counts_are_recounted_not_summed(warehouse: Path) -> None:
    april = dt.date(2025, 4, 1)
    ((daily_sum,),) = query(
        warehouse,
        """
        select sum(indicator_value) from marts.fct_indicator_values
        where indicator_code = 'unique_visitors' and grain = 'day'
          and slice_dimension = 'all' and period_start between '2025-04-01' and '2025-04-30'
        """,
    )
    ((direct,),) = query(
        warehouse,
        "select count(distinct visitor_id) from marts.fct_visitor_daily "
        "where visit_date between '2025-04-01' and '2025-04-30'",
    )
    monthly = indicator(warehouse, "unique_visitors", "month", april)
    assert monthly == direct
    assert daily_sum > monthly


def test_ratios_and_percentiles_are_recomputed_per_period(warehouse: Path) -> None:
    week = dt.date(2025, 4, 14)  # a Monday
    ((bounced, visits),) = query(
        warehouse,
        "select sum(bounced_visits), sum(visits) from marts.fct_traffic_daily "
        "where visit_date between '2025-04-14' and '2025-04-20'",
    )
    assert indicator(warehouse, "bounce_rate", "week", week) == pytest.approx(bounced / visits)
    ((p95,),) = query(
        warehouse,
        "select quantile_cont(page_load_ms, 0.95) from marts.fct_page_views "
        "where viewed_date between '2025-04-01' and '2025-04-30'",
    )
    assert indicator(warehouse, "page_load_p95_ms", "month", dt.date(2025, 4, 1)) == p95
    ((gmv,),) = query(
        warehouse,
        "select sum(gmv) from marts.fct_orders "
        "where placed_date between '2025-04-14' and '2025-04-20'",
    )
    assert indicator(warehouse, "gmv", "week", week) == pytest.approx(float(gmv), abs=0.005)


def shapley(previous: list[float], current: list[float]) -> list[float]:
    """Shapley contributions to the change of a product, by averaging over every order in
    which the factors can switch from previous to current (a second route to the macro)."""
    n = len(previous)
    totals = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        values = list(previous)
        for factor in order:
            before = math.prod(values)
            values[factor] = current[factor]
            totals[factor] += math.prod(values) - before
    return [total / len(orders) for total in totals]


def test_decomposition_is_the_shapley_split_and_adds_up(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select parent_code, grain, period_start, slice_dimension, slice_value,
               max(parent_change),
               list(previous_factor_value order by factor_position),
               list(factor_value order by factor_position),
               list(contribution order by factor_position)
        from marts.fct_indicator_decomposition
        where contribution is not null
        group by all
        """,
    )
    assert {row[0] for row in rows} == {"gmv", "net_sales", "gross_profit"}
    for *_, change, previous, current, contributions in rows:
        assert sum(contributions) == pytest.approx(change, rel=1e-9, abs=1e-6)
        assert contributions == pytest.approx(shapley(previous, current), rel=1e-9, abs=1e-6)


def alerts_on(warehouse: Path, day: dt.date) -> set[tuple[str, str, str]]:
    return {
        tuple(row)
        for row in query(
            warehouse,
            "select indicator_code, slice_dimension, slice_value from marts.fct_indicator_alerts "
            "where period_start = ?",
            [day],
        )
    }


def test_a_payment_outage_raises_payment_alerts(warehouse: Path) -> None:
    alerts = alerts_on(warehouse, OUTAGE)
    assert ("payment_success_rate", "all", "all") in alerts
    assert ("payment_conversion_rate", "all", "all") in alerts
    assert ("valid_order_rate", "all", "all") in alerts
    # one incident, rooted at the failing payments, holds the conversion and validity alerts
    roots = query(
        warehouse,
        "select distinct root_indicator_code, root_slice_dimension, root_slice_value "
        "from marts.fct_indicator_alerts where period_start = ? and indicator_code in "
        "('payment_success_rate', 'payment_conversion_rate', 'valid_order_rate')",
        [OUTAGE],
    )
    assert [tuple(row) for row in roots] == [("payment_success_rate", "all", "all")]


def test_a_runaway_placement_raises_a_cost_alert_on_its_campaign(warehouse: Path) -> None:
    campaigns = {
        slice_value
        for code, dimension, slice_value in alerts_on(warehouse, RUNAWAY)
        if code == "marketing_cost" and dimension == "campaign_code"
    }
    assert campaigns and all(code.startswith("dy-feed") for code in campaigns)


def test_a_stalled_warehouse_raises_an_alert_on_that_warehouse(warehouse: Path) -> None:
    alerts = alerts_on(warehouse, STALL) | alerts_on(warehouse, STALL - dt.timedelta(days=1))
    stalled = {
        code for code, dimension, value in alerts if (dimension, value) == ("warehouse_id", "WH-SH")
    }
    assert stalled & {"warehouse_processing_h", "same_day_ship_rate_by_slot", "orders_overdue"}
    others = {value for _, dimension, value in alerts if dimension == "warehouse_id"}
    assert others <= {"WH-SH"}


def test_a_category_on_hold_raises_an_assortment_alert_on_that_category(warehouse: Path) -> None:
    categories = {
        value
        for code, dimension, value in alerts_on(warehouse, STOCKOUT)
        if (code, dimension) == ("sku_diversity", "category_l1")
    }
    assert categories == {"服装"}


def test_quiet_days_raise_few_alerts(warehouse: Path) -> None:
    """Before the first incident, from the first day with three earlier same weekdays: change
    alerts per evaluated value (indicator × day × slice with a change rule and enough
    volume) — the false-alert rate. Bounds alerts are counted apart: the shop has short site
    outages of its own, which the availability bounds report."""
    window = [START + dt.timedelta(days=21), OUTAGE - dt.timedelta(days=1)]
    ((changes, bounds, evaluated),) = query(
        warehouse,
        """
        with checked as (
            select v.indicator_code
            from marts.fct_indicator_values as v
            inner join reference.indicator_catalog as c using (indicator_code)
            where v.grain = 'day' and c.alert_rule in ('same_weekday', 'trailing')
              and v.volume >= coalesce(c.alert_min_volume, 0)
              and v.period_start between $1 and $2
        ),
        alerts as (
            select broken_rule from marts.fct_indicator_alerts
            where period_start between $1 and $2
        )
        select
            (select count(*) from alerts where broken_rule != 'bounds'),
            (select count(*) from alerts where broken_rule = 'bounds'),
            (select count(*) from checked)
        """,
        window,
    )
    print(f"quiet days: {changes} change alerts for {evaluated} evaluated values, {bounds} bounds")
    assert evaluated > 1000
    assert changes / evaluated < 0.01


def test_an_indicator_is_added_by_one_catalog_entry(warehouse: Path, tmp_path: Path) -> None:
    """A copy of the project gets one more entry in a family file of the catalog
    (fixtures/extra_indicator.yml) and `make sources`: its values appear at every grain,
    equal to the same figure computed from the mart. An entry whose SQL yields no value
    fails the catalog test."""
    project = tmp_path / "project"
    project.mkdir()
    # the project, the demo shop's reference seeds its seed-paths name, and the docs the
    # catalog generates pages of
    for name in ("dbt_project.yml", ".dbtignore", "models", "macros", "seeds", "tests",
                 "docs", "orchestration/contract/reference"):  # fmt: skip
        source = PROJECT_ROOT / name
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, project / name)
    copy_of_warehouse = tmp_path / "shop.duckdb"
    shutil.copy(warehouse, copy_of_warehouse)
    family = project / "models" / "marts" / "indicators" / "catalog" / "site_operations.yml"

    def add_entry(entry: str) -> None:
        with family.open("a", encoding="utf-8") as handle:
            handle.write(entry)
        for path, text in generated_files(project).items():
            path.write_text(text, encoding="utf-8")

    def dbt(*arguments: str) -> bool:
        command = [
            str(DBT), *arguments, "--project-dir", str(project),
            "--profiles-dir", str(PROFILES_DIR), "--target-path", str(tmp_path / "target"),
        ]  # fmt: skip
        environment = {**os.environ, "SHOP_WAREHOUSE_PATH": str(copy_of_warehouse)}
        return subprocess.run(command, cwd=project, env=environment, check=False).returncode == 0

    entry = (FIXTURES / "extra_indicator.yml").read_text(encoding="utf-8")
    add_entry(entry)
    catalog_tests = "path:tests/indicators"
    selected = ("indicator_catalog", "fct_indicator_values__visitor_daily", "fct_indicator_values")
    assert dbt("seed", "--full-refresh", "--select", "indicator_catalog")
    assert dbt("build", "--select", *selected, "indicator_availability", catalog_tests)
    ((computed, direct, grains),) = query(
        copy_of_warehouse,
        """
        select
            (select indicator_value from marts.fct_indicator_values
             where indicator_code = 'mobile_visit_share' and grain = 'month'
               and period_start = '2025-04-01' and slice_dimension = 'all'),
            (select sum(case when device = 'mobile' then visits else 0 end) / sum(visits)
             from marts.fct_visitor_daily
             where visit_date between '2025-04-01' and '2025-04-30'),
            (select count(distinct grain) from marts.fct_indicator_values
             where indicator_code = 'mobile_visit_share')
        """,
    )
    assert computed == pytest.approx(direct)
    assert grains == 3

    add_entry(
        entry.replace("mobile_visit_share", "watch_visit_share").replace(
            "sum(case when device = 'mobile' then visits else 0 end)",
            "sum(case when 1 = 0 then visits end)",
        )
    )
    assert not dbt("build", "--select", *selected, "indicator_availability", catalog_tests)
    assert not dbt("test", "--select", "assert_every_catalog_indicator_has_values")
