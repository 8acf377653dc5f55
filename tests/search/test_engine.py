"""The search engine (learncity.search.engine) against a row-by-row reading of the same
programmes: every filter, the registration status (published window and what offers decide),
the facets and the "near" box, on random catalogues (hypothesis). No database: the engine is
Django-free."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learncity.algorithms import search_text
from learncity.search import engine
from learncity.search.engine import Entry, Filters, State, Writer

DAY = dt.date(2026, 6, 15)
DISTRICTS = ("11680", "11650", "11710")
GROUPS = ("노인", "성인", "전체", "장애인")
days = st.none() | st.dates(min_value=dt.date(2026, 5, 1), max_value=dt.date(2026, 8, 1))


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    count = draw(st.integers(1, 25))
    out = []
    for pid in range(1, count + 1):
        lat = draw(st.none() | st.floats(37.40, 37.60))
        out.append(
            Entry(
                programme_id=pid,
                terms=draw(st.sampled_from(("요가", "영어 회화", "요가 명상", "코딩"))),
                grams="",
                body="",
                district=draw(st.sampled_from(DISTRICTS)),
                category=draw(st.sampled_from(("culture_arts", "humanities", ""))),
                groups=tuple(draw(st.sets(st.sampled_from(GROUPS), max_size=2))),
                weekdays=tuple(sorted(draw(st.sets(st.integers(1, 7), max_size=3)))),
                slots=tuple(draw(st.sets(st.sampled_from((1, 2, 4)), max_size=1))),
                fee=draw(st.none() | st.sampled_from((0, 10_000, 30_000))),
                credit_bank=draw(st.booleans()),
                start=draw(days),
                registration_start=draw(days),
                registration_end=draw(days),
                latitude=lat,
                longitude=None if lat is None else draw(st.floats(127.0, 127.2)),
            )
        )
    return out


_ROOT = Path(tempfile.mkdtemp(prefix="learncity-engine-test-"))


@pytest.fixture(autouse=True, scope="module")
def _scratch() -> Iterator[None]:
    yield
    shutil.rmtree(_ROOT, ignore_errors=True)


def build(rows: list[Entry]) -> engine.Engine:
    folder = Path(tempfile.mkdtemp(dir=_ROOT))
    index = engine.open_index(folder, create=True)
    writer = Writer.open(index)
    writer.add(rows)
    writer.commit(State(len(rows), "t"))
    writer.close()
    index.reload()
    return engine.Engine(index)


def published(entry: Entry) -> str:
    return search_text.registration(
        DAY, entry.registration_start, entry.registration_end, entry.start
    ).status


def status_matches(entry: Entry, status: str, decided: dict[int, str]) -> bool:
    """The reading the engine's status query must agree with (the former filter table's)."""
    if entry.programme_id in decided:
        return decided[entry.programme_id] == status
    opens, closes = entry.registration_start, entry.registration_end
    if status == "upcoming":
        return opens is not None and opens > DAY
    if status == "open":
        return (opens is not None or closes is not None) and (
            (opens is None or opens <= DAY) and (closes is None or closes >= DAY)
        )
    return (closes is not None and closes < DAY) or (
        opens is None and closes is None and entry.start is not None and entry.start < DAY
    )


def matched(found: engine.Engine, query) -> set[int]:
    searcher = found.searcher()
    _total, hits = found.top(searcher, query, 1_000)
    return {h.programme_id for h in hits}


SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(
    rows=entries(),
    decided=st.dictionaries(st.integers(1, 30), st.sampled_from(("open", "closed", "unknown"))),
)
def test_status_query_agrees_with_the_published_window_and_the_offers(rows, decided):
    found = build(rows)
    for status in engine.STATUSES:
        query = engine.all_of(engine.DOCUMENTS, engine.status_query(status, DAY, decided))
        expected = {e.programme_id for e in rows if status_matches(e, status, decided)}
        assert matched(found, query) == expected, status
    # the facets' pass counts the same
    day = engine.day_number(DAY)
    counted = found.facets(found.searcher(), engine.DOCUMENTS, [], day)
    plain = {s: {e.programme_id for e in rows if status_matches(e, s, {})} for s in engine.STATUSES}
    assert counted["status"] == {s: len(ids) for s, ids in plain.items()}
    assert counted["total"] == len(rows)
    assert found.count(found.searcher(), engine.DOCUMENTS) == len(rows)
    # with no offer deciding, the status query agrees with what the cards show
    for entry in rows:
        shown = published(entry)
        for status in engine.STATUSES:
            query = engine.all_of(
                engine.status_query(status, DAY, {}), engine._term("pid", entry.programme_id)
            )
            inside = bool(matched(found, query))
            if shown == status:
                assert inside, (entry, status)


@SLOW
@given(
    rows=entries(),
    districts=st.sets(st.sampled_from(DISTRICTS), max_size=2),
    weekdays=st.sets(st.integers(1, 7), max_size=2),
    groups=st.sets(st.sampled_from(GROUPS[:2]), max_size=1),
    free=st.booleans(),
    fee_max=st.none() | st.sampled_from((0, 15_000)),
    credit_bank=st.booleans(),
    weekend=st.booleans(),
)
def test_filters_and_facets_agree_with_a_row_by_row_reading(
    rows, districts, weekdays, groups, free, fee_max, credit_bank, weekend
):
    found = build(rows)
    filters = Filters(
        districts=tuple(sorted(districts)),
        weekdays=tuple(sorted(weekdays)),
        groups=tuple(sorted(groups)),
        free=free,
        fee_max=fee_max,
        credit_bank=credit_bank,
        weekend=weekend,
    )

    def keeps(e: Entry, leave_out: str = "") -> bool:
        return (
            (not districts or leave_out == "districts" or e.district in districts)
            and (not weekdays or leave_out == "weekdays" or bool(set(e.weekdays) & weekdays))
            and (not groups or bool(set(e.groups) & (groups | {"전체"})))
            and (not free or e.fee == 0)
            and (fee_max is None or (e.fee is not None and e.fee <= fee_max))
            and (not credit_bank or e.credit_bank)
            and (not weekend or bool(set(e.weekdays) & {6, 7}))
        )

    parts = engine.filter_queries(filters, DAY, {})
    query = engine.all_of(engine.DOCUMENTS, *parts.values())
    assert matched(found, query) == {e.programme_id for e in rows if keeps(e)}
    searcher = found.searcher()
    counted = found.facets(searcher, query, ["category", "tag"])
    kept = [e for e in rows if keeps(e)]
    categories = {}
    for e in kept:
        categories[e.category] = categories.get(e.category, 0) + 1
    assert dict(counted["category"]) == categories
    tags = dict(counted["tag"])
    assert tags.get("free", 0) == sum(1 for e in kept if e.fee == 0)
    assert tags.get("weekend", 0) == sum(1 for e in kept if set(e.weekdays) & {6, 7})
    # the district facet leaves its own filter out (disjunctive): every district's count
    others = engine.all_of(engine.DOCUMENTS, *[q for k, q in parts.items() if k != "districts"])
    by_district = dict(found.facets(searcher, others, ["district"])["district"])
    for code in DISTRICTS:
        expected = sum(1 for e in rows if keeps(e, "districts") and e.district == code)
        assert by_district.get(code, 0) == expected


@SLOW
@given(rows=entries(), lat=st.floats(37.45, 37.55), lon=st.floats(127.05, 127.15))
def test_the_box_holds_every_programme_with_a_point_inside(rows, lat, lon):
    found = build(rows)
    lat0, lat1, lon0, lon1 = search_text.bounding_box(lat, lon, 5_000)
    box = engine.all_of(engine.DOCUMENTS, engine.within_box(lat0, lat1, lon0, lon1))
    searcher = found.searcher()
    points = found.coordinates(searcher, box, 1_000)
    expected = {
        e.programme_id
        for e in rows
        if e.latitude is not None
        and e.longitude is not None
        and lat0 <= e.latitude <= lat1
        and lon0 <= e.longitude <= lon1
    }
    assert {p for p, _, _ in points} == expected
    for pid, a, o in points:
        assert math.isfinite(a) and math.isfinite(o) and pid in expected


def test_ordering_by_a_field_puts_missing_values_last():
    rows = [
        Entry(programme_id=1, terms="a", grams="", body="", fee=None),
        Entry(programme_id=2, terms="a", grams="", body="", fee=30_000),
        Entry(programme_id=3, terms="a", grams="", body="", fee=0),
    ]
    found = build(rows)
    hits = found.ordered(found.searcher(), engine.DOCUMENTS, "fee", 10)
    assert [h.programme_id for h in hits] == [3, 2, 1]


def test_a_replaced_programme_is_never_there_twice():
    rows = [Entry(programme_id=i, terms="요가", grams="", body="") for i in range(1, 6)]
    found = build(rows)
    writer = Writer.open(found.index)
    writer.replace([2, 3, 99], [Entry(programme_id=2, terms="필라테스", grams="", body="")])
    writer.commit(State(7, "u"))
    writer.close()
    found.reload()
    assert matched(found, engine._term("terms", "요가")) == {1, 4, 5}
    assert matched(found, engine._term("terms", "필라테스")) == {2}
    assert found.state() == State(7, "u")


@SLOW
@given(
    rows=entries(),
    lat=st.floats(37.45, 37.55),
    lon=st.floats(127.05, 127.15),
    metres=st.floats(300, 9_000),
)
def test_near_is_the_walking_circle_to_within_half_a_fine_cell(rows, lat, lon, metres):
    found = build(rows)
    inside = matched(found, engine.all_of(engine.DOCUMENTS, engine.near_query(lat, lon, metres)))
    for e in rows:
        if e.latitude is None or e.longitude is None:
            assert e.programme_id not in inside
            continue
        distance = search_text.distance_m(lat, lon, e.latitude, e.longitude)
        if distance <= metres - 40:
            assert e.programme_id in inside, distance
        elif distance > metres + 40:
            assert e.programme_id not in inside, distance
