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
import pyarrow as pa

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
        optional = [c for c in table.columns if c.optional]
        for column in optional:
            if column.name not in existing:  # new to the contract: null in rows loaded before
                con.execute(
                    f"alter table {RAW_SCHEMA}.{table.name} "
                    f'add column "{column.name}" {column.warehouse_type}'
                )
        names = {column.name for column in optional}
        expected = [*table.column_names, *METADATA_COLUMNS]
        if [n for n in existing if n not in names] != [n for n in expected if n not in names]:
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


#: Rows of the partitions written together in one transaction at most (their checked files
#: are held in memory until then).
BATCH_ROWS = 2_000_000


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
    (result,) = load_partitions(con, landing_root, table, [day], force=force, loaded_at=loaded_at)
    return result


def load_partitions(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    table: Table,
    days: Iterable[dt.date],
    *,
    force: bool = False,
    loaded_at: dt.datetime | None = None,
) -> list[PartitionResult]:
    """Load (or reload) days of one table, one result per day. Each partition's files are
    checked on their own (a rejected partition changes nothing, the others load); the
    accepted ones are written together, up to BATCH_ROWS rows in one transaction: one delete
    of their days and their files inserted, so a table's days cost one pass over it, not
    one each."""
    landing_root = Path(landing_root)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results: list[PartitionResult] = []
    pending: list[_Checked] = []
    for day in days:
        checked = _check_partition(con, landing_root, table, day, force, loaded_at)
        if isinstance(checked, PartitionResult):
            results.append(checked)
            continue
        results.append(checked.result)
        pending.append(checked)
        if sum(item.result.rows for item in pending) >= BATCH_ROWS:
            _write_partitions(con, table, pending, loaded_at)
            pending = []
    if pending:
        _write_partitions(con, table, pending, loaded_at)
    return results


@dataclass(frozen=True)
class _Checked:
    """A partition whose files passed the contract, not written yet."""

    result: PartitionResult
    fingerprint: str
    batches: list[pa.Table]


def _check_partition(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    table: Table,
    day: dt.date,
    force: bool,
    loaded_at: dt.datetime,
) -> PartitionResult | _Checked:
    """A partition's files read and checked: a rejected (logged) or unchanged result, or the
    checked files to write."""
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
    rows = sum(batch.num_rows for batch in batches)
    return _Checked(
        PartitionResult(table.name, day, "loaded", rows=rows, files=names), fingerprint, batches
    )


def _write_partitions(
    con: duckdb.DuckDBPyConnection, table: Table, checked: list[_Checked], loaded_at: dt.datetime
) -> None:
    """Replace the rows of the checked partitions' days with their files, in one transaction."""
    columns = ", ".join([*(f'"{name}"' for name in table.column_names), *METADATA_COLUMNS])
    con.begin()
    try:
        con.execute(
            f"delete from {RAW_SCHEMA}.{table.name} "
            "where list_contains(?::date[], _partition_date)",
            [[item.result.day for item in checked]],
        )
        for item in checked:
            for batch, name in zip(item.batches, item.result.files, strict=True):
                con.register("landing_batch", batch)
                con.execute(
                    f"insert into {RAW_SCHEMA}.{table.name} ({columns}) "
                    "select *, ?::date, ?, ?::timestamp from landing_batch",
                    [item.result.day, name, loaded_at],
                )
                con.unregister("landing_batch")
            _log(con, item.result, item.fingerprint, loaded_at)
            mark_loaded(con, table.name, item.result.day, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise


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
            days = [
                day
                for day in landed_days(landing_root, table)
                if not (start and day < start) and not (end and day > end)
            ]
            report.results += load_partitions(
                con, landing_root, table, days, force=force, loaded_at=loaded_at
            )
    finally:
        con.close()
    return report
