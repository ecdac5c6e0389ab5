"""Incidents (marts.fct_indicator_incidents) on a shop with one injected incident of each kind.

Ten weeks from April 2025 (no promotion) at scale 0.3: four quiet weeks, then one incident
of each of the simulator's kinds (orchestration/simulator/incidents.py, ``KINDS``), three
days apart, each severe enough to move its expected root by well over 20 %; the return
spike comes first, so that the returns of its orders have arrived (and matured) by the
end. Each must give exactly one incident starting on its day or the next (the day before
too for kinds whose root is dated by order day), rooted at the kind's expected indicator and
slice. Quiet shops raise at most the benchmark's stated false-incident rate
(benchmarks/bench_incidents.py): this shop's quiet days, and the shared June shop's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.simulator.catalogue import Catalogue
from orchestration.simulator.clock import Clock
from orchestration.simulator.incidents import KINDS, Incident
from orchestration.tests.warehouse import query, shop_on_duckdb

START, DAYS, SCALE, SEED = dt.date(2025, 4, 1), 70, 0.3, 5
FIRST_INCIDENT, APART = 28, 3  # simulated day of the first incident, days between them
#: The kinds in the order they are injected, with a target and a severe magnitude.
INJECTED = (
    ("return_spike", None, 1.0),
    ("carrier_delay", "中通快递", 1.0),
    ("payment_outage", None, 1.0),
    ("warehouse_stall", "WH-SH", 1.0),
    ("runaway_ad_cost", "dy-feed", 4.0),
    ("category_stockout", "服装", 1.0),
    ("tracking_loss", "mobile", 0.6),
    ("price_error", None, 0.9),
    ("checkout_failure", "mobile", 0.8),
    ("site_slowdown", "上海", 0.5),
)
#: The benchmark's target: at most one false incident per 30 quiet days.
FALSE_INCIDENTS_PER_30_QUIET_DAYS = 1


def injected() -> list[tuple[int, Incident]]:
    """(simulated day, incident) of each kind, SKU targets named (the day's best seller)."""
    catalogue = Catalogue(SEED, SCALE, Clock(START, DAYS, "Asia/Shanghai"))
    return [
        (
            day,
            Incident(kind, START + dt.timedelta(days=day), target, magnitude).resolved(
                catalogue, START
            ),
        )
        for day, (kind, target, magnitude) in zip(
            range(FIRST_INCIDENT, DAYS, APART), INJECTED, strict=False
        )
    ]


INCIDENTS = injected()


def test_every_kind_is_injected_once_apart_from_the_others() -> None:
    assert sorted(incident.kind for _, incident in INCIDENTS) == sorted(KINDS)
    last_day = INCIDENTS[-1][0]
    assert last_day + 2 < DAYS  # its next day is in the run, and a quiet one after it


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("incidents")
    return shop_on_duckdb(root, START, DAYS, SCALE, SEED, incidents=tuple(i for _, i in INCIDENTS))


def incidents_starting(warehouse: Path, first: dt.date, last: dt.date) -> list[tuple]:
    return query(
        warehouse,
        """
        select root_indicator_code, root_slice_dimension, root_slice_value, first_day
        from marts.fct_indicator_incidents
        where first_day between ? and ?
        order by first_day, root_indicator_code
        """,
        [first, last],
    )


@pytest.mark.parametrize(("day", "incident"), INCIDENTS, ids=[i.kind for _, i in INCIDENTS])
def test_an_injected_incident_gives_one_incident_at_its_root(
    warehouse: Path, day: int, incident: Incident
) -> None:
    catalogue = Catalogue(SEED, SCALE, Clock(START, DAYS, "Asia/Shanghai"))
    code, dimension, value = incident.expected_root(catalogue, day)
    window = (
        incident.date - dt.timedelta(days=incident.spec.lead_days),
        incident.date + dt.timedelta(days=1),
    )
    found = incidents_starting(warehouse, *window)
    assert len(found) == 1, found
    ((root_code, root_dimension, root_value, _),) = found
    if incident.kind == "runaway_ad_cost":  # the placement's campaign of the half-year
        assert root_value.startswith(value), found
        value = root_value
    assert (root_code, root_dimension, root_value) == (code, dimension, value)


def quiet_days() -> list[dt.date]:
    """Days of the incident shop that no incident touches: after the first three weeks (the
    baselines' history) up to the day before the first incident's window, and from the
    third day after the last one."""
    before = range(21, FIRST_INCIDENT - 1)
    after = range(INCIDENTS[-1][0] + 3, DAYS)
    return [START + dt.timedelta(days=day) for day in [*before, *after]]


def test_quiet_days_raise_at_most_the_stated_false_incident_rate(warehouse: Path) -> None:
    days = quiet_days()
    assert len(days) == 6 + 12
    found = [row for day in days for row in incidents_starting(warehouse, day, day)]
    assert len(found) <= FALSE_INCIDENTS_PER_30_QUIET_DAYS * max(len(days) / 30, 1), found


def test_a_quiet_shop_raises_at_most_the_stated_false_incident_rate(june_shop: Path) -> None:
    current = june_shop / "current.duckdb"
    ((days,),) = query(
        current,
        "select count(distinct period_start) from marts.fct_indicator_values where grain = 'day'",
    )
    found = query(current, "select incident_id, summary from marts.fct_indicator_incidents")
    assert len(found) <= FALSE_INCIDENTS_PER_30_QUIET_DAYS * max(days / 30, 1), found
