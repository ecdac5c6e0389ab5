"""The raw contract is consistent and the dbt sources generated from it are committed."""

from __future__ import annotations

from orchestration.contract import load_contract
from orchestration.contract.dbt_sources import generated_files
from orchestration.settings import PROJECT_ROOT


def test_committed_dbt_sources_match_the_contract() -> None:
    files = generated_files(PROJECT_ROOT)
    stale = [
        str(path.relative_to(PROJECT_ROOT))
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `make sources`: {stale}"
    assert len(files) == len(load_contract().sources) == 6


def test_every_table_names_its_key_and_time() -> None:
    for table in load_contract().tables:
        assert table.primary_key, table.name
        # each table says which column dates its records (event time or version time)
        assert (table.event_time or table.updated_at) in table.column_names, table.name


def test_pii_columns_are_exactly_the_customer_contact_details() -> None:
    pii = [(t.name, c.name) for t in load_contract().tables for c in t.columns if c.pii]
    assert pii == [("customers", "full_name"), ("customers", "email"), ("customers", "phone")]
