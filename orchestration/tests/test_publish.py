"""Publish: only checked, reader-facing data reaches readers, atomically and reversibly."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import (
    ChecksFailed,
    PublishError,
    connect_published,
    current_version,
    list_publications,
    prune,
    publish,
    published_dir,
    publisher,
    rollback,
    version_path,
)
from orchestration.publish.cli import main
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.readers import Readers

CHECKS = {"dbt_build": True, "great_expectations": True, "reconciliation": True}
PRODUCTS = [(1, "green tea", "drinks"), (2, "tea cup", "kitchen")]
PAYMENT_METHODS = [("alipay", "Alipay", False), ("cod", "cash on delivery", True)]
READER_TABLES = {"marts.dim_product", "marts.fct_orders", "reference.payment_methods"}


def orders(version: int) -> list[tuple]:
    """fct_orders of the work database built for ``version``: 2 + version rows."""
    return [
        (f"o{i}", dt.date(2025, 3, i), Decimal(f"{100 * i + version}.50"), i == 1)
        for i in range(1, 3 + version)
    ]


def build_work(path: Path, version: int = 1) -> None:
    """A work database like the pipeline's: raw (personal data), staging, marts, reference."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    for schema in ("raw", "staging", "intermediate", "marts", "reference"):
        con.execute(f"create schema {schema}")
    con.execute("create table raw.customers (customer_id varchar, email varchar, phone varchar)")
    con.execute(
        "insert into raw.customers values ('c1', 'ann@example.com', '13800000001'), "
        "('c2', 'bob@example.com', '13800000002')"
    )
    con.execute(
        "create view staging.stg_customers as "
        "select customer_id, md5(email) as email_hash from raw.customers"
    )
    con.execute("create table intermediate.int_order_costs as select 'o1' as order_id, 1 as c")
    con.execute(
        "create table marts.fct_orders ("
        "order_id varchar not null, placed_date date, gmv decimal(18, 2), is_test boolean)"
    )
    con.executemany("insert into marts.fct_orders values (?, ?, ?, ?)", orders(version))
    con.execute("comment on table marts.fct_orders is 'One row per order.'")
    con.execute("comment on column marts.fct_orders.gmv is 'Gross merchandise value (CNY).'")
    con.execute(
        "create table marts.dim_product "
        "(product_key integer, product_name varchar, category varchar)"
    )
    con.executemany("insert into marts.dim_product values (?, ?, ?)", PRODUCTS)
    con.execute(
        "create table reference.payment_methods (code varchar, name varchar, is_cod boolean)"
    )
    con.executemany("insert into reference.payment_methods values (?, ?, ?)", PAYMENT_METHODS)
    # A view over published tables is recreated; one over staging cannot be, and is skipped.
    con.execute(
        "create view marts.v_large_orders as select * from marts.fct_orders where gmv > 200"
    )
    con.execute("create view marts.v_customers as select * from staging.stg_customers")
    con.close()


def expected_tables(version: int) -> dict[str, list[tuple]]:
    return {
        "marts.fct_orders": orders(version),
        "marts.dim_product": PRODUCTS,
        "reference.payment_methods": PAYMENT_METHODS,
    }


def rows(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple]:
    return con.execute(f"select * from {relation} order by all").fetchall()


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file and symlink under ``directory`` → hash of its content or link target."""
    found = {}
    for path in sorted(directory.rglob("*")):
        name = str(path.relative_to(directory))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory)) for path in directory.rglob("*") if ".tmp" in path.name
    )


def seen_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version a connection reads, checked for consistency with its content."""
    version, order_count, gmv = con.execute(
        "select (select max(version) from meta.publications), "
        "(select count(*) from marts.fct_orders), (select sum(gmv) from marts.fct_orders)"
    ).fetchone()
    assert order_count == 2 + version
    assert gmv == sum(row[2] for row in orders(version))
    return version


