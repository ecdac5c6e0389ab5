"""GA4's BigQuery export (the daily ``events_YYYYMMDD`` tables exported to Parquet or
newline-delimited JSON files) into ``web.events``.

Read and mapped by DuckDB in one query per file, in GA4's documented schema
(https://support.google.com/analytics/answer/7029846, "[GA4] BigQuery Export schema"):

- ``page_view`` is a page view; ``view_item`` gives the SKU of the product page view of the
  same visitor and page within ``VIEW_ITEM_WINDOW_S`` seconds (GA4 sends both on a product
  page; a ``view_item`` without its page view is written as that page view);
  ``add_to_cart`` (its first item) is an add-to-cart, ``begin_checkout`` a checkout start,
  and ``purchase`` an order submit with its ``ecommerce.transaction_id`` and a successful
  payment result (GA4 records a purchase once it is paid). Other events (``session_start``,
  ``scroll``, ``user_engagement``, ...) are not contract events: counted, not written.
- The visitor is ``user_pseudo_id`` (GA4's cookie id), the customer ``user_id``.
- The page type comes from the path of ``page_location`` (seed page_types.csv), the page URL
  is its path and query string, the referrer ``page_referrer``.
- UTM tags: ``collected_traffic_source`` (the event's own manual campaign fields), else the
  ``utm_*`` parameters of ``page_location``. ``traffic_source`` is the user's first
  acquisition, not this visit's, and is not used.
- Device: ``app`` for the iOS and Android streams, else ``device.category`` (mobile, tablet;
  anything else, smart TVs included, desktop).

GA4's ``ga_session_id`` is not read: the warehouse makes its own visits (a visitor's events
split at 30 minutes of inactivity, at shop-local midnight and when the campaign tags
change), so visits from GA4 and from logs or the shop's own tag are counted alike; GA4's
sessions do not restart at midnight nor on a new campaign, so its session count is
usually a little lower (README, "Bringing your data").
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import duckdb
import pyarrow.compute as pc

from orchestration.contract import load_contract
from orchestration.importers.common import (
    NOT_A_PAGE,
    Refused,
    Report,
    load_page_types,
    page_type_sql,
    part_name,
    write_table,
)

#: Seconds between a page_view and the view_item of the same page that names its SKU.
VIEW_ITEM_WINDOW_S = 10
#: GA4 event names and the contract's event types they become.
EVENT_TYPES = {
    "page_view": "page_view",
    "view_item": "page_view",
    "add_to_cart": "add_to_cart",
    "begin_checkout": "checkout_start",
    "purchase": "order_submit",
}
#: The columns of GA4's export that the importer needs (a file without one is refused).
REQUIRED = ("event_date", "event_timestamp", "event_name", "user_pseudo_id")
#: The GA4 columns read, as typed when reading newline-delimited JSON (BigQuery writes
#: INT64 values as strings there).
JSON_COLUMNS = {
    "event_date": "VARCHAR",
    "event_timestamp": "VARCHAR",
    "event_name": "VARCHAR",
    "event_params": "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, "
    "int_value VARCHAR, float_value DOUBLE, double_value DOUBLE))[]",
    "user_pseudo_id": "VARCHAR",
    "user_id": "VARCHAR",
    "platform": "VARCHAR",
    "device": "STRUCT(category VARCHAR)",
    "collected_traffic_source": "STRUCT(manual_source VARCHAR, manual_medium VARCHAR, "
    "manual_campaign_name VARCHAR)",
    "ecommerce": "STRUCT(transaction_id VARCHAR)",
    "items": "STRUCT(item_id VARCHAR)[]",
}
#: DuckDB's errors that mean the file is not what it should be (others are the importer's
#: own faults and are raised).
READ_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException)
SUFFIXES = (".parquet", ".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz")


def input_files(inputs: list[Path]) -> list[Path]:
    """The export files named, or found in the folders named (``events_*``)."""
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files += [p for p in sorted(path.rglob("events_*")) if p.name.endswith(SUFFIXES)]
        else:
            files.append(path)
    return files


def _param(name: str) -> str:
    return f"list_filter(event_params, lambda p: p.key = '{name}')[1].value.string_value"


def _utm(name: str, collected: str) -> str:
    from_url = (
        f"nullif(url_decode(regexp_extract(page_location, '[?&]utm_{name}=([^&#]*)', 1)), '')"
    )
    return f"coalesce(nullif(collected_traffic_source.{collected}, ''), {from_url})"


def _relation(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """The file as a relation with every column the mapping reads (absent ones null)."""
    quoted = str(path).replace("'", "''")
    if path.name.endswith(".parquet"):
        reader = f"read_parquet('{quoted}')"
        present = {row[0] for row in con.execute(f"describe select * from {reader}").fetchall()}
    else:
        columns = ", ".join(f"'{k}': '{v}'" for k, v in JSON_COLUMNS.items())
        reader = f"read_json('{quoted}', format = 'newline_delimited', columns = {{{columns}}})"
        present = set(JSON_COLUMNS)
    missing = [c for c in REQUIRED if c not in present]
    if missing:
        raise Refused(path, 1, f"not GA4's export schema: no column {', '.join(missing)}")
    nulls = ", ".join(
        f"null::{typ} as {name}" for name, typ in JSON_COLUMNS.items() if name not in present
    )
    return f"(select *{', ' + nulls if nulls else ''} from {reader})"


def _judged(relation: str) -> str:
    """Every event of the file with its contract event type, page URL and the reason it is
    not imported (null for those imported)."""
    mapped = ", ".join(f"('{k}', '{v}')" for k, v in EVENT_TYPES.items())
    return f"""
    with source as (
        select
            event_name,
            cast(event_timestamp as bigint) as event_timestamp,
            user_pseudo_id,
            nullif(user_id, '') as user_id,
            {_param("page_location")} as page_location,
            nullif({_param("page_referrer")}, '') as referrer_url,
            {_utm("source", "manual_source")} as utm_source,
            {_utm("medium", "manual_medium")} as utm_medium,
            {_utm("campaign", "manual_campaign_name")} as utm_campaign,
            case
                when upper(platform) in ('IOS', 'ANDROID') then 'app'
                when lower(device.category) in ('mobile', 'tablet') then lower(device.category)
                else 'desktop'
            end as device,
            nullif(ecommerce.transaction_id, '') as transaction_id,
            nullif(items[1].item_id, '') as item_id
        from {relation}
    ),
    typed as (
        select
            source.*,
            mapping.event_type,
            make_timestamp(event_timestamp) as event_at,
            coalesce(nullif(regexp_extract(page_location,
                '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^#]*)', 1), ''), '/') as page_url
        from source
        left join (values {mapped}) as mapping (event_name, event_type)
            on source.event_name = mapping.event_name
    ),
    judged as (
        select
            typed.*,
            case
                when event_type is null
                    then 'GA4 event ' || coalesce(event_name, 'without a name')
                        || ' is not a contract event'
                when event_timestamp is null then 'no event_timestamp'
                when user_pseudo_id is null or user_pseudo_id = '' then 'no user_pseudo_id'
                when page_location is null then 'no page_location parameter'
            end as refusal
        from typed
    )
    select * from judged
    """


def _events() -> str:
    """The contract's events from the imported rows of ``judged``."""
    path = "regexp_replace(page_url, '[?#].*$', '')"
    return f"""
    with usable as (
        select judged.*, {page_type_sql(path, load_page_types())} as page_type
        from judged where refusal is null
    ),
    keyed as (
        select
            usable.*,
            md5(concat_ws('|', user_pseudo_id, event_timestamp, event_name, page_location,
                transaction_id, item_id)) as event_key
        from usable
    ),
    numbered as (
        select keyed.*, row_number() over (partition by event_key) as copy
        from keyed
    ),
    page_views as (
        select * from numbered where event_name = 'page_view'
    ),
    view_items as (
        select * from numbered where event_name = 'view_item'
    ),
    matched as (
        select
            page_views.event_key, page_views.copy,
            arg_min(view_items.item_id,
                abs(view_items.event_timestamp - page_views.event_timestamp)) as item_id,
            list(distinct view_items.event_key || '-' || view_items.copy) as view_item_ids
        from page_views
        inner join view_items
            on page_views.user_pseudo_id = view_items.user_pseudo_id
            and page_views.page_location = view_items.page_location
            and abs(view_items.event_timestamp - page_views.event_timestamp)
                <= {VIEW_ITEM_WINDOW_S} * 1000000
        group by page_views.event_key, page_views.copy
    ),
    merged_view_items as (
        select distinct unnest(view_item_ids) as view_item_id from matched
    ),
    events as (
        select numbered.*, coalesce(matched.item_id, numbered.item_id) as sku_id,
            null::boolean as is_success, numbered.event_key || '-' || numbered.copy as event_id
        from numbered
        left join matched
            on numbered.event_name = 'page_view'
            and numbered.event_key = matched.event_key and numbered.copy = matched.copy
        where numbered.event_name not in ('view_item', 'purchase')
        union all
        select view_items.*, view_items.item_id, null,
            view_items.event_key || '-' || view_items.copy
        from view_items
        where view_items.event_key || '-' || view_items.copy
            not in (select view_item_id from merged_view_items)
        union all
        select numbered.*, null, null, numbered.event_key || '-' || numbered.copy
        from numbered where event_name = 'purchase'
        union all
        select numbered.* replace ('payment_result' as event_type), null, true,
            numbered.event_key || '-' || numbered.copy || '-paid'
        from numbered where event_name = 'purchase'
    )
    select
        event_id,
        event_at,
        user_pseudo_id as visitor_id,
        user_id as customer_id,
        event_type,
        page_type,
        page_url,
        referrer_url,
        utm_source,
        utm_medium,
        utm_campaign,
        device,
        case when event_type in ('page_view', 'add_to_cart') then sku_id end as sku_id,
        case when event_type in ('order_submit', 'payment_result') then transaction_id end
            as order_id,
        is_success,
        null::bigint as page_load_ms,
        event_name
    from events
    order by event_id
    """


