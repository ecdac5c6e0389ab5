"""Data flows one way: raw → staging → intermediate → marts.

Read from dbt's manifest: only staging models call ``source()`` (the days a run touched are
the staging model stg_pipeline__touched_days), and no model reads a model of a later layer
(an intermediate model reading a mart, a staging model reading either): such an edge would
make a layer depend on a later one, and the layers could no longer be built, tested and
read one after another. Tests (the reconciliations read raw)
and seeds are outside the rule.
"""

from __future__ import annotations

import json

from orchestration.transform.assets import DBT_PROJECT, ensure_manifest

LAYERS = ("staging", "intermediate", "marts")


def layer(node: dict) -> str | None:
    """The layer of a model: the folder under models/ it lives in."""
    parts = node["original_file_path"].split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "models" and parts[1] in LAYERS else None


def layer_violations(manifest: dict) -> list[str]:
    """Every edge of the manifest's models against the rule, as a sentence naming both ends."""
    nodes = manifest["nodes"]
    found = []
    for node in sorted(nodes.values(), key=lambda node: node["unique_id"]):
        if node["resource_type"] != "model":
            continue
        own = layer(node)
        if own is None:
            found.append(f"{node['name']}: not in a layer folder ({node['original_file_path']})")
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source.") and own != "staging":
                source = parent.split(".", 2)[2]
                found.append(
                    f"{node['name']} ({own}) reads source {source}: only staging calls source()"
                )
            elif parent.startswith("model."):
                theirs = layer(nodes[parent])
                if theirs and LAYERS.index(theirs) > LAYERS.index(own):
                    found.append(
                        f"{node['name']} ({own}) reads {nodes[parent]['name']} ({theirs}), "
                        "a later layer"
                    )
    return found


def test_every_model_reads_its_own_layer_or_earlier_ones_and_only_staging_reads_raw() -> None:
    ensure_manifest()
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text(encoding="utf-8"))
    assert layer_violations(manifest) == []
    touched = manifest["nodes"]["model.shop_indicators.stg_pipeline__touched_days"]
    assert layer(touched) == "staging"
    readers = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and "model.shop_indicators.stg_pipeline__touched_days" in node["depends_on"]["nodes"]
    ]
    assert "fct_orders" in readers
    assert "fct_indicator_values__orders" in readers


def _model(name: str, path: str, parents: list[str]) -> dict:
    return {
        "unique_id": f"model.p.{name}",
        "name": name,
        "resource_type": "model",
        "original_file_path": path,
        "depends_on": {"nodes": parents},
    }


def test_the_check_names_each_kind_of_wrong_edge() -> None:
    models = [
        _model("stg_a", "models/staging/a/stg_a.sql", ["source.p.shop.orders"]),
        _model("stg_b", "models/staging/stg_b.sql", ["model.p.int_c"]),
        _model("int_c", "models/intermediate/int_c.sql", ["model.p.stg_a", "model.p.fct_d"]),
        _model("int_e", "models/intermediate/int_e.sql", ["source.p.web.events"]),
        _model("fct_d", "models/marts/fct_d.sql", ["model.p.stg_a", "model.p.int_c"]),
        _model("misplaced", "models/misplaced.sql", []),
    ]
    test = {
        "unique_id": "test.p.reconcile",
        "name": "reconcile",
        "resource_type": "test",
        "original_file_path": "tests/reconcile.sql",
        "depends_on": {"nodes": ["source.p.shop.orders", "model.p.fct_d"]},
    }
    manifest = {"nodes": {node["unique_id"]: node for node in [*models, test]}}
    assert layer_violations(manifest) == [
        "int_c (intermediate) reads fct_d (marts), a later layer",
        "int_e (intermediate) reads source web.events: only staging calls source()",
        "misplaced: not in a layer folder (models/misplaced.sql)",
        "stg_b (staging) reads int_c (intermediate), a later layer",
    ]
