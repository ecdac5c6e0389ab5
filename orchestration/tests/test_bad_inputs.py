"""The bad-input catalog: each kind of defect a shop's exports carry, proven harmless.

A small shop is built and published once. Each case copies it, damages one export day's
landing files the way real exports go wrong, and runs that day through the pipeline while a
reader queries the published warehouse in a loop; cases that stop at the same stage and damage
different tables share a run (function shared_runs). Each case asserts its exact outcome:

- a blocking defect: the run fails; the gate that stopped it names the defect's rule or
  message in what the operator reads (``orchestration.run.problems``); nothing downstream
  of that gate was built; the published warehouse is byte-for-byte the previous one, and
  the reader only ever saw that version;
- a harmless repeat (a day delivered twice): the run publishes; the new version's marts
  equal the previous version's by content hash; the reader never failed and saw the old
  version, then the new one.

The README's defect catalog table lists the same cases.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from dagster import DagsterEventType

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file
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
    RERUN_DAY,
    SHOP_DAYS,
    SHOP_START,
    fingerprint,
    published_file,
    published_shop,
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


@dataclass(frozen=True)
class Defect:
    damage: Callable[[Path], None]
    gate: str  # the start of the operator's line that names the stop ("" : it must not stop)
    says: str  # what that line must say
    table: str  # the raw table it damages ("": none)


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
    "duplicate event ids across files": Defect(
        duplicate_events_in_a_second_file,
        "CHECK FAILED raw/events:raw_suite",
        "duplicate_key",
        table="events",
    ),
    "duplicate orders": Defect(
        change("shop", "orders", lambda d: pa.concat_tables([d, d.slice(0, 2)])),
        "CHECK FAILED raw/orders:raw_suite",
        "duplicate_key",
        table="orders",
    ),
    "null primary key": Defect(
        change("shop", "order_lines", lambda d: set_value(d, "order_line_id", 0, None)),
        "CHECK FAILED raw/order_lines:raw_suite",
        "null_key",
        table="order_lines",
    ),
    "negative amount": Defect(
        change("shop", "payments", lambda d: set_value(d, "amount", 0, -50)),
        "CHECK FAILED raw/payments:raw_suite",
        "bad_amount_amount",
        table="payments",
    ),
    "absurd amount": Defect(
        change("shop", "orders", lambda d: set_value(d, "order_total", 0, 99_999_999)),
        "CHECK FAILED raw/orders:raw_suite",
        "bad_amount_order_total",
        table="orders",
    ),
    "timestamp in the future": Defect(
        change("shop", "payments", shifted("attempted_at", dt.timedelta(days=30))),
        "CHECK FAILED raw/payments:raw_suite",
        "impossible_time_attempted_at",
        table="payments",
    ),
    "timestamp before the shop opened": Defect(
        change("shop", "orders", lambda d: set_value(d, "placed_at", 0, dt.datetime(2019, 5, 1))),
        "CHECK FAILED raw/orders:raw_suite",
        "impossible_time_placed_at",
        table="orders",
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
    ),
    "currency mix-up": Defect(
        change("shop", "orders", lambda d: map_column(d, "currency", lambda _: "USD")),
        "CHECK FAILED raw/orders:raw_suite",
        "unknown_currency",
        table="orders",
    ),
    "time-zone mix-up": Defect(
        # shop time (UTC+8) written as if it were UTC
        change("web", "events", shifted("event_at", dt.timedelta(hours=8))),
        "CHECK FAILED raw/events:raw_suite",
        "off_day_share",
        table="events",
    ),
    "a day without web events": Defect(
        change("web", "events", lambda d: d.slice(0, 0)),
        "CHECK FAILED raw/events:raw_suite",
        "volume_ratio",
        table="events",
    ),
    "a stale re-export": Defect(
        stale_web_events, "CHECK FAILED raw/events:raw_suite", "stale_hours", table="events"
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
    # harmless
    "a day delivered twice": Defect(nothing, HARMLESS, "", table=""),
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


def shared_runs() -> list[tuple[str, ...]]:
    """The cases in as few pipeline runs as can share one: cases stopping at the same stage,
    each damaging a different table (so each gate's line is its own case's)."""
    runs: list[list[str]] = []
    for name, case in CATALOG.items():
        fits = (
            run
            for run in runs
            if stage(CATALOG[run[0]]) == stage(case) != "nowhere"
            and case.table not in {CATALOG[other].table for other in run}
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
        assert len({CATALOG[name].table for name in run}) == len(run), run
    # the orders export carries the most raw-stage cases: one run each
    orders = [
        name for name, case in CATALOG.items() if (stage(case), case.table) == ("raw", "orders")
    ]
    assert len([run for run in runs if stage(CATALOG[run[0]]) == "raw"]) == len(orders)


def test_the_catalog_has_every_kind_the_readme_lists() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The defect catalog", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]  # no header
    assert [row.split("|")[1].strip() for row in rows] == list(CATALOG)
    assert len(CATALOG) >= 15