@pytest.fixture
def work(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "shop.duckdb"
    path.parent.mkdir()
    build_work(path)
    return path


@pytest.fixture
def pub(tmp_path: Path) -> Path:
    return tmp_path / "published"


def publish_version(work: Path, pub: Path, version: int, **options) -> publisher.Publication:
    """Rebuild the work database for ``version`` and publish it."""
    build_work(work, version)
    return publish(work, pub, run_id=f"run-{version}", checks=CHECKS, **options)


def test_publish_copies_only_reader_facing_schemas(work: Path, pub: Path) -> None:
    publication = publish(work, pub, run_id="run-1", checks=CHECKS)

    current = pub / "current.duckdb"
    assert current.is_symlink()
    assert os.readlink(current) == "versions/shop_v000001.duckdb"
    assert publication.version == 1
    assert publication.path == version_path(pub, 1)
    assert publication.tables == {
        "marts.dim_product": 2,
        "marts.fct_orders": 3,
        "reference.payment_methods": 2,
    }
    assert publication.checks == tuple(CHECKS)
    (note,) = publication.notes
    assert note.startswith(
        "view marts.v_customers not published: it reads relations that are not published ("
    )
    assert "staging" in note
    assert current_version(pub) == 1

    con = duckdb.connect(str(current), read_only=True)
    try:
        relations = {
            (schema, name, kind)
            for schema, name, kind in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
            ).fetchall()
        }
        assert relations == {
            ("marts", "fct_orders", "BASE TABLE"),
            ("marts", "dim_product", "BASE TABLE"),
            ("reference", "payment_methods", "BASE TABLE"),
            ("marts", "v_large_orders", "VIEW"),
            ("meta", "publications", "BASE TABLE"),
            ("meta", "table_row_counts", "BASE TABLE"),
            ("meta", "table_fingerprints", "BASE TABLE"),
        }
        schemas = {
            row[0]
            for row in con.execute(
                "select schema_name from duckdb_schemas() where database_name = current_database()"
            ).fetchall()
        }
        assert schemas == {"main", "marts", "reference", "meta"}
        for relation, expected in expected_tables(1).items():
            assert rows(con, relation) == sorted(expected)
        assert rows(con, "marts.v_large_orders") == [row for row in orders(1) if row[2] > 200]
        # dbt's persist_docs comments and the column constraints come along
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_orders'"
        ).fetchone() == ("One row per order.",)
        assert con.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'fct_orders' and column_name = 'gmv'"
        ).fetchone() == ("Gross merchandise value (CNY).",)
        assert con.execute(
            "select is_nullable from duckdb_columns() "
            "where table_name = 'fct_orders' and column_name = 'order_id'"
        ).fetchone() == (False,)

        (row,) = con.execute("select * from meta.publications").fetchall()
        version, run_id, published_at, table_count, tables, total_rows, checks = row
        assert (version, run_id, table_count, tables, total_rows, checks) == (
            1,
            "run-1",
            3,
            sorted(READER_TABLES),
            7,
            list(CHECKS),
        )
        assert published_at == publication.published_at
        assert abs(dt.datetime.now(dt.UTC).replace(tzinfo=None) - published_at).total_seconds() < 60
        assert rows(con, "meta.table_row_counts") == [
            ("marts.dim_product", 2),
            ("marts.fct_orders", 3),
            ("reference.payment_methods", 2),
        ]
        # written in the storage format older clients read, not DuckDB 2.0's own
        assert con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchone() == ("v1.0.0+",)
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from marts.fct_orders")
    finally:
        con.close()
    with open(current, "rb") as handle:
        assert struct.unpack("<8x4sQ", handle.read(20)) == (b"DUCK", 64)
    assert publication.storage_version == "v1.0.0+"
    assert not (version_path(pub, 1).stat().st_mode & 0o222)  # versions are read-only files

    (logged,) = list_publications(pub)
    assert logged["event"] == "publish"
    assert (logged["version"], logged["run_id"], logged["total_rows"]) == (1, "run-1", 7)
    assert logged["tables"] == sorted(READER_TABLES)
    assert leftovers(pub) == []


