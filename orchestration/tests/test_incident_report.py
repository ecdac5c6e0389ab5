"""The operator's view in the run report (orchestration/summary.py, incident_lines): the
open incidents first, costliest first, with summary, impact and the first sentence of
the runbook; closed ones of the last 30 days only counted."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.summary import incident_lines
from orchestration.tests.test_notify import INCIDENTS, build_work


def test_the_report_leads_with_the_open_incidents(tmp_path: Path) -> None:
    database = tmp_path / "published.duckdb"
    opened = ("e5", 2, "visits", "all", "all", *INCIDENTS[0][5:8], -0.3, "warning", 800.0, 0,
              None, "Check traffic. Then the tags.", "Visits -30.0 % shop-wide")  # fmt: skip
    build_work(database, [*INCIDENTS, opened])
    con = duckdb.connect(str(database), read_only=True)
    try:
        lines = incident_lines(con)
    finally:
        con.close()
    # a1 and e5 are open (a1 costs more); b2 closed the day before; c3 is a month old
    assert lines == [
        "open incidents: 2 (3 in the last 30 days; impact = net sales below their baseline)",
        "  critical Payment conversion rate -90.0 %, explained by payment_method = alipay"
        " — impact 5,200.50",
        "           → Check the payment provider.",
        "  warning  Visits -30.0 % shop-wide — impact 800.00",
        "           → Check traffic.",
    ]
