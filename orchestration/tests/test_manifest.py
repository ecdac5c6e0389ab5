"""The dbt manifest the Dagster assets are made from: parsed again when a project file is
newer than it, into the folder it is read from, whatever ``DBT_TARGET_PATH`` says (each
run's dbt invocations have target folders of their own)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.transform import DBT, assets


def manifest_at(path: Path, mtime: float, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A manifest file of the given age in place of the project's; the dbt invocations
    ensure_manifest then asks for (none is run)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}", encoding="utf-8")
    os.utime(path, (mtime, mtime))
    calls: list[list[str]] = []
    monkeypatch.setattr(assets, "DBT_PROJECT", SimpleNamespace(manifest_path=path))
    monkeypatch.setattr(assets, "run_dbt", lambda arguments: calls.append(arguments) or True)
    monkeypatch.setenv("DBT_TARGET_PATH", str(path.parent.parent / "run_target"))
    return calls


def test_a_manifest_older_than_the_project_is_parsed_into_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    calls = manifest_at(manifest, 0, monkeypatch)  # 1970: older than every project file
    assets.ensure_manifest()
    assert calls == [["parse", "--quiet", "--target-path", str(tmp_path / "target")]]


def test_a_manifest_newer_than_the_project_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = manifest_at(tmp_path / "target" / "manifest.json", time.time() + 3600, monkeypatch)
    assets.ensure_manifest()
    assert calls == []


def test_a_failed_parse_stops_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest_at(tmp_path / "target" / "manifest.json", 0, monkeypatch)
    monkeypatch.setattr(assets, "run_dbt", lambda arguments: False)
    with pytest.raises(RuntimeError, match="dbt parse failed"):
        assets.ensure_manifest()


def test_the_dbt_version_the_resource_assumes_is_the_executables() -> None:
    """WarehouseDbt takes the installed dbt-core's version instead of asking the executable;
    the executable, asked, says the same."""
    from orchestration.definitions import build_definitions  # every asset: only here

    printed = subprocess.run([str(DBT), "--version"], capture_output=True, text=True, check=True)
    core = re.search(r"installed:\s*(\d+\.\d+\.\d+)", printed.stdout)
    resource = build_definitions().resources["dbt"]
    assert isinstance(resource, assets.WarehouseDbt)
    assert core and str(resource._cli_version) == core.group(1)
