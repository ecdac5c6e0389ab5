"""What every importer shares: the report, refusals, the URL page-type seed and the writer
of landing files.

An importer reads a real system's export and writes the landing layout of the raw
contract (``landing/<source>/<table>/date=YYYY-MM-DD/``) and nothing else. Each input file
gives its own part file in every day folder it has rows for,
``part-<importer>-<input file name>.<format>``: importing the same file again rewrites
the same files with the same bytes (rows sorted, no timestamps of the import itself), and
a file's earlier parts in days it no longer has rows for are removed (``write_days``).
Records that only accumulate, the lines of access logs, go to one part per day instead,
the union of every record imported for it (``merge_days``). A malformed input file is
refused whole (its file, line and reason in the report): nothing of it lands.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.contract import Table, load_contract

#: The editable seed of page types by URL path (both the GA4 and the access-log importer).
PAGE_TYPES_FILE = Path(__file__).with_name("page_types.csv")
#: The page_type of the seed's rows whose URLs are not pages (assets, health checks, APIs).
NOT_A_PAGE = "(none)"
#: The order of ``web.events`` rows in a landing file (event ids are unique in a file).
EVENTS_ORDER = "event_at, event_id"


class Refused(Exception):
    """An input file the importer cannot read as its format: nothing of it lands."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = Path(path), line, reason
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")


@dataclass
class Report:
    """What an import read, wrote and refused (and why), printed for the operator."""

    importer: str
    rows_read: int = 0
    written: Counter = field(default_factory=Counter)  # "source.table" -> rows
    skipped: Counter = field(default_factory=Counter)  # reason -> rows not imported
    refused_files: list[Refused] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # landing files written or unchanged

    @property
    def ok(self) -> bool:
        return not self.refused_files

    def summary(self) -> str:
        lines = [f"{self.importer}: {self.rows_read} rows read"]
        lines += [
            f"  wrote {rows:>9} rows to {name}" for name, rows in sorted(self.written.items())
        ]
        lines += [
            f"  refused {rows:>7} rows: {reason}" for reason, rows in sorted(self.skipped.items())
        ]
        lines += [f"  REFUSED FILE {refusal}" for refusal in self.refused_files]
        lines.append(
            f"  {len(self.files)} landing files"
            + ("" if self.ok else "; nothing of a refused file landed")
        )
        return "\n".join(lines)


@dataclass(frozen=True)
class PageType:
    pattern: str  # a regular expression searched in the URL path
    page_type: str  # a page_type of the contract, or NOT_A_PAGE


def load_page_types(path: Path = PAGE_TYPES_FILE) -> list[PageType]:
    """The seed's rows in order (the first whose pattern matches a path wins), checked
    against the contract's page types."""
    allowed = set(load_contract().table("web", "events").column("page_type").accepted_values)
    rows = []
    with Path(path).open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(line for line in file if not line.startswith("#")):
            if row["page_type"] not in allowed | {NOT_A_PAGE}:
                raise ValueError(
                    f"{path}: page_type {row['page_type']!r} of {row['pattern']!r} is not one of "
                    f"{sorted(allowed)} or {NOT_A_PAGE}"
                )
            re.compile(row["pattern"])
            rows.append(PageType(row["pattern"], row["page_type"]))
    return rows


def page_type_sql(path_expression: str, page_types: list[PageType]) -> str:
    """A SQL case giving the page type of a URL path (null when no pattern matches)."""
    whens = " ".join(
        f"when regexp_matches({path_expression}, {_literal(row.pattern)}) "
        f"then {_literal(row.page_type)}"
        for row in page_types
    )
    return f"(case {whens} end)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return _literal(text)


def shop_zone() -> ZoneInfo:
    return ZoneInfo(load_contract().timezone)


def export_days(data: pa.Table, column: str) -> pa.Array:
    """The shop-local day of each row's ``column`` (a UTC timestamp): its export day."""
    stamps = pc.cast(data.column(column), pa.timestamp("us", tz="UTC"))
    local = pc.local_timestamp(pc.cast(stamps, pa.timestamp("us", tz=load_contract().timezone)))
    return pc.cast(local, pa.date32())


