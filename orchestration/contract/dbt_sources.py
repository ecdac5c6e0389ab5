"""Generate the dbt ``sources:`` YAML of every source from the raw contract.

``python -m orchestration.contract.dbt_sources`` (``make sources``) rewrites
``models/staging/<source>/_<source>__sources.yml``; a test fails when the committed files
differ from what the contract generates, so the two cannot drift.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.contract import RAW_SCHEMA, Contract, Source, Table, load_contract

HEADER = (
    "# Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit.\n"
)

METADATA_COLUMN_DOCS = [
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

#: A source is stale when its newest load is older than this (daily exports).
FRESHNESS = {
    "warn_after": {"count": 36, "period": "hour"},
    "error_after": {"count": 72, "period": "hour"},
}


def _table_entry(table: Table) -> dict:
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
        column_meta = {}
        if column.pii:
            column_meta["pii"] = True
        if column.nullable:
            column_meta["nullable"] = True
        if column.accepted_values:
            column_meta["accepted_values"] = list(column.accepted_values)
        if column_meta:
            entry["meta"] = column_meta
        columns.append(entry)
    return {
        "name": table.name,
        "description": table.description,
        "config": {"meta": meta},
        "columns": columns + METADATA_COLUMN_DOCS,
    }


def source_yaml(contract: Contract, source: Source) -> str:
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
                "tables": [_table_entry(table) for table in source.tables],
            }
        ],
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def source_yaml_path(project_root: Path, source: Source) -> Path:
    return project_root / "models" / "staging" / source.name / f"_{source.name}__sources.yml"


def generated_files(project_root: Path) -> dict[Path, str]:
    contract = load_contract()
    return {
        source_yaml_path(project_root, source): source_yaml(contract, source)
        for source in contract.sources
    }


def main() -> None:
    from orchestration.settings import PROJECT_ROOT

    for path, text in generated_files(PROJECT_ROOT).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
