"""Column building blocks: id sequences, string columns built in Arrow (vectorised), and
frames (dicts of equally long numpy arrays) used to pass records between modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Frame = dict[str, np.ndarray]


class Sequences:
    """Monotonic counters handing out the numbers behind generated ids."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, kind: str, count: int) -> np.ndarray:
        first = self._next.get(kind, 1)
        self._next[kind] = first + count
        return np.arange(first, first + count, dtype=np.int64)


def number_ids(prefix: str, numbers, width: int) -> pa.Array:
    """``prefix`` + zero-padded number, e.g. ``number_ids("o", [12], 9)`` -> ``o000000012``.

    Negative numbers give nulls.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, mask=numbers < 0), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def labels(values: Sequence[str], codes) -> pa.Array:
    """Strings looked up by integer code in ``values``; negative codes give nulls."""
    codes = np.asarray(codes, dtype=np.int32)
    indices = pa.array(codes, mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(values, pa.string())).cast(pa.string())


def join(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars (null if any part is null)."""
    return pc.binary_join_element_wise(*parts, "")


def take(frame: Frame, index) -> Frame:
    return {name: values[index] for name, values in frame.items()}


def concat(frames: Iterable[Frame]) -> Frame | None:
    """Concatenate frames with the same columns; None when there is nothing to concatenate."""
    frames = [frame for frame in frames if frame]
    if not frames:
        return None
    return {name: np.concatenate([frame[name] for frame in frames]) for name in frames[0]}


def choice(rng: np.random.Generator, weights, size) -> np.ndarray:
    """Indices drawn with the given (unnormalised) weights."""
    cumulative = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")


def choice_rows(rng: np.random.Generator, weight_rows: np.ndarray) -> np.ndarray:
    """One index per row of ``weight_rows`` (n x k), drawn with that row's weights."""
    cumulative = np.cumsum(weight_rows, axis=1)
    target = rng.random(len(weight_rows)) * cumulative[:, -1]
    return np.minimum((cumulative <= target[:, None]).sum(axis=1), weight_rows.shape[1] - 1)


def group_first(groups: np.ndarray) -> np.ndarray:
    """For values sorted by group, the index of the first element of each element's group."""
    n = len(groups)
    starts = np.ones(n, dtype=bool)
    starts[1:] = groups[1:] != groups[:-1]
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0))
