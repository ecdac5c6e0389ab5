"""What the parts of the simulated shop share: the run's settings and the parts built before.

The engine's ``Shop`` builds the independent parts first (catalogue, marketing, customers),
then the parts that work with them; those derive from :class:`ShopPart` and reach the shop's
settings and earlier parts through it instead of holding copies of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.simulator.catalogue import Catalogue
    from orchestration.simulator.clock import Clock
    from orchestration.simulator.columns import Sequences
    from orchestration.simulator.customers import Customers
    from orchestration.simulator.engine import Shop
    from orchestration.simulator.inventory import Inventory
    from orchestration.simulator.marketing import Marketing


class ShopPart:
    """A part of the shop built after the catalogue, marketing and customers."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    @property
    def seed(self) -> int:
        return self.shop.seed

    @property
    def scale(self) -> float:
        return self.shop.scale

    @property
    def clock(self) -> Clock:
        return self.shop.clock

    @property
    def sequences(self) -> Sequences:
        return self.shop.sequences

    @property
    def units_per_day(self) -> float:
        """Units the shop expects to sell on an ordinary day (stock and market sizing)."""
        return self.shop.units_per_day

    @property
    def catalogue(self) -> Catalogue:
        return self.shop.catalogue

    @property
    def marketing(self) -> Marketing:
        return self.shop.marketing

    @property
    def customers(self) -> Customers:
        return self.shop.customers

    @property
    def inventory(self) -> Inventory:
        return self.shop.inventory
