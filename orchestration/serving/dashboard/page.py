"""The dashboard page: the readers' context rendered by the Jinja template
(templates/dashboard.html.j2) into one self-contained ``index.html``."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import jinja2

from orchestration.serving.dashboard.readers import read

TEMPLATES = Path(__file__).parent / "templates"


def build_dashboard(published_dir: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` from ``published_dir/current.duckdb``; return its path."""
    database = Path(published_dir) / "current.duckdb"
    if not database.exists():
        raise FileNotFoundError(
            f"no published warehouse at {database}: run the pipeline (make run) first, "
            "or point --published at a directory holding current.duckdb"
        )
    con = duckdb.connect(str(database), read_only=True)
    try:
        context = read(con)
    finally:
        con.close()
    context["source"] = database
    context["built_at"] = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    html = _environment().get_template("dashboard.html.j2").render(**context)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "index.html"
    partial = out / "index.html.tmp"
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, target)
    return target


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
