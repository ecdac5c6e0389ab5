"""Web server access logs (nginx / Apache "combined" format, optionally with nginx's
``$request_time`` appended; plain or gzipped) into ``web.events`` page views.

The combined format is documented by nginx (https://nginx.org/en/docs/http/ngx_http_log_module.html,
``log_format combined '$remote_addr - $remote_user [$time_local] "$request" $status
$body_bytes_sent "$http_referer" "$http_user_agent"'``) and Apache
(https://httpd.apache.org/docs/2.4/logs.html, "Combined Log Format"). DuckDB reads the
lines (gzip included) and splits them with one regular expression; a line of another
format refuses its whole file, naming the line.

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

from pathlib import Path

import duckdb
import pyarrow as pa
from crawlerdetect import CrawlerDetect

from orchestration.contract import load_contract
from orchestration.importers.common import (
    NOT_A_PAGE,
    Refused,
    Report,
    load_page_types,
    page_type_sql,
    part_name,
    sql_literal,
    write_table,
)
from orchestration.importers.ga4 import READ_ERRORS
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


def _lines(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    return (
        f"read_csv('{quoted}', columns = {{'line': 'VARCHAR'}}, header = false, "
        "delim = '\\0', quote = '', escape = '', auto_detect = false, "
        "compression = 'auto', null_padding = false, strict_mode = false)"
    )


def _first_bad_line(path: Path) -> tuple[int, str]:
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
    return 0, ""


def import_access_log(
    inputs: list[Path], landing: Path, site_url: str | None = None, report: Report | None = None
) -> Report:
    """Import access log files into ``landing`` (one part file per input file and day).

    ``site_url``: the address the server's own pages have in referrers (e.g.
    ``http://www.shop.com``); it is rewritten to the warehouse's ``shop_site_url`` so the
    warehouse sees internal navigation as such.
    """
    report = report or Report("access-log")
    table = load_contract().table("web", "events")
    page_types = load_page_types()
    detector = CrawlerDetect()
    warehouse_site = _site_url()
    for path in sorted(inputs):
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        try:
            con.execute(
                f"""create temporary table parsed as
                select line, regexp_extract(line, {sql_literal(LINE_PATTERN)},
                    ['address', 'time', 'request', 'status', 'bytes', 'referrer', 'agent',
                     'seconds']) as f
                from {_lines(path)} where trim(line) <> ''"""
            )
            rows_read, bad = con.execute(
                "select count(*), count(*) filter (where f.address = '') from parsed"
            ).fetchone()
            if bad:
                number, text = _first_bad_line(path)
                raise Refused(
                    path,
                    number,
                    f"not a combined-format log line ({bad} such lines): {text[:120]!r}",
                )
            agents = [
                row[0] for row in con.execute("select distinct f.agent from parsed").fetchall()
            ]
            bots = pa.table(
                {"agent": [a for a in agents if detector.isCrawler(a)]},
                schema=pa.schema([("agent", pa.string())]),
            )
            con.register("bots", bots)
            own = (site_url or "").rstrip("/")
            internal = (
                f"case when starts_with(referrer, {sql_literal(own)}) then "
                f"{sql_literal(warehouse_site)} || substr(referrer, {len(own) + 1}) "
                "else referrer end"
                if own
                else "referrer"
            )
            path_expression = "regexp_replace(target, '[?#].*$', '')"
            con.execute(
                f"""create temporary table judged as
                with requests as (
                    select
                        line,
                        f.address as address,
                        strptime(f.time, '%d/%b/%Y:%H:%M:%S %z') as requested_at,
                        split_part(f.request, ' ', 1) as method,
                        split_part(f.request, ' ', 2) as target,
                        cast(f.status as integer) as status,
                        nullif(f.referrer, '-') as referrer,
                        f.agent as agent,
                        try_cast(nullif(f.seconds, '') as double) as seconds
                    from parsed
                )
                select
                    requests.*,
                    {page_type_sql(path_expression, page_types)} as page_type,
                    case
                        when agent in (select agent from bots) then 'bot or crawler (crawlerdetect)'
                        when method <> 'GET' then 'not a GET request'
                        when status not between 200 and 399 then 'response not 2xx or 3xx'
                        when not starts_with(target, '/') then 'request target is not a path'
                    end as refusal
                from requests"""
            )
            con.execute(
                f"""update judged set refusal = 'URL is not a page (page_types.csv)'
                where refusal is null and (page_type is null or page_type = '{NOT_A_PAGE}')"""
            )
            skipped = con.execute(
                "select refusal, count(*) from judged where refusal is not null "
                "group by refusal order by refusal"
            ).fetchall()
            data = con.sql(
                f"""
                with pages as (
                    select *, md5(line) as line_key from judged where refusal is null
                )
                select
                    line_key || '-' || row_number() over (partition by line_key) as event_id,
                    timezone('UTC', requested_at) as event_at,
                    md5(address || ' ' || agent) as visitor_id,
                    null::varchar as customer_id,
                    'page_view' as event_type,
                    page_type,
                    target as page_url,
                    {internal} as referrer_url,
                    nullif(url_decode(regexp_extract(target, '[?&]utm_source=([^&#]*)', 1)), '')
                        as utm_source,
                    nullif(url_decode(regexp_extract(target, '[?&]utm_medium=([^&#]*)', 1)), '')
                        as utm_medium,
                    nullif(url_decode(regexp_extract(target, '[?&]utm_campaign=([^&#]*)', 1)), '')
                        as utm_campaign,
                    case
                        when regexp_matches(agent, {sql_literal(TABLET)}) then 'tablet'
                        when regexp_matches(agent, {sql_literal(MOBILE)}) then 'mobile'
                        else 'desktop'
                    end as device,
                    null::varchar as sku_id,
                    null::varchar as order_id,
                    null::boolean as is_success,
                    cast(round(seconds * 1000) as bigint) as page_load_ms
                from pages
                order by event_id
                """
            ).to_arrow_table()
        except Refused as refusal:
            report.refused_files.append(refusal)
            continue
        except READ_ERRORS as error:
            report.refused_files.append(Refused(path, None, str(error).splitlines()[0]))
            continue
        finally:
            con.close()
        report.rows_read += rows_read
        for reason, rows in skipped:
            report.skipped[reason] += rows
        stem = part_name("access-log", path)
        write_table(landing, table, data, stem, "event_at", report, sorted_by_key=True)
    return report
