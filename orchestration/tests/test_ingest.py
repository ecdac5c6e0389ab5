"""Ingest: contract checks reject bad files whole, loads are idempotent per (table, day)."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.contract import load_contract
from orchestration.contract.landing import to_contract_table, write_landing_file
from orchestration.ingest import checks, ingest
from orchestration.ingest.checks import (
    VALUE_RULES,
    ContractViolation,
    delivered_records,
    read_csv_files,
    read_landing_file,
)
from orchestration.tests.damage import drop_csv_column, replace_in_csv
from orchestration.tests.warehouse import query

CONTRACT = load_contract()
ORDERS = CONTRACT.table("shop", "orders")  # CSV, GBK
EVENTS = CONTRACT.table("web", "events")  # Parquet
WAREHOUSES = CONTRACT.table("wms", "warehouses")  # CSV, UTF-8
DAY1 = dt.date(2025, 3, 1)
DAY2 = dt.date(2025, 3, 2)
LOADED_AT = dt.datetime(2025, 3, 3, 1, 0, 0)


def orders_data(day: dt.date, n: int = 3, first: int = 1) -> dict[str, object]:
    ids = [f"o{day:%m%d}{i:03d}" for i in range(first, first + n)]
    # 08:00 shop time on `day` = 00:00 UTC
    placed = np.array([f"{day}T00:0{i}:00" for i in range(n)], dtype="datetime64[us]")
    return {
        "order_id": ids,
        "customer_id": [f"c{i}" for i in range(n)],
        "visitor_id": [f"v{i}" for i in range(n)],
        "placed_at": placed,
        "currency": ["CNY"] * n,
        "items_amount": [100.0 + i for i in range(n)],
        "shipping_fee": [10.0] * n,
        "order_total": [110.0 + i for i in range(n)],
        "coupon_code": [None] * n,
        "campaign_code": ["双11大促"] * n,
        "payment_method": ["alipay"] * n,
        "delivery_method": ["standard"] * n,
        "warehouse_id": ["wh_sh"] * n,
        "is_test": [False] * n,
        "is_fraud": [False] * n,
    }


def events_data(n: int = 4) -> dict[str, object]:
    return {
        "event_id": [f"e{i}" for i in range(n)],
        "event_at": np.array(["2025-03-01T02:00:00"] * n, dtype="datetime64[us]"),
        "visitor_id": ["v1"] * n,
        "customer_id": [None] * n,
        "event_type": ["page_view"] * n,
        "page_type": ["home"] * n,
        "page_url": ["/"] * n,
        "referrer_url": [None] * n,
        "utm_source": [None] * n,
        "utm_medium": [None] * n,
        "utm_campaign": [None] * n,
        "device": ["mobile"] * n,
        "sku_id": [None] * n,
        "order_id": [None] * n,
        "is_success": [None] * n,
        "page_load_ms": list(range(n)),
    }


def warehouse_csv_header() -> str:
    return ",".join(WAREHOUSES.column_names)


def raw_rows(database: Path, table: str) -> list[tuple]:
    return query(database, f"select * from raw.{table} order by all")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    write_landing_file(root, ORDERS, DAY1, orders_data(DAY1))
    write_landing_file(root, ORDERS, DAY2, orders_data(DAY2, n=2))
    write_landing_file(root, EVENTS, DAY1, events_data())
    return root


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "shop.duckdb"


def test_load_types_values_and_metadata(landing: Path, database: Path) -> None:
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert report.ok, report.summary()
    assert report.rows_loaded() == {"orders": 5, "events": 4}
    con = duckdb.connect(str(database), read_only=True)
    (row,) = con.execute(
        "select order_id, placed_at, items_amount, campaign_code, is_test, _partition_date, "
        "_source_file, _loaded_at from raw.orders order by order_id limit 1"
    ).fetchall()
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'orders'"
        ).fetchall()
    )
    con.close()
    assert row == (
        "o0301001",
        dt.datetime(2025, 3, 1, 0, 0, 0),
        Decimal("100.00"),
        "双11大促",  # decoded from GBK
        False,
        DAY1,
        "shop/orders/date=2025-03-01/part-0000.csv",
        LOADED_AT,
    )
    assert types["items_amount"] == "DECIMAL(18,2)"
    assert types["placed_at"] == "TIMESTAMP"


def test_reload_is_idempotent_and_unchanged_partitions_are_skipped(
    landing: Path, database: Path
) -> None:
    ingest(database, landing, loaded_at=LOADED_AT)
    first = raw_rows(database, "orders")
    again = ingest(database, landing, loaded_at=LOADED_AT)
    assert {r.status for r in again.results} == {"unchanged"}
    forced = ingest(database, landing, loaded_at=LOADED_AT, force=True)
    assert len(forced.with_status("loaded")) == 3
    assert raw_rows(database, "orders") == first
    assert len(first) == 5


def test_reloading_a_day_replaces_exactly_that_day(landing: Path, database: Path) -> None:
    ingest(database, landing, loaded_at=LOADED_AT)
    write_landing_file(landing, ORDERS, DAY2, orders_data(DAY2, n=4, first=10))
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert [(r.table, r.day, r.status, r.rows) for r in report.with_status("loaded")] == [
        ("orders", DAY2, "loaded", 4)
    ]
    ids = [row[0] for row in raw_rows(database, "orders")]
    assert ids == [
        "o0301001",
        "o0301002",
        "o0301003",
        "o0302010",
        "o0302011",
        "o0302012",
        "o0302013",
    ]


def _orders_file(landing: Path, day: dt.date = DAY2) -> Path:
    return ORDERS.landing_dir(landing, day) / "part-0000.csv"


def _events_file(landing: Path) -> Path:
    return EVENTS.landing_dir(landing, DAY1) / "part-0000.parquet"


def _parquet_with(landing: Path, column: str, array: pa.Array) -> None:
    table = to_contract_table(EVENTS, events_data())
    index = table.column_names.index(column)
    pq.write_table(table.set_column(index, column, array), _events_file(landing))


# Each case damages one landing file and names the exact message the operator must read.
BAD_FILES = {
    "missing column": (
        lambda landing: drop_csv_column(_orders_file(landing), "order_total", "gbk"),
        "orders",
        "shop/orders/date=2025-03-02/part-0000.csv: [missing_column] column 'order_total': "
        "columns required by the contract are missing: ['order_total']",
    ),
    "extra column": (
        lambda landing: replace_in_csv(
            _orders_file(landing), '"is_fraud"\n', '"is_fraud","note"\n', "gbk"
        ),
        "orders",
        "[extra_column] column 'note': columns not in the contract: ['note']",
    ),
    "renamed column": (
        lambda landing: replace_in_csv(_orders_file(landing), '"placed_at"', '"order_time"', "gbk"),
        "orders",
        "[missing_column] column 'placed_at': columns required by the contract are missing: "
        "['placed_at']; unexpected columns present: ['order_time']",
    ),
    "unparseable timestamp": (
        lambda landing: replace_in_csv(
            _orders_file(landing), "2025-03-02 00:01:00.000000Z", "yesterday", "gbk"
        ),
        "orders",
        "[unparseable_value] column 'placed_at' row 2: value 'yesterday' is not a timestamp "
        "(timestamp)",
    ),
    "wrong type in csv": (
        lambda landing: replace_in_csv(
            _orders_file(landing),
            ",false,false",
            ",maybe,false",
            "gbk",
        ),
        "orders",
        "[unparseable_value] column 'is_test' row 1: value 'maybe' is not a boolean (boolean)",
    ),
    "wrong type in parquet": (
        lambda landing: _parquet_with(landing, "page_load_ms", pa.array(["1", "2", "3", "4"])),
        "events",
        "web/events/date=2025-03-01/part-0000.parquet: [wrong_type] column 'page_load_ms': "
        "Parquet type string does not hold contract type integer (bigint)",
    ),
    "utf-8 file where gbk is declared": (
        lambda landing: _orders_file(landing).write_bytes(
            _orders_file(landing).read_bytes().decode("gbk").encode("utf-8")
        ),
        "orders",
        "[encoding]: the file is UTF-8 but the source declares gbk: re-export it in gbk",
    ),
    "undecodable gbk": (
        lambda landing: _orders_file(landing).write_bytes(
            _orders_file(landing).read_bytes().replace(b"\n", b"\n\x80\x20", 1)
        ),
        "orders",
        "[encoding] row 1: not valid gbk at byte",
    ),
    "empty file": (
        lambda landing: _orders_file(landing).write_bytes(b""),
        "orders",
        "[empty_file]: the file is empty (0 bytes)",
    ),
    "truncated parquet": (
        lambda landing: _events_file(landing).write_bytes(
            _events_file(landing).read_bytes()[:-100]
        ),
        "events",
        "[unreadable_file]: not a readable Parquet file (truncated or corrupt)",
    ),
    "unknown file type": (
        lambda landing: (_orders_file(landing).with_suffix(".xlsx")).write_bytes(b"x"),
        "orders",
        "part-0000.xlsx: [unknown_file_type]: only .parquet and .csv are accepted",
    ),
    "an integer beyond the contract type": (
        # passes the stacked check of many files (no value rule is about it); the insert's
        # cast refuses it, and the file's own check names it
        lambda landing: _parquet_with(
            landing, "page_load_ms", pa.array([0, 1, 2, 2**63], pa.uint64())
        ),
        "events",
        "web/events/date=2025-03-01/part-0000.parquet: [wrong_type]",
    ),
    "integer with a fraction": (
        lambda landing: _parquet_with(landing, "page_load_ms", pa.array([0.5, 1.0, 2.0, 3.0])),
        "events",
        "Parquet type double does not hold contract type integer (bigint)",
    ),
    "a null token in a money column": (
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ",NULL,", "gbk"),
        "orders",
        "[unparseable_value] column 'order_total' row 2: value 'NULL' is not a decimal "
        "(decimal(18, 2))",
    ),
    "a null token in a boolean column": (
        lambda landing: replace_in_csv(
            _orders_file(landing), ",false,false\n", ",N/A,false\n", "gbk"
        ),
        "orders",
        "[unparseable_value] column 'is_test' row 1: value 'N/A' is not a boolean (boolean)",
    ),
    "money with more decimals than the contract keeps": (
        lambda landing: replace_in_csv(
            _orders_file(landing), ",10.00,112.00,", ",7.825,112.00,", "gbk"
        ),
        "orders",
        "[over_precise_money] column 'shipping_fee' row 3: value '7.825' has more than 2 "
        "decimals, which the contract type decimal (decimal(18, 2)) would round",
    ),
    "a UTF-8 byte-order mark where GBK is declared": (
        lambda landing: _orders_file(landing).write_bytes(
            codecs.BOM_UTF8 + _orders_file(landing).read_bytes().decode("gbk").encode("utf-8")
        ),
        "orders",
        "[encoding]: the file is UTF-8 (it starts with a UTF-8 byte-order mark, as Excel's "
        "'CSV UTF-8' writes) but the source declares gbk: re-export it in gbk",
    ),
    "a trailing line of spaces": (
        lambda landing: _orders_file(landing).write_bytes(
            _orders_file(landing).read_bytes() + b"   \n"
        ),
        "orders",
        "[malformed_csv] row 4: line 5 has 1 field(s) where the header has 15: '   '",
    ),
    # numbers are finite, whatever the spelling
    "NaN in a money column": (
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ",NaN,", "gbk"),
        "orders",
        "[non_finite_number] column 'order_total' row 2: value 'NaN' is not a finite number: "
        "decimal (decimal(18, 2)) holds finite values only",
    ),
    "-inf in a money column": (
        lambda landing: replace_in_csv(
            _orders_file(landing), ",10.00,112.00,", ",-inf,112.00,", "gbk"
        ),
        "orders",
        "[non_finite_number] column 'shipping_fee' row 3: value '-inf' is not a finite number",
    ),
    "Infinity in a Parquet float": (
        lambda landing: pq.write_table(
            to_contract_table(ORDERS, orders_data(DAY2, n=3)).set_column(
                7, "order_total", pa.array([110.0, float("inf"), 112.0])
            ),
            ORDERS.landing_dir(landing, DAY2) / "part-0001.parquet",
        ),
        "orders",
        "part-0001.parquet: [non_finite_number] column 'order_total' row 2: value 'inf' is not "
        "a finite number",
    ),
    # text holds no control character
    "a NUL inside a quoted text": (
        lambda landing: replace_in_csv(
            _orders_file(landing), '"双11大促"', '"双11\x00大促"', "gbk"
        ),
        "orders",
        "[control_character] column 'campaign_code' row 1: value '双11\\x00大促' holds a "
        "control character (NUL, escape, a byte-order mark …) or a line break or tab",
    ),
    "a quoted line break in a text that is not multiline": (
        lambda landing: replace_in_csv(_orders_file(landing), '"alipay"', '"ali\r\npay"', "gbk"),
        "orders",
        "[control_character] column 'payment_method' row 1: value 'ali\\r\\npay' holds",
    ),
    # shapes of numbers and times that have no single meaning
    "a decimal comma": (
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ',"111,00",', "gbk"),
        "orders",
        "[unparseable_value] column 'order_total' row 2: value '111,00' is not a decimal "
        "(decimal(18, 2)) (a CSV decimal is digits and a '.' decimal point, no thousands "
        "separator, currency or exponent)",
    ),
    "a thousands separator": (
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ',"1,111.00",', "gbk"),
        "orders",
        "[unparseable_value] column 'order_total' row 2: value '1,111.00' is not a decimal",
    ),
    "a currency symbol": (
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ",￥111.00,", "gbk"),
        "orders",
        "[unparseable_value] column 'order_total' row 2: value '￥111.00' is not a decimal",
    ),
    "money in scientific notation": (
        # 1.11055e2 would be cast, silently, to 111.06
        lambda landing: replace_in_csv(_orders_file(landing), ",111.00,", ",1.11055e2,", "gbk"),
        "orders",
        "[unparseable_value] column 'order_total' row 2: value '1.11055e2' is not a decimal",
    ),
    "a time-zone abbreviation": (
        # 'CST' is China's UTC+8 to the shop and US Central time to a parser
        lambda landing: replace_in_csv(
            _orders_file(landing), "2025-03-02 00:01:00.000000Z", "2025-03-02 08:01:00 CST", "gbk"
        ),
        "orders",
        "[unparseable_value] column 'placed_at' row 2: value '2025-03-02 08:01:00 CST' is not a "
        "timestamp (timestamp) (a CSV timestamp is ISO 8601 with 'Z' or a numeric UTC offset",
    ),
    "a date where a timestamp is due": (
        lambda landing: replace_in_csv(
            _orders_file(landing), "2025-03-02 00:01:00.000000Z", "2025-03-02", "gbk"
        ),
        "orders",
        "[unparseable_value] column 'placed_at' row 2: value '2025-03-02' is not a timestamp",
    ),
    "nanoseconds the contract type would cut": (
        lambda landing: replace_in_csv(
            _orders_file(landing),
            "2025-03-02 00:01:00.000000Z",
            "2025-03-02 00:01:00.0000001Z",
            "gbk",
        ),
        "orders",
        "[unparseable_value] column 'placed_at' row 2: value '2025-03-02 00:01:00.0000001Z'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_whole_and_previous_load_kept(
    case: str, landing: Path, database: Path
) -> None:
    damage, table, message = BAD_FILES[case]
    ingest(database, landing, loaded_at=LOADED_AT)
    before = {name: raw_rows(database, name) for name in ("orders", "events")}
    # the new export of the partition is bigger, and broken
    if table == "orders":
        write_landing_file(landing, ORDERS, DAY2, orders_data(DAY2, n=3))
    damage(landing)
    report = ingest(database, landing, loaded_at=LOADED_AT)
    rejected = report.with_status("rejected")
    assert len(rejected) == 1, report.summary()
    assert rejected[0].table == table
    assert message in rejected[0].message
    assert "nothing loaded" in rejected[0].message
    assert {name: raw_rows(database, name) for name in before} == before
    logged = (
        duckdb.connect(str(database), read_only=True)
        .execute(
            "select table_name, status, message from raw._ingest_log where status = 'rejected'"
        )
        .fetchall()
    )
    assert logged == [(table, "rejected", rejected[0].message)]


def test_gbk_bytes_in_a_utf8_source_are_named(tmp_path: Path, database: Path) -> None:
    landing = tmp_path / "landing"
    path = write_landing_file(
        landing,
        WAREHOUSES,
        DAY1,
        {
            "warehouse_id": ["wh_sh"],
            "warehouse_name": ["华东仓"],
            "region": ["华东"],
            "city": ["上海"],
            "ship_sla_hours": [24],
            "shelving_sla_hours": [12],
            "delivery_sla_hours": [72],
            "updated_at": np.array(["2025-03-01T00:00:00"], dtype="datetime64[us]"),
        },
    )
    path.write_bytes(path.read_bytes().decode("utf-8").encode("gbk"))
    report = ingest(database, landing)
    (rejected,) = report.with_status("rejected")
    assert (
        "[encoding] row 1: not valid utf-8 at byte" in rejected.message
        and "the bytes read as GBK: was the file exported in GBK?" in rejected.message
    )
    assert raw_rows(database, "warehouses") == []
    assert warehouse_csv_header().startswith("warehouse_id,")


def test_one_bad_file_rejects_its_whole_partition_only(landing: Path, database: Path) -> None:
    second = write_landing_file(landing, ORDERS, DAY1, orders_data(DAY1, n=2, first=50), part=1)
    replace_in_csv(second, "2025-03-01 00:01:00.000000Z", "not a time", "gbk")
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert [(r.table, r.day) for r in report.with_status("rejected")] == [("orders", DAY1)]
    assert sorted(report.rows_loaded().items()) == [("events", 4), ("orders", 2)]
    assert {row[0][:5] for row in raw_rows(database, "orders")} == {"o0302"}


def test_header_only_csv_loads_zero_rows_but_empty_directory_is_rejected(
    landing: Path, database: Path
) -> None:
    ingest(database, landing, loaded_at=LOADED_AT)
    header = _orders_file(landing).read_text(encoding="gbk").splitlines()[0]
    _orders_file(landing).write_bytes(f"{header}\n".encode("gbk"))
    empty_day = ORDERS.landing_dir(landing, dt.date(2025, 3, 3))
    empty_day.mkdir(parents=True)
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert [(r.day, r.rows) for r in report.with_status("loaded")] == [(DAY2, 0)]
    (rejected,) = report.with_status("rejected")
    assert rejected.day == dt.date(2025, 3, 3)
    assert "no data files" in rejected.message
    assert len(raw_rows(database, "orders")) == 3


def test_unknown_landing_folders_are_reported_not_loaded(landing: Path, database: Path) -> None:
    (landing / "shop" / "vouchers" / "date=2025-03-01").mkdir(parents=True)
    (landing / "web" / "events" / "2025-03-02").mkdir(parents=True)
    report = ingest(database, landing)
    assert sorted(r.message for r in report.with_status("rejected")) == [
        "shop/vouchers is not a table of the contract",
        "web/events/2025-03-02 is not a date=YYYY-MM-DD partition",
    ]
    assert report.rows_loaded() == {"orders": 5, "events": 4}


def test_null_tokens_are_the_contracts_and_nothing_else(
    landing: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default only the empty field is null: 'N/A' in a text column is text (which the raw
    gate then judges); a source or column that declares tokens gets exactly those."""
    replace_in_csv(_orders_file(landing), '"alipay"', '"N/A"', "gbk")
    replace_in_csv(_orders_file(landing), '"standard"', '"NULL"', "gbk")
    assert ingest(database, landing, loaded_at=LOADED_AT).ok
    assert query(
        database,
        "select order_id, coupon_code, payment_method, delivery_method from raw.orders "
        "where _partition_date = ? order by order_id",
        [DAY2],
    ) == [("o0302001", None, "N/A", "NULL"), ("o0302002", None, "alipay", "standard")]

    shop = CONTRACT.source("shop")
    payment = ORDERS.column("payment_method")
    declared = dataclasses.replace(
        shop,
        null_values=("", "NULL"),
        tables=tuple(
            dataclasses.replace(
                table,
                columns=tuple(
                    dataclasses.replace(c, null_values=("N/A",)) if c == payment else c
                    for c in table.columns
                ),
            )
            for table in shop.tables
        ),
    )
    contract = dataclasses.replace(
        CONTRACT,
        sources=tuple(declared if s.name == "shop" else s for s in CONTRACT.sources),
    )
    for module in ("loader", "checks"):
        monkeypatch.setattr(f"orchestration.ingest.{module}.load_contract", lambda: contract)
    orders = contract.table("shop", "orders")
    assert declared.null_values_of(orders.column("payment_method")) == ("N/A",)
    assert declared.null_values_of(orders.column("delivery_method")) == ("", "NULL")
    replace_in_csv(_orders_file(landing), '"o0302002"', '"o0302009"', "gbk")  # a new export
    report = ingest(database, landing, tables=["orders"], loaded_at=LOADED_AT)
    assert report.ok and orders.column("payment_method").null_values == ("N/A",)
    # the column's own tokens replace the source's: an empty payment method is text there
    assert query(
        database,
        "select order_id, coupon_code, payment_method, delivery_method from raw.orders "
        "where _partition_date = ? order by order_id",
        [DAY2],
    ) == [("o0302001", None, None, None), ("o0302009", None, "alipay", "standard")]


