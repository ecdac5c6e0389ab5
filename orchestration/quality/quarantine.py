"""The check status of every loaded raw partition: what keeps a refused load out of every build.

A (table, export day) partition is ``unchecked`` from the moment the ingest (re)loads it,
then ``passed`` or ``failed`` by the raw gate of the run over its day. The raw gate of every
later run fails while any partition of its table outside the run's days is not ``passed``:
a partition the gate refused stays quarantined (its rows never reach staging, whichever days
a run covers) until the shop re-delivers it and a run over its day passes; a partition loaded
without its check (a run stopped by another file of the step, a load by the ingest command)
waits for a run over its day, which also rebuilds the facts of that day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb

from orchestration.contract import RAW_SCHEMA

CHECKS_TABLE = f"{RAW_SCHEMA}._partition_checks"
PASSED, FAILED, UNCHECKED = "passed", "failed", "unchecked"


@dataclass(frozen=True)
class Held:
    """A partition outside the run's days whose last check did not pass."""

    table: str
    day: dt.date
    status: str
    reason: str

    def __str__(self) -> str:
        if self.status == FAILED:
            return (
                f"raw.{self.table} {self.day} is quarantined (its last check failed: "
                f"{self.reason}): re-deliver that export day and run it"
            )
        return f"raw.{self.table} {self.day} was loaded but never checked ({self.reason}): run it"


def ensure_checks_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create table if not exists {CHECKS_TABLE} (
            table_name varchar, partition_date date, status varchar, reason varchar,
            recorded_at timestamp
        )
        """
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(
    con: duckdb.DuckDBPyConnection,
    table: str,
    statuses: Mapping[dt.date, tuple[str, str]],
    recorded_at: dt.datetime | None = None,
) -> None:
    """Set the status (and its reason) of a table's partitions: one row per partition."""
    if not statuses:
        return
    recorded_at = recorded_at or _now()
    days = list(statuses)
    con.execute(
        f"delete from {CHECKS_TABLE} where table_name = ? and partition_date in "
        f"(select unnest(?::date[]))",
        [table, days],
    )
    con.execute(
        f"insert into {CHECKS_TABLE} "
        "select ?, unnest(?::date[]), unnest(?::varchar[]), unnest(?::varchar[]), ?",
        [
            table,
            days,
            [status for status, _ in statuses.values()],
            [reason for _, reason in statuses.values()],
            recorded_at,
        ],
    )


def mark_loaded(
    con: duckdb.DuckDBPyConnection, table: str, days: Iterable[dt.date], loaded_at: dt.datetime
) -> None:
    """Partitions just (re)loaded: unchecked until a run over their day checks them."""
    reason = f"loaded at {loaded_at:%Y-%m-%d %H:%M:%S} UTC"
    record(con, table, dict.fromkeys(days, (UNCHECKED, reason)))


def record_check(
    con: duckdb.DuckDBPyConnection,
    table: str,
    days: Iterable[dt.date],
    failed: Mapping[dt.date, str],
) -> None:
    """The outcome of a table's raw gate over the checked days: the failed days with why."""
    record(
        con,
        table,
        {day: (FAILED, failed[day]) if day in failed else (PASSED, "") for day in days},
    )


def held_outside(con: duckdb.DuckDBPyConnection, table: str, days: Iterable[dt.date]) -> list[Held]:
    """The table's partitions outside ``days`` that did not pass their last check."""
    rows = con.execute(
        f"""
        select partition_date, status, reason from {CHECKS_TABLE}
        where table_name = ? and status <> '{PASSED}'
        and partition_date not in (select unnest(?::date[]))
        order by partition_date
        """,
        [table, list(days)],
    ).fetchall()
    return [Held(table, day, status, reason) for day, status, reason in rows]
