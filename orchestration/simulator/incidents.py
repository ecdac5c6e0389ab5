"""Named incidents the simulator can inject on one shop-local day, for alert tests and demos.

    python -m orchestration.simulator --incident payment_outage@2025-06-20 ...

- ``payment_outage``: the payment gateway fails every online payment attempt from 10:00 to
  22:00 shop time (COD orders are unaffected).
- ``warehouse_stall``: a warehouse (``WH-SH`` unless named: ``warehouse_stall@DAY:WH-GZ``)
  ships nothing that day; its parcels leave two days later.
- ``runaway_ad_cost``: an ad placement (``dy-feed`` unless named by campaign code prefix)
  bills five times its usual cost that day.
- ``category_stockout``: a level 1 category (``服装`` unless named) is put on hold in
  every warehouse at the start of the day (a recall): its system stock drops to 0 and comes
  back with the next deliveries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: kind → the target used when none is named.
DEFAULT_TARGETS = {
    "payment_outage": None,
    "warehouse_stall": "WH-SH",
    "runaway_ad_cost": "dy-feed",
    "category_stockout": "服装",
}


@dataclass(frozen=True)
class Incident:
    kind: str
    date: dt.date
    target: str | None = None

    @classmethod
    def parse(cls, text: str) -> Incident:
        """``kind@YYYY-MM-DD`` or ``kind@YYYY-MM-DD:target``."""
        kind, _, rest = text.partition("@")
        day, _, target = rest.partition(":")
        if kind not in DEFAULT_TARGETS:
            raise ValueError(f"unknown incident {kind!r}: choose from {sorted(DEFAULT_TARGETS)}")
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"incident {text!r}: expected {kind}@YYYY-MM-DD[:target]") from None
        incident = cls(kind, date, target or DEFAULT_TARGETS[kind])
        incident.check_target()
        return incident

    def check_target(self) -> None:
        """Raise ValueError when the target names no warehouse or ad placement."""
        from orchestration.simulator.marketing import AD_PLACEMENTS
        from orchestration.simulator.reference import CATEGORIES, WAREHOUSES

        targets = {
            "warehouse_stall": [w.warehouse_id for w in WAREHOUSES],
            "runaway_ad_cost": [a.code for a in AD_PLACEMENTS],
            "category_stockout": [c.name for c in CATEGORIES],
        }.get(self.kind)
        if targets is not None and self.target not in targets:
            raise ValueError(
                f"incident {self.kind}: unknown target {self.target!r}, one of {targets}"
            )


class Incidents:
    """The incidents of a run, asked by the parts of the shop as they simulate."""

    def __init__(self, incidents: tuple[Incident, ...], first_day: dt.date) -> None:
        self._days = [((incident.date - first_day).days, incident) for incident in incidents]

    def of_kind(self, kind: str) -> list[tuple[int, Incident]]:
        """(simulated day, incident) of every incident of this kind."""
        return [(day, incident) for day, incident in self._days if incident.kind == kind]

    def on(self, kind: str, day: int) -> Incident | None:
        """The incident of this kind on this simulated day, if any."""
        return next((incident for d, incident in self.of_kind(kind) if d == day), None)
