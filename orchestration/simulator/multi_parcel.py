"""The ``multi-parcel`` profile: the demo shop's orders, shipped as shops with several
warehouses ship them, and its stock counted weekly.

* Lines shipped separately: some lines of delivered orders travel in a second parcel, from
  another warehouse, days after the first (the fulfilment part reads the profile's
  ``split_parcels``); ``wms.shipment_lines`` says which lines each parcel carries.
* Weekly stock counts: ``wms.inventory_snapshots`` holds the Sunday counts only (the other
  days' files are empty), so the warehouse carries each count forward to the next.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.contract import Table

#: The weekday stock is counted on (ISO: Monday 1 … Sunday 7).
STOCK_COUNT_WEEKDAY = 7


def weekly_stock_counts(table: Table, records: pa.Table) -> pa.Table:
    """Keep the stock counts of the count weekday; every other table as it is."""
    if table.name != "inventory_snapshots":
        return records
    weekday = pc.day_of_week(records.column("snapshot_date"), count_from_zero=False)
    return records.filter(pc.equal(weekday, STOCK_COUNT_WEEKDAY))
