"""Contract checks on one landing file: structure, encoding, types and single values.

A file that breaks the contract raises :class:`ContractViolation` naming the file, the rule,
and where possible the column and row. A CSV field is null only when its text is one of
the column's null tokens (the contract's ``null_values``; by default the empty field):
any other text, 'N/A' or 'NULL' included, is a value, which must parse as the column's type;
money must not carry more decimals than the contract type keeps (VALUE_RULES). Rows that
parse but break a business rule (a null key, a negative amount) are not this module's
business: they load into raw and the quality gates judge them.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from orchestration.contract import (
    ARROW_TYPES,
    WAREHOUSE_TYPES,
    Column,
    Source,
    Table,
    load_contract,
)


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

#: A number as a CSV text holds it: a sign, digits and a '.' decimal point, nothing else (a
#: decimal comma, a thousands separator, a currency symbol or code, '1_000' are refused: read
#: loosely, '1,234' and '12,50' have no single meaning).
_NUMBER_TEXT = "[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)"
#: A timestamp as a CSV text holds it: ISO 8601 date and time (seconds and up to 6 decimals
#: optional), then 'Z' or a numeric UTC offset (+08:00, +0800, +08); no offset means UTC, the
#: contract's convention. A zone name or abbreviation is refused ('CST' is China's UTC+8 to
#: the shop and US Central time to a parser), and so is a date alone.
_TIMESTAMP_TEXT = (
    "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
    "(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)

#: SQL condition that a text value (``{v}``) of a CSV column must meet for each contract type.
_TEXT_IS_VALID = {
    "integer": "regexp_full_match(trim({v}), '[+-]?[0-9]+') "
    "and try_cast({v} as bigint) is not null",
    "decimal": f"regexp_full_match(trim({{v}}), '{_NUMBER_TEXT}') "
    f"and try_cast({{v}} as {WAREHOUSE_TYPES['decimal']}) is not null",
    "double": f"regexp_full_match(trim({{v}}), '{_NUMBER_TEXT}([eE][+-]?[0-9]+)?') "
    "and try_cast({v} as double) is not null",
    "timestamp": f"regexp_full_match(trim({{v}}), '{_TIMESTAMP_TEXT}') "
    "and try_cast({v} as timestamptz) is not null",
}

#: What a CSV text of each type must look like, told with a refused value.
_TEXT_SHAPES = {
    "integer": "digits only, no separator",
    "decimal": "digits and a '.' decimal point, no thousands separator, currency or exponent",
    "double": "digits, a '.' decimal point and an optional exponent, no thousands separator",
    "timestamp": "ISO 8601 with 'Z' or a numeric UTC offset, e.g. 2025-06-15 10:00:00+08:00; "
    "none means UTC",
    "boolean": "true/false, t/f, yes/no, y/n or 1/0",
    "date": "YYYY-MM-DD",
}

#: Characters no text value holds unless its column is ``multiline`` (which may hold tab,
#: line feed and carriage return): the C0 and C1 control characters, DEL and the byte-order
#: mark U+FEFF (a second file's mark inside a concatenated export). A NUL ends a string in
#: many readers downstream; any of them makes two equal-looking keys or names differ.
_CONTROL = r"\x00-\x1f\x7f\x{80}-\x{9f}\x{feff}"
_CONTROL_BUT_LINES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{80}-\x{9f}\x{feff}"

#: Decimal places the contract's money type keeps (decimal(18, 2)): more would be rounded.
MONEY_SCALE = ARROW_TYPES["decimal"].scale


@dataclass(frozen=True)
class ValueRule:
    """A rule every non-null value of a column meets as delivered (CSV text once its null
    tokens are nulls, or a Parquet value), checked in DuckDB before the cast to the contract
    type: the first value that breaks it refuses the file, named with the rule, column, row
    and value. A new rule about single values is one more entry of VALUE_RULES."""

    name: str
    #: whether the rule applies to a column in a file format ("csv" or "parquet")
    applies: Callable[[Column, str], bool]
    #: SQL condition, on the value ``{v}`` of a column in a file format, that breaks the rule
    breaks: Callable[[Column, str], str]
    #: what is wrong with a value that breaks it: "value '7.825' <says>"
    says: Callable[[Column], str]
    #: a test of a column's values as Arrow (strings as read) that is false only when no
    #: value breaks the rule, where that is much cheaper than the SQL condition on each
    #: value: many files are then measured at once (files_breaking_values)
    none_breaks: Callable[[Column, pa.Array], bool] | None = None


def _not_finite(column: Column, file_format: str) -> str:
    """NaN, Infinity or -Infinity in any spelling ('nan', 'INF', '-Infinity'): a CSV text that
    reads as one, or a Parquet float holding one."""
    number = "try_cast({v} as double)" if file_format == "csv" else "cast({v} as double)"
    return f"isnan({number}) or isinf({number})"


def _holds_control(column: Column, file_format: str) -> str:
    characters = _CONTROL_BUT_LINES if column.multiline else _CONTROL
    return f"regexp_matches({{v}}, '[{characters}]')"


def _text_bytes(array: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of all the values of a string array (of a dictionary array: of its
    dictionary), one after another."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary
    _, offsets, data = array.buffers()
    if not len(array) or data is None:
        return np.empty(0, np.uint8)
    kind = np.int64 if pa.types.is_large_string(array.type) else np.int32
    bounds = np.frombuffer(offsets, kind)[array.offset : array.offset + len(array) + 1]
    return np.frombuffer(data, np.uint8)[bounds[0] : bounds[-1]]


def _holds_no_control(column: Column, values: pa.Array) -> bool:
    """No value holds a control character (_CONTROL, or _CONTROL_BUT_LINES when multiline),
    told from the values' UTF-8 bytes: a C0 control or DEL is its own byte, U+0080-U+009F is
    0xC2 0x80-0x9F and U+FEFF is 0xEF 0xBB 0xBF. (The bytes of two values side by side
    never make one of them: a value is valid UTF-8 on its own.)"""
    text = _text_bytes(values)
    # one pass for the common case: printable ASCII only (0x20-0x7E)
    if not ((text - np.uint8(0x20)) >= np.uint8(0x5F)).any():
        return True
    controls = (text < 0x20) | (text == 0x7F)
    if column.multiline:
        controls &= ~np.isin(text, (0x09, 0x0A, 0x0D))
    if controls.any():
        return False
    lead = np.flatnonzero(text[:-1] == 0xC2) + 1
    if ((text[lead] >= 0x80) & (text[lead] <= 0x9F)).any():
        return False
    lead = np.flatnonzero(text[:-2] == 0xEF) + 1
    return not ((text[lead] == 0xBB) & (text[lead + 1] == 0xBF)).any()


def _unparseable_says(column: Column) -> str:
    shape = _TEXT_SHAPES.get(column.type)
    return f"is not a {_type_label(column)}" + (
        f" (a CSV {column.type} is {shape})" if shape else ""
    )


def _text_breaks_type(column: Column, file_format: str) -> str:
    default = f"try_cast({{v}} as {column.warehouse_type}) is not null"
    return f"not ({_TEXT_IS_VALID.get(column.type, default)})"


def _decimals_beyond_scale(column: Column, file_format: str) -> str:
    """More decimals than the money type keeps (trailing zeros keep the value: accepted). A
    Parquet number (a float or decimal of another scale) is compared with its rounded value,
    allowing a float's binary noise."""
    if file_format == "parquet":
        number = "cast({v} as double)"
        return f"abs({number} - round({number}, {MONEY_SCALE})) > 1e-9 * greatest(1, abs({number}))"
    return (
        "regexp_full_match(trim({v}), '[+-]?[0-9]*[.][0-9]*') "
        f"and length(rtrim(split_part(trim({{v}}), '.', 2), '0')) > {MONEY_SCALE}"
    )


