"""The Dagster pipeline end to end: a full run, a run killed at each stage, and what never
leaves the private layers (secrets, personal data).

A small shop is built once through the whole graph (ingest → raw suites → dbt layers →
marts suite → publish). The bad inputs the gates stop are in test_bad_inputs.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator import simulate
from orchestration.tests.conftest import TEST_PII_SALT
from orchestration.tests.damage import (
    rewrite,
)
from orchestration.tests.hashes import differences
from orchestration.tests.warehouse import (
    RERUN_DAY,
    SHOP_DAYS,
    SHOP_START,
    columns_holding,
    fingerprint,
    personal_values,
    published_file,
    use_shop,
)
from orchestration.transform.assets import DBT_STEPS, scoped_tests, untested_marker


@pytest.fixture(scope="module")
def pipeline_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop run through the whole pipeline and published once (version 1)."""
    root = tmp_path_factory.mktemp("pipeline")
    simulate(root / "landing", SHOP_START, SHOP_DAYS, scale=0.03, seed=5)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_shop(monkeypatch, root, SHOP_START)
        result = run_days(SHOP_START, SHOP_START + dt.timedelta(days=SHOP_DAYS - 1))
    assert result.success, problems(result)
    return root


def test_full_run_materializes_every_layer_and_publishes(pipeline_shop: Path) -> None:
    version, _ = fingerprint(pipeline_shop)
    assert version == "shop_v000001.duckdb"
    con = duckdb.connect(str(pipeline_shop / "published" / "current.duckdb"), read_only=True)
    schemas = {row[0] for row in con.execute("select schema_name from duckdb_schemas()").fetchall()}
    (orders,) = con.execute("select count(*) from marts.fct_orders").fetchall()[0]
    con.close()
    assert {"marts", "reference", "meta"} <= schemas
    assert not schemas & {"raw", "staging", "intermediate"}
    # every dbt test passed: no run has rows left untested
    assert not untested_marker(pipeline_shop / "warehouse" / "shop.duckdb").exists()
    raw = duckdb.connect(str(pipeline_shop / "warehouse" / "shop.duckdb"), read_only=True)
    (raw_orders,) = raw.execute("select count(distinct order_id) from raw.orders").fetchall()[0]
    raw.close()
    assert orders == raw_orders > 0


def test_a_run_after_one_whose_tests_did_not_all_pass_tests_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run a's tests fail (its marker stays), so each dbt step of run b tests every row;
    once b's last step passes (the marker is removed), run c tests only its rebuilt days."""
    monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(tmp_path / "shop.duckdb"))
    monkeypatch.delenv("SHOP_TEST_EVERY_ROW", raising=False)

    def reads_every_row(run_id: str) -> bool:
        with scoped_tests(run_id):
            return os.environ.get("SHOP_TEST_EVERY_ROW") == "1"

    assert [reads_every_row("a") for _ in DBT_STEPS] == [False, False]
    assert [reads_every_row("b") for _ in DBT_STEPS] == [True, True]
    untested_marker().unlink()
    assert [reads_every_row("c") for _ in DBT_STEPS] == [False, False]
    assert "SHOP_TEST_EVERY_ROW" not in os.environ


def test_no_secret_or_personal_data_reaches_logs_artifacts_or_the_published_file(
    pipeline_shop: Path,
) -> None:
    """The salt of hashed identifiers is in no dbt log, compiled SQL or artifact the runs
    wrote, and no published column holds it or any customer's name, email or phone."""
    target = Path(os.environ.get("DBT_TARGET_PATH", PROJECT_ROOT / "target"))
    written = [path for path in target.rglob("*") if path.suffix in (".log", ".sql", ".json")]
    assert any(path.name == "dbt.log" for path in written)
    assert [str(p) for p in written if TEST_PII_SALT in p.read_text(errors="replace")] == []
    secrets = {*personal_values(pipeline_shop / "landing"), TEST_PII_SALT}
    published = pipeline_shop / "published" / "current.duckdb"
    assert columns_holding(published, ("marts", "reference", "meta"), secrets) == []


def reversed_rows(data: pa.Table) -> pa.Table:
    return data.take(list(range(len(data)))[::-1])


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # the process ended
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def descendants(root: int) -> list[str]:
    """Command lines of the processes under ``root`` (dbt runs as a child of the run)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        ancestor = _parent(pid)
        while ancestor and ancestor != root:
            ancestor = _parent(ancestor)
        if ancestor == root:
            with contextlib.suppress(OSError):
                found.append((entry / "cmdline").read_text().replace("\0", " "))
    return found


def dbt_layer_running(layer: str) -> Callable[[Path, int], bool]:
    """The layer's dbt step runs (selected by path, or by its nodes' names)."""
    marks = (f"models/{layer}", f"shop_indicators.{layer}.")
    return lambda root, pid: any(
        "dbt build" in line and any(mark in line for mark in marks) for line in descendants(pid)
    )


def publishing(root: Path, pid: int) -> bool:
    return any(path.name.endswith(".tmp") for path in (root / "published" / "versions").iterdir())


def ingesting(root: Path, pid: int) -> bool:
    """The run holds the warehouse open before any dbt step: the ingest (or the raw
    checks right after it)."""
    warehouse = str(root / "warehouse" / "shop.duckdb")
    try:
        held = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except OSError:  # the process ended, or a descriptor closed while being read
        return False
    return warehouse in held and not any("dbt" in line for line in descendants(pid))


#: Where a run is killed (SIGKILL, the whole process group): a test of each.
KILL_POINTS = {
    "ingest": ingesting,
    "staging": dbt_layer_running("staging"),
    "intermediate": dbt_layer_running("intermediate"),
    "marts": dbt_layer_running("marts"),
    "publish": publishing,
}


#: Each kill costs two runs of the pipeline: `make reliability` runs them; `make test` has
#: the fast process faults (a publishing process that dies mid-write: test_publish.py).
@pytest.mark.long
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_killed_run_publishes_nothing_and_its_rerun_equals_an_uninterrupted_one(
    point: str, pipeline_shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "shop"
    shutil.copytree(pipeline_shop, root, symlinks=True)
    use_shop(monkeypatch, root, SHOP_START)
    before = fingerprint(root)
    # the day's orders are exported again (the same rows, another order), so the ingest
    # has work to do
    rewrite(root / "landing", "shop", "orders", RERUN_DAY, reversed_rows)
    day = str(RERUN_DAY)
    run = subprocess.Popen(
        [sys.executable, "-m", "orchestration.run", "--start", day, "--end", day],
        cwd=PROJECT_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    reached = KILL_POINTS[point]
    while run.poll() is None and not reached(root, run.pid):
        time.sleep(0.02)
    assert run.poll() is None, f"the run ended before reaching {point}"
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert fingerprint(root) == before  # readers still see the previous version

    result = run_days(RERUN_DAY, RERUN_DAY)

    assert result.success, problems(result)
    current = published_file(root)
    assert current.name == "shop_v000002.duckdb"
    assert not [path for path in current.parent.iterdir() if path.name.endswith(".tmp")]
    # an uninterrupted rerun of the day publishes the same marts as version 1 (the harmless
    # case of the catalog): so must the rerun after the kill
    assert differences(published_file(pipeline_shop), current, ("marts", "reference")) == {}
