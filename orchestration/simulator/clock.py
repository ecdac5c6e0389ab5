"""Shop-local calendar, time conversions and random streams.

Conventions used by the whole simulator:

* an instant is an int64 count of UTC seconds since the Unix epoch (``NO_TIME`` = null);
* a day is an integer index of a shop-local calendar day, day 0 being the first simulated
  day (negative indices are days before the simulation, e.g. for launch dates).
"""

from __future__ import annotations

import datetime as dt
import zlib
from zoneinfo import ZoneInfo

import numpy as np

MINUTE = 60
HOUR = 3600
DAY = 86400
NO_TIME = np.iinfo(np.int64).min

#: Days before the first and after the last simulated day whose local midnights are known.
PAST_DAYS = 1200
FUTURE_DAYS = 400

_UNIX_EPOCH = dt.date(1970, 1, 1)


class Clock:
    """Maps shop-local days to UTC instants and back, honouring the shop's time zone."""

    def __init__(self, start: dt.date, days: int, timezone: str) -> None:
        self.start = start
        self.days = days
        zone = ZoneInfo(timezone)
        self._first = -PAST_DAYS
        self._midnights = np.array(
            [
                int(dt.datetime.combine(start + dt.timedelta(days=i), dt.time(), zone).timestamp())
                for i in range(-PAST_DAYS, days + FUTURE_DAYS + 1)
            ],
            dtype=np.int64,
        )

    def midnight(self, day):
        """UTC instant of the local midnight starting ``day`` (scalar or array)."""
        return self._midnights[np.asarray(day) - self._first]

    def local_day(self, instant):
        """Shop-local day of UTC instants (scalar or array)."""
        return np.searchsorted(self._midnights, instant, side="right") - 1 + self._first

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def day_of(self, date: dt.date) -> int:
        return (date - self.start).days

    def epoch_days(self, day):
        """Days since 1970-01-01 of local days, the storage of Arrow date32."""
        return np.asarray(day) + (self.start - _UNIX_EPOCH).days

    def weekday(self, day):
        """Monday = 0 ... Sunday = 6."""
        return (np.asarray(day) + self.start.weekday()) % 7

    def daytime(self, instant, rng: np.random.Generator, opens: int = 8, closes: int = 21):
        """Move instants outside local business hours to the next opening (plus up to 3 h)."""
        day = self.local_day(instant)
        seconds = instant - self.midnight(day)
        jitter = rng.integers(0, 3 * HOUR, size=np.shape(instant))
        early = seconds < opens * HOUR
        late = seconds >= closes * HOUR
        moved = self.midnight(day + late) + opens * HOUR + jitter
        return np.where(early | late, moved, instant)


def stream(seed: int, name: str, index: int = 0) -> np.random.Generator:
    """An independent random stream per purpose (and per day), so that changing how one
    part of the shop draws numbers leaves the others untouched."""
    return np.random.default_rng([seed, zlib.crc32(name.encode()), index + PAST_DAYS])
