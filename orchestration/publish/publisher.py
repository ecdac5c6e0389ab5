"""Write, audit and switch published versions of the warehouse (see the package docstring).

A publish runs in five steps, each leaving the published directory consistent if the process
dies right after it:

1. refuse if a check failed (nothing touched);
2. write ``versions/.shop_vN.duckdb.<pid>.tmp``: a file copy of the current version in
   which DuckDB (source attached read-only) replaces only what differs from the work
   database (the days of a fact that changed, a table whose rows changed; the rest keeps
   its bytes), or, for a first publish, a copy of the reader-facing schemas; add ``meta``,
   checkpoint and close; re-open the file read-only and audit it; fsync it, make it
   read-only and rename it to
   ``versions/shop_vN.duckdb`` (a crash leaves a temporary file or an unpublished version,
   both removed by the next publish, and ``current`` untouched);
3. point ``current.duckdb`` at the new version: a new symlink under a temporary name
   replaces the old one with ``os.replace`` (atomic on POSIX), directory fsynced;
4. append the publication to ``publications.jsonl`` (if the process dies before, the next
   publish or rollback restores the line from the version's own ``meta.publications``);
5. delete versions beyond the newest ``keep``, never the current one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration import settings
from orchestration.settings import published_dir

#: DuckDB storage format of published files: readable by DuckDB 0.10 and every 1.x and 2.x
#: client. DuckDB 2.0 writes its own, newer format by default, which 1.x clients refuse.
STORAGE_VERSION = "v1.0.0"

CURRENT = "current.duckdb"
VERSIONS = "versions"
LOG = "publications.jsonl"
LOCK = ".publish.lock"
META_SCHEMA = "meta"
#: The meta table of each table's (and day's) row count and sum of row hashes.
FINGERPRINTS = "table_fingerprints"
#: Schemas that must never reach readers (raw holds personal data, the others are internal).
PRIVATE_SCHEMAS = frozenset({"raw", "staging", "intermediate"})

SOURCE = "publish_source"
TARGET = "publish_target"
_VERSION_FILE = re.compile(r"shop_v(\d{6,})\.duckdb")
_TEMPORARY = re.compile(r"\..*\.tmp(\..*)?")  # with its .wal and .spill


class PublishError(RuntimeError):
    """A publish or rollback was refused or failed; what readers see has not changed."""


class ChecksFailed(PublishError):
    """A quality check handed to :func:`publish` did not pass: nothing was published."""


@dataclass(frozen=True)
class Publication:
    """One published version, as :func:`publish` returns it and ``publications.jsonl`` logs it."""

    version: int
    path: Path
    run_id: str
    published_at: dt.datetime  # UTC
    tables: dict[str, int]  # "schema.table" -> rows
    checks: tuple[str, ...]  # the checks that passed
    storage_version: str  # as DuckDB reports it for the written file, e.g. "v1.0.0+"
    notes: tuple[str, ...] = ()  # views skipped, tables copied without constraints
    seconds: float = 0.0
    #: rows written per table (all of a new or changed table, the changed days of a fact
    #: with a day column); a table absent here kept the previous version's bytes
    written: dict[str, int] = field(default_factory=dict)

    @property
    def rows_written(self) -> int:
        return sum(self.written.values())

    @property
    def total_rows(self) -> int:
        return sum(self.tables.values())

    def record(self) -> dict[str, Any]:
        """The ``publications.jsonl`` line of this publication."""
        return {
            "event": "publish",
            "version": self.version,
            "file": f"{VERSIONS}/{self.path.name}",
            "run_id": self.run_id,
            "published_at": self.published_at.isoformat(),
            "table_count": len(self.tables),
            "tables": sorted(self.tables),
            "total_rows": self.total_rows,
            "checks": list(self.checks),
            "storage_version": self.storage_version,
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
            "rows_written": self.rows_written,
            "tables_written": sorted(self.written),
        }

    def summary(self) -> str:
        lines = [
            f"published version {self.version} (run {self.run_id}) in {self.seconds:.1f}s: "
            f"{len(self.tables)} tables, {self.total_rows:,} rows "
            f"({self.rows_written:,} written in {len(self.written)} tables), "
            f"{len(self.checks)} checks passed, storage {self.storage_version}"
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def version_path(published_dir: Path | str, version: int) -> Path:
    """The file of one version: ``<published_dir>/versions/shop_v000042.duckdb``."""
    return Path(published_dir) / VERSIONS / f"shop_v{version:06d}.duckdb"


def current_version(published_dir: Path | str) -> int | None:
    """The version ``current.duckdb`` points to; None before the first publish."""
    link = Path(published_dir) / CURRENT
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PublishError(f"{link} is not a symlink to a published version") from error
    match = _VERSION_FILE.fullmatch(Path(target).name)
    if not match:
        raise PublishError(f"{link} points to {target}, which is not a published version")
    return int(match.group(1))


def kept_versions(published_dir: Path | str) -> list[int]:
    """Versions whose file is on disk, oldest first."""
    directory = Path(published_dir) / VERSIONS
    if not directory.is_dir():
        return []
    found = (_VERSION_FILE.fullmatch(path.name) for path in directory.iterdir())
    return sorted(int(match.group(1)) for match in found if match)


def list_publications(published_dir: Path | str) -> list[dict[str, Any]]:
    """Every publish and rollback, oldest first, as logged in ``publications.jsonl``.

    A publish line has the keys of :meth:`Publication.record`; a rollback line has
    ``event="rollback"``, ``version`` (now current), ``from_version`` and ``at``.
    """
    log = Path(published_dir) / LOG
    if not log.exists():
        return []
    records = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a crash while it was appended
    return records


def connect_published(published_dir: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current version (what analysts and BI tools use).

    The connection keeps reading the version it opened until it is closed, whatever is
    published meanwhile; open a new one to see a newer version. The same works without
    Python: ``duckdb -readonly warehouse/published/current.duckdb``.
    """
    directory = Path(published_dir) if published_dir is not None else _default_published_dir()
    if current_version(directory) is None:
        raise PublishError(f"nothing is published in {directory} yet")
    con = duckdb.connect(str(directory / CURRENT), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


_default_published_dir = published_dir


def publish(
    work_database: Path | str,
    published_dir: Path | str,
    *,
    run_id: str,
    checks: Mapping[str, bool] | None = None,
    schemas: Iterable[str] = ("marts", "reference"),
    keep: int = 5,
    storage_version: str = STORAGE_VERSION,
    day_columns: Mapping[str, str] | None = None,
) -> Publication:
    """Publish the reader-facing schemas of ``work_database`` as the next version.

    The version starts as a copy of the current one, in which only what differs is
    replaced: a table whose rows changed (compared by row count and a sum of row hashes),
    or, for a table named in ``day_columns`` ("schema.table" -> its day column, the day an
    incremental fact rebuilds by), only its days whose rows changed. A first publish, or
    one of other schemas or another storage version than the current's, copies everything.

    ``checks`` maps each quality gate of the run to whether it passed; if any did not, this
    raises :class:`ChecksFailed` before writing anything. The work database must not be open
    for writing elsewhere (it is attached read-only). Keeps the newest ``keep`` versions
    (and the current one); keep at least 2 so that a reader resolving ``current`` during a
    publish never finds its version pruned.
    """
    started = time.perf_counter()
    checks = dict(checks or {})
    failed = sorted(name for name, passed in checks.items() if not passed)
    if failed:
        raise ChecksFailed(
            f"not publishing run {run_id}: {len(failed)} check(s) did not pass: "
            f"{', '.join(failed)}; readers keep the version published before"
        )
    schemas = tuple(dict.fromkeys(schemas))
    private = sorted(set(schemas) & (PRIVATE_SCHEMAS | {META_SCHEMA}))
    if not schemas or private:
        raise PublishError(
            f"cannot publish schemas {list(schemas)}: "
            + (f"{private} are not for readers" if private else "no schema given")
        )
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    work_database = Path(work_database)
    if not work_database.is_file():
        raise PublishError(f"the work database {work_database} does not exist")
    directory = Path(published_dir)
    link = directory / CURRENT
    if link.exists() and not link.is_symlink():
        raise PublishError(f"{link} is a regular file; move it away: it must be a symlink")

    with _locked(directory):
        (directory / VERSIONS).mkdir(exist_ok=True)
        _recover_log(directory)
        _remove_leftovers(directory)
        version = _next_version(directory)
        final = version_path(directory, version)
        temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        previous = current_version(directory)
        history = _history(directory, previous)
        base = _base_version(directory, previous, schemas, storage_version)
        try:
            tables, written, notes = _write_version(
                work_database,
                temporary,
                schemas,
                storage_version=storage_version,
                history=history,
                publication=(version, run_id, published_at, tuple(checks)),
                base=base,
                day_columns=dict(day_columns or {}),
            )
            written_storage = _audit(temporary, tables, storage_version)
            _fsync_file(temporary)
            temporary.chmod(0o444)
            os.replace(temporary, final)
            _fsync_directory(final.parent)
        except BaseException as error:
            _remove(temporary)
            _remove(Path(f"{temporary}.wal"))
            shutil.rmtree(f"{temporary}.spill", ignore_errors=True)
            if isinstance(error, OSError | duckdb.Error):  # a full disk, a failing write
                raise PublishError(
                    f"writing version {version} to {directory} failed, nothing switched "
                    f"(readers keep version {previous or 'none'}): "
                    f"{_first_line(error)}"
                ) from error
            raise
        _switch_current(directory, version)
        publication = Publication(
            version=version,
            path=final,
            run_id=run_id,
            published_at=published_at,
            tables=tables,
            checks=tuple(checks),
            storage_version=written_storage,
            notes=tuple(notes),
            seconds=time.perf_counter() - started,
            written=written,
        )
        _append_log(directory, publication.record())
        _prune(directory, keep)
    return publication


def rollback(published_dir: Path | str, to_version: int | None = None) -> int:
    """Point ``current`` back at a kept version (default: the newest one before current).

    One atomic switch, logged in ``publications.jsonl``; returns the version now current.
    Rolling "back" to a newer kept version (after an earlier rollback) works the same way.
    """
    directory = Path(published_dir)
    with _locked(directory):
        _recover_log(directory)
        current = current_version(directory)
        if current is None:
            raise PublishError(f"nothing is published in {directory}: nothing to roll back")
        kept = kept_versions(directory)
        if to_version is None:
            earlier = [version for version in kept if version < current]
            if not earlier:
                raise PublishError(
                    f"no version before {current} is kept in {directory / VERSIONS} "
                    f"(kept: {_describe(kept)})"
                )
            to_version = earlier[-1]
        elif to_version not in kept:
            raise PublishError(
                f"cannot roll back to version {to_version}: it is not kept in "
                f"{directory / VERSIONS} (kept: {_describe(kept)}; current: {current})"
            )
        if to_version == current:
            return current
        _check_readable(version_path(directory, to_version))
        _switch_current(directory, to_version)
        _append_log(
            directory,
            {
                "event": "rollback",
                "version": to_version,
                "from_version": current,
                "at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(),
            },
        )
    return to_version


def prune(published_dir: Path | str, keep: int = 5) -> list[int]:
    """Delete versions beyond the newest ``keep``, never the current one; the ones deleted.

    Readers that have a deleted version open keep reading it until they close it.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1, not {keep}")
    directory = Path(published_dir)
    with _locked(directory):
        return _prune(directory, keep)


# --- writing a version ---------------------------------------------------------------------


def _session() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set memory_limit = '{settings.duckdb_memory_limit()}'")
    con.execute(f"set threads = {settings.duckdb_threads()}")
    return con


def _write_version(
    work_database: Path,
    path: Path,
    schemas: tuple[str, ...],
    *,
    storage_version: str,
    history: list[tuple],
    publication: tuple[int, str, dt.datetime, tuple[str, ...]],
    base: Path | None,
    day_columns: dict[str, str],
) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Write ``schemas`` of the work database into a new file at ``path``, plus ``meta``:
    into a copy of ``base`` (the current version) only what differs from it, else all of
    them. The rows of each table, the rows written per table, and notes."""
    if base is not None:
        shutil.copyfile(base, path)
        path.chmod(0o644)
    con = _session()
    try:
        con.execute(f"set temp_directory = {_literal(str(path) + '.spill')}")
        try:
            con.execute(f"attach {_literal(str(work_database))} as {SOURCE} (read_only)")
        except duckdb.Error as error:
            raise PublishError(
                f"cannot open the work database {work_database} read-only; is a pipeline step "
                f"still writing it? ({_first_line(error)})"
            ) from error
        present = {
            row[0]
            for row in con.execute(
                "select schema_name from duckdb_schemas() where database_name = ?", [SOURCE]
            ).fetchall()
        }
        missing = [schema for schema in schemas if schema not in present]
        if missing:
            raise PublishError(f"the work database {work_database} has no schema {missing}")
        # an existing file keeps its storage version (_base_version checked it)
        option = "" if base is not None else f" (storage_version {_literal(storage_version)})"
        con.execute(f"attach {_literal(str(path))} as {TARGET}{option}")
        # The table DDL read from the source names schema.table without a catalog.
        con.execute(f"use {TARGET}")
        tables: dict[str, int] = {}
        written: dict[str, int] = {}
        notes: list[str] = []
        _keep_fingerprints(con)
        _drop_views_and_meta(con)
        for schema in schemas:
            con.execute(f"create schema if not exists {TARGET}.{_quote(schema)}")
            tables.update(_copy_tables(con, schema, notes, written, day_columns))
        _copy_views(con, schemas, notes)
        if not tables:
            raise PublishError(f"the work database has no table in schemas {list(schemas)}")
        _write_meta(con, tables, history, publication)
        con.execute("use memory")
        con.execute(f"checkpoint {TARGET}")
        con.execute(f"detach {TARGET}")
        con.execute(f"detach {SOURCE}")
        return tables, written, notes
    finally:
        con.close()


def _base_version(
    directory: Path, previous: int | None, schemas: tuple[str, ...], storage_version: str
) -> Path | None:
    """The current version's file, when a new version can start as a copy of it: it holds
    exactly the schemas to publish (and meta) in the storage version asked for."""
    if previous is None:
        return None
    path = version_path(directory, previous)
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = {
            row[0]
            for row in con.execute(
                "select schema_name from duckdb_schemas() "
                "where database_name = current_database() and not internal"
            ).fetchall()
        }
        written = _written_storage_version(con)
    finally:
        con.close()
    same_format = _version_tuple(written) == _version_tuple(storage_version)
    return path if same_format and found - {"main"} == {*schemas, META_SCHEMA} else None


def _drop_views_and_meta(con: duckdb.DuckDBPyConnection) -> None:
    """In a copy of the current version: its views (all are recreated from the source)
    and its meta schema (written again)."""
    for schema, name in con.execute(
        "select schema_name, view_name from duckdb_views() "
        "where database_name = ? and not internal and not temporary",
        [TARGET],
    ).fetchall():
        con.execute(f"drop view {TARGET}.{_quote(schema)}.{_quote(name)}")
    con.execute(f"drop schema if exists {TARGET}.{META_SCHEMA} cascade")


def _table_ddl(con: duckdb.DuckDBPyConnection, database: str, schema: str) -> dict[str, str]:
    return dict(
        con.execute(
            "select table_name, sql from duckdb_tables() "
            "where database_name = ? and schema_name = ? and not temporary",
            [database, schema],
        ).fetchall()
    )


#: Temporary tables of a publish: the fingerprints the current version's meta holds, and
#: those of the version being written.
_KEPT = "temp.main.publish_kept_fingerprints"
_FINGERPRINTS = "temp.main.publish_fingerprints"


def _keep_fingerprints(con: duckdb.DuckDBPyConnection) -> None:
    """Set up the publish's fingerprint tables, with the current version's fingerprints
    (the ``meta.table_fingerprints`` of the copy being written, when it has one) read
    before its meta is dropped."""
    con.execute(
        f"create or replace temporary table {_FINGERPRINTS} (table_name varchar, "
        "day_column varchar, day varchar, row_count bigint, row_hash hugeint)"
    )
    con.execute(f"create or replace temporary table {_KEPT} as from {_FINGERPRINTS} limit 0")
    (kept,) = con.execute(
        "select count(*) from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [TARGET, META_SCHEMA, FINGERPRINTS],
    ).fetchone()
    if kept:
        con.execute(f"insert into {_KEPT} from {TARGET}.{META_SCHEMA}.{FINGERPRINTS}")


def _fingerprint_sql(relation: str, columns: list[str], day: str | None) -> str:
    """Per day as text (or for the whole table, day null): the rows and the sum of their
    hashes."""
    hashed = f"sum(hash({', '.join(map(_quote, columns))}))"
    if day is None:
        return f"select null::varchar as day, count(*) as n, {hashed} as h from {relation}"
    return (
        f"select cast({_quote(day)} as varchar) as day, count(*) as n, {hashed} as h "
        f"from {relation} group by 1"
    )


def _changed_rows(
    con: duckdb.DuckDBPyConnection, key: str, source: str, target: str, day: str | None
) -> str | None:
    """A condition on ``{t}`` (the relation) selecting the rows of target to replace by
    those of source, or None when both hold the same rows. Rows are compared by count and
    a sum of 64-bit row hashes, per day when the table has a day column. The target's are
    read from the current version's meta when it has them (the version was written with
    them, read-only since), else computed; the source's become the new version's."""
    columns = [row[0] for row in con.execute(f"describe {source}").fetchall()]
    con.execute(
        "create or replace temporary table temp.main.publish_source_days as "
        + _fingerprint_sql(source, columns, day)
    )
    kept = f"from {_KEPT} where table_name = ? and day_column is not distinct from ?"
    (has_kept,) = con.execute(f"select count(*) > 0 {kept}", [key, day]).fetchone()
    target_days = (
        f"(select day, row_count as n, row_hash as h {kept})"
        if has_kept
        else f"({_fingerprint_sql(target, columns, day)})"
    )
    con.execute(
        "create or replace temporary table temp.main.publish_changed_days as "
        "select coalesce(s.day, t.day) as day "
        f"from temp.main.publish_source_days s full join {target_days} t "
        "on s.day is not distinct from t.day "
        "where s.n is distinct from t.n or s.h is distinct from t.h",
        [key, day] if has_kept else [],
    )
    con.execute(
        f"insert into {_FINGERPRINTS} select ?, ?, day, n, h from temp.main.publish_source_days",
        [key, day],
    )
    (changed,) = con.execute("select count(*) from temp.main.publish_changed_days").fetchone()
    if not changed:
        return None
    if day is None:
        return "true"
    return (
        f"cast({{t}}.{_quote(day)} as varchar) in (select day from temp.main.publish_changed_days) "
        f"or ({{t}}.{_quote(day)} is null "
        "and exists (select 1 from temp.main.publish_changed_days where day is null))"
    )


def _copy_tables(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    notes: list[str],
    written: dict[str, int],
    day_columns: dict[str, str],
) -> dict[str, int]:
    """Make the target's tables of a schema hold the source's rows: a table the target
    lacks (or has with other DDL) is copied whole; an existing one gets only its changed
    rows (its changed days, or all of it). The rows of each table; ``written`` gets the
    rows written per table that changed."""
    tables = {}
    found = con.execute(
        "select table_name, sql, comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and not temporary order by table_name",
        [SOURCE, schema],
    ).fetchall()
    existing = _table_ddl(con, TARGET, schema)
    for name in sorted(set(existing) - {row[0] for row in found}):
        con.execute(f"drop table {TARGET}.{_quote(schema)}.{_quote(name)}")
    for name, ddl, comment in found:
        source = f"{SOURCE}.{_quote(schema)}.{_quote(name)}"
        target = f"{TARGET}.{_quote(schema)}.{_quote(name)}"
        key = f"{schema}.{name}"
        if existing.get(name) == ddl:
            changed = _changed_rows(con, key, source, target, day_columns.get(key))
            if changed is not None:
                con.execute(f"delete from {target} where {changed.format(t=target)}")
                (rows,) = con.execute(
                    f"insert into {target} select * from {source} where {changed.format(t=source)}"
                ).fetchone()
                written[key] = rows
        else:
            if name in existing:
                con.execute(f"drop table {target}")
            try:
                con.execute(ddl)  # keeps column types, NOT NULL, defaults, keys and checks
            except duckdb.Error as error:
                notes.append(f"{key} copied without its constraints: {_first_line(error)}")
                con.execute(f"create table {target} as select * from {source} limit 0")
            (written[key],) = con.execute(f"insert into {target} select * from {source}").fetchone()
        (tables[key],) = con.execute(f"select count(*) from {target}").fetchone()
        if comment:
            con.execute(f"comment on table {target} is {_literal(comment)}")
        for column, column_comment in con.execute(
            "select column_name, comment from duckdb_columns() where database_name = ? "
            "and schema_name = ? and table_name = ? and coalesce(comment, '') <> '' "
            "order by column_index",
            [SOURCE, schema, name],
        ).fetchall():
            con.execute(
                f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}"
            )
    return tables


