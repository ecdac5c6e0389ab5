"""The staging model of the days each export day's loads touched, generated from the contract.

``models/staging/stg_pipeline__touched_days.sql`` lists, per export day (raw partition) and
domain of facts, the shop-local business days its rows touched. It is the only model that
reads raw tables for that purpose: the incremental models after staging ref it (macro
rebuild_from) to find the first day a run rebuilds, so that no later layer calls
``source()``.
"""

from __future__ import annotations

import yaml

from orchestration.contract import Contract, Table

MODEL = "stg_pipeline__touched_days"
HEADER = "Generated from orchestration/contract/raw_contract.yml by `make sources`: do not edit."

#: The tables whose rows change the facts of the order they refer to (order_id): a late
#: delivery, return or refund touches its order's day. Partner commissions, which also name
#: an order, change the marketing facts of their own accrual day (domain any) only.
ORDER_TABLES = (
    ("shop", "orders"),
    ("shop", "order_lines"),
    ("shop", "payments"),
    ("shop", "cancellations"),
    ("shop", "refunds"),
    ("shop", "returns"),
    ("wms", "shipments"),
    ("wms", "shipment_lines"),
    ("wms", "picking_exceptions"),
)
LOADED = "{{ touched_export_days() }}"


def _day(table: Table, column: str) -> str:
    """The shop-local day of a table's time column (a date column is one already)."""
    if table.column(column).type == "date":
        return column
    return f"{{{{ shop_date('{column}') }}}}"


def _select(table: Table, column: str, domain: str) -> str:
    return (
        f"    select\n        '{domain}' as domain_name,\n        _partition_date as export_day,\n"
        f"        {_day(table, column)} as touched_day\n"
        f"    from {{{{ source('{table.source}', '{table.name}') }}}}\n"
        f"    where {LOADED}"
    )


def touched_days_sql(contract: Contract) -> str:
    tables = {(table.source, table.name): table for table in contract.tables}
    references = "\n    union all\n".join(
        f"    select\n        order_id,\n        _partition_date as export_day\n"
        f"    from {{{{ source('{source}', '{name}') }}}}\n    where {LOADED}"
        for source, name in ORDER_TABLES
        if (source, name) in tables
    )
    timed = "\n\n    union all\n\n".join(
        _select(table, table.event_time, "any") for table in contract.tables if table.event_time
    )
    return f"""-- {HEADER}
-- The shop-local business days the rows of each export day (raw partition) touched, per
-- domain of facts: the first day an incremental run rebuilds is the earliest day its export
-- days touched (macro rebuild_from), and every later day is rebuilt too.
--   web        the days of the events;
--   orders     the order days of every order a loaded order, line, payment, cancellation,
--              refund, return, shipment, parcel line or picking exception refers to (late
--              deliveries, returns and refunds touch the day of their order);
--   inventory  the snapshot days;
--   any        the event days of every raw table that has an event time (a market report
--              touches the month it reports).
-- Incremental by export day: a run adds (or replaces) the export days of its window.
{{{{ config(**touched_days_config()) }}}}
with web as (

{_select(tables[("web", "events")], "event_at", "web")}

),

order_references as (

{references}

),

orders as (

    select
        'orders' as domain_name,
        order_references.export_day,
        {{{{ shop_date('placed.placed_at') }}}} as touched_day
    from order_references
    inner join {{{{ source('shop', 'orders') }}}} as placed
        on order_references.order_id = placed.order_id

),

inventory as (

{_select(tables[("wms", "inventory_snapshots")], "snapshot_date", "inventory")}

),

timed as (

{timed}

),

touched as (

    select
        domain_name,
        export_day,
        touched_day
    from web
    union all
    select
        domain_name,
        export_day,
        touched_day
    from orders
    union all
    select
        domain_name,
        export_day,
        touched_day
    from inventory
    union all
    select
        domain_name,
        export_day,
        touched_day
    from timed

)

select distinct
    domain_name,
    export_day,
    touched_day
from touched
where touched_day is not null
"""


def touched_days_yaml() -> str:
    model = {
        "name": MODEL,
        "description": (
            "The shop-local business days each export day's loads touched, per domain of "
            "facts (web, orders, inventory, any): what an incremental run of a later model "
            "rebuilds from (macro rebuild_from). The one model besides the staging of each "
            "raw table that reads raw; incremental by export day."
        ),
        "columns": [
            {
                "name": "domain_name",
                "description": "Domain of facts: web, orders, inventory or any.",
                "data_tests": [
                    "not_null",
                    {
                        "accepted_values": {
                            "arguments": {"values": ["web", "orders", "inventory", "any"]}
                        }
                    },
                ],
            },
            {
                "name": "export_day",
                "description": "The export day (raw partition) whose rows touched the day.",
                "data_tests": ["not_null"],
            },
            {
                "name": "touched_day",
                "description": "A shop-local business day those rows touched.",
                "data_tests": ["not_null"],
            },
        ],
        "data_tests": [
            {
                "unique_combination": {
                    "arguments": {"columns": ["domain_name", "export_day", "touched_day"]}
                }
            }
        ],
    }
    body = yaml.safe_dump(
        {"version": 2, "models": [model]}, sort_keys=False, allow_unicode=True, width=100
    )
    return f"# {HEADER}\n{body}"
