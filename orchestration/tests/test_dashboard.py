"""The indicator dashboard, read back from what a browser renders.

A small shop (35 days from 1 June 2025: the whole of June and several whole ISO weeks) is
built on DuckDB and published once. The dashboard is built from the published directory and
opened in Debian's headless Chromium, which dumps the rendered DOM and takes a screenshot.
The DOM is parsed with BeautifulSoup and every figure on it is checked against the marts,
queried independently: headline values, their change from the period before, the open
alerts with their runbook, the five families, one inline SVG per chart and nothing that a
browser would fetch from the network.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from orchestration.serving.dashboard import build_dashboard
from orchestration.tests.warehouse import query

FAMILIES = {"site_operations", "operating_environment", "sales", "marketing", "customer_value"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WINDOW = (1400, 3000)
#: Elements that load something, and attributes that point at what they load.
LOADING_TAGS = {"script", "link", "img", "iframe", "object", "embed", "audio", "video", "source"}
URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "poster", "data", "action"}
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


def text_of(tag: Tag) -> str:
    """The text of ``tag`` and its descendants, whitespace collapsed to single spaces."""
    return " ".join(tag.get_text(" ", strip=True).split())


@dataclass(frozen=True)
class Page:
    html: str
    dom: BeautifulSoup
    screenshot: Path


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).is_file():
        pytest.fail(
            "Chromium is not installed: install Debian's chromium package "
            "(apt-get install chromium, or make chromium) to test the dashboard in a browser"
        )
    return path


def run_chromium(browser: str, profile: Path, *arguments: str) -> str:
    """Run headless Chromium with a fresh profile and no network services; its stdout."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def published(june_shop: Path) -> Path:
    return june_shop


@pytest.fixture(scope="module")
def database(published: Path) -> Path:
    return published / "current.duckdb"


@pytest.fixture(scope="module")
def page(browser: str, published: Path, tmp_path_factory: pytest.TempPathFactory) -> Page:
    site = tmp_path_factory.mktemp("dashboard_site")
    index = build_dashboard(published, site)
    assert index == site / "index.html"
    assert sorted(path.name for path in site.iterdir()) == ["index.html"]
    url = index.resolve().as_uri()
    dom = run_chromium(browser, tmp_path_factory.mktemp("chromium_dom"), "--dump-dom", url)
    screenshot = site.parent / "dashboard.png"
    run_chromium(
        browser,
        tmp_path_factory.mktemp("chromium_shot"),
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        url,
    )
    return Page(index.read_text(encoding="utf-8"), BeautifulSoup(dom, "html.parser"), screenshot)


def shown(text: str) -> tuple[float, int]:
    """The number a text shows and its decimals ("¥1,234.50" → (1234.5, 2)), percent
    signs divided out ("12.34%" → (0.1234, 4))."""
    match = NUMBER.search(text)
    assert match, f"no number in {text!r}"
    digits = match.group().replace(",", "")
    decimals = len(digits.partition(".")[2])
    if "%" in text:
        return float(digits) / 100, decimals + 2
    return float(digits), decimals


def assert_shows(text: str, expected: float, what: str) -> None:
    """``text`` shows ``expected`` to its displayed rounding."""
    number, decimals = shown(text)
    tolerance = 0.5 * 10**-decimals + 1e-9 * max(1.0, abs(expected))
    assert abs(number - expected) <= tolerance, f"{what}: shows {text!r}, mart has {expected!r}"


