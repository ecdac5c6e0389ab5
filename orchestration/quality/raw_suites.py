"""Great Expectations suites of the raw layer (gate 1), derived from the raw contract.

Every rule is measured in DuckDB by one SQL query over the days being loaded (so a day of
events is never pulled into pandas); Great Expectations then validates that one-row frame of
measurements against the suite, which names each rule and reports the observed value.

Rules per raw table, for the rows of the checked export days:
- the primary key is never null, and no key is delivered twice (append tables; tables
  delivered as changes must not repeat a key *version*);
- enum columns hold only the contract's accepted values;
- money columns are neither negative nor absurd (≥ 10 million CNY on one row);
- the time that dates a record (its event time, or its version time for tables delivered as
  changes) is neither before the shop opened nor in the future of its export day;
- foreign keys whose contract severity is ``error`` find their record (across sources);
- volume: a day of an append table with daily traffic is not below a third of the median
  of the previous 7 loaded days (a day of missing web events must not pass);
- freshness: the newest record of those tables is less than a day older than the end of the
  last checked export day (a stale re-export of an older day must not pass);
- export day: in those tables, at most 5% of a day's records fall outside that export day
  in shop time (timestamps written in shop time as if UTC, or the reverse, move 8 hours'
  worth of records, a third of a day, into the next or previous day).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import duckdb

from orchestration.contract import (
    ORDER_CURRENCIES,
    RAW_SCHEMA,
    Column,
    Table,
    load_contract,
    load_shop,
)

#: Largest plausible money amount on one row (CNY).
ABSURD_AMOUNT = 10_000_000
#: Tables whose daily row count must not collapse against the recent median.
VOLUME_TABLES = ("events", "orders", "order_lines", "payments", "probes")
VOLUME_FLOOR = 1 / 3
VOLUME_HISTORY_DAYS = 7
#: Most hours between a traffic table's newest record and the end of its last export day.
FRESHNESS_HOURS = 24
#: Largest share of a traffic table's daily records dated outside their export day.
OFF_DAY_SHARE = 0.05


def shop_opened_on() -> dt.date:
    """No record can happen before the shop opened (``SHOP_OPENED_ON``)."""
    return dt.date.fromisoformat(os.environ.get("SHOP_OPENED_ON", "2020-01-01"))


#: How many rows that break a rule are shown to the operator.
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Rule:
    """One measurement (SQL over the checked rows ``checked``) and its allowed range, and
    optionally a query listing the rows that break it (shown when it fails)."""

    name: str
    description: str
    sql: str
    max_value: float | None = 0
    min_value: float | None = 0
    breaking_rows: str | None = None


def _row_rule(name: str, description: str, predicate: str) -> Rule:
    """A rule that no checked row meets the predicate."""
    return Rule(
        name,
        description,
        f"count_if({predicate})",
        breaking_rows=f"select * exclude (_source_file, _loaded_at) from checked where {predicate}",
    )


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _accepted_values_description(column: Column) -> str:
    """What an enumerated column may hold, and where a shop adds a value: its reference seed
    or its order currencies (the shop's settings file)."""
    values = ", ".join(column.accepted_values)
    shop = load_shop()
    if column.values_from == ORDER_CURRENCIES:
        return f"{column.name} holds only {values} (order_currencies of {shop.path})"
    if column.values_from:
        return (
            f"{column.name} holds only codes of seed {column.values_from} ({values}): "
            f"add a new code as a row of {shop.seed_path(column.values_from)}"
        )
    return f"{column.name} holds only {values}"


def _column_rules(table: Table, column: Column) -> list[Rule]:
    name = column.name
    rules = []
    if column.accepted_values:
        rules.append(
            _row_rule(
                f"unknown_{name}",
                _accepted_values_description(column),
                f"{name} is not null and {name} not in ({_quoted(column.accepted_values)})",
            )
        )
    if column.type == "decimal":
        # third-party market sizes are legitimately huge: only the sign is checked there
        ceiling = "" if table.source == "market" else f" or {name} >= {ABSURD_AMOUNT}"
        rules.append(
            _row_rule(
                f"bad_amount_{name}",
                f"{name} is not negative" + (f" nor ≥ {ABSURD_AMOUNT:,}" if ceiling else ""),
                f"{name} < 0{ceiling}",
            )
        )
    if column.type == "timestamp" and name in (table.event_time, table.updated_at):
        rules.append(
            _row_rule(
                f"impossible_time_{name}",
                f"{name} is after the shop opened and not after its export day (+1 day)",
                f"{name} < timestamp '{shop_opened_on()}' "
                f"or {name} >= cast(_partition_date as timestamp) + interval 2 day",
            )
        )
    return rules


def _key_rules(table: Table) -> list[Rule]:
    key = list(table.primary_key)
    version = [*key, table.updated_at] if table.updated_at else key
    null_key = " or ".join(f"{column} is null" for column in key)
    columns = ", ".join(version)
    duplicates = f"""
        select {columns}, count(*) as deliveries, list(_source_file) as files
        from {RAW_SCHEMA}.{table.name}
        where ({columns}) in (select ({columns}) from checked)
        group by {columns}
        having count(*) > 1
    """
    return [
        _row_rule("null_key", f"primary key ({', '.join(key)}) is never null", null_key),
        Rule(
            "duplicate_key",
            f"no ({columns}) is delivered twice",
            f"(select count(*) from ({duplicates}))",
            breaking_rows=duplicates,
        ),
    ]


def _reference_rules(table: Table) -> list[Rule]:
    rules = []
    for column in table.columns:
        if not column.references or column.references_severity != "error":
            continue
        target_table, target_column = column.references.split(".")
        orphans = f"""
            select * exclude (_source_file, _loaded_at) from checked
            where {column.name} is not null
            and {column.name} not in (
                select {target_column} from {RAW_SCHEMA}.{target_table}
                where {target_column} is not null
            )
        """
        rules.append(
            Rule(
                f"orphan_{column.name}",
                f"every {column.name} exists in {column.references}",
                f"(select count(*) from ({orphans}))",
                breaking_rows=orphans,
            )
        )
    return rules


def _volume_rules(table: Table) -> list[Rule]:
    if table.name not in VOLUME_TABLES:
        return []
    history = f"""(
        select median(rows) from (
            select count(*) as rows from {RAW_SCHEMA}.{table.name}
            where _partition_date < (select min(day) from days)
            and _partition_date >= (select min(day) from days) - interval {VOLUME_HISTORY_DAYS} day
            group by _partition_date
        )
    )"""
    # a checked day without any row (or without a file) counts as 0 rows
    quietest_day = """(
        select min(coalesce(loaded.rows, 0)) from days
        left join (
            select _partition_date, count(*) as rows from checked group by _partition_date
        ) as loaded on days.day = loaded._partition_date
    )"""
    return [
        Rule(
            "volume_ratio",
            f"each day has at least {VOLUME_FLOOR:.0%} of the median daily rows of the "
            f"previous {VOLUME_HISTORY_DAYS} days",
            f"coalesce({quietest_day} / {history}, 1)",
            min_value=VOLUME_FLOOR,
            max_value=None,
        )
    ]


def _freshness_rules(table: Table) -> list[Rule]:
    if table.name not in VOLUME_TABLES:
        return []
    timezone = load_contract().timezone
    day_end = f"""timezone('UTC', timezone('{timezone}',
        cast((select max(day) from days) + interval 1 day as timestamp)))"""
    return [
        Rule(
            "stale_hours",
            f"the newest {table.event_time} is within {FRESHNESS_HOURS} hours of the end of "
            "the last export day",
            f"date_diff('minute', max({table.event_time}), {day_end}) / 60.0",
            min_value=None,
            max_value=FRESHNESS_HOURS,
        )
    ]


def _export_day_rules(table: Table) -> list[Rule]:
    if table.name not in VOLUME_TABLES:
        return []
    timezone = load_contract().timezone
    time = table.event_time
    off_day = f"cast(timezone('{timezone}', timezone('UTC', {time})) as date) <> _partition_date"
    worst_day = f"""(
        select max(share) from (
            select avg(case when {off_day} then 1.0 else 0.0 end) as share
            from checked group by _partition_date
        )
    )"""
    return [
        Rule(
            "off_day_share",
            f"at most {OFF_DAY_SHARE:.0%} of a day's rows have a {time} outside that export "
            "day in shop time (a time-zone mix-up moves a third of them)",
            worst_day,
            min_value=None,
            max_value=OFF_DAY_SHARE,
            breaking_rows=(
                f"select * exclude (_source_file, _loaded_at) from checked where {off_day}"
            ),
        )
    ]


def raw_rules(table: Table) -> list[Rule]:
    """Every rule of a raw table's suite."""
    rules = _key_rules(table)
    for column in table.columns:
        rules += _column_rules(table, column)
    return [
        *rules,
        *_reference_rules(table),
        *_volume_rules(table),
        *_freshness_rules(table),
        *_export_day_rules(table),
    ]


def measure_rules(
    con: duckdb.DuckDBPyConnection,
    rules: list[Rule],
    query: str = "select {measures}",
    parameters=(),
) -> dict[str, float]:
    """Measure rules in one query: ``query`` places the rules' SQL at ``{measures}``."""
    measures = ",\n".join(
        f"cast(coalesce({rule.sql}, 0) as double) as {rule.name}" for rule in rules
    )
    cursor = con.execute(query.replace("{measures}", measures), list(parameters))
    names = [description[0] for description in cursor.description]
    (values,) = cursor.fetchall()
    return dict(zip(names, values, strict=True))


def _checked(table: Table) -> str:
    """CTEs of the checked days (``days``) and of their rows (``checked``); two parameters."""
    return f"""with days as (
        select cast(unnest(generate_series(cast(? as date), cast(? as date),
            interval 1 day)) as date) as day
    ),
    checked as (
        select * from {RAW_SCHEMA}.{table.name}
        where _partition_date between (select min(day) from days) and (select max(day) from days)
    )"""


def measure(
    con: duckdb.DuckDBPyConnection, table: Table, first_day: dt.date, last_day: dt.date
) -> dict[str, float]:
    """Measure every rule of a raw table on the rows exported between the two days."""
    checked_rows = Rule("checked_rows", "rows checked", "count(*)")
    return measure_rules(
        con,
        [checked_rows, *raw_rules(table)],
        f"{_checked(table)} select {{measures}} from checked",
        [first_day, last_day],
    )


def breaking_rows(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    first_day: dt.date,
    last_day: dt.date,
    rule: Rule,
) -> list[dict]:
    """A sample of the rows that break a rule (none for rules about aggregates)."""
    if not rule.breaking_rows:
        return []
    cursor = con.execute(
        f"{_checked(table)} {rule.breaking_rows} limit {SAMPLE_ROWS}", [first_day, last_day]
    )
    names = [description[0] for description in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def raw_tables() -> list[Table]:
    return load_contract().tables
