"""Every ``SHOP_*`` environment variable of the project: the one place they are named,
defaulted, described and read.

The Python code reads them through the functions below; dbt reads its own through
``env_var`` in ``profiles/profiles.yml``, ``dbt_project.yml`` and the macros, with the same
defaults. ``VARIABLES`` lists them all, and docs/settings.md is generated from it
(``make sources``); a test fails when a ``SHOP_*`` name used anywhere in the code is not
listed, when a listed one is used nowhere, or when the docs drift. Every setting with a
default points under the project root, so the same code serves ``make run``, the tests
(which point them at temporary directories) and a shop's production deployment.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DOC = PROJECT_ROOT / "docs" / "settings.md"


@dataclass(frozen=True)
class Variable:
    """One environment variable: its default (``None``: none; a secret, or absent when
    unset), what it sets, and who reads it."""

    name: str
    default: str | None
    meaning: str
    read_by: str


#: Set by the orchestration for each dbt invocation (not by an operator).
WINDOW_START, WINDOW_END = "SHOP_WINDOW_START", "SHOP_WINDOW_END"
TEST_EVERY_ROW = "SHOP_TEST_EVERY_ROW"
#: A pipeline run of at most this many days is short (SHOP_DBT_SHORT_RUN_THREADS).
SHORT_RUN_DAYS = 31

VARIABLES: tuple[Variable, ...] = (
    Variable("SHOP_LANDING_DIR", "landing", "where the shop drops its export files", "Python"),
    Variable(
        "SHOP_WAREHOUSE_PATH", "warehouse/shop.duckdb",
        "the DuckDB work file the pipeline builds into", "Python, dbt profile",
    ),
    Variable(
        "SHOP_PUBLISHED_DIR", "warehouse/published",
        "where published versions live (`current.duckdb` and `versions/`)",
        "Python, dbt profile (`published` output)",
    ),
    Variable(
        "SHOP_SETTINGS_FILE", "orchestration/contract/shop.yml",
        "the shop's own settings (time zone, currencies, encodings, reference folder)",
        "Python",
    ),
    Variable(
        "SHOP_FIRST_DAY", "2025-01-01",
        "the first export day the warehouse knows (daily partitions start here; earlier "
        "landing folders are refused)", "Python",
    ),
    Variable(
        "SHOP_OPENED_ON", "2020-01-01",
        "no record may be timed before this day (raw gate `impossible_time_*`)", "Python",
    ),
    Variable(
        "SHOP_LATE_DATA_LOOKBACK_DAYS", "7",
        "days before yesterday that the daily schedule reloads", "Python",
    ),
    Variable(
        "SHOP_PII_SALT", None,
        "the secret salt of hashed personal identifiers (`make run` keeps one per checkout "
        "in `.secrets/pii_salt`)", "Python",
    ),
    Variable(
        "SHOP_LOG_DIR", "logs",
        "where each run of `make run` and `python -m orchestration.run` writes its log "
        "(dbt's full output, Dagster's log, warnings)", "Python",
    ),
    Variable(
        "SHOP_DUCKDB_MEMORY", "7GB", "DuckDB's memory cap", "Python, dbt profile",
    ),
    Variable(
        "SHOP_DUCKDB_THREADS", "2",
        "DuckDB's worker threads (Python: one per core by default)", "Python, dbt profile",
    ),
    Variable(
        "SHOP_DBT_THREADS", "1",
        "dbt's threads (1 on DuckDB, 2 on PostgreSQL; `make test` sets 2)", "dbt profile",
    ),
    Variable(
        "SHOP_DBT_SHORT_RUN_THREADS", "2",
        f"dbt's threads in a pipeline run of at most {SHORT_RUN_DAYS} days when "
        "`SHOP_DBT_THREADS` is unset: the daily schedule's small increments, where two nodes "
        "at a time overlap dbt's own work per node", "Python",
    ),
    Variable(
        "SHOP_DBT_TARGET", "dev",
        "the profile's output (`dev`, `published`, `postgres`, `spark`)", "dbt profile",
    ),
    Variable("SHOP_PG_HOST", "127.0.0.1", "the PostgreSQL server", "Python, dbt profile"),
    Variable("SHOP_PG_PORT", "5432", "its port", "Python, dbt profile"),
    Variable("SHOP_PG_DATABASE", "shop", "its database", "Python, dbt profile"),
    Variable("SHOP_PG_USER", "shop_owner", "the role that loads and builds", "Python, dbt profile"),
    Variable("SHOP_PG_PASSWORD", None, "that role's password (a secret)", "Python, dbt profile"),
    Variable(
        "SHOP_PG_BI_ROLE", "shop_bi",
        "the read-only BI role granted the published schemas", "Python, dbt (grants)",
    ),
    Variable(
        "SHOP_PG_BI_PASSWORD", None,
        "the BI role's password (a secret; without it the role cannot log in)", "Python",
    ),
    Variable("SHOP_SPARK_SCHEMA", "shop", "the Spark schema of the `spark` output", "dbt profile"),
    Variable(
        "SHOP_SPARK_WAREHOUSE", "warehouse/spark",
        "the local Spark warehouse folder", "dbt profile",
    ),
    Variable(
        "SHOP_TIMEZONE", "Asia/Shanghai",
        "set from `shop.yml` for dbt: the shop's time zone", "dbt project",
    ),
    Variable(
        "SHOP_REPORTING_CURRENCY", "CNY",
        "set from `shop.yml` for dbt: the currency of every mart amount", "dbt project",
    ),
    Variable(
        "SHOP_ORDER_CURRENCIES", "CNY",
        "set from `shop.yml` for dbt: the currencies orders may be in", "dbt project",
    ),
    Variable(
        "SHOP_REFERENCE_DIR", "orchestration/contract/reference",
        "set from `shop.yml` for dbt: the folder of the shop's reference seeds", "dbt project",
    ),
    Variable(
        "SHOP_IMPORT_GA4_DIR", None,
        "the folder of the shop's GA4 BigQuery export files (`events_*`): the Dagster asset "
        "`importers/ga4` and its sensor import them (none: no GA4 importer)", "Python",
    ),
    Variable(
        "SHOP_IMPORT_ACCESS_LOG_DIR", None,
        "the folder of the shop's rotated web server access logs: the asset "
        "`importers/access_log` and its sensor import them (none: no log importer)", "Python",
    ),
    Variable(
        "SHOP_IMPORT_SITE_URL", None,
        "the shop's own address in its access logs' referrers (the importer's `--site-url`)",
        "Python",
    ),
    Variable(
        "SHOP_IMPORT_SHOPIFY_DIR", None,
        "the folder of the shop's Shopify admin exports (Orders, Products, Customers CSV): "
        "the asset `importers/shopify` and its sensor import it (none: no Shopify importer)",
        "Python",
    ),
    Variable(
        "SHOP_INCIDENT_WEBHOOK", None,
        "a URL that receives, by HTTP POST, one JSON document per new incident after each "
        "successful publish (docs/incidents.md; none: no webhook)", "Python",
    ),
    Variable(
        "SHOP_INCIDENT_COMMAND", None,
        "a command line run once per new incident after each successful publish, the "
        "incident's JSON document on its standard input (e-mail, chat; none: no command)",
        "Python",
    ),
    Variable(
        WINDOW_START, None,
        "set by the orchestration for dbt: the run's first export day (none: a full build)",
        "dbt macros",
    ),
    Variable(
        WINDOW_END, None, "set by the orchestration for dbt: the run's last export day",
        "dbt macros",
    ),
    Variable(
        TEST_EVERY_ROW, None,
        "set by the orchestration for dbt after a run whose tests did not all pass: every "
        "test reads every row", "dbt macros",
    ),
)  # fmt: skip
_KNOWN = {variable.name for variable in VARIABLES}


def _get(name: str) -> str | None:
    """The value of a listed variable, ``None`` when it is unset or empty."""
    if name not in _KNOWN:
        raise KeyError(f"{name} is not a setting of orchestration/settings.py (VARIABLES)")
    return os.environ.get(name) or None


def _path(variable: str, default: str) -> Path:
    value = _get(variable)
    return Path(value) if value else PROJECT_ROOT / default


def landing_dir() -> Path:
    """Where shops drop their export files (``SHOP_LANDING_DIR``)."""
    return _path("SHOP_LANDING_DIR", "landing")


def warehouse_path() -> Path:
    """The DuckDB file the pipeline builds into (``SHOP_WAREHOUSE_PATH``)."""
    return _path("SHOP_WAREHOUSE_PATH", "warehouse/shop.duckdb")


def published_dir() -> Path:
    """Where published versions live (``SHOP_PUBLISHED_DIR``, default warehouse/published)."""
    return _path("SHOP_PUBLISHED_DIR", "warehouse/published")


def shop_settings_path(default: Path) -> Path:
    """The settings file of the shop the pipeline runs for (``SHOP_SETTINGS_FILE``), else
    ``default`` (the demo shop's)."""
    value = _get("SHOP_SETTINGS_FILE")
    return Path(value).resolve() if value else default


def first_day() -> str:
    """First export day the warehouse knows (``SHOP_FIRST_DAY``, YYYY-MM-DD)."""
    return _get("SHOP_FIRST_DAY") or "2025-01-01"


def shop_opened_on() -> dt.date:
    """No record can happen before the shop opened (``SHOP_OPENED_ON``)."""
    return dt.date.fromisoformat(_get("SHOP_OPENED_ON") or "2020-01-01")


def late_data_lookback_days() -> int:
    """Days before yesterday the daily run reloads (``SHOP_LATE_DATA_LOOKBACK_DAYS``).

    Re-loading unchanged days is cheap (their files' fingerprints match), so a changed
    or late export of the last week is picked up without anyone asking for it.
    """
    return int(_get("SHOP_LATE_DATA_LOOKBACK_DAYS") or "7")


def dbt_threads(days: int) -> int | None:
    """dbt's threads for a pipeline run over ``days`` days, or ``None`` for the profile's.

    The profile builds one model at a time (``SHOP_DBT_THREADS``, 1 on DuckDB): large models
    side by side only fight over memory. A short run's models and tests are small, and
    dbt's own cost per node (about 65 ms) dominates, so two at a time save about 15 % of a
    daily build (measured at scale 1, docs/benchmarks.md).
    """
    if _get("SHOP_DBT_THREADS") or days > SHORT_RUN_DAYS:
        return None
    return int(_get("SHOP_DBT_SHORT_RUN_THREADS") or "2")


def duckdb_memory_limit() -> str:
    """DuckDB memory cap (``SHOP_DUCKDB_MEMORY``): well inside a 24 GB, 2-core machine."""
    return _get("SHOP_DUCKDB_MEMORY") or "7GB"


def duckdb_threads() -> int:
    """DuckDB worker threads (``SHOP_DUCKDB_THREADS``), one per core by default."""
    return int(_get("SHOP_DUCKDB_THREADS") or str(os.cpu_count() or 2))


def pii_salt() -> str:
    """The salt of hashed personal identifiers (``SHOP_PII_SALT``): a secret, so it has no
    default in the repository; ``make run`` keeps one per checkout in ``.secrets/``."""
    salt = _get("SHOP_PII_SALT")
    if not salt:
        raise RuntimeError(
            "SHOP_PII_SALT is not set: personal identifiers are hashed with this secret salt "
            "(set it from your secret store; make run creates one in .secrets/pii_salt)"
        )
    return salt


def postgres() -> dict[str, str | int | None]:
    """The PostgreSQL serving database's connection and BI role (``SHOP_PG_*``); the
    passwords are ``None`` when unset."""
    return {
        "host": _get("SHOP_PG_HOST") or "127.0.0.1",
        "port": int(_get("SHOP_PG_PORT") or "5432"),
        "database": _get("SHOP_PG_DATABASE") or "shop",
        "user": _get("SHOP_PG_USER") or "shop_owner",
        "password": _get("SHOP_PG_PASSWORD"),
        "bi_role": _get("SHOP_PG_BI_ROLE") or "shop_bi",
        "bi_password": _get("SHOP_PG_BI_PASSWORD"),
    }


def incident_webhook() -> str | None:
    """Where new incidents are posted as JSON (``SHOP_INCIDENT_WEBHOOK``), if anywhere."""
    return _get("SHOP_INCIDENT_WEBHOOK")


def incident_command() -> str | None:
    """The command run per new incident, its JSON on stdin (``SHOP_INCIDENT_COMMAND``)."""
    return _get("SHOP_INCIDENT_COMMAND")


def log_dir() -> Path:
    """Where each run of the command line writes its log file (``SHOP_LOG_DIR``)."""
    return _path("SHOP_LOG_DIR", "logs")


def _folder(variable: str) -> Path | None:
    value = _get(variable)
    return Path(value) if value else None


def import_ga4_dir() -> Path | None:
    """The folder of the GA4 export files to import daily (``SHOP_IMPORT_GA4_DIR``)."""
    return _folder("SHOP_IMPORT_GA4_DIR")


def import_access_log_dir() -> Path | None:
    """The folder of the access logs to import daily (``SHOP_IMPORT_ACCESS_LOG_DIR``)."""
    return _folder("SHOP_IMPORT_ACCESS_LOG_DIR")


def import_site_url() -> str | None:
    """The shop's address in its access logs' referrers (``SHOP_IMPORT_SITE_URL``)."""
    return _get("SHOP_IMPORT_SITE_URL")


def import_shopify_dir() -> Path | None:
    """The folder of the Shopify admin exports to import daily (``SHOP_IMPORT_SHOPIFY_DIR``)."""
    return _folder("SHOP_IMPORT_SHOPIFY_DIR")


def dagster_home() -> Path:
    """The persistent Dagster instance the command-line runs record into and ``make dagster``
    opens (Dagster's own ``DAGSTER_HOME``, default ``.dagster_home/``)."""
    value = os.environ.get("DAGSTER_HOME")
    return Path(value) if value else PROJECT_ROOT / ".dagster_home"


def settings_doc() -> str:
    """docs/settings.md: the table of every variable (``make sources`` writes it)."""
    rows = [
        f"| `{v.name}` | {f'`{v.default}`' if v.default is not None else '(none)'} "
        f"| {v.meaning} | {v.read_by} |"
        for v in VARIABLES
    ]
    return (
        "# Settings: the environment variables\n\n"
        "<!-- Generated from orchestration/settings.py (VARIABLES) by `make sources`: "
        "do not edit. -->\n\n"
        "Every `SHOP_*` environment variable the project reads, with its default. The Python\n"
        "code reads them in `orchestration/settings.py` only; dbt reads its own with `env_var`\n"
        "in `profiles/profiles.yml`, `dbt_project.yml` and the macros, with the same defaults.\n"
        "A shop's own settings (time zone, currencies, encodings, codes) are data in\n"
        "`shop.yml` ([adopting](adopting.md#where-each-setting-lives)); the pipeline hands them\n"
        "to dbt as the variables marked `set from shop.yml`.\n\n"
        "| variable | default | what it sets | read by |\n|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def main() -> None:
    """Write docs/settings.md."""
    DOC.write_text(settings_doc(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(PROJECT_ROOT)} from orchestration/settings.py")


if __name__ == "__main__":
    main()
