"""dbt exposures for what people read: every indicator of the catalog, and the dashboard.

Generated from ``seeds/indicator_catalog.csv`` by ``make sources`` into
``models/marts/indicators/_indicator_exposures.yml``, so that ``dbt docs`` shows each
indicator (its Chinese and English names, definition, unit and runbook) with the mart it is
computed from and everything upstream of it. A test fails when the committed file is stale.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

HEADER = "Generated from seeds/indicator_catalog.csv by `make sources`: do not edit."
OWNER = {"name": "Shop analytics", "email": "analytics@shop.example.cn"}

#: The marts the dashboard reads (orchestration/serving/dashboard.py).
DASHBOARD_MODELS = (
    "fct_indicator_values",
    "fct_indicator_alerts",
    "fct_indicator_decomposition",
    "indicator_catalog",
)


def _indicator(row: dict[str, str]) -> dict:
    description = (
        f"{row['name_zh']} ({row['name_en']}), {row['family']} / {row['sub_family']}: "
        f"{row['definition']} Unit: {row['unit']}; re-aggregation: {row['aggregation']}; "
        f"grains: {row['grains'].replace(';', ', ')}."
    )
    if row["runbook"]:
        description += f"\n\nRunbook (方案): {row['runbook']}"
    return {
        "name": f"indicator_{row['indicator_code']}",
        "label": f"{row['name_en']} {row['name_zh']}",
        "type": "analysis",
        "maturity": "high",
        "description": description,
        "depends_on": [f"ref('{row['source_model']}')", "ref('fct_indicator_values')"],
        "owner": dict(OWNER),
        "config": {"meta": {"indicator_code": row["indicator_code"], "family": row["family"]}},
    }


def exposures_yaml(catalog: Path) -> str:
    with catalog.open(encoding="utf-8", newline="") as file:
        indicators = [_indicator(row) for row in csv.DictReader(file)]
    dashboard = {
        "name": "indicator_dashboard",
        "label": "Indicator dashboard 指标看板",
        "type": "dashboard",
        "maturity": "high",
        "url": "http://127.0.0.1:8080/",
        "description": (
            "The shop manager's dashboard (`make dashboard`): the five indicator families, "
            "headline indicators with period-over-period change by day, week and month, "
            "trend charts, open alerts with their runbook and the driver decomposition of "
            "the last change. It reads the published warehouse only."
        ),
        "depends_on": [f"ref('{name}')" for name in DASHBOARD_MODELS],
        "owner": dict(OWNER),
    }
    body = yaml.safe_dump(
        {"version": 2, "exposures": [dashboard, *indicators]},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    return f"# {HEADER}\n{body}"
