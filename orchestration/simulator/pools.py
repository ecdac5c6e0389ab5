"""Growing populations (visitors, customers) kept as compact numpy columns.

Members are numbered in the order they first appear, so the members first seen on a day
form a contiguous range of ids. Drawing "someone who came back" is then cheap: pick a past
day with recency weights, then a uniform id inside that day's range.
"""

from __future__ import annotations

import numpy as np


class Pool:
    """Numbered members with per-member attributes and first-seen days."""

    def __init__(self, dtypes: dict[str, type | np.dtype], capacity: int = 1024) -> None:
        self.size = 0
        self._columns = {name: np.zeros(capacity, dtype) for name, dtype in dtypes.items()}
        self._days: list[int] = []
        self._firsts: list[int] = []
        self._counts: list[int] = []

    def __getitem__(self, name: str) -> np.ndarray:
        """The live column (a view: re-fetch it after adding members)."""
        return self._columns[name][: self.size]

    def add(self, day: int, **values: np.ndarray) -> np.ndarray:
        """Append members first seen on ``day`` (days must not decrease); returns their ids."""
        count = len(next(iter(values.values())))
        first = self.size
        self._reserve(first + count)
        for name, column in values.items():
            self._columns[name][first : first + count] = column
        self.size += count
        if self._days and self._days[-1] == day:
            self._counts[-1] += count
        elif count:
            self._days.append(day)
            self._firsts.append(first)
            self._counts.append(count)
        return np.arange(first, first + count, dtype=np.int64)

    def count_before(self, day: int) -> int:
        """Number of members first seen before ``day``."""
        return sum(count for d, count in zip(self._days, self._counts, strict=True) if d < day)

    def sample_recent(
        self, rng: np.random.Generator, count: int, today: int, scale_days: float, floor: float
    ) -> np.ndarray:
        """Ids of members first seen before ``today``, a day being chosen with weight
        ``members * (floor + exp(-age / scale_days))``."""
        days = np.asarray(self._days)
        past = days < today
        if count == 0 or not past.any():
            return np.zeros(0, dtype=np.int64)
        counts = np.asarray(self._counts)[past]
        weights = counts * (floor + np.exp(-(today - days[past]) / scale_days))
        cumulative = np.cumsum(weights)
        bucket = np.searchsorted(cumulative, rng.random(count) * cumulative[-1], side="right")
        offset = (rng.random(count) * counts[bucket]).astype(np.int64)
        return np.asarray(self._firsts)[past][bucket] + offset

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self._columns.values())))
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity)
        for name, column in self._columns.items():
            grown = np.zeros(capacity, column.dtype)
            grown[: self.size] = column[: self.size]
            self._columns[name] = grown