def _copy_views(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], notes: list[str]) -> None:
    """Recreate the views that read only published relations; skip the others with a note."""
    placeholders = ", ".join("?" for _ in schemas)
    pending = con.execute(
        "select schema_name, view_name, sql, comment from duckdb_views() "
        f"where database_name = ? and schema_name in ({placeholders}) "
        "and not internal and not temporary order by schema_name, view_name",
        [SOURCE, *schemas],
    ).fetchall()
    errors: dict[tuple[str, str], str] = {}
    while pending:  # a view may read another view: retry until no more can be created
        left = []
        for schema, name, sql, comment in pending:
            target = f"{TARGET}.{_quote(schema)}.{_quote(name)}"
            try:
                con.execute(sql)
                con.execute(f"select * from {target} limit 0")
            except duckdb.Error as error:
                con.execute(f"drop view if exists {target}")
                errors[(schema, name)] = _first_line(error)
                left.append((schema, name, sql, comment))
                continue
            if comment:
                con.execute(f"comment on view {target} is {_literal(comment)}")
        if len(left) == len(pending):
            notes += [
                f"view {schema}.{name} not published: it reads relations that are not "
                f"published ({errors[(schema, name)]})"
                for schema, name, _, _ in left
            ]
            break
        pending = left


def _write_meta(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, int],
    history: list[tuple],
    publication: tuple[int, str, dt.datetime, tuple[str, ...]],
) -> None:
    version, run_id, published_at, checks = publication
    meta = f"{TARGET}.{META_SCHEMA}"
    con.execute(f"create schema {meta}")
    con.execute(
        f"""
        create table {meta}.publications (
            version integer, run_id varchar, published_at timestamp, table_count integer,
            tables varchar[], total_rows bigint, checks varchar[]
        )
        """
    )
    con.execute(
        f"comment on table {meta}.publications is 'Every publication up to this version: "
        "version, pipeline run id, time (UTC), tables, total rows and the checks that passed.'"
    )
    this = (
        version,
        run_id,
        published_at,
        len(tables),
        sorted(tables),
        sum(tables.values()),
        list(checks),
    )
    rows = [row for row in history if row[0] != version] + [this]
    con.executemany(f"insert into {meta}.publications values (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(f"create table {meta}.table_row_counts (table_name varchar, row_count bigint)")
    con.execute(
        f"comment on table {meta}.table_row_counts is 'Rows of each table of this version.'"
    )
    con.executemany(f"insert into {meta}.table_row_counts values (?, ?)", sorted(tables.items()))
    con.execute(f"create table {meta}.{FINGERPRINTS} as from {_FINGERPRINTS} order by all")
    con.execute(
        f"comment on table {meta}.{FINGERPRINTS} is 'Of each table of this version that kept "
        "or replaced rows of the one before (per day for a table with a day column): its "
        "rows and the sum of their 64-bit hashes, which the next publish compares the work "
        "database with.'"
    )


def _history(directory: Path, previous: int | None) -> list[tuple]:
    """meta.publications rows of the current version, plus logged publishes it lacks."""
    rows: dict[int, tuple] = {}
    if previous is not None:
        con = duckdb.connect(str(version_path(directory, previous)), read_only=True)
        try:
            for row in con.execute(
                f"select version, run_id, published_at, table_count, tables, total_rows, "
                f"checks from {META_SCHEMA}.publications"
            ).fetchall():
                rows[row[0]] = row
        finally:
            con.close()
    for record in list_publications(directory):
        if record.get("event") == "publish" and record["version"] not in rows:
            rows[record["version"]] = (
                record["version"],
                record["run_id"],
                dt.datetime.fromisoformat(record["published_at"]),
                record["table_count"],
                record["tables"],
                record["total_rows"],
                record["checks"],
            )
    return [rows[version] for version in sorted(rows)]


def _audit(path: Path, tables: dict[str, int], storage_version: str) -> str:
    """Re-open the written file read-only and check it is whole; its storage version."""
    if Path(f"{path}.wal").exists():
        raise PublishError(f"{path} was not fully checkpointed (a WAL file is left)")
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = [
            row[0]
            for row in con.execute(
                "select schema_name || '.' || table_name from duckdb_tables() "
                "where database_name = current_database() and schema_name <> ?",
                [META_SCHEMA],
            ).fetchall()
        ]
        if set(found) != set(tables):
            raise PublishError(f"{path} holds tables {sorted(found)}, expected {sorted(tables)}")
        for name, expected in tables.items():
            schema, table = name.split(".", 1)
            (rows,) = con.execute(
                f"select count(*) from {_quote(schema)}.{_quote(table)}"
            ).fetchone()
            if rows != expected:
                raise PublishError(f"{path}: {name} has {rows} rows, {expected} were copied")
        for schema, view in con.execute(
            "select schema_name, view_name from duckdb_views() "
            "where database_name = current_database() and not internal"
        ).fetchall():
            con.execute(f"select * from {_quote(schema)}.{_quote(view)} limit 0")
        written = _written_storage_version(con)
    finally:
        con.close()
    wanted, actual = _version_tuple(storage_version), _version_tuple(written)
    if wanted and (not actual or actual > wanted):
        raise PublishError(f"{path} has storage version {written}, not {storage_version}")
    return written or storage_version


def _check_readable(path: Path) -> None:
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            con.execute(f"select count(*) from {META_SCHEMA}.publications").fetchone()
        finally:
            con.close()
    except duckdb.Error as error:
        raise PublishError(f"{path} cannot be read, not switching to it: {error}") from error


# --- the published directory ---------------------------------------------------------------


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold the directory's publish lock (across processes and threads)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _next_version(directory: Path) -> int:
    logged = [record.get("version", 0) for record in list_publications(directory)]
    return max([0, *kept_versions(directory), *logged]) + 1


def _switch_current(directory: Path, version: int) -> None:
    """Atomically point ``current.duckdb`` at a version (relative link: survives moves)."""
    temporary = directory / f".{CURRENT}.{os.getpid()}.tmp"
    _remove(temporary)
    os.symlink(f"{VERSIONS}/{version_path(directory, version).name}", temporary)
    os.replace(temporary, directory / CURRENT)
    _fsync_directory(directory)


def _append_log(directory: Path, record: dict[str, Any]) -> None:
    log = directory / LOG
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with open(log, "a+b") as handle:
        if handle.tell() > 0:  # after a line torn by a crash, start on a new line
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                line = "\n" + line
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def _recover_log(directory: Path) -> None:
    """Log the current version if the process that published it died before logging it."""
    current = current_version(directory)
    if current is None:
        return
    if any(
        record.get("event") == "publish" and record.get("version") == current
        for record in list_publications(directory)
    ):
        return
    con = duckdb.connect(str(version_path(directory, current)), read_only=True)
    try:
        found = con.execute(
            "select run_id, published_at, table_count, tables, total_rows, checks "
            f"from {META_SCHEMA}.publications where version = ?",
            [current],
        ).fetchone()
    finally:
        con.close()
    if found is None:
        return
    run_id, published_at, table_count, tables, total_rows, checks = found
    _append_log(
        directory,
        {
            "event": "publish",
            "version": current,
            "file": f"{VERSIONS}/{version_path(directory, current).name}",
            "run_id": run_id,
            "published_at": published_at.isoformat(),
            "table_count": table_count,
            "tables": tables,
            "total_rows": total_rows,
            "checks": checks,
            "notes": ["logged after the publishing process stopped"],
        },
    )


def _remove_leftovers(directory: Path) -> None:
    """Remove what crashed publishes left: temporary files, versions never made current."""
    versions = directory / VERSIONS
    for path in [*versions.iterdir(), *directory.iterdir()]:
        if _TEMPORARY.fullmatch(path.name):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                _remove(path)
    current = current_version(directory)
    logged = {record.get("version") for record in list_publications(directory)}
    for version in kept_versions(directory):
        if (current is None or version > current) and version not in logged:
            _remove(version_path(directory, version))


def _prune(directory: Path, keep: int) -> list[int]:
    current = current_version(directory)
    kept = kept_versions(directory)
    newest = set(kept[-keep:])
    removed = [version for version in kept if version not in newest and version != current]
    for version in removed:
        path = version_path(directory, version)
        _remove(path)
        _remove(Path(f"{path}.wal"))
    if removed:
        _fsync_directory(directory / VERSIONS)
    return removed


# --- helpers -------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _written_storage_version(con: duckdb.DuckDBPyConnection) -> str:
    """The storage version the open file was written in ("" when DuckDB does not say)."""
    (written,) = con.execute(
        "select tags['storage_version'] from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchone()
    return written or ""


def _version_tuple(text: str) -> tuple[int, ...]:
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)\+?", text)
    return tuple(int(part) for part in match.groups()) if match else ()


def _describe(versions: list[int]) -> str:
    return ", ".join(str(version) for version in versions) or "none"
