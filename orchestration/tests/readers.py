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
import json, sys, time
from pathlib import Path
import duckdb

current, stop, out = sys.argv[1:4]
minimum, interval = int(sys.argv[4]), float(sys.argv[5])
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
    time.sleep(interval)
Path(out).write_text(json.dumps({"reads": reads, "errors": errors}))
"""


class Readers:
    """``count`` reader processes on ``current`` (files under ``folder``), each making at
    least ``minimum`` queries, ``interval`` seconds apart. Entering returns once every reader
    has read once; leaving stops them and collects what each read: ``reads`` (per reader,
    (version, order count, GMV as text) per query) and ``errors`` (per reader, the errors
    it met)."""

    def __init__(
        self, current: Path, folder: Path, count: int = 1, minimum: int = 1, interval: float = 0
    ) -> None:
        self.current, self.folder, self.count = current, folder, count
        self.settings = [str(minimum), str(interval)]
        self.stop = folder / "readers.stop"
        self.outputs = [folder / f"reader-{index}.json" for index in range(count)]
        self.processes: list[subprocess.Popen] = []
        self.reads: list[list[tuple]] = []
        self.errors: list[list[str]] = []

    def __enter__(self) -> Readers:
        self.folder.mkdir(parents=True, exist_ok=True)
        where = [str(self.current), str(self.stop)]
        self.processes = [
            subprocess.Popen([sys.executable, "-c", SCRIPT, *where, str(output), *self.settings])
            for output in self.outputs
        ]
        deadline = time.monotonic() + 120
        try:
            while not all(Path(f"{output}.ready").exists() for output in self.outputs):
                codes = [process.poll() for process in self.processes]
                ended = [code for code in codes if code is not None]
                assert not ended, f"a reader ended before reading (exit codes {ended})"
                assert time.monotonic() < deadline, "the readers did not start in 120 s"
                time.sleep(0.05)
        except AssertionError:
            self.stop_all()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()
        codes = [process.returncode for process in self.processes]
        assert codes == [0] * self.count, f"reader exit codes {codes}"
        results = [json.loads(output.read_text()) for output in self.outputs]
        self.reads = [[tuple(read) for read in result["reads"]] for result in results]
        self.errors = [result["errors"] for result in results]

    def stop_all(self) -> None:
        """Tell the readers to stop; kill any still running after 120 s."""
        self.stop.touch()
        try:
            for process in self.processes:
                process.wait(timeout=120)
        finally:
            for process in self.processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def versions(self) -> list[list[int]]:
        """The version each reader saw, query by query."""
        return [[version for version, _, _ in reads] for reads in self.reads]
