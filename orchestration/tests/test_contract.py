"""The raw contract is consistent and the dbt sources generated from it are committed."""

from __future__ import annotations

from orchestration.contract import load_contract
from orchestration.contract.dbt_codegen import generated_files
from orchestration.settings import PROJECT_ROOT


def test_committed_dbt_sources_match_the_contract() -> None:
    files = generated_files(PROJECT_ROOT)
    stale = [
        str(path.relative_to(PROJECT_ROOT))
        for path, text in files.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"run `make sources`: {stale}"
    # per source its sources and models YAML, per table its staging model, and the
    # deliveries and touched-days models with their docs
    assert len(files) == 2 * len(load_contract().sources) + len(load_contract().tables) + 4


def test_every_table_names_its_key_and_time() -> None:
    for table in load_contract().tables:
        assert table.primary_key, table.name
        # each table says which column dates its records (event time or version time)
        assert (table.event_time or table.updated_at) in table.column_names, table.name


def test_no_staging_model_exists_that_the_contract_does_not_generate() -> None:
    generated = set(generated_files(PROJECT_ROOT))
    present = {path for path in (PROJECT_ROOT / "models" / "staging").rglob("*") if path.is_file()}
    assert present - generated == set()


def test_personal_data_never_reaches_staging_in_clear() -> None:
    pii = [(t.name, c.name, c.pii) for t in load_contract().tables for c in t.columns if c.pii]
    assert pii == [
        ("customers", "full_name", "drop"),
        ("customers", "email", "hash"),
        ("customers", "phone", "mask"),
    ]
    staging = generated_files(PROJECT_ROOT)
    customers_sql = next(
        text for path, text in staging.items() if path.name == "stg_shop__customers.sql"
    )
    assert "full_name" not in customers_sql
    assert "{{ hash_pii('email') }} as email_hash" in customers_sql
    assert "{{ mask_phone('phone') }} as phone_masked" in customers_sql
