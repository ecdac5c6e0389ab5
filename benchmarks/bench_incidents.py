"""Benchmark: incidents found against labelled, injected ones.

    .venv/bin/python benchmarks/bench_incidents.py --days 365 --incidents 60 --seed 1

1. Labels: ``--incidents`` incidents of the simulator's kinds (orchestration/simulator/
   incidents.py, ``KINDS``) in turn, at random days after a warm-up of five weeks (the
   baselines need history), each in its own stretch of the year with at least
   ``QUIET_AFTER`` quiet days after it; a random target of its kind and a random effect on
   its expected root indicator: subtle (5-10 %), moderate (10-20 %) or severe (20-70 %), its
   magnitude derived from the effect through the kind's table (capped where the kind cannot
   move its root so far: a SKU's share of its category, a share of at most 1); one day
   mostly, two or three now and then. Written to ``labels.json`` beside the shop. A
   category stock-out, and a price error that empties its SKU's stock, last until the
   supplier restocks (``recovery_days``: the category's supplier lead time and its jitter):
   those days are not quiet.
   The shop's own random availability dips (the storefront's outage windows, 10-60
   minutes on about 12 % of days: ``market_monitoring.outages``) are real events too: they
   are listed beside the labels (``availability_dips``); an incident at site availability
   on a dip's day or the next is neither counted as found nor as false, and those days are
   not quiet.
2. The shop is simulated with them and the whole pipeline runs over it (``python -m
   orchestration.run``, one full run in a child process, its own landing, warehouse and
   published folders under ``--work``; ``--without-dagster``: ingest, raw gate and dbt's
   seeds and models only, no Dagster run and no dbt tests, for a loaded machine).
   ``--reuse --rebuild-indicators`` rebuilds the indicator catalog and its models (values,
   expected ranges, alerts, incidents) on a shop already built, to score alert settings.
3. Scoring, per detector, against the labels: an incident is *found* when the detector has
   an incident rooted at the label's root indicator whose first day is the label's first
   day or the day after (or the day before for kinds whose root is dated by order day, see
   ``Kind.lead_days``); its root is *right* when the slice is the label's too (top-1).
   Recall over all labels, over severe (effect >= 20 %) and moderate (10-20 %) ones and
   per kind, leaving out labels whose root is still provisional at the end of the run
   (``maturity_days`` of the catalog: a return spike of the last five weeks), counted as
   ``immature_labels``; ``*_watchable``: over labels whose root slice has the catalog's
   ``min_volume`` and whose first day, on the root series, is neither a festival's peak
   day nor its eve, nor a promotion day with fewer than three earlier days of the
   promotion (none of them raises a change alert: read from fct_indicator_expected);
   days to detect (first incident on the root indicator within two weeks, median);
   false incidents: detected incidents whose first day is a quiet day (no label or dip
   covers it or the two days before), per 30 quiet days, each listed with its root
   (``false_incident_roots``); precision: found labels over all
   incidents detected in the scored period but those of the dips (a cause split into
   several incidents counts the extra ones against it), F1.
   Detectors: the warehouse's (``marts.fct_indicator_incidents``; while that table does not
   exist, ``marts.fct_indicator_alerts`` grouped per indicator and run of consecutive days,
   rooted at the slice of the largest deviation) and a baseline as Elementary's anomaly
   tests build it: per indicator and slice (those the catalog alerts on, day grain), the
   z-score of the day against the same weekday's 14 previous values (``seasonality:
   day_of_week``), |z| >= 3, grouped the same way.
Results: ``benchmarks/results/incidents.json`` (every figure, per kind, per detector; the
issue's figures at the top level).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from _shop import shop_environment

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
#: Ingest hashes personal identifiers with a secret salt: a benchmark makes its own.
os.environ.setdefault("SHOP_PII_SALT", secrets.token_hex(16))

from orchestration.indicator_catalog import load_catalog  # noqa: E402
from orchestration.simulator.catalogue import Catalogue  # noqa: E402
from orchestration.simulator.clock import Clock  # noqa: E402
from orchestration.simulator.incidents import KINDS, SKU_KINDS, Incident  # noqa: E402
from orchestration.simulator.market_monitoring import outages  # noqa: E402

RESULTS = HERE / "results" / "incidents.json"
#: How the shop was built, written beside it (read back by --reuse).
BUILD_RECORD = "build.json"
BUILD_WITHOUT_DAGSTER = "ingest, raw gate, dbt seeds and models (no Dagster run)"
START = dt.date(2025, 1, 1)
WARM_UP_DAYS = 35  # five weeks of history before the first incident
QUIET_AFTER = 2  # quiet days at least after each incident
#: Effect classes: share of the labels and range of the relative effect on the root.
EFFECTS = {"subtle": (0.2, 0.05, 0.10), "moderate": (0.4, 0.10, 0.20), "severe": (0.4, 0.20, 0.70)}
DURATIONS = ((1, 0.7), (2, 0.2), (3, 0.1))
DETECT_WITHIN_DAYS = 14
BASELINE_HISTORY, BASELINE_Z = 14, 3.0
TARGETS = {
    "recall_severe": 0.95,
    "recall_moderate": 0.8,
    "false_incidents_per_30_quiet_days": 1.0,
    "root_cause_top1": 0.9,
}


def kind_targets(kind: str) -> list[str] | None:
    """Every target an incident of this kind may take (None: it takes none or a SKU)."""
    from orchestration.simulator.customers import DEVICES
    from orchestration.simulator.market_monitoring import PROBE_LOCATIONS
    from orchestration.simulator.marketing import AD_PLACEMENTS
    from orchestration.simulator.reference import CARRIERS, CATEGORIES, WAREHOUSES

    return {
        "warehouse_stall": [w.warehouse_id for w in WAREHOUSES],
        "runaway_ad_cost": [a.code for a in AD_PLACEMENTS],
        "category_stockout": [c.name for c in CATEGORIES],
        "tracking_loss": list(DEVICES),
        "checkout_failure": list(DEVICES),
        "carrier_delay": [name for carriers in CARRIERS.values() for name, _ in carriers],
        "site_slowdown": list(PROBE_LOCATIONS),
    }.get(kind)


def draw_labels(days: int, count: int, seed: int, scale: float) -> list[dict]:
    """The injected incidents and what each is expected to move (see the module doc)."""
    rng = np.random.default_rng(seed)
    clock = Clock(START, days, "Asia/Shanghai")
    catalogue = Catalogue(seed, scale, clock)
    stretch = (days - WARM_UP_DAYS - 1) / count
    if stretch < 1 + QUIET_AFTER:
        raise SystemExit(f"{count} incidents do not fit in {days} days with quiet days between")
    kinds = list(KINDS)
    order = [kinds[i % len(kinds)] for i in range(count)]
    rng.shuffle(order)
    classes = list(EFFECTS)
    labels = []
    for n, kind in enumerate(order):
        spec = KINDS[kind]
        begin = WARM_UP_DAYS + round(n * stretch)
        room = WARM_UP_DAYS + round((n + 1) * stretch) - begin - QUIET_AFTER
        duration = int(rng.choice([d for d, _ in DURATIONS], p=[p for _, p in DURATIONS]))
        duration = max(1, min(duration, room - spec.lead_days))
        day = (
            begin
            + spec.lead_days
            + int(rng.integers(0, max(room - duration - spec.lead_days, 0) + 1))
        )
        effect_class = classes[rng.choice(len(classes), p=[EFFECTS[c][0] for c in classes])]
        _, low, high = EFFECTS[effect_class]
        wanted = float(rng.uniform(low, high))
        targets = kind_targets(kind)
        if targets is not None:
            target = str(rng.choice(targets))
        elif kind in SKU_KINDS:
            value = catalogue.demand_weights(day) * catalogue.list_price
            top = np.argsort(value)[::-1][:20]
            target = str(catalogue.sku_ids[int(rng.choice(top))])
        else:
            target = None
        magnitude = wanted / abs(spec.effect)
        if kind == "price_error":  # the cut whose expected effect is the one wanted
            low, high = 0.01, 0.95
            for _ in range(30):
                middle = (low + high) / 2
                probe = Incident(kind, clock.date(day), target, middle)
                if abs(probe.expected_effect(catalogue, day)) < wanted:
                    low = middle
                else:
                    high = middle
            magnitude = high
        if kind != "runaway_ad_cost":
            magnitude = min(magnitude, 1.0)
        incident = Incident(kind, clock.date(day), target, round(magnitude, 4), duration)
        indicator, dimension, value = incident.expected_root(catalogue, day)
        effect = incident.expected_effect(catalogue, day)
        labels.append(
            {
                "kind": kind,
                "first_day": str(incident.date),
                "days": duration,
                "last_day": str(incident.date + dt.timedelta(days=duration - 1)),
                "lead_days": spec.lead_days,
                "recovery_days": incident.recovery_days(catalogue),
                "target": target,
                "magnitude": incident.magnitude,
                "root_indicator_code": indicator,
                "root_slice_dimension": dimension,
                "root_slice_value": value,
                "expected_effect": round(effect, 4),
                "effect_class": effect_bucket(effect),
                "incident": incident,
            }
        )
    return labels


def effect_bucket(effect: float) -> str:
    size = abs(effect)
    return "severe" if size >= 0.2 else "moderate" if size >= 0.1 else "subtle"


def run_pipeline(
    root: Path, days: int, labels: list[dict], scale: float, seed: int, without_dagster: bool
) -> dict:
    """Simulate the shop with the labels' incidents and run the pipeline over it once (or
    build it without the Dagster run: ``build_only``)."""
    from orchestration.simulator.engine import simulate

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    began = time.monotonic()
    simulate(
        root / "landing", START, days, scale, seed, incidents=tuple(x["incident"] for x in labels)
    )
    simulated = time.monotonic() - began
    env = {**os.environ, **shop_environment(root, START), "DAGSTER_HOME": str(root / "dagster")}
    (root / "dagster").mkdir()
    last = START + dt.timedelta(days=days - 1)
    command = [sys.executable, "-m", "orchestration.run", "--start", str(START), "--end", str(last)]
    if without_dagster:
        command = [sys.executable, str(Path(__file__).resolve()), "--build-only", str(root)]
    began = time.monotonic()
    with (root / "pipeline.log").open("w") as log:
        code = subprocess.call(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    if code != 0:
        raise SystemExit(f"the pipeline failed (exit {code}): see {root / 'pipeline.log'}")
    built = {
        "build": BUILD_WITHOUT_DAGSTER if without_dagster else "python -m orchestration.run",
        "simulate_s": round(simulated, 1),
        "pipeline_s": round(time.monotonic() - began, 1),
    }
    (root / BUILD_RECORD).write_text(json.dumps(built))
    return built


def recorded_build(root: Path) -> dict:
    """How the shop under ``root`` was built (run_pipeline's record), for --reuse."""
    record = root / BUILD_RECORD
    return json.loads(record.read_text()) if record.exists() else {"build": "not recorded"}


def build_only(root: Path) -> None:
    """The warehouse as a full run builds it, without the Dagster run and dbt's tests (on a
    loaded machine): ingest, the raw gate (which must pass) and dbt's seeds and models."""
    from orchestration.ingest import ingest
    from orchestration.tests.warehouse import pass_raw_gate
    from orchestration.transform import run_dbt

    database = root / "warehouse" / "shop.duckdb"
    if not ingest(database, root / "landing").ok:
        raise SystemExit("ingest failed")
    pass_raw_gate(database)
    if not run_dbt(["build", "--quiet", "--resource-type", "seed", "--resource-type", "model"]):
        raise SystemExit("dbt build failed")


def rebuild_indicators(root: Path) -> None:
    """Rebuild the indicator catalog seed and every model downstream of it (values, expected
    ranges, alerts, incidents) in the shop's warehouse, in full (a changed catalog may change
    old days and the seed's columns): the catalog's alert settings applied to a shop already
    built."""
    from orchestration.transform import run_dbt

    os.environ.update(shop_environment(root, START))
    selected = ["--select", "indicator_catalog+", "--resource-type", "seed", "--resource-type"]
    if not run_dbt(["build", "--quiet", "--full-refresh", *selected, "model"]):
        raise SystemExit("dbt build of the indicator models failed")


def read_warehouse(database: Path) -> dict:
    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
        alerts = con.execute("select * from marts.fct_indicator_alerts where grain = 'day'").df()
        incidents = (
            con.execute("select * from marts.fct_indicator_incidents").df()
            if "fct_indicator_incidents" in tables
            else None
        )
        # the days of each series that raise no change alert (fct_indicator_expected)
        unwatched_days = set(
            con.execute(
                """
                select indicator_code, slice_dimension, slice_value, period_start
                from marts.fct_indicator_expected
                where not is_change_watched
                """
            ).fetchall()
        )
        monitored = alerted_indicators()
        values = con.execute(
            f"""
            select indicator_code, slice_dimension, slice_value, period_start as day,
                   indicator_value, volume
            from marts.fct_indicator_values
            where grain = 'day' and indicator_value is not null
              and indicator_code in ({", ".join("?" * len(monitored))})
            """,
            monitored,
        ).df()
    finally:
        con.close()
    return {
        "alerts": alerts,
        "incidents": incidents,
        "values": values,
        "unwatched_days": unwatched_days,
    }


def alerted_indicators() -> list[str]:
    """The catalog's indicators that raise alerts (the baseline watches the same)."""
    return [e["code"] for e in load_catalog() if (e.get("alert") or {}).get("rule") != "none"]


def group_runs(rows: pd.DataFrame, score: str) -> pd.DataFrame:
    """Alert rows (indicator_code, slice_dimension, slice_value, day, ``score``) as incidents:
    one per indicator and run of consecutive days, rooted at the row of the largest
    |score| on its first day."""
    if rows.empty:
        return pd.DataFrame(
            columns=[
                "root_indicator_code",
                "root_slice_dimension",
                "root_slice_value",
                "first_day",
                "last_day",
                "rows",
            ]
        )
    rows = rows.assign(day=pd.to_datetime(rows["day"]).dt.date, size=rows[score].abs())
    found = []
    for code, group in rows.groupby("indicator_code"):
        days = sorted(set(group["day"]))
        run = [days[0]]
        for day in [*days[1:], None]:
            if day is not None and (day - run[-1]).days == 1:
                run.append(day)
                continue
            first = group[group["day"] == run[0]].sort_values("size", ascending=False).iloc[0]
            found.append(
                {
                    "root_indicator_code": code,
                    "root_slice_dimension": first["slice_dimension"],
                    "root_slice_value": first["slice_value"],
                    "first_day": run[0],
                    "last_day": run[-1],
                    "rows": int(group["day"].isin(run).sum()),
                }
            )
            run = [day]
    return pd.DataFrame(found)


def baseline_alerts(values: pd.DataFrame) -> pd.DataFrame:
    """The Elementary-style detector: z of each day's value against the same weekday's
    ``BASELINE_HISTORY`` previous values of its indicator and slice, |z| >= ``BASELINE_Z``."""
    values = values.assign(day=pd.to_datetime(values["day"]))
    values = values.assign(weekday=values["day"].dt.weekday).sort_values("day")
    keys = ["indicator_code", "slice_dimension", "slice_value", "weekday"]
    history = values.groupby(keys)["indicator_value"]
    mean = history.transform(lambda s: s.shift(1).rolling(BASELINE_HISTORY, min_periods=4).mean())
    std = history.transform(lambda s: s.shift(1).rolling(BASELINE_HISTORY, min_periods=4).std())
    z = (values["indicator_value"] - mean) / std.where(std > 0)
    flagged = values.assign(z=z)[z.abs() >= BASELINE_Z]
    return flagged[["indicator_code", "slice_dimension", "slice_value", "day", "z"]]


def warehouse_incidents(data: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    incidents = data["incidents"]
    if incidents is not None:
        incidents = incidents.assign(
            first_day=pd.to_datetime(incidents["first_day"]).dt.date,
            last_day=pd.to_datetime(incidents["last_day"]).dt.date,
        )
        return incidents, "marts.fct_indicator_incidents"
    alerts = data["alerts"].rename(columns={"period_start": "day"})
    alerts = alerts.assign(score=alerts["deviation"].fillna(0).astype(float))
    grouped = group_runs(
        alerts[["indicator_code", "slice_dimension", "slice_value", "day", "score"]], "score"
    )
    return grouped, "marts.fct_indicator_alerts grouped per indicator and run of days"


def slice_matches(label: dict, incident: pd.Series) -> bool:
    if incident["root_slice_dimension"] != label["root_slice_dimension"]:
        return False
    if label["kind"] == "runaway_ad_cost":  # the placement's campaign of the day
        return str(incident["root_slice_value"]).startswith(label["root_slice_value"])
    return incident["root_slice_value"] == label["root_slice_value"]


def observed_effect(label: dict, values: pd.DataFrame) -> tuple[float | None, float | None]:
    """The relative change of the label's root indicator and slice on its first day against
    the mean of the same weekday of the four weeks before (to compare with the expected
    effect), and the slice's volume a week before (to compare with the catalog's
    min_volume: a slice below it raises no alert)."""
    series = values[
        (values["indicator_code"] == label["root_indicator_code"])
        & (values["slice_dimension"] == label["root_slice_dimension"])
        & (
            values["slice_value"].str.startswith(label["root_slice_value"])
            if label["kind"] == "runaway_ad_cost"
            else values["slice_value"] == label["root_slice_value"]
        )
    ]
    by_day = series.groupby(pd.to_datetime(series["day"]).dt.date)
    series, volumes = by_day["indicator_value"].sum(), by_day["volume"].sum()
    first = dt.date.fromisoformat(label["first_day"])
    history = [series.get(first - dt.timedelta(weeks=w)) for w in range(1, 5)]
    history = [v for v in history if v is not None and not pd.isna(v)]
    if first not in series.index or not history or np.mean(history) == 0:
        return None, None
    volume = volumes.get(first - dt.timedelta(weeks=1))
    return (
        round(float(series[first] / np.mean(history) - 1), 4),
        None if volume is None or pd.isna(volume) else float(volume),
    )


def dip_labels(seed: int, days: int) -> list[dict]:
    """The shop's own random availability dips (the storefront's outage windows, not
    injected: orchestration/simulator/market_monitoring.py, ``outages``), as the node they
    move: site availability, shop-wide or of the checkout page, by the window's share of
    the day's probes."""
    dips = []
    for outage in outages(seed, days):
        dimension, value = ("page_type", "checkout") if outage.checkout_only else ("all", "all")
        dips.append(
            {
                "kind": "availability_dip",
                "first_day": str(START + dt.timedelta(days=outage.day)),
                "root_indicator_code": "site_availability",
                "root_slice_dimension": dimension,
                "root_slice_value": value,
                "expected_effect": round(-outage.seconds / 86_400, 4),
            }
        )
    return dips


def score(labels: list[dict], incidents: pd.DataFrame, days: int, dips: list[dict]) -> dict:
    """The figures of one detector (see the module doc)."""
    first_scored = START + dt.timedelta(days=WARM_UP_DAYS - 7)
    last_day = START + dt.timedelta(days=days - 1)
    incidents = incidents[incidents["first_day"] >= first_scored].reset_index(drop=True)
    immature = [x for x in labels if not x["mature"]]
    labels = [x for x in labels if x["mature"]]
    covered: set[dt.date] = set()
    dip_days = {dt.date.fromisoformat(x["first_day"]) for x in dips}
    covered |= dip_days | {day + dt.timedelta(days=1) for day in dip_days}
    for label in labels:
        first = dt.date.fromisoformat(label["first_day"])
        for offset in range(
            -label["lead_days"], label["days"] + max(QUIET_AFTER, label["recovery_days"])
        ):
            covered.add(first + dt.timedelta(days=offset))
    quiet_days = [
        first_scored + dt.timedelta(days=n)
        for n in range((last_day - first_scored).days + 1)
        if first_scored + dt.timedelta(days=n) not in covered
    ]
    matched: set[int] = set()
    per_label = []
    for label in labels:
        first = dt.date.fromisoformat(label["first_day"])
        on_root = incidents[incidents["root_indicator_code"] == label["root_indicator_code"]]
        lag = on_root["first_day"].map(lambda d, first=first: (d - first).days)
        window = on_root[(lag >= -label["lead_days"]) & (lag <= 1)]
        later = on_root[(lag >= -label["lead_days"]) & (lag <= DETECT_WITHIN_DAYS)]
        hit = None
        if not window.empty:
            exact = window[window.apply(lambda row, label=label: slice_matches(label, row), axis=1)]
            hit = (exact if not exact.empty else window).index[0]
            matched.add(int(hit))
        per_label.append(
            {
                "kind": label["kind"],
                "effect_class": label["effect_class"],
                # a slice below the catalog's min_volume or an unwatched day raises no alert
                "watchable": not label["below_min_volume"] and not label["on_unwatched_day"],
                "found": hit is not None,
                "root_right": hit is not None and slice_matches(label, incidents.loc[hit]),
                "days_to_detect": max(int(lag[later.index].min()), 0) if not later.empty else None,
            }
        )
    on_quiet_day = incidents[incidents["first_day"].isin(quiet_days)]
    false_incidents = len(on_quiet_day)
    # an incident on a dip's day or the next, at site availability: a real event, not false
    on_dip = incidents[
        ~incidents.index.isin(list(matched))
        & (incidents["root_indicator_code"] == "site_availability")
        & (
            incidents["first_day"].isin(dip_days)
            | incidents["first_day"].map(lambda d: d - dt.timedelta(days=1)).isin(dip_days)
        )
    ]
    found = [x for x in per_label if x["found"]]
    recall = len(found) / len(labels)
    scored = len(incidents) - len(on_dip)
    precision = len(matched) / scored if scored else 0.0

    def recall_of(rows: list[dict]) -> float | None:
        return round(sum(x["found"] for x in rows) / len(rows), 3) if rows else None

    delays = [x["days_to_detect"] for x in per_label if x["days_to_detect"] is not None]
    by_kind = {}
    for kind in KINDS:
        rows = [x for x in per_label if x["kind"] == kind]
        by_kind[kind] = {
            "labels": len(rows),
            "recall": recall_of(rows),
            "recall_severe": recall_of([x for x in rows if x["effect_class"] == "severe"]),
            "recall_moderate": recall_of([x for x in rows if x["effect_class"] == "moderate"]),
            "root_cause_top1": round(
                sum(x["root_right"] for x in rows if x["found"])
                / max(sum(x["found"] for x in rows), 1),
                3,
            ),
            "found_within_14_days": sum(x["days_to_detect"] is not None for x in rows),
            "not_watchable": sum(not x["watchable"] for x in rows),
        }
    return {
        "incidents": len(incidents),
        "incidents_on_availability_dips": len(on_dip),
        "availability_dips": len(dips),
        "immature_labels": len(immature),
        "found": len(found),
        "recall": round(recall, 3),
        "recall_severe": recall_of([x for x in per_label if x["effect_class"] == "severe"]),
        "recall_moderate": recall_of([x for x in per_label if x["effect_class"] == "moderate"]),
        "recall_subtle": recall_of([x for x in per_label if x["effect_class"] == "subtle"]),
        "recall_severe_watchable": recall_of(
            [x for x in per_label if x["effect_class"] == "severe" and x["watchable"]]
        ),
        "recall_moderate_watchable": recall_of(
            [x for x in per_label if x["effect_class"] == "moderate" and x["watchable"]]
        ),
        "precision": round(precision, 3),
        "f1": round(2 * precision * recall / (precision + recall), 3)
        if precision + recall
        else 0.0,
        "false_incidents": false_incidents,
        "quiet_days": len(quiet_days),
        "false_incidents_per_30_quiet_days": round(
            30 * false_incidents / max(len(quiet_days), 1), 2
        ),
        # what cried wolf: each false incident's first day and root
        "false_incident_roots": [
            {
                "first_day": str(row.first_day),
                "root_indicator_code": row.root_indicator_code,
                "root_slice": f"{row.root_slice_dimension} = {row.root_slice_value}",
            }
            for row in on_quiet_day.sort_values("first_day").itertuples()
        ],
        "root_cause_top1": round(sum(x["root_right"] for x in found) / max(len(found), 1), 3),
        "days_to_detect_median": float(np.median(delays)) if delays else None,
        "by_kind": by_kind,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--incidents", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="the simulator's scale (1: its default shop)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_incidents"))
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--reuse", action="store_true", help="score the shop already under --work")
    parser.add_argument(
        "--without-dagster",
        action="store_true",
        help="build the shop by ingest, raw gate and dbt's seeds and models (no Dagster run, "
        "no dbt tests)",
    )
    parser.add_argument(
        "--rebuild-indicators",
        action="store_true",
        help="with --reuse: rebuild the indicator catalog and its models first",
    )
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build_only:
        build_only(args.build_only)
        return 0

    labels = draw_labels(args.days, args.incidents, args.seed, args.scale)
    root = args.work / f"seed_{args.seed}_scale_{args.scale:g}"
    if not args.reuse:
        built = run_pipeline(root, args.days, labels, args.scale, args.seed, args.without_dagster)
    else:
        built = recorded_build(root)
    if args.reuse and args.rebuild_indicators:
        began = time.monotonic()
        rebuild_indicators(root)
        built["rebuild_indicators_s"] = round(time.monotonic() - began, 1)
    data = read_warehouse(root / "warehouse" / "shop.duckdb")
    catalog = load_catalog()
    min_volume = {e["code"]: (e.get("alert") or {}).get("min_volume", 0) for e in catalog}
    maturity = {e["code"]: e.get("maturity_days", 0) for e in catalog}
    last_day = START + dt.timedelta(days=args.days - 1)
    for label in labels:
        ripe = dt.date.fromisoformat(label["last_day"]) + dt.timedelta(
            days=maturity[label["root_indicator_code"]]
        )
        label["mature"] = ripe <= last_day
        label["observed_effect"], volume = observed_effect(label, data["values"])
        label["root_volume"] = volume
        label["below_min_volume"] = (
            volume is not None and volume < min_volume[label["root_indicator_code"]]
        )
        label["on_unwatched_day"] = (
            label["root_indicator_code"],
            label["root_slice_dimension"],
            label["root_slice_value"],
            dt.date.fromisoformat(label["first_day"]),
        ) in data["unwatched_days"]
    written = [{k: v for k, v in x.items() if k != "incident"} for x in labels]
    (root / "labels.json").write_text(json.dumps(written, ensure_ascii=False, indent=1))
    incidents, source = warehouse_incidents(data)
    dips = dip_labels(args.seed, args.days)
    ours = score(labels, incidents, args.days, dips)
    baseline = group_runs(baseline_alerts(data["values"]), "z")
    theirs = score(labels, baseline, args.days, dips)
    alert_rows = len(data["alerts"])
    folded = (
        int(data["alerts"]["incident_id"].notna().sum())
        if "incident_id" in data["alerts"].columns
        else alert_rows
    )
    result = {
        "recall_severe": ours["recall_severe"],
        "recall_moderate": ours["recall_moderate"],
        "false_incidents_per_30_quiet_days": ours["false_incidents_per_30_quiet_days"],
        "root_cause_top1": ours["root_cause_top1"],
        "days_to_detect_median": ours["days_to_detect_median"],
        "f1": ours["f1"],
        "baseline_f1": theirs["f1"],
        "alert_rows_per_incident": round(alert_rows / max(ours["incidents"], 1), 2),
        "alert_rows_folded_share": round(folded / max(alert_rows, 1), 3),
        "targets": {**TARGETS, "f1": "above baseline_f1"},
        "run": {
            "days": args.days,
            "incidents": args.incidents,
            "seed": args.seed,
            "scale": args.scale,
            "detector_source": source,
            "alert_rows": alert_rows,
            **built,
            "load_average": os.getloadavg(),
        },
        "detector": ours,
        "baseline": {
            "rule": f"z of the day vs the same weekday's {BASELINE_HISTORY} previous values, "
            f"|z| >= {BASELINE_Z:g}, per indicator and slice (day grain)",
            "alert_rows": len(baseline_alerts(data["values"])),
            **theirs,
        },
        "labels": written,
        "availability_dips": dips,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(
        json.dumps(
            {k: v for k, v in result.items() if k not in ("labels", "availability_dips")},
            ensure_ascii=False,
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
