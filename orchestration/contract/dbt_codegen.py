"""Generate the contract-shaped part of the dbt project from the raw contract.

``python -m orchestration.contract.dbt_codegen`` (``make sources``) writes, per source:

- ``models/staging/<source>/_<source>__sources.yml``: the dbt sources, with descriptions,
  types and freshness;
- ``models/staging/<source>/stg_<source>__<table>.sql``: the staging view (latest version per
  primary key of tables delivered as changes, project names, shop-local times and days,
  personal data hashed, masked or dropped);
- ``models/staging/<source>/_<source>__models.yml``: the staging docs and tests (keys,
  accepted values, relationships with the severity the contract gives);

and ``models/staging/raw_table_deliveries.sql`` (with its docs): one row per contract
table, whether the contract requires it and whether the shop has delivered any of its rows;

and ``models/staging/stg_pipeline__touched_days.sql`` (with its docs): the days each export
day's loads touched, which later layers rebuild from (:mod:`orchestration.contract.touched_days`);

A test fails when a committed file differs from what the contract generates, so staging can
never drift from what the shop delivers.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.contract import (
    ORDER_CURRENCIES,
    RAW_SCHEMA,
    SHOP_SETTINGS_PATH,
    Column,
    Contract,
    Source,
    Table,
    load_contract,
)
from orchestration.contract.touched_days import MODEL as TOUCHED_DAYS_MODEL
from orchestration.contract.touched_days import touched_days_sql, touched_days_yaml

HEADER = "Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit."

METADATA_COLUMNS = [
    {
        "name": "_partition_date",
        "description": "Shop-local export day of the landing partition the row was loaded from.",
        "data_type": "date",
    },
    {
        "name": "_source_file",
        "description": "Landing file the row was loaded from, relative to the landing root.",
        "data_type": "varchar",
    },
    {
        "name": "_loaded_at",
        "description": "When the ingest loaded the row (UTC).",
        "data_type": "timestamp",
    },
]
#: Lineage columns kept in staging (incremental models find the days a load touched).
STAGING_METADATA = ("_partition_date", "_loaded_at")

#: A source is stale when its newest load is older than this (daily exports).
FRESHNESS = {
    "warn_after": {"count": 36, "period": "hour"},
    "error_after": {"count": 72, "period": "hour"},
}


def staging_model_name(table: Table) -> str:
    return f"stg_{table.source}__{table.name}"


def _is_event_timestamp(table: Table, column: Column) -> bool:
    """Timestamps that get shop-local companions (a record's version time does not)."""
    return column.type == "timestamp" and column.name != table.updated_at


def _time_prefix(column: Column) -> str:
    return column.staging_name.removesuffix("_at")


# --- sources -------------------------------------------------------------------------------


def _source_table(table: Table) -> dict:
    meta = {"delivery": table.delivery, "primary_key": list(table.primary_key)}
    if table.event_time:
        meta["event_time"] = table.event_time
    if table.updated_at:
        meta["updated_at"] = table.updated_at
    columns = []
    for column in table.columns:
        entry = {
            "name": column.name,
            "description": column.description,
            "data_type": column.warehouse_type,
        }
        column_meta = {
            key: value
            for key, value in (
                ("pii", column.pii),
                ("nullable", column.nullable or None),
                ("values_from", column.values_from),
                (
                    "accepted_values",
                    None if column.values_from else list(column.accepted_values) or None,
                ),
            )
            if value
        }
        if column_meta:
            entry["meta"] = column_meta
        columns.append(entry)
    return {
        "name": table.name,
        "description": table.description,
        "config": {"meta": meta},
        "columns": columns + METADATA_COLUMNS,
    }


def sources_yaml(contract: Contract, source: Source) -> str:
    document = {
        "version": 2,
        "sources": [
            {
                "name": source.name,
                "description": source.description,
                "schema": RAW_SCHEMA,
                "config": {
                    "loaded_at_field": "_loaded_at",
                    "freshness": FRESHNESS,
                    "meta": {
                        "format": source.format,
                        "csv_encoding": source.csv_encoding,
                        "contract_version": contract.version,
                    },
                },
                "tables": [_source_table(table) for table in source.tables],
            }
        ],
    }
    return _yaml(document)


# --- staging SQL ---------------------------------------------------------------------------


def _is_converted(table: Table, column: Column) -> bool:
    """Money delivered in the order's currency: staging reports it converted."""
    return table.order_currency_amounts and column.type == "decimal"


def _seed_key(seed: str) -> str:
    """The code column of a reference seed (its first), from the demo shop's file: every
    shop's copy of a seed has the same columns."""
    path = SHOP_SETTINGS_PATH.parent / "reference" / f"{seed}.csv"
    return path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")[0]


def _select_expressions(table: Table) -> list[str]:
    expressions = []
    for column in table.columns:
        if column.pii == "drop":
            continue
        if column.pii == "hash":
            expressions.append(f"{{{{ hash_pii('{column.name}') }}}} as {column.name}_hash")
        elif column.pii == "mask":
            expressions.append(f"{{{{ mask_phone('{column.name}') }}}} as {column.name}_masked")
        elif _is_converted(table, column):
            expressions.append(
                f"{{{{ in_reporting_currency('{column.name}') }}}} as {column.staging_name}"
            )
            expressions.append(f"{column.name} as {column.staging_name}_original")
        elif column.rename:
            expressions.append(f"{column.name} as {column.rename}")
        else:
            expressions.append(column.name)
        if _is_event_timestamp(table, column):
            expressions.append(
                f"{{{{ shop_time_columns('{column.name}', '{_time_prefix(column)}') }}}}"
            )
    return expressions + list(STAGING_METADATA)


def staging_sql(table: Table) -> str:
    relation = f"source('{table.source}', '{table.name}')"
    select_list = ",\n        ".join(_select_expressions(table))
    where = None
    if table.staging == "incremental":
        day = f"{_time_prefix(table.column(table.event_time))}_date"
        config = f"{{{{ config(**incremental_by_day('{day}', '{table.source}')) }}}}\n"
        where = f"rebuilt_shop_days_only('{table.event_time}', '{table.source}')"
    elif table.staging == "table":
        config = "{{ config(materialized='table') }}\n"
    else:
        config = ""
    if table.updated_at:
        key = ", ".join(f"'{name}'" for name in table.primary_key)
        arguments = [relation, f"key_columns=[{key}]", f"updated_at='{table.updated_at}'"]
        arguments += [f"where={where}"] if where else []
        rows = "{{ latest_version(\n        " + ",\n        ".join(arguments) + "\n    ) }}"
    else:
        # delivered once per record: the raw gate's duplicate_key rule already keeps one row
        # per key in raw (staging's unique test checks it again), so no ranking pass
        rows = f"select * from {{{{ {relation} }}}}" + (
            f"\n    where {{{{ {where} }}}}" if where else ""
        )
    return f"""{config}-- {HEADER}
with source as (

    {rows}

),

renamed as (

    select
        {select_list}
    from source

)

select * from renamed
"""


# --- staging docs and tests ----------------------------------------------------------------


def _staging_columns(contract: Contract, table: Table) -> tuple[list[dict], dict[str, list]]:
    """The columns' docs and tests, and the names of the columns that must not be null by
    severity: the key's and the other non-nullable ones, all errors (the raw gate stops a
    run on such a null already), tested in one scan (test not_null_columns)."""
    single_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    columns: list[dict] = []
    not_null: dict[str, list] = {"error": []}
    for column in table.columns:
        if column.pii == "drop":
            continue
        tests: list = []
        if column.name == single_key:
            tests.append("unique")
        if column.values_from and column.values_from != ORDER_CURRENCIES:
            # the shop's seed, not a list: a code added to the seed needs no regeneration
            tests.append(
                {
                    "relationships": {
                        "arguments": {
                            "to": f"ref('{column.values_from}')",
                            "field": _seed_key(column.values_from),
                        }
                    }
                }
            )
        elif column.accepted_values and not column.values_from:
            tests.append(
                {"accepted_values": {"arguments": {"values": list(column.accepted_values)}}}
            )
        if column.references:
            target_table, target_column = column.references.split(".")
            target = next(t for t in contract.tables if t.name == target_table)
            tests.append(
                {
                    "relationships": {
                        "arguments": {
                            "to": f"ref('{staging_model_name(target)}')",
                            "field": target.column(target_column).staging_name,
                        },
                        "config": {"severity": column.references_severity},
                    }
                }
            )
        if column.pii == "hash":
            name = f"{column.name}_hash"
            description = f"{column.description} Salted hash: joinable, never in clear."
        elif column.pii == "mask":
            name = f"{column.name}_masked"
            description = f"{column.description} Masked: first 3 and last 4 characters kept."
        elif _is_converted(table, column):
            name = column.staging_name
            description = (
                f"{column.description} In the reporting currency: converted at the rate of "
                "the order's shop-local day (seed exchange_rates)."
            )
        else:
            name, description = column.staging_name, column.description
        if column.name in table.primary_key or not column.nullable:
            not_null["error"].append(name)
        entry: dict = {"name": name, "description": description}
        if tests:
            entry["data_tests"] = tests
        columns.append(entry)
        if _is_converted(table, column):
            columns.append(
                {
                    "name": f"{name}_original",
                    "description": f"{column.description} As delivered, in the order's currency.",
                }
            )
        if _is_event_timestamp(table, column):
            prefix = _time_prefix(column)
            columns += [
                {
                    "name": f"{prefix}_at_local",
                    "description": f"{name} in shop-local time ({contract.timezone}).",
                },
                {
                    "name": f"{prefix}_date",
                    "description": f"Shop-local day of {name}: what daily indicators group by.",
                },
            ]
    metadata = {entry["name"]: entry for entry in METADATA_COLUMNS}
    columns += [
        {"name": name, "description": metadata[name]["description"]} for name in STAGING_METADATA
    ]
    return columns, not_null


def _staging_model(contract: Contract, table: Table) -> dict:
    versions = (
        f"latest version by {table.updated_at}"
        if table.updated_at
        else "one row per key (the raw gate refuses a key delivered twice)"
    )
    model: dict = {
        "name": staging_model_name(table),
        "description": (
            f"{table.description} Staging of {RAW_SCHEMA}.{table.name}: "
            f"{versions}; key {', '.join(table.primary_key)}."
        ),
    }
    columns, not_null = _staging_columns(contract, table)
    tests: list = []
    if len(table.primary_key) > 1:
        tests.append(
            {
                "unique_combination": {
                    "arguments": {
                        "columns": [table.column(name).staging_name for name in table.primary_key]
                    }
                }
            }
        )
    for severity, names in not_null.items():
        if names:
            test: dict = {"arguments": {"columns": names}}
            if severity != "error":
                test["config"] = {"severity": severity}
            tests.append({"not_null_columns": test})
    model["data_tests"] = tests
    model["columns"] = columns
    return model


def staging_models_yaml(contract: Contract, source: Source) -> str:
    document = {
        "version": 2,
        "models": [_staging_model(contract, table) for table in source.tables],
    }
    return _yaml(document)


DELIVERIES_MODEL = "raw_table_deliveries"
DELIVERY_ROW = """select
    '{source}' as source_name,
    '{table}' as table_name,
    '{source}.{table}' as raw_table,
    {required} as is_required,
    (
        select count(*) from {{{{ source('pipeline', 'ingest_log') }}}}
        where table_name = '{table}' and status = 'loaded'
    ) > 0 as is_delivered"""


def deliveries_sql(contract: Contract) -> str:
    """One row per contract table: whether it is required, and whether any partition of it
    has been loaded (an export day without records is a delivery: a young shop's returns)."""
    rows = [
        DELIVERY_ROW.format(
            source=table.source,
            table=table.name,
            required="true" if table.required else "false",
        )
        for table in contract.tables
    ]
    body = "\nunion all\n".join(rows)
    return f"-- {HEADER}\n{body}\n"


def deliveries_yaml() -> str:
    columns = [
        ("source_name", "Source system of the contract (web, shop, wms, ...)."),
        ("table_name", "Table of the source (unique in raw)."),
        ("raw_table", "source.table, as the indicator catalog's raw_tables name it."),
        (
            "is_required",
            "The contract requires the table (required: true): a run stops until it is delivered.",
        ),
        (
            "is_delivered",
            "At least one landing partition of the table has been loaded into raw, if "
            "only an export day without records (a young shop that has had no return yet "
            "delivers returns). A table never delivered (no system of the shop exports it) "
            "makes the indicators that need it not available.",
        ),
    ]
    document = {
        "version": 2,
        "models": [
            {
                "name": DELIVERIES_MODEL,
                "description": (
                    "What the shop delivers: one row per table of the raw contract, whether "
                    "the contract requires it and whether any of its partitions has been "
                    "loaded (raw._ingest_log). Read "
                    "by indicator_availability."
                ),
                "columns": [
                    {"name": name, "description": description} for name, description in columns
                ],
                "data_tests": [
                    {"unique_combination": {"arguments": {"columns": ["raw_table"]}}},
                    # a required table never delivered stops the run (its rows name it)
                    {
                        "expression_true": {
                            "name": "assert_every_required_raw_table_is_delivered",
                            "arguments": {"expression": "is_delivered or not is_required"},
                        }
                    },
                ],
            }
        ],
    }
    return _yaml(document)


def _yaml(document: dict) -> str:
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return f"# {HEADER}\n{body}"


def generated_files(project_root: Path) -> dict[Path, str]:
    contract = load_contract()
    files = {}
    for source in contract.sources:
        folder = project_root / "models" / "staging" / source.name
        files[folder / f"_{source.name}__sources.yml"] = sources_yaml(contract, source)
        files[folder / f"_{source.name}__models.yml"] = staging_models_yaml(contract, source)
        for table in source.tables:
            files[folder / f"{staging_model_name(table)}.sql"] = staging_sql(table)
    staging = project_root / "models" / "staging"
    files[staging / f"{DELIVERIES_MODEL}.sql"] = deliveries_sql(contract)
    files[staging / f"_{DELIVERIES_MODEL}.yml"] = deliveries_yaml()
    files[staging / f"{TOUCHED_DAYS_MODEL}.sql"] = touched_days_sql(contract)
    files[staging / f"_{TOUCHED_DAYS_MODEL}.yml"] = touched_days_yaml()
    return files


def main() -> None:
    from orchestration.settings import PROJECT_ROOT

    for path, text in generated_files(PROJECT_ROOT).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(generated_files(PROJECT_ROOT))} files under models/")


if __name__ == "__main__":
    main()
