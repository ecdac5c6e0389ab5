"""The indicator catalog (指标体系): one YAML file per family, the one definition of every
indicator.

``models/marts/indicators/catalog/<family>.yml`` lists a family's indicators: names,
definition, unit, aggregation, the source mart and its expressions, slices, grains,
direction, alert rule, runbook, relations, the raw tables it needs and whether it is a
headline. Everything else is generated from it by ``make sources`` and drift-tested
(``orchestration/tests/test_indicator_catalog.py``):

* ``seeds/indicator_catalog.csv``, the catalog as a table for readers (reference schema);
* ``macros/indicator_catalog_entries.sql``, the catalog as data dbt reads while parsing;
* one dbt model per source mart, ``fct_indicator_values__<mart>``, which computes that
  mart's indicators (the SQL is rendered in the model: ``dbt compile`` shows it), and its
  documentation; ``fct_indicator_values`` unions them;
* the documentation of ``kpi_overview``, one column per headline indicator;
* the semantic layer: MetricFlow's semantic models and one metric per indicator it can
  express (``models/marts/semantic/``), and ``docs/semantic_layer.md``, which lists the
  indicators it cannot, with the reason (``orchestration/semantic_layer.py``).

A wrong entry fails with the file, the indicator and the rule it breaks.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from pathlib import Path

import yaml

from orchestration.semantic_layer import semantic_files
from orchestration.settings import PROJECT_ROOT

CATALOG_DIR = PROJECT_ROOT / "models" / "marts" / "indicators" / "catalog"
HEADER = "Generated from models/marts/indicators/catalog/ by `make sources`: do not edit."
VALUES_MODEL = "fct_indicator_values"

AGGREGATIONS = ("sum", "ratio", "distinct", "percentile", "latest")
GRAINS = ("day", "week", "month")
DIRECTIONS = ("higher_is_better", "lower_is_better", "neutral")
ALERT_RULES = ("none", "bounds", "same_weekday", "trailing")
#: How many robust standard deviations (spread: 1.4826 × the median absolute deviation of
#: the indicator's own residuals) a value must lie from its baseline before a change alert,
#: unless the entry's alert gives its own ``sensitivity``.
DEFAULT_SENSITIVITY = 3.0
REQUIRED = (
    "code", "name_en", "name_zh", "definition", "unit", "aggregation", "source_model",
    "date_column", "raw_tables", "numerator", "grains", "direction", "alert", "runbook",
)  # fmt: skip
OPTIONAL = (
    "sub_family", "denominator", "volume", "slices", "has_total", "parent_codes",
    "decomposition", "headline", "maturity_days",
)  # fmt: skip
#: The seed's columns, in order (one row per indicator).
CSV_COLUMNS = (
    "indicator_code", "family", "sub_family", "name_en", "name_zh", "definition", "unit",
    "aggregation", "source_model", "date_column", "raw_tables", "numerator_sql",
    "denominator_sql", "volume_sql", "slices", "has_total", "grains", "direction",
    "alert_rule", "alert_threshold", "alert_min_volume", "alert_sensitivity",
    "alert_promotion_lift", "lower_bound", "upper_bound", "maturity_days", "parent_codes",
    "upstream_codes", "relation", "runbook", "headline",
)  # fmt: skip


class CatalogError(ValueError):
    """An entry of the catalog that breaks a rule (the message names file and indicator)."""


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path)


def _fail(path: Path, code: str, rule: str) -> None:
    raise CatalogError(f"{_shown(path)}: indicator {code!r}: {rule}")


def _check(path: Path, entry: dict) -> None:
    code = entry.get("code", "?")
    missing = [key for key in REQUIRED if key not in entry or entry[key] in (None, "", [])]
    if missing:
        _fail(path, code, f"missing {', '.join(missing)}")
    unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        _fail(path, code, f"unknown keys {', '.join(unknown)}")
    if entry["aggregation"] not in AGGREGATIONS:
        _fail(path, code, f"aggregation {entry['aggregation']!r} not one of {AGGREGATIONS}")
    if (entry["aggregation"] == "ratio") != bool(entry.get("denominator")):
        _fail(path, code, "a ratio has a denominator, and only a ratio")
    bad_grains = [grain for grain in entry["grains"] if grain not in GRAINS]
    if bad_grains:
        _fail(path, code, f"grains {bad_grains} not among {GRAINS}")
    if entry["direction"] not in DIRECTIONS:
        _fail(path, code, f"direction {entry['direction']!r} not one of {DIRECTIONS}")
    if entry["alert"].get("rule") not in ALERT_RULES:
        _fail(path, code, f"alert rule {entry['alert'].get('rule')!r} not one of {ALERT_RULES}")
    sensitivity = entry["alert"].get("sensitivity", DEFAULT_SENSITIVITY)
    if not isinstance(sensitivity, (int, float)) or sensitivity <= 0:
        _fail(path, code, f"alert sensitivity {sensitivity!r} is not a positive number")
    if not isinstance(entry["alert"].get("promotion_lift", True), bool):
        _fail(path, code, "alert promotion_lift is true or false")
    maturity = entry.get("maturity_days", 0)
    if not isinstance(maturity, int) or isinstance(maturity, bool) or maturity < 0:
        _fail(path, code, f"maturity_days {maturity!r} is not a whole number of days >= 0")
    if not entry.get("has_total", True) and not entry.get("slices"):
        _fail(path, code, "an indicator without a shop-wide total needs slices")
    decomposition = entry.get("decomposition")
    if decomposition is not None and (
        set(decomposition) != {"chain", "factors"}
        or len(decomposition["chain"]) != 3
        or len(decomposition["factors"]) != 3
        or decomposition["chain"][-1] != code
    ):
        _fail(
            path,
            code,
            "decomposition is a chain of 3 measures ending in the indicator and 3 factors",
        )
    for table in entry["raw_tables"]:
        if table.count(".") != 1:
            _fail(path, code, f"raw table {table!r} is not source.table")
    for item in entry.get("slices", []):
        if isinstance(item, dict) and isinstance(next(iter(item.values())), dict):
            ((name, spec),) = item.items()
            if "source_model" not in spec or set(spec) - {"source_model", "expression"}:
                _fail(path, code, f"slice {name!r}: an expression or source_model, expression")


def load_catalog(folder: Path = CATALOG_DIR) -> list[dict]:
    """Every indicator of the catalog, families in their position order and indicators in
    file order; each entry carries its family (``family``) and the family file (``path``)."""
    families = []
    for path in sorted(folder.glob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("family", "position", "name_en", "name_zh", "indicators"):
            if key not in document:
                raise CatalogError(f"{_shown(path)}: missing {key}")
        if path.stem != document["family"]:
            raise CatalogError(f"{_shown(path)}: family {document['family']!r} (the file's name)")
        families.append((document["position"], path, document))
    entries: list[dict] = []
    seen: dict[str, Path] = {}
    for _, path, document in sorted(families, key=lambda family: family[0]):
        for entry in document["indicators"]:
            _check(path, entry)
            if entry["code"] in seen:
                _fail(path, entry["code"], f"defined twice (also in {seen[entry['code']].name})")
            seen[entry["code"]] = path
            entries.append({**entry, "family": document["family"], "path": path})
    _check_relations(entries)
    return entries


def _check_relations(entries: list[dict]) -> None:
    """parent_codes name indicators of the catalog and the net has no cycle."""
    codes = {entry["code"] for entry in entries}
    for entry in entries:
        unknown = [code for code in entry.get("parent_codes", []) if code not in codes]
        if unknown:
            _fail(entry["path"], entry["code"], f"parent_codes {unknown} are not indicators")
    for entry in entries:
        if entry["code"] in _driven(entries, entry["code"]):
            _fail(entry["path"], entry["code"], "parent_codes lead back to the indicator (a cycle)")


def _driven(entries: list[dict], code: str) -> set[str]:
    """Every indicator ``code`` drives, directly or through others (parent_codes)."""
    parents = {entry["code"]: entry.get("parent_codes", []) for entry in entries}
    reached: set[str] = set()
    todo = list(parents[code])
    while todo:
        current = todo.pop()
        if current not in reached:
            reached.add(current)
            todo.extend(parents[current])
    return reached


def upstream_codes(catalog: list[dict]) -> dict[str, list[str]]:
    """Per indicator, the indicators that drive it directly or through others (the net of
    parent_codes walked upstream), sorted: an alert of one of them on the same day
    explains the indicator's alert (fct_indicator_alerts)."""
    upstream: dict[str, list[str]] = {entry["code"]: [] for entry in catalog}
    for entry in catalog:
        for driven in _driven(catalog, entry["code"]):
            upstream[driven].append(entry["code"])
    return {code: sorted(drivers) for code, drivers in upstream.items()}