VALUE_RULES = (
    ValueRule(
        "non_finite_number",
        lambda column, file_format: (
            column.type in ("double", "decimal")
            or (file_format == "csv" and column.type == "integer")
        ),
        _not_finite,
        lambda column: f"is not a finite number: {_type_label(column)} holds finite values only",
    ),
    ValueRule(
        "unparseable_value",
        lambda column, file_format: file_format == "csv" and column.type != "string",
        _text_breaks_type,
        _unparseable_says,
    ),
    ValueRule(
        "control_character",
        lambda column, file_format: column.type == "string",
        _holds_control,
        lambda column: (
            "holds a control character (NUL, escape, a byte-order mark …)"
            + ("" if column.multiline else " or a line break or tab")
            + "; a column that may hold line breaks and tabs declares multiline: true"
        ),
        lambda column, values: all(
            _holds_no_control(column, chunk)
            for chunk in (values.chunks if isinstance(values, pa.ChunkedArray) else [values])
        ),
    ),
    ValueRule(
        "over_precise_money",
        lambda column, file_format: column.type == "decimal",
        _decimals_beyond_scale,
        lambda column: (
            f"has more than {MONEY_SCALE} decimals, which the contract type "
            f"{_type_label(column)} would round (deliver the amount as booked)"
        ),
    ),
)


