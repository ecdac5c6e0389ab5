"""The dbt warehouse builds on a small generated shop, reconciles with raw, and keeps PII out."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import ingest
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.tests.conftest import TEST_PII_SALT
from orchestration.tests.warehouse import columns_holding, personal_values, query, read_landed
from orchestration.transform import run_dbt

START = dt.date(2025, 6, 10)
DAYS = 21
LAYER_SCHEMAS = ("staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("shop")
    landing, warehouse = root / "landing", root / "warehouse" / "shop.duckdb"
    simulate(landing, start=START, days=DAYS, scale=0.05, seed=11)
    report = ingest(warehouse, landing)
    assert report.ok, report.summary()
    patch = pytest.MonkeyPatch()
    patch.setenv("SHOP_WAREHOUSE_PATH", str(warehouse))
    built = run_dbt(["build"])
    yield {"landing": landing, "warehouse": warehouse, "built": built}
    patch.undo()


def test_dbt_build_passes_every_model_and_test(shop: dict) -> None:
    assert shop["built"], "dbt build failed: see the dbt log above"


def test_every_model_and_column_is_documented(shop: dict) -> None:
    manifest = json.loads((PROJECT_ROOT / "target" / "manifest.json").read_text())
    undocumented = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node.get("description"):
            undocumented.append(node["name"])
        actual = query(
            shop["warehouse"],
            "select column_name from information_schema.columns "
            f"where table_schema = '{node['schema']}' and table_name = '{node['alias']}'",
        )
        documented = {name for name, column in node["columns"].items() if column["description"]}
        undocumented += [f"{node['name']}.{name}" for (name,) in actual if name not in documented]
    assert undocumented == []


def test_gmv_and_order_count_per_day_equal_the_landing_files(shop: dict) -> None:
    orders = {row["order_id"]: row for row in read_landed(shop["landing"], "shop", "orders")}
    expected: dict[dt.date, list] = {}
    for row in orders.values():
        if row["is_test"]:
            continue
        day = (row["placed_at"] + dt.timedelta(hours=8)).date()  # Asia/Shanghai, no DST
        totals = expected.setdefault(day, [0, Decimal(0)])
        totals[0] += 1
        totals[1] += Decimal(str(row["items_amount"]))
    actual = query(
        shop["warehouse"],
        "select placed_date, sum(order_count), sum(gmv) from marts.fct_orders "
        "group by placed_date order by placed_date",
    )
    assert [(d, int(n), g) for d, n, g in actual] == [
        (day, count, gmv.quantize(Decimal("0.01")))
        for day, (count, gmv) in sorted(expected.items())
    ]


def test_personal_data_never_reaches_the_layers(shop: dict) -> None:
    secrets = personal_values(shop["landing"])
    assert secrets
    assert columns_holding(shop["warehouse"], LAYER_SCHEMAS, {*secrets, TEST_PII_SALT}) == []


def test_emails_are_hashed_with_the_salt_from_the_environment(shop: dict) -> None:
    """The joinable key of an email is md5(salt || lower(trim(email))), the salt being the
    environment's SHOP_PII_SALT (the tests' own)."""
    # the latest version of each customer (export days in order, later rows later)
    latest = {c["customer_id"]: c for c in read_landed(shop["landing"], "shop", "customers")}
    expected = {
        key: hashlib.md5((TEST_PII_SALT + c["email"].strip().lower()).encode()).hexdigest()
        for key, c in latest.items()
        if c["email"]
    }
    hashed = dict(
        query(
            shop["warehouse"],
            "select customer_id, email_hash from staging.stg_shop__customers "
            "where email_hash is not null",
        )
    )
    assert hashed == expected


TAMPERINGS = {
    "assert_daily_order_totals_reconcile_with_raw": (
        "update marts.fct_orders set gmv = gmv + {step} where order_id = "
        "(select min(order_id) from marts.fct_orders where not is_test)"
    ),
    "assert_page_views_reconcile_with_raw": (
        "update marts.fct_page_views set viewed_date = viewed_date + {step} where event_id = "
        "(select min(event_id) from marts.fct_page_views)"
    ),
    "assert_campaign_attribution_reconciles": (
        "update marts.fct_campaign_performance_daily set valid_orders = valid_orders + {step} "
        "where date_day = (select min(date_day) from marts.fct_campaign_performance_daily) "
        "and campaign_id = 'none'"
    ),
}


@pytest.mark.parametrize("test_name", sorted(TAMPERINGS))
def test_reconciliation_test_fails_when_a_mart_disagrees_with_raw(
    shop: dict, test_name: str
) -> None:
    def tamper(step: int) -> None:
        con = duckdb.connect(str(shop["warehouse"]))
        try:
            con.execute(TAMPERINGS[test_name].format(step=step))
        finally:
            con.close()

    tamper(1)
    try:
        assert not run_dbt(["test", "--select", test_name])
    finally:
        tamper(-1)
    assert run_dbt(["test", "--select", test_name])


def test_not_null_columns_counts_each_columns_nulls(shop: dict, tmp_path: Path) -> None:
    """One scan tests every non-null column of fct_orders: two orders lose lines_attempted
    and one its customer_key, so the test fails on 3 rows and names both columns."""
    warehouse = str(shop["warehouse"])
    con = duckdb.connect(warehouse)
    try:
        saved = con.execute(
            "select order_id, customer_key, lines_attempted from marts.fct_orders "
            "order by order_id limit 2"
        ).fetchall()
        con.execute(
            "update marts.fct_orders set lines_attempted = null where order_id in (?, ?)",
            [saved[0][0], saved[1][0]],
        )
        con.execute(
            "update marts.fct_orders set customer_key = null where order_id = ?", [saved[0][0]]
        )
    finally:
        con.close()
    selection = ["--select", "fct_orders,test_name:not_null_columns"]
    try:
        assert not run_dbt(["test", *selection, "--target-path", str(tmp_path)])
        results = json.loads((tmp_path / "run_results.json").read_text())["results"]
        (result,) = [r for r in results if r["unique_id"].startswith("test.")]
        assert result["failures"] == 3
        assert sorted(query(shop["warehouse"], result["compiled_code"])) == [
            ("customer_key", 1),
            ("lines_attempted", 2),
        ]
    finally:
        con = duckdb.connect(warehouse)
        try:
            con.executemany(
                "update marts.fct_orders set customer_key = ?, lines_attempted = ? "
                "where order_id = ?",
                [[key, lines, order] for order, key, lines in saved],
            )
        finally:
            con.close()
    assert run_dbt(["test", *selection, "--target-path", str(tmp_path)])


def test_a_windowed_run_tests_only_the_days_it_rebuilt(
    shop: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a run with a window (the orchestration's daily run), the tests of a fact rebuilt
    by day read only the days that run rebuilt: a page view without a device, and with a
    visit that does not exist, on the shop's first day fails the tests of a whole build,
    not those of a run of the last day (unless SHOP_TEST_EVERY_ROW is set); either fault on
    the last day fails the last day's run. The relationships test of a page view's visit
    reads the rebuilt days too: a visit is of its page views' day and rebuilt with them
    (meta refers_within_rebuilt_day)."""
    first, last = START, START + dt.timedelta(days=DAYS - 1)
    selection = [
        "test",
        "--select",
        "fct_page_views,test_name:not_null_columns",
        "fct_page_views,test_name:relationships",
    ]
    faults = {"device": None, "visit_id": "no such visit"}

    def first_page_view(day: dt.date) -> tuple:
        """The day's first page view: its event_id and its faulted columns' values."""
        return query(
            shop["warehouse"],
            f"select event_id, {', '.join(faults)} from marts.fct_page_views "
            "where viewed_date = ? order by event_id limit 1",
            [day],
        )[0]

    def set_columns(event_id: str, values: dict) -> None:
        con = duckdb.connect(str(shop["warehouse"]))
        try:
            con.execute(
                f"update marts.fct_page_views set {', '.join(f'{c} = ?' for c in values)} "
                "where event_id = ?",
                [*values.values(), event_id],
            )
        finally:
            con.close()

    def passes(window: dt.date | None) -> bool:
        return passes_in_window(selection, window, monkeypatch)

    event_id, *kept = first_page_view(first)
    set_columns(event_id, faults)
    try:
        assert not passes(window=None)
        assert passes(window=last)
        # after a run whose tests did not all pass, tests read every row
        monkeypatch.setenv("SHOP_TEST_EVERY_ROW", "1")
        assert not passes(window=last)
        monkeypatch.delenv("SHOP_TEST_EVERY_ROW")
    finally:
        set_columns(event_id, dict(zip(faults, kept, strict=True)))
    event_id, *kept = first_page_view(last)
    for column, fault in faults.items():
        set_columns(event_id, {column: fault})
        try:
            assert not passes(window=last), column
        finally:
            set_columns(event_id, dict(zip(faults, kept, strict=True)))
    assert passes(window=None)