def previous_period(grain: str, start: dt.date) -> dt.date:
    if grain == "day":
        return start - dt.timedelta(days=1)
    if grain == "week":
        return start - dt.timedelta(days=7)
    return (start.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def shop_wide_values(database: Path) -> dict[tuple[str, str, dt.date], float | None]:
    rows = query(
        database,
        """
        select indicator_code, grain, period_start, indicator_value
        from marts.fct_indicator_values where slice_dimension = 'all'
        """,
    )
    return {(code, grain, start): value for code, grain, start, value in rows}


def catalog(database: Path) -> dict[str, dict]:
    rows = query(
        database,
        "select indicator_code, family, name_en, name_zh, unit, grains, runbook "
        "from reference.indicator_catalog",
    )
    keys = ("family", "name_en", "name_zh", "unit", "grains", "runbook")
    return {row[0]: dict(zip(keys, row[1:], strict=True)) for row in rows}


def loaded_days(database: Path) -> tuple[dt.date, dt.date]:
    ((first, last),) = query(
        database,
        "select min(period_start), max(period_start) from marts.fct_indicator_values "
        "where grain = 'day'",
    )
    return first, last


def latest_complete_periods(database: Path) -> dict[str, dt.date]:
    first, last = loaded_days(database)
    rows = query(
        database,
        """
        select grain, max(period_start) from marts.fct_indicator_values
        where period_start >= ? and period_end <= ? group by grain
        """,
        [first, last],
    )
    return dict(rows)


def test_the_page_shows_the_latest_complete_periods(page: Page, database: Path) -> None:
    periods = latest_complete_periods(database)
    assert periods == {
        "day": dt.date(2025, 7, 5),
        "week": dt.date(2025, 6, 23),
        "month": dt.date(2025, 6, 1),
    }
    (header,) = page.dom.find_all("header", class_="page")
    shown_periods = {
        div["data-grain"]: dt.date.fromisoformat(div["data-period"])
        for div in header.find_all("div")
        if "data-grain" in div.attrs
    }
    assert shown_periods == periods


def test_every_headline_number_is_the_mart_value(page: Page, database: Path) -> None:
    values, indicators = shop_wide_values(database), catalog(database)
    periods = latest_complete_periods(database)
    figures = page.dom.find_all("span", class_="kpi")
    assert len(figures) > 100
    for figure in figures:
        code, grain = figure["data-indicator"], figure["data-grain"]
        period = dt.date.fromisoformat(figure["data-period"])
        what = f"{code} {grain} {period}"
        assert period == periods[grain], what
        expected = values[(code, grain, period)]
        assert expected is not None, what
        assert float(figure["data-value"]) == expected, what
        if indicators[code]["unit"] == "count":
            assert expected == int(expected), what
            assert shown(text_of(figure)) == (expected, 0), f"{what}: shows {text_of(figure)!r}"
        else:
            assert_shows(text_of(figure), expected, what)
    tiles = {tile["data-indicator"] for tile in page.dom.find_all("article", class_="tile")}
    ((overview_columns,),) = query(
        database,
        """
        select list(column_name) from information_schema.columns
        where table_schema = 'marts' and table_name = 'kpi_overview'
          and column_name not in ('grain', 'period_start', 'period_end')
        """,
    )
    assert set(overview_columns) == tiles  # the headline indicators, one list
    shown_months = {f["data-indicator"] for f in figures if f["data-grain"] == "month"}
    assert {"gmv", "net_sales", "valid_orders", "market_share"} <= shown_months


def test_every_change_is_computed_from_the_two_periods(page: Page, database: Path) -> None:
    values, indicators = shop_wide_values(database), catalog(database)
    first_day, _ = loaded_days(database)
    shown_value = {
        (f["data-indicator"], f["data-grain"]): text_of(f)
        for f in page.dom.find_all("span", class_="kpi")
    }
    changes = page.dom.find_all("span", class_="change")
    numeric = set()
    for change in changes:
        code, grain = change["data-indicator"], change["data-grain"]
        period = dt.date.fromisoformat(change["data-period"])
        previous_start = previous_period(grain, period)
        what = f"{code} {grain} {period}"
        assert change["data-previous-period"] == str(previous_start), what
        current, previous = values[(code, grain, period)], values.get((code, grain, previous_start))
        assert current is not None, f"{what}: a change without a value"
        partly_loaded = "day" in indicators[code]["grains"] and previous_start < first_day
        as_points = shown_value[(code, grain)].endswith("%")
        if previous is None or partly_loaded or (not as_points and not previous):
            assert text_of(change) == "n/a", what
            assert change["data-change"] == "", what
            continue
        expected = current - previous if as_points else current / previous - 1
        assert float(change["data-change"]) == pytest.approx(expected, rel=1e-12), what
        if as_points:
            assert text_of(change).endswith(" pp"), what
            assert_shows(text_of(change).removesuffix(" pp"), expected * 100, what)
        else:
            assert text_of(change).endswith("%"), what
            assert_shows(text_of(change), expected, what)
        numeric.add((code, grain))
    assert {("gmv", "day"), ("gmv", "week"), ("bounce_rate", "week")} <= numeric
    # June is the first loaded month: no May values for the sales indicators.
    gmv_month = [c for c in changes if (c["data-indicator"], c["data-grain"]) == ("gmv", "month")]
    assert gmv_month and all(text_of(c) == "n/a" for c in gmv_month)


def test_every_open_alert_is_shown_with_its_runbook(page: Page, database: Path) -> None:
    indicators = catalog(database)
    alerts = query(
        database,
        "select alert_key, indicator_code, indicator_value from marts.fct_indicator_alerts "
        "where is_open",
    )
    assert alerts, "the test shop should have open alerts to show"
    rows = {row["data-alert-key"]: row for row in page.dom.find_all("tr", class_="alert")}
    assert set(rows) == {key for key, _, _ in alerts}
    for key, code, value in alerts:
        row = rows[key]
        assert row["data-indicator"] == code
        assert float(row["data-value"]) == value
        group = row.find_parent("article", class_="alert-group")
        assert group is not None, key
        (runbook,) = group.find_all("p", class_="runbook")
        assert " ".join(indicators[code]["runbook"].split()) in text_of(runbook), key
        heading = text_of(group.find_all("h3")[0])
        assert indicators[code]["name_en"] in heading and indicators[code]["name_zh"] in heading


def test_the_five_families_with_english_and_chinese_names(page: Page, database: Path) -> None:
    indicators = catalog(database)
    sections = page.dom.find_all("section", class_="family")
    assert {section["data-family"] for section in sections} == FAMILIES
    assert {indicator["family"] for indicator in indicators.values()} == FAMILIES
    for section in sections:
        tiles = section.find_all("article", class_="tile")
        assert tiles, section["data-family"]
        for tile in tiles:
            indicator = indicators[tile["data-indicator"]]
            assert indicator["family"] == section["data-family"]
            heading = text_of(tile.find_all("h3")[0])
            assert indicator["name_en"] in heading and indicator["name_zh"] in heading


def test_charts_are_inline_svg_and_nothing_is_loaded(page: Page, database: Path) -> None:
    indicators = catalog(database)
    trends = page.dom.find_all("figure", class_="trend")
    charts = [*trends, *page.dom.find_all("figure", class_="contributions")]
    for chart in charts:
        assert len(chart.find_all("svg")) == 1, chart.attrs
    assert len(page.dom.find_all("svg")) == len(charts)
    for tile in page.dom.find_all("article", class_="tile"):
        if "day" in indicators[tile["data-indicator"]]["grains"]:
            assert tile.find_all("figure", class_="trend"), tile["data-indicator"]
    assert len(page.dom.find_all("figure", class_="contributions")) >= 2  # day and week
    assert "<script" not in page.html.lower()
    for tag in page.dom.find_all(True):
        assert tag.name not in LOADING_TAGS, tag.name
        for name, value in tag.attrs.items():
            if name in URL_ATTRIBUTES:
                assert value.startswith("#"), f"<{tag.name} {name}={value!r}>"
    styles = " ".join(text_of(style) for style in page.dom.find_all("style")).lower()
    assert "url(" not in styles and "@import" not in styles


def test_the_page_renders_to_a_screenshot(page: Page) -> None:
    data = page.screenshot.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == WINDOW
    assert len(data) > 100_000, "a blank page compresses to a few kilobytes"


def test_a_missing_published_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    published, site = tmp_path / "published", tmp_path / "site"
    published.mkdir()
    missing = published / "current.duckdb"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        build_dashboard(published, site)
    missing.symlink_to(published / "versions" / "shop_v000001.duckdb")  # dangling
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        build_dashboard(published, site)
    assert not site.exists()


def test_the_page_leads_with_every_open_incident(page: Page, database: Path) -> None:
    """The open incidents come first, costliest first, each with its summary, its net sales
    against the baseline and its root's runbook."""
    incidents = query(
        database,
        "select incident_id, summary, impact_amount, runbook from marts.fct_indicator_incidents "
        "where is_open order by impact_rank",
    )
    assert incidents, "the test shop should have open incidents to show"
    section = page.dom.find("section", id="incidents")
    assert section is page.dom.find("main").find("section")  # before the alerts and families
    articles = section.find_all("article")
    assert [article["data-incident"] for article in articles] == [row[0] for row in incidents]
    for article, (_, summary, impact, runbook) in zip(articles, incidents, strict=True):
        assert text_of(article.find("h3")) == " ".join(summary.split())
        assert f"net sales {'-' if impact > 0 else '+'}¥{abs(impact):,.2f}" in text_of(article)
        assert " ".join(runbook.split()) in text_of(article.find("p", class_="runbook"))
