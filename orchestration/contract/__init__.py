"""The raw landing contract, loaded from ``raw_contract.yml`` into typed objects.

Everything that needs to know what a shop delivers reads it from here: the ingest checks,
the landing-file writer used by the simulator, and the generator of the dbt sources YAML.
The shop's own settings (time zone, currencies, CSV encodings, the folder of its reference
seeds) come from ``shop.yml`` beside the contract, or the file ``SHOP_SETTINGS_FILE`` names
(:func:`load_shop`); the contract's sources and columns carry them once loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import yaml

from orchestration import settings

CONTRACT_PATH = Path(__file__).with_name("raw_contract.yml")
#: The demo shop's settings; ``SHOP_SETTINGS_FILE`` names another shop's.
SHOP_SETTINGS_PATH = Path(__file__).with_name("shop.yml")
#: ``values_from`` of a currency column: the shop's order currencies, not a seed.
ORDER_CURRENCIES = "order_currencies"

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
SIGNS = ("positive", "non_negative")
NUMBER_TYPES = ("integer", "double", "decimal")
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
    # the reference seed (or ORDER_CURRENCIES) whose codes are the column's accepted values
    values_from: str | None = None
    # the CSV texts that mean null in this column (none given: its source's null_values)
    null_values: tuple[str, ...] | None = None
    # a text that may hold line breaks and tabs (free text): any other text column holding
    # a control character is refused at the ingest
    multiline: bool = False
    # the sign of a number: positive (> 0) or non_negative (>= 0); money is non_negative
    # unless it says otherwise. Checked by the raw gate, the rows named.
    sign: str | None = None
    # the largest value a number may take (a rate's 1), checked with the sign
    maximum: float | None = None
    # a delivered file may leave the column out (a shop whose system has no such field):
    # its rows load with nulls; any other column missing from a file is refused
    optional: bool = False

    @property
    def sign_rule(self) -> str | None:
        """The sign the raw gate checks: the declared one, or money's non_negative."""
        return self.sign or ("non_negative" if self.type == "decimal" else None)

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
    # money columns in the currency of the row's order (orders.currency): staging converts
    # them to the reporting currency and keeps the delivered amount as <column>_original
    order_currency_amounts: bool = False
    # the shop must deliver it (the order system): a run stops while it has never arrived;
    # any other table is optional, and the indicators that need it are then not available
    required: bool = False
    # a table with daily traffic: the least share of its expected daily rows a day may hold
    # (the raw gate's volume rule; also gives it the freshness and export-day rules)
    volume_floor: float | None = None

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
class ShopSettings:
    """A shop's own settings (``shop.yml``): see the comments of that file."""

    path: Path
    timezone: str
    reporting_currency: str
    order_currencies: tuple[str, ...]
    csv_encoding: dict[str, str]
    reference_dir: Path

    def seed_path(self, seed: str) -> Path:
        return self.reference_dir / f"{seed}.csv"

    def seed_codes(self, seed: str) -> tuple[str, ...]:
        """The codes of a reference seed (its first column), in file order."""
        path = self.seed_path(seed)
        if not path.is_file():
            raise ContractDefinitionError(f"{self.path}: reference seed {path} does not exist")
        with path.open(encoding="utf-8", newline="") as file:
            return tuple(row[0] for row in list(csv.reader(file))[1:] if row)

    @property
    def converts_currencies(self) -> bool:
        """Whether orders may be in another currency than the reporting one."""
        return set(self.order_currencies) != {self.reporting_currency}

    def dbt_environment(self) -> dict[str, str]:
        """The settings as the dbt project reads them (env_var in dbt_project.yml)."""
        from orchestration.settings import PROJECT_ROOT

        reference = self.reference_dir.resolve()
        if reference.is_relative_to(PROJECT_ROOT):
            reference = reference.relative_to(PROJECT_ROOT)
        return {
            "SHOP_TIMEZONE": self.timezone,
            "SHOP_REPORTING_CURRENCY": self.reporting_currency,
            "SHOP_ORDER_CURRENCIES": ",".join(self.order_currencies),
            "SHOP_REFERENCE_DIR": str(reference),
        }


