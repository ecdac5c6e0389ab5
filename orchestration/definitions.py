"""The Dagster code location: every asset, check, job, schedule and sensor of the warehouse.

landing files ─► raw/<table> (ingest, gate 1: Great Expectations raw suites, blocking)
             ─► dbt staging + seeds (gate 2: dbt tests)
             ─► dbt intermediate ─► dbt marts (gate 3: dbt tests incl. reconciliation)
"""

from dagster import Definitions
from dagster_dbt import DbtCliResource

from orchestration.ingest.assets import raw_assets
from orchestration.jobs import daily_refresh, landing_files, refresh_job
from orchestration.partitions import daily_partitions
from orchestration.publish.assets import publish_asset
from orchestration.quality.mart_checks import mart_check
from orchestration.quality.raw_checks import raw_checks
from orchestration.transform import DBT
from orchestration.transform.assets import DBT_PROJECT, dbt_layer_assets


def build_definitions() -> Definitions:
    partitions = daily_partitions()
    dbt_layers = dbt_layer_assets()
    marts = [key for key in dbt_layers[-1].keys if key.path[0] == "marts"]
    return Definitions(
        assets=[*raw_assets(partitions), *dbt_layers, publish_asset(partitions, marts)],
        asset_checks=[*raw_checks(partitions), mart_check(partitions)],
        jobs=[refresh_job()],
        schedules=[daily_refresh],
        sensors=[landing_files],
        resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT))},
    )


defs = build_definitions()
