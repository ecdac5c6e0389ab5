"""The bad-input catalog: each kind of defect a shop's exports carry, proven harmless.

A small shop is built and published once. Each case copies it, damages one export day's
landing files the way real exports go wrong, and runs that day through the pipeline while a
reader queries the published warehouse in a loop; cases that stop at the same stage share a
run where each can still prove its own stop (function can_share). Each case asserts its exact
outcome:

- a blocking defect: the run fails; the gate that stopped it names the defect's rule or
  message in what the operator reads (``orchestration.run.problems``); nothing downstream
  of that gate was built; the published warehouse is byte-for-byte the previous one, and
  the reader only ever saw that version;
- a harmless repeat (a day delivered twice): the run publishes; the new version's marts
  equal the previous version's by content hash; the reader never failed and saw the old
  version, then the new one.

The defect catalog table of docs/reliability.md lists the same cases.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from dagster import DagsterEventType, PartitionKeyRange, RunRequest, build_sensor_context

import orchestration.run
from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.jobs import _landing_fingerprints, landing_files, range_tags
from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.damage import (
    drop_csv_column,
    encoding_of,
    landing_file,
    map_column,
    read_landed_table,
    replace_in_csv,
    rewrite,
    set_value,
)
from orchestration.tests.hashes import differences
from orchestration.tests.readers import Readers
from orchestration.tests.warehouse import (
    CONSOLE_NOISE,
    RERUN_DAY,
    SHOP_DAYS,
    SHOP_START,
    fingerprint,
    published_file,
    published_shop,
    run_as_command,
    use_shop,
)
from orchestration.transform.assets import untested_marker


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop, built on DuckDB and published once (version 1); cases copy it."""
    root = tmp_path_factory.mktemp("catalog")
    published_shop(root, SHOP_START, SHOP_DAYS, seed=5)
    return root


def orders_csv(landing: Path) -> Path:
    return landing_file(landing, "shop", "orders", RERUN_DAY)


def events_parquet(landing: Path) -> Path:
    return landing_file(landing, "web", "events", RERUN_DAY)


def change(source: str, table: str, how: Callable[[pa.Table], pa.Table]) -> Callable[[Path], None]:
    return lambda landing: rewrite(landing, source, table, RERUN_DAY, how)


def as_text(column: str) -> Callable[[pa.Table], pa.Table]:
    def change(data: pa.Table) -> pa.Table:
        index = data.column_names.index(column)
        return data.set_column(index, column, pc.cast(data.column(column), pa.string()))

    return change


def shifted(column: str, by: dt.timedelta) -> Callable[[pa.Table], pa.Table]:
    return lambda data: map_column(data, column, lambda time: time + by)


def first_row(data: pa.Table, column: str, value: str) -> int:
    return pc.equal(data.column(column), value).to_pylist().index(True)


def delivered_before_shipped(data: pa.Table) -> pa.Table:
    row = first_row(data, "status", "delivered")
    shipped_at = data.column("shipped_at")[row].as_py()
    return set_value(data, "delivered_at", row, shipped_at - dt.timedelta(hours=5))


def stale_web_events(landing: Path) -> None:
    """The day's web export is yesterday's file again."""
    yesterday = landing_file(landing, "web", "events", RERUN_DAY - dt.timedelta(days=1))
    shutil.copyfile(yesterday, events_parquet(landing))


def duplicate_events_in_a_second_file(landing: Path) -> None:
    events = read_landed_table(landing, "web", "events", RERUN_DAY)
    write_landing_file(
        landing, load_contract().table("web", "events"), RERUN_DAY, events[:3], part=1
    )


def gbk_bytes_in_a_utf8_file(landing: Path) -> None:
    path = landing_file(landing, "wms", "picking_exceptions", RERUN_DAY)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\n" + "仓库".encode("gbk"), 1))


def utf8_customers(landing: Path) -> None:
    """The customers export (Chinese names) saved as UTF-8, though the source says GBK."""
    path = landing_file(landing, "shop", "customers", RERUN_DAY)
    path.write_bytes(path.read_bytes().decode("gbk").encode("utf-8"))