def families(folder: Path = CATALOG_DIR) -> list[dict]:
    """The families (code, English and Chinese name), in their position order."""
    documents = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in folder.glob("*.yml")]
    return [
        {"code": d["family"], "name_en": d["name_en"], "name_zh": d["name_zh"]}
        for d in sorted(documents, key=lambda document: document["position"])
    ]


def headline_codes(catalog: list[dict] | None = None) -> tuple[str, ...]:
    """The headline indicators (``headline: true``), in catalog order."""
    return tuple(e["code"] for e in (catalog or load_catalog()) if e.get("headline"))


def _slice(item: str | dict) -> dict[str, str]:
    """A slice as name and expression, and the mart it is read from when it names one (a
    finer mart whose rows carry the slice: order lines by the warehouse of their parcel).
    Written as a column name, ``name: expression`` or ``name: {source_model, expression}``
    (the expression defaults to the name)."""
    if not isinstance(item, dict):
        return {"name": item, "expression": item}
    ((name, spec),) = item.items()
    if not isinstance(spec, dict):
        return {"name": name, "expression": spec}
    return {"name": name, "expression": spec.get("expression", name), **spec}


def _slice_text(item: str | dict) -> str:
    """A slice in the seed: its name, ``name:expression``, then ``@mart`` when it is read
    from a mart of its own."""
    if not isinstance(item, dict):
        return item
    ((name, spec),) = item.items()
    if not isinstance(spec, dict):
        return f"{name}:{spec}"
    expression = f":{spec['expression']}" if "expression" in spec else ""
    return f"{name}{expression}@{spec['source_model']}"


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _relation(entry: dict) -> str:
    """How a decomposed indicator breaks into its drivers: m3 = m1 × (m2 / m1) × (m3 / m2)."""
    if "decomposition" not in entry:
        return ""
    first, second, third = entry["decomposition"]["chain"]
    return f"{third} = {first} × ({second} / {first}) × ({third} / {second})"


