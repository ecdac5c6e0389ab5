"""The raw landing contract, loaded from ``raw_contract.yml`` into typed objects.

Everything that needs to know what a shop delivers reads it from here: the ingest checks,
the landing-file writer used by the simulator, and the generator of the dbt sources YAML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa
import yaml

CONTRACT_PATH = Path(__file__).with_name("raw_contract.yml")

#: The warehouse schema the ingest writes and dbt reads sources from.
RAW_SCHEMA = "raw"

#: Arrow type each contract type is delivered as in Parquet (and parsed to from CSV).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "integer": pa.int64(),
    "double": pa.float64(),
    "decimal": pa.decimal128(18, 2),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

#: DuckDB column type of each contract type in the raw schema.
WAREHOUSE_TYPES: dict[str, str] = {
    "string": "varchar",
    "integer": "bigint",
    "double": "double",
    "decimal": "decimal(18, 2)",
    "boolean": "boolean",
    "timestamp": "timestamp",
    "date": "date",
}

DELIVERIES = ("append", "changes", "snapshot")
STAGING_MATERIALIZATIONS = ("view", "table", "incremental")
FORMATS = ("parquet", "csv")
ENCODINGS = ("utf-8", "gbk")


class ContractDefinitionError(ValueError):
    """The contract file itself is inconsistent."""


PII_TREATMENTS = ("hash", "mask", "drop")
SEVERITIES = ("error", "warn")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = False
    pii: str | None = None  # hash | mask | drop
    accepted_values: tuple[str, ...] = ()
    rename: str | None = None
    references: str | None = None  # "table.column"
    references_severity: str = "error"
    # the CSV texts that mean null in this column (none given: its source's null_values)
    null_values: tuple[str, ...] | None = None

    @property
    def staging_name(self) -> str:
        return self.rename or self.name

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    @property
    def warehouse_type(self) -> str:
        return WAREHOUSE_TYPES[self.type]


@dataclass(frozen=True)
class Table:
    source: str
    name: str
    description: str
    delivery: str
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    event_time: str | None = None
    updated_at: str | None = None
    # materialization of its staging model: view, table, or incremental (by the shop-local
    # day of event_time; the days its loads touched are rebuilt, see macro touched_days)
    staging: str = "view"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.source}.{self.name} has no column {name!r}")

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns]
        )

    def landing_dir(self, landing_root: Path, day: dt.date) -> Path:
        return Path(landing_root) / self.source / self.name / f"date={day.isoformat()}"


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    format: str
    csv_encoding: str
    tables: tuple[Table, ...]
    # the CSV texts that mean null in its columns (a column may say otherwise): by default
    # only the empty field, so that 'N/A' or 'NULL' is a value the checks judge
    null_values: tuple[str, ...] = ("",)

    def null_values_of(self, column: Column) -> tuple[str, ...]:
        return self.null_values if column.null_values is None else column.null_values


@dataclass(frozen=True)
class Contract:
    version: int
    timezone: str
    currency: str
    sources: tuple[Source, ...]

    @property
    def tables(self) -> list[Table]:
        return [table for source in self.sources for table in source.tables]

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source {name!r} in the raw contract")

    def table(self, source: str, name: str) -> Table:
        for table in self.source(source).tables:
            if table.name == name:
                return table
        raise KeyError(f"no table {source}.{name} in the raw contract")


def _column(raw: dict) -> Column:
    return Column(
        name=raw["name"],
        type=raw["type"],
        description=raw["description"],
        nullable=bool(raw.get("nullable", False)),
        pii=raw.get("pii"),
        accepted_values=tuple(raw.get("accepted_values", ())),
        rename=raw.get("rename"),
        references=raw.get("references"),
        references_severity=raw.get("references_severity", "error"),
        null_values=None if "null_values" not in raw else tuple(map(str, raw["null_values"])),
    )


def _validate(contract: Contract) -> None:
    seen: set[str] = set()
    for source in contract.sources:
        if source.format not in FORMATS or source.csv_encoding not in ENCODINGS:
            raise ContractDefinitionError(f"source {source.name}: bad format or encoding")
        for table in source.tables:
            where = f"{source.name}.{table.name}"
            if table.name in seen:
                raise ContractDefinitionError(f"{where}: table names must be unique in raw")
            seen.add(table.name)
            if table.delivery not in DELIVERIES:
                raise ContractDefinitionError(f"{where}: unknown delivery {table.delivery!r}")
            names = table.column_names
            if len(set(names)) != len(names):
                raise ContractDefinitionError(f"{where}: duplicate column names")
            for column in table.columns:
                if column.type not in ARROW_TYPES:
                    raise ContractDefinitionError(f"{where}.{column.name}: unknown type")
                if column.pii not in (None, *PII_TREATMENTS):
                    raise ContractDefinitionError(
                        f"{where}.{column.name}: pii is one of {PII_TREATMENTS}"
                    )
                if column.references_severity not in SEVERITIES:
                    raise ContractDefinitionError(f"{where}.{column.name}: bad severity")
            referenced = [*table.primary_key, table.event_time, table.updated_at]
            for name in filter(None, referenced):
                if name not in names:
                    raise ContractDefinitionError(f"{where}: {name!r} is not a column")
            if table.staging not in STAGING_MATERIALIZATIONS:
                raise ContractDefinitionError(
                    f"{where}: staging is one of {STAGING_MATERIALIZATIONS}"
                )
            if table.staging == "incremental" and (
                table.delivery != "append" or table.event_time is None
            ):
                raise ContractDefinitionError(
                    f"{where}: an incremental staging table needs append delivery and event_time"
                )
            if (table.delivery == "changes") != (table.updated_at is not None):
                raise ContractDefinitionError(
                    f"{where}: tables delivered as changes (and only they) need updated_at"
                )


def _validate_references(contract: Contract) -> None:
    columns = {(t.name, c.name) for t in contract.tables for c in t.columns}
    for table in contract.tables:
        for column in table.columns:
            if column.references and tuple(column.references.split(".")) not in columns:
                raise ContractDefinitionError(
                    f"{table.source}.{table.name}.{column.name}: references unknown "
                    f"{column.references}"
                )


@cache
def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    """Read and check the contract file (cached: the file is part of the code)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    sources = []
    for source_name, source in raw["sources"].items():
        tables = tuple(
            Table(
                source=source_name,
                name=table_name,
                description=" ".join(table["description"].split()),
                delivery=table["delivery"],
                primary_key=tuple(table["primary_key"]),
                columns=tuple(_column(c) for c in table["columns"]),
                event_time=table.get("event_time"),
                updated_at=table.get("updated_at"),
                staging=table.get("staging", "view"),
            )
            for table_name, table in source["tables"].items()
        )
        sources.append(
            Source(
                name=source_name,
                description=" ".join(source["description"].split()),
                format=source["format"],
                csv_encoding=source["csv_encoding"],
                tables=tables,
                null_values=tuple(map(str, source.get("null_values", ("",)))),
            )
        )
    contract = Contract(
        version=raw["version"],
        timezone=raw["shop"]["timezone"],
        currency=raw["shop"]["currency"],
        sources=tuple(sources),
    )
    _validate(contract)
    _validate_references(contract)
    return contract