def nothing(landing: Path) -> None:
    """The same files again: a day delivered twice."""


def as_text_value(column: str, row: int, text: str) -> Callable[[pa.Table], pa.Table]:
    """One cell of a column replaced by a text, as a spreadsheet would write it."""

    def change(data: pa.Table) -> pa.Table:
        return set_value(as_text(column)(data), column, row, text)

    return change


def with_byte_order_mark(source: str, table: str, encoding: str) -> Callable[[Path], None]:
    """The export saved by Excel as "CSV UTF-8": a byte-order mark, then UTF-8."""

    def damage(landing: Path) -> None:
        path = landing_file(landing, source, table, RERUN_DAY)
        text = path.read_bytes().decode(encoding)
        path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))

    return damage


def trailing_line_of_spaces(landing: Path) -> None:
    path = landing_file(landing, "wms", "warehouse_costs", RERUN_DAY)
    path.write_bytes(path.read_bytes() + b"   \n")


def misdated_copy(source: str, table: str, day: dt.date) -> Callable[[Path], None]:
    """The day's export also copied under a wrong date (a typo, a test export)."""

    def damage(landing: Path) -> None:
        spec = load_contract().table(source, table)
        shutil.copytree(spec.landing_dir(landing, RERUN_DAY), spec.landing_dir(landing, day))

    return damage


def the_day_before_refused(landing: Path) -> None:
    """The day before the run's day carried a negative payment, and its run refused it."""
    day = RERUN_DAY - dt.timedelta(days=1)
    rewrite(landing, "shop", "payments", day, lambda d: set_value(d, "amount", 0, -605))
    refused = run_days(day, day)
    assert not refused.success
    assert any("bad_amount_amount" in line for line in problems(refused))


def nan_paid_amount(data: pa.Table) -> pa.Table:
    """A successful payment's amount exported as NaN."""
    return set_value(as_text("amount")(data), "amount", first_row(data, "status", "success"), "NaN")


def re_exported(
    source: str, table: str, pick: Callable[[pa.Table], list[int]], how: Callable
) -> Callable[[Path], None]:
    """Records of a table delivered as changes (``pick``: their rows among every export up to
    the damaged day) exported again that day, changed by ``how``, as its only file."""

    def damage(landing: Path) -> None:
        spec = load_contract().table(source, table)
        exported = pa.concat_tables(
            read_landed_table(landing, source, table, day)
            for day in _days_of(landing, spec)
            if day <= RERUN_DAY
        )
        data = how(exported.take(pick(exported)))
        updated = dt.datetime.combine(RERUN_DAY, dt.time(2))  # 10:00 shop time, that day
        data = map_column(data, "updated_at", lambda _: updated)
        if RERUN_DAY in _days_of(landing, spec):
            landing_file(landing, source, table, RERUN_DAY).unlink()
        write_landing_file(landing, spec, RERUN_DAY, data)

    return damage


def two_partnerships(campaigns: pa.Table) -> list[int]:
    types, ids = campaigns.column("campaign_type").to_pylist(), campaigns.column("campaign_id")
    rows = {ids[i].as_py(): i for i, kind in enumerate(types) if kind == "partnership"}
    assert len(rows) >= 2, rows
    return sorted(rows.values())[:2]


def non_finite_commission_rates(data: pa.Table) -> pa.Table:
    """Two partnerships' commission rates re-exported as NaN and as Infinity."""
    data = as_text("commission_rate")(data)
    return set_value(set_value(data, "commission_rate", 0, "NaN"), "commission_rate", 1, "Infinity")


def _days_of(landing: Path, spec) -> list[dt.date]:
    table_dir = landing / spec.source / spec.name
    return sorted(dt.date.fromisoformat(d.name.removeprefix("date=")) for d in table_dir.iterdir())


def a_negative_quantity_with_matching_amounts(data: pa.Table) -> pa.Table:
    """An order line's quantity -1, its line amount and the order total unchanged."""
    return set_value(data, "quantity", 0, -1)


