"""The importers of real formats (orchestration/importers) on their fixtures
(orchestration/tests/fixtures/importers, written from each format's documentation: see the
README there), then the whole pipeline on what they landed.

A US shop on Shopify (the usd-us settings: America/New_York, USD), 10-12 June 2025. Every
expected value below is counted by hand from the fixtures:

Shopify orders (shop-local days): 10th #1001 (2 lines, 2 x 25.00 + 12.00 = 62.00, paid,
shipped) and #1002 (guest checkout, 25.00, paid, not shipped: overdue after the warehouse's
48 hours on the 12th); 11th #1003 (25.00 + 12.00 =
37.00, paid, shipped, 12.00 refunded: the mug line, returned) and #1004 (25.00, paid then
cancelled and refunded 25.00); 12th #1005 (2 x 25.00 less the SUMMER10 discount 5.00 =
45.00, paid) and #1006 (12.00, cash on delivery, not paid yet). GMV per day 87, 62 and 57
(206); valid orders (paid, not cancelled) 2, 1 and 1; net sales 87, 37 - 12 = 25 and 45
(157).

GA4 (UTC times; the shop's days are UTC-4): 10th visitor 111 lands from a cpc campaign and
buys (home, product, cart: 3 page views, one visit), visitor 222 views a category from the
newsletter and leaves (1 page view, a bounce); 11th visitor 111 (2 page views) and 333
(2 page views, 10 minutes apart): no bounce; 12th visitor 222 twice 45 minutes apart (2
visits of one page each: 2 bounces) and app visitor 444 (a page view and an add-to-cart:
no bounce).

Access logs: 10th one address with two browsers (Chrome: 2 page views, the CSS and PNG
between them are assets; iPhone: 1, a bounce), Googlebot, a 404, a health check and a
POST are not page views; 11th a Firefox visitor with 3 page views and bingbot; 12th
(gzipped, no request time) the Chrome visitor again (1 page view, a bounce) and an iPad
(2 page views, a 304 among them).
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from dagster import SkipReason, build_sensor_context, materialize

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.importers.__main__ import main
from orchestration.importers.access_log import import_access_log
from orchestration.importers.assets import importer_assets, importer_jobs, importer_sensors
from orchestration.importers.ga4 import import_ga4
from orchestration.importers.shopify import import_shopify
from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.warehouse import read_landed, use_shop

FIXTURES = Path(__file__).parent / "fixtures" / "importers"
USD_US = PROJECT_ROOT / "orchestration" / "simulator" / "shops" / "usd-us" / "shop.yml"
FIRST, LAST = dt.date(2025, 6, 10), dt.date(2025, 6, 12)
LOGS = [FIXTURES / "access_log" / "access.log", FIXTURES / "access_log" / "access.log.1.gz"]
SITE = "http://www.shop.example.com"


@pytest.fixture(autouse=True)
def us_shop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_SETTINGS_FILE", str(USD_US))


def events(landing: Path) -> list[dict]:
    con = duckdb.connect()
    try:
        return (
            con.sql(
                f"select * from read_parquet('{landing}/web/events/*/*.parquet') "
                "order by event_at, event_type"
            )
            .to_arrow_table()
            .to_pylist()
        )
    finally:
        con.close()


def landed_files(landing: Path) -> dict[str, bytes]:
    return {str(p.relative_to(landing)): p.read_bytes() for p in sorted(landing.rglob("*.*"))}


# --- each importer on its fixture -----------------------------------------------------------


def test_ga4_maps_events_pages_utm_and_the_purchase(tmp_path: Path) -> None:
    report = import_ga4([FIXTURES / "ga4"], tmp_path)
    assert report.ok and report.rows_read == 20
    assert report.written == {"web.events": 16}
    assert report.skipped == {
        f"GA4 event {name} is not a contract event": 1
        for name in ("scroll", "session_start", "user_engagement")
    }
    rows = events(tmp_path)
    kinds = [(r["visitor_id"], r["event_type"], r["page_type"], r["sku_id"]) for r in rows[:8]]
    assert kinds == [
        ("111.aaa", "page_view", "home", None),
        ("111.aaa", "page_view", "product", "TEE-BLK-M"),  # the SKU of its view_item
        ("111.aaa", "add_to_cart", "product", "TEE-BLK-M"),
        ("111.aaa", "page_view", "cart", None),
        ("111.aaa", "checkout_start", "checkout", None),
        ("111.aaa", "order_submit", "checkout", None),
        ("111.aaa", "payment_result", "checkout", None),
        ("222.bbb", "page_view", "category", None),
    ]
    landing, newsletter = rows[0], rows[7]
    assert (landing["utm_source"], landing["utm_medium"], landing["utm_campaign"]) == (
        "google", "cpc", "summer_sale",
    )  # fmt: skip
    assert (newsletter["utm_source"], newsletter["utm_campaign"], newsletter["device"]) == (
        "newsletter", "june news", "mobile",
    )  # fmt: skip
    assert [(r["order_id"], r["customer_id"], r["is_success"]) for r in rows[5:7]] == [
        ("#1001", "7001", None), ("#1001", "7001", True),
    ]  # fmt: skip
    assert rows[-1]["device"] == "app" and rows[-1]["sku_id"] == "MUG-WHT"
    days = sorted(p.parent.name for p in tmp_path.rglob("*.parquet"))
    assert days == ["date=2025-06-10", "date=2025-06-11", "date=2025-06-12"]


def test_access_log_drops_bots_assets_errors_and_tells_visitors_apart(tmp_path: Path) -> None:
    report = import_access_log(LOGS, tmp_path, site_url=SITE)
    assert report.ok and report.rows_read == 16
    assert report.written == {"web.events": 9}
    assert report.skipped == {
        "URL is not a page (page_types.csv)": 3,  # app.css, tee-black.png, /healthz
        "bot or crawler (crawlerdetect)": 2,
        "not a GET request": 1,
        "response not 2xx or 3xx": 1,
    }
    rows = events(tmp_path)
    visitors = [r["visitor_id"] for r in rows]
    chrome, iphone = visitors[0], visitors[2]
    assert chrome != iphone and visitors[1] == chrome and visitors[6] == chrome
    assert len(set(visitors)) == 4
    assert [r["page_load_ms"] for r in rows] == [120, 250, 300, 80, 110, 90, None, None, None]
    assert rows[1]["referrer_url"] == (
        "https://shop.example.cn/?utm_source=google&utm_medium=cpc&utm_campaign=summer_sale"
    )  # the warehouse's own address (dbt var shop_site_url): internal navigation
    assert [r["device"] for r in rows[6:]] == ["desktop", "tablet", "tablet"]


def test_shopify_orders_lines_money_and_guest(tmp_path: Path) -> None:
    report = import_shopify(FIXTURES / "shopify", tmp_path)
    assert report.ok, report.summary()
    assert report.written == {
        "shop.orders": 6, "shop.order_lines": 8, "shop.payments": 5, "shop.cancellations": 1,
        "shop.refunds": 2, "shop.returns": 1, "shop.customers": 2, "shop.products": 3,
        "shop.sku_costs": 3, "wms.shipments": 2, "wms.warehouses": 1, "marketing.coupons": 1,
    }  # fmt: skip
    orders = {o["order_id"]: o for o in read_landed(tmp_path, "shop", "orders")}
    assert orders["#1002"]["customer_id"] is None  # guest checkout
    assert orders["#1001"]["customer_id"] == 7001
    assert {k: Decimal(str(o["items_amount"])) for k, o in orders.items()} == {
        "#1001": Decimal(62), "#1002": Decimal(25), "#1003": Decimal(37),
        "#1004": Decimal(25), "#1005": Decimal(45), "#1006": Decimal(12),
    }  # fmt: skip
    assert orders["#1005"]["coupon_code"] == "SUMMER10"
    assert orders["#1006"]["payment_method"] == "cash_on_delivery"
    refunds = {r["refund_id"]: r for r in read_landed(tmp_path, "shop", "refunds")}
    assert {k: (r["order_line_id"], r["amount"], r["refund_type"]) for k, r in refunds.items()} == {
        "#1004-refund": (None, 25.0, "cancellation"),
        "#1003-2-refund": ("#1003-2", 12.0, "return"),
    }
    lines = read_landed(tmp_path, "shop", "order_lines")
    assert sorted((line["order_id"], line["sku_id"], line["line_amount"]) for line in lines) == [
        ("#1001", "MUG-WHT", 12.0), ("#1001", "TEE-BLK-M", 50.0), ("#1002", "TEE-WHT-L", 25.0),
        ("#1003", "MUG-WHT", 12.0), ("#1003", "TEE-WHT-L", 25.0), ("#1004", "TEE-BLK-M", 25.0),
        ("#1005", "TEE-BLK-M", 45.0), ("#1006", "MUG-WHT", 12.0),
    ]  # fmt: skip
    cancelled = read_landed(tmp_path, "shop", "cancellations", FIRST + dt.timedelta(days=1))
    assert [c["order_id"] for c in cancelled] == ["#1004"]  # 20:00 New York time, the 11th
    products = {p["sku_id"]: p for p in read_landed(tmp_path, "shop", "products")}
    assert (products["TEE-WHT-L"]["colour"], products["TEE-WHT-L"]["size"]) == ("White", "L")
    assert products["MUG-WHT"]["category_l1"] == "Home & Garden"


# --- the same input gives the same files ---------------------------------------------------


def test_importing_again_gives_byte_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for landing in (first, second):
        import_ga4([FIXTURES / "ga4"], landing)
        import_access_log(LOGS, landing, site_url=SITE)
        import_shopify(FIXTURES / "shopify", landing)
    assert landed_files(first) == landed_files(second)
    times = {p: p.stat().st_mtime_ns for p in first.rglob("*.*")}
    import_shopify(FIXTURES / "shopify", first)
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*.*")} == times  # left untouched


def test_a_rotated_log_imported_again_under_its_new_name_adds_nothing(tmp_path: Path) -> None:
    """logrotate renames access.log to access.log.1 and starts a new access.log: importing
    both lands each line once. A day's page views are the same bytes as one import of all
    the distinct lines, whichever files brought them and in which order."""
    lines = (FIXTURES / "access_log" / "access.log").read_text()  # 6 page views, 10th-11th
    later = gzip.decompress(LOGS[1].read_bytes()).decode()  # 3 page views, 12th
    logs = tmp_path / "logs"
    logs.mkdir()
    live, rotated = logs / "access.log", logs / "access.log.1"
    live.write_text(lines)
    landing = tmp_path / "landing"
    assert import_access_log([live], landing, site_url=SITE).written == {"web.events": 6}
    before = landed_files(landing)
    times = {p: p.stat().st_mtime_ns for p in landing.rglob("*.*")}
    live.rename(rotated)  # the rotation
    live.write_text(later)
    report = import_access_log([rotated], landing, site_url=SITE)
    assert report.ok and report.written == {"web.events": 6}  # read again, none added
    assert landed_files(landing) == before
    assert {p: p.stat().st_mtime_ns for p in landing.rglob("*.*")} == times  # untouched
    assert import_access_log([live], landing, site_url=SITE).ok
    once = tmp_path / "once"
    (logs / "all.log").write_text(later + lines)
    assert import_access_log([logs / "all.log"], once, site_url=SITE).ok
    assert landed_files(landing) == landed_files(once)
    rows = events(landing)
    assert len(rows) == 9 and len({row["event_id"] for row in rows}) == 9
    # parts written per input file (the same lines twice, as the defect landed them) are
    # merged into the day's one part when a log with lines of that day is imported
    for day in landing.glob("web/events/date=*"):
        shutil.copy(day / "part-access-log.parquet", day / "part-access-log-access.parquet")
        (day / "part-access-log.parquet").rename(day / "part-access-log-access.log.1.parquet")
    assert import_access_log([rotated, live], landing, site_url=SITE).ok
    assert landed_files(landing) == landed_files(once)


# --- malformed input is refused whole ------------------------------------------------------


def test_truncated_ga4_file_is_refused_with_its_line(tmp_path: Path) -> None:
    source = (FIXTURES / "ga4" / "events_20250610.json").read_bytes()
    cut = tmp_path / "in" / "events_20250610.json"
    cut.parent.mkdir()
    cut.write_bytes(source[: source.index(b"\n", 4000) + 200])  # in the middle of a record
    report = import_ga4([cut], tmp_path / "landing")
    assert not report.ok and report.written == {}
    (refusal,) = report.refused_files
    assert refusal.path == cut and refusal.reason.startswith("not a JSON record")
    assert refusal.line == source[: source.index(b"\n", 4000) + 1].count(b"\n") + 1
    assert not (tmp_path / "landing").exists()


def test_log_line_of_another_format_refuses_its_file(tmp_path: Path) -> None:
    lines = (FIXTURES / "access_log" / "access.log").read_text().splitlines()
    lines.insert(4, '{"remote_addr": "203.0.113.9", "request": "GET / HTTP/1.1"}')
    bad = tmp_path / "access.log"
    bad.write_text("\n".join(lines) + "\n")
    good = tmp_path / "access.log.1.gz"
    shutil.copy(LOGS[1], good)
    report = import_access_log([bad, good], tmp_path / "landing")
    (refusal,) = report.refused_files
    assert (refusal.path, refusal.line) == (bad, 5)
    assert refusal.reason.startswith("not a combined-format log line (1 such lines)")
    assert report.written == {"web.events": 3}  # the good file's page views only
    landed = sorted(p.name for p in (tmp_path / "landing").rglob("*.parquet"))
    assert landed == ["part-access-log.parquet"]
    assert gzip.decompress(good.read_bytes())  # the input is left as it was


def test_shopify_export_with_a_renamed_column_is_refused(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(FIXTURES / "shopify", exports)
    orders = exports / "orders_export_1.csv"
    orders.write_text(orders.read_text().replace("Lineitem sku", "Lineitem SKU", 1))
    assert main(["shopify", "--input", str(exports), "--landing", str(tmp_path / "landing")]) == 1
    report = import_shopify(exports, tmp_path / "landing")
    (refusal,) = report.refused_files
    assert (refusal.path, refusal.line) == (orders, 1)
    assert refusal.reason == (
        "not Shopify's column layout: no column Lineitem sku (found Lineitem SKU: Shopify's "
        "names are case-sensitive)"
    )
    assert not (tmp_path / "landing").exists()


# --- daily operation: a Dagster asset and sensor per configured importer --------------------


def test_no_importer_configured_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHOP_IMPORT_GA4_DIR", "SHOP_IMPORT_ACCESS_LOG_DIR", "SHOP_IMPORT_SHOPIFY_DIR"):
        monkeypatch.delenv(name, raising=False)
    assert (importer_assets(), importer_jobs(), importer_sensors()) == ([], [], [])


def test_ga4_asset_lands_what_the_command_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_IMPORT_GA4_DIR", str(FIXTURES / "ga4"))
    monkeypatch.setenv("SHOP_LANDING_DIR", str(tmp_path / "by_asset"))
    assets = importer_assets()
    assert [a.key.to_user_string() for a in assets] == ["importers/ga4"]
    (job,) = importer_jobs()
    assert job.name == "import_ga4"
    result = materialize(assets)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("importers__ga4")
    metadata = {k: v.value for k, v in materialization.metadata.items() if k != "report"}
    assert metadata == {
        "rows_read": 20, "rows_written": 16, "rows_not_imported": 3, "landing_files": 3,
    }  # fmt: skip
    command = ["ga4", "--input", str(FIXTURES / "ga4"), "--landing", str(tmp_path / "by_hand")]
    assert main(command) == 0
    by_asset = landed_files(tmp_path / "by_asset")
    assert len(by_asset) == 3 and by_asset == landed_files(tmp_path / "by_hand")


def test_ga4_sensor_requests_the_files_that_arrived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    shutil.copy(FIXTURES / "ga4" / "events_20250610.json", exports)
    monkeypatch.setenv("SHOP_IMPORT_GA4_DIR", str(exports))
    (watch,) = importer_sensors()
    context = build_sensor_context()
    first = watch(context)
    assert first.run_key.startswith("ga4-")
    files = first.run_config["ops"]["importers__ga4"]["config"]["files"]
    assert files == [str(exports / "events_20250610.json")]
    assert isinstance(watch(build_sensor_context(cursor=context.cursor)), SkipReason)
    shutil.copy(FIXTURES / "ga4" / "events_20250611.json", exports)
    second = watch(build_sensor_context(cursor=context.cursor))
    files = second.run_config["ops"]["importers__ga4"]["config"]["files"]
    assert files == [str(exports / "events_20250611.json")]  # only the new day's file


# --- the whole pipeline on what the importers landed -----------------------------------------

#: Shopify's Orders export knows when an order was fulfilled, not when it arrived: the
#: carrier's delivery confirmations (as the shop's wms delivers them: its shipments again,
#: delivered) complete the order system, or the delivery indicators have no values and the
#: run stops at the catalog's completeness test.
DELIVERED = {"#1001": "2025-06-12 14:00:00", "#1003": "2025-06-12 16:00:00"}


def _deliveries(landing: Path) -> None:
    shipments = {s["shipment_id"]: s for s in read_landed(landing, "wms", "shipments")}
    rows = []
    for order_id, at in DELIVERED.items():
        shipment = dict(shipments[f"{order_id}-1"])
        delivered = dt.datetime.fromisoformat(at)
        shipment.update(delivered_at=delivered, status="delivered", updated_at=delivered)
        shipment["shipped_at"] = dt.datetime.fromisoformat(str(shipment["shipped_at"])[:19])
        shipment["shipping_cost"] = Decimal("4.00")
        rows.append(shipment)
    table = load_contract().table("wms", "shipments")
    data = {c.name: [row[c.name] for row in rows] for c in table.columns}
    write_landing_file(landing, table, LAST, data)


DAYS = ("2025-06-10", "2025-06-11", "2025-06-12")
MONTH = "2025-06-01"
#: Per day and for the month: the Shopify figures, and GA4's and the logs' traffic added
#: (each visitor id comes from one importer: GA4's cookie ids, the logs' hashes).
FIGURES = {
    "total_orders": ((2, 2, 2), 6),
    "valid_orders": ((2, 1, 1), 4),
    "gmv": ((87, 62, 57), 206),
    "net_sales": ((87, 25, 45), 157),
    "page_views": ((4 + 3, 4 + 3, 3 + 3), 11 + 9),
    "visits": ((2 + 2, 2 + 1, 3 + 2), 7 + 5),
    "unique_visitors": ((2 + 2, 2 + 1, 2 + 2), 4 + 4),
    "bounce_rate": (((1 + 1) / 4, 0, (2 + 1) / 5), (3 + 2) / 12),
    # the logs' request times only (GA4 exports none): 120, 250, 300 | 80, 110, 90 | none
    "page_load_p50_ms": ((250, 90, None), (110 + 120) / 2),
}


def expected(figures: dict) -> dict[tuple[str, str, str], float]:
    out = {}
    for code, (daily, month) in figures.items():
        out |= {
            (code, "day", day): value
            for day, value in zip(DAYS, daily, strict=True)
            if value is not None  # a day without a measurement (no request times)
        }
        out[(code, "month", MONTH)] = month
    return out


def test_pipeline_on_what_the_three_importers_landed(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    assert import_shopify(FIXTURES / "shopify", landing).ok
    assert import_ga4([FIXTURES / "ga4"], landing).ok
    assert import_access_log(LOGS, landing, site_url=SITE).ok
    _deliveries(landing)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SHOP_SETTINGS_FILE", str(USD_US))
        use_shop(monkeypatch, tmp_path, FIRST)
        result = run_days(FIRST, LAST)
    assert result.success, problems(result)
    con = duckdb.connect(str(tmp_path / "published" / "current.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select indicator_code, grain, cast(period_start as varchar), indicator_value "
            "from marts.fct_indicator_values where slice_dimension = 'all' and grain in "
            f"('day', 'month') and indicator_code in ({', '.join(map(repr, FIGURES))})"
        ).fetchall()
    finally:
        con.close()
    actual = {(code, grain, start): value for code, grain, start, value in rows}
    for key, value in expected(FIGURES).items():
        assert actual.get(key) == pytest.approx(value, abs=1e-9), key
