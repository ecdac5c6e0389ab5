"""Command line: ``python -m orchestration.publish {list,current,rollback [--to N]}``.

``list`` shows every publish and rollback and which versions are still on disk, ``current``
the version readers open now, and ``rollback`` points readers back at the version before it
(or ``--to N``) in one atomic step.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from orchestration.publish.publisher import (
    CURRENT,
    PublishError,
    current_version,
    kept_versions,
    list_publications,
    published_dir,
    rollback,
    version_path,
)

COLUMNS = (
    ("version", ">7"),
    ("event", "<8"),
    ("run / from", "<24"),
    ("at (UTC)", "<19"),
    ("tables", ">6"),
    ("rows", ">14"),
    ("checks", ">6"),
    ("file", "<7"),
)


def _row(values: tuple[object, ...]) -> str:
    return "  ".join(
        f"{value!s:{spec}}" for value, (_, spec) in zip(values, COLUMNS, strict=True)
    ).rstrip()


def format_publications(directory: Path) -> str:
    """The publication log of ``directory`` as a table, oldest first."""
    records = list_publications(directory)
    current = current_version(directory)
    kept = set(kept_versions(directory))
    header = (
        f"published versions in {directory} "
        f"(current: {current or 'none'}; kept: {', '.join(map(str, sorted(kept))) or 'none'})"
    )
    if not records:
        return f"{header}\nnothing published yet"
    lines = [header, _row(tuple(name for name, _ in COLUMNS))]
    for record in records:
        version = record.get("version")
        status = "current" if version == current else "kept" if version in kept else "deleted"
        if record.get("event") == "rollback":
            values: tuple[Any, ...] = (
                version,
                "rollback",
                f"from {record.get('from_version')}",
                _time(record.get("at")),
                "",
                "",
                "",
                status,
            )
        else:
            values = (
                version,
                record.get("event", "publish"),
                record.get("run_id", ""),
                _time(record.get("published_at")),
                record.get("table_count", ""),
                f"{record.get('total_rows', 0):,}",
                len(record.get("checks", [])),
                status,
            )
        lines.append(_row(values))
    return "\n".join(lines)


def format_current(directory: Path) -> str:
    version = current_version(directory)
    if version is None:
        return f"nothing published in {directory} yet"
    published = [
        record
        for record in list_publications(directory)
        if record.get("event") == "publish" and record.get("version") == version
    ]
    lines = [f"current version: {version} ({version_path(directory, version)})"]
    if published:
        record = published[-1]
        lines.append(
            f"run {record.get('run_id')}, published {_time(record.get('published_at'))} UTC: "
            f"{record.get('table_count')} tables, {record.get('total_rows', 0):,} rows, "
            f"{len(record.get('checks', []))} checks passed"
        )
    lines.append(f"open it with: duckdb -readonly {directory / CURRENT}")
    return "\n".join(lines)


def _time(value: object) -> str:
    return str(value or "").replace("T", " ")[:19]


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--published-dir",
        type=Path,
        default=None,
        help="the published directory (default: $SHOP_PUBLISHED_DIR or warehouse/published)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.publish",
        description="Inspect published warehouse versions and roll back.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", parents=[common], help="every publish and rollback")
    commands.add_parser("current", parents=[common], help="the version readers open now")
    back = commands.add_parser(
        "rollback", parents=[common], help="point readers back at an earlier kept version"
    )
    back.add_argument(
        "--to", type=int, metavar="N", help="this version (default: the one before current)"
    )
    args = parser.parse_args(argv)
    directory = args.published_dir or published_dir()
    try:
        if args.command == "list":
            print(format_publications(directory))
        elif args.command == "current":
            print(format_current(directory))
            return 0 if current_version(directory) is not None else 1
        else:
            before = current_version(directory)
            after = rollback(directory, args.to)
            if after == before:
                print(f"version {after} is already current; nothing changed")
            else:
                print(f"rolled back: readers now open version {after} (was {before})")
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