def passes_in_window(
    selection: list[str], window: dt.date | None, monkeypatch: pytest.MonkeyPatch
) -> bool:
    """Whether a dbt invocation passes in a run whose window is that one day (none: a run
    over every day)."""
    for name in ("SHOP_WINDOW_START", "SHOP_WINDOW_END"):
        if window:
            monkeypatch.setenv(name, str(window))
        else:
            monkeypatch.delenv(name, raising=False)
    return run_dbt(selection)


def test_a_windowed_run_reconciles_the_days_it_rebuilt(
    shop: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page-view reconciliation of a run with a window reads the days that run rebuilt,
    as the generic tests do: a page view moved off the shop's first day fails the check of
    a whole build and of a run testing every row, not that of a run of the last day; one
    moved off the last day fails the last day's run too."""
    first, last = START, START + dt.timedelta(days=DAYS - 1)
    selection = ["test", "--select", "assert_page_views_reconcile_with_raw"]

    def move(event_id: str, days: int) -> None:
        con = duckdb.connect(str(shop["warehouse"]))
        try:
            con.execute(
                "update marts.fct_page_views set viewed_date = viewed_date + ? where event_id = ?",
                [days, event_id],
            )
        finally:
            con.close()

    for day in (first, last):
        ((event_id,),) = query(
            shop["warehouse"],
            "select min(event_id) from marts.fct_page_views where viewed_date = ?",
            [day],
        )
        move(event_id, 1)
        try:
            if day == first:
                assert not passes_in_window(selection, None, monkeypatch)
                assert passes_in_window(selection, last, monkeypatch)
                monkeypatch.setenv("SHOP_TEST_EVERY_ROW", "1")
                assert not passes_in_window(selection, last, monkeypatch)
                monkeypatch.delenv("SHOP_TEST_EVERY_ROW")
            else:
                assert not passes_in_window(selection, last, monkeypatch)
        finally:
            move(event_id, -1)
    assert passes_in_window(selection, None, monkeypatch)


def read_landed_events(landing: Path) -> list[dict]:
    """Web events straight from the landing Parquet files, each event id once."""
    events = {}
    for path in sorted((landing / "web" / "events").glob("date=*/*.parquet")):
        for row in pq.read_table(path).to_pylist():
            events[row["event_id"]] = row
    return list(events.values())


def sessionize(events: list[dict], timeout_s: float = 1800) -> dict[str, str]:
    """A second, recursive route to the visit rule: event id → id of its visit's first event.

    A visit continues while the event is on the same shop-local day, less than the timeout
    after the previous one, and either untagged or tagged like the visit's first event.
    """
    first_of_visit: dict[str, str] = {}
    ordered = sorted(events, key=lambda e: (e["visitor_id"], e["event_at"], e["event_id"]))
    previous, visit_first, visit_tags = None, None, None
    for event in ordered:
        tags = (event["utm_source"], event["utm_medium"], event["utm_campaign"])
        tags = tags if any(tags) else None
        day = (event["event_at"] + dt.timedelta(hours=8)).date()
        continues = (
            previous is not None
            and previous["visitor_id"] == event["visitor_id"]
            and (previous["event_at"] + dt.timedelta(hours=8)).date() == day
            and (event["event_at"] - previous["event_at"]).total_seconds() < timeout_s
            and (tags is None or tags == visit_tags)
        )
        if not continues:
            visit_first, visit_tags = event["event_id"], tags
        first_of_visit[event["event_id"]] = visit_first
        previous = event
    return first_of_visit


def test_traffic_equals_a_second_route_from_the_landing_files(shop: dict) -> None:
    events = read_landed_events(shop["landing"])
    first_of_visit = sessionize(events)
    expected: dict[dt.date, dict] = {}
    for event in events:
        day = (event["event_at"] + dt.timedelta(hours=8)).date()
        totals = expected.setdefault(day, {"pv": 0, "visitors": set(), "visits": set()})
        totals["pv"] += event["event_type"] == "page_view"
        totals["visitors"].add(event["visitor_id"])
        totals["visits"].add(first_of_visit[event["event_id"]])
    actual = query(
        shop["warehouse"],
        """
        select visit_date, sum(page_views), count(distinct visitor_id), sum(visits)
        from marts.fct_visitor_daily group by visit_date order by visit_date
        """,
    )
    assert [(d, int(pv), uv, int(v)) for d, pv, uv, v in actual] == [
        (day, t["pv"], len(t["visitors"]), len(t["visits"])) for day, t in sorted(expected.items())
    ]
    # UV of the whole period is a recount of distinct visitors, not the sum of daily UV
    ((period_uv, summed_uv),) = query(
        shop["warehouse"],
        """
        select
            (select count(distinct visitor_id) from marts.fct_visitor_daily),
            (select sum(unique_visitors) from marts.fct_traffic_daily)
        """,
    )
    assert period_uv == len({event["visitor_id"] for event in events})
    assert summed_uv > period_uv