def part_name(importer: str, input_path: Path) -> str:
    """The part file stem of an input file (its name, made safe for a file name)."""
    name = Path(input_path).name
    for suffix in (".gz", ".parquet", ".json", ".ndjson", ".jsonl", ".csv", ".log"):
        name = name.removesuffix(suffix)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return f"part-{importer}-{safe}"


def _bytes(table: Table, data: pa.Table) -> bytes:
    source = load_contract().source(table.source)
    buffer = io.BytesIO()
    if source.format == "parquet":
        pq.write_table(data, buffer, compression="zstd")
        return buffer.getvalue()
    pa_csv.write_csv(data, buffer)
    return buffer.getvalue().decode("utf-8").encode(source.csv_encoding)


def write_table(
    landing: Path,
    table: Table,
    data: pa.Table,
    stem: str,
    day_column: str,
    report: Report,
    sorted_by_key: bool = False,
) -> None:
    """Write ``data`` (the contract's columns) as the part ``stem`` of each export day it
    has rows for (the shop-local day of ``day_column``), sorted by the primary key (already,
    when ``sorted_by_key``: a day's rows keep their order); remove
    the part from the table's other days. A file whose bytes would not change is left as it
    is (its time too, so a sensor sees no change)."""
    data = data.select(table.column_names).cast(table.arrow_schema)
    days = export_days(data, day_column) if data.num_rows else pa.array([], pa.date32())
    data = data.append_column("__day", days)
    suffix = "." + load_contract().source(table.source).format
    wanted: dict[Path, bytes] = {}
    for day in sorted(set(days.to_pylist())):
        rows = data.filter(pc.equal(data.column("__day"), pa.scalar(day, pa.date32())))
        rows = rows.drop_columns(["__day"])
        if not sorted_by_key:
            rows = rows.sort_by([(key, "ascending") for key in table.primary_key])
        wanted[table.landing_dir(landing, day) / f"{stem}{suffix}"] = _bytes(table, rows)
    _replace_parts(landing, table, stem, wanted, report)
    report.written[f"{table.source}.{table.name}"] += data.num_rows


def _format(table: Table) -> str:
    return load_contract().source(table.source).format


def _replace_parts(
    landing: Path, table: Table, stem: str, wanted: dict[Path, bytes], report: Report
) -> None:
    """Write the part ``stem``'s files ``wanted`` (left as they are when their bytes would
    not change) and remove its files of the table's other days."""
    suffix = "." + _format(table)
    table_dir = landing / table.source / table.name
    for old in sorted(table_dir.glob(f"date=*/{stem}{suffix}")) if table_dir.exists() else []:
        if old not in wanted:
            old.unlink()
    _write_files(wanted, report)


