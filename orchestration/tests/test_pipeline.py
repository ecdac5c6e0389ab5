"""The Dagster pipeline end to end: a full run, a run killed at each stage, and what never
leaves the private layers (secrets, personal data).

A small shop is built once through the whole graph (ingest → raw suites → dbt layers →
marts suite → publish). The bad inputs the gates stop are in test_bad_inputs.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from bs4 import BeautifulSoup

from orchestration.contract import load_contract
from orchestration.run import problems, run_days
from orchestration.settings import PROJECT_ROOT
from orchestration.simulator.engine import simulate
from orchestration.tests.conftest import TEST_PII_SALT
from orchestration.tests.damage import (
    rewrite,
)
from orchestration.tests.hashes import differences
from orchestration.tests.test_dashboard import chromium, run_chromium
from orchestration.tests.warehouse import (
    CONSOLE_NOISE,
    RERUN_DAY,
    SHOP_DAYS,
    SHOP_START,
    columns_holding,
    fingerprint,
    personal_values,
    published,
    published_file,
    query,
    run_as_command,
    use_shop,
)
from orchestration.transform import run_dbt
from orchestration.transform.assets import (
    DBT_PROJECT,
    DBT_STEPS,
    scoped_tests,
    untested_marker,
)


@pytest.fixture(scope="module")
def pipeline_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop run through the whole pipeline as ``make run`` runs it and published once
    (version 1): recorded in its Dagster instance (dagster_home/), what it printed in
    console.txt."""
    root = tmp_path_factory.mktemp("pipeline")
    simulate(root / "landing", SHOP_START, SHOP_DAYS, scale=0.03, seed=5)
    with pytest.MonkeyPatch.context() as monkeypatch:
        use_shop(monkeypatch, root, SHOP_START)
        last = SHOP_START + dt.timedelta(days=SHOP_DAYS - 1)
        result, printed = run_as_command(monkeypatch, root, SHOP_START, last)
    (root / "console.txt").write_text(printed)
    assert result.success, printed
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