def windows_export_in_shop_time(source: str, table: str) -> Callable[[Path], None]:
    """The export re-saved by a Windows tool: CRLF line endings, and every timestamp written
    in shop time with its explicit offset (+08:00) instead of UTC."""

    def shop_time(match: re.Match) -> str:
        utc = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=dt.UTC)
        return utc.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat(sep=" ")

    def damage(landing: Path) -> None:
        path = landing_file(landing, source, table, RERUN_DAY)
        encoding = encoding_of(source)
        text = path.read_bytes().decode(encoding)
        shaped = re.sub(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6})Z", shop_time, text)
        assert shaped != text and "+08:00" in shaped
        path.write_bytes(shaped.replace("\n", "\r\n").encode(encoding))

    return damage


@dataclass(frozen=True)
class Defect:
    damage: Callable[[Path], None]
    gate: str  # the start of the operator's line that names the stop ("" : it must not stop)
    says: str  # what that line must say (of a harmless case: a line the run must print)
    table: str  # the raw table it damages ("": none)
    #: its damage breaks its own raw-suite rule only (says names it), so it shares a run
    #: with other such cases of its table: the suite measures every rule of the table at
    #: once and the gate's line names each rule broken
    own_rule: bool = False


HARMLESS = ""

CATALOG = {
    # ingest (gate 1a): the file is refused whole, with the file, column and row
    "missing column": Defect(
        lambda landing: drop_csv_column(orders_csv(landing), "order_total", encoding_of("shop")),
        "STEP FAILED raw__orders",
        "[missing_column] column 'order_total'",
        table="orders",
    ),
    "extra column": Defect(
        lambda landing: replace_in_csv(
            orders_csv(landing), '"is_fraud"\n', '"is_fraud","note"\n', encoding_of("shop")
        ),
        "STEP FAILED raw__orders",
        "[extra_column] column 'note'",
        table="orders",
    ),
    "renamed column": Defect(
        lambda landing: replace_in_csv(
            orders_csv(landing), '"placed_at"', '"order_time"', encoding_of("shop")
        ),
        "STEP FAILED raw__orders",
        "unexpected columns present: ['order_time']",
        table="orders",
    ),
    "wrong type": Defect(
        change("web", "events", as_text("page_load_ms")),
        "STEP FAILED raw__events",
        "[wrong_type] column 'page_load_ms'",
        table="events",
    ),
    "UTF-8 file where GBK is declared": Defect(
        utf8_customers,
        "STEP FAILED raw__customers",
        "[encoding]: the file is UTF-8 but",
        table="customers",
    ),
    "GBK bytes where UTF-8 is declared": Defect(
        gbk_bytes_in_a_utf8_file,
        "STEP FAILED raw__picking_exceptions",
        "[encoding]",
        table="picking_exceptions",
    ),
    "empty file": Defect(
        lambda landing: orders_csv(landing).write_bytes(b""),
        "STEP FAILED raw__orders",
        "[empty_file]",
        table="orders",
    ),
    "truncated Parquet": Defect(
        lambda landing: events_parquet(landing).write_bytes(
            events_parquet(landing).read_bytes()[:-100]
        ),
        "STEP FAILED raw__events",
        "[unreadable_file]",
        table="events",
    ),
    # raw suites (gate 1b): the rule that broke, with sample rows
    "duplicate orders": Defect(
        change("shop", "orders", lambda d: pa.concat_tables([d, d.slice(0, 2)])),
        "CHECK FAILED raw/orders:raw_suite",
        "duplicate_key",
        table="orders",
        own_rule=True,
    ),
    "null primary key": Defect(
        change("shop", "order_lines", lambda d: set_value(d, "order_line_id", 0, None)),
        "CHECK FAILED raw/order_lines:raw_suite",
        "null_key",
        table="order_lines",
    ),
    "a null in a column that is not nullable": Defect(
        change("shop", "order_lines", lambda d: set_value(d, "unit_price", 0, None)),
        "CHECK FAILED raw/order_lines:raw_suite",
        f"(export day {RERUN_DAY}): null unit_price",
        table="order_lines",
    ),
    "negative amount": Defect(
        change("shop", "payments", lambda d: set_value(d, "amount", 0, -50)),
        "CHECK FAILED raw/payments:raw_suite",
        "bad_amount_amount",
        table="payments",
        own_rule=True,
    ),
    "absurd amount": Defect(
        change("shop", "orders", lambda d: set_value(d, "order_total", 0, 99_999_999)),
        "CHECK FAILED raw/orders:raw_suite",
        "bad_amount_order_total",
        table="orders",
        own_rule=True,
    ),
    "timestamp in the future": Defect(
        change("shop", "payments", shifted("attempted_at", dt.timedelta(days=30))),
        "CHECK FAILED raw/payments:raw_suite",
        "impossible_time_attempted_at",
        table="payments",
        own_rule=True,
    ),
    "timestamp before the shop opened": Defect(
        change("shop", "orders", lambda d: set_value(d, "placed_at", 0, dt.datetime(2019, 5, 1))),
        "CHECK FAILED raw/orders:raw_suite",
        "impossible_time_placed_at",
        table="orders",
        own_rule=True,
    ),
    "orphan SKU": Defect(
        change("shop", "order_lines", lambda d: set_value(d, "sku_id", 0, "SKU-UNKNOWN")),
        "CHECK FAILED raw/order_lines:raw_suite",
        "orphan_sku_id",
        table="order_lines",
    ),
    "orphan customer": Defect(
        change("shop", "orders", lambda d: set_value(d, "customer_id", 0, "C-UNKNOWN")),
        "CHECK FAILED raw/orders:raw_suite",
        "orphan_customer_id",
        table="orders",
        own_rule=True,
    ),
    "orphan warehouse": Defect(
        change("wms", "inventory_snapshots", lambda d: set_value(d, "warehouse_id", 0, "WH-X")),
        "CHECK FAILED raw/inventory_snapshots:raw_suite",
        "orphan_warehouse_id",
        table="inventory_snapshots",
    ),
    "unknown payment method": Defect(
        change("shop", "payments", lambda d: set_value(d, "payment_method", 0, "crypto_wallet")),
        "CHECK FAILED raw/payments:raw_suite",
        "unknown_payment_method",
        table="payments",
        own_rule=True,
    ),
    "currency mix-up": Defect(
        change("shop", "orders", lambda d: map_column(d, "currency", lambda _: "USD")),
        "CHECK FAILED raw/orders:raw_suite",
        "unknown_currency",
        table="orders",
        own_rule=True,
    ),
    "time-zone mix-up": Defect(
        # shop time (UTC+8) written as if it were UTC
        change("web", "events", shifted("event_at", dt.timedelta(hours=8))),
        "CHECK FAILED raw/events:raw_suite",
        "off_day_share",
        table="events",
        own_rule=True,
    ),
    # after the time-zone mix-up, which rewrites the day's one events file: this case adds
    # a second one
    "duplicate event ids across files": Defect(
        duplicate_events_in_a_second_file,
        "CHECK FAILED raw/events:raw_suite",
        "duplicate_key",
        table="events",
        own_rule=True,
    ),
    "a day without web events": Defect(
        change("web", "events", lambda d: d.slice(0, 0)),
        "CHECK FAILED raw/events:raw_suite",
        f"raw.events on {RERUN_DAY}: 0 rows, expected",
        table="events",
    ),
    "a stale re-export": Defect(
        stale_web_events, "CHECK FAILED raw/events:raw_suite", "stale_hours", table="events"
    ),
    "a refused day, then a run of the next day only": Defect(
        the_day_before_refused,
        "CHECK FAILED raw/payments:raw_suite",
        f"raw.payments {RERUN_DAY - dt.timedelta(days=1)} is quarantined (its last check "
        "failed: bad_amount_amount",
        table="payments",
    ),
    "a null token in a text column": Defect(
        change("shop", "payments", as_text_value("payment_method", 0, "N/A")),
        "CHECK FAILED raw/payments:raw_suite",
        "unknown_payment_method",
        table="payments",
        own_rule=True,
    ),
    "a null token in a money column": Defect(
        change("wms", "shipments", as_text_value("shipping_cost", 0, "NULL")),
        "STEP FAILED raw__shipments",
        "[unparseable_value] column 'shipping_cost' row 1: value 'NULL' is not a decimal",
        table="shipments",
    ),
    "money with more decimals than the contract keeps": Defect(
        change("marketing", "ad_spend", as_text_value("cost", 0, "7.825")),
        "STEP FAILED raw__ad_spend",
        "[over_precise_money] column 'cost' row 1: value '7.825' has more than 2 decimals",
        table="ad_spend",
    ),
    "a byte-order mark where GBK is declared": Defect(
        with_byte_order_mark("shop", "customers", "gbk"),
        "STEP FAILED raw__customers",
        "[encoding]: the file is UTF-8 (it starts with a UTF-8 byte-order mark",
        table="customers",
    ),
    "a trailing line of spaces": Defect(
        trailing_line_of_spaces,
        "STEP FAILED raw__warehouse_costs",
        "field(s) where the header has 4: '   '",
        table="warehouse_costs",
    ),
    # values that no gate stopped before: a NaN, an Infinity, a NUL, a negative quantity
    "a NaN amount of a successful payment": Defect(
        change("shop", "payments", nan_paid_amount),
        "STEP FAILED raw__payments",
        "column 'amount' row ",  # … ': value 'NaN' is not a finite number'
        table="payments",
    ),
    "commission rates re-exported as NaN and Infinity": Defect(
        re_exported("marketing", "campaigns", two_partnerships, non_finite_commission_rates),
        "STEP FAILED raw__campaigns",
        "[non_finite_number] column 'commission_rate' row 1: value 'NaN' is not a finite number",
        table="campaigns",
    ),
    "a negative quantity whose amounts still match": Defect(
        change("shop", "order_lines", a_negative_quantity_with_matching_amounts),
        "CHECK FAILED raw/order_lines:raw_suite",
        f"(export day {RERUN_DAY}): quantity -1",
        table="order_lines",
    ),
    "a NUL inside a quoted carrier name": Defect(
        change("wms", "shipments", as_text_value("carrier", 0, "SF\x00Express")),
        "STEP FAILED raw__shipments",
        "[control_character] column 'carrier' row 1: value 'SF\\x00Express' holds a control "
        "character",
        table="shipments",
    ),
    # shapes of exports that have no single meaning: refused with file, column, row, value
    "a decimal comma": Defect(
        change("marketing", "ad_spend", as_text_value("cost", 0, "12,50")),
        "STEP FAILED raw__ad_spend",
        "[unparseable_value] column 'cost' row 1: value '12,50' is not a decimal",
        table="ad_spend",
    ),
    "a thousands separator": Defect(
        change("wms", "warehouse_costs", as_text_value("amount", 0, "1,250.00")),
        "STEP FAILED raw__warehouse_costs",
        "[unparseable_value] column 'amount' row 1: value '1,250.00' is not a decimal",
        table="warehouse_costs",
    ),
    "a currency symbol": Defect(
        change("wms", "shipments", as_text_value("shipping_cost", 0, "￥8.00")),
        "STEP FAILED raw__shipments",
        "[unparseable_value] column 'shipping_cost' row 1: value '￥8.00' is not a decimal",
        table="shipments",
    ),
    "a time-zone abbreviation": Defect(
        change("shop", "payments", as_text_value("attempted_at", 0, "2025-06-17 10:00:00 CST")),
        "STEP FAILED raw__payments",
        "[unparseable_value] column 'attempted_at' row 1: value '2025-06-17 10:00:00 CST' is "
        "not a timestamp",
        table="payments",
    ),
    "a quoted line break in a text": Defect(
        re_exported(
            "shop", "products", lambda _: [0], as_text_value("product_name", 0, "line\nbreak")
        ),
        "STEP FAILED raw__products",
        "[control_character] column 'product_name' row 1: value 'line\\nbreak' holds",
        table="products",
    ),
    # dbt tests (gates 2 and 3)
    "order lines that disagree with the order total": Defect(
        change("shop", "orders", lambda d: map_column(d, "items_amount", lambda a: a + 10)),
        "CHECK FAILED marts/fct_orders:",
        "assert_line_totals_match_order_totals",
        table="orders",
    ),
    "delivered before shipped": Defect(
        change("wms", "shipments", delivered_before_shipped),
        "CHECK FAILED marts/fct_shipments:",
        "delivery_hours",
        table="shipments",
    ),
    # harmless: the run publishes the same figures (and names what it refused)
    "a day delivered twice": Defect(nothing, HARMLESS, "", table=""),
    "a byte-order mark in a UTF-8 source": Defect(
        with_byte_order_mark("wms", "inventory_snapshots", "utf-8"),
        HARMLESS,
        "",
        table="inventory_snapshots",
    ),
    "a partition dated after today": Defect(
        misdated_copy("web", "events", dt.date(2031, 1, 1)),
        HARMLESS,
        "REFUSED web/events/date=2031-01-01 is not loaded: dated after today",
        table="events",
    ),
    "a partition dated before SHOP_FIRST_DAY": Defect(
        misdated_copy("shop", "orders", SHOP_START - dt.timedelta(days=1)),
        HARMLESS,
        f"REFUSED shop/orders/date={SHOP_START - dt.timedelta(days=1)} is not loaded: dated "
        f"before SHOP_FIRST_DAY ({SHOP_START})",
        table="orders",
    ),
    "Windows line endings and timestamps with a UTC offset": Defect(
        windows_export_in_shop_time("shop", "payments"), HARMLESS, "", table="payments"
    ),
}