def test_refuses_private_schemas_and_a_missing_work_database(work: Path, pub: Path) -> None:
    with pytest.raises(PublishError, match=r"\['raw'\] are not for readers"):
        publish(work, pub, run_id="r", schemas=("marts", "raw"))
    with pytest.raises(PublishError, match="has no schema"):
        publish(work, pub, run_id="r", schemas=("marts", "finance"))
    with pytest.raises(PublishError, match="does not exist"):
        publish(work.with_name("missing.duckdb"), pub, run_id="r")
    writer = duckdb.connect(str(work))  # a pipeline step still writing the work database
    try:
        with pytest.raises(PublishError, match=r"cannot open the work database .* read-only"):
            publish(work, pub, run_id="r")
    finally:
        writer.close()
    assert leftovers(pub) == []
    assert current_version(pub) is None
    assert kept_files(pub) == []


def kept_files(pub: Path) -> list[str]:
    versions = pub / "versions"
    return sorted(path.name for path in versions.iterdir()) if versions.exists() else []


def test_second_publish_switches_new_readers_and_keeps_old_ones(work: Path, pub: Path) -> None:
    publish(work, pub, run_id="run-1", checks=CHECKS)
    before = connect_published(pub)  # opened on version 1, before the next publish
    try:
        assert seen_version(before) == 1

        publication = publish_version(work, pub, 2)

        assert publication.version == 2
        assert current_version(pub) == 2
        assert os.readlink(pub / "current.duckdb") == "versions/shop_v000002.duckdb"
        # the reader that opened version 1 still reads version 1, whole
        assert seen_version(before) == 1
        for relation, expected in expected_tables(1).items():
            assert rows(before, relation) == sorted(expected)
        after = duckdb.connect(str(pub / "current.duckdb"), read_only=True)
        try:
            assert seen_version(after) == 2
            for relation, expected in expected_tables(2).items():
                assert rows(after, relation) == sorted(expected)
            assert after.execute(
                "select version, run_id, total_rows from meta.publications order by version"
            ).fetchall() == [(1, "run-1", 7), (2, "run-2", 8)]
            assert rows(after, "meta.table_row_counts")[1] == ("marts.fct_orders", 4)
        finally:
            after.close()
    finally:
        before.close()
    assert [(r["event"], r["version"]) for r in list_publications(pub)] == [
        ("publish", 1),
        ("publish", 2),
    ]


def test_an_open_connection_keeps_its_version_through_publishes_and_pruning(
    work: Path, pub: Path
) -> None:
    """A reader that keeps one connection open (opened on version 1) reads version 1 the
    whole time, also once newer publishes have pruned that version's file. (Readers that
    connect anew for each query: test_reader_processes_see_whole_versions_…)"""
    publish(work, pub, run_id="run-1", checks=CHECKS)
    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []
    held = duckdb.connect(str(pub / "current.duckdb"), read_only=True)  # opened on version 1

    def hold() -> None:
        try:
            while not stop.is_set():
                seen.append(seen_version(held))
        except BaseException as error:
            errors.append(error)
        finally:
            held.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        time.sleep(0.1)
        for version in range(2, 6):
            publish_version(work, pub, version, keep=2)  # prunes the version `holder` reads
            time.sleep(0.05)
    finally:
        stop.set()
        holder.join(timeout=30)
    assert not errors, errors
    assert seen and set(seen) == {1}
    assert kept_files(pub) == ["shop_v000004.duckdb", "shop_v000005.duckdb"]
    con = connect_published(pub)
    try:
        assert seen_version(con) == 5
    finally:
        con.close()


