"""Great Expectations suites of the raw layer (gate 1), derived from the raw contract.

Every rule is measured in DuckDB by one SQL query over the days being loaded (so a day of
events is never pulled into pandas); Great Expectations then validates that one-row frame of
measurements against the suite, which names each rule and reports the observed value.

Rules per raw table, for the rows of the checked export days:
- the primary key is never null, and no key is delivered twice (append tables; tables
  delivered as changes must not repeat a key *version*);
- no other column the contract does not declare ``nullable`` holds a null;
- enum columns hold only the contract's accepted values;
- numbers hold the sign and maximum the contract gives them (a quantity positive, stock
  not negative, a rate at most 1); money is never negative unless the contract says
  otherwise, nor absurd (≥ 10 million CNY on one row); the rows that break it are named;
- the time that dates a record (its event time, or its version time for tables delivered as
  changes) is neither before the shop opened nor in the future of its export day;
- foreign keys whose contract severity is ``error`` find their record (across sources);
- volume (tables with a ``volume_floor`` in the contract, those with daily traffic): every
  checked export day holds at least that share of its expected rows. A day's expectation is
  the median of the rows of the same weekday in its 4 most recent weeks out of the last 8
  (the previous 7 days when no same weekday counts, as in a shop's first week); an ordinary
  day leaves the promotion calendar's days out of it (the shop's promotion campaigns and the
  festival days of seed shopping_festivals), so the weeks after a peak are not compared with
  it, while a promotion day is compared with every day. Days the shop declares closed (its
  reference folder's closed_days.csv) are neither checked nor part of an expectation; a day
  without an expectation passes, and so does a short day whose count is not improbable by
  chance for its expectation (a Poisson tail of at least ``VOLUME_CHANCE``: quiet shops).
  Each checked day is measured against its own history, so a zero day in a backfill or full
  rebuild is caught too;
- freshness: the newest record of those tables is less than a day older than the end of the
  last checked export day (a stale re-export of an older day must not pass);
- export day: in those tables, at most 5% of a day's records fall outside that export day
  in shop time (timestamps written in shop time as if UTC, or the reverse, move 8 hours'
  worth of records, a third of a day, into the next or previous day).

A failed rule names the rows (or days) that break it in its message (``Rule.detail``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from orchestration.contract import (
    CONTRACT_PATH,
    ORDER_CURRENCIES,
    RAW_SCHEMA,
    Column,
    Table,
    load_contract,
    load_shop,
)
from orchestration.settings import PROJECT_ROOT, shop_opened_on

#: Largest plausible money amount on one row (CNY).
ABSURD_AMOUNT = 10_000_000
#: A day's expected volume: the median of the same weekday in this many recent weeks …
VOLUME_WEEKS = 4
#: … found among this many weeks back (the weeks of a promotion season are skipped) …
VOLUME_LOOKBACK_WEEKS = 8
#: … or, when none of them counts, of this many previous days.
VOLUME_FALLBACK_DAYS = 7
#: A short day passes when a count that low has at least this probability by chance alone
#: (Poisson, for the day's expected rows): a shop expecting 3 orders sees a day without one
#: about once in 20 days, a shop expecting 9 about once in 8,000.
VOLUME_CHANCE = 0.001
#: The promotion calendar's festival peaks (a dbt seed, also read by dim_date).
FESTIVALS_SEED = PROJECT_ROOT / "seeds" / "shopping_festivals.csv"
#: The days a shop declares it was closed (closed_date, reason), in its reference folder.
CLOSED_DAYS_FILE = "closed_days.csv"


def _shown(path: Path) -> Path:
    """A path as the operator reads it: relative to the project when inside it."""
    return path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path


def closed_days_file() -> Path:
    """The shop's closed days: ``closed_days.csv`` of its reference folder (shop.yml)."""
    return load_shop().reference_dir / CLOSED_DAYS_FILE


#: Most hours between a traffic table's newest record and the end of its last export day.
FRESHNESS_HOURS = 24
#: Largest share of a traffic table's daily records dated outside their export day.
OFF_DAY_SHARE = 0.05


#: How many rows that break a rule are shown to the operator.
SAMPLE_ROWS = 5
#: How many rows or days a failure's message names.
DETAIL_ROWS = 3


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
    # a query of one text column, ``detail``: a line per row or day that breaks the rule,
    # named in the failure's message
    detail: str | None = None


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
    if column.sign_rule or column.maximum is not None:
        rules.append(_domain_rule(table, column))
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


