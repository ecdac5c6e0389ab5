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
usually a little lower (docs/importers.md).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import duckdb

from orchestration.contract import load_contract
from orchestration.importers import common
from orchestration.importers.common import NOT_A_PAGE, Refused, Report

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
    """Every event of the file with its contract event type and the reason it is not
    imported (null for those imported)."""
    mapped = " ".join(f"when '{k}' then '{v}'" for k, v in EVENT_TYPES.items())
    return f"""
    with source as (
        select
            event_name,
            cast(event_timestamp as bigint) as event_timestamp,
            cast(make_timestamp(cast(event_timestamp as bigint)) as timestamptz) as event_at,
            user_pseudo_id,
            nullif(user_id, '') as user_id,
            {_param("page_location")} as page_location,
            nullif({_param("page_referrer")}, '') as referrer_url,
            nullif(collected_traffic_source.manual_source, '') as manual_source,
            nullif(collected_traffic_source.manual_medium, '') as manual_medium,
            nullif(collected_traffic_source.manual_campaign_name, '') as manual_campaign,
            case
                when upper(platform) in ('IOS', 'ANDROID') then 'app'
                when lower(device.category) in ('mobile', 'tablet') then lower(device.category)
                else 'desktop'
            end as device,
            nullif(ecommerce.transaction_id, '') as transaction_id,
            nullif(items[1].item_id, '') as item_id,
            case event_name {mapped} end as event_type
        from {relation}
    )
    select
        source.*,
        case
            when event_type is null
                then 'GA4 event ' || coalesce(event_name, 'without a name')
                    || ' is not a contract event'
            when event_timestamp is null then 'no event_timestamp'
            when user_pseudo_id is null or user_pseudo_id = '' then 'no user_pseudo_id'
            when page_location is null then 'no page_location parameter'
        end as refusal
    from source
    """


def _pages() -> str:
    """The page URL, page type and ``utm_*`` parameters of each distinct ``page_location``
    of the imported events (computed once per URL, not per event)."""
    url = "'^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^#]*)'"
    page_type = common.page_type_sql(common.url_path_sql("page_url"), common.load_page_types())
    return f"""
    with locations as (
        select distinct page_location from judged where refusal is null
    ),
    urls as (
        select
            page_location,
            coalesce(nullif(regexp_extract(page_location, {url}, 1), ''), '/') as page_url,
            {common.utm_sql("page_location", prefix="url_")}
        from locations
    )
    select urls.*, {page_type} as page_type from urls
    """


#: The fields that make an event's key (its id is the key's md5 and its copy number).
KEY = "user_pseudo_id, event_timestamp, event_name, page_location, transaction_id, item_id"


def _keyed() -> str:
    """The imported events (a view of ``judged``: its ``row_id``) with their page and UTM
    tags (the event's own manual campaign fields, else the URL's)."""
    return """
    select
        judged.rowid as row_id,
        judged.* exclude (refusal, manual_source, manual_medium, manual_campaign),
        pages.page_url,
        pages.page_type,
        coalesce(manual_source, pages.url_utm_source) as utm_source,
        coalesce(manual_medium, pages.url_utm_medium) as utm_medium,
        coalesce(manual_campaign, pages.url_utm_campaign) as utm_campaign
    from judged
    inner join pages using (page_location)
    where judged.refusal is null
    """


def _copies(con: duckdb.DuckDBPyConnection) -> None:
    """The table ``copies``: the copy number of each event whose key the file holds more
    than once (1, 2, ... in the order of all its fields, so that the same file gives the
    same ids); an event not listed is its key's only copy (1)."""
    con.execute(f"""create temporary table repeated as
        select hash({KEY}) as key_hash from judged where refusal is null
        group by key_hash having count(*) > 1""")
    rows = "select row_id, 1 as copy from keyed where false"
    if con.execute("select count(*) from repeated").fetchone()[0]:
        rows = f"""
        select
            row_id,
            row_number() over (
                partition by md5(concat_ws('|', {KEY})) order by {KEY}, user_id,
                    referrer_url, utm_source, utm_medium, utm_campaign, device
            ) as copy
        from keyed
        where hash({KEY}) in (select key_hash from repeated)"""
    con.execute(f"create temporary table copies as {rows}")


