"""Benchmark: the nightly Dagster job end to end, full rebuild and daily scheduled run.

    .venv/bin/python benchmarks/bench_refresh.py --scales 1 --days 365

Per scale, on a generated shop of ``days + 1`` days (seed 7, from 2025-01-01):
1. full rebuild: ``python -m orchestration.run`` over the first ``days`` days on an empty
   warehouse, in a child process, as a shop runs it;
2. daily run: the last day landed, and the job over it plus the late-data look-back
   (yesterday and the 7 days before), as the schedule requests it;
3. dbt alone on the same warehouse, as ``bench_scale.py`` times it: ``dbt build
   --full-refresh`` and the same build over the daily run's days.
Each pipeline run: wall time, seconds per step kind (ingest, raw gate, each dbt step, the
mart gate, publish) from the run's Dagster events, Dagster's own share (wall time less the
steps: imports, start-up, planning, event storage), dbt invocations, the ingest's rows per
second per file format, and peak resident memory of the process tree (pipeline and dbt).
Results: ``benchmarks/results/refresh.json``, one object per scale under ``scales``, with
the machine's load averages (the machine is shared) before and after, and after each run.
``--keep`` leaves each scale's shop and warehouse in ``--work``; ``--daily-only`` then runs
the daily job again on them (after a change to the job) and updates its figures.
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
import threading
import time
from pathlib import Path

from _shop import shop_environment

HERE = Path(__file__).resolve().parent
#: The project this script belongs to, not another checkout installed in the environment:
#: the pipeline processes run from it too (its code, dbt project and manifest).
sys.path.insert(0, str(HERE.parent))
#: Ingest hashes personal identifiers with a secret salt: a benchmark makes its own.
os.environ.setdefault("SHOP_PII_SALT", secrets.token_hex(16))

RESULTS = HERE / "results" / "refresh.json"
TARGETS = {
    "daily_run_s_at_scale_1": 60,
    "daily_run_s_at_scale_10": 180,
    "full_rebuild_to_dbt_full_build": 1.3,
    "ingest_rows_per_s_parquet": 1_000_000,
    "ingest_rows_per_s_csv_gbk": 300_000,
}


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, pending = 0.0, [root]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0.0)
        pending += children.get(pid, [])
    return total


def run_measured(
    command: list[str], env: dict[str, str], log: Path, cwd: Path | None = None
) -> dict[str, float]:
    """Run a command (output to ``log``); its wall seconds, peak tree memory and exit code."""
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=cwd
        )
        peak = [0.0]

        def sample() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], tree_rss_mb(process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        sampler.join()
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_gb": round(peak[0] / 1024, 2),
        "exit_code": code,
        "load_average_after": [round(value, 2) for value in os.getloadavg()],
    }


def step_kind(step: str, dbt_steps: list[str]) -> str:
    """The kind of a step of the refresh job, by its key."""
    if step in dbt_steps:
        return step
    if step.startswith("raw__") and step.endswith("raw_suite"):
        return "raw_gate"
    if step.startswith("raw__"):
        return "ingest"
    if "marts_suite" in step:
        return "mart_gate"
    if step.startswith("published"):
        return "publish"
    return step


def run_report(instance_dir: Path, wall_s: float) -> dict:
    """Seconds per step kind, dbt invocations and ingest rates of the instance's last run."""
    from dagster import DagsterEventType, DagsterInstance, RunsFilter

    from orchestration.contract import load_contract

    #: each table's file format, a CSV one with its encoding ("parquet", "csv_gbk")
    formats = {
        table.name: source.format
        + (f"_{source.csv_encoding.replace('-', '')}" if source.format == "csv" else "")
        for source in load_contract().sources
        for table in source.tables
    }
    os.environ["DAGSTER_HOME"] = str(instance_dir)
    with DagsterInstance.get() as instance:
        (run,) = instance.get_runs(RunsFilter(), limit=1)
        started: dict[str, float] = {}
        seconds: dict[str, float] = {}
        rows: dict[str, int] = {}
        dbt_steps: list[str] = []
        for entry in instance.all_logs(run.run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            step = event.step_key
            if event.event_type == DagsterEventType.STEP_START:
                started[step] = entry.timestamp
                if step.startswith("dbt_"):
                    dbt_steps.append(step)
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                seconds[step] = entry.timestamp - started[step]
            elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                metadata = event.event_specific_data.materialization.metadata
                if "rows_loaded" in metadata and step.startswith("raw__"):
                    rows[step] = metadata["rows_loaded"].value
    steps: dict[str, float] = {}
    for step, value in seconds.items():
        kind = step_kind(step, dbt_steps)
        steps[kind] = steps.get(kind, 0.0) + value
    steps["dagster_overhead"] = wall_s - sum(seconds.values())
    by_format: dict[str, list[float]] = {}
    for step, count in rows.items():
        totals = by_format.setdefault(formats[step.removeprefix("raw__")], [0, 0.0])
        totals[0] += count
        totals[1] += seconds[step]
    loaded = sum(rows.values())
    return {
        "wall_s": wall_s,
        "dbt_invocations": len(dbt_steps),
        "steps": {kind: round(value, 1) for kind, value in steps.items()},
        "rows_loaded": loaded,
        "ingest_rows_per_s": round(loaded / steps["ingest"]) if steps.get("ingest") else None,
        "ingest_rows_per_s_by_format": {
            kind: round(count / spent) if spent else None
            for kind, (count, spent) in sorted(by_format.items())
        },
    }


def pipeline(first: dt.date, last: dt.date, env: dict[str, str], root: Path, name: str) -> dict:
    """One run of the refresh job in its own process, measured."""
    instance = root / f"dagster_{name}"
    instance.mkdir()
    command = [sys.executable, "-m", "orchestration.run", "--start", str(first), "--end", str(last)]
    measured = run_measured(
        command, {**env, "DAGSTER_HOME": str(instance)}, root / f"{name}.log", cwd=HERE.parent
    )
    if measured["exit_code"] != 0:
        raise SystemExit(f"{name} failed: see {root / f'{name}.log'}")
    return {
        **run_report(instance, measured["wall_s"]),
        "peak_rss_gb": measured["peak_rss_gb"],
        "load_average_after": measured["load_average_after"],
    }


def dbt_alone(env: dict[str, str], root: Path, window: tuple[dt.date, dt.date]) -> dict:
    """bench_scale.py's dbt-only figures on the pipeline's warehouse: a full build
    (``--full-refresh``) and the build over the daily run's days."""
    from orchestration.contract import load_shop
    from orchestration.settings import PROJECT_ROOT
    from orchestration.transform import DBT, PROFILES_DIR

    command = [
        str(DBT), "build", "--project-dir", str(PROJECT_ROOT), "--profiles-dir",
        str(PROFILES_DIR), "--target-path", str(root / "dbt_target"),
    ]  # fmt: skip
    env = {**env, **load_shop().dbt_environment()}
    full = run_measured([*command, "--full-refresh"], env, root / "dbt_full.log")
    daily_env = {**env, "SHOP_WINDOW_START": str(window[0]), "SHOP_WINDOW_END": str(window[1])}
    daily = run_measured(command, daily_env, root / "dbt_daily.log")
    for name, measured in (("full", full), ("daily", daily)):
        if measured["exit_code"] != 0:
            raise SystemExit(f"dbt {name} build failed: see {root / f'dbt_{name}.log'}")
    return {"full": full, "daily": daily}


def daily_window(start: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The scheduled daily run once the day after the full rebuild's landed: that day and
    the late-data look-back before it."""
    from orchestration.jobs import late_data_lookback_days

    new_day = start + dt.timedelta(days=days)
    return new_day - dt.timedelta(days=late_data_lookback_days()), new_day


def rerun_daily(figures: dict, root: Path, start: dt.date) -> dict:
    """The daily run again on a kept shop (``--keep``) whose warehouse holds the days
    after the earlier daily run: its figures replace that run's, kept as ``earlier``."""
    if not (root / "warehouse").is_dir():
        raise SystemExit(f"no kept shop in {root}: run the benchmark with --keep first")
    name = "daily_rerun"
    shutil.rmtree(root / f"dagster_{name}", ignore_errors=True)
    env = {**os.environ, **shop_environment(root, start)}
    daily = pipeline(*daily_window(start, figures["days"]), env, root, name)
    earlier = {"daily_run_s": figures["daily_run_s"], "steps": figures["steps"]["daily_run"]}
    figures["daily_run_earlier"] = figures.get("daily_run_earlier", earlier)
    figures["daily_run_s"] = daily["wall_s"]
    figures["daily_run_to_dbt_daily_build"] = round(
        daily["wall_s"] / figures["dbt_daily_build_s"], 2
    )
    figures["peak_rss_gb"] = max(figures["peak_rss_gb"], daily["peak_rss_gb"])
    figures["daily_run_load_average_after"] = daily["load_average_after"]
    for name in ("steps", "dbt_invocations", "rows_loaded"):
        figures[name]["daily_run"] = daily[name]
    return figures


def bench(scale: float, days: int, start: dt.date, work: Path, save, keep: bool) -> dict:
    """One scale's figures; ``save`` gets them as far as measured after each stage (a run
    stopped midway leaves what it measured). ``keep``: leave the shop and its warehouse in
    ``work`` (for ``--daily-only``)."""
    from orchestration.simulator.engine import simulate

    root = work / f"scale_{scale:g}"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    env = {**os.environ, **shop_environment(root, start)}
    simulate(root / "landing", start, days + 1, scale, seed=7)
    last = start + dt.timedelta(days=days - 1)
    window = daily_window(start, days)
    full = pipeline(start, last, env, root, "full_rebuild")
    save({"days": days, "stage": "full rebuild measured", "full_rebuild": full})
    daily = pipeline(*window, env, root, "daily_run")
    save({"days": days, "stage": "daily run measured", "full_rebuild": full, "daily_run": daily})
    alone = dbt_alone(env, root, window)
    result = {
        "days": days,
        "full_rebuild_s": full["wall_s"],
        "daily_run_s": daily["wall_s"],
        "dbt_full_build_s": alone["full"]["wall_s"],
        "dbt_daily_build_s": alone["daily"]["wall_s"],
        "full_rebuild_to_dbt_full_build": round(full["wall_s"] / alone["full"]["wall_s"], 2),
        "daily_run_to_dbt_daily_build": round(daily["wall_s"] / alone["daily"]["wall_s"], 2),
        "ingest_rows_per_s": full["ingest_rows_per_s"],
        "ingest_rows_per_s_by_format": full["ingest_rows_per_s_by_format"],
        "peak_rss_gb": max(full["peak_rss_gb"], daily["peak_rss_gb"]),
        "dbt_peak_rss_gb": max(alone["full"]["peak_rss_gb"], alone["daily"]["peak_rss_gb"]),
        **{
            name: {"full_rebuild": full[name], "daily_run": daily[name]}
            for name in ("steps", "dbt_invocations", "rows_loaded")
        },
    }  # fmt: skip
    if not keep:
        shutil.rmtree(root)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    parser.add_argument("--work", type=Path, default=HERE / "work" / "refresh")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", action="store_true", help="keep the shop and its warehouse")
    parser.add_argument(
        "--daily-only", action="store_true",
        help="on the shops kept by an earlier --keep run, run the daily job again and update "
        "its figures in --output",
    )  # fmt: skip
    args = parser.parse_args()
    if args.daily_only:
        results = json.loads(args.output.read_text())
        for scale in args.scales:
            key = f"{scale:g}"
            root = args.work / f"scale_{key}"
            results["scales"][key] = rerun_daily(results["scales"][key], root, args.start)
            args.output.write_text(json.dumps(results, indent=2) + "\n")
        print(args.output.read_text())
        return
    results = {"targets": TARGETS, "machine": {"cpus": os.cpu_count()}, "scales": {}}
    results["load_average_before"] = [round(value, 2) for value in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for scale in args.scales:

        def save(figures: dict, key: str = f"{scale:g}") -> None:
            results["scales"][key] = figures
            results["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
            args.output.write_text(json.dumps(results, indent=2) + "\n")

        save(bench(scale, args.days, args.start, args.work, save, args.keep))
        print(json.dumps(results["scales"][f"{scale:g}"], indent=2), flush=True)
    print(args.output.read_text())


if __name__ == "__main__":
    main()
