"""Web server access logs (nginx / Apache "combined" format, optionally with nginx's
``$request_time`` appended; plain or gzipped) into ``web.events`` page views.

The combined format is documented by nginx (https://nginx.org/en/docs/http/ngx_http_log_module.html,
``log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
$body_bytes_sent "$http_referer" "$http_user_agent"'``) and Apache
(https://httpd.apache.org/docs/2.4/logs.html, "Combined Log Format"). DuckDB's CSV reader
splits the lines (gzip included) at their spaces and quotes, and the fields are checked
against the format; a line of another format refuses its whole file, naming the line
(``LINE_PATTERN``, the format as one regular expression, finds it).

A request is a page view when it is a GET answered 2xx or 3xx, its user agent is not a bot
or crawler (the crawlerdetect library, maintained with the public lists of crawler user
agents; each distinct user agent is checked once) and its path is a page by the seed
page_types.csv (static assets, health checks and APIs are not). The visitor is the hash of
client address and user agent (logs carry no cookie: two people behind one address with
the same browser are one visitor, one person on two browsers two), the page load time
``$request_time`` in milliseconds when the line has it. Logs know no customer, cart, order
or payment: those come from the shop's own exports.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import duckdb
from crawlerdetect import CrawlerDetect

from orchestration.contract import load_contract
from orchestration.importers import common
from orchestration.importers.common import NOT_A_PAGE, Refused, Report, sql_literal
from orchestration.settings import PROJECT_ROOT

#: One log line: address, identity, user, [time], "request", status, bytes, "referrer",
#: "user agent" and, optionally, the request time in seconds.
LINE_PATTERN = (
    r'^(\S+) \S+ \S+ \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\S+) '
    r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"(?: (\d+(?:\.\d+)?))?\s*$'
)
#: Devices by user agent (the contract's device classes; a crawler never gets here).
TABLET, MOBILE = r"(?i)ipad|tablet|kindle|silk|playbook", r"(?i)mobi|iphone|ipod|android"


def _site_url() -> str:
    """The shop's address as the warehouse knows it (dbt var ``shop_site_url``)."""
    import yaml

    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["shop_site_url"].rstrip("/")


#: The fields of a combined-format line read as space-separated values with quotes: the time
#: ``[10/Jun/2025:13:55:36 -0700]`` is two of them.
FIELDS = (
    "address", "identity", "user", "time", "zone", "request", "status", "bytes", "referrer",
    "agent", "seconds",
)  # fmt: skip


#: The part file of every day's page views from logs, whichever log files brought them
#: (``common.merge_days``): a rotated log imported again under another name adds nothing.
PART = "part-access-log"
#: A page view's fields that make its id (the md5 of them and a copy number): its line's.
LINE_KEY = 'address, identity, "user", event_at, request, status, bytes, referrer, agent, seconds'
_LINE_ID = f"md5(concat_ws('\x1f', {LINE_KEY}))"


def _fields(path: Path) -> str:
    """DuckDB's CSV reader on the log (gzip included): a line's fields split at its spaces,
    quoted ones whole (a backslash escapes a quote); a line it cannot split so is kept in
    ``reject_errors``; a missing request time is null."""
    columns = ", ".join(f"'{name}': 'VARCHAR'" for name in FIELDS)
    return (
        f"read_csv({sql_literal(str(path))}, columns = {{{columns}}}, header = false, "
        "delim = ' ', quote = '\"', escape = '\\', auto_detect = false, "
        "compression = 'auto', null_padding = true, allow_quoted_nulls = false, "
        "strict_mode = true, store_rejects = true)"
    )


def _first_bad_line(path: Path) -> tuple[int | None, str]:
    """The number and text of the first line of ``path`` that is not a combined-format
    line (read again in Python on the refusal path only, for its line number)."""
    import gzip
    import re

    pattern = re.compile(LINE_PATTERN)
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, 1):
            if line.strip() and not pattern.match(line.rstrip("\n")):
                return number, line.rstrip("\n")
    return None, ""


def _parsed(path: Path) -> str:
    """Every line of ``path`` that DuckDB could split, with its fields and whether they are
    a combined-format line's (``is_line``)."""
    return f"""
    with fields as (
        select
            *,
            try_strptime(substr(time, 2) || ' ' || rtrim(zone, ']'), '%d/%b/%Y:%H:%M:%S %z')
                as event_at
        from {_fields(path)}
    )
    select
        address,
        identity,
        "user",
        event_at,
        request,
        split_part(request, ' ', 1) as method,
        split_part(request, ' ', 2) as target,
        try_cast(status as integer) as status,
        nullif(referrer, '-') as referrer,
        agent,
        seconds,
        bytes,
        starts_with(time, '[') and ends_with(zone, ']') and event_at is not null
            and identity is not null and user is not null and request is not null
            and regexp_full_match(status, '[0-9]{{3}}') and bytes is not null
            and referrer is not null and agent is not null
            and (seconds is null or try_cast(seconds as double) >= 0) as is_line
    from fields
    """


