"""The semantic layer (MetricFlow), generated from the indicator catalog.

Every indicator whose expressions MetricFlow can evaluate becomes a metric named after its
code: a simple metric over one measure (``sum``, ``count``, ``count(distinct …)``,
``min``/``max``, ``percentile_cont``), a ratio metric of two metrics, or a derived metric
for arithmetic of measures (``sum(a) - sum(b)``). The measures live in one semantic model
per source mart, whose dimensions are the slices of the mart's indicators and whose time
dimension is the indicators' date column; descriptions come from the catalog and from the
marts' own documentation. The indicators MetricFlow cannot express are listed, with the
reason, in ``docs/semantic_layer.md``. :func:`semantic_files` gives the three files;
``orchestration/indicator_catalog.py`` writes them with the catalog's other generated files
(``make sources``) and its test checks they are current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FULL_GRAINS = ["day", "week", "month"]
#: The aggregate functions a measure can be besides count(distinct …) and percentile_cont
#: (MetricFlow's aggregation of the same name).
FUNCTIONS = ("sum", "count", "min", "max")
_CALL = re.compile(r"\b(sum|count|min|max|avg|percentile_cont|percentile_disc)\s*\(", re.I)
_PERCENTILE = re.compile(
    r"percentile_cont\s*\(\s*([0-9.]+)\s*\)\s*within\s+group\s*\(\s*order\s+by\s+", re.I
)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_ARITHMETIC = re.compile(r"[\s0-9.+\-*/()]*")


class NotExpressible(Exception):
    """Why MetricFlow cannot express an indicator (the message is the reason)."""


@dataclass(frozen=True)
class Term:
    """One aggregate of a mart's rows: a MetricFlow measure."""

    model: str
    agg: str
    expr: str
    percentile: float | None = None