def built(result) -> set[str]:
    return {
        event.asset_key.to_user_string()
        for event in result.all_events
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }


def stage(case: Defect) -> str:
    """Where a case must stop: at raw (ingest or raw suites), at dbt tests (which need every
    raw gate passed), or nowhere."""
    if case.gate == HARMLESS:
        return "nowhere"
    return "dbt" if case.gate.startswith("CHECK FAILED marts") else "raw"


def can_share(one: Defect, other: Defect) -> bool:
    """Whether two cases stopping at the same stage can share a run and each still prove
    its own stop: they damage different tables (so each gate's line is its own case's), or
    each breaks its own rule of one table, rules whose names neither contains."""
    if one.table != other.table:
        return True
    return (
        one.own_rule
        and other.own_rule
        and one.says not in other.says
        and other.says not in one.says
    )


def shared_runs() -> list[tuple[str, ...]]:
    """The cases in as few pipeline runs as can share one (function can_share)."""
    runs: list[list[str]] = []
    for name, case in CATALOG.items():
        fits = (
            run
            for run in runs
            if stage(CATALOG[run[0]]) == stage(case)
            and all(can_share(case, CATALOG[other]) for other in run)
        )
        run = next(fits, None)
        if run is None:
            runs.append([name])
        else:
            run.append(name)
    return [tuple(run) for run in runs]


