"""docs/indicators.md's definitions are generated from the indicator catalog and current."""

from __future__ import annotations

from orchestration.indicator_catalog import families, load_catalog
from orchestration.indicator_docs import DOC, MARKER, rendered


def test_the_committed_definitions_match_the_catalog() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert rendered(text, load_catalog(), families()) == text, "run `make sources`"


def test_every_indicator_has_one_entry_under_its_family() -> None:
    generated = DOC.read_text(encoding="utf-8").split(MARKER, 1)[1]
    catalog = load_catalog()
    headings = [line for line in generated.splitlines() if line.startswith("#### ")]
    assert [line.split("`")[1] for line in headings] == [entry["code"] for entry in catalog]
    gmv = next(line for line in headings if line.startswith("#### `gmv`"))
    assert gmv == "#### `gmv`: GMV (总销售额) (headline)"
    sections = [line for line in generated.splitlines() if line.startswith("### ")]
    assert sections[2] == "### 3. Sales performance (销售业绩指标): " + (
        f"{sum(entry['family'] == 'sales' for entry in catalog)} indicators"
    )
    assert len(sections) == 5


def test_a_changed_definition_is_drift() -> None:
    catalog = load_catalog()
    text = DOC.read_text(encoding="utf-8")
    changed = [
        {**entry, "definition": "Changed."} if entry["code"] == "gmv" else entry
        for entry in catalog
    ]
    assert rendered(text, changed, families()) != text
    assert "#### `gmv`: GMV (总销售额) (headline)\n\nChanged.\n" in rendered(
        text, changed, families()
    )
