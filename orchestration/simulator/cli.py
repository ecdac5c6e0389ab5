"""Command line entry point: ``python -m orchestration.simulator`` / ``shop-simulate``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from orchestration.simulator.engine import check_arguments, simulate
from orchestration.simulator.incidents import KINDS, Incident
from orchestration.simulator.profiles import PROFILES, get_profile


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shop-simulate",
        description="Write the raw landing files of a simulated e-commerce shop.",
    )
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2025, 1, 1),
        help="first shop-local day (YYYY-MM-DD)",
    )
    parser.add_argument("--days", type=int, default=365, help="number of days to simulate")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = ~10,000 visits a day")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--out", type=Path, default=Path("landing"), help="landing root")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--profile",
        default="default",
        metavar="NAME",
        # argparse formats help with %: a profile's own "%" is escaped
        help="kind of shop to simulate; "
        + "; ".join(
            f"{name}: {profile.description.rstrip('.')}".replace("%", "%%")
            for name, profile in PROFILES.items()
        ),
    )
    parser.add_argument(
        "--incident",
        action="append",
        default=[],
        metavar="KIND@DAY[:TARGET[:MAGNITUDE[:DAYS]]]",
        help="inject an incident from a day (repeatable; see orchestration/simulator/"
        f"incidents.py); kinds: {', '.join(KINDS)}",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        check_arguments(args.days, args.scale, args.seed)
        incidents = tuple(Incident.parse(text) for text in args.incident)
        profile = get_profile(args.profile)
    except ValueError as error:
        parser.error(str(error))
    rows = simulate(
        args.out,
        args.start,
        args.days,
        args.scale,
        args.seed,
        progress=not args.no_progress,
        incidents=incidents,
        profile=profile,
    )
    total = sum(rows.values())
    print(f"wrote {total:,} rows in {len(rows)} tables to {args.out}")
    return 0
