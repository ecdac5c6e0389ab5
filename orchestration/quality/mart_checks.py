"""Gate 3: the marts suite as a blocking check; publish waits for it.

It is attached to the indicator layer's fct_indicator_values, which comes after every family
mart: the suite reads the family marts, and the alerts (downstream of the indicator values)
run only once it has passed.
"""

import re

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    PartitionsDefinition,
    asset_check,
)

from orchestration import settings
from orchestration.quality.mart_suites import MART_RULES
from orchestration.quality.raw_suites import measure_rules
from orchestration.quality.validation import validate

#: The mart the suite is attached to.
CHECKED = "fct_indicator_values"
#: Marts the suite reads, found in its rules' SQL.
READS = sorted(
    {name for rule in MART_RULES for name in re.findall(r"marts\.(\w+)", rule.sql)} - {CHECKED}
)


def mart_check(partitions: PartitionsDefinition) -> AssetChecksDefinition:
    @asset_check(
        asset=["marts", CHECKED],
        name="marts_suite",
        description="Great Expectations suite marts: "
        + "; ".join(rule.description for rule in MART_RULES),
        blocking=True,
        additional_deps=[["marts", name] for name in READS],
        partitions_def=partitions,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
        try:
            measurements = measure_rules(con, MART_RULES)
        finally:
            con.close()
        outcome = validate("marts", MART_RULES, measurements)
        context.log.info("marts suite: %s", outcome.summary)
        return outcome.check_result(**{name: float(value) for name, value in measurements.items()})

    return _check