def _view_items() -> str:
    """Each page view's view item (the nearest of the same visitor and page within
    ``VIEW_ITEM_WINDOW_S``, the first SKU of equally near ones) and whether a view item is
    merged into a page view (``merged``), by their ``judged`` rows."""
    return f"""
    with page_views as (
        select rowid as row_id, user_pseudo_id, page_location, event_timestamp
        from judged where refusal is null and event_name = 'page_view'
    ),
    view_items as (
        select rowid as row_id, user_pseudo_id, page_location, event_timestamp, item_id
        from judged where refusal is null and event_name = 'view_item'
    ),
    pairs as (
        select
            page_views.row_id as page_view_row,
            view_items.row_id as view_item_row,
            view_items.item_id,
            abs(view_items.event_timestamp - page_views.event_timestamp) as apart
        from page_views
        inner join view_items
            on page_views.user_pseudo_id = view_items.user_pseudo_id
            and page_views.page_location = view_items.page_location
            and abs(view_items.event_timestamp - page_views.event_timestamp)
                <= {VIEW_ITEM_WINDOW_S} * 1000000
    )
    select
        page_view_row as row_id,
        arg_min(item_id, {{'apart': apart, 'item': item_id}}) as view_item_id,
        false as merged
    from pairs group by page_view_row
    union all
    select distinct view_item_row as row_id, null as view_item_id, true as merged from pairs
    """


def _events(table_columns: str) -> str:
    """The contract's events of ``keyed`` (a ``view_item`` merged into the page view of the
    same visitor and page, ``view_items``; a purchase as its order submit and its payment
    result); the events of URLs the seed says are not pages keep page_type ``NOT_A_PAGE``."""
    return f"""
    with events as (
        select
            keyed.* exclude (item_id),
            coalesce(view_item_id, keyed.item_id) as sku_id,
            null::boolean as is_success,
            md5(concat_ws('|', {KEY})) || '-' || coalesce(copies.copy, 1) as event_id
        from keyed
        left join copies using (row_id)
        left join view_items using (row_id)
        where view_items.merged is distinct from true
        union all
        select
            keyed.* exclude (item_id) replace ('payment_result' as event_type),
            null as sku_id,
            true as is_success,
            md5(concat_ws('|', {KEY})) || '-' || coalesce(copies.copy, 1) || '-paid'
                as event_id
        from keyed
        left join copies using (row_id)
        where event_name = 'purchase'
    ),
    contract as (
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
            null::bigint as page_load_ms
        from events
    )
    select {table_columns} from contract
    """


def _import_file(
    con: duckdb.DuckDBPyConnection, path: Path, landing: Path, report: Report
) -> tuple[int, list[tuple[str, int]]]:
    """Import one GA4 export file (its part file of each day it has events for)."""
    table = load_contract().table("web", "events")
    con.execute(f"create temporary table judged as {_judged(_relation(con, path))}")
    counts = con.execute(
        "select refusal, count(*) from judged group by refusal order by refusal"
    ).fetchall()
    con.execute(f"create temporary table pages as {_pages()}")
    con.execute(f"create temporary view keyed as {_keyed()}")
    _copies(con)
    con.execute(f"create temporary table view_items as {_view_items()}")
    events = f"({_events(common.contract_columns(table))})"
    skipped = [(reason, rows) for reason, rows in counts if reason is not None]
    # URLs the seed says are not pages (an asset fetched with a page_view tag)
    not_a_page = con.execute(
        f"select count(*) from {events} where page_type = '{NOT_A_PAGE}'"
    ).fetchone()[0]
    if not_a_page:
        skipped.append(("URL is not a page (page_types.csv)", not_a_page))
        events = f"(select * from {events} where page_type is distinct from '{NOT_A_PAGE}')"
    stem = common.part_name("ga4", path)
    common.write_days(con, landing, table, events, stem, "event_at", common.EVENTS_ORDER, report)
    return sum(rows for _, rows in counts), skipped


def import_ga4(inputs: list[Path], landing: Path, report: Report | None = None) -> Report:
    """Import GA4 export files into ``landing`` (one part file per input file and day)."""
    report = report or Report("ga4")
    return common.import_files(input_files(inputs), landing, report, _import_file, _refusal)


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
