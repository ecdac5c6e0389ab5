"""``python -m orchestration.serving.dashboard``: build the page, then serve it if asked."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.publish import published_dir
from orchestration.serving.dashboard import __doc__ as DOC
from orchestration.serving.dashboard.page import build_dashboard
from orchestration.serving.dashboard.server import serve
from orchestration.settings import PROJECT_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.serving.dashboard", description=DOC.splitlines()[0]
    )
    parser.add_argument(
        "--published",
        type=Path,
        default=published_dir(),
        help="published directory holding current.duckdb (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=PROJECT_ROOT / "dashboard",
        help="where index.html is written (default: %(default)s)",
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help="then serve it on 127.0.0.1")
    args = parser.parse_args(argv)
    try:
        page = build_dashboard(args.published, args.out)
    except (FileNotFoundError, ValueError) as error:
        parser.exit(1, f"error: {error}\n")
    print(f"wrote {page}")
    if args.serve is not None:
        serve(args.out, args.serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
