"""Load landing files into the warehouse's ``raw`` schema, one (table, day) partition at a time.

A partition is the unit of loading: all files under
``landing/<source>/<table>/date=YYYY-MM-DD/``. Loading it replaces exactly the rows that an
earlier load of the same partition wrote (delete + insert in one transaction), so loading a
day again is idempotent. If any file of the partition breaks the contract, nothing of the
partition changes: the previous load stays, the rejection is logged in ``raw._ingest_log``
with the file, rule, column and row, and the other partitions load as usual.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration import settings
from orchestration.contract import RAW_SCHEMA, Table, load_contract
from orchestration.ingest.checks import ContractViolation, read_landing_file
from orchestration.partitions import landing_day_problem
from orchestration.quality.quarantine import ensure_checks_table, mark_loaded

LOG_TABLE_NAME = "_ingest_log"
LOG_TABLE = f"{RAW_SCHEMA}.{LOG_TABLE_NAME}"
#: Condition on ``information_schema.tables.table_name`` of the tables another engine gets a
#: copy of: all but the pipeline's bookkeeping (names starting with '_'), except the ingest
#: log, which dbt reads (which tables a shop has delivered).
COPIED_TABLES = f"(table_name not like '\\_%' escape '\\' or table_name = '{LOG_TABLE_NAME}')"
#: The salt of hashed personal identifiers, read by staging at query time (never published).
SALT_TABLE = f"{RAW_SCHEMA}.pii_salt"
METADATA_COLUMNS = {
    "_partition_date": "date",
    "_source_file": "varchar",
    "_loaded_at": "timestamp",
}
_PARTITION_DIR = re.compile(r"date=(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class PartitionResult:
    """What happened to one (table, day) partition."""

    table: str
    day: dt.date | None
    status: str  # loaded | unchanged | rejected
    rows: int = 0
    files: tuple[str, ...] = ()
    message: str | None = None


@dataclass
class IngestReport:
    results: list[PartitionResult] = field(default_factory=list)

    def with_status(self, status: str) -> list[PartitionResult]:
        return [result for result in self.results if result.status == status]

    @property
    def ok(self) -> bool:
        return not self.with_status("rejected")

    def rows_loaded(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for result in self.with_status("loaded"):
            totals[result.table] = totals.get(result.table, 0) + result.rows
        return totals

    def summary(self) -> str:
        lines = [
            f"partitions loaded: {len(self.with_status('loaded'))}, "
            f"unchanged: {len(self.with_status('unchanged'))}, "
            f"rejected: {len(self.with_status('rejected'))}"
        ]
        lines += [
            f"  {name:<24} {rows:>12,} rows" for name, rows in sorted(self.rows_loaded().items())
        ]
        lines += [f"REJECTED {result.message}" for result in self.with_status("rejected")]
        return "\n".join(lines)


def connect(database: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, in UTC and within the machine's limits."""
    if str(database) != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit()}'")
    con.execute(f"set threads = {settings.duckdb_threads()}")
    return con


def raw_table_ddl(table: Table) -> str:
    columns = [f'"{c.name}" {c.warehouse_type}' for c in table.columns]
    columns += [f"{name} {sql_type}" for name, sql_type in METADATA_COLUMNS.items()]
    return f"create table if not exists {RAW_SCHEMA}.{table.name} ({', '.join(columns)})"


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables and the ingest log, and store the salt of hashed personal
    identifiers (from the environment, so that it never appears in SQL text or logs);
    refuse to load into a drifted table."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(f"create or replace table {SALT_TABLE} as select ? as salt", [settings.pii_salt()])
    ensure_checks_table(con)
    con.execute(
        f"""
        create table if not exists {LOG_TABLE} (
            table_name varchar, partition_date date, status varchar, row_count bigint,
            files varchar[], fingerprint varchar, message varchar, logged_at timestamp
        )
        """
    )
    for table in load_contract().tables:
        con.execute(raw_table_ddl(table))
        existing = [
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [RAW_SCHEMA, table.name],
            ).fetchall()
        ]
        expected = [*table.column_names, *METADATA_COLUMNS]
        if existing != expected:
            raise RuntimeError(
                f"{RAW_SCHEMA}.{table.name} has columns {existing} but the contract now says "
                f"{expected}: migrate the raw table before loading"
            )


def partition_files(directory: Path) -> list[Path]:
    """The data files of a partition directory (hidden and marker files are ignored)."""
    return sorted(
        path
        for path in directory.iterdir()
        if path.is_file() and not path.name.startswith((".", "_"))
    )


def _fingerprint(files: Iterable[Path], landing_root: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(landing_root)).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _log(
    con: duckdb.DuckDBPyConnection,
    result: PartitionResult,
    fingerprint: str | None,
    logged_at: dt.datetime,
) -> None:
    con.execute(
        f"insert into {LOG_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.table,
            result.day,
            result.status,
            result.rows,
            list(result.files),
            fingerprint,
            result.message,
            logged_at,
        ],
    )


