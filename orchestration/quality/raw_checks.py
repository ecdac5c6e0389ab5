"""Gate 1: blocking Great Expectations checks on every raw table's loaded days."""

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)

from orchestration import settings
from orchestration.contract import Table, load_contract
from orchestration.partitions import window_days
from orchestration.quality.raw_suites import breaking_rows, detail, measure, raw_rules
from orchestration.quality.validation import validate


def raw_check(table: Table, partitions: PartitionsDefinition) -> AssetChecksDefinition:
    """The raw suite of one table as a blocking check: failing it stops staging."""

    @asset_check(
        asset=["raw", table.name],
        name="raw_suite",
        description=f"Great Expectations suite raw.{table.name}: "
        + "; ".join(rule.description for rule in raw_rules(table)),
        blocking=True,
        partitions_def=partitions,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        days = window_days(context.partition_time_window)
        rules = {rule.name: rule for rule in raw_rules(table)}
        con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
        try:
            measurements = measure(con, table, days[0], days[-1])
            outcome = validate(f"raw.{table.name}", list(rules.values()), measurements)
            # the message names the rows or days that break each failed rule
            outcome = outcome.detailed(
                {
                    name: detail(con, table, days[0], days[-1], rules[name])
                    for name in outcome.failed_rules
                }
            )
            samples = {
                name: breaking_rows(con, table, days[0], days[-1], rules[name])
                for name in outcome.failed_rules
            }
        finally:
            con.close()
        for name, rows in samples.items():
            for row in rows:
                context.log.error("raw.%s breaks %s: %s", table.name, name, row)
        return outcome.check_result(
            checked_rows=int(measurements["checked_rows"]),
            days=f"{days[0]} … {days[-1]}",
            breaking_rows_sample=MetadataValue.json(
                {
                    name: [{k: str(v) for k, v in row.items()} for row in rows]
                    for name, rows in samples.items()
                }
            ),
        )

    return _check


def raw_checks(partitions: PartitionsDefinition) -> list[AssetChecksDefinition]:
    return [raw_check(table, partitions) for table in load_contract().tables]
