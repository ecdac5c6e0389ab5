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
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration import settings
from orchestration.contract import RAW_SCHEMA, Source, Table, load_contract
from orchestration.ingest.checks import (
    ContractViolation,
    delivered_records,
    files_breaking_values,
    read_csv_files,
    read_landing_file,
    stacked,
    typed_records,
)
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
    with os.scandir(directory) as entries:
        names = [
            entry.name
            for entry in entries
            if entry.is_file() and not entry.name.startswith((".", "_"))
        ]
    return [directory / name for name in sorted(names)]


@dataclass(frozen=True, eq=False)
class _Landed:
    """A partition's files as they are in the landing area: paths, names, contents."""

    day: dt.date
    paths: tuple[Path, ...]
    names: tuple[str, ...]
    contents: tuple[bytes, ...]

    @property
    def size(self) -> int:
        return sum(map(len, self.contents))

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name, content in zip(self.names, self.contents, strict=True):
            digest.update(name.encode())
            digest.update(hashlib.sha256(content).digest())
        return digest.hexdigest()


def _landed(landing_root: Path, table: Table, day: dt.date) -> _Landed:
    paths = tuple(partition_files(table.landing_dir(landing_root, day)))
    return _Landed(
        day,
        paths,
        tuple(str(path.relative_to(landing_root)) for path in paths),
        tuple(path.read_bytes() for path in paths),
    )


def _log(
    con: duckdb.DuckDBPyConnection,
    results: list[tuple[PartitionResult, str | None]],
    logged_at: dt.datetime,
) -> None:
    """Write partitions' results (with their fingerprints) to the ingest log."""
    if not results:
        return
    rows = pa.table(
        {
            "table_name": [result.table for result, _ in results],
            "partition_date": pa.array([result.day for result, _ in results], pa.date32()),
            "status": [result.status for result, _ in results],
            "row_count": pa.array([result.rows for result, _ in results], pa.int64()),
            "files": pa.array([list(result.files) for result, _ in results], pa.list_(pa.string())),
            "fingerprint": pa.array([fingerprint for _, fingerprint in results], pa.string()),
            "message": pa.array([result.message for result, _ in results], pa.string()),
            "logged_at": pa.array([logged_at] * len(results), pa.timestamp("us")),
        }
    )
    con.register("ingest_log_rows", rows)
    try:
        con.execute(f"insert into {LOG_TABLE} select * from ingest_log_rows")
    finally:
        con.unregister("ingest_log_rows")


def _last_loaded_fingerprints(con: duckdb.DuckDBPyConnection, table: Table) -> dict[dt.date, str]:
    """The fingerprint of each day's last load of the table."""
    return dict(
        con.execute(
            f"""
            select partition_date, fingerprint from {LOG_TABLE}
            where table_name = ? and status = 'loaded'
            qualify row_number() over (
                partition by partition_date order by logged_at desc, rowid desc
            ) = 1
            """,
            [table.name],
        ).fetchall()
    )


#: Rows of the partitions written together in one transaction at most (their checked files
#: are held in memory until then).
BATCH_ROWS = 2_000_000
#: Bytes of landing files read (their CSV files parsed together) at once at most.
READ_BYTES = 64 * 2**20


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
    judged on their own (a rejected partition changes nothing, the others load), but read
    and checked together: up to READ_BYTES of landing files are read at once (their CSV
    files parsed together, read_csv_files), the files of up to BATCH_ROWS rows are stacked,
    their values measured against the contract's rules in one scan, and the accepted
    partitions written in one transaction (one delete of their days, one insert per
    stack), so a table's days cost a few passes over it, not several each. A file the
    stacked check suspects is checked again on its own (read_landing_file), which names
    the file, rule, column and row of its first bad value."""
    landing_root = Path(landing_root)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    days = list(days)
    results: dict[dt.date, PartitionResult] = {}
    last_loaded = {} if force else _last_loaded_fingerprints(con, table)
    source = load_contract().source(table.source)
    pending: list[_Delivered] = []
    pending_rows = 0
    waiting: list[_Landed] = []
    waiting_bytes = 0
    for day in days:
        landed = _landed(landing_root, table, day)
        if not landed.paths:
            results[day] = PartitionResult(
                table.name,
                day,
                "rejected",
                message=f"{table.source}.{table.name} {day}: nothing loaded, the partition "
                "directory has no data files (an export still being written?)",
            )
            _log(con, [(results[day], landed.fingerprint)], loaded_at)
            continue
        if landed.fingerprint == last_loaded.get(day):
            results[day] = PartitionResult(table.name, day, "unchanged", files=landed.names)
            continue
        waiting.append(landed)
        waiting_bytes += landed.size
        if waiting_bytes >= READ_BYTES:
            read = _delivered(table, source, waiting)
            waiting, waiting_bytes = [], 0
            pending += read
            pending_rows += sum(item.rows for item in read)
            if pending_rows >= BATCH_ROWS:
                results.update(_load_batch(con, table, pending, loaded_at))
                pending, pending_rows = [], 0
    pending += _delivered(table, source, waiting)
    if pending:
        results.update(_load_batch(con, table, pending, loaded_at))
    return [results[day] for day in days]


@dataclass(frozen=True, eq=False)
class _Delivered:
    """A partition read from the landing area, its files' records as delivered (or None when
    a file breaks the contract's structure: the partition is then checked file by file)."""

    table: str
    landed: _Landed
    records: list[pa.Table] | None

    @property
    def rows(self) -> int:
        return sum(records.num_rows for records in self.records or ())

    def result(self) -> PartitionResult:
        return PartitionResult(self.table, self.landed.day, "loaded", self.rows, self.landed.names)


