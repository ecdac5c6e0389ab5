"""PostgreSQL serving: the same dbt project builds and tests on a real server, its headline
indicators equal DuckDB's, the BI role reads the marts and nothing else, and publishing the
published DuckDB version to PostgreSQL swaps whole publications in or leaves the old one.

A throwaway server (initdb + pg_ctl on 127.0.0.1, Debian's postgresql package) runs for this
module only; passwords come from the environment, as in production.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg2
import pytest

from orchestration.publish.publisher import CURRENT, publish
from orchestration.serving import postgres
from orchestration.settings import PROJECT_ROOT
from orchestration.tests.warehouse import (
    HEADLINE_VALUES,
    assert_same_headline,
    query,
)
from orchestration.transform import DBT, PROFILES_DIR

SECRETS = {"SHOP_PG_PASSWORD": "owner-Secret-7f3a", "SHOP_PG_BI_PASSWORD": "bi-Secret-91c2"}


@pytest.fixture(scope="module")
def served(small_shop: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("postgres")
    duckdb_file, published = small_shop, root / "published"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SECRETS.items():
            patch.setenv(name, value)
        publish(duckdb_file, published, run_id="first")
        with postgres.throwaway_server(postgres.Settings.from_env()) as server:
            patch.setenv("SHOP_PG_PORT", str(server.port))
            postgres.copy_raw(server, duckdb_file)
            started = time.perf_counter()
            build = subprocess.run(
                [str(DBT), "build", "--target", "postgres", "--project-dir", str(PROJECT_ROOT),
                 "--profiles-dir", str(PROFILES_DIR), "--target-path", str(root / "target"),
                 "--log-path", str(root / "logs")],
                cwd=PROJECT_ROOT, capture_output=True, text=True, env=os.environ.copy(),
            )  # fmt: skip
            yield {
                "server": server,
                "duckdb": duckdb_file,
                "published": published,
                "build": build,
                "seconds": time.perf_counter() - started,
                "logs": root / "logs",
            }


def fetch(connection, statement: str) -> list[tuple] | None:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall() if cursor.description else None


@contextlib.contextmanager
def session(server: postgres.Settings, **options) -> Iterator:
    """An autocommit connection (as the owner, or the BI role with ``as_bi=True``)."""
    connection = server.connect(**options)
    connection.autocommit = True
    try:
        yield connection
    finally:
        connection.close()


def test_the_whole_project_builds_and_tests_on_postgres(served: dict) -> None:
    build = served["build"]
    assert build.returncode == 0, build.stdout[-4000:]
    print(f"dbt build --target postgres: {served['seconds']:.1f} s")


def test_headline_indicators_equal_duckdb(served: dict) -> None:
    with session(served["server"]) as connection:
        on_postgres = fetch(connection, HEADLINE_VALUES.replace("as string", "as text"))
    assert_same_headline(query(served["duckdb"], HEADLINE_VALUES), on_postgres)


def test_bi_role_reads_marts_and_nothing_else(served: dict) -> None:
    server = served["server"]
    (orders,) = query(served["duckdb"], "select count(*) from marts.fct_orders")[0]
    with session(server, as_bi=True) as bi:
        assert fetch(bi, "select count(*) from marts.fct_orders") == [(orders,)]
        (indicators,) = query(served["duckdb"], "select count(*) from reference.indicator_catalog")
        assert fetch(bi, "select count(*) from reference.indicator_catalog") == [indicators]
        refused = {
            "select count(*) from raw.orders": "permission denied for schema raw",
            "select count(*) from staging.stg_shop__orders": "permission denied for schema staging",
            "select count(*) from intermediate.int_orders_settled": (
                "permission denied for schema intermediate"
            ),
            "delete from marts.fct_orders": "permission denied for table fct_orders",
            "update marts.dim_date set date_day = date_day": "permission denied for table dim_date",
            "create table marts.mine (x int)": "permission denied for schema marts",
            "drop table marts.fct_orders": "must be owner of table fct_orders",
            "create schema mine": "permission denied for database",
        }
        for statement, message in refused.items():
            with pytest.raises(psycopg2.Error, match=message):
                fetch(bi, statement)


def served_version(server: postgres.Settings, database: str) -> tuple[int, dict[str, int]]:
    """The publication BI users see in ``database``: its version and its tables' rows."""
    with session(server, as_bi=True, database=database) as bi:
        (version,) = fetch(bi, "select max(version) from meta.publications")[0]
        tables = fetch(
            bi,
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'reference') order by 1",
        )
        counts = {name: fetch(bi, f"select count(*) from {name}")[0][0] for (name,) in tables}
    return version, counts


def test_publish_swaps_whole_publications_or_keeps_the_old_one(
    served: dict, tmp_path: Path
) -> None:
    server, published = served["server"], served["published"]
    serving = postgres.Settings(**{**server.__dict__, "database": "shop_serving"})
    with session(server, database="postgres") as admin:
        fetch(admin, "create database shop_serving")

    rows = postgres.publish(serving, published)
    version, counts = served_version(server, "shop_serving")
    relations = query(
        published / CURRENT,
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('marts', 'reference')",
    )  # tables and views (kpi_overview), each served as a table
    expected = {
        name: query(published / CURRENT, f"select count(*) from {name}")[0][0]
        for (name,) in relations
    }
    assert version == 1
    assert counts == expected
    assert {name: count for name, count in rows.items() if not name.startswith("meta.")} == (
        expected
    )

    # a second publication with a column PostgreSQL cannot hold: refused, the first stays
    publish(served["duckdb"], published, run_id="second")
    con = duckdb.connect(str(tmp_path / "bad.duckdb"))
    con.execute(f"attach '{published / CURRENT}' as good (read_only)")
    con.execute("copy from database good to bad")
    con.execute("create table reference.zz_flags as select '101'::bit as flags")
    con.close()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CURRENT).symlink_to(tmp_path / "bad.duckdb")
    with pytest.raises(postgres.ServingError, match=r"reference\.zz_flags\.flags"):
        postgres.publish(serving, broken)
    assert served_version(server, "shop_serving") == (1, counts)

    postgres.publish(serving, published)
    assert served_version(server, "shop_serving")[0] == 2


def test_no_password_reaches_the_logs_or_the_profile(served: dict) -> None:
    logs = "".join(path.read_text(errors="replace") for path in served["logs"].rglob("*.log"))
    profile = (PROFILES_DIR / "profiles.yml").read_text()
    assert logs, "dbt wrote no log"
    for secret in SECRETS.values():
        assert secret not in logs
        assert secret not in served["build"].stdout + served["build"].stderr
        assert secret not in profile