def _targets() -> str:
    """The page type and ``utm_*`` parameters of each distinct request target."""
    page_type = common.page_type_sql(common.url_path_sql("target"), common.load_page_types())
    return f"""
    select target, {page_type} as page_type, {common.utm_sql("target")}
    from (select distinct target from parsed)
    """


def import_access_log(
    inputs: list[Path], landing: Path, site_url: str | None = None, report: Report | None = None
) -> Report:
    """Import access log files into ``landing`` (one part file per input file and day).

    ``site_url``: the address the server's own pages have in referrers (e.g.
    ``http://www.shop.com``); it is rewritten to the warehouse's ``shop_site_url`` so the
    warehouse sees internal navigation as such.
    """
    report = report or Report("access-log")
    own = (site_url or "").rstrip("/")
    internal = (
        f"case when starts_with(referrer, {sql_literal(own)}) then "
        f"{sql_literal(_site_url())} || substr(referrer, {len(own) + 1}) "
        "else referrer end"
        if own
        else "referrer"
    )
    import_file = partial(_import_file, CrawlerDetect(), internal)
    return common.import_files(sorted(inputs), landing, report, import_file, _read_refusal)


def _read_refusal(path: Path, error: duckdb.Error) -> Refused:
    return Refused(path, None, str(error).splitlines()[0])


def _import_file(
    detector: CrawlerDetect,
    referrer_url: str,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    landing: Path,
    report: Report,
) -> tuple[int, list[tuple[str, int]]]:
    """Import one log file (its part file of each day it has page views for); ``detector``
    judges its user agents, ``referrer_url`` is the SQL of the referrer written."""
    table = load_contract().table("web", "events")
    con.execute(f"create temporary table parsed as {_parsed(path)}")
    rows_read, bad = con.execute(
        "select count(*) + (select count(distinct line) from reject_errors), "
        "count(*) filter (where not is_line) + (select count(distinct line) from reject_errors) "
        "from parsed"
    ).fetchone()
    if bad:
        number, text = _first_bad_line(path)
        raise Refused(
            path, number, f"not a combined-format log line ({bad} such lines): {text[:120]!r}"
        )
    # each distinct user agent is judged once: crawler or not, and its device
    agents = [row[0] for row in con.execute("select distinct agent from parsed").fetchall()]
    # (bound as lists: registering an Arrow table would import pandas)
    con.execute(
        "create temporary table agent_bots as "
        "select unnest($1::varchar[]) as agent, unnest($2::boolean[]) as is_bot",
        [agents, [detector.isCrawler(agent) for agent in agents]],
    )
    con.execute(f"""create temporary table agents as
        select
            agent,
            is_bot,
            case
                when regexp_matches(agent, {sql_literal(TABLET)}) then 'tablet'
                when regexp_matches(agent, {sql_literal(MOBILE)}) then 'mobile'
                else 'desktop'
            end as device
        from agent_bots""")
    con.execute(f"create temporary table targets as {_targets()}")
    con.execute(f"""create temporary view judged as
        select
            parsed.*,
            targets.* exclude (target),
            agents.device,
            case
                when agents.is_bot then 'bot or crawler (crawlerdetect)'
                when method <> 'GET' then 'not a GET request'
                when status not between 200 and 399 then 'response not 2xx or 3xx'
                when not starts_with(target, '/') then 'request target is not a path'
                when targets.page_type is null or targets.page_type = '{NOT_A_PAGE}'
                    then 'URL is not a page (page_types.csv)'
            end as refusal
        from parsed
        inner join agents using (agent)
        inner join targets using (target)""")
    skipped = con.execute(
        "select refusal, count(*) from judged where refusal is not null "
        "group by refusal order by refusal"
    ).fetchall()
    con.execute(f"""create temporary table pages as
        select * exclude (is_line, refusal), hash({LINE_KEY}) as line_hash, 1 as copy
        from judged where refusal is null""")
    con.execute("drop view judged")
    con.execute("drop table parsed")
    # the same line twice: two page views, numbered (the copies are alike)
    con.execute(f"""update pages set copy = numbered.copy
        from (
            select rowid as row_id,
                row_number() over (partition by {_LINE_ID} order by rowid) as copy
            from pages where line_hash in (
                select line_hash from pages group by line_hash having count(*) > 1
            )
        ) as numbered
        where pages.rowid = numbered.row_id""")
    # a view: each day's file computes the ids and visitors of its own rows only
    con.execute(f"""create temporary view page_views as
        with contract as (
            select
                {_LINE_ID} || '-' || copy as event_id,
                event_at,
                md5(address || ' ' || agent) as visitor_id,
                null::varchar as customer_id,
                'page_view' as event_type,
                page_type,
                target as page_url,
                {referrer_url} as referrer_url,
                utm_source,
                utm_medium,
                utm_campaign,
                device,
                null::varchar as sku_id,
                null::varchar as order_id,
                null::boolean as is_success,
                cast(round(try_cast(nullif(seconds, '') as double) * 1000) as bigint)
                    as page_load_ms
            from pages
        )
        select {common.contract_columns(table)} from contract""")
    common.merge_days(
        con, landing, table, "page_views", PART, "event_id", common.EVENTS_ORDER, report
    )
    return rows_read, skipped
