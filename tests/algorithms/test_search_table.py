"""The filter table of search against a plain row-by-row reading of the same rules."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import search_text
from learncity.algorithms.search_table import NO_DAY, Filters, SearchTable, day_number

TODAY = dt.date(2026, 4, 20)
GROUPS = ("전체", "성인", "노인", "장애인")

dates = st.one_of(st.none(), st.dates(min_value=dt.date(2026, 3, 1), max_value=dt.date(2026, 6, 1)))
rows = st.fixed_dictionaries(
    {
        "district_code": st.sampled_from(["", "1168000000", "1165000000"]),
        "neighbourhood_code": st.sampled_from(["", "1168051000", "1168052000"]),
        "category": st.sampled_from(["", "culture_arts", "civic"]),
        "mode": st.sampled_from(["offline", "online", ""]),
        "weekday_mask": st.integers(0, 127),
        "slot_mask": st.integers(0, 7),
        "group_mask": st.integers(0, 15),
        "fee_krw": st.one_of(st.none(), st.sampled_from([0, 10_000, 72_000, 150_000])),
        "credit_bank": st.booleans(),
        "learning_account": st.booleans(),
        "voucher_eligible": st.booleans(),
        "start_date": dates,
        "registration_start": dates,
        "registration_end": dates,
        "latitude": st.one_of(st.none(), st.floats(37.45, 37.55)),
        "longitude": st.one_of(st.none(), st.floats(127.0, 127.1)),
        "location_precision": st.sampled_from(["exact", "district"]),
    }
)
filters = st.builds(
    Filters,
    districts=st.sampled_from([(), ("1168000000",), ("1168000000", "1165000000"), ("x",)]),
    neighbourhoods=st.sampled_from([(), ("1168051000",)]),
    weekday_mask=st.integers(0, 127),
    weekend=st.booleans(),
    slot_mask=st.integers(0, 7),
    group_mask=st.integers(0, 15),
    categories=st.sampled_from([(), ("civic",), ("culture_arts", "civic")]),
    free=st.booleans(),
    fee_min=st.one_of(st.none(), st.sampled_from([0, 50_000])),
    fee_max=st.one_of(st.none(), st.sampled_from([0, 80_000])),
    voucher=st.booleans(),
    credit_bank=st.booleans(),
    learning_account=st.booleans(),
    modes=st.sampled_from([(), ("online",)]),
    statuses=st.sampled_from([(), ("open",), ("upcoming", "closed"), ("closed",)]),
    near=st.one_of(st.none(), st.just((37.5, 127.05, 3_000.0))),
)


def _table(data: list[dict[str, object]]) -> SearchTable:
    columns = {name: [row[name] for row in data] for name in data[0]} if data else {}
    ids = list(range(100, 100 + 3 * len(data), 3))[::-1]  # not in order: the table sorts
    columns = {"programme_id": ids, **columns}
    if not data:
        columns = {
            name: []
            for name in [
                "programme_id",
                "district_code",
                "neighbourhood_code",
                "category",
                "mode",
                "weekday_mask",
                "slot_mask",
                "group_mask",
                "fee_krw",
                "credit_bank",
                "learning_account",
                "voucher_eligible",
                "start_date",
                "registration_start",
                "registration_end",
                "latitude",
                "longitude",
                "location_precision",
            ]
        }
    return SearchTable.build(columns)


def _status(row: dict[str, object], status: str) -> bool:
    opens, closes, start = row["registration_start"], row["registration_end"], row["start_date"]
    if status == "upcoming":
        return opens is not None and opens > TODAY  # type: ignore[operator]
    if status == "open":
        return (opens is not None or closes is not None) and (
            (opens is None or opens <= TODAY)  # type: ignore[operator]
            and (closes is None or closes >= TODAY)  # type: ignore[operator]
        )
    return (closes is not None and closes < TODAY) or (  # type: ignore[operator]
        opens is None and closes is None and start is not None and start < TODAY  # type: ignore[operator]
    )


def _passes(row: dict[str, object], f: Filters) -> bool:
    fee = row["fee_krw"]
    if f.districts and row["district_code"] not in f.districts:
        return False
    if f.neighbourhoods and row["neighbourhood_code"] not in f.neighbourhoods:
        return False
    if f.weekday_mask and not row["weekday_mask"] & f.weekday_mask:  # type: ignore[operator]
        return False
    if f.weekend and not row["weekday_mask"] & search_text.WEEKEND_MASK:  # type: ignore[operator]
        return False
    if f.slot_mask and not row["slot_mask"] & f.slot_mask:  # type: ignore[operator]
        return False
    if f.group_mask and not row["group_mask"] & f.group_mask:  # type: ignore[operator]
        return False
    if f.categories and row["category"] not in f.categories:
        return False
    if f.free and fee != 0:
        return False
    if f.fee_min is not None and (fee is None or fee < f.fee_min):  # type: ignore[operator]
        return False
    if f.fee_max is not None and (fee is None or fee > f.fee_max):  # type: ignore[operator]
        return False
    if f.voucher and not row["voucher_eligible"]:
        return False
    if f.credit_bank and not row["credit_bank"]:
        return False
    if f.learning_account and not row["learning_account"]:
        return False
    if f.modes and row["mode"] not in f.modes:
        return False
    if f.statuses and not any(_status(row, s) for s in f.statuses):
        return False
    if f.near is not None:
        lat, lon = row["latitude"], row["longitude"]
        if lat is None or lon is None:
            return False
        lat0, lat1, lon0, lon1 = search_text.bounding_box(f.near[0], f.near[1], f.near[2])
        if not (lat0 <= lat <= lat1 and lon0 <= lon <= lon1):  # type: ignore[operator]
            return False
        scale = max(0.01, math.cos(math.radians(f.near[0])))
        d2 = (lat - f.near[0]) ** 2 + (lon - f.near[1]) ** 2 * scale * scale  # type: ignore[operator]
        if d2 > (f.near[2] / 111_195.0) ** 2:
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.lists(rows, max_size=25), filters)
def test_filters_agree_with_the_row_by_row_reading(data, wanted):
    table = _table(data)
    ids = list(range(100, 100 + 3 * len(data), 3))[::-1]
    kept = table.select(wanted, TODAY, table.all_rows())
    got = sorted(int(i) for i in table.programme_id[table.all_rows()[kept]])
    expected = sorted(pk for pk, row in zip(ids, data, strict=True) if _passes(row, wanted))
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=25))
def test_facet_counts_agree_with_counting_rows(data):
    table = _table(data)
    rows_ = table.all_rows()
    facets = table.facets(TODAY, rows_)
    district = dict(facets["district"])
    for code in {r["district_code"] for r in data}:
        assert district[code] == sum(1 for r in data if r["district_code"] == code)
    assert sum(district.values()) == len(data)
    weekday = dict(facets["weekday"])
    for day in range(1, 8):
        assert weekday[str(day)] == sum(1 for r in data if r["weekday_mask"] & (1 << (day - 1)))
    flags = table.flag_counts(TODAY, rows_)
    statuses = dict(flags["status"])
    for status in ("upcoming", "open", "closed"):
        assert statuses[status] == sum(1 for r in data if _status(r, status))
    assert dict(flags["price"])["free"] == sum(1 for r in data if r["fee_krw"] == 0)
    groups = dict(table.group_counts(GROUPS, rows_))
    assert groups["노인"] == sum(1 for r in data if r["group_mask"] & 4)


@settings(max_examples=100, deadline=None)
@given(st.lists(rows, min_size=1, max_size=25), st.sampled_from(["relevance", "start", "fee"]))
def test_order_is_the_documented_one(data, sort):
    table = _table(data)
    rows_ = table.all_rows()
    rank = np.round(np.linspace(1.0, 2.0, len(rows_))[::-1] * (table.programme_id % 3 + 1), 3)
    order = table.order(rows_, rank, sort)
    keys = []
    for position in order:
        row = rows_[position]
        start = int(table.start[row])
        fee = int(table.fee[row])
        primary = {
            "relevance": (-rank[position], start),
            "start": (start, -rank[position]),
            "fee": (fee if fee >= 0 else 2**63 - 1, -rank[position]),
        }[sort]
        keys.append((*primary, int(table.programme_id[row])))
    assert keys == sorted(keys)
    assert sorted(order.tolist()) == list(range(len(rows_)))


def test_missing_values_never_satisfy_a_comparison():
    table = _table(
        [
            {
                "district_code": "",
                "neighbourhood_code": "",
                "category": "",
                "mode": "",
                "weekday_mask": 0,
                "slot_mask": 0,
                "group_mask": 0,
                "fee_krw": None,
                "credit_bank": False,
                "learning_account": False,
                "voucher_eligible": False,
                "start_date": None,
                "registration_start": None,
                "registration_end": None,
                "latitude": None,
                "longitude": None,
                "location_precision": "unknown",
            }
        ]
    )
    everything = table.all_rows()
    for wanted in (
        Filters(free=True),
        Filters(fee_max=100),
        Filters(fee_min=0),
        Filters(statuses=("open", "upcoming", "closed")),
        Filters(near=(37.5, 127.0, 10_000.0)),
    ):
        assert not table.select(wanted, TODAY, everything).any(), wanted
    assert table.start[0] == NO_DAY
    assert table.boost(TODAY, everything).tolist() == [1.0]


def test_locate_drops_ids_the_table_does_not_hold():
    table = _table([])
    found_rows, found = table.locate(np.array([1, 2], dtype=np.int64))
    assert len(found_rows) == 0 and not found.any()


def test_day_numbers():
    assert day_number(dt.date(1970, 1, 2)) == 1
    assert day_number("2026-04-20") == day_number(dt.date(2026, 4, 20))
    assert day_number(None) == NO_DAY
    assert day_number("not a date") == NO_DAY
