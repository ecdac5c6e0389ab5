"""PostgreSQL for BI tools: a serving copy of the published marts, and a throwaway server.

    python -m orchestration.serving.postgres publish      # the current published version
    python -m orchestration.serving.postgres copy-raw WAREHOUSE.duckdb   # for dbt --target postgres
    python -m orchestration.serving.postgres server DIR   # a throwaway server, until Ctrl-C

**Publish.** Every reader-facing schema of the published DuckDB file (``marts``,
``reference``, ``meta``) is loaded into ``<schema>__next`` and swapped in for ``<schema>`` in
one transaction: a BI session sees the whole previous publication or the whole new one, and
a failure at any point (a bad value, a full disk, a lost connection) rolls back to the
previous one. The BI role gets ``USAGE`` on those schemas and ``SELECT`` on their tables,
nothing else: it cannot see ``raw``, ``staging`` or ``intermediate``, nor write anywhere.

**Connection.** Everything comes from the environment, passwords included (never from a
file in the repository): ``SHOP_PG_HOST`` (127.0.0.1), ``SHOP_PG_PORT`` (5432),
``SHOP_PG_DATABASE`` (shop), ``SHOP_PG_USER`` (shop_owner) with ``SHOP_PG_PASSWORD``, and the
BI role ``SHOP_PG_BI_ROLE`` (shop_bi) with ``SHOP_PG_BI_PASSWORD``. The dbt ``postgres``
target reads the same variables.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from orchestration import settings
from orchestration.contract import RAW_SCHEMA
from orchestration.ingest.loader import COPIED_TABLES
from orchestration.publish.publisher import CURRENT, PRIVATE_SCHEMAS, published_dir

#: DuckDB column types and their PostgreSQL equivalents (DECIMAL keeps its precision).
_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_NEXT = "__next"


class ServingError(RuntimeError):
    """Publishing to PostgreSQL failed; BI users still see the previous publication."""


@dataclass(frozen=True)
class Settings:
    """Where the serving database is and who may do what there (see the module docstring)."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(repr=False)
    bi_role: str = "shop_bi"
    bi_password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> Settings:
        values = settings.postgres()
        if not values["password"]:
            raise ServingError("SHOP_PG_PASSWORD is not set: the serving database needs it")
        return cls(**values)

    def connect(self, *, as_bi: bool = False, database: str | None = None) -> Connection:
        user, password = (self.bi_role, self.bi_password) if as_bi else (self.user, self.password)
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            dbname=database or self.database,
            user=user,
            password=password,
            connect_timeout=10,
        )