def csv_row(entry: dict, upstream: list[str] | None = None) -> dict[str, str]:
    """The seed row of an entry (lists ';'-separated, a slice name:expression), with the
    indicators upstream of it in the net (``upstream_codes``)."""
    alert = entry["alert"]
    return {
        "indicator_code": entry["code"],
        "family": entry["family"],
        "sub_family": entry.get("sub_family", ""),
        "name_en": entry["name_en"],
        "name_zh": entry["name_zh"],
        "definition": entry["definition"],
        "unit": entry["unit"],
        "aggregation": entry["aggregation"],
        "source_model": entry["source_model"],
        "date_column": entry["date_column"],
        "raw_tables": ";".join(entry["raw_tables"]),
        "numerator_sql": entry["numerator"],
        "denominator_sql": entry.get("denominator", ""),
        "volume_sql": entry.get("volume", ""),
        "slices": ";".join(_slice_text(s) for s in entry.get("slices", [])),
        "has_total": "true" if entry.get("has_total", True) else "false",
        "grains": ";".join(entry["grains"]),
        "direction": entry["direction"],
        "alert_rule": alert["rule"],
        "alert_threshold": _number(alert.get("threshold")),
        "alert_min_volume": _number(alert.get("min_volume")),
        "alert_sensitivity": _number(alert.get("sensitivity", DEFAULT_SENSITIVITY)),
        "alert_promotion_lift": "true" if alert.get("promotion_lift", True) else "false",
        "lower_bound": _number(alert.get("lower_bound")),
        "upper_bound": _number(alert.get("upper_bound")),
        "maturity_days": str(entry.get("maturity_days", 0)),
        "parent_codes": ";".join(entry.get("parent_codes", [])),
        "upstream_codes": ";".join(upstream or []),
        "relation": _relation(entry),
        "runbook": entry["runbook"],
        "headline": "true" if entry.get("headline") else "false",
    }


