"""Command line: ``python -m orchestration.ingest`` loads landed files into raw."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from orchestration import settings
from orchestration.ingest.loader import ingest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, default=settings.landing_dir())
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path())
    parser.add_argument("--table", action="append", help="only this raw table (repeatable)")
    parser.add_argument("--start", type=dt.date.fromisoformat, help="first export day")
    parser.add_argument("--end", type=dt.date.fromisoformat, help="last export day")
    parser.add_argument(
        "--force", action="store_true", help="reload partitions whose files did not change"
    )
    args = parser.parse_args(argv)
    report = ingest(
        args.warehouse,
        args.landing,
        tables=args.table,
        start=args.start,
        end=args.end,
        force=args.force,
    )
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
