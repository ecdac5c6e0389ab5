"""Write landing files exactly as the contract describes them (format, encoding, types).

Used by the simulator and by tests that build fixtures; the ingest reads them back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.contract import Table, load_contract


def _to_arrow(values, arrow_type: pa.DataType) -> pa.Array:
    """Convert simulator output (numpy arrays, lists, Arrow arrays) to the contract type.

    Naive timestamps are taken as UTC, the contract's convention (Arrow's cast keeps the
    stored instant and only labels the zone).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            values = pa.array(values.astype("datetime64[us]"))
        else:
            values = pa.array(values, from_pandas=True)
    if values.type == arrow_type:
        return values
    if pa.types.is_decimal(arrow_type) and pa.types.is_floating(values.type):
        values = pc.round(values, arrow_type.scale)
    return values.cast(arrow_type)


def to_contract_table(table: Table, data: Mapping[str, object]) -> pa.Table:
    """Build an Arrow table with exactly the contract's columns, order and types."""
    missing = [name for name in table.column_names if name not in data]
    if missing:
        raise KeyError(f"{table.source}.{table.name}: no data for columns {missing}")
    arrays = [_to_arrow(data[c.name], c.arrow_type) for c in table.columns]
    return pa.Table.from_arrays(arrays, schema=table.arrow_schema)


def write_landing_file(
    landing_root: Path,
    table: Table,
    day: dt.date,
    data: Mapping[str, object] | pa.Table,
    part: int = 0,
) -> Path:
    """Write one file of a table's daily partition in its source's declared format."""
    arrow_table = data if isinstance(data, pa.Table) else to_contract_table(table, data)
    source = load_contract().source(table.source)
    directory = table.landing_dir(landing_root, day)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"part-{part:04d}.{source.format}"
    if source.format == "parquet":
        pq.write_table(arrow_table, path, compression="zstd")
    else:
        buffer = io.BytesIO()
        pa_csv.write_csv(arrow_table, buffer)
        text = buffer.getvalue().decode("utf-8")
        path.write_bytes(text.encode(source.csv_encoding))
    return path
