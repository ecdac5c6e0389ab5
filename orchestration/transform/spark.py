"""The dbt project on Apache Spark, in this process (dbt-spark, ``method: session``).

    python -m orchestration.transform.spark WAREHOUSE.duckdb SPARK_HOME_DIR

copies the raw tables of a DuckDB warehouse into a local Spark catalog (Parquet files under
SPARK_HOME_DIR, the catalog itself in memory) and runs ``dbt build --target spark`` on them, in one
process, so that Spark starts once. On a cluster, raw tables are loaded there by the shop's
own ingest and only the profile's ``spark`` output changes (method thrift, or Databricks).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner
from pyspark.sql import SparkSession

from orchestration.contract import RAW_SCHEMA
from orchestration.ingest.loader import COPIED_TABLES
from orchestration.settings import PROJECT_ROOT
from orchestration.transform import PROFILES_DIR


def local_spark(home: Path) -> SparkSession:
    """A Spark session on this machine (local[2], no UI, UTC), its tables' files under ``home``:
    dbt-spark's session method takes this session over (the profile's static settings,
    such as the warehouse directory, then give way to these). The catalog lives in memory:
    the session builds and tests every model itself, so a Hive metastore on Derby would
    only add its own start and a database round trip to every statement."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # small data, many queries: one shuffle partition, no adaptive re-planning, and
        # no code generation (compiling it costs more than it saves on small tables)
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.warehouse.dir", str(home / "spark-warehouse"))
        # DuckDB writes timestamps without time zone; they hold UTC
        .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    # a failing query's plan, in full, for every failed dbt test: dbt reports the failure
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return spark


def copy_raw(spark: SparkSession, warehouse: Path, directory: Path) -> list[str]:
    """Each raw table of the DuckDB warehouse as a Parquet table ``raw.<name>`` in Spark."""
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                f"and {COPIED_TABLES} order by 1",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        for name in tables:
            (directory / name).mkdir(exist_ok=True)
            con.execute(
                f"copy {RAW_SCHEMA}.{name} to '{directory / name / 'part-0.parquet'}' "
                "(format parquet)"
            )
    finally:
        con.close()
    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for name in tables:
        spark.sql(f"drop table if exists {RAW_SCHEMA}.{name}")
        spark.sql(f"create table {RAW_SCHEMA}.{name} using parquet location '{directory / name}'")
    return tables


def dbt_on_spark(arguments: list[str], target_path: Path) -> bool:
    """dbt with the ``spark`` target in this process; True when every node succeeded."""
    result = dbtRunner().invoke(
        [
            *arguments,
            "--target",
            "spark",
            "--project-dir",
            str(PROJECT_ROOT),
            "--profiles-dir",
            str(PROFILES_DIR),
            "--target-path",
            str(target_path),
        ]
    )
    return result.success


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path, help="DuckDB warehouse whose raw tables to use")
    parser.add_argument("home", type=Path, help="directory for Spark's tables and dbt's target")
    args = parser.parse_args(argv)
    spark = local_spark(args.home)
    copy_raw(spark, args.warehouse, args.home / "raw")
    return 0 if dbt_on_spark(["build"], args.home / "dbt_target") else 1


if __name__ == "__main__":
    sys.exit(main())
