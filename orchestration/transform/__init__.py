"""Run dbt on the project (a child process, as the scheduler will).

dbt runs in its own process so that it holds the warehouse file only while it runs: DuckDB
allows one writer per file, and the caller reads the result afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.contract import load_shop
from orchestration.settings import PROJECT_ROOT

PROFILES_DIR = PROJECT_ROOT / "profiles"
DBT = Path(sys.executable).with_name("dbt")


def run_dbt(arguments: list[str]) -> bool:
    """Invoke dbt with the project's profile and the shop's settings (shop.yml, read by
    dbt_project.yml from the environment); True when every node succeeded."""
    command = [
        str(DBT),
        *arguments,
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(PROFILES_DIR),
    ]
    environment = {**os.environ, **load_shop().dbt_environment()}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=environment, check=False).returncode == 0