#: SQL that a value breaks, and how the rule says it, for each sign of the contract.
_SIGNS = {
    "positive": ("{v} <= 0", "positive (> 0)"),
    "non_negative": ("{v} < 0", "not negative"),
}


def _named_rows(table: Table, predicate: str, what: str) -> str:
    """A rule's detail query: a line per checked row meeting the predicate, naming it by its
    key and export day, then ``what`` (SQL text)."""
    key = " || ', ' || ".join(
        f"'{name}=' || coalesce(cast({name} as varchar), 'null')" for name in table.primary_key
    )
    return f"""
        select {key} || ' (export day ' || _partition_date || '): ' || {what} as detail
        from checked where {predicate}
    """


def _domain_rule(table: Table, column: Column) -> Rule:
    """The contract's domain of a number (its ``sign`` and ``maximum``; money is never
    negative nor absurd, ≥ 10 million on one row, except third-party market sizes): money's
    rule is bad_amount_<column>, any other number's bad_value_<column>."""
    name = column.name
    breaks, says = [], []
    if column.sign_rule:
        sql, told = _SIGNS[column.sign_rule]
        breaks.append(sql.replace("{v}", name))
        says.append(told)
    if column.maximum is not None:
        breaks.append(f"{name} > {column.maximum}")
        says.append(f"at most {column.maximum:g}")
    if column.type == "decimal" and table.source != "market":
        breaks.append(f"{name} >= {ABSURD_AMOUNT}")
        says.append(f"below {ABSURD_AMOUNT:,}")
    predicate = f"{name} is not null and ({' or '.join(breaks)})"
    rule = _row_rule(
        f"bad_{'amount' if column.type == 'decimal' else 'value'}_{name}",
        f"{name} is {' and '.join(says)} (contract: sign and maximum of "
        f"{table.source}.{table.name}.{name})",
        predicate,
    )
    return replace(rule, detail=_named_rows(table, predicate, f"'{name} ' || {name}"))


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


def _null_rules(table: Table) -> list[Rule]:
    """No null where the contract does not allow one (the key has its own rule)."""
    required = [
        column.name
        for column in table.columns
        if not column.nullable and column.name not in table.primary_key
    ]
    if not required:
        return []
    predicate = " or ".join(f"{name} is null" for name in required)
    key = " || ', ' || ".join(
        f"'{name}=' || coalesce(cast({name} as varchar), 'null')" for name in table.primary_key
    )
    nulls = ", ".join(f"case when {name} is null then '{name}' end" for name in required)
    rule = _row_rule(
        "null_required",
        "columns the contract does not declare nullable hold no null (declare a column "
        "nullable: true when the shop may leave it empty)",
        predicate,
    )
    detail = f"""
        select {key} || ' (export day ' || _partition_date || '): null '
            || concat_ws(', ', {nulls}) as detail
        from checked where {predicate}
    """
    return [replace(rule, detail=detail)]


def _seed_days(path: Path, column: str) -> str:
    """The days of a seed file's date column (none when the file is missing)."""
    if not path.exists():
        return "select cast(null as date) as day where false"
    return (
        f"select cast({column} as date) as day "
        f"from read_csv('{path}', header = true, all_varchar = true)"
    )


def _calendar() -> str:
    """The promotion calendar and the closed days, one row per day (``day``,
    ``is_promotion``, ``is_closed``): the promotion campaigns' days (their latest plan), the
    festival peaks and the days the shop declared closed."""
    campaigns = f"""
        select arg_max(starts_on, updated_at) as starts_on, arg_max(ends_on, updated_at) as ends_on,
            arg_max(campaign_type, updated_at) as campaign_type
        from {RAW_SCHEMA}.campaigns group by campaign_id
    """
    return f"""(
        select day, bool_or(kind = 'promotion') as is_promotion,
            bool_or(kind = 'closed') as is_closed
        from (
            select cast(unnest(generate_series(starts_on, ends_on, interval 1 day)) as date)
                as day, 'promotion' as kind
            from ({campaigns}) where campaign_type = 'promotion' and starts_on <= ends_on
            union all
            select day, 'promotion' from ({_seed_days(FESTIVALS_SEED, "festival_date")})
            union all
            select day, 'closed' from ({_seed_days(closed_days_file(), "closed_date")})
        )
        group by day
    )"""