@pytest.mark.parametrize("defects", shared_runs(), ids=" + ".join)
def test_each_bad_input_is_stopped_or_harmless(
    defects: tuple[str, ...], published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [CATALOG[defect] for defect in defects]
    root = tmp_path / "shop"
    shutil.copytree(published, root, symlinks=True)
    use_shop(monkeypatch, root, SHOP_START)
    before, previous = fingerprint(root), published_file(root)
    for case in cases:
        case.damage(root / "landing")

    current = root / "published" / "current.duckdb"
    with Readers(current, tmp_path / "readers", interval=0.05) as readers:
        result = run_days(RERUN_DAY, RERUN_DAY)

    lines = problems(result)
    assert readers.errors == [[]]
    [versions] = readers.versions()
    if stage(cases[0]) == "nowhere":
        assert result.success, lines
        for defect, case in zip(defects, cases, strict=True):
            assert not case.says or any(line.startswith(case.says) for line in lines), (
                defect,
                lines,
            )
        assert published_file(root) != previous  # a new version …
        assert differences(previous, published_file(root), ("marts", "reference")) == {}
        assert versions == sorted(versions) and set(versions) <= {1, 2}
        return
    assert not result.success
    for defect, case in zip(defects, cases, strict=True):
        assert any(line.startswith(case.gate) and case.says in line for line in lines), (
            defect,
            lines,
        )
    done = built(result)
    assert "published/warehouse" not in done
    if stage(cases[0]) == "raw":
        downstream = ("reference/", "staging/", "intermediate/", "marts/")
        assert not {key for key in done if key.startswith(downstream)}, done
    # after failed dbt tests, the next run's tests read every row, not only its own days
    assert untested_marker().exists() == (stage(cases[0]) == "dbt")
    assert fingerprint(root) == before
    assert set(versions) == {1}


def test_runs_share_no_table_and_hold_every_case_once() -> None:
    runs = shared_runs()
    assert sorted(name for run in runs for name in run) == sorted(CATALOG)
    for run in runs:
        assert len({stage(CATALOG[name]) for name in run}) == 1, run
        alone = [CATALOG[name].table for name in run if not CATALOG[name].own_rule]
        assert len(set(alone)) == len(alone), run
        for name in run:
            if CATALOG[name].own_rule:
                assert CATALOG[name].gate.startswith("CHECK FAILED raw/"), name
                assert CATALOG[name].table not in alone, run
        rules = [CATALOG[name].says for name in run if CATALOG[name].own_rule]
        assert len(set(rules)) == len(rules), run
    # the orders export carries the most raw-stage cases: one run for each refused file,
    # and one for the rules of its suite
    orders = [case for case in CATALOG.values() if (stage(case), case.table) == ("raw", "orders")]
    raw_runs = [run for run in runs if stage(CATALOG[run[0]]) == "raw"]
    assert len(raw_runs) == len([case for case in orders if not case.own_rule]) + 1


def test_the_catalog_has_every_kind_the_docs_list() -> None:
    docs = (PROJECT_ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    section = docs.split("\n## The defect catalog\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    assert [row.split("|")[1].strip() for row in rows] == list(CATALOG)
    assert len(CATALOG) >= 15


def sensor_runs(seen: dict[str, str]) -> list[tuple[dt.date, dt.date]]:
    """The ranges of the runs the landing-file sensor requests, given what it saw before."""
    requests = landing_files(build_sensor_context(cursor=json.dumps(seen)))
    return [
        (
            dt.date.fromisoformat(request.partition_key_range.start),
            dt.date.fromisoformat(request.partition_key_range.end),
        )
        for request in requests
    ]


def test_a_run_request_over_days_is_a_partition_range_to_dagster() -> None:
    request = RunRequest(tags=range_tags(dt.date(2025, 6, 3), dt.date(2025, 6, 9)))
    assert request.partition_key_range == PartitionKeyRange("2025-06-03", "2025-06-09")
    assert RunRequest(tags={}).partition_key_range is None


@pytest.mark.long
def test_a_refused_day_is_quarantined_until_the_shop_redelivers_it(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A day the raw gate refused publishes nothing, whichever days later runs cover (the
    next day alone, the sensor's run), until the shop re-delivers it and its run passes."""
    root = tmp_path / "shop"
    shutil.copytree(published, root, symlinks=True)
    use_shop(monkeypatch, root, SHOP_START)
    landing, day, next_day = root / "landing", RERUN_DAY, RERUN_DAY + dt.timedelta(days=1)
    before, previous = fingerprint(root), published_file(root)
    delivered = read_landed_table(landing, "shop", "payments", day)
    rewrite(landing, "shop", "payments", day, lambda d: set_value(d, "amount", 0, -605))
    seen = _landing_fingerprints()

    # run as make run runs it: what it prints names the stage, the check, its rule and the log
    refused, printed = run_as_command(monkeypatch, root, day, day)
    assert not refused.success
    lines = printed.splitlines()
    assert len(lines) <= 80 and [line for line in lines if CONSOLE_NOISE.search(line)] == []
    assert any(line.split()[:3] == ["raw", "gate", "FAILED"] for line in lines), lines
    check = "CHECK FAILED raw/payments:raw_suite (ERROR)"
    assert any(line.startswith(check) and "bad_amount_amount" in line for line in lines), lines
    log = Path(lines[0].removeprefix("log: "))
    assert log.is_file() and lines[-1] == (
        f"run {refused.run_id} FAILED: the published warehouse was left as it was; log: {log}"
    )
    quarantined = f"raw.payments {day} is quarantined (its last check failed: bad_amount_amount"
    # the next day alone, then the run the sensor asks for when that day's files change
    for path in sorted(
        load_contract().table("shop", "orders").landing_dir(landing, next_day).iterdir()
    ):
        path.touch()
    assert sensor_runs(seen) == [(next_day, next_day)]
    for first, last in [(next_day, next_day), *sensor_runs(seen)]:
        result = run_days(first, last)
        lines = problems(result)
        assert not result.success
        assert any(
            line.startswith("CHECK FAILED raw/payments:raw_suite") and quarantined in line
            for line in lines
        ), lines
        # the quarantine is the only reason: every other partition is checked and passed
        checks = [line for line in lines if line.startswith("CHECK FAILED")]
        assert [line.split(":")[0] for line in checks] == ["CHECK FAILED raw/payments"], lines
        assert "published/warehouse" not in built(result)
        assert not {key for key in built(result) if key.startswith("staging/")}
    assert fingerprint(root) == before

    # re-delivered as first exported: its run passes and publishes the day's own figures
    seen = _landing_fingerprints()
    rewrite(landing, "shop", "payments", day, lambda _: delivered)
    assert sensor_runs(seen) == [(day, day)]
    result = run_days(day, day)
    assert result.success, problems(result)
    assert published_file(root) != previous
    assert differences(previous, published_file(root), ("marts", "reference")) == {}


def test_runs_plan_only_the_days_a_shop_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Folders dated after today or before SHOP_FIRST_DAY end no range: a full run (no
    range), a bounded run and the sensor plan the exported days and name those folders."""
    landing = tmp_path / "landing"
    use_shop(monkeypatch, tmp_path, SHOP_START)
    events = load_contract().table("web", "events")
    orders = load_contract().table("shop", "orders")
    future, early = dt.date(2031, 1, 1), SHOP_START - dt.timedelta(days=1)
    exported = [SHOP_START, SHOP_START + dt.timedelta(days=1), SHOP_START + dt.timedelta(days=5)]
    for table, day in [(events, future), (orders, early), *((events, d) for d in exported)]:
        table.landing_dir(landing, day).mkdir(parents=True)
    planned = []

    class Result:
        success, run_id, all_events = True, "planned", []

    def plan(first: dt.date, last: dt.date, instance: None) -> tuple[Result, Path]:
        planned.append((first, last))
        return Result(), Path("run.log")

    monkeypatch.setattr(orchestration.run, "run_logged", plan)
    monkeypatch.setattr(orchestration.run, "project_instance", lambda: None)
    refusals = [
        "REFUSED web/events/date=2031-01-01 is not loaded: dated after today (",
        "REFUSED shop/orders/date=2025-06-09 is not loaded: dated before SHOP_FIRST_DAY "
        "(2025-06-10)",
    ]
    assert orchestration.run.main([]) == 0
    assert orchestration.run.main(["--start", str(exported[1]), "--end", str(exported[1])]) == 0
    assert planned == [(exported[0], exported[-1]), (exported[1], exported[1])]
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in printed if not line.startswith("REFUSED")] == [
        "days 2025-06-10 … 2025-06-15 (6 days)",
        "run planned: succeeded",
        "days 2025-06-11 … 2025-06-11 (1 day)",
        "run planned: succeeded",
    ]
    refused = [line for line in printed if line.startswith("REFUSED")]
    assert len(refused) == 4
    assert all(line.startswith(start) for line, start in zip(refused, refusals * 2, strict=True))
    with pytest.raises(SystemExit, match="cannot run 2031-01-01: dated after today"):
        orchestration.run.main(["--start", str(exported[0]), "--end", str(future)])
    # the sensor: one run per range of consecutive exported days, none for refused folders
    assert sensor_runs({}) == [(exported[0], exported[1]), (exported[2], exported[2])]