def _type_label(column: Column) -> str:
    return f"{column.type} ({column.warehouse_type})"


def _check_header(table: Table, names: list[str], file: str) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ContractViolation(file, "duplicate_column", f"columns repeated: {duplicated}")
    expected = table.column_names
    missing = [c.name for c in table.columns if c.name not in names and not c.optional]
    extra = [name for name in names if name not in expected]
    if missing:
        hint = f"; unexpected columns present: {extra}" if extra else ""
        if any(name.startswith("\ufeff") for name in extra):
            hint += " (the file starts with a byte-order mark in an encoding that has none)"
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


def _with_absent_columns(table: Table, arrow_table: pa.Table, as_text: bool) -> pa.Table:
    """A file's records with each optional column the file leaves out, as nulls (text when
    the file's columns are read as text, CSV)."""
    for column in table.columns:
        if column.optional and column.name not in arrow_table.column_names:
            kind = pa.string() if as_text else column.arrow_type
            nulls = pa.nulls(arrow_table.num_rows, kind)
            arrow_table = arrow_table.append_column(pa.field(column.name, kind), nulls)
    return arrow_table


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes, encoding: str, file: str) -> str:
    """Decode strictly with the declared encoding; catch the classic GBK/UTF-8 mix-ups.

    Chinese text in GBK is practically never valid UTF-8, so a non-ASCII file that is valid
    UTF-8 in a GBK source was exported with the wrong encoding. A UTF-8 byte-order mark (what
    Excel's "CSV UTF-8" writes first) is dropped in a UTF-8 source and named in a GBK one.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    if encoding == "utf-8" and bom:
        data = data[len(codecs.BOM_UTF8) :]
    if encoding != "utf-8" and not data.isascii() and _is_utf8(data):
        mark = " (it starts with a UTF-8 byte-order mark, as Excel's 'CSV UTF-8' writes)"
        raise ContractViolation(
            file,
            "encoding",
            f"the file is UTF-8{mark if bom else ''} but the source declares {encoding}: "
            f"re-export it in {encoding}",
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


def _malformed_line(text: str, header: list[str], file: str) -> ContractViolation | None:
    """The first record whose number of fields is not the header's, with its line number
    and its text made visible (a line of spaces reads '   ')."""
    reader = csv.reader(io.StringIO(text))
    next(reader)
    for row, fields in enumerate(reader, start=1):
        if fields and len(fields) != len(header):
            lines = text.splitlines()
            shown = "\n".join(lines[reader.line_num - 1 : reader.line_num])
            return ContractViolation(
                file,
                "malformed_csv",
                f"line {reader.line_num} has {len(fields)} field(s) where the header has "
                f"{len(header)}: {shown!r}",
                row=row,
            )
    return None


#: A CSV text above this size is parsed on several threads (below it, starting them costs
#: more than they save); the records are the same either way.
_THREADED_CSV_BYTES = 4 * 2**20


def _csv_text(data: bytes, table: Table, encoding: str, file: str) -> tuple[str, list[str]]:
    """A CSV file's text, decoded strictly, and its header, checked against the contract."""
    text = _decode(data, encoding, file)
    if not text.strip():
        raise ContractViolation(file, "empty_file", "the file has no header and no rows")
    header = next(csv.reader(io.StringIO(text)))
    _check_header(table, header, file)
    return text, header


