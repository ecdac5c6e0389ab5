"""The Dagster code location: every asset, check, job, schedule and sensor of the warehouse.

landing files ─► raw/<table> (ingest, gate 1: Great Expectations raw suites, blocking)
             ─► dbt staging + seeds (gate 2: dbt tests)
             ─► dbt intermediate ─► dbt marts (gate 3: dbt tests incl. reconciliation)
"""

from dagster import AssetSelection, Definitions, define_asset_job
from dagster_dbt import DbtCliResource

from orchestration.ingest.assets import raw_assets
from orchestration.partitions import daily_partitions
from orchestration.quality.raw_checks import raw_checks
from orchestration.transform import DBT
from orchestration.transform.assets import DBT_PROJECT, dbt_layer_assets


def build_definitions() -> Definitions:
    partitions = daily_partitions()
    refresh = define_asset_job(
        "refresh_warehouse",
        selection=AssetSelection.all(),
        partitions_def=partitions,
        description="Load the run's days, pass every gate, rebuild the warehouse.",
    )
    return Definitions(
        assets=[*raw_assets(partitions), *dbt_layer_assets()],
        asset_checks=raw_checks(partitions),
        jobs=[refresh],
        resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT))},
    )


DBT_PROJECT.prepare_if_dev()
defs = build_definitions()
