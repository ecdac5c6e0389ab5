"""Run dbt on the project from Python (the same invocation the CLI would make)."""

from __future__ import annotations

from dbt.cli.main import dbtRunner

from orchestration.settings import PROJECT_ROOT

PROFILES_DIR = PROJECT_ROOT / "profiles"


def run_dbt(arguments: list[str]) -> bool:
    """Invoke dbt with the project's profile; True when every node succeeded."""
    result = dbtRunner().invoke(
        [
            *arguments,
            "--project-dir",
            str(PROJECT_ROOT),
            "--profiles-dir",
            str(PROFILES_DIR),
        ]
    )
    return result.success