def _read_yaml(path: Path) -> dict:
    """A YAML file's document, read by libyaml's safe loader where PyYAML has it (the same
    document as ``yaml.safe_load``, several times faster on the contract file)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)


def shop_settings_path() -> Path:
    """The settings file of the shop the pipeline runs for (``SHOP_SETTINGS_FILE``)."""
    return settings.shop_settings_path(SHOP_SETTINGS_PATH)


#: The keys of a settings file.
SHOP_SETTINGS = ("timezone", "reporting_currency", "order_currencies", "csv_encoding", "reference")


@cache
def _load_shop(path: Path) -> ShopSettings:
    raw = _read_yaml(path)
    if set(raw) != set(SHOP_SETTINGS):
        missing, unknown = set(SHOP_SETTINGS) - set(raw), set(raw) - set(SHOP_SETTINGS)
        raise ContractDefinitionError(
            f"{path}: settings are exactly {', '.join(SHOP_SETTINGS)} "
            f"(missing: {sorted(missing)}, unknown: {sorted(unknown)})"
        )
    try:
        ZoneInfo(raw["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ContractDefinitionError(f"{path}: unknown time zone {raw['timezone']!r}") from None
    currencies = tuple(raw["order_currencies"])
    for code in (raw["reporting_currency"], *currencies):
        if not (isinstance(code, str) and len(code) == 3 and code.isalpha() and code.isupper()):
            raise ContractDefinitionError(f"{path}: {code!r} is not an ISO 4217 currency code")
    for source, encoding in raw["csv_encoding"].items():
        if encoding not in ENCODINGS:
            raise ContractDefinitionError(
                f"{path}: csv_encoding of {source} is one of {ENCODINGS}, not {encoding!r}"
            )
    return ShopSettings(
        path=Path(path),
        timezone=raw["timezone"],
        reporting_currency=raw["reporting_currency"],
        order_currencies=currencies,
        csv_encoding=dict(raw["csv_encoding"]),
        reference_dir=(Path(path).parent / raw["reference"]).resolve(),
    )


def load_shop() -> ShopSettings:
    """The settings of the shop the pipeline runs for."""
    return _load_shop(shop_settings_path())


def _encoding(shop: ShopSettings, source: str) -> str:
    if source not in shop.csv_encoding:
        raise ContractDefinitionError(f"{shop.path}: csv_encoding has no entry for {source}")
    return shop.csv_encoding[source]


@dataclass(frozen=True)
class Contract:
    version: int
    timezone: str
    currency: str
    sources: tuple[Source, ...]
    shop: ShopSettings | None = None

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
    column = Column(
        name=raw["name"],
        type=raw["type"],
        description=raw["description"],
        nullable=bool(raw.get("nullable", False)),
        pii=raw.get("pii"),
        accepted_values=tuple(raw.get("accepted_values", ())),
        rename=raw.get("rename"),
        references=raw.get("references"),
        references_severity=raw.get("references_severity", "error"),
        values_from=raw.get("values_from"),
        null_values=None if "null_values" not in raw else tuple(map(str, raw["null_values"])),
        multiline=bool(raw.get("multiline", False)),
        sign=raw.get("sign"),
        maximum=raw.get("maximum"),
        optional=bool(raw.get("optional", False)),
    )
    if column.optional and not column.nullable:
        raise ValueError(f"column {column.name}: an optional column is nullable (loads as null)")
    return column


def _with_shop_values(column: Column, shop: ShopSettings) -> Column:
    """A column whose accepted values come from the shop: its seed's codes, or its order
    currencies."""
    if column.values_from is None:
        return column
    if column.accepted_values:
        raise ContractDefinitionError(
            f"column {column.name}: accepted_values or values_from, not both"
        )
    codes = (
        shop.order_currencies
        if column.values_from == ORDER_CURRENCIES
        else shop.seed_codes(column.values_from)
    )
    return replace(column, accepted_values=codes)


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
                if (column.sign is not None or column.maximum is not None) and (
                    column.type not in NUMBER_TYPES or column.sign not in (None, *SIGNS)
                ):
                    raise ContractDefinitionError(
                        f"{where}.{column.name}: sign (one of {SIGNS}) and maximum are for "
                        f"numbers ({', '.join(NUMBER_TYPES)})"
                    )
                if column.multiline and column.type != "string":
                    raise ContractDefinitionError(f"{where}.{column.name}: multiline is for text")
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
            if table.volume_floor is not None and not (
                0 <= table.volume_floor < 1 and table.delivery == "append" and table.event_time
            ):
                raise ContractDefinitionError(
                    f"{where}: volume_floor is a share in [0, 1) of an append table "
                    "with an event_time"
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


def load_contract(path: Path = CONTRACT_PATH) -> Contract:
    """The contract with the settings of the shop the pipeline runs for."""
    return _load_contract(Path(path), shop_settings_path())


@cache
def _load_contract(path: Path, settings: Path) -> Contract:
    """Read and check the contract file (cached: the file is part of the code)."""
    shop = _load_shop(settings)
    raw = _read_yaml(path)
    sources = []
    for source_name, source in raw["sources"].items():
        tables = tuple(
            Table(
                source=source_name,
                name=table_name,
                description=" ".join(table["description"].split()),
                delivery=table["delivery"],
                primary_key=tuple(table["primary_key"]),
                columns=tuple(_with_shop_values(_column(c), shop) for c in table["columns"]),
                event_time=table.get("event_time"),
                updated_at=table.get("updated_at"),
                staging=table.get("staging", "view"),
                order_currency_amounts=bool(table.get("order_currency_amounts", False)),
                required=bool(table.get("required", False)),
                volume_floor=table.get("volume_floor"),
            )
            for table_name, table in source["tables"].items()
        )
        sources.append(
            Source(
                name=source_name,
                description=" ".join(source["description"].split()),
                format=source["format"],
                csv_encoding=_encoding(shop, source_name),
                tables=tables,
                null_values=tuple(map(str, source.get("null_values", ("",)))),
            )
        )
    contract = Contract(
        version=raw["version"],
        timezone=shop.timezone,
        currency=shop.reporting_currency,
        sources=tuple(sources),
        shop=shop,
    )
    _validate(contract)
    _validate_references(contract)
    return contract