def test_a_publish_writes_only_the_tables_and_days_that_changed(work: Path, pub: Path) -> None:
    """The next version is the current one with only what differs replaced: of fct_orders
    (compared day by day) the day whose order changed, the new day and the day no longer
    in the work database; dim_product, whose columns changed, whole; the payment methods,
    unchanged, not at all. Readers see exactly the work database's rows."""
    publish(work, pub, run_id="run-1", checks=CHECKS)
    con = duckdb.connect(str(work))
    con.execute("update marts.fct_orders set gmv = 999.99 where order_id = 'o2'")
    con.execute("delete from marts.fct_orders where order_id = 'o3'")
    con.execute("insert into marts.fct_orders values ('o9', '2025-03-09', 9.90, false)")
    con.execute("alter table marts.dim_product add column brand varchar")
    con.close()
    day_columns = {"marts.fct_orders": "placed_date"}
    publication = publish(work, pub, run_id="run-2", checks=CHECKS, day_columns=day_columns)

    # o2's day (1 row) and o9's (1 row) written; o3's day deleted (no row to write)
    assert publication.written == {"marts.fct_orders": 2, "marts.dim_product": 2}
    assert publication.tables == {
        "marts.dim_product": 2,
        "marts.fct_orders": 3,
        "reference.payment_methods": 2,
    }
    assert list_publications(pub)[-1]["rows_written"] == 4
    expected = [
        ("o1", dt.date(2025, 3, 1), Decimal("101.50"), True),
        ("o2", dt.date(2025, 3, 2), Decimal("999.99"), False),
        ("o9", dt.date(2025, 3, 9), Decimal("9.90"), False),
    ]
    published = connect_published(pub)
    try:
        assert rows(published, "marts.fct_orders") == expected
        assert rows(published, "marts.dim_product") == [(*row, None) for row in PRODUCTS]
        assert rows(published, "reference.payment_methods") == sorted(PAYMENT_METHODS)
        assert rows(published, "marts.v_large_orders") == [expected[1]]
        assert [
            row[0] for row in published.execute("select * from meta.publications").fetchall()
        ] == [1, 2]
        assert published.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'fct_orders' and column_name = 'gmv'"
        ).fetchone() == ("Gross merchandise value (CNY).",)
    finally:
        published.close()
    # version 1 is untouched: its readers still see its rows
    first = duckdb.connect(str(version_path(pub, 1)), read_only=True)
    try:
        assert rows(first, "marts.fct_orders") == sorted(orders(1))
    finally:
        first.close()
    # without day columns, a changed table is written whole; an unchanged one not at all
    again = publish(work, pub, run_id="run-3", checks=CHECKS)
    assert again.written == {}
    con = duckdb.connect(str(work))
    con.execute("update marts.fct_orders set is_test = true where order_id = 'o9'")
    con.close()
    assert publish(work, pub, run_id="run-4", checks=CHECKS).written == {"marts.fct_orders": 3}


def test_a_publish_compares_with_the_fingerprints_the_current_version_keeps(
    work: Path, pub: Path
) -> None:
    """A publish that compared the work database with the current version keeps the work
    database's fingerprints in the new version's meta: per day of a table with a day
    column, else per table, the rows and the sum of their hashes, those of the rows the
    version holds. The next publish compares with them rather than reading the version's
    rows: a kept fingerprint made wrong by hand has its day written again, and only it."""
    day_columns = {"marts.fct_orders": "placed_date"}
    publish(work, pub, run_id="run-1", checks=CHECKS, day_columns=day_columns)
    second = publish(work, pub, run_id="run-2", checks=CHECKS, day_columns=day_columns)
    assert second.written == {}
    published = connect_published(pub)
    try:
        kept = rows(published, "meta.table_fingerprints")
        recomputed = published.execute(
            "select 'marts.fct_orders', 'placed_date', cast(placed_date as varchar), count(*), "
            "sum(hash(order_id, placed_date, gmv, is_test)) from marts.fct_orders group by 3 "
            "union all select 'marts.dim_product', null, null, count(*), "
            "sum(hash(product_key, product_name, category)) from marts.dim_product "
            "union all select 'reference.payment_methods', null, null, count(*), "
            "sum(hash(code, name, is_cod)) from reference.payment_methods order by all"
        ).fetchall()
    finally:
        published.close()
    assert kept == recomputed
    assert [row[2] for row in kept if row[0] == "marts.fct_orders"] == [
        "2025-03-01",
        "2025-03-02",
        "2025-03-03",
    ]
    path = version_path(pub, 2)
    path.chmod(0o644)
    con = duckdb.connect(str(path))
    con.execute(
        "update meta.table_fingerprints set row_hash = row_hash + 1 "
        "where table_name = 'marts.fct_orders' and day = '2025-03-02'"
    )
    con.close()
    path.chmod(0o444)
    third = publish(work, pub, run_id="run-3", checks=CHECKS, day_columns=day_columns)
    assert third.written == {"marts.fct_orders": 1}
    published = connect_published(pub)
    try:
        assert rows(published, "marts.fct_orders") == sorted(orders(1))
        assert rows(published, "meta.table_fingerprints") == recomputed
    finally:
        published.close()