def _write_files(wanted: dict[Path, bytes], report: Report) -> None:
    """Write the files ``wanted``, each left as it is when its bytes would not change (its
    time too, so a sensor sees no change), each replaced whole."""
    for path, content in wanted.items():
        report.files.append(path)
        if path.exists() and path.read_bytes() == content:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, path)


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for an import: UTC session (timestamps are UTC instants), no
    progress bar; insertion order not kept while the file is read and mapped (its rows are
    sorted when written, ``_day_bytes``)."""
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute("set TimeZone = 'UTC'")
    con.execute("set preserve_insertion_order = false")
    return con


#: DuckDB's errors that mean an input file is not what it should be (others are the
#: importer's own faults and are raised).
READ_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException)

#: One input file imported on its own connection into a landing folder (its files written
#: by ``write_days``, counted in the report): its rows read and the rows not imported by
#: reason.
ImportFile = Callable[
    [duckdb.DuckDBPyConnection, Path, Path, "Report"], tuple[int, list[tuple[str, int]]]
]


def import_files(
    paths: list[Path],
    landing: Path,
    report: Report,
    import_file: ImportFile,
    read_refusal: Callable[[Path, duckdb.Error], Refused],
) -> Report:
    """Import each of ``paths`` into ``landing`` with ``import_file`` on a connection of its
    own, counting its rows in ``report``; a file ``import_file`` refuses, or DuckDB cannot
    read (``read_refusal`` names its line), is listed as refused and nothing of it lands."""
    for path in paths:
        con = connect()
        try:
            rows_read, skipped = import_file(con, path, landing, report)
        except Refused as refusal:
            report.refused_files.append(refusal)
            continue
        except READ_ERRORS as error:
            report.refused_files.append(read_refusal(path, error))
            continue
        finally:
            con.close()
        report.rows_read += rows_read
        for reason, rows in skipped:
            report.skipped[reason] += rows
    return report


def url_path_sql(url_expression: str) -> str:
    """The path of a URL path with its query string (the query string and fragment cut)."""
    return f"regexp_replace({url_expression}, '[?#].*$', '')"


def utm_sql(url_expression: str, prefix: str = "") -> str:
    """A select list of the ``utm_source``, ``utm_medium`` and ``utm_campaign`` query
    parameters of a URL (decoded, null when absent or empty), named ``<prefix>utm_*``."""
    return ", ".join(
        f"nullif(url_decode(regexp_extract({url_expression}, '[?&]utm_{name}=([^&#]*)', 1)),"
        f" '') as {prefix}utm_{name}"
        for name in ("source", "medium", "campaign")
    )


def _export_days(
    con: duckdb.DuckDBPyConnection, relation: str, day_column: str
) -> tuple[str, list[tuple]]:
    """The shop-local export day of ``day_column`` (a UTC timestamp with time zone) as a SQL
    expression, and the days of ``relation``'s rows, each as (day, its first and last
    instant, its row count), in day order: a day's first and last instant bound the rows
    whose day is computed again when its file is made, so that DuckDB reads only them."""
    day = f"cast(timezone({sql_literal(load_contract().timezone)}, {day_column}) as date)"
    days = con.execute(
        f"select {day} as day, min({day_column}), max({day_column}), count(*) "
        f"from {relation} group by day order by day"
    ).fetchall()
    return day, days


def write_days(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    table: Table,
    relation: str,
    stem: str,
    day_column: str,
    order_by: str,
    report: Report,
) -> None:
    """Write the DuckDB table ``relation`` (the contract's columns, ``day_column`` a UTC
    timestamp with time zone) as the part ``stem`` of each export day it has rows for (the
    shop-local day of ``day_column``), each day's rows sorted by ``order_by`` (a total
    order: the same rows give the same bytes), as ``write_table`` does: every day's file is
    made before any is written, and a file whose bytes would not change is left as it is.
    DuckDB splits, sorts and writes the days (``_day_bytes``)."""
    day, days = _export_days(con, relation, day_column)
    names = ", ".join(f'"{name}"' for name in table.column_names)
    one_day = len(days) == 1
    wanted: dict[Path, bytes] = {}
    for export_day, first, last, _ in days:
        where = (
            ""
            if one_day
            else f" where {day_column} between '{first.isoformat()}' and '{last.isoformat()}' "
            f"and {day} = '{export_day.isoformat()}'"
        )
        query = f"select {names} from {relation}{where} order by {order_by}"
        path = table.landing_dir(landing, export_day) / f"{stem}.{_format(table)}"
        wanted[path] = _day_bytes(con, table, query)
    _replace_parts(landing, table, stem, wanted, report)
    report.written[f"{table.source}.{table.name}"] += sum(row[3] for row in days)


def merge_days(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    table: Table,
    relation: str,
    stem: str,
    key: str,
    order_by: str,
    report: Report,
) -> None:
    """Add the rows of ``relation`` (as ``write_days`` reads it, its UTC timestamp
    ``event_at``) to the part ``stem`` of each export day it has rows for: the day's file
    becomes the union of the rows the importer landed there before (in its part ``stem`` or
    any ``stem-*`` part, which it replaces) and the new ones, one row per ``key`` (the new
    row where both have it), sorted by ``order_by``. A day's file is so a function of the
    set of records ever imported for it, whichever files brought them and in which order:
    records imported again, under the same or another file name, add nothing. Every day's
    file is made before any is written; one whose bytes would not change is left as it is."""
    day, days = _export_days(con, relation, "event_at")
    names = ", ".join(f'"{name}"' for name in table.column_names)
    suffix = f".{_format(table)}"
    wanted: dict[Path, bytes] = {}
    merged: list[Path] = []
    for export_day, first, last, _ in days:
        folder = table.landing_dir(landing, export_day)
        path = folder / f"{stem}{suffix}"
        new = (
            f"select {names} from {relation} where event_at between '{first.isoformat()}' "
            f"and '{last.isoformat()}' and {day} = '{export_day.isoformat()}'"
        )
        landed = sorted([*folder.glob(f"{stem}{suffix}"), *folder.glob(f"{stem}-*{suffix}")])
        # the day's rows in a table: their statistics (a column without nulls is written as
        # required) are those of the rows themselves, however they were brought together
        con.execute(f"create or replace temporary table day_rows as {new}")
        rows = "day_rows"
        if landed:
            files = ", ".join(sql_literal(str(p)) for p in landed)
            con.execute(
                f"create or replace temporary table day_all as select * from day_rows "
                f"union all select {contract_columns(table)} "
                f"from read_parquet([{files}], hive_partitioning = false) "
                f"where {key} not in (select {key} from day_rows) "
                f"qualify row_number() over (partition by {key} order by {names}) = 1"
            )
            rows = "day_all"
            merged += [p for p in landed if p != path]
        wanted[path] = _day_bytes(con, table, f"select {names} from {rows} order by {order_by}")
    _write_files(wanted, report)
    for part in merged:
        part.unlink()
    report.written[f"{table.source}.{table.name}"] += sum(row[3] for row in days)


def _day_bytes(con: duckdb.DuckDBPyConnection, table: Table, query: str) -> bytes:
    """The landing file of a day's rows (``query``, sorted): DuckDB's COPY writes Parquet in
    the query's order (insertion order kept: row groups in the sorted order) with zstd at
    level 1 (the files are read a few times, written daily: the fastest level, about as
    small as the default here), Arrow the other formats in the contract's CSV conventions."""
    if _format(table) != "parquet":
        return _bytes(table, con.sql(query).to_arrow_table().cast(table.arrow_schema))
    con.execute("set preserve_insertion_order = true")
    with tempfile.TemporaryDirectory(prefix="import-") as work:
        path = Path(work) / "day.parquet"
        con.execute(
            f"copy ({query}) to {_literal(str(path))} "
            "(format parquet, compression zstd, compression_level 1)"
        )
        return path.read_bytes()


def contract_columns(table: Table) -> str:
    """A SQL select list of the contract's columns of ``table`` in its order, each cast to
    the DuckDB type its landing Parquet file holds."""
    return ", ".join(
        f'cast("{c.name}" as {_DUCKDB_TYPES[c.type]}) as "{c.name}"' for c in table.columns
    )


#: DuckDB's type of each contract type in a landing Parquet file (timestamps are UTC
#: instants, as the Arrow writer's ``timestamp[us, tz=UTC]``).
_DUCKDB_TYPES = {
    "string": "varchar",
    "integer": "bigint",
    "double": "double",
    "decimal": "decimal(18, 2)",
    "boolean": "boolean",
    "timestamp": "timestamptz",
    "date": "date",
}


def stable_id(*parts: object) -> str:
    """A short deterministic id from the parts (md5, hex, 16 characters)."""
    return hashlib.md5(
        "\x1f".join("" if p is None else str(p) for p in parts).encode()
    ).hexdigest()[:16]


def utc(value: dt.datetime) -> dt.datetime:
    """A zone-aware time as naive UTC (the contract's timestamps)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None)
