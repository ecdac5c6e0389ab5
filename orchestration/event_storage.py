"""The Dagster instance's event log: Dagster's SQLite event storage with its connections kept.

Dagster's own SQLite storage opens a new database engine and connection for every event it
stores and closes it afterwards; closing the last connection to a WAL database checkpoints
it, so each event costs two synced commits (the run's database, then the cross-run index)
and two checkpoints. A run over a range of days stores one materialization per asset and
day: a full rebuild of 365 days about 50,000 events, a daily run about 2,700. This storage
keeps one engine per database, its connection open, with ``synchronous=NORMAL`` (in WAL
mode a commit is then not synced; the database stays consistent after a crash, only the
last events before it may be lost). Dagster also asks, before it stores each asset or check
event, whether the index database has that event's table, through a new engine each time;
this storage asks once per table found (tables are only ever added, by Dagster's
migrations). Same files, same schema: the Dagster UI and every tool read the instance as
before. ``orchestration/dagster.yaml`` names it, with the instance
directory from ``DAGSTER_HOME``.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy
from dagster._config import StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

#: Databases whose engine is kept at once (the index and the runs being written or read):
#: a long-lived reader (the UI) going through many runs does not hold a file for each.
KEPT_ENGINES = 8


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log storage under ``<DAGSTER_HOME>/history/runs``, one kept
    engine (and connection) per database instead of one per event."""

    def __init__(self, dagster_home: str, inst_data=None) -> None:
        self._engines: OrderedDict[str, sqlalchemy.Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        super().__init__(str(Path(dagster_home) / "history" / "runs"), inst_data=inst_data)

    def has_table(self, table_name: str) -> bool:
        """Whether the index database has the table: asked of the database until it has."""
        if table_name not in self._tables_found:
            if not super().has_table(table_name):
                return False
            self._tables_found.add(table_name)
        return True

    @classmethod
    def config_type(cls) -> dict:
        return {"dagster_home": StringSource}

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sqlalchemy.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sqlalchemy.create_engine(
            self.conn_string_for_shard(shard),
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            pool_size=1,
        )
        sqlalchemy.event.listen(engine, "connect", _synchronous_normal)
        self._engines[shard] = engine
        while len(self._engines) > KEPT_ENGINES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[sqlalchemy.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def dispose(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()
        super().dispose()


def _synchronous_normal(connection, _record) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")