@dataclass
class Measure:
    term: Term
    name: str
    uses: list[str] = field(default_factory=list)


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one just before ``start``."""
    depth = 1
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise NotExpressible(f"unbalanced parentheses in {text!r}")


def _term(model: str, call: str) -> Term:
    """The measure of one aggregate call, e.g. ``count(distinct visitor_id)``."""
    percentile = _PERCENTILE.match(call)
    if percentile:
        return Term(model, "percentile", call[percentile.end() : -1].strip(), float(percentile[1]))
    function, _, inner = call.partition("(")
    function, inner = function.strip().lower(), inner[:-1].strip()
    if _CALL.search(inner):
        raise NotExpressible(f"an aggregate of an aggregate ({call})")
    if function not in FUNCTIONS:
        raise NotExpressible(f"{function}() is not one of the measures generated {FUNCTIONS}")
    if function == "count" and inner.lower().startswith("distinct "):
        return Term(model, "count_distinct", inner[len("distinct ") :].strip())
    if function == "count" and inner == "*":
        return Term(model, "count", "1")
    return Term(model, function, inner)


def parse(model: str, expression: str) -> tuple[list[Term], str]:
    """The aggregate calls of a catalog expression and its arithmetic over them, each
    call replaced by ``{0}``, ``{1}``, …; NotExpressible names what MetricFlow lacks."""
    if re.search(r"\bover\s*\(", expression, re.I):
        raise NotExpressible(
            "a share of the period's total over all slices (a window over the grouped "
            "rows): a MetricFlow ratio divides within one group, not by other groups' sum"
        )
    if "{period_start}" in expression:
        raise NotExpressible(
            "compares each row with the start of its period (a customer new, returning "
            "or repeating as of the period): MetricFlow evaluates a measure's rows "
            "without the period they fall in"
        )
    terms: list[Term] = []
    template, position = "", 0
    for call in _CALL.finditer(expression):
        if call.start() < position:
            continue
        end = _closing(expression, call.end())
        within = re.match(r"\s*within\s+group\s*\(", expression[end + 1 :], re.I)
        if within:
            end = _closing(expression, end + 1 + within.end())
        terms.append(_term(model, expression[call.start() : end + 1]))
        template += expression[position : call.start()] + f"{{{len(terms) - 1}}}"
        position = end + 1
    template += expression[position:]
    if not terms or not _ARITHMETIC.fullmatch(re.sub(r"\{\d+\}", "", template)):
        raise NotExpressible(f"not arithmetic of aggregates: {expression}")
    return terms, template


def _expressions(entry: dict) -> dict[str, tuple[list[Term], str]]:
    """The parsed numerator (and denominator) of an entry; NotExpressible if MetricFlow
    cannot answer it at every grain the catalog defines it for."""
    parts = {"numerator": parse(entry["source_model"], entry["numerator"])}
    if entry.get("denominator"):
        parts["denominator"] = parse(entry["source_model"], entry["denominator"])
    if entry["grains"] not in (FULL_GRAINS, ["month"]):
        raise NotExpressible(
            f"defined for {' and '.join(entry['grains'])} only: MetricFlow would answer "
            "every grain by re-aggregating the rows, which the catalog does not define"
        )
    return parts


def semantic_model_name(source_model: str) -> str:
    """The semantic model over a mart (its dimensions are ``<name>__<slice>``)."""
    return source_model.removeprefix("fct_")


@dataclass
class Layer:
    """The semantic layer of a catalog: measures by term, metrics, what is left out."""

    catalog: list[dict]
    measures: dict[Term, Measure] = field(default_factory=dict)
    metrics: list[dict] = field(default_factory=list)
    parsed: dict[str, dict[str, tuple[list[Term], str]]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """The indicators the layer answers, in catalog order."""
        return [entry["code"] for entry in self.catalog if entry["code"] in self.parsed]


def _simple(entry: dict) -> Term | None:
    """The one measure a non-ratio indicator is, if it is one measure."""
    terms, template = entry["parts"]["numerator"]
    return terms[0] if not entry.get("denominator") and template == "{0}" else None


def _preferred_name(entry: dict, role: str, index: int, term: Term) -> str:
    if _IDENTIFIER.fullmatch(term.expr):
        return {"count": f"{term.expr}_count", "count_distinct": f"distinct_{term.expr}"}.get(
            term.agg, term.expr
        )
    if term.expr == "1":
        return f"{semantic_model_name(term.model)}_rows"
    terms = entry["parts"][role][0]
    return f"{entry['code']}_{role}" + (f"_{index + 1}" if len(terms) > 1 else "")


def _name_measures(layer: Layer, entries: list[dict]) -> None:
    """A measure is named after the simple indicator it is, else after its column (or
    the first indicator using it); a name another measure or indicator holds gets the
    semantic model's name in front."""
    codes = {entry["code"] for entry in layer.catalog}
    taken: set[str] = set()
    for entry in entries:
        term = _simple(entry)
        if term is not None and term not in layer.measures:
            layer.measures[term] = Measure(term, entry["code"])
            taken.add(entry["code"])
    for entry in entries:
        for role, (terms, _) in entry["parts"].items():
            for index, term in enumerate(terms):
                if term not in layer.measures:
                    name = _preferred_name(entry, role, index, term)
                    if name in taken or name in codes:
                        name = f"{semantic_model_name(term.model)}_{name}"
                    if name in taken:
                        raise ValueError(f"two measures named {name!r}")
                    layer.measures[term] = Measure(term, name)
                    taken.add(name)
                layer.measures[term].uses.append(f"the {role} of {entry['code']}")


def build(catalog: list[dict]) -> Layer:
    """The semantic layer of the catalog."""
    layer = Layer(catalog)
    month_only = {
        model: all(e["grains"] == ["month"] for e in catalog if e["source_model"] == model)
        for model in {e["source_model"] for e in catalog}
    }
    entries = []
    for entry in catalog:
        try:
            if entry["grains"] == ["month"] and not month_only[entry["source_model"]]:
                raise NotExpressible(
                    "defined for months only, on a mart with daily indicators: MetricFlow "
                    "would answer days and weeks too"
                )
            parts = _expressions(entry)
        except NotExpressible as reason:
            layer.left_out[entry["code"]] = str(reason)
            continue
        layer.parsed[entry["code"]] = parts
        entries.append({**entry, "parts": parts})
    _name_measures(layer, entries)
    layer.metrics = _metrics(layer, entries)
    return layer


def _label(entry: dict) -> str:
    return f"{entry['name_en']} ({entry['name_zh']})"


