"""The definitions of docs/indicators.md, generated from the indicator catalog
(models/marts/indicators/catalog/), so the docs never restate an indicator by hand.

Everything of docs/indicators.md after the ``MARKER`` line is generated: one section per
family, one entry per indicator with its names, definition, unit, how it re-aggregates,
its source mart, expressions, slices, grains, direction, alert rule, the raw tables it
needs and its runbook. ``make sources`` rewrites it; a test fails when the committed file
drifts from the catalog.
"""

from __future__ import annotations

from orchestration.indicator_catalog import families, load_catalog
from orchestration.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "indicators.md"
MARKER = (
    "<!-- Generated from models/marts/indicators/catalog/ by `make sources` "
    "(orchestration/indicator_docs.py): do not edit below. -->"
)


def _alert(alert: dict) -> str:
    """The alert rule as a phrase: its rule, threshold, minimum volume, sensitivity, bounds
    and whether promotion days are ordinary days."""
    parts = [alert["rule"]]
    for key, label in (
        ("threshold", "threshold"),
        ("min_volume", "minimum volume"),
        ("sensitivity", "sensitivity"),
        ("lower_bound", "lower bound"),
        ("upper_bound", "upper bound"),
    ):
        if alert.get(key) is not None:
            parts.append(f"{label} {alert[key]}")
    if alert.get("promotion_lift") is False:
        parts.append("promotion days are ordinary days")
    return ", ".join(parts)


def _entry(entry: dict) -> str:
    """One indicator's entry."""
    headline = " (headline)" if entry.get("headline") else ""
    lines = [
        f"#### `{entry['code']}`: {entry['name_en']} ({entry['name_zh']}){headline}",
        "",
        " ".join(entry["definition"].split()),
        "",
        f"- unit {entry['unit']}; re-aggregates as {entry['aggregation']}; "
        f"from `{entry['source_model']}` by `{entry['date_column']}`; "
        f"grains {', '.join(entry['grains'])}",
        f"- numerator `{' '.join(entry['numerator'].split())}`",
    ]
    for key in ("denominator", "volume"):
        if entry.get(key):
            lines.append(f"- {key} `{' '.join(entry[key].split())}`")
    slices = [
        item if isinstance(item, str) else next(iter(item)) for item in entry.get("slices", [])
    ]
    lines += [
        f"- slices: {', '.join(slices) if slices else 'none (shop-wide only)'}",
        f"- direction {entry['direction'].replace('_', ' ')}; alert {_alert(entry['alert'])}",
        f"- needs {', '.join(f'`{table}`' for table in entry['raw_tables'])}",
    ]
    if "decomposition" in entry:
        chain = " → ".join(entry["decomposition"]["chain"])
        factors = " × ".join(entry["decomposition"]["factors"])
        lines.append(f"- decomposed along {chain} into {factors}")
    lines += [f"- runbook (方案): {' '.join(entry['runbook'].split())}", ""]
    return "\n".join(lines)


def definitions(catalog: list[dict], family_list: list[dict]) -> str:
    """The generated part: every indicator, by family in the catalog's order."""
    sections = []
    for position, family in enumerate(family_list, start=1):
        entries = [entry for entry in catalog if entry["family"] == family["code"]]
        sections.append(
            f"### {position}. {family['name_en']} ({family['name_zh']}): "
            f"{len(entries)} indicators\n\n" + "\n".join(_entry(entry) for entry in entries)
        )
    return f"{MARKER}\n\n" + "\n".join(sections)


def rendered(text: str, catalog: list[dict], family_list: list[dict]) -> str:
    """``text`` (docs/indicators.md) with everything after its marker regenerated."""
    if MARKER not in text:
        raise ValueError(f"{DOC.relative_to(PROJECT_ROOT)}: no generated-part marker {MARKER!r}")
    return text.split(MARKER, 1)[0] + definitions(catalog, family_list)


def main() -> None:
    """Rewrite the generated part of docs/indicators.md (``make sources``)."""
    text = rendered(DOC.read_text(encoding="utf-8"), load_catalog(), families())
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(PROJECT_ROOT)} from the indicator catalog")


if __name__ == "__main__":
    main()
