"""The Dagster code location: every asset, check, job, schedule and sensor of the warehouse.

export folders ─► importers/<format> (those configured, settings.py) ─► landing files
landing files ─► raw/<table> (ingest, gate 1: Great Expectations raw suites, blocking)
             ─► dbt build: seeds, staging, intermediate, marts (gate 2: dbt tests, incl.
                 reconciliation; dbt skips what depends on a failed test)
             ─► marts suite (gate 3: Great Expectations, blocking)
             ─► dbt build after the mart gate (alerts, KPI overview) ─► publish
"""

from dagster import Definitions, definitions

from orchestration.importers.assets import importer_assets, importer_jobs, importer_sensors
from orchestration.ingest.assets import raw_assets
from orchestration.jobs import daily_refresh, landing_files, refresh_job
from orchestration.partitions import daily_partitions
from orchestration.publish.assets import publish_asset
from orchestration.quality.mart_checks import mart_check
from orchestration.quality.raw_checks import raw_checks
from orchestration.transform import DBT
from orchestration.transform.assets import DBT_PROJECT, WarehouseDbt, dbt_step_assets


def build_definitions() -> Definitions:
    partitions = daily_partitions()
    dbt_steps = dbt_step_assets()
    marts = [key for step in dbt_steps for key in step.keys if key.path[0] == "marts"]
    return Definitions(
        assets=[
            *importer_assets(),
            *raw_assets(partitions),
            *dbt_steps,
            publish_asset(partitions, marts),
        ],
        asset_checks=[*raw_checks(partitions), mart_check(partitions)],
        jobs=[refresh_job(), *importer_jobs()],
        schedules=[daily_refresh],
        sensors=[landing_files, *importer_sensors()],
        resources={"dbt": WarehouseDbt(project_dir=DBT_PROJECT, dbt_executable=str(DBT))},
    )


@definitions
def defs() -> Definitions:
    """What ``dagster dev -m orchestration.definitions`` loads, built only when it loads it:
    the command-line runner builds its own (orchestration.run.refresh_job) and importing this
    module builds nothing."""
    return build_definitions()