def _parse_csv(utf8: bytes, header: list[str]) -> pa.Table:
    """Records of a UTF-8 CSV text whose first line is ``header``: every field as text, none
    taken for null here (the contract's null tokens are applied per column,
    _without_null_tokens). Raises pyarrow's ArrowInvalid on a malformed record."""
    return pa_csv.read_csv(
        io.BytesIO(utf8),
        read_options=pa_csv.ReadOptions(use_threads=len(utf8) > _THREADED_CSV_BYTES),
        # a quoted field may hold a line break (a multiline column keeps it, any other
        # column's control_character rule names it): never a record split in two
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header}, strings_can_be_null=False
        ),
    )


def _read_csv(data: bytes, table: Table, encoding: str, file: str) -> pa.Table:
    text, header = _csv_text(data, table, encoding, file)
    utf8 = data if encoding == "utf-8" and not data.startswith(codecs.BOM_UTF8) else None
    try:
        records = _parse_csv(utf8 if utf8 is not None else text.encode("utf-8"), header)
    except pa.ArrowInvalid as error:
        raise _malformed_line(text, header, file) or ContractViolation(
            file, "malformed_csv", str(error)
        ) from None
    return _with_absent_columns(table, records, as_text=True)


def _parsed_together(texts: list[str], header: list[str]) -> list[pa.Table] | None:
    """The records of CSV texts that share their header, parsed as one text (one parse of
    many small files instead of one each): the texts one after another, each with its
    header line, which marks where its records start. None when that cannot be told
    exactly: a text with an odd number of quote characters (an open quoted field would run
    on into the next text), a malformed record, or a record equal to the header."""
    if any(text.count('"') % 2 for text in texts):
        return None
    joined = "".join(text if text.endswith("\n") else text + "\n" for text in texts)
    try:
        records = _parse_csv(joined.encode("utf-8"), header)
    except pa.ArrowInvalid:
        return None
    is_header = np.ones(records.num_rows, bool)
    for name in header:
        is_header &= pc.equal(records.column(name), name).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(is_header)
    if len(starts) != len(texts) - 1:
        return None
    bounds = [-1, *starts.tolist(), records.num_rows]
    return [records.slice(first + 1, end - first - 1) for first, end in itertools.pairwise(bounds)]


def read_csv_files(
    datas: list[bytes], table: Table, encoding: str, files: list[str]
) -> list[pa.Table | ContractViolation]:
    """delivered_records of many CSV files of a table (``datas``, named ``files``): for
    each, its records or the violation that refuses it. Files that share a header are
    decoded and parsed together (_parsed_together), else each on its own."""
    found: list[pa.Table | ContractViolation | None] = [None] * len(datas)
    groups: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    for index, (data, file) in enumerate(zip(datas, files, strict=True)):
        try:
            text, header = _csv_text(data, table, encoding, file)
        except ContractViolation as violation:
            found[index] = violation
            continue
        groups.setdefault(tuple(header), []).append((index, text))
    for header, members in groups.items():
        together = _parsed_together([text for _, text in members], list(header))
        for position, (index, _) in enumerate(members):
            if together is not None:
                found[index] = _with_absent_columns(table, together[position], as_text=True)
                continue
            try:
                found[index] = _read_csv(datas[index], table, encoding, files[index])
            except ContractViolation as violation:
                found[index] = violation
    return found


def _without_null_tokens(
    table: Table, source: Source, relation: str, keep: tuple[str, ...] = ()
) -> str:
    """SQL over a CSV file's text in which each column's null tokens are nulls (and the
    columns ``keep`` as they are)."""
    expressions = [f'"{name}"' for name in keep]
    for column in table.columns:
        name = f'"{column.name}"'
        tokens = ", ".join(
            "'" + token.replace("'", "''") + "'" for token in source.null_values_of(column)
        )
        value = f"case when {name} in ({tokens}) then null else {name} end" if tokens else name
        expressions.append(f"{value} as {name}")
    return f"select {', '.join(expressions)} from {relation}"


