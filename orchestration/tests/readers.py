"""Reader processes: what BI tools do to a published warehouse while the pipeline publishes.

Each reader is its own Python process. It queries ``current.duckdb`` in a loop, through a
new read-only connection per query, reading the version and the orders' count and GMV in
one statement, until it is told to stop and has made its minimum number of queries. The
tests then check every read against the versions that were published.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = """
import json, sys
from pathlib import Path
import duckdb

current, stop, out, minimum = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
reads, errors = [], []
while not (Path(stop).exists() and len(reads) + len(errors) >= minimum):
    try:
        con = duckdb.connect(current, read_only=True)
        try:
            reads.append(con.execute(
                "select (select max(version) from meta.publications), "
                "(select count(*) from marts.fct_orders), "
                "(select cast(sum(gmv) as varchar) from marts.fct_orders)"
            ).fetchall()[0])
        finally:
            con.close()
    except Exception as error:
        errors.append(repr(error))
    Path(out + ".ready").touch()  # reading: the publishes may start
Path(out).write_text(json.dumps({"reads": reads, "errors": errors}))
"""


class Readers:
    """``count`` reader processes on ``current`` (files under ``folder``), each making at
    least ``minimum`` queries. Entering returns once every reader has read once; leaving
    stops them and collects what each read: ``reads`` (per reader, (version, order count,
    GMV as text) per query) and ``errors`` (per reader, the errors it met)."""

    def __init__(self, current: Path, folder: Path, count: int = 1, minimum: int = 1) -> None:
        self.current, self.folder, self.count, self.minimum = current, folder, count, minimum
        self.stop = folder / "readers.stop"
        self.outputs = [folder / f"reader-{index}.json" for index in range(count)]
        self.processes: list[subprocess.Popen] = []
        self.reads: list[list[tuple]] = []
        self.errors: list[list[str]] = []

    def __enter__(self) -> Readers:
        self.folder.mkdir(parents=True, exist_ok=True)
        arguments = [str(self.current), str(self.stop)]
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT, *arguments, str(output), str(self.minimum)]
            )
            for output in self.outputs
        ]
        deadline = time.monotonic() + 120
        while not all(Path(f"{output}.ready").exists() for output in self.outputs):
            if time.monotonic() > deadline:
                self.__exit__()
                raise TimeoutError("the readers did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.touch()
        for process in self.processes:
            process.wait(timeout=120)
        results = [json.loads(output.read_text()) for output in self.outputs if output.exists()]
        self.reads = [[tuple(read) for read in result["reads"]] for result in results]
        self.errors = [result["errors"] for result in results]

    def versions(self) -> list[list[int]]:
        """The version each reader saw, query by query."""
        return [[version for version, _, _ in reads] for reads in self.reads]
