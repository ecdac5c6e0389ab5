"""Test session set-up shared by every test module.

``make test`` runs the modules on two pytest-xdist workers. dbt writes its manifest, run
results and logs under one target folder, so each worker gets its own; the controller parses
the project once before the workers start, so that no two processes parse it at once. The
modules reading a shared shop (the June shop, the small shop the other engines build on) go
to one worker together, which builds it once.
"""

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

# A pytest-xdist worker's __main__ has no __file__; pyspark.sql.connect (which
# great_expectations imports, through the helpers imported below) takes that for its own
# doctest run and exits the process. Give it one before anything imports it.
_main = sys.modules["__main__"]
if not hasattr(_main, "__file__"):
    _main.__file__ = __file__

from orchestration.settings import PROJECT_ROOT  # noqa: E402
from orchestration.tests.warehouse import published_shop, small_shop_on_duckdb  # noqa: E402

#: The secret salt of hashed personal identifiers in tests: a test checks that it reaches no
#: log and no published file.
TEST_PII_SALT = "test-salt-8c41f0d2e7"
os.environ["SHOP_PII_SALT"] = TEST_PII_SALT

#: The shop readers' tests share: 35 days from 1 June 2025 (a whole month, whole ISO weeks).
JUNE_SHOP_START, JUNE_SHOP_DAYS, JUNE_SHOP_SEED = dt.date(2025, 6, 1), 35, 11


def pytest_configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    # the Dagster instance and the run logs of pipeline processes the tests start (python -m
    # orchestration.run), not the checkout's .dagster_home/ and logs/
    own = PROJECT_ROOT / "target" / f"pytest-{worker or 'main'}"
    os.environ["DAGSTER_HOME"] = str(own / "dagster_home")
    os.environ["SHOP_LOG_DIR"] = str(own / "logs")
    if worker is None:
        from orchestration.transform.assets import ensure_manifest

        ensure_manifest()
        return
    os.environ["DBT_TARGET_PATH"] = str(own)
    os.environ["DBT_LOG_PATH"] = str(own)


@pytest.fixture(scope="session")
def june_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published directory of a 35-day shop built on DuckDB and published once."""
    return published_shop(
        tmp_path_factory.mktemp("june_shop"), JUNE_SHOP_START, JUNE_SHOP_DAYS, JUNE_SHOP_SEED
    )


@pytest.fixture(scope="session")
def small_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse file of the small shop the engine-parity tests build on DuckDB (read
    only: each engine copies its raw tables)."""
    return small_shop_on_duckdb(tmp_path_factory.mktemp("small_shop"))


#: The modules reading each shared shop: one unit of work for pytest-xdist per shop.
SHOP_READERS = {
    "june_shop": ("test_dashboard", "test_semantic_layer", "test_incidents"),
    "small_shop": ("test_spark", "test_postgres"),
}
UNIT_OF = {module: shop for shop, modules in SHOP_READERS.items() for module in modules}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Modules as units of work (``--dist loadscope``), each shared shop's readers as one."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedShopScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return UNIT_OF.get(Path(scope.split("::", 1)[0]).stem, scope)

    return SharedShopScheduling(config, log)


#: Modules that take minutes, longest first (as measured by ``--durations``), so that the
#: two workers finish together: a long module started last would keep one worker busy
#: alone.
SLOW_FIRST = (
    "test_bad_inputs",
    "test_warehouse_build",
    "test_incremental",
    "test_pipeline",
    "test_seasonal",
    "test_indicators",
    "test_shop_settings",
    "test_postgres",
    "test_multi_parcel",
    "test_orders_only",
    "test_importers",
    "test_indicator_catalog",
    "test_dashboard",
    "test_publish",
    "test_semantic_layer",
    "test_incidents",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rsplit(".", 1)[-1], len(rank)))
