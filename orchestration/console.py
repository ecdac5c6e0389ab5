"""What a refresh run prints: one line as each stage of the job starts and one as it ends
(seconds, ok or FAILED), a progress bar on a terminal while it runs, and nothing else.

A stage is the job's steps of one kind (the ingest of every raw table, the raw gate's suites,
each dbt layer, the marts gate, publish). Everything the steps and libraries write — dbt's
full output, Dagster's log, warnings — goes to the run's log file, whose path is printed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from dagster import DagsterEventType, EventLogEntry
from tqdm import tqdm

#: A dbt node's result line ("12 of 199 OK created sql view model …"; not its START line).
DBT_RESULT = re.compile(r"^\s*(\d+) of (\d+) (?!START\b)[A-Z]")
#: The printed width of a stage's name.
WIDTH = 17


def stage_of(step_key: str) -> str:
    """The stage a step of the refresh job belongs to."""
    if step_key.startswith("dbt_"):
        return f"dbt {step_key.removeprefix('dbt_')}"
    if step_key.endswith("_raw_suite"):
        return "raw gate"
    if step_key.startswith("raw__"):
        return "ingest"
    if step_key.endswith("_marts_suite"):
        return "marts gate"
    if step_key.startswith("published__"):
        return "publish"
    return step_key


def stage_sizes(step_keys: Iterable[str]) -> dict[str, int]:
    """The number of steps of each stage, in the order of the steps."""
    return dict(Counter(stage_of(key) for key in step_keys))


@dataclass
class Stage:
    name: str
    steps: int
    started: float | None = None
    ended: int = 0
    failed: list[str] = field(default_factory=list)
    skipped: int = 0
    failed_checks: int = 0
    #: per ingest step: partitions loaded, partitions unchanged, rows loaded
    loads: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    bar: tqdm | None = None

    def detail(self) -> str:
        parts = []
        if self.name == "ingest":
            loads = self.loads.values()
            loaded, unchanged, rows = (sum(load[n] for load in loads) for n in range(3))
            parts.append(f"{loaded:,} partitions loaded ({rows:,} rows), {unchanged:,} unchanged")
        elif self.steps > 1:
            parts.append(f"{self.steps} steps")
        if self.failed_checks:
            parts.append(f"{self.failed_checks} check(s) failed")
        if self.failed:
            parts.append(f"failed: {', '.join(self.failed)}")
        if self.skipped and self.started is not None:
            parts.append(f"{self.skipped} skipped")
        return "; ".join(parts)


class RunConsole:
    """Follows a run's events (an instance event listener) and dbt's result lines (the
    run's standard output) and prints its stages to ``terminal``."""

    def __init__(self, terminal: TextIO, sizes: dict[str, int]) -> None:
        self.terminal = terminal
        self.bars = terminal.isatty()
        self.stages = {name: Stage(name, steps) for name, steps in sizes.items()}
        self.begun = time.perf_counter()

    def print(self, line: str) -> None:
        tqdm.write(line, file=self.terminal)
        self.terminal.flush()

    def _line(self, stage: Stage, status: str, seconds: float | None = None) -> None:
        clock = f"{seconds:6.1f}s  {stage.detail()}" if seconds is not None else ""
        self.print(f"  {stage.name:<{WIDTH}} {status:<7} {clock}".rstrip())

    def _start(self, stage: Stage) -> None:
        stage.started = time.perf_counter()
        self._line(stage, "started")
        if self.bars:
            unit = "table" if stage.name == "ingest" else "step"
            stage.bar = tqdm(
                total=stage.steps,
                desc=f"  {stage.name:<{WIDTH}}",
                unit=unit,
                file=self.terminal,
                leave=False,
                dynamic_ncols=True,
                bar_format="{desc} {bar} {n_fmt}/{total_fmt} {unit}s {elapsed}",
            )

    def _finish(self, stage: Stage) -> None:
        if stage.bar is not None:
            stage.bar.close()
            stage.bar = None
        if stage.started is None:
            self._line(stage, "skipped")
            return
        ok = not stage.failed and not stage.failed_checks and stage.ended == stage.steps
        seconds = time.perf_counter() - stage.started
        self._line(stage, "ok" if ok else "FAILED", seconds)

    def event(self, entry: EventLogEntry) -> None:
        """Instance event listener of the run."""
        event = entry.dagster_event
        if event is None or event.step_key is None:
            return
        stage = self.stages.get(stage_of(event.step_key))
        if stage is None:
            return
        kind = event.event_type
        if kind == DagsterEventType.STEP_START and stage.started is None:
            self._start(stage)
        elif kind == DagsterEventType.ASSET_MATERIALIZATION and stage.name == "ingest":
            # a step over several days materializes each day's partition with the same
            # metadata: the step's figures once
            metadata = event.event_specific_data.materialization.metadata
            names = ("partitions_loaded", "partitions_unchanged", "rows_loaded")
            stage.loads[event.step_key] = tuple(_number(metadata.get(name)) for name in names)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            stage.failed_checks += not event.event_specific_data.passed
        elif kind in (
            DagsterEventType.STEP_SUCCESS,
            DagsterEventType.STEP_FAILURE,
            DagsterEventType.STEP_SKIPPED,
        ):
            stage.ended += kind != DagsterEventType.STEP_SKIPPED
            stage.skipped += kind == DagsterEventType.STEP_SKIPPED
            if kind == DagsterEventType.STEP_FAILURE:
                stage.failed.append(event.step_key)
            if stage.bar is not None and not stage.name.startswith("dbt "):
                stage.bar.update()
            if stage.ended + stage.skipped == stage.steps:
                self._finish(stage)

    def dbt_line(self, line: str) -> None:
        """A line of dbt's output: a node's result advances the running dbt stage's bar."""
        match = DBT_RESULT.match(line)
        if not match:
            return
        for stage in self.stages.values():
            if stage.bar is not None and stage.name.startswith("dbt "):
                stage.bar.total = int(match[2])
                stage.bar.unit = "node"
                stage.bar.update(int(match[1]) - stage.bar.n if int(match[1]) > stage.bar.n else 0)

    def close(self) -> None:
        """Stages the run left unfinished (a failure stopped them) end as they stand."""
        for stage in self.stages.values():
            if stage.ended + stage.skipped < stage.steps:
                stage.skipped = stage.steps - stage.ended
                self._finish(stage)


def _number(value: object) -> int:
    return int(getattr(value, "value", value) or 0)


class _LogStream(io.TextIOBase):
    """Standard output and error during a run: written to the log file, dbt's result lines
    also shown to the console."""

    def __init__(self, log: TextIO, console: RunConsole | None) -> None:
        self.log, self.console, self.pending = log, console, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.log.write(text)
        if self.console is not None:
            *lines, self.pending = (self.pending + text).split("\n")
            for line in lines:
                self.console.dbt_line(line)
        return len(text)

    def flush(self) -> None:
        self.log.flush()


def log_path(directory: Path, run_id: str) -> Path:
    """The log file of a run: its start time and the first part of its id."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return directory / f"run-{stamp}-{run_id[:8]}.log"


@contextlib.contextmanager
def logged(log_file: Path, terminal: TextIO | None = None) -> Iterator[_Logged]:
    """Send everything written to standard output and error — by Python code, by dbt and by
    any child process — to ``log_file`` while the block runs; the block prints to the
    console (``terminal``, by default the standard output as it was) through the yielded
    ``_Logged`` (``.terminal``, ``.follow(sizes)``)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    own_terminal = terminal is None
    if terminal is None:
        terminal = os.fdopen(os.dup(saved[0]), "w", buffering=1, encoding="utf-8")
    streams = sys.stdout, sys.stderr
    with open(log_file, "a", buffering=1, encoding="utf-8") as log:
        state = _Logged(terminal, log)
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = _LogStream(log, None)
        try:
            yield state
        finally:
            sys.stdout, sys.stderr = streams
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            if state.console is not None:
                state.console.close()
            if own_terminal:
                terminal.close()


class _Logged:
    def __init__(self, terminal: TextIO, log: TextIO) -> None:
        self.terminal, self.log, self.console = terminal, log, None

    def follow(self, sizes: dict[str, int]) -> RunConsole:
        """Print the run's stages (steps per stage: ``stage_sizes``) from now on."""
        self.console = RunConsole(self.terminal, sizes)
        sys.stdout = sys.stderr = _LogStream(self.log, self.console)
        return self.console