def _last_loaded_fingerprint(
    con: duckdb.DuckDBPyConnection, table: Table, day: dt.date
) -> str | None:
    found = con.execute(
        f"""
        select fingerprint from {LOG_TABLE}
        where table_name = ? and partition_date = ? and status = 'loaded'
        order by logged_at desc limit 1
        """,
        [table.name, day],
    ).fetchall()
    return found[0][0] if found else None


def load_partition(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    table: Table,
    day: dt.date,
    *,
    force: bool = False,
    loaded_at: dt.datetime | None = None,
) -> PartitionResult:
    """Load (or reload) one day of one table; see the module docstring for the guarantees."""
    landing_root = Path(landing_root)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    files = partition_files(table.landing_dir(landing_root, day))
    names = tuple(str(path.relative_to(landing_root)) for path in files)
    fingerprint = _fingerprint(files, landing_root)
    if not files:
        result = PartitionResult(
            table.name,
            day,
            "rejected",
            message=f"{table.source}.{table.name} {day}: nothing loaded, the partition "
            "directory has no data files (an export still being written?)",
        )
        _log(con, result, fingerprint, loaded_at)
        return result
    if not force and fingerprint == _last_loaded_fingerprint(con, table, day):
        return PartitionResult(table.name, day, "unchanged", files=names)
    try:
        batches = [
            read_landing_file(con, path, table, name)
            for path, name in zip(files, names, strict=True)
        ]
    except ContractViolation as violation:
        result = PartitionResult(
            table.name,
            day,
            "rejected",
            files=names,
            message=f"{table.source}.{table.name} {day}: nothing loaded, {violation}",
        )
        _log(con, result, fingerprint, loaded_at)
        return result

    columns = ", ".join([*(f'"{name}"' for name in table.column_names), *METADATA_COLUMNS])
    rows = 0
    con.begin()
    try:
        con.execute(f"delete from {RAW_SCHEMA}.{table.name} where _partition_date = ?", [day])
        for batch, name in zip(batches, names, strict=True):
            con.register("landing_batch", batch)
            con.execute(
                f"insert into {RAW_SCHEMA}.{table.name} ({columns}) "
                "select *, ?::date, ?, ?::timestamp from landing_batch",
                [day, name, loaded_at],
            )
            con.unregister("landing_batch")
            rows += batch.num_rows
        result = PartitionResult(table.name, day, "loaded", rows=rows, files=names)
        _log(con, result, fingerprint, loaded_at)
        mark_loaded(con, table.name, day, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return result


def _partition_days(landing_root: Path, table: Table) -> list[dt.date]:
    """Days of every ``date=`` partition directory a table has in the landing area."""
    table_dir = Path(landing_root) / table.source / table.name
    if not table_dir.is_dir():
        return []
    days = []
    for directory in table_dir.iterdir():
        match = _PARTITION_DIR.fullmatch(directory.name)
        if directory.is_dir() and match:
            days.append(dt.date.fromisoformat(match.group(1)))
    return sorted(days)


def landed_days(landing_root: Path, table: Table) -> list[dt.date]:
    """Days for which a table has a partition directory in the landing area, within the days
    a shop exports (see refused_partitions for the others)."""
    return [day for day in _partition_days(landing_root, table) if not landing_day_problem(day)]


def refused_partitions(landing_root: Path, table: Table) -> list[str]:
    """The table's partition directories dated outside the days a shop exports, with why:
    never loaded, never the end of a run's range."""
    return [
        f"{table.landing_dir(landing_root, day).relative_to(landing_root)} is not loaded: {problem}"
        for day in _partition_days(landing_root, table)
        if (problem := landing_day_problem(day))
    ]


def _unexpected_directories(landing_root: Path) -> list[PartitionResult]:
    """Landing folders the contract does not know: reported, never loaded."""
    known = {(table.source, table.name) for table in load_contract().tables}
    found = []
    for table_dir in sorted(Path(landing_root).glob("*/*")):
        if not table_dir.is_dir():
            continue
        if (table_dir.parent.name, table_dir.name) not in known:
            found.append(f"{table_dir.relative_to(landing_root)} is not a table of the contract")
            continue
        found += [
            f"{child.relative_to(landing_root)} is not a date=YYYY-MM-DD partition"
            for child in sorted(table_dir.iterdir())
            if not _PARTITION_DIR.fullmatch(child.name)
        ]
    found += [
        message
        for table in load_contract().tables
        for message in refused_partitions(landing_root, table)
    ]
    return [PartitionResult("-", None, "rejected", message=message) for message in found]


def ingest(
    database: Path | str,
    landing_root: Path,
    *,
    tables: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    force: bool = False,
    loaded_at: dt.datetime | None = None,
) -> IngestReport:
    """Load every landed partition (optionally only some tables or a date range)."""
    wanted = set(tables) if tables else None
    report = IngestReport()
    con = connect(database)
    try:
        ensure_raw_schema(con)
        report.results += _unexpected_directories(landing_root)
        for table in load_contract().tables:
            if wanted and table.name not in wanted:
                continue
            for day in landed_days(landing_root, table):
                if (start and day < start) or (end and day > end):
                    continue
                report.results.append(
                    load_partition(con, landing_root, table, day, force=force, loaded_at=loaded_at)
                )
    finally:
        con.close()
    return report