def import_ga4(inputs: list[Path], landing: Path, report: Report | None = None) -> Report:
    """Import GA4 export files into ``landing`` (one part file per input file and day)."""
    report = report or Report("ga4")
    table = load_contract().table("web", "events")
    for path in input_files(inputs):
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        try:
            relation = _relation(con, path)
            con.execute(f"create temporary table judged as {_judged(relation)}")
            rows_read = con.execute("select count(*) from judged").fetchone()[0]
            skipped = con.execute(
                "select refusal, count(*) from judged where refusal is not null "
                "group by refusal order by refusal"
            ).fetchall()
            data = con.sql(_events()).to_arrow_table()
        except READ_ERRORS as error:
            report.refused_files.append(_refusal(path, error))
            continue
        except Refused as refusal:
            report.refused_files.append(refusal)
            continue
        finally:
            con.close()
        # URLs the seed says are not pages (an asset fetched with a page_view tag)
        not_a_page = pc.equal(data.column("page_type"), NOT_A_PAGE)
        if pc.sum(not_a_page).as_py():
            skipped.append(("URL is not a page (page_types.csv)", pc.sum(not_a_page).as_py()))
        data = data.filter(pc.invert(not_a_page))
        report.rows_read += rows_read
        for reason, rows in skipped:
            report.skipped[reason] += rows
        stem = part_name("ga4", path)
        write_table(
            landing, table, data.drop_columns(["event_name"]), stem, "event_at", report, True
        )
    return report


def _refusal(path: Path, error: duckdb.Error) -> Refused:
    """A DuckDB read error as the file, line and reason. The line of a newline-delimited
    JSON file is found by reading it again in Python (on this refusal path only): DuckDB
    names the line after a record cut short at the end of the file."""
    message = str(error).splitlines()[0].strip()
    if path.name.endswith(".parquet"):
        return Refused(path, None, f"not a readable Parquet file: {message}")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                json.loads(line)
            except json.JSONDecodeError as bad:
                return Refused(path, number, f"not a JSON record ({bad.msg}): {message}")
    found = re.search(r"line (\d+)", message)
    return Refused(path, int(found.group(1)) if found else None, message)
