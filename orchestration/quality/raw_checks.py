"""Gate 1: blocking Great Expectations checks on every raw table's loaded days.

Each check records the outcome per partition (orchestration.quality.quarantine) and also
fails while a partition of its table outside the run's days did not pass its last check: a
refused load is held out of every build until it is re-delivered and passes."""

import datetime as dt

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)

from orchestration import settings
from orchestration.contract import Table, load_contract
from orchestration.ingest.loader import connect
from orchestration.partitions import window_days
from orchestration.quality.quarantine import Held, ensure_checks_table, held_outside, record_check
from orchestration.quality.raw_suites import Rule, breaking_rows, detail, measure, raw_rules
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
        con = connect(settings.warehouse_path())
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
            # the partitions this check refused stay quarantined, and so does any other
            # partition of the table whose last check did not pass
            failed = () if outcome.success else failed_days(con, table, days, outcome.summary)
            ensure_checks_table(con)
            record_check(con, table.name, days, dict(failed))
            held = held_outside(con, table.name, days)
        finally:
            con.close()
        for name, rows in samples.items():
            for row in rows:
                context.log.error("raw.%s breaks %s: %s", table.name, name, row)
        for partition in held:
            context.log.error("%s", partition)
        return with_quarantine(
            outcome.check_result(
                checked_rows=int(measurements["checked_rows"]),
                days=f"{days[0]} … {days[-1]}",
                breaking_rows_sample=MetadataValue.json(
                    {
                        name: [{k: str(v) for k, v in row.items()} for row in rows]
                        for name, rows in samples.items()
                    }
                ),
                refused_partitions=MetadataValue.md(
                    "\n".join(f"- raw.{table.name} {day}: {why}" for day, why in failed) or "none"
                ),
            ),
            held,
        )

    return _check


def broken_rules(rules: list[Rule], measurements: dict[str, float]) -> list[str]:
    """The rules whose measurement is outside their bounds, described as GX describes them."""
    return [
        f"{rule.name}: {rule.description} (observed {measurements[rule.name]:g})"
        for rule in rules
        if (rule.min_value is not None and measurements[rule.name] < rule.min_value)
        or (rule.max_value is not None and measurements[rule.name] > rule.max_value)
    ]


def failed_days(
    con: duckdb.DuckDBPyConnection, table: Table, days: list[dt.date], summary: str
) -> list[tuple[dt.date, str]]:
    """The checked days to quarantine after a failed check, with why: each day that fails on
    its own (measured day by day, only after a failure); every checked day when none does
    (a rule broken by the days together)."""
    if len(days) > 1:
        rules = raw_rules(table)
        per_day = [(day, broken_rules(rules, measure(con, table, day, day))) for day in days]
        found = [(day, "; ".join(broken)) for day, broken in per_day if broken]
        if found:
            return found
    return [(day, summary) for day in days]


def with_quarantine(result: AssetCheckResult, held: list[Held]) -> AssetCheckResult:
    """A check result that also fails while other partitions of its table are held."""
    if not held:
        return result
    checked = "the run's days: " + (result.description or "")
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join([*map(str, held), checked]),
        metadata={
            **result.metadata,
            "quarantined": MetadataValue.md("\n".join(f"- {partition}" for partition in held)),
        },
    )


def raw_checks(partitions: PartitionsDefinition) -> list[AssetChecksDefinition]:
    return [raw_check(table, partitions) for table in load_contract().tables]