def pg_column_type(duckdb_type: str, where: str) -> str:
    """The PostgreSQL type for a DuckDB column type (lists and structs as JSON); other
    types are refused by name."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    if _nested(duckdb_type):
        return "jsonb"
    try:
        return _TYPES[duckdb_type]
    except KeyError:
        raise ServingError(f"{where}: DuckDB type {duckdb_type} has no PostgreSQL form") from None


def _nested(duckdb_type: str) -> bool:
    return duckdb_type.endswith("[]") or duckdb_type.startswith("STRUCT(")


def copy_schema(
    source: duckdb.DuckDBPyConnection, schema: str, target: Connection, into: str
) -> dict[str, int]:
    """Every table and view of DuckDB ``schema`` as a table of PostgreSQL schema ``into``
    (created), rows streamed as CSV through ``COPY``; row counts by table, checked."""
    relations = source.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        f"and {COPIED_TABLES} order by 1",
        [schema],
    ).fetchall()
    rows: dict[str, int] = {}
    with target.cursor() as cursor:
        cursor.execute(sql.SQL("create schema {}").format(sql.Identifier(into)))
        for (name,) in relations:
            columns = source.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            table = sql.Identifier(into, name)
            cursor.execute(
                sql.SQL("create table {} ({})").format(
                    table,
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(
                            sql.Identifier(column),
                            sql.SQL(pg_column_type(kind, f"{schema}.{name}.{column}")),
                        )
                        for column, kind in columns
                    ),
                )
            )
            values = ", ".join(
                f'to_json("{column}")' if _nested(kind) else f'"{column}"'
                for column, kind in columns
            )
            with tempfile.NamedTemporaryFile(suffix=".csv") as csv:
                source.execute(
                    f'copy (select {values} from "{schema}"."{name}") to \'{csv.name}\' '
                    "(format csv, header false)"
                )
                with open(csv.name, encoding="utf-8") as data:
                    cursor.copy_expert(
                        sql.SQL("copy {} from stdin with (format csv)").format(table), data
                    )
            (expected,) = source.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0]
            if cursor.rowcount != expected:
                raise ServingError(
                    f"{schema}.{name}: {cursor.rowcount} rows reached PostgreSQL of {expected}"
                )
            rows[name] = expected
    return rows


def _reader_schemas(source: duckdb.DuckDBPyConnection) -> list[str]:
    schemas = [
        name
        for (name,) in source.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database() "
            "and not internal order by 1"
        ).fetchall()
        if name != "main"
    ]
    private = PRIVATE_SCHEMAS.intersection(schemas)
    if private:
        raise ServingError(f"the file holds private schemas {sorted(private)}: not served")
    return schemas


def publish(settings: Settings, published: Path | None = None) -> dict[str, int]:
    """Serve the current published version from PostgreSQL, swapped in atomically."""
    current = (published or published_dir()) / CURRENT
    if not current.exists():
        raise ServingError(f"{current} does not exist: nothing has been published yet")
    source = duckdb.connect(str(current), read_only=True)
    target = settings.connect()
    rows: dict[str, int] = {}
    try:
        with target:  # one transaction: committed whole, or rolled back whole
            schemas = _reader_schemas(source)
            cursor = target.cursor()
            for schema in schemas:
                staged = schema + _NEXT
                cursor.execute(
                    sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(staged))
                )
                for name, count in copy_schema(source, schema, target, staged).items():
                    rows[f"{schema}.{name}"] = count
            for schema in schemas:
                swap = sql.SQL(
                    "drop schema if exists {live} cascade; alter schema {staged} rename to {live};"
                    "grant usage on schema {live} to {bi}; grant select on all tables in schema "
                    "{live} to {bi}"
                ).format(
                    live=sql.Identifier(schema),
                    staged=sql.Identifier(schema + _NEXT),
                    bi=sql.Identifier(settings.bi_role),
                )
                cursor.execute(swap)
    except (psycopg2.Error, duckdb.Error, OSError) as error:
        raise ServingError(
            f"publishing {current.resolve().name} to PostgreSQL failed: {error}"
        ) from error
    finally:
        target.close()
        source.close()
    return rows


def copy_raw(settings: Settings, warehouse: Path) -> dict[str, int]:
    """The raw tables of a DuckDB warehouse, replacing schema ``raw`` in PostgreSQL, for
    ``dbt build --target postgres`` (a shop on PostgreSQL loads them there itself)."""
    source = duckdb.connect(str(warehouse), read_only=True)
    target = settings.connect()
    try:
        with target:
            target.cursor().execute(
                sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(RAW_SCHEMA))
            )
            return copy_schema(source, RAW_SCHEMA, target, RAW_SCHEMA)
    finally:
        target.close()
        source.close()


# --- a throwaway server for tests and trials ---------------------------------------------


def _bin(program: str) -> str:
    found = shutil.which(program) or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{program}"))), None
    )
    if not found:
        raise ServingError(
            f"{program} not found: install Debian's postgresql package (make postgres)"
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def throwaway_server(settings: Settings, directory: Path | None = None) -> Iterator[Settings]:
    """A PostgreSQL server on 127.0.0.1 (initdb + pg_ctl) in a new directory, with the
    owner and BI roles and the database of ``settings`` (its port replaced by a free one
    when ``directory`` is None); stopped and removed on exit. As root, the server runs as
    Debian's ``postgres`` user, which initdb requires."""
    base = Path(tempfile.mkdtemp(prefix="shop-pg-", dir=directory))
    as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_server:
        shutil.chown(base, "postgres")
    port = settings.port if directory is not None else free_port()
    settings = Settings(**{**settings.__dict__, "port": port})
    data, log, secret = base / "data", base / "server.log", base / "superuser.pw"
    secret.write_text(settings.password)
    if as_server:
        shutil.chown(secret, "postgres")
    subprocess.run(
        [*as_server, _bin("initdb"), "-D", str(data), "-U", settings.user, "-E", "UTF8",
         "--locale=C", "--auth=scram-sha-256", f"--pwfile={secret}"],
        check=True, capture_output=True,
    )  # fmt: skip
    secret.unlink()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories=''"
    subprocess.run(
        [*as_server, _bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
         "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        _bootstrap(settings)
        yield settings
    finally:
        subprocess.run(
            [*as_server, _bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def _bootstrap(settings: Settings) -> None:
    """The serving database and the BI role (login, password from the environment, no
    rights beyond what :func:`publish` and dbt's ``grants`` give it)."""
    admin = settings.connect(database="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(settings.database)))
            cursor.execute(
                sql.SQL("create role {} login password %s").format(
                    sql.Identifier(settings.bi_role)
                ),
                [settings.bi_password],
            )
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("publish", help="serve the current published version")
    serve.add_argument("--published", type=Path, help="published directory (SHOP_PUBLISHED_DIR)")
    raw = commands.add_parser("copy-raw", help="load a warehouse's raw tables into PostgreSQL")
    raw.add_argument("warehouse", type=Path)
    server = commands.add_parser("server", help="run a throwaway server until interrupted")
    server.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "publish":
            rows = publish(settings, args.published)
            print(f"served {len(rows)} tables, {sum(rows.values()):,} rows")
        elif args.command == "copy-raw":
            rows = copy_raw(settings, args.warehouse)
            print(f"copied {len(rows)} raw tables, {sum(rows.values()):,} rows")
        else:
            args.directory.mkdir(parents=True, exist_ok=True)
            with throwaway_server(settings, args.directory) as running:
                print(f"PostgreSQL on 127.0.0.1:{running.port}, database {running.database}")
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
    except ServingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
