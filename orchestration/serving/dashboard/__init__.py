"""The indicator dashboard: one static HTML page built from the published warehouse.

    python -m orchestration.serving.dashboard                   # writes dashboard/index.html
    python -m orchestration.serving.dashboard --serve 8000      # then serves it on 127.0.0.1

The page reads only the published version (``<published_dir>/current.duckdb``, opened
read-only) and shows, for a shop manager:

* first the open incidents of ``marts.fct_indicator_incidents`` (one per cause, costliest
  first) with their root, net sales against the baseline and the root's runbook;
* the open alerts of ``marts.fct_indicator_alerts`` (those of the last loaded day) with their
  runbook;
* the five indicator families of ``reference.indicator_catalog``, each with its headline
  indicators at the latest complete day, ISO week and month (a provisional value marked
  "provisional"), the change against the period before and a trend chart, and a table of
  all its shop-wide indicators;
* the driver decomposition of the last change of GMV, net sales and gross profit
  (``marts.fct_indicator_decomposition``).

A period is complete when it lies within the loaded days. A change is relative (``+3.4%``)
except for indicators shown as percentages, whose change is in percentage points; it is not
shown when the previous period has no value, or when it began before the first loaded day
for an indicator computed from daily data (that week or month is only partly loaded).

The charts are Altair (Vega-Lite) specifications rendered to inline SVG at build time by
vl-convert, so the page needs no JavaScript, no network and no server: open the file, mail
it or put it on any static host. Every number a tile or table shows carries what it is as
data attributes, for tools and tests that read the page::

    <span class="kpi" data-indicator="gmv" data-grain="month" data-period="2025-06-01"
          data-value="167123.62">¥167,123.62</span>
    <span class="change" data-indicator="gmv" data-grain="month" data-period="2025-06-01"
          data-previous-period="2025-05-01" data-previous-value="..." data-change="0.034"
          data-change-kind="relative">+3.4%</span>

``data-change`` is ``value / previous - 1`` for kind ``relative`` and ``value - previous``
for kind ``points``; it is empty (and the text ``n/a``) when no change is shown.

The package by concern: ``readers`` (SQL over the published version), ``model`` (the view
model and how values are written), ``charts`` (Altair → SVG), ``page`` (the Jinja template,
``build_dashboard``), ``server`` and ``__main__`` (the command line).
"""

from __future__ import annotations

from orchestration.serving.dashboard.model import format_value
from orchestration.serving.dashboard.page import build_dashboard

__all__ = ["build_dashboard", "format_value"]