def _read_parquet(data: bytes, table: Table, file: str, text_as_dictionary: bool) -> pa.Table:
    """A Parquet file's records, checked for the contract's columns and types; with
    ``text_as_dictionary``, its text columns as dictionaries (each distinct text once)."""
    dictionary = (
        [c.name for c in table.columns if c.type == "string"] if text_as_dictionary else None
    )
    try:
        arrow_table = pq.read_table(pa.BufferReader(data), read_dictionary=dictionary)
    except (pa.ArrowInvalid, OSError) as error:
        raise ContractViolation(
            file, "unreadable_file", f"not a readable Parquet file (truncated or corrupt): {error}"
        ) from None
    _check_header(table, arrow_table.column_names, file)
    arrow_table = _with_absent_columns(table, arrow_table, as_text=False)
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


def _with_nulls(table: Table, file_format: str, relation: str, keep: tuple[str, ...] = ()) -> str:
    """A relation of delivered records as the value rules see them: a CSV's null tokens as
    nulls (and the columns ``keep`` as they are)."""
    if file_format != "csv":
        return relation
    source = load_contract().source(table.source)
    return f"({_without_null_tokens(table, source, relation, keep)})"


def typed_records(table: Table, file_format: str, relation: str, keep: tuple[str, ...]) -> str:
    """SQL: a relation of delivered records (checked) in the contract's warehouse types, then
    the columns ``keep`` as they are."""
    return _typed_select(table, _with_nulls(table, file_format, relation, keep), keep)


def _typed_select(table: Table, relation: str, keep: tuple[str, ...] = ()) -> str:
    """SQL turning the registered file into the contract's warehouse types (UTC, no zone),
    then the columns ``keep`` as they are."""
    expressions = []
    for column in table.columns:
        name = f'"{column.name}"'
        if column.type == "timestamp":
            expression = f"cast(cast({name} as timestamptz) as timestamp)"
        else:
            expression = f"cast({name} as {column.warehouse_type})"
        expressions.append(f"{expression} as {name}")
    expressions += [f'"{name}"' for name in keep]
    return f"select {', '.join(expressions)} from {relation}"


def _value_checks(table: Table, file_format: str) -> list[tuple[ValueRule, Column]]:
    """The (rule, column) pairs of VALUE_RULES that apply to a file of the table, in
    contract order of the columns."""
    return [
        (rule, column)
        for column in table.columns
        for rule in VALUE_RULES
        if rule.applies(column, file_format)
    ]


def _breaks(rule: ValueRule, column: Column, file_format: str) -> str:
    """SQL condition: the column's value is not null and breaks the rule."""
    condition = rule.breaks(column, file_format).replace("{v}", f'"{column.name}"')
    return f'"{column.name}" is not null and ({condition})'


def _first_bad_value(
    con: duckdb.DuckDBPyConnection, table: Table, relation: str, file_format: str, file: str
) -> None:
    """Reject a file with a value that breaks a value rule, naming the rule, column, row and
    value; every rule of every column is measured in one scan (the first failing row of each),
    and the earliest column and rule in contract order is reported."""
    checks = _value_checks(table, file_format)
    if not checks:
        return
    numbered = f"(select row_number() over () as row_number, * from {relation})"
    firsts = ", ".join(
        f"min(row_number) filter (where {_breaks(rule, column, file_format)})"
        for rule, column in checks
    )
    (found,) = con.execute(f"select {firsts} from {numbered}").fetchall()
    for (rule, column), row in zip(checks, found, strict=True):
        if row is None:
            continue
        ((value,),) = con.execute(
            f'select cast("{column.name}" as varchar) from {numbered} where row_number = ?',
            [row],
        ).fetchall()
        raise ContractViolation(
            file,
            rule.name,
            f"value {value!r} {rule.says(column)}",
            column=column.name,
            row=row,
        )


