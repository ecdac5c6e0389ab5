"""Dagster assets of the raw layer: one daily-partitioned asset per contract table."""

from dagster import (
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

from orchestration import settings
from orchestration.contract import Table, load_contract
from orchestration.ingest.loader import (
    connect,
    ensure_raw_schema,
    load_partitions,
    refused_partitions,
)
from orchestration.partitions import window_days

#: One writer at a time on the warehouse file (DuckDB allows a single writer).
WAREHOUSE_POOL = "warehouse_writer"
#: Metadata of a raw asset's materialization: the table's landing folders it refused.
REFUSED = "refused_partitions"


def raw_asset(table: Table, partitions: PartitionsDefinition) -> AssetsDefinition:
    """The asset loading one raw table's landing partitions of the run's days."""

    @asset(
        key=["raw", table.name],
        group_name="raw",
        description=f"{table.description} (landing/{table.source}/{table.name} → raw.{table.name})",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        kinds={"python", "duckdb"},
        metadata={"source": table.source, "delivery": table.delivery},
    )
    def _load(context: AssetExecutionContext) -> MaterializeResult:
        landing = settings.landing_dir()
        days = window_days(context.partition_time_window)
        con = connect(settings.warehouse_path())
        try:
            ensure_raw_schema(con)
            results = load_partitions(
                con,
                landing,
                table,
                [day for day in days if table.landing_dir(landing, day).is_dir()],
            )
        finally:
            con.close()
        # folders dated outside the days a shop exports: in no run's days, so named in each
        refused = refused_partitions(landing, table)
        for message in refused:
            context.log.warning("REFUSED %s", message)
        rejected = [result.message for result in results if result.status == "rejected"]
        if rejected:
            raise Failure(
                description=f"raw.{table.name}: {len(rejected)} partition(s) rejected",
                metadata={"rejections": MetadataValue.md("\n".join(f"- {m}" for m in rejected))},
            )
        loaded = [result for result in results if result.status == "loaded"]
        return MaterializeResult(
            metadata={
                "rows_loaded": sum(result.rows for result in loaded),
                "partitions_loaded": len(loaded),
                "partitions_unchanged": len(results) - len(loaded),
                "days_without_files": len(days) - len(results),
                REFUSED: MetadataValue.md("\n".join(f"- {m}" for m in refused) or "none"),
            }
        )

    return _load


def raw_assets(partitions: PartitionsDefinition) -> list[AssetsDefinition]:
    return [raw_asset(table, partitions) for table in load_contract().tables]