def test_a_failed_check_publishes_nothing(work: Path, pub: Path) -> None:
    with pytest.raises(ChecksFailed, match="1 check"):
        publish(work, pub, run_id="run-0", checks={"dbt_build": True, "ge": False})
    assert not pub.exists()  # nothing at all was written

    publish(work, pub, run_id="run-1", checks=CHECKS)
    before = fingerprint(pub)
    build_work(work, 2)
    with pytest.raises(ChecksFailed, match=r"2 check\(s\) did not pass: freshness, ge"):
        publish(work, pub, run_id="run-2", checks={"dbt_build": True, "ge": False, "freshness": 0})
    assert fingerprint(pub) == before
    assert current_version(pub) == 1


# One step per stage: copying, auditing the written file, switching, logging, pruning.
STEPS = ["_copy_tables", "_audit", "_switch_current", "_append_log", "_prune"]


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_leaves_a_whole_version_current(
    work: Path, pub: Path, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(work, pub, run_id="run-1", checks=CHECKS)
    version_1 = version_path(pub, 1).read_bytes()
    build_work(work, 2)

    def fail(*args, **kwargs):
        raise OSError(f"simulated failure in {step}")

    with monkeypatch.context() as patch:
        patch.setattr(publisher, step, fail)
        # a failed write is reported as a PublishError, later steps' errors as they are
        with pytest.raises((PublishError, OSError), match="simulated failure"):
            publish(work, pub, run_id="run-2", checks=CHECKS)

    switched = STEPS.index(step) > STEPS.index("_switch_current")
    assert current_version(pub) == (2 if switched else 1)
    assert version_path(pub, 1).read_bytes() == version_1
    assert leftovers(pub) == []  # temporary files of a failed publish are removed
    kept = ["shop_v000001.duckdb"]
    if switched or step == "_switch_current":  # renamed into place (if not made current)
        kept.append("shop_v000002.duckdb")
    assert kept_files(pub) == kept
    con = connect_published(pub)
    try:
        assert seen_version(con) == current_version(pub)
    finally:
        con.close()

    # the next publish repairs what was left; a version never made current frees its number
    expected = 3 if switched else 2
    build_work(work, expected)
    publication = publish(work, pub, run_id="run-again", checks=CHECKS)
    assert publication.version == expected
    logged = [(r["event"], r["version"], r["run_id"]) for r in list_publications(pub)]
    assert logged == [("publish", 1, "run-1")] + (
        [("publish", 2, "run-2"), ("publish", 3, "run-again")]
        if switched
        else [("publish", 2, "run-again")]
    )
    con = connect_published(pub)
    try:
        assert seen_version(con) == publication.version
        assert [row[1] for row in con.execute("select * from meta.publications").fetchall()] == [
            run_id for _, _, run_id in logged
        ]
    finally:
        con.close()


def publish_in_a_process(script: str, work: Path, pub: Path) -> subprocess.CompletedProcess:
    """Run a publishing script (given the work database and published directory) in its
    own process, which may die or hit limits without harming the test's."""
    return subprocess.run(
        [sys.executable, "-c", script, str(work), str(pub)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )


CRASH = """
import os, sys
from orchestration.publish import publisher

def crash(*args, **kwargs):
    os._exit(3)  # the process dies: no exception handler, no clean-up

publisher._write_meta = crash
publisher.publish(sys.argv[1], sys.argv[2], run_id="run-crash", checks={"dbt_build": True})
"""


def test_a_crashed_process_leaves_the_previous_version_and_is_cleaned_up(
    work: Path, pub: Path
) -> None:
    publish(work, pub, run_id="run-1", checks=CHECKS)
    before = fingerprint(pub)
    build_work(work, 2)
    crashed = publish_in_a_process(CRASH, work, pub)
    assert crashed.returncode == 3, crashed.stderr
    left = leftovers(pub)
    assert any(name.startswith("versions/.shop_v000002.duckdb.") for name in left), left
    assert {k: v for k, v in fingerprint(pub).items() if ".tmp" not in k} == before
    # and a stray temporary symlink, as a crash during the switch would leave
    os.symlink("versions/shop_v000001.duckdb", pub / ".current.duckdb.99999.tmp")

    con = connect_published(pub)
    try:
        assert seen_version(con) == 1
    finally:
        con.close()

    publication = publish_version(work, pub, 2)
    assert publication.version == 2
    assert leftovers(pub) == []
    assert kept_files(pub) == ["shop_v000001.duckdb", "shop_v000002.duckdb"]


def test_keep_prunes_old_versions_but_never_the_current_one(work: Path, pub: Path) -> None:
    for version in range(1, 5):
        publish_version(work, pub, version, keep=2)
    assert kept_files(pub) == ["shop_v000003.duckdb", "shop_v000004.duckdb"]
    assert current_version(pub) == 4

    assert rollback(pub) == 3
    assert current_version(pub) == 3
    assert list_publications(pub)[-1]["event"] == "rollback"
    assert (list_publications(pub)[-1]["version"], list_publications(pub)[-1]["from_version"]) == (
        3,
        4,
    )
    con = connect_published(pub)
    try:
        assert seen_version(con) == 3
    finally:
        con.close()

    assert prune(pub, keep=1) == []  # 4 is the newest, 3 is current: both stay
    assert kept_files(pub) == ["shop_v000003.duckdb", "shop_v000004.duckdb"]

    publication = publish_version(work, pub, 5, keep=1)
    assert publication.version == 5  # after the highest ever published
    assert kept_files(pub) == ["shop_v000005.duckdb"]
    con = connect_published(pub)
    try:
        # every publication so far, the rolled-back version 4 included
        assert con.execute("select version, run_id from meta.publications").fetchall() == [
            (1, "run-1"),
            (2, "run-2"),
            (3, "run-3"),
            (4, "run-4"),
            (5, "run-5"),
        ]
    finally:
        con.close()


def test_rollback_errors_clearly(work: Path, pub: Path) -> None:
    with pytest.raises(PublishError, match="nothing is published"):
        rollback(pub)
    publish(work, pub, run_id="run-1", checks=CHECKS)
    before = fingerprint(pub)
    with pytest.raises(PublishError, match="no version before 1 is kept"):
        rollback(pub)
    with pytest.raises(
        PublishError,
        match=r"cannot roll back to version 7: it is not kept .* \(kept: 1; current: 1\)",
    ):
        rollback(pub, to_version=7)
    assert rollback(pub, to_version=1) == 1  # already current: nothing to do
    assert fingerprint(pub) == before


def test_rollback_forward_again(work: Path, pub: Path) -> None:
    for version in (1, 2, 3):
        publish_version(work, pub, version)
    assert rollback(pub) == 2
    assert rollback(pub) == 1
    assert rollback(pub, to_version=3) == 3
    assert [(r["event"], r["version"]) for r in list_publications(pub)][3:] == [
        ("rollback", 2),
        ("rollback", 1),
        ("rollback", 3),
    ]


def test_cli_list_current_and_rollback(
    work: Path, pub: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["current", "--published-dir", str(pub)]) == 1
    assert "nothing published" in capsys.readouterr().out
    publish_version(work, pub, 1)
    publish_version(work, pub, 2)

    assert main(["list", "--published-dir", str(pub)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"published versions in {pub} (current: 2; kept: 1, 2)"
    assert out[1] == (
        "version  event     run / from                at (UTC)             tables"
        "            rows  checks  file"
    )
    assert out[2].split()[:3] == ["1", "publish", "run-1"]
    assert out[2].split()[-4:] == ["3", "7", "3", "kept"]
    assert out[3].split()[:3] == ["2", "publish", "run-2"]
    assert out[3].split()[-4:] == ["3", "8", "3", "current"]
    assert len(out) == 4

    assert main(["rollback", "--published-dir", str(pub)]) == 0
    assert capsys.readouterr().out == "rolled back: readers now open version 1 (was 2)\n"
    assert current_version(pub) == 1

    assert main(["rollback", "--to", "42", "--published-dir", str(pub)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: cannot roll back to version 42: it is not kept")
    assert current_version(pub) == 1

    assert main(["list", "--published-dir", str(pub)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].split()[-1] == "current"
    assert out[4].split()[:4] == ["1", "rollback", "from", "2"]
    assert out[4].split()[-1] == "current"

    assert main(["current", "--published-dir", str(pub)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"current version: 1 ({version_path(pub, 1)})\nrun run-1, published ")
    assert f"duckdb -readonly {pub / 'current.duckdb'}" in out


def test_module_entry_point_uses_the_published_dir_setting(
    work: Path, pub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOP_PUBLISHED_DIR", raising=False)
    assert published_dir() == PROJECT_ROOT / "warehouse" / "published"
    monkeypatch.setenv("SHOP_PUBLISHED_DIR", str(pub))
    assert published_dir() == pub
    publish_version(work, pub, 1)
    publish_version(work, pub, 2)
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.publish", "rollback", "--to", "1"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (
        0,
        "rolled back: readers now open version 1 (was 2)\n",
    )
    assert current_version(pub) == 1
    assert json.loads((pub / "publications.jsonl").read_text().splitlines()[-1])["event"] == (
        "rollback"
    )


FULL_DISK = """
import resource, signal, sys
from orchestration.publish import publisher

# the disk fills up after 256 kB: a write past it fails (EFBIG) instead of killing the process
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
publisher.publish(sys.argv[1], sys.argv[2], run_id="run-full", checks={"dbt_build": True})
"""


def test_a_full_disk_during_publish_leaves_the_previous_version(work: Path, pub: Path) -> None:
    publish(work, pub, run_id="run-1", checks=CHECKS)
    before = fingerprint(pub)
    build_work(work, 2)
    full = publish_in_a_process(FULL_DISK, work, pub)
    assert full.returncode == 1
    message = full.stderr.strip().splitlines()[-1]
    assert message.startswith("orchestration.publish.publisher.PublishError: writing version 2")
    assert "readers keep version 1" in message and "File too large" in message
    assert fingerprint(pub) == before  # the partial file is gone, nothing switched
    con = connect_published(pub)
    try:
        assert seen_version(con) == 1
    finally:
        con.close()


def test_reader_processes_see_whole_versions_through_ten_publishes(
    work: Path, pub: Path, tmp_path: Path
) -> None:
    """4 reader processes query the published file (a new read-only connection per query,
    as BI tools do) while 10 refresh-and-publish cycles run: no error, at least 1,000
    queries, and every result is one version's own figures (no mixed reads)."""
    publish(work, pub, run_id="run-1", checks=CHECKS)
    with Readers(pub / "current.duckdb", tmp_path / "readers", count=4, minimum=250) as readers:
        for version in range(2, 12):
            publish_version(work, pub, version, keep=3)  # a refresh, then its publish
            time.sleep(0.1)
    assert readers.errors == [[]] * 4
    assert sum(len(reads) for reads in readers.reads) >= 1000
    seen = set()
    for reads, versions in zip(readers.reads, readers.versions(), strict=True):
        assert versions == sorted(versions)  # never an older version after a newer one
        for version, order_count, gmv in reads:
            assert order_count == len(orders(version)), version
            assert gmv == str(sum(row[2] for row in orders(version))), version
        seen |= set(versions)
    assert {1, 11} <= seen and len(seen) >= 3