def delivered_records(
    path: Path, data: bytes, table: Table, source: Source, file: str, *, text_as_dictionary=False
) -> pa.Table:
    """A landing file's records as delivered (a CSV's fields as text), once its type,
    encoding, structure, columns and Parquet types meet the contract; ``data`` is the file's
    content. Each optional column the file leaves out is there, null."""
    if path.suffix not in (".csv", ".parquet"):
        raise ContractViolation(file, "unknown_file_type", "only .parquet and .csv are accepted")
    if not data:
        raise ContractViolation(file, "empty_file", "the file is empty (0 bytes)")
    if path.suffix == ".csv":
        return _read_csv(data, table, source.csv_encoding, file)
    return _read_parquet(data, table, file, text_as_dictionary)


def read_landing_file(
    con: duckdb.DuckDBPyConnection, path: Path, table: Table, file: str
) -> pa.Table:
    """Check one landing file against the contract and return it in the warehouse types.

    ``con`` must use the UTC time zone; ``file`` is the name used in error messages.
    """
    source = load_contract().source(table.source)
    data = path.read_bytes() if path.suffix in (".csv", ".parquet") else b""
    arrow_table = delivered_records(path, data, table, source, file)
    con.register("landing_file", arrow_table)
    file_format = path.suffix[1:]
    relation = _with_nulls(table, file_format, "landing_file")
    try:
        _first_bad_value(con, table, relation, file_format, file)
        return con.sql(_typed_select(table, relation)).to_arrow_table()
    except duckdb.Error as error:  # e.g. a Parquet integer that overflows the contract type
        raise ContractViolation(file, "wrong_type", str(error)) from None
    finally:
        con.unregister("landing_file")


def stacked(table: Table, files: list[pa.Table], labels: dict[str, list]) -> list[pa.Table]:
    """Records of many files as few tables, in contract column order: one per set of column
    types (usually all the files of a table have one). Each label (a value per file, in the
    order of ``files``) becomes a column holding its file's value on each of its rows."""
    names = table.column_names
    # the columns alone, without the files' schema or field metadata
    parts = [pa.Table.from_arrays(records.select(names).columns, names=names) for records in files]
    groups: dict[tuple, list[int]] = {}
    for index, part in enumerate(parts):
        groups.setdefault(tuple(part.schema.types), []).append(index)
    stacks = []
    for members in groups.values():
        stack = pa.concat_tables([parts[index] for index in members])
        sizes = [parts[index].num_rows for index in members]
        rows = np.repeat(np.arange(len(members), dtype=np.int32), sizes)
        for name, values in labels.items():
            values = pa.array([values[index] for index in members])
            column = (
                pa.DictionaryArray.from_arrays(pa.array(rows), values)
                if pa.types.is_string(values.type)
                else values.take(pa.array(rows))
            )
            stack = stack.append_column(name, column)
        stacks.append(stack)
    return stacks


def files_breaking_values(
    con: duckdb.DuckDBPyConnection, table: Table, file_format: str, files: dict[str, pa.Table]
) -> set[str]:
    """Of many files' records as delivered (a CSV's fields as text; by file name), the files
    in which a value may break a value rule, all measured in one scan per set of column
    types. A file named here holds a breaking value or may (``none_breaks`` is not exact):
    its check on its own (read_landing_file) tells which and where; a file not named breaks
    no rule."""
    checks = _value_checks(table, file_format)
    suspects = {
        name
        for name, records in files.items()
        for rule, column in checks
        if rule.none_breaks and not rule.none_breaks(column, records.column(column.name))
    }
    conditions = [
        _breaks(rule, column, file_format) for rule, column in checks if not rule.none_breaks
    ]
    names = [name for name in files if name not in suspects]
    if not conditions or not names:
        return suspects
    label = "_landing_file"
    for stack in stacked(table, [files[name] for name in names], {label: names}):
        con.register("landing_stack", stack)
        relation = _with_nulls(table, file_format, "landing_stack", keep=(label,))
        try:
            found = con.execute(
                f"select distinct cast({label} as varchar) from {relation} "
                f"where {' or '.join(f'({condition})' for condition in conditions)}"
            ).fetchall()
        except duckdb.Error:  # e.g. a value no cast takes: each file's own check names it
            found = [(name,) for name in stack.column(label).chunk(0).dictionary.to_pylist()]
        finally:
            con.unregister("landing_stack")
        suspects.update(name for (name,) in found)
    return suspects