def _delivered(table: Table, source: Source, partitions: list[_Landed]) -> list[_Delivered]:
    """Partitions' files as delivered; their CSV files are read together (read_csv_files),
    any other file on its own."""
    files = [
        (position, path, name, content)
        for position, landed in enumerate(partitions)
        for path, name, content in zip(landed.paths, landed.names, landed.contents, strict=True)
    ]
    together = [
        index
        for index, (_, path, _, content) in enumerate(files)
        if path.suffix == ".csv" and content
    ]
    read = dict(
        zip(
            together,
            read_csv_files(
                [files[index][3] for index in together],
                table,
                source.csv_encoding,
                [files[index][2] for index in together],
            ),
            strict=True,
        )
    )
    found: list[list[pa.Table | ContractViolation]] = [[] for _ in partitions]
    for index, (position, path, name, content) in enumerate(files):
        if index not in read:
            try:
                read[index] = delivered_records(
                    path, content, table, source, name, text_as_dictionary=True
                )
            except ContractViolation as violation:
                read[index] = violation
        found[position].append(read[index])
    return [
        _Delivered(
            table.name,
            landed,
            None if any(isinstance(item, ContractViolation) for item in records) else records,
        )
        for landed, records in zip(partitions, found, strict=True)
    ]


def _load_batch(
    con: duckdb.DuckDBPyConnection, table: Table, batch: list[_Delivered], loaded_at: dt.datetime
) -> dict[dt.date, PartitionResult]:
    """Check a batch of partitions and write the accepted ones; their results by day."""
    file_format = load_contract().source(table.source).format
    readable = {
        name: records
        for item in batch
        if item.records is not None
        for name, records in zip(item.landed.names, item.records, strict=True)
    }
    suspects = files_breaking_values(con, table, file_format, readable)
    clean = [
        item
        for item in batch
        if item.records is not None and not suspects.intersection(item.landed.names)
    ]
    checked = [_check_files(con, table, item) for item in batch if item not in clean]
    try:
        _write_partitions(con, table, clean, [item for item in checked if item.typed], loaded_at)
    except duckdb.Error:
        # a value the stacked check passed that the cast refuses (e.g. a Parquet integer
        # beyond the contract type): each file checked on its own names it
        checked += [_check_files(con, table, item) for item in clean]
        clean = []
        _write_partitions(con, table, [], [item for item in checked if item.typed], loaded_at)
    rejected = [item for item in checked if not item.typed]
    _log(con, [(item.result, item.landed.fingerprint) for item in rejected], loaded_at)
    return {
        **{item.landed.day: item.result() for item in clean},
        **{item.landed.day: item.result for item in checked},
    }


@dataclass(frozen=True, eq=False)
class _Checked:
    """A partition whose files were checked one by one: rejected, or in the warehouse types."""

    landed: _Landed
    result: PartitionResult
    typed: list[pa.Table] | None


def _check_files(con: duckdb.DuckDBPyConnection, table: Table, item: _Delivered) -> _Checked:
    landed = item.landed
    try:
        typed = [
            read_landing_file(con, path, table, name)
            for path, name in zip(landed.paths, landed.names, strict=True)
        ]
    except ContractViolation as violation:
        message = f"{table.source}.{table.name} {landed.day}: nothing loaded, {violation}"
        rejected = PartitionResult(
            table.name, landed.day, "rejected", files=landed.names, message=message
        )
        return _Checked(landed, rejected, None)
    rows = sum(records.num_rows for records in typed)
    return _Checked(
        landed, PartitionResult(table.name, landed.day, "loaded", rows, landed.names), typed
    )


def _write_partitions(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    delivered: list[_Delivered],
    checked: list[_Checked],
    loaded_at: dt.datetime,
) -> None:
    """Replace the rows of the partitions' days with their files, in one transaction:
    ``delivered`` ones from their stacked records, ``checked`` ones from their typed files."""
    if not delivered and not checked:
        return
    file_format = load_contract().source(table.source).format
    metadata = ("_partition_date", "_source_file")
    columns = ", ".join([*(f'"{name}"' for name in table.column_names), *METADATA_COLUMNS])
    insert = f"insert into {RAW_SCHEMA}.{table.name} ({columns}) "
    days = [item.landed.day for item in delivered] + [item.landed.day for item in checked]
    con.begin()
    try:
        con.execute(
            f"delete from {RAW_SCHEMA}.{table.name} "
            "where list_contains(?::date[], _partition_date)",
            [days],
        )
        files = [
            (item.landed.day, name, records)
            for item in delivered
            for name, records in zip(item.landed.names, item.records or (), strict=True)
        ]
        stacks = stacked(
            table,
            [records for _, _, records in files],
            dict(
                zip(
                    metadata,
                    ([day for day, _, _ in files], [name for _, name, _ in files]),
                    strict=True,
                )
            ),
        )
        typed = typed_records(table, file_format, "landing_stack", metadata)
        for stack in stacks:
            con.register("landing_stack", stack)
            con.execute(f"{insert} select *, ?::timestamp from ({typed})", [loaded_at])
            con.unregister("landing_stack")
        for item in checked:
            for batch, name in zip(item.typed or (), item.landed.names, strict=True):
                con.register("landing_batch", batch)
                con.execute(
                    insert + "select *, ?::date, ?, ?::timestamp from landing_batch",
                    [item.landed.day, name, loaded_at],
                )
                con.unregister("landing_batch")
        loaded = [item.result() for item in delivered] + [item.result for item in checked]
        fingerprints = [item.landed.fingerprint for item in [*delivered, *checked]]
        _log(con, list(zip(loaded, fingerprints, strict=True)), loaded_at)
        mark_loaded(con, table.name, days, loaded_at)
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
