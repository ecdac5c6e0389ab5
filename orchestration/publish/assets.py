"""The publish asset: after every gate of the run has passed, publish the marts."""

import json
from collections.abc import Iterable

from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    DagsterEventType,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from orchestration import settings
from orchestration.ingest.assets import WAREHOUSE_POOL
from orchestration.publish.notify import publish_and_notify
from orchestration.publish.publisher import published_dir
from orchestration.transform.assets import DBT_PROJECT


def run_check_outcomes(context: AssetExecutionContext) -> dict[str, bool]:
    """Every check evaluated in this run: passed, or failed with warning severity only."""
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION, limit=100_000
    ).records
    outcomes = {}
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        outcomes[name] = evaluation.passed or evaluation.severity == AssetCheckSeverity.WARN
    return outcomes


def day_columns() -> dict[str, str]:
    """Each incremental model's day column ("schema.table" -> column, from the dbt manifest:
    its unique key, the last column of a composite one): publish compares and replaces
    those tables day by day."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    columns = {}
    for node in manifest["nodes"].values():
        key = node["config"].get("unique_key")
        if (
            node["resource_type"] == "model"
            and node["config"].get("materialized") == ("incremental")
            and key
        ):
            columns[f"{node['schema']}.{node['alias']}"] = key if isinstance(key, str) else key[-1]
    return columns


def publish_asset(partitions: PartitionsDefinition, marts: Iterable[AssetKey]) -> AssetsDefinition:
    @asset(
        key=["published", "warehouse"],
        group_name="publish",
        description="Write-audit-publish: the marts and reference tables of a run whose every "
        "gate passed become the new read-only version at warehouse/published/current.duckdb "
        "(a copy of the version before in which only the changed tables and days are "
        "replaced).",
        deps=list(marts),
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
    )
    def _publish(context: AssetExecutionContext) -> MaterializeResult:
        outcomes = run_check_outcomes(context)
        publication, notified = publish_and_notify(
            settings.warehouse_path(),
            published_dir(),
            run_id=context.run_id,
            checks=outcomes,
            day_columns=day_columns(),
        )
        context.log.info(publication.summary())
        (context.log.warning if notified.failures else context.log.info)(notified.summary())
        return MaterializeResult(
            metadata={
                "version": publication.version,
                "path": str(publication.path),
                "checks_passed": len(outcomes),
                "total_rows": publication.total_rows,
                "tables": MetadataValue.json(publication.tables),
                "seconds": publication.seconds,
                "rows_written": publication.rows_written,
                "tables_written": MetadataValue.json(publication.written),
            }
        )

    return _publish
