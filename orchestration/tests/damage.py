"""Ways to damage a landing file, as shops' exports go wrong: the defect catalog's tools."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.contract import load_contract
from orchestration.contract.landing import write_landing_file


def landing_file(landing: Path, source: str, table: str, day: dt.date) -> Path:
    """The one file of a table's export day."""
    (path,) = sorted(load_contract().table(source, table).landing_dir(landing, day).iterdir())
    return path


def encoding_of(source: str) -> str:
    return load_contract().source(source).csv_encoding


def replace_in_csv(path: Path, old: str, new: str, encoding: str) -> None:
    text = path.read_text(encoding=encoding)
    assert old in text, f"{old!r} not in {path}"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))


def drop_csv_column(path: Path, column: str, encoding: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding=encoding))))
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:index] + r[index + 1 :] for r in rows])
    path.write_bytes(out.getvalue().encode(encoding))


def read_landed_table(landing: Path, source: str, table: str, day: dt.date) -> pa.Table:
    """A landing file's rows with the contract's types."""
    spec = load_contract().table(source, table)
    path = landing_file(landing, source, table, day)
    if path.suffix == ".parquet":
        return pq.read_table(path)
    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(encoding=encoding_of(source)),
        convert_options=pa_csv.ConvertOptions(
            column_types={c.name: c.arrow_type for c in spec.columns},
            strings_can_be_null=True,
        ),
    )


def rewrite(
    landing: Path, source: str, table: str, day: dt.date, change: Callable[[pa.Table], pa.Table]
) -> None:
    """Replace a table's export of a day by ``change`` of its rows (written as the shop does)."""
    data = read_landed_table(landing, source, table, day)
    landing_file(landing, source, table, day).unlink()
    write_landing_file(landing, load_contract().table(source, table), day, change(data))


def set_value(data: pa.Table, column: str, row: int, value) -> pa.Table:
    """``data`` with one cell changed."""
    values = data.column(column).to_pylist()
    values[row] = value
    index = data.column_names.index(column)
    return data.set_column(index, column, pa.array(values, data.schema.field(column).type))


def map_column(data: pa.Table, column: str, function: Callable) -> pa.Table:
    """``data`` with every non-null cell of a column replaced by ``function`` of it."""
    values = [None if v is None else function(v) for v in data.column(column).to_pylist()]
    index = data.column_names.index(column)
    return data.set_column(index, column, pa.array(values, data.schema.field(column).type))
