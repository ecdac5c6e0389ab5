"""The export queue: records wait here until the simulation reaches the shop-local day on
which they happen, and are then written to that day's landing partition.

Modules hand over records in simulation units, converted here to the contract's types:

* timestamp: int64 UTC seconds (``NO_TIME`` for null);
* date: day index (day 0 = first simulated day);
* decimal: int64 cents;
* integer: ints (negative = null in nullable columns);
* double: floats (NaN = null);
* boolean: bools;
* string: Arrow arrays or sequences of str/None.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.contract import ARROW_TYPES, Table, load_contract
from orchestration.contract.landing import write_landing_file
from orchestration.simulator.clock import NO_TIME, Clock
from orchestration.simulator.profiles import DEFAULT, Profile

#: Tables published on some days only (monthly market reports); all others get a file,
#: possibly empty, every simulated day.
PERIODIC_TABLES = frozenset({"market_category_gmv", "site_rankings"})


class Outbox:
    """Per table and per future day, the records not yet exported."""

    def __init__(self, landing_root: Path, clock: Clock, profile: Profile = DEFAULT) -> None:
        self.landing_root = Path(landing_root)
        self.clock = clock
        self.profile = profile
        self.tables: dict[str, Table] = {table.name: table for table in load_contract().tables}
        self._pending: dict[str, dict[int, list[pa.Table]]] = {name: {} for name in self.tables}
        self.rows_written: dict[str, int] = {
            name: 0 for name, table in self.tables.items() if profile.delivers(table)
        }

    def add(self, name: str, data: Mapping[str, object], days=None) -> None:
        """Queue records of table ``name``. Their export day is the local day of the table's
        event time (or updated_at) unless ``days`` says otherwise; records due after the
        last simulated day are dropped (they have not happened yet)."""
        table = self.tables[name]
        arrow = self._to_arrow(table, data)
        if arrow.num_rows == 0:
            return
        if days is None:
            days = self._days_of(table, data)
        days = np.broadcast_to(np.asarray(days, dtype=np.int64), (arrow.num_rows,))
        if days.min() < 0:
            raise ValueError(f"{name}: records dated before the first simulated day")
        order = np.argsort(days, kind="stable")
        unique, first = np.unique(days[order], return_index=True)
        bounds = np.append(first, len(order))
        pending = self._pending[name]
        for k, day in enumerate(unique.tolist()):
            if day < self.clock.days:
                pending.setdefault(day, []).append(arrow.take(order[bounds[k] : bounds[k + 1]]))

    def flush(self, day: int) -> None:
        """Write the files of ``day``, sorted by their time column; a table the profile's
        shop does not deliver gets none (its records are simulated all the same, so the
        delivered tables are those of the demo shop)."""
        for name, table in self.tables.items():
            parts = self._pending[name].pop(day, [])
            if (not parts and name in PERIODIC_TABLES) or not self.profile.delivers(table):
                continue
            arrow = pa.concat_tables(parts) if parts else table.arrow_schema.empty_table()
            arrow = self.profile.records(table, arrow)
            # as a shop's export leaves out a field its system does not have: an optional
            # column without a value that day is not written
            unfilled = [
                c.name
                for c in table.columns
                if c.optional and arrow[c.name].null_count == arrow.num_rows
            ]
            arrow = arrow.drop_columns(unfilled)
            column = table.event_time or table.updated_at
            if arrow.num_rows > 1 and table.column(column).type == "timestamp":
                order = np.argsort(arrow.column(column).to_numpy(), kind="stable")
                arrow = arrow.take(order)
            write_landing_file(self.landing_root, table, self.clock.date(day), arrow)
            self.rows_written[name] += arrow.num_rows

    def _days_of(self, table: Table, data: Mapping[str, object]) -> np.ndarray:
        column = table.event_time or table.updated_at
        values = np.asarray(data[column])
        if table.column(column).type == "timestamp":
            return self.clock.local_day(values)
        return values

    def _to_arrow(self, table: Table, data: Mapping[str, object]) -> pa.Table:
        """Records as the contract's table; an optional column the shop does not fill may be
        left out (nulls)."""
        missing = [c.name for c in table.columns if c.name not in data and not c.optional]
        extra = [name for name in data if name not in table.column_names]
        if missing or extra:
            raise KeyError(f"{table.name}: missing columns {missing}, unknown columns {extra}")
        rows = len(next(iter(data.values())))
        arrays = [
            self._convert(column.type, column.nullable, data[column.name])
            if column.name in data
            else pa.nulls(rows, column.arrow_type)
            for column in table.columns
        ]
        return pa.Table.from_arrays(arrays, schema=table.arrow_schema)

    def _convert(self, kind: str, nullable: bool, values) -> pa.Array:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return values.cast(ARROW_TYPES[kind])
        if kind == "string":
            return pa.array(values, pa.string())
        values = np.asarray(values)
        if kind == "timestamp":
            values = values.astype(np.int64)
            missing = values == NO_TIME
            micros = np.where(missing, 0, values) * 1_000_000
            return pa.array(micros, ARROW_TYPES[kind], mask=missing if missing.any() else None)
        if kind == "date":
            return pa.array(self.clock.epoch_days(values).astype(np.int32), pa.date32())
        if kind == "decimal":
            cents = pa.array(values.astype(np.int64))
            return cents.cast(pa.decimal128(19, 0)).view(ARROW_TYPES[kind])
        if kind == "integer":
            values = values.astype(np.int64)
            return pa.array(values, pa.int64(), mask=values < 0 if nullable else None)
        if kind == "double":
            return pa.array(values.astype(np.float64), pa.float64(), from_pandas=True)
        return pa.array(values.astype(bool), pa.bool_())
