"""Notifications of new incidents (orchestration/publish/notify.py): after a publish, one
JSON document per new incident to a local HTTP server (SHOP_INCIDENT_WEBHOOK) and to a
command's standard input (SHOP_INCIDENT_COMMAND); none again for an incident already sent,
none for a run that did not publish, a failed channel tried again after the next publish.

The work databases are tiny fixture tables (the published incidents and the catalog), not
a pipeline run; a run that does not publish is the publisher's own failing-run pattern
(tests/test_publish.py): a failed check, and a failure while switching versions.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publisher
from orchestration.publish.notify import STATE, publish_and_notify

CHECKS = {"dbt_build": True}
DAY = dt.date(2025, 6, 20)
#: incident_id, impact_rank, root, slice dimension, slice value, first day, last day, is_open,
#: deviation, severity, impact, explained alert count, explained indicators, runbook, summary
INCIDENTS = [
    (
        "a1", 1, "payment_conversion_rate", "payment_method", "alipay", DAY, DAY, True, -0.9,
        "critical", 5200.5, 3, "net_sales,valid_orders", "Check the payment provider.",
        "Payment conversion rate -90.0 %, explained by payment_method = alipay",
    ),
    (
        "b2", 2, "page_views", "device", "tablet", DAY - dt.timedelta(days=2),
        DAY - dt.timedelta(days=1), False, -0.5, "warning", 10.0, 0, None, "Check the tag.",
        "Page views -50.0 %, explained by device = tablet, 2 days",
    ),
    # a month before the latest day: history, not news
    (
        "c3", 3, "gmv", "all", "all", DAY - dt.timedelta(days=30), DAY - dt.timedelta(days=30),
        False, -0.4, "critical", 1.0, 0, None, "Decompose.", "GMV -40.0 % shop-wide",
    ),
]  # fmt: skip
NAMES = [
    ("payment_conversion_rate", "Payment conversion rate", "支付转化率"),
    ("page_views", "Page views", "浏览量 PV"),
    ("gmv", "GMV", "总销售额"),
]
#: The document of incident a1, every field written out.
A1 = {
    "incident_id": "a1",
    "impact_rank": 1,
    "root_indicator_code": "payment_conversion_rate",
    "root_slice_dimension": "payment_method",
    "root_slice_value": "alipay",
    "first_day": "2025-06-20",
    "last_day": "2025-06-20",
    "is_open": True,
    "deviation": -0.9,
    "severity": "critical",
    "impact_amount": 5200.5,
    "explained_alert_count": 3,
    "explained_indicators": ["net_sales", "valid_orders"],
    "runbook": "Check the payment provider.",
    "summary": "Payment conversion rate -90.0 %, explained by payment_method = alipay",
    "root_indicator_name_en": "Payment conversion rate",
    "root_indicator_name_zh": "支付转化率",
    "impact_currency": "CNY",
}


def build_work(path: Path, incidents: list[tuple]) -> None:
    """A work database whose marts hold ``incidents`` (and the catalog's names)."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema reference")
    con.execute(
        "create table marts.fct_indicator_incidents (incident_id varchar, impact_rank bigint, "
        "root_indicator_code varchar, root_slice_dimension varchar, root_slice_value varchar, "
        "first_day date, last_day date, is_open boolean, deviation double, severity varchar, "
        "impact_amount double, explained_alert_count integer, explained_indicators varchar, "
        "runbook varchar, summary varchar)"
    )
    con.executemany(
        "insert into marts.fct_indicator_incidents values "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        incidents,
    )
    con.execute(
        "create table reference.indicator_catalog "
        "(indicator_code varchar, name_en varchar, name_zh varchar)"
    )
    con.executemany("insert into reference.indicator_catalog values (?, ?, ?)", NAMES)
    con.close()


class Receiver(http.server.BaseHTTPRequestHandler):
    """Keeps each POSTed body; answers with the server's ``status``."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    """A local HTTP server on a free port."""
    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    httpd.received = []
    httpd.status = 200
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(httpd: http.server.HTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/incidents"


def ids(received: list[tuple]) -> list[str]:
    return [document["incident_id"] for _, document in received]


def test_each_new_incident_is_posted_once(
    tmp_path: Path, server: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_INCIDENT_WEBHOOK", url(server))
    work, pub = tmp_path / "work.duckdb", tmp_path / "published"
    build_work(work, INCIDENTS)

    _, notified = publish_and_notify(work, pub, run_id="run-1", checks=CHECKS)
    # the recent incidents, costliest first; the one of a month ago is not news
    assert ids(server.received) == ["a1", "b2"]
    assert server.received[0] == ("application/json", A1)
    assert server.received[1][1]["explained_indicators"] == []
    assert notified.sent == {"webhook": ["a1", "b2"]} and notified.failures == []

    # the same incidents published again: nothing new
    publish_and_notify(work, pub, run_id="run-2", checks=CHECKS)
    assert ids(server.received) == ["a1", "b2"]

    # a1 lasts another day (same id) and a new incident d4 opens: only d4 is sent
    next_day = DAY + dt.timedelta(days=1)
    lasting = (*INCIDENTS[0][:6], next_day, *INCIDENTS[0][7:])
    new = ("d4", 1, "gmv", "all", "all", next_day, next_day, True, -0.5, "critical", 9.0, 0,
           None, "Decompose.", "GMV -50.0 % shop-wide")  # fmt: skip
    build_work(work, [lasting, INCIDENTS[1], new])
    _, notified = publish_and_notify(work, pub, run_id="run-3", checks=CHECKS)
    assert ids(server.received) == ["a1", "b2", "d4"]
    assert notified.sent == {"webhook": ["d4"]}
    remembered = [json.loads(line) for line in (pub / STATE).read_text().splitlines()]
    assert [(r["incident_id"], r["channel"], r["version"]) for r in remembered] == [
        ("a1", "webhook", 1), ("b2", "webhook", 1), ("d4", "webhook", 3),
    ]  # fmt: skip


def test_a_run_that_does_not_publish_notifies_nothing(
    tmp_path: Path, server: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_INCIDENT_WEBHOOK", url(server))
    work, pub = tmp_path / "work.duckdb", tmp_path / "published"
    build_work(work, INCIDENTS)
    with pytest.raises(publisher.ChecksFailed):
        publish_and_notify(work, pub, run_id="run-1", checks={"dbt_build": True, "ge": False})

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("simulated failure in _switch_current")

    with monkeypatch.context() as patch:
        patch.setattr(publisher, "_switch_current", fail)
        with pytest.raises(OSError, match="simulated failure"):
            publish_and_notify(work, pub, run_id="run-2", checks=CHECKS)
    assert server.received == []
    assert not (pub / STATE).exists()

    # the next run that publishes sends them
    publish_and_notify(work, pub, run_id="run-3", checks=CHECKS)
    assert ids(server.received) == ["a1", "b2"]


def test_the_command_reads_each_document_and_a_failed_channel_is_tried_again(
    tmp_path: Path, server: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out = tmp_path / "page.py", tmp_path / "paged.jsonl"
    script.write_text(
        "import pathlib, sys\n"
        f"with pathlib.Path({str(out)!r}).open('ab') as f:\n"
        "    f.write(sys.stdin.buffer.read() + b'\\n')\n"
    )
    monkeypatch.setenv("SHOP_INCIDENT_COMMAND", f"{sys.executable} {script}")
    monkeypatch.setenv("SHOP_INCIDENT_WEBHOOK", url(server))
    server.status = 500
    work, pub = tmp_path / "work.duckdb", tmp_path / "published"
    build_work(work, INCIDENTS)

    _, notified = publish_and_notify(work, pub, run_id="run-1", checks=CHECKS)
    paged = [json.loads(line) for line in out.read_text().splitlines()]
    assert paged[0] == A1 and [d["incident_id"] for d in paged] == ["a1", "b2"]
    assert notified.sent == {"command": ["a1", "b2"]}
    assert len(notified.failures) == 2 and "HTTP Error 500" in notified.failures[0]

    # the webhook answers again: it gets both, the command nothing more
    server.status = 200
    _, notified = publish_and_notify(work, pub, run_id="run-2", checks=CHECKS)
    assert notified.sent == {"webhook": ["a1", "b2"]} and notified.failures == []
    assert len(out.read_text().splitlines()) == 2
    assert ids(server.received) == ["a1", "b2", "a1", "b2"]  # two refused, then two accepted