def _volume_days(table: Table) -> str:
    """Per checked day that is not declared closed: ``day``, ``observed`` rows and
    ``expected`` rows (null when no history counts), by the rule in the module doc."""
    lookback = 7 * VOLUME_LOOKBACK_WEEKS
    return f"""(
        with calendar as {_calendar()},
        daily as (
            select _partition_date as day, count(*) as rows from {RAW_SCHEMA}.{table.name}
            where _partition_date between (select min(day) from days) - interval {lookback} day
                and (select max(day) from days)
            group by _partition_date
        ),
        judged as (
            select days.day, coalesce(daily.rows, 0) as observed,
                coalesce(calendar.is_promotion, false) as is_promotion
            from days
            left join daily on days.day = daily.day
            left join calendar on days.day = calendar.day
            where not coalesce(calendar.is_closed, false)
        ),
        history as (
            select judged.day, daily.rows, date_diff('day', daily.day, judged.day) as back,
                row_number() over (
                    partition by judged.day, date_diff('day', daily.day, judged.day) % 7 = 0
                    order by daily.day desc
                ) as recency
            from judged
            inner join daily
                on daily.day < judged.day and daily.day >= judged.day - interval {lookback} day
            left join calendar on daily.day = calendar.day
            where not coalesce(calendar.is_closed, false)
                and (judged.is_promotion or not coalesce(calendar.is_promotion, false))
        ),
        expected as (
            select day, coalesce(
                median(rows) filter (where back % 7 = 0 and recency <= {VOLUME_WEEKS}),
                median(rows) filter (where back <= {VOLUME_FALLBACK_DAYS})
            ) as expected
            from history group by day
        )
        select judged.day, judged.observed, expected.expected
        from judged left join expected on judged.day = expected.day
    )"""


def _volume_rules(table: Table) -> list[Rule]:
    if table.volume_floor is None:
        return []
    floor = table.volume_floor
    volume_days = _volume_days(table)
    contract = _shown(CONTRACT_PATH)
    # The Poisson lower tail P(X <= observed) for a mean of ``expected`` rows, on short days.
    chance = f"""case when observed < {floor} * expected then list_sum(list_transform(
        range(0, observed + 1),
        lambda k: exp(k * ln(expected) - expected - lgamma(k + 1))
    )) end"""
    low_days = f"""
        select day, observed as observed_rows, expected as expected_rows,
            observed / expected as ratio
        from {volume_days}
        where observed < {floor} * expected and {chance} < {VOLUME_CHANCE}
    """
    detail = f"""
        select 'raw.{table.name} on ' || day || ': ' || observed_rows || ' rows, expected '
            || round(expected_rows, 1) || ' (ratio ' || round(ratio, 3) || ')' as detail
        from ({low_days}) order by day
    """
    return [
        Rule(
            "volume_ratio",
            f"each export day holds at least {floor:.0%} of its expected rows (the median of "
            f"the same weekday in recent weeks outside the promotion calendar); tune "
            f"volume_floor of {table.source}.{table.name} in {contract}, or declare a closed "
            f"day in {_shown(closed_days_file())}; a shortfall a quiet shop sees by chance "
            f"(probability at least {VOLUME_CHANCE} for its expected rows) passes",
            f"""coalesce((select min(observed / expected) from {volume_days}
                where not coalesce({chance} >= {VOLUME_CHANCE}, false)), 1)""",
            min_value=floor,
            max_value=None,
            breaking_rows=f"{low_days} order by day",
            detail=detail,
        )
    ]


def _freshness_rules(table: Table) -> list[Rule]:
    if table.volume_floor is None:
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
    if table.volume_floor is None:
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
    rules = [*_key_rules(table), *_null_rules(table)]
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


def detail(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    first_day: dt.date,
    last_day: dt.date,
    rule: Rule,
) -> str:
    """What a failed rule's message names: its first rows or days that break it, and how
    many more there are ("" for rules without a detail query)."""
    if not rule.detail:
        return ""
    lines = con.execute(
        f"{_checked(table)} select detail, count(*) over () from ({rule.detail}) "
        f"limit {DETAIL_ROWS}",
        [first_day, last_day],
    ).fetchall()
    if not lines:
        return ""
    more = lines[0][1] - len(lines)
    return "; ".join(line for line, _ in lines) + (f"; and {more} more" if more else "")


def raw_tables() -> list[Table]:
    return load_contract().tables