def test_a_utf8_byte_order_mark_is_accepted_in_a_utf8_source(
    tmp_path: Path, database: Path
) -> None:
    landing = tmp_path / "landing"
    header = warehouse_csv_header()
    row = "wh_sh,华东仓,华东,上海,24,12,72,2025-03-01T00:00:00Z"
    path = WAREHOUSES.landing_dir(landing, DAY1) / "part-0000.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(codecs.BOM_UTF8 + f"{header}\n{row}\n".encode())
    report = ingest(database, landing)
    assert report.ok, report.summary()
    assert [r[:4] for r in raw_rows(database, "warehouses")] == [
        ("wh_sh", "华东仓", "华东", "上海")
    ]


def _read(path: Path, table=ORDERS) -> pa.Table:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return read_landing_file(con, path, table, path.name)


def test_export_shapes_that_parse_to_the_same_values(landing: Path) -> None:
    """Windows line endings, 'T' and an explicit UTC offset, spaces around a number, a
    positive sign, booleans as yes/no: the same rows as the file as the shop writes it."""
    path = _orders_file(landing)
    clean = _read(path)
    text = path.read_text(encoding="gbk")
    for old, new in [
        ("2025-03-02 00:00:00.000000Z", "2025-03-02T08:00:00+08:00"),  # the same instant
        ("2025-03-02 00:01:00.000000Z", "2025-03-01 19:01:00-0500"),
        (",111.00,", ", +111.0 ,"),
        (",false,false\n", ",no,N\n"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    assert b"\r\n" in path.read_bytes()
    shaped = _read(path)
    assert shaped.equals(clean)
    assert shaped.column("placed_at").to_pylist()[:2] == [
        dt.datetime(2025, 3, 2, 0, 0),
        dt.datetime(2025, 3, 2, 0, 1),
    ]
    assert shaped.column("order_total").to_pylist() == [Decimal("110.00"), Decimal("111.00")]


def test_a_multiline_column_keeps_quoted_line_breaks(landing: Path) -> None:
    """A column declared multiline holds line breaks and tabs (never a NUL); another holding
    one is refused (BAD_FILES)."""
    campaign = ORDERS.column("campaign_code")
    table = dataclasses.replace(
        ORDERS,
        columns=tuple(
            dataclasses.replace(c, multiline=True) if c == campaign else c for c in ORDERS.columns
        ),
    )
    path = _orders_file(landing)
    replace_in_csv(path, '"双11大促"', '"双11\r\n\t大促"', "gbk")
    assert _read(path, table).column("campaign_code").to_pylist() == ["双11\r\n\t大促", "双11大促"]
    replace_in_csv(path, '"双11大促"', '"双11\x00大促"', "gbk")
    with pytest.raises(
        ContractViolation, match=r"\[control_character\] column 'campaign_code' row 2"
    ):
        _read(path, table)


def order_lines_data(day: dt.date, coupons: list, campaigns: list) -> dict[str, object]:
    n = len(coupons)
    return {
        "order_line_id": [f"o{day:%m%d}001-{i}" for i in range(1, n + 1)],
        "order_id": [f"o{day:%m%d}001"] * n,
        "line_number": list(range(1, n + 1)),
        "sku_id": [f"SKU{i:06d}" for i in range(1, n + 1)],
        "placed_at": np.array([f"{day}T00:00:00"] * n, dtype="datetime64[us]"),
        "quantity": [2] * n,
        "unit_list_price": [50.0] * n,
        "unit_price": [45.0] * n,
        "line_amount": [90.0] * n,
        "line_status": ["accepted"] * n,
        "coupon_code": coupons,
        "campaign_code": campaigns,
    }


def test_a_file_may_leave_out_an_optional_column_and_no_other(tmp_path: Path) -> None:
    """shop.order_lines' coupon_code and campaign_code are optional: a file with them loads
    them, a file without them loads its lines with nulls there; a file without a required
    column (sku_id) is refused whole, the file and the column named."""
    lines = CONTRACT.table("shop", "order_lines")  # CSV, GBK
    assert [c.name for c in lines.columns if c.optional] == ["coupon_code", "campaign_code"]
    landing, database = tmp_path / "landing", tmp_path / "warehouse" / "shop.duckdb"
    write_landing_file(
        landing, lines, DAY1, order_lines_data(DAY1, ["WELCOME10", None], ["双11大促"] * 2)
    )
    write_landing_file(landing, lines, DAY2, order_lines_data(DAY2, [None], [None]))
    without = lines.landing_dir(landing, DAY2) / "part-0000.csv"
    for column in ("coupon_code", "campaign_code"):
        drop_csv_column(without, column, "gbk")
    assert "coupon_code" not in without.read_text(encoding="gbk")
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert report.ok, report.summary()
    assert query(
        database,
        "select order_line_id, sku_id, line_amount, coupon_code, campaign_code "
        "from raw.order_lines order by 1",
    ) == [
        ("o0301001-1", "SKU000001", Decimal("90.00"), "WELCOME10", "双11大促"),
        ("o0301001-2", "SKU000002", Decimal("90.00"), None, "双11大促"),
        ("o0302001-1", "SKU000001", Decimal("90.00"), None, None),
    ]
    day3 = DAY2 + dt.timedelta(days=1)
    write_landing_file(landing, lines, day3, order_lines_data(day3, [None], [None]))
    for column in ("coupon_code", "sku_id"):
        drop_csv_column(lines.landing_dir(landing, day3) / "part-0000.csv", column, "gbk")
    [refused] = ingest(database, landing, loaded_at=LOADED_AT).with_status("rejected")
    assert refused.message == (
        "shop.order_lines 2025-03-03: nothing loaded, shop/order_lines/date=2025-03-03/"
        "part-0000.csv: [missing_column] column 'sku_id': columns required by the contract "
        "are missing: ['sku_id']"
    )
    assert query(database, "select count(*) from raw.order_lines") == [(3,)]


def test_the_control_character_rule_reads_the_same_from_bytes_as_in_sql() -> None:
    """The stacked check tells control characters from the values' UTF-8 bytes; the file's own
    check with the rule's SQL (DuckDB's regular expression): both agree on each value,
    the characters next to the refused ones (U+00A0, U+FEFE, '·', '￥') included."""
    (rule,) = [rule for rule in VALUE_RULES if rule.name == "control_character"]
    text = ORDERS.column("payment_method")
    lines = dataclasses.replace(text, multiline=True)
    values = [
        *(chr(code) for code in range(0x00, 0x21)),
        "\x7e", "\x7f", "\x80", "\x9f", "\xa0", "\xb7", "\ufeff", "\ufefe", "\uffe5",
        "双11大促", "a\tb", "a\r\nb", "ok\x00", "·华东仓", "e\u0301", "",
    ]  # fmt: skip
    con = duckdb.connect()
    for column in (text, lines):
        condition = rule.breaks(column, "csv").replace("{v}", "?")
        in_sql = [con.execute(f"select {condition}", [value]).fetchone()[0] for value in values]
        from_bytes = [not rule.none_breaks(column, pa.array([value])) for value in values]
        assert from_bytes == in_sql
        # 32 C0 controls, DEL, U+0080, U+009F, U+FEFF and three texts holding one; a multiline
        # column takes a tab, a line feed and a carriage return (and the two texts of them)
        assert sum(in_sql) == (39 if column is text else 34)
        # many values at once: only one of them breaks the rule
        assert rule.none_breaks(column, pa.array(["华东", "\xa0", None, "x"]))
        assert not rule.none_breaks(column, pa.array(["华东", None, "x\x9f"]))
        dictionary = pa.array(["a", "b\x1b", "a"]).dictionary_encode()
        assert not rule.none_breaks(column, dictionary)
        assert rule.none_breaks(column, pa.array(["x", "y\x1b", "z"]).slice(2))


def test_the_stacked_load_equals_each_file_checked_on_its_own(
    landing: Path, database: Path
) -> None:
    """Partitions load through one stacked check and insert per table; each file's rows in raw
    are exactly those of its own check (read_landing_file), files of another column order
    and without an optional column included."""
    lines = CONTRACT.table("shop", "order_lines")
    write_landing_file(
        landing, lines, DAY1, order_lines_data(DAY1, ["WELCOME10", None], [None] * 2)
    )
    second = write_landing_file(
        landing, lines, DAY1, order_lines_data(DAY1, [None], ["双11大促"]), part=1
    )
    drop_csv_column(second, "coupon_code", "gbk")
    rows = list(csv.reader(io.StringIO(second.read_text(encoding="gbk"))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(row[1:] + row[:1] for row in rows)
    second.write_bytes(out.getvalue().encode("gbk"))  # the first column moved to the end
    report = ingest(database, landing, loaded_at=LOADED_AT)
    assert report.ok, report.summary()
    assert report.rows_loaded() == {"orders": 5, "order_lines": 3, "events": 4}
    for table in (ORDERS, EVENTS, lines):
        for path in sorted((landing / table.source / table.name).rglob("part-*")):
            name = str(path.relative_to(landing))
            own = _read(path, table).to_pylist()
            loaded = query(
                database,
                f"select {', '.join(table.column_names)} from raw.{table.name} "
                "where _source_file = ?",
                [name],
            )
            assert sorted(loaded, key=str) == sorted(
                (tuple(row.values()) for row in own), key=str
            ), name
            assert own


def test_csv_files_parsed_together_give_each_file_its_own_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """read_csv_files parses the files of a header in one text and cuts it at their header
    lines; each file gets exactly the records it gives on its own, whatever its line ends,
    quoting or last line, and a file that breaks the structure gets its own violation."""
    lines = CONTRACT.table("shop", "order_lines")
    header = ",".join(lines.column_names)
    row = "l{n},o1,{n},sku-1,2025-03-01 08:00:00+08:00,1,9.90,9.90,9.90,{status},,"
    files = {
        # CRLF line ends, a quoted field holding a comma, a line break and a quote, no last
        # line end: two records
        "crlf.csv": f"{header}\r\n{row.format(n=1, status='accepted')}\r\n"
        + row.format(n=2, status='"被拒,""无货""\n已退"'),
        "header_only.csv": f"{header}\n",
        "gbk_text.csv": f"{header}\n{row.format(n=3, status='已接受')}\n\n",
        # another column order: a group of its own
        "reordered.csv": ",".join(reversed(lines.column_names))
        + "\n"
        + ",".join(reversed(row.format(n=4, status="accepted").split(",")))
        + "\n",
        # an open quote would run into the next file: parsed on its own, refused
        "open_quote.csv": f"{header}\n{row.format(n=5, status=chr(34) + 'accepted')}\n",
        "one_more.csv": f"{header}\n{row.format(n=6, status='accepted')}\n",
    }
    names = list(files)
    datas = [text.encode("gbk") for text in files.values()]
    parses: list[int] = []
    parse = checks._parse_csv
    monkeypatch.setattr(checks, "_parse_csv", lambda *args: parses.append(1) or parse(*args))
    together = [name for name in names if name != "open_quote.csv"]
    found = read_csv_files([datas[names.index(name)] for name in together], lines, "gbk", together)
    assert len(parses) == 2  # one parse per header
    rows = {name: records.num_rows for name, records in zip(together, found, strict=True)}
    assert rows == {
        "crlf.csv": 2,
        "header_only.csv": 0,
        "gbk_text.csv": 1,
        "reordered.csv": 1,
        "one_more.csv": 1,
    }
    source = CONTRACT.source("shop")
    for name, records in zip(together, found, strict=True):
        data = datas[names.index(name)]
        own = delivered_records(Path(name), data, lines, source, name)
        assert records.to_pylist() == own.to_pylist(), name
    assert found[0].column("line_status").to_pylist() == ["accepted", '被拒,"无货"\n已退']
    # with the open quote, its header's files are each parsed on its own: the same records
    refused = read_csv_files(datas, lines, "gbk", names)
    assert isinstance(refused[names.index("open_quote.csv")], ContractViolation)
    assert refused[names.index("open_quote.csv")].file == "open_quote.csv"
    assert [refused[names.index(name)] for name in together] == found
    # a record equal to the header cannot be told from a file's start: each file on its own
    echoed = [f"{header}\n{header}\n".encode("gbk"), datas[names.index("one_more.csv")]]
    assert [records.num_rows for records in read_csv_files(echoed, lines, "gbk", ["a", "b"])] == [
        1,
        1,
    ]