def _description(entry: dict) -> str:
    how = {
        "sum": "summed over the period's rows",
        "distinct": "recounted distinct over the period's rows (never summed across periods)",
        "ratio": "numerator over denominator, each summed over the period's rows",
        "percentile": "the percentile of the period's rows",
        "latest": "the period's value",
    }[entry["aggregation"]]
    slices = ", ".join(name for name, _ in dimension_slices(entry))
    by = (
        f" Without a shop-wide value: query it by {slices}."
        if not entry.get("has_total", True)
        else (f" Sliced by {slices}." if slices else "")
    )
    return (
        f"{entry['definition']} Indicator {entry['code']} ({entry['name_zh']}, unit "
        f"{entry['unit']}), {how}.{by}"
    )


def _side(
    layer: Layer, entry: dict, role: str, defined: set[str], name: str = ""
) -> tuple[str, list[dict]]:
    """The metric a side (numerator or denominator) of an indicator is: its measure's
    simple metric, or a derived metric (``name``, by default ``<code>_<role>``) over
    several; the metrics to add for it (those not in ``defined``, which it extends)."""
    terms, template = entry["parts"][role]
    measures = list(dict.fromkeys(layer.measures[term].name for term in terms))
    added = [
        {
            "name": name,
            "label": name.replace("_", " ").capitalize(),
            "description": f"Measure {name} of semantic model "
            f"{semantic_model_name(entry['source_model'])} as a metric, an input of "
            "the indicators' ratios.",
            "type": "simple",
            "type_params": {"measure": name},
        }
        for name in measures
        if name not in defined
    ]
    defined.update(measures)
    if template == "{0}":
        return measures[0], added
    name = name or f"{entry['code']}_{role}"
    defined.add(name)
    expr = template.format(*(layer.measures[term].name for term in terms))
    added.append(
        {
            "name": name,
            "label": f"{_label(entry)}, {role}",
            "description": f"The {role} of indicator {entry['code']}: "
            f"{entry[role]} on {entry['source_model']}.",
            "type": "derived",
            "type_params": {"expr": expr.strip(), "metrics": [{"name": m} for m in measures]},
        }
    )
    return name, added


def _metrics(layer: Layer, entries: list[dict]) -> list[dict]:
    """The indicators' metrics in catalog order, then the metrics their ratios divide."""
    # a measure named after an indicator is that indicator's own, so its metric exists
    defined = {entry["code"] for entry in entries if _simple(entry)}
    indicators: list[dict] = []
    inputs: list[dict] = []
    for entry in entries:
        metric = {"name": entry["code"], "label": _label(entry)}
        metric["description"] = _description(entry)
        term = _simple(entry)
        if term is not None:
            metric |= {"type": "simple", "type_params": {"measure": layer.measures[term].name}}
        elif "denominator" in entry["parts"]:
            numerator, added = _side(layer, entry, "numerator", defined)
            denominator, more = _side(layer, entry, "denominator", defined)
            inputs += added + more
            metric |= {
                "type": "ratio",
                "type_params": {"numerator": numerator, "denominator": denominator},
            }
        else:  # arithmetic of measures: the derived metric is the indicator
            _, added = _side(layer, entry, "numerator", defined, name=entry["code"])
            inputs += added[:-1]
            metric |= {key: added[-1][key] for key in ("type", "type_params")}
        indicators.append(metric)
    return indicators + inputs


def _slice_name(item: str | dict) -> str:
    return next(iter(item)) if isinstance(item, dict) else item


def dimension_slices(entry: dict) -> list[tuple[str, str | None]]:
    """The slices of an entry its semantic model has as dimensions (name, expression or
    None for a column): those read from another mart (``name: {source_model: …}``) are
    not columns of the entry's mart."""
    slices = []
    for item in entry.get("slices", []):
        name = _slice_name(item)
        spec = item[name] if isinstance(item, dict) else None
        if isinstance(spec, dict):
            if spec["source_model"] != entry["source_model"]:
                continue
            spec = spec.get("expression")
        slices.append((name, None if spec in (None, name) else spec))
    return slices


