"""Validate measurements against a suite with Great Expectations (GX Core 1.x).

Suites are lists of :class:`~orchestration.quality.raw_suites.Rule`: each becomes an
``ExpectColumnValuesToBeBetween`` on its measurement column of a one-row frame that DuckDB
computed, so GX names the rule, applies its bounds and reports the observed value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # after disabling GX usage analytics above
from great_expectations.data_context.types.base import ProgressBarsConfig

from orchestration.quality.raw_suites import Rule


@dataclass(frozen=True)
class Validation:
    suite: str
    success: bool
    failures: tuple[str, ...]  # "<rule>: <description> (observed x)"
    failed_rules: tuple[str, ...]
    measurements: Mapping[str, float]

    def detailed(self, details: Mapping[str, str]) -> Validation:
        """The same outcome, each failure followed by what its rule names (``details``,
        by rule name): the rows or days that break it."""
        failures = tuple(
            f"{failure}: {details[rule]}" if details.get(rule) else failure
            for rule, failure in zip(self.failed_rules, self.failures, strict=True)
        )
        return Validation(self.suite, self.success, failures, self.failed_rules, self.measurements)

    @property
    def summary(self) -> str:
        return "; ".join(self.failures) or "all rules passed"

    def check_result(self, **metadata) -> AssetCheckResult:
        """The outcome as a blocking (error severity) Dagster check result."""
        failures = MetadataValue.md("\n".join(f"- {failure}" for failure in self.failures))
        return AssetCheckResult(
            passed=self.success,
            severity=AssetCheckSeverity.ERROR,
            description=self.summary,
            metadata={"failures": failures, **metadata},
        )


@cache
def _batch_definition():
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("measurements")
    asset = source.add_dataframe_asset("measurements")
    return asset.add_batch_definition_whole_dataframe("measurements")


def validate(
    suite_name: str, rules: Sequence[Rule], measurements: Mapping[str, float]
) -> Validation:
    """Run the suite on the measurements; failures read '<rule>: <description> (observed x)'."""
    suite = gx.ExpectationSuite(
        name=suite_name,
        expectations=[
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=rule.name,
                min_value=rule.min_value,
                max_value=rule.max_value,
                meta={"description": rule.description},
            )
            for rule in rules
        ],
    )
    frame = pd.DataFrame([{rule.name: measurements[rule.name] for rule in rules}])
    # whether each rule holds is all that is read (the observed value is the measurement):
    # GX's default result format also computes samples and counts of unexpected values,
    # which more than doubled a suite's time
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": frame})
        .validate(suite, result_format="BOOLEAN_ONLY")
    )
    failed = [outcome.expectation_config for outcome in result.results if not outcome.success]
    failures = tuple(
        f"{config.kwargs['column']}: {config.meta['description']} "
        f"(observed {measurements[config.kwargs['column']]:g})"
        for config in failed
    )
    failed_rules = tuple(config.kwargs["column"] for config in failed)
    return Validation(suite_name, bool(result.success), failures, failed_rules, dict(measurements))
