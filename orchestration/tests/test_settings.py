"""Every SHOP_* environment variable is read in orchestration/settings.py and listed, with
its default, in one table (docs/settings.md, generated from settings.VARIABLES)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.settings import PROJECT_ROOT, VARIABLES

NAME = re.compile(r"\bSHOP_[A-Z0-9_]*[A-Z0-9]\b")
#: A read of the environment: os.environ.get("SHOP_…"), os.getenv("SHOP_…"), os.environ["SHOP_…"]
#: not followed by an assignment.
READ = re.compile(
    r"""(?:environ\.get|getenv)\(\s*["']SHOP_|environ\[["']SHOP_\w+["']\](?!\s*=[^=])"""
)
#: settings.py's own reads of a variable (its accessors).
SETTINGS_READ = re.compile(r"""\b_(?:get|path|folder)\(\s*["'](SHOP_\w+)["']""")
#: dbt's reads: env_var('SHOP_…', 'default').
DBT_READ = re.compile(r"""env_var\(\s*["'](SHOP_\w+)["']\s*(?:,\s*["']([^"']*)["'])?\s*\)""")
#: dbt defaults that differ by profile output (the PostgreSQL output runs 2 dbt threads).
PER_OUTPUT = {"SHOP_DBT_THREADS"}


def python_files() -> list[Path]:
    return sorted(
        [
            *(PROJECT_ROOT / "orchestration").rglob("*.py"),
            *(PROJECT_ROOT / "benchmarks").rglob("*.py"),
        ]
    )


def dbt_files() -> list[Path]:
    files = [PROJECT_ROOT / "profiles" / "profiles.yml", PROJECT_ROOT / "dbt_project.yml"]
    for folder in ("macros", "models", "tests"):
        files += sorted((PROJECT_ROOT / folder).rglob("*.sql"))
    return files


def tokens(path: Path) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))


def constants() -> set[str]:
    """SHOP_* names the project assigns as Python constants (SHOP_DAYS, SHOP_SETTINGS_PATH, …):
    docstrings name them too, and they are not environment variables. A constant is a name
    a statement starts with and assigns (``A = …``, ``A, B = …``, ``A: T = …``)."""
    found: set[str] = set()
    for path in python_files():
        targets: list[str] | None = []  # None: this statement assigns nothing at its start
        for token in tokens(path):
            if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                targets = []
            elif targets is None or token.type in (tokenize.NL, tokenize.COMMENT):
                continue
            elif token.type == tokenize.NAME:
                targets.append(token.string)
            elif token.type == tokenize.OP and token.string in ("=", ":"):
                found |= {name for name in targets if NAME.fullmatch(name)}
                targets = None
            elif not (token.type == tokenize.OP and token.string == ","):
                targets = None
    return found


def names_in_python(path: Path) -> set[str]:
    """SHOP_* names in a module's strings and comments."""
    return {
        name
        for token in tokens(path)
        if token.type in (tokenize.STRING, tokenize.COMMENT)
        for name in NAME.findall(token.string)
    }


def test_every_variable_used_is_listed_and_every_listed_one_is_used() -> None:
    # not this test's examples, nor settings.py, which lists them all
    skipped = {Path(__file__).resolve(), PROJECT_ROOT / "orchestration" / "settings.py"}
    used = {
        name for path in python_files() if path not in skipped for name in names_in_python(path)
    }
    used -= constants()
    used |= set(SETTINGS_READ.findall((PROJECT_ROOT / "orchestration" / "settings.py").read_text()))
    used |= {
        name
        for path in [*dbt_files(), PROJECT_ROOT / "Makefile"]
        for name in NAME.findall(path.read_text(encoding="utf-8"))
    }
    listed = [variable.name for variable in VARIABLES]
    assert len(listed) == len(set(listed))
    assert sorted(used - set(listed)) == [], "add them to settings.VARIABLES"
    assert sorted(set(listed) - used) == [], "listed in settings.VARIABLES but read nowhere"


def test_python_reads_them_in_settings_only() -> None:
    readers = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in python_files()
        if path != PROJECT_ROOT / "orchestration" / "settings.py"
        and "tests" not in path.relative_to(PROJECT_ROOT).parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if READ.search(line)
    ]
    assert readers == []


def test_dbt_defaults_are_the_listed_ones() -> None:
    defaults = {variable.name: variable.default for variable in VARIABLES}
    found = [
        (name, default)
        for path in dbt_files()
        for name, default in DBT_READ.findall(path.read_text(encoding="utf-8"))
        if name not in PER_OUTPUT
    ]
    assert found, "no env_var read found"
    assert [(name, default) for name, default in found if (default or None) != defaults[name]] == []


def test_the_docs_table_is_generated_from_the_list() -> None:
    assert settings.DOC.read_text(encoding="utf-8") == settings.settings_doc(), "run `make sources`"
    rows = [
        line
        for line in settings.DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    assert [row.split("`")[1] for row in rows] == [variable.name for variable in VARIABLES]
    assert "| `SHOP_FIRST_DAY` | `2025-01-01` |" in settings.DOC.read_text(encoding="utf-8")


def test_an_unlisted_name_is_refused_and_empty_means_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(KeyError, match="SHOP_NOT_A_SETTING is not a setting"):
        settings._get("SHOP_NOT_A_SETTING")
    monkeypatch.setenv("SHOP_FIRST_DAY", "")
    assert settings.first_day() == "2025-01-01"
    monkeypatch.setenv("SHOP_FIRST_DAY", "2024-03-01")
    assert settings.first_day() == "2024-03-01"
    monkeypatch.setenv("SHOP_LATE_DATA_LOOKBACK_DAYS", "3")
    assert settings.late_data_lookback_days() == 3


def test_the_read_pattern_finds_reads_and_not_writes() -> None:
    assert READ.search('x = os.environ.get("SHOP_X", "1")')
    assert READ.search('x = os.environ["SHOP_X"]')
    assert not READ.search('os.environ["SHOP_X"] = "1"')
    assert not READ.search('os.environ.setdefault("SHOP_X", "1")')


def test_a_short_run_builds_two_dbt_nodes_at_a_time_unless_the_threads_are_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The daily schedule's 8 days: 2 threads; a month and a day, or a set SHOP_DBT_THREADS:
    the profile's; SHOP_DBT_SHORT_RUN_THREADS changes the short run's."""
    monkeypatch.delenv("SHOP_DBT_THREADS", raising=False)
    monkeypatch.delenv("SHOP_DBT_SHORT_RUN_THREADS", raising=False)
    assert settings.dbt_threads(8) == 2
    assert settings.dbt_threads(31) == 2
    assert settings.dbt_threads(32) is None
    monkeypatch.setenv("SHOP_DBT_SHORT_RUN_THREADS", "3")
    assert settings.dbt_threads(1) == 3
    monkeypatch.setenv("SHOP_DBT_THREADS", "1")
    assert settings.dbt_threads(8) is None