def _doc_blocks(project_root: Path) -> dict[str, str]:
    """The project's docs blocks (``{% docs name %} … {% enddocs %}``), by name."""
    blocks = {}
    for path in sorted((project_root / "models").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for name, body in re.findall(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", text, re.S):
            blocks[name] = " ".join(body.split())
    return blocks


def mart_docs(project_root: Path) -> dict[str, dict]:
    """The marts' documentation, docs blocks resolved: model name → description and
    column descriptions."""
    blocks = _doc_blocks(project_root)

    def text(description: str) -> str:
        resolved = re.sub(
            r"{{\s*doc\(\s*[\"'](\w+)[\"']\s*\)\s*}}", lambda m: blocks[m[1]], description
        )
        return " ".join(resolved.split())

    docs: dict[str, dict] = {}
    for path in sorted((project_root / "models" / "marts").rglob("_*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            docs[model["name"]] = {
                "description": text(model.get("description", "")),
                "columns": {
                    column["name"]: text(column.get("description", ""))
                    for column in model.get("columns", [])
                },
            }
    return docs


def _semantic_model(layer: Layer, source_model: str, docs: dict) -> dict:
    entries = [
        e for e in layer.catalog if e["source_model"] == source_model and e["code"] in layer.parsed
    ]
    date_columns = {entry["date_column"] for entry in entries}
    if len(date_columns) != 1:
        raise ValueError(f"{source_model}: indicators on several date columns {date_columns}")
    (date_column,) = date_columns
    columns = docs.get(source_model, {}).get("columns", {})
    month = all(entry["grains"] == ["month"] for entry in entries)
    time = {
        "name": date_column,
        "label": date_column.replace("_", " ").capitalize(),
        "description": (columns.get(date_column) or f"{date_column}.")
        + " metric_time of the semantic model's metrics"
        + (" (months: the indicators are monthly)." if month else "."),
        "type": "time",
        "type_params": {"time_granularity": "month" if month else "day"},
    }
    if month:
        time["expr"] = f"date_trunc('month', {date_column})"
    dimensions = [time]
    for name, expression in dict.fromkeys(s for e in entries for s in dimension_slices(e)):
        dimension = {
            "name": name,
            "label": name.replace("_", " ").capitalize(),
            "description": columns.get(name)
            or f"Slice {name} of the indicator catalog: {expression}.",
            "type": "categorical",
        }
        if expression:
            dimension["expr"] = expression
        dimensions.append(dimension)
    measures = []
    for measure in layer.measures.values():
        if measure.term.model != source_model:
            continue
        term = measure.term
        element = {
            "name": measure.name,
            "description": f"{term.agg}({term.expr}) over the rows of {source_model}, in "
            + ", ".join(dict.fromkeys(measure.uses))
            + ".",
            "agg": term.agg,
        }
        if term.expr != measure.name:
            element["expr"] = term.expr
        if term.percentile is not None:
            element["agg_params"] = {
                "percentile": term.percentile,
                "use_discrete_percentile": False,
                "use_approximate_percentile": False,
            }
        measures.append(element)
    name = semantic_model_name(source_model)
    return {
        "name": name,
        "description": (docs.get(source_model, {}).get("description") or source_model)
        + f" Indicators: {', '.join(e['code'] for e in entries)}.",
        "model": f"ref('{source_model}')",
        "defaults": {"agg_time_dimension": date_column},
        "primary_entity": name,
        "dimensions": dimensions,
        "measures": measures,
    }


def _yaml(header: str, about: str, body: dict) -> str:
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    return f"# {header}\n" + "".join(f"# {line}\n" for line in about.splitlines()) + text


def semantic_doc(layer: Layer, header: str) -> str:
    """docs/semantic_layer.md: what the layer answers and what it leaves out, and why."""
    by_code = {entry["code"]: entry for entry in layer.catalog}
    types = {metric["name"]: metric["type"] for metric in layer.metrics}
    lines = [
        "# The semantic layer (MetricFlow)",
        "",
        f"<!-- {header} -->",
        "",
        f"MetricFlow answers {len(layer.codes)} of the catalog's {len(layer.catalog)} "
        "indicators: one metric per indicator, named after its code, generated with its "
        "semantic model (one per source mart) from `models/marts/indicators/catalog/` into "
        "`models/marts/semantic/` by `make sources`. A metric equals the indicator's "
        "`fct_indicator_values` at every grain the catalog defines (tested by "
        "`orchestration/tests/test_semantic_layer.py`). Query it on the published file:",
        "",
        "```sh",
        'make metrics Q="--metrics gmv,aov --group-by metric_time__month --order '
        'metric_time__month"',
        'make metrics Q="--metrics bounce_rate --group-by metric_time__week,'
        'visitor_daily__channel"',
        "```",
        "",
        "A dimension is `<semantic model>__<slice>`, the semantic model being the source "
        "mart without `fct_` (`orders__payment_method`); `metric_time` is the indicator's "
        "date column. Ratios are ratio metrics (each side summed over the period's rows, "
        "never averaged from days); indicators without a shop-wide value are answered by "
        "their slices. Metrics not named after an indicator are the measures ratios "
        "divide, and the derived sides of ratios (`roi_numerator`).",
        "",
        "The catalog defines days, ISO weeks and months (monthly marts: months only, their "
        "time dimension is a month). MetricFlow also answers quarters and years by the "
        "same rule; for the monthly snapshots (`customer_rfm`, `customer_lifetime`) that "
        "mixes the snapshots of several months, where the indicator would take the last.",
        "",
        "## Indicators MetricFlow answers",
        "",
        "| Indicator | Name | Metric type | Semantic model |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{code}` | {by_code[code]['name_en']} ({by_code[code]['name_zh']}) | "
        f"{types[code]} | {semantic_model_name(by_code[code]['source_model'])} |"
        for code in layer.codes
    ]
    lines += [
        "",
        "## Inputs of the ratios",
        "",
        "The metrics ratios divide that are not indicators themselves: a measure of a "
        "semantic model, or arithmetic of them (a derived metric).",
        "",
        "| Metric | Semantic model | Is | Used in |",
        "| --- | --- | --- | --- |",
    ]
    measures = {measure.name: measure for measure in layer.measures.values()}
    for metric in layer.metrics:
        if metric["name"] in by_code:
            continue
        if metric["type"] == "simple":
            measure = measures[metric["name"]]
            model, what = measure.term.model, f"{measure.term.agg}({measure.term.expr})"
            used = ", ".join(dict.fromkeys(measure.uses))
        else:
            code, _, role = metric["name"].rpartition("_")
            model, what = by_code[code]["source_model"], metric["type_params"]["expr"]
            used = f"the {role} of {code}"
        cell = what.replace("|", "\\|")
        lines.append(f"| `{metric['name']}` | {semantic_model_name(model)} | `{cell}` | {used} |")
    lines += [
        "",
        "## Indicators MetricFlow cannot express",
        "",
        "`fct_indicator_values` has them; MetricFlow has no metric for them.",
        "",
        "| Indicator | Name | Why not |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{code}` | {by_code[code]['name_en']} ({by_code[code]['name_zh']}) | {reason} |"
        for code, reason in layer.left_out.items()
    ]
    return "\n".join(lines) + "\n"


def semantic_files(catalog: list[dict], project_root: Path, header: str) -> dict[Path, str]:
    """The semantic models, the metrics and docs/semantic_layer.md, by path."""
    layer = build(catalog)
    docs = mart_docs(project_root)
    sources = list(dict.fromkeys(e["source_model"] for e in catalog if e["code"] in layer.parsed))
    folder = project_root / "models" / "marts" / "semantic"
    return {
        folder / "_semantic_models.yml": _yaml(
            header,
            "One semantic model per mart the catalog's indicators read: the slices as\n"
            "dimensions, the date column as metric_time, the expressions as measures.",
            {
                "version": 2,
                "semantic_models": [_semantic_model(layer, s, docs) for s in sources],
            },
        ),
        folder / "_metrics.yml": _yaml(
            header,
            "One metric per indicator MetricFlow can express (named after its code), then\n"
            "the inputs of the ratios; docs/semantic_layer.md lists the indicators left out.",
            {"version": 2, "metrics": layer.metrics},
        ),
        project_root / "docs" / "semantic_layer.md": semantic_doc(layer, header),
    }