def test_every_dbt_unit_test_passes_on_the_built_warehouse(
    pipeline_shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scheduled job leaves dbt's unit tests out (they test the SQL, not the day's
    data): here they all run, on the warehouse the job built, and pass."""
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    monkeypatch.setenv("SHOP_WAREHOUSE_PATH", str(pipeline_shop / "warehouse" / "shop.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(pipeline_shop / "unit_target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(pipeline_shop / "unit_target"))
    assert run_dbt(["test", "--select", "test_type:unit"])
    run = json.loads((pipeline_shop / "unit_target" / "run_results.json").read_text())
    passed = sorted(r["unique_id"] for r in run["results"] if r["status"] == "pass")
    assert passed == sorted(manifest["unit_tests"]) != []


#: A stage line of a run's output: the stage, what it did, its seconds once ended.
STAGE_LINE = re.compile(r"^  ([a-z][a-z ]*?) +(started|ok|FAILED|skipped)(?: +(\d+\.\d)s)?")


def test_a_run_prints_a_line_per_stage_then_the_report_and_dbt_goes_to_the_log(
    pipeline_shop: Path,
) -> None:
    lines = (pipeline_shop / "console.txt").read_text().splitlines()
    assert len(lines) <= 80, "\n".join(lines)
    assert [line for line in lines if CONSOLE_NOISE.search(line)] == []
    log = Path(lines[0].removeprefix("log: "))
    assert lines[0].startswith("log: ") and log.parent == pipeline_shop / "logs"
    # dbt's full output went to the log
    assert re.search(r"\d+ of \d+ OK created sql \w+ model marts\.fct_orders", log.read_text())
    build, alerts = (f"dbt {name}" for name in DBT_STEPS)
    stages = ["ingest", "raw gate", build, "marts gate", alerts, "publish"]
    shown = [STAGE_LINE.match(line) for line in lines]
    assert [(m[1], m[2]) for m in shown if m] == [
        (stage, status) for stage in stages for status in ("started", "ok")
    ]
    assert all(m[3] for m in shown if m and m[2] == "ok")  # every end shows its seconds
    ingest = next(line for line in lines if line.startswith("  ingest") and " ok " in line)
    work = pipeline_shop / "warehouse" / "shop.duckdb"
    raw_rows = sum(
        query(work, f"select count(*) from raw.{table.name}")[0][0]
        for table in load_contract().tables
    )
    assert f"({raw_rows:,} rows)" in ingest
    # the report: the run, the warehouse, the headline figures of the last day, where the
    # published file is
    report = lines[[bool(m) for m in shown].index(True) + 2 * len(stages) :]
    assert report[0].startswith("refresh run ") and "passed every gate" in report[0]
    assert str(pipeline_shop / "dagster_home") in report[0]
    assert report[1].startswith(f"warehouse {pipeline_shop / 'warehouse' / 'shop.duckdb'}: ")
    # (the open incidents may come first)
    table = next(n for n, line in enumerate(report) if line.startswith("indicator report"))
    day = dt.date.fromisoformat(report[table + 1].split("day ")[1].split()[0])
    assert day == SHOP_START + dt.timedelta(days=SHOP_DAYS - 1)
    (gmv,) = published(
        pipeline_shop,
        "select indicator_value from marts.fct_indicator_values where indicator_code = 'gmv' "
        f"and grain = 'day' and slice_dimension = 'all' and period_start = '{day}'",
    )[0]
    gmv_line = next(line for line in report if line.split()[0] == "gmv")
    assert gmv_line.split()[2].rstrip("*") == f"{gmv:,.2f}"  # * marks a provisional value
    current = pipeline_shop / "published" / "current.duckdb"
    assert report[-1].startswith(f"published version 1 at {current} ")


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


#: What the Dagster UI's GraphQL endpoint says about the run, the assets and their checks.
UI_FACTS = """
query Facts($runId: ID!) {
  runOrError(runId: $runId) { ... on Run { status stepStats { stepKey status } } }
  assetNodes { assetKey { path } }
  assetCheckExecutions(assetKey: {path: ["raw", "orders"]}, checkName: "raw_suite", limit: 1) {
    runId status
  }
  assetOrError(assetKey: {path: ["published", "warehouse"]}) {
    ... on Asset { assetMaterializations(limit: 1) { runId metadataEntries { label } } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def dagster_ui(root: Path, log: Path) -> Iterator[str]:
    """``dagster-webserver`` on a free port over the shop's instance and code location; its
    address once it answers."""
    port = free_port()
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(root / "dagster_home"),
        "SHOP_LANDING_DIR": str(root / "landing"),
        "SHOP_WAREHOUSE_PATH": str(root / "warehouse" / "shop.duckdb"),
        "SHOP_PUBLISHED_DIR": str(root / "published"),
        "SHOP_FIRST_DAY": str(SHOP_START),
    }
    command = [str(Path(sys.executable).with_name("dagster-webserver")), "-m"]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{address}/server_info", timeout=5),
            ):
                break
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        yield address
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def graphql(address: str, query_text: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"{address}/graphql",
        data=json.dumps({"query": query_text, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]


def test_the_dagster_ui_shows_the_run_its_steps_checks_and_assets(
    pipeline_shop: Path, tmp_path: Path
) -> None:
    """The run ``make run`` made, opened in the UI ``make dagster`` starts (the same
    instance): its steps, the raw gate's check and publish's metadata in the GraphQL
    answers, the asset graph and the run in pages rendered by headless Chromium."""
    printed = (pipeline_shop / "console.txt").read_text()
    run_id = re.search(r"refresh run (\S+) passed every gate", printed)[1]
    with dagster_ui(pipeline_shop, tmp_path / "webserver.log") as address:
        facts = graphql(address, UI_FACTS, {"runId": run_id})
        browser = chromium()
        graph = run_chromium(
            browser, tmp_path / "graph", "--virtual-time-budget=30000", "--dump-dom",
            f"{address}/asset-groups/marts_sales",
        )  # fmt: skip
        run_page = run_chromium(
            browser, tmp_path / "run", "--virtual-time-budget=30000", "--dump-dom",
            f"{address}/runs/{run_id}",
        )  # fmt: skip
    run = facts["runOrError"]
    assert run["status"] == "SUCCESS"
    steps = {step["stepKey"]: step["status"] for step in run["stepStats"]}
    dbt_step = f"dbt_{DBT_STEPS[-1]}"
    checked = ("raw__orders", dbt_step, "published__warehouse")
    assert {key: steps.get(key) for key in checked} == dict.fromkeys(checked, "SUCCESS")
    assets = {"/".join(node["assetKey"]["path"]) for node in facts["assetNodes"]}
    assert {"raw/orders", "marts/fct_orders", "published/warehouse"} <= assets
    assert facts["assetCheckExecutions"] == [{"runId": run_id, "status": "SUCCEEDED"}]
    [published_event] = facts["assetOrError"]["assetMaterializations"]
    assert published_event["runId"] == run_id
    assert {"version", "total_rows"} <= {e["label"] for e in published_event["metadataEntries"]}
    # the asset graph: its groups, from the raw tables to publish
    lineage = BeautifulSoup(graph, "html.parser").get_text(" ")
    assert "Global asset lineage" in lineage
    assert all(group in lineage.split() for group in ("raw", "staging", "marts_sales", "publish"))
    # the run: its id, outcome and the count of its assets and asset checks
    shown = BeautifulSoup(run_page, "html.parser").get_text(" ")
    assert run_id[:8] in shown and "Success" in shown
    assert re.search(r"\d+ assets \d+ checks", shown), shown[:2000]
