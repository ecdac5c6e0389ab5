"""Benchmark: generate a year of the synthetic shop and load it into raw, per scale.

    .venv/bin/python benchmarks/bench_simulator_ingest.py --scales 1 10 --days 365

Each stage runs in its own child process so wall time, CPU time and peak memory (max RSS)
are the stage's alone. The ingest runs once per file format (Parquet, GBK CSV, UTF-8 CSV:
the tables of the sources delivering it), one after another into the same warehouse; each
reports its rows per second over the ingest's own time (the process's less its start and
imports) and over the process's wall time, with the load average it ran under: on a shared
machine a figure is only read beside it. Results go to
benchmarks/results/simulator_ingest.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Ingest hashes personal identifiers with a secret salt: a benchmark makes its own.
os.environ.setdefault("SHOP_PII_SALT", secrets.token_hex(16))
RESULTS = HERE / "results" / "simulator_ingest.json"


def measure(
    command: list[str], check: bool = True, rss_samples: list | None = None
) -> dict[str, float]:
    """Run a command; return its wall seconds and peak resident memory in MB (and, when
    not ``check``ed, its exit code instead of stopping on a failure). With ``rss_samples``,
    also append (unix time, resident MB) of the command every 0.2 s while it runs.

    The peak is the command's own high-water mark (``VmHWM``, read while it runs), not
    rusage's ``ru_maxrss``: Linux carries the starting process's peak over into the child
    through fork and exec, so after this process has held a large DuckDB query the child's
    ``ru_maxrss`` reports that instead of its own (20.3 GB for a daily refresh whose dbt
    never went above 7.3 GB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak: list[float] = []
    sampler = threading.Thread(
        target=sample_rss, args=(process.pid, rss_samples, peak), daemon=True
    )
    sampler.start()
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    sampler.join()
    if check and process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    # a command too short to be sampled: rusage's figure, an upper bound
    peak_mb = max(peak) if peak else usage.ru_maxrss / 1024
    result = {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(peak_mb, 1),
    }
    return result if check else {**result, "exit_code": process.returncode}


def sample_rss(pid: int, samples: list | None, peak: list) -> None:
    """Every 0.2 s until process ``pid`` ends: append its high-water resident MB to
    ``peak`` and, with ``samples``, (unix time, resident MB) to them."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            lines = status.read_text().splitlines()
        except (FileNotFoundError, ProcessLookupError):
            return
        fields = {
            line.split(":")[0]: int(line.split()[1]) / 1024
            for line in lines
            if line.startswith(("VmRSS:", "VmHWM:"))
        }
        if "VmRSS" not in fields:  # a zombie: the process has exited
            return
        peak.append(fields["VmHWM"])
        if samples is not None:
            samples.append((time.time(), fields["VmRSS"]))
        time.sleep(0.2)


def landing_size(root: Path) -> tuple[int, float]:
    files = [path for path in root.rglob("*") if path.is_file()]
    return len(files), round(sum(path.stat().st_size for path in files) / 2**20, 1)


def raw_rows(database: Path) -> int:
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw' and table_name not like '\\_%' escape '\\'"
        ).fetchall()
        return sum(
            con.execute(f"select count(*) from raw.{name}").fetchall()[0][0] for (name,) in tables
        )
    finally:
        con.close()


def file_format(source) -> str:
    """A source's file format as the benchmarks name it: parquet, csv_gbk, csv_utf8."""
    if source.format != "csv":
        return source.format
    return f"csv_{source.csv_encoding.replace('-', '')}"


def format_tables(kind: str) -> list[str]:
    from orchestration.contract import load_contract

    contract = load_contract()
    return [t.name for t in contract.tables if file_format(contract.source(t.source)) == kind]


FORMATS = ("parquet", "csv_gbk", "csv_utf8")


def ingest_format(landing: Path, database: Path, kind: str, out: Path) -> None:
    """In a child process: ingest the tables of one file format; write the ingest's own
    seconds and rows loaded to ``out``."""
    from orchestration.ingest import ingest

    tables = format_tables(kind)
    started = time.perf_counter()
    report = ingest(database, landing, tables=tables)
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(report.summary())
    rows = sum(report.rows_loaded().values())
    out.write_text(json.dumps({"tables": tables, "seconds": seconds, "rows": rows}))


def run_ingest(landing: Path, database: Path, work: Path) -> dict:
    """The ingest, one process per file format, with the figures of each and in all."""
    formats = {}
    for kind in FORMATS:
        out = work / f"ingest_{kind}.json"
        load_before = os.getloadavg()[0]
        process = measure(
            [
                sys.executable,
                __file__,
                "--ingest-format",
                kind,
                str(landing),
                str(database),
                str(out),
            ]
        )
        own = json.loads(out.read_text())
        out.unlink()
        formats[kind] = {
            "tables": own["tables"],
            "rows": own["rows"],
            "ingest_s": round(own["seconds"], 2),
            "rows_per_s": round(own["rows"] / own["seconds"]),
            **process,
            "process_rows_per_s": round(own["rows"] / process["wall_s"]),
            # the work itself, whatever else shares the cores: rows per CPU second
            "rows_per_cpu_s": round(own["rows"] / process["cpu_s"]),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    totals = {
        key: round(sum(figures[key] for figures in formats.values()), 2)
        for key in ("wall_s", "cpu_s", "ingest_s")
    }
    rows = sum(figures["rows"] for figures in formats.values())
    peak = max(figures["peak_rss_mb"] for figures in formats.values())
    return {
        **totals,
        "peak_rss_mb": peak,
        "rows_per_s": round(rows / totals["wall_s"]),
        "by_format": formats,
    }


def run_scale(scale: float, days: int, start: str, seed: int, work: Path) -> dict:
    landing, database = work / f"landing_s{scale:g}", work / f"raw_s{scale:g}.duckdb"
    shutil.rmtree(landing, ignore_errors=True)
    database.unlink(missing_ok=True)
    python = sys.executable
    simulate = measure(
        [
            python,
            "-m",
            "orchestration.simulator",
            "--start",
            start,
            "--days",
            str(days),
            "--scale",
            str(scale),
            "--seed",
            str(seed),
            "--out",
            str(landing),
            "--no-progress",
        ]
    )
    files, megabytes = landing_size(landing)
    ingest = run_ingest(landing, database, work)
    rows = raw_rows(database)
    result = {
        "scale": scale,
        "days": days,
        "landing_files": files,
        "landing_mb": megabytes,
        "rows": rows,
        "simulate": {**simulate, "rows_per_s": round(rows / simulate["wall_s"])},
        "ingest": ingest,
        "warehouse_mb": round(database.stat().st_size / 2**20, 1),
    }
    shutil.rmtree(landing, ignore_errors=True)
    database.unlink(missing_ok=True)
    return result


def main() -> None:
    if sys.argv[1:2] == ["--ingest-format"]:
        kind, landing, database, out = sys.argv[2:]
        ingest_format(Path(landing), Path(database), kind, Path(out))
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--start", default="2025-01-01")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "targets_rows_per_s": {"parquet": 1_000_000, "csv_gbk": 300_000},
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "runs": [],
    }
    for scale in args.scales:
        run = run_scale(scale, args.days, args.start, args.seed, args.work)
        results["runs"].append(run)
        print(
            f"scale {scale:g} × {args.days} days: {run['rows']:,} rows, "
            f"{run['landing_files']:,} files ({run['landing_mb']} MB)\n"
            f"  simulate {run['simulate']['wall_s']:>8.1f} s  "
            f"peak {run['simulate']['peak_rss_mb']:>8.0f} MB  "
            f"{run['simulate']['rows_per_s']:>10,} rows/s\n"
            f"  ingest   {run['ingest']['wall_s']:>8.1f} s  "
            f"peak {run['ingest']['peak_rss_mb']:>8.0f} MB  "
            f"{run['ingest']['rows_per_s']:>10,} rows/s  "
            f"(raw DuckDB file {run['warehouse_mb']} MB)\n"
            + "\n".join(
                f"    {kind:<9} {figures['rows']:>11,} rows  ingest {figures['ingest_s']:>7.1f} s "
                f"{figures['rows_per_s']:>10,} rows/s  (process {figures['wall_s']:.1f} s, "
                f"{figures['process_rows_per_s']:,} rows/s; CPU {figures['cpu_s']:.1f} s, "
                f"{figures['rows_per_cpu_s']:,} rows/CPU s; "
                f"load {figures['load_average_1min'][0]:.1f}-{figures['load_average_1min'][1]:.1f})"
                for kind, figures in run["ingest"]["by_format"].items()
            ),
            flush=True,
        )
    results["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
