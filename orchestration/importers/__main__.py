"""``python -m orchestration.importers FORMAT --input ... --landing ...``: exit code 0 when
no input file was refused."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.importers.access_log import import_access_log
from orchestration.importers.ga4 import import_ga4
from orchestration.importers.shopify import import_shopify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.importers", description=__doc__)
    formats = parser.add_subparsers(dest="format", required=True)
    ga4 = formats.add_parser("ga4", help="GA4 BigQuery export (events_YYYYMMDD, Parquet or NDJSON)")
    ga4.add_argument("--input", nargs="+", type=Path, required=True, help="files or folders")
    logs = formats.add_parser("access-log", help="nginx/Apache combined access logs (or .gz)")
    logs.add_argument("--input", nargs="+", type=Path, required=True, help="log files")
    logs.add_argument("--site-url", help="the shop's own address in the log's referrers")
    shopify = formats.add_parser("shopify", help="Shopify admin Orders, Products, Customers CSV")
    shopify.add_argument("--input", type=Path, required=True, help="folder of the three exports")
    for sub in (ga4, logs, shopify):
        sub.add_argument("--landing", type=Path, required=True, help="the landing folder")
    args = parser.parse_args(argv)
    if args.format == "ga4":
        report = import_ga4(args.input, args.landing)
    elif args.format == "access-log":
        report = import_access_log(args.input, args.landing, site_url=args.site_url)
    else:
        report = import_shopify(args.input, args.landing)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