def catalog_csv(catalog: list[dict]) -> str:
    """seeds/indicator_catalog.csv."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    upstream = upstream_codes(catalog)
    for entry in catalog:
        writer.writerow(csv_row(entry, upstream[entry["code"]]))
    return out.getvalue()


def _jinja(value: object) -> str:
    """A value as a Jinja literal (JSON, with Jinja's none, true and false)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_jinja(item) for item in value) + "]"
    return "{" + ", ".join(f"{_jinja(k)}: {_jinja(v)}" for k, v in value.items()) + "}"


def _macro_entry(entry: dict) -> dict:
    """What the dbt models read of an entry: its seed row with lists as lists and each
    slice as name, expression and the mart it is read from when not the entry's."""
    row = csv_row(entry)
    slices = [_slice(item) for item in entry.get("slices", [])]
    return {
        "indicator_code": entry["code"],
        "family": entry["family"],
        "aggregation": entry["aggregation"],
        "source_model": entry["source_model"],
        "date_column": entry["date_column"],
        "numerator_sql": row["numerator_sql"],
        "denominator_sql": row["denominator_sql"] or None,
        "volume_sql": row["volume_sql"] or None,
        "slices": slices,
        "has_total": entry.get("has_total", True),
        "grains": entry["grains"],
        "headline": bool(entry.get("headline")),
        "decomposition": entry.get("decomposition"),
    }


def catalog_macro(catalog: list[dict]) -> str:
    """macros/indicator_catalog_entries.sql: macro indicator_catalog(), the entries as
    data, so that the indicator models render their SQL (and refs) while dbt parses."""
    lines = [
        f"{{#- {HEADER} -#}}",
        "{% macro indicator_catalog() -%}",
        "    {#- Every indicator of the catalog (families in order, then file order): code,",
        "        family, aggregation, source mart and date column, expressions, slices",
        "        (name, expression, and source_model when read from a mart of their own),",
        "        has_total, grains, headline, decomposition (chain of three measures, factor",
        "        names) or none. -#}",
        "    {{ return([",
    ]
    lines += [f"        {_jinja(_macro_entry(entry))}," for entry in catalog]
    lines += ["    ]) }}", "{%- endmacro %}", ""]
    return "\n".join(lines)


def source_models(catalog: list[dict]) -> list[str]:
    """The marts the catalog reads, in order of first use."""
    return list(dict.fromkeys(entry["source_model"] for entry in catalog))


def part_model(source_model: str) -> str:
    """The model computing the indicators of one source mart."""
    return f"{VALUES_MODEL}__{source_model.removeprefix('fct_')}"


def part_sql(source_model: str, catalog: list[dict]) -> str:
    codes = [entry["code"] for entry in catalog if entry["source_model"] == source_model]
    about = textwrap.wrap(
        f"The catalog's indicators on {source_model} ({', '.join(codes)}): the mart's rows "
        "grouped by period (day, ISO week, month) and slice, each indicator's expressions "
        "evaluated per group (macro indicator_values).",
        width=88,
    )
    return (
        f"-- {HEADER}\n"
        + "".join(f"-- {line}\n" for line in about)
        + f"{{{{ config(**indicator_values_config('{source_model}')) }}}}\n"
        f"{{{{ indicator_values('{source_model}') }}}}\n"
    )


def parts_yaml(catalog: list[dict]) -> str:
    columns = [
        ("indicator_code", "Indicator (models/marts/indicators/catalog/)."),
        ("grain", "day, week (ISO, Monday first) or month."),
        ("period_start", "First shop-local day of the period."),
        ("period_end", "Last shop-local day of the period."),
        ("slice_dimension", "What the row is sliced by ('all' for the shop-wide value)."),
        ("slice_value", "The slice's value ('all' for the shop-wide row)."),
        ("indicator_value", "numerator / denominator for ratios, else the numerator."),
        ("numerator", "Numerator of a ratio, or the value itself."),
        ("denominator", "Denominator of a ratio (null otherwise)."),
        ("volume", "Volume behind the value, which alerts need enough of."),
    ]
    models = []
    for source_model in source_models(catalog):
        codes = [entry["code"] for entry in catalog if entry["source_model"] == source_model]
        models.append(
            {
                "name": part_model(source_model),
                "description": (
                    f"The indicators of the catalog computed from {source_model} "
                    f"({', '.join(codes)}), every period and slice; one of the parts "
                    f"{VALUES_MODEL} unions (指标值). Incremental: a daily run recomputes the "
                    "periods from the month of the first day the run's loads touched in "
                    "the mart's domain."
                ),
                "columns": [{"name": n, "description": d} for n, d in columns],
            }
        )
    body = yaml.safe_dump(
        {"version": 2, "models": models}, sort_keys=False, allow_unicode=True, width=100
    )
    return f"# {HEADER}\n{body}"


def kpi_overview_yaml(catalog: list[dict]) -> str:
    """The docs of kpi_overview: one column per headline indicator."""
    columns = [
        {"name": "grain", "description": "day, week or month."},
        {"name": "period_start", "description": "First day of the period."},
        {"name": "period_end", "description": "Last day of the period."},
    ]
    columns += [
        {
            "name": entry["code"],
            "description": f"{entry['name_en']} ({entry['name_zh']}), unit {entry['unit']}.",
        }
        for entry in catalog
        if entry.get("headline")
    ]
    model = {
        "name": "kpi_overview",
        "description": (
            "KPI overview for BI dashboards (核心指标总览): one row per grain and period, one "
            "column per headline indicator of the catalog (headline: true), shop-wide values "
            "of fct_indicator_values."
        ),
        "columns": columns,
    }
    body = yaml.safe_dump(
        {"version": 2, "models": [model]}, sort_keys=False, allow_unicode=True, width=100
    )
    return f"# {HEADER}\n{body}"


def generated_files(project_root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Every file generated from the catalog, by path."""
    catalog = load_catalog(project_root / "models" / "marts" / "indicators" / "catalog")
    parts = project_root / "models" / "marts" / "indicators" / "values"
    files = {
        project_root / "seeds" / "indicator_catalog.csv": catalog_csv(catalog),
        project_root / "macros" / "indicator_catalog_entries.sql": catalog_macro(catalog),
        parts / f"_{VALUES_MODEL}__parts.yml": parts_yaml(catalog),
        parts.parent / "_kpi_overview.yml": kpi_overview_yaml(catalog),
    }
    for source_model in source_models(catalog):
        files[parts / f"{part_model(source_model)}.sql"] = part_sql(source_model, catalog)
    files |= semantic_files(catalog, project_root, HEADER)
    return files


def main() -> None:
    """Write every generated file (``make sources``); remove parts of marts no longer read."""
    files = generated_files(PROJECT_ROOT)
    parts = PROJECT_ROOT / "models" / "marts" / "indicators" / "values"
    for stale in parts.glob(f"{VALUES_MODEL}__*.sql"):
        if stale not in files:
            stale.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files from the indicator catalog")


if __name__ == "__main__":
    main()
