"""Test session set-up shared by every test module.

``make test`` runs the modules on two pytest-xdist workers. dbt writes its manifest, run
results and logs under one target folder, so each worker gets its own; the controller parses
the project once before the workers start, so that no two processes parse it at once.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

from orchestration.settings import PROJECT_ROOT
from orchestration.tests.warehouse import published_shop

#: The shop readers' tests share: 35 days from 1 June 2025 (a whole month, whole ISO weeks).
JUNE_SHOP_START, JUNE_SHOP_DAYS = dt.date(2025, 6, 1), 35


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        from orchestration.transform.assets import ensure_manifest

        ensure_manifest()
        return
    # A worker's __main__ has no __file__; pyspark.sql.connect (which great_expectations
    # imports) takes that for its own doctest run and exits the process.
    main = sys.modules["__main__"]
    if not hasattr(main, "__file__"):
        main.__file__ = __file__
    own = PROJECT_ROOT / "target" / f"pytest-{worker}"
    os.environ["DBT_TARGET_PATH"] = str(own)
    os.environ["DBT_LOG_PATH"] = str(own)


@pytest.fixture(scope="session")
def june_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published directory of a 35-day shop built on DuckDB and published once."""
    return published_shop(tmp_path_factory.mktemp("june_shop"), JUNE_SHOP_START, JUNE_SHOP_DAYS)
