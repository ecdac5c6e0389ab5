"""Contract checks on one landing file: structure, encoding and types, nothing else.

A file that breaks the contract raises :class:`ContractViolation` naming the file, the rule,
and where possible the column and row. Rows that parse but break a business rule (a null
key, a negative amount) are not this module's business: they load into raw and the quality
gates judge them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.contract import Column, Table, load_contract


@dataclass
class ContractViolation(Exception):
    """A landing file that the contract rejects whole."""

    file: str
    rule: str
    detail: str
    column: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        where = "".join(
            part
            for part in (
                f" column {self.column!r}" if self.column else "",
                f" row {self.row}" if self.row is not None else "",
            )
        )
        return f"{self.file}: [{self.rule}]{where}: {self.detail}"


#: Parquet physical types accepted for each contract type (then cast to the contract type).
_COMPATIBLE = {
    "string": (pa.types.is_string, pa.types.is_large_string),
    "integer": (pa.types.is_signed_integer, pa.types.is_unsigned_integer),
    "double": (pa.types.is_floating, pa.types.is_integer, pa.types.is_decimal),
    "decimal": (pa.types.is_decimal, pa.types.is_floating, pa.types.is_integer),
    "boolean": (pa.types.is_boolean,),
    "timestamp": (pa.types.is_timestamp,),
    "date": (pa.types.is_date,),
}

#: SQL condition that a text value (``v``) of a CSV column must meet for each contract type.
_TEXT_IS_VALID = {
    "integer": "regexp_full_match(trim(v), '[+-]?[0-9]+') and try_cast(v as bigint) is not null",
    "timestamp": "try_cast(v as timestamptz) is not null",
}


def _type_label(column: Column) -> str:
    return f"{column.type} ({column.warehouse_type})"


def _check_header(table: Table, names: list[str], file: str) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ContractViolation(file, "duplicate_column", f"columns repeated: {duplicated}")
    expected = table.column_names
    missing = [name for name in expected if name not in names]
    extra = [name for name in names if name not in expected]
    if missing:
        hint = f"; unexpected columns present: {extra}" if extra else ""
        raise ContractViolation(
            file,
            "missing_column",
            f"columns required by the contract are missing: {missing}{hint}",
            column=missing[0],
        )
    if extra:
        raise ContractViolation(
            file, "extra_column", f"columns not in the contract: {extra}", column=extra[0]
        )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes, encoding: str, file: str) -> str:
    """Decode strictly with the declared encoding; catch the classic GBK/UTF-8 mix-ups.

    Chinese text in GBK is practically never valid UTF-8, so a non-ASCII file that is valid
    UTF-8 in a GBK source was exported with the wrong encoding.
    """
    if encoding != "utf-8" and not data.isascii() and _is_utf8(data):
        raise ContractViolation(
            file,
            "encoding",
            f"the file is UTF-8 but the source declares {encoding}: re-export it in {encoding}",
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        hint = ""
        if encoding == "utf-8":
            try:
                data.decode("gbk")
                hint = " (the bytes read as GBK: was the file exported in GBK?)"
            except UnicodeDecodeError:
                pass
        raise ContractViolation(
            file,
            "encoding",
            f"not valid {encoding} at byte {error.start} (line {line}); "
            f"the source declares {encoding}{hint}",
            row=max(line - 1, 0),
        ) from None


def _read_csv(path: Path, table: Table, encoding: str, file: str) -> pa.Table:
    text = _decode(path.read_bytes(), encoding, file)
    if not text.strip():
        raise ContractViolation(file, "empty_file", "the file has no header and no rows")
    header = next(csv.reader(io.StringIO(text)))
    _check_header(table, header, file)
    try:
        return pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as error:
        raise ContractViolation(file, "malformed_csv", str(error)) from None


def _read_parquet(path: Path, table: Table, file: str) -> pa.Table:
    try:
        arrow_table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise ContractViolation(
            file, "unreadable_file", f"not a readable Parquet file (truncated or corrupt): {error}"
        ) from None
    _check_header(table, arrow_table.column_names, file)
    for column in table.columns:
        actual = arrow_table.schema.field(column.name).type
        if pa.types.is_dictionary(actual):
            actual = actual.value_type
        if not any(accepts(actual) for accepts in _COMPATIBLE[column.type]):
            raise ContractViolation(
                file,
                "wrong_type",
                f"Parquet type {actual} does not hold contract type {_type_label(column)}",
                column=column.name,
            )
    return arrow_table


def _typed_select(table: Table, relation: str) -> str:
    """SQL turning the registered file into the contract's warehouse types (UTC, no zone)."""
    expressions = []
    for column in table.columns:
        name = f'"{column.name}"'
        if column.type == "timestamp":
            expression = f"cast(cast({name} as timestamptz) as timestamp)"
        else:
            expression = f"cast({name} as {column.warehouse_type})"
        expressions.append(f"{expression} as {name}")
    return f"select {', '.join(expressions)} from {relation}"


def _first_unparseable(
    con: duckdb.DuckDBPyConnection, table: Table, relation: str, file: str
) -> None:
    """Reject a CSV whose text does not parse as the contract types, naming column and row."""
    for column in table.columns:
        if column.type == "string":
            continue
        condition = _TEXT_IS_VALID.get(
            column.type, f"try_cast(v as {column.warehouse_type}) is not null"
        )
        found = con.execute(
            f"""
            select row_number, v from (
                select row_number() over () as row_number, "{column.name}" as v
                from {relation}
            )
            where v is not null and not ({condition})
            order by row_number
            limit 1
            """
        ).fetchall()
        if found:
            ((row, value),) = found
            raise ContractViolation(
                file,
                "unparseable_value",
                f"value {value!r} is not a {_type_label(column)}",
                column=column.name,
                row=row,
            )


def read_landing_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, file: str
) -> pa.Table:
    """Check one landing file against the contract and return it in the warehouse types.

    ``con`` must use the UTC time zone; ``file`` is the name used in error messages.
    """
    source = load_contract().source(table.source)
    if path.suffix not in (".csv", ".parquet"):
        raise ContractViolation(file, "unknown_file_type", "only .parquet and .csv are accepted")
    if path.stat().st_size == 0:
        raise ContractViolation(file, "empty_file", "the file is empty (0 bytes)")
    if path.suffix == ".csv":
        arrow_table = _read_csv(path, table, source.csv_encoding, file)
    else:
        arrow_table = _read_parquet(path, table, file)
    relation = "landing_file"
    con.register(relation, arrow_table)
    try:
        if path.suffix == ".csv":
            _first_unparseable(con, table, relation, file)
        return con.sql(_typed_select(table, relation)).to_arrow_table()
    except duckdb.Error as error:  # e.g. a Parquet integer that overflows the contract type
        raise ContractViolation(file, "wrong_type", str(error)) from None
    finally:
        con.unregister(relation)
