"""The publish asset: after every gate of the run has passed, publish the marts."""

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
from orchestration.publish.publisher import publish, published_dir


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


def publish_asset(partitions: PartitionsDefinition, marts: Iterable[AssetKey]) -> AssetsDefinition:
    @asset(
        key=["published", "warehouse"],
        group_name="publish",
        description="Write-audit-publish: the marts and reference tables of a run whose every "
        "gate passed become the new read-only version at warehouse/published/current.duckdb.",
        deps=list(marts),
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
    )
    def _publish(context: AssetExecutionContext) -> MaterializeResult:
        outcomes = run_check_outcomes(context)
        publication = publish(
            settings.warehouse_path(), published_dir(), run_id=context.run_id, checks=outcomes
        )
        context.log.info(publication.summary())
        return MaterializeResult(
            metadata={
                "version": publication.version,
                "path": str(publication.path),
                "checks_passed": len(outcomes),
                "total_rows": publication.total_rows,
                "tables": MetadataValue.json(publication.tables),
                "seconds": publication.seconds,
            }
        )

    return _publish
