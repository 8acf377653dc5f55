"""Every indicator of algorithms/indicators on one small city whose numbers are worked out by
hand below (no database): two districts, four neighbourhoods, four programmes, five courses,
seven learners."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import indicators as ind

D1, D2 = "1111000000", "1114000000"  # 종로구, 중구
N11, N12, N21, N22 = "1111051500", "1111053000", "1114052000", "1114054000"
OUTSIDE = "9999000000"
AS_OF = dt.date(2026, 12, 31)


def _tables() -> ind.Tables:
    regions = ind.frame(
        "regions",
        [
            {"code": D1, "name": "종로구", "level": "district"},
            {"code": D2, "name": "중구", "level": "district"},
            {"code": N11, "name": "청운효자동", "level": "neighbourhood", "parent_code": D1},
            {"code": N12, "name": "사직동", "level": "neighbourhood", "parent_code": D1},
            {"code": N21, "name": "소공동", "level": "neighbourhood", "parent_code": D2},
            {"code": N22, "name": "회현동", "level": "neighbourhood", "parent_code": D2},
        ],
    )
    # population: N11 = 4000 aged 30 + 1000 aged 70; N12 = 2000 aged 15 + 3000 aged 40;
    # D1 = their sum (10,000); N21 = D2 = 3000 aged 20 + 1000 aged 50 + 1000 aged 90 (5,000);
    # N22 has no population row. City: 15,000; aged 15-64: 13,000; 65+: 2,000.
    population = ind.frame(
        "population",
        [
            {"code": N11, "age": 30, "count": 4000},
            {"code": N11, "age": 70, "count": 1000},
            {"code": N12, "age": 15, "count": 2000},
            {"code": N12, "age": 40, "count": 3000},
            {"code": D1, "age": 15, "count": 2000},
            {"code": D1, "age": 30, "count": 4000},
            {"code": D1, "age": 40, "count": 3000},
            {"code": D1, "age": 70, "count": 1000},
            {"code": N21, "age": 20, "count": 3000},
            {"code": N21, "age": 50, "count": 1000},
            {"code": N21, "age": 90, "count": 1000},
            {"code": D2, "age": 20, "count": 3000},
            {"code": D2, "age": 50, "count": 1000},
            {"code": D2, "age": 90, "count": 1000},
        ],
    )
    venues = ind.frame(
        "venues",
        [
            {"venue_id": 1, "institution_id": 1, "district_code": D1, "neighbourhood_code": N11},
            {"venue_id": 2, "institution_id": 1, "district_code": D1, "neighbourhood_code": N12},
            {"venue_id": 3, "institution_id": 2, "district_code": D2, "neighbourhood_code": N21},
        ],
    )
    programme_rows = [
        (1, 1, 1, D1, N11, "culture_arts", "offline", 0, False),
        (2, 1, 2, D1, N12, "vocational", "online", 50000, True),
        (3, 2, 3, D2, N21, "literacy", "hybrid", None, False),
        (4, 2, 3, D2, N21, "", "offline", 0, False),
    ]
    columns = list(ind.SCHEMAS["programmes"])
    programmes = ind.frame(
        "programmes", [dict(zip(columns, r, strict=True)) for r in programme_rows]
    )
    by_programme = {r[0]: r for r in programme_rows}

    def course(
        cid: int,
        offer: int | None,
        pid: int,
        cap: int,
        method: str,
        term: str,
        start: str,
        end: str,
    ) -> dict[str, object]:
        p = by_programme[pid]
        return {
            "course_id": cid, "offer_id": offer, "programme_id": pid, "institution_id": p[1],
            "district_code": p[3], "neighbourhood_code": p[4], "capacity": cap,
            "method": method, "term": term, "start_date": dt.date.fromisoformat(start),
            "end_date": dt.date.fromisoformat(end), "category": p[5], "mode": p[6],
        }  # fmt: skip

    courses = ind.frame(
        "courses",
        [
            course(1, 1, 1, 10, "first_come", "2026-1", "2026-03-02", "2026-04-30"),
            course(2, 2, 2, 20, "lottery", "2026-1", "2026-04-01", "2026-06-30"),
            course(3, 3, 3, 10, "first_come", "2026-2", "2026-09-01", "2026-12-20"),
            course(4, None, 4, 5, "", "", "2026-05-01", "2026-05-30"),
            course(5, 5, 1, 10, "first_come", "2025-2", "2025-09-01", "2025-10-30"),
        ],
    )
    learner_rows = [
        (1, 1996, D1, N11, False, False, False),  # 30
        (2, 1956, D1, N11, False, True, False),  # 70, low income
        (3, 1986, D1, N12, True, False, False),  # 40, disability
        (4, 2006, D2, N21, False, False, True),  # 20, multicultural
        (5, 1976, D2, N21, False, False, False),  # 50
        (6, 1990, OUTSIDE, "", False, False, False),  # lives outside the city
        (7, 1950, D2, N21, True, False, False),  # 76, disability, never applied
    ]
    columns = list(ind.SCHEMAS["learners"])
    learners = ind.frame("learners", [dict(zip(columns, r, strict=True)) for r in learner_rows])
    applications = ind.frame(
        "applications",
        [
            {"offer_id": o, "learner_id": learner, "status": s}
            for o, learner, s in [
                (1, 1, "confirmed"), (1, 2, "confirmed"), (1, 3, "waitlisted"), (1, 4, "cancelled"),
                (2, 3, "confirmed"), (2, 1, "confirmed"), (2, 5, "pending"), (2, 6, "confirmed"),
                (3, 4, "confirmed"), (3, 5, "cancelled"),
                (5, 1, "confirmed"), (5, 3, "confirmed"),
            ]
        ],
    )  # fmt: skip
    attendance = ind.frame(
        "attendance",
        [{"offer_id": 1, "status": s} for s in ("present", "present", "present", "absent")]
        + [{"offer_id": 2, "status": s} for s in ("late", "excused", "present", "present")]
        + [{"offer_id": 3, "status": "absent"}, {"offer_id": 3, "status": "absent"}],
    )
    completions = ind.frame(
        "completions",
        [{"offer_id": o, "learner_id": learner} for o, learner in [(1, 1), (2, 3), (3, 4), (5, 1)]],
    )
    records = ind.frame(
        "records",
        [
            {"offer_id": 2, "learner_id": 3, "minutes": 600, "accredited": True},
            {"offer_id": 1, "learner_id": 1, "minutes": 300, "accredited": False},
            {"offer_id": 5, "learner_id": 1, "minutes": 120, "accredited": True},
        ],
    )
    return ind.Tables(
        regions=regions, population=population, learners=learners, programmes=programmes,
        venues=venues, courses=courses, applications=applications, attendance=attendance,
        completions=completions, records=records,
    )  # fmt: skip


# Worked out by hand for the year 2026 (courses 1-4; offers 1-3; participants: learners 1, 2,
# 3, 4 — learner 6 lives outside; learner 7 never applied).
EXPECTED_2026: dict[str, float | None] = {
    "supply.programmes_per_10k": 4 / 15000 * 1e4,  # 2.667
    "supply.seats_per_10k": 45 / 15000 * 1e4,  # 10 + 20 + 10 + 5 seats: 30
    "supply.venues_per_10k": 3 / 15000 * 1e4,  # 2
    "supply.category_share.literacy": 25.0,
    "supply.category_share.academic": 0.0,
    "supply.category_share.vocational": 25.0,
    "supply.category_share.culture_arts": 25.0,
    "supply.category_share.humanities": 0.0,
    "supply.category_share.civic": 0.0,
    "supply.category_share.career": 0.0,
    "supply.category_evenness": math.log(3) / math.log(7),  # 3 areas with one each: 0.5646
    "supply.free_share": 2 / 3 * 100,  # fees stated for 1, 2, 4; free: 1 and 4
    "supply.online_share": 50.0,  # 2 online, 3 hybrid
    "supply.accredited_share": 25.0,
    "participation.rate": 4 / 15000 * 100,
    "participation.age.0_9": None,  # nobody of that age lives here
    "participation.age.10_19": 0.0,  # 2000 aged 15, none took part
    "participation.age.20_29": 1 / 3000 * 100,  # learner 4
    "participation.age.30_39": 1 / 4000 * 100,  # learner 1
    "participation.age.40_49": 1 / 3000 * 100,  # learner 3
    "participation.age.50_59": 0.0,
    "participation.age.60_69": None,
    "participation.age.70_79": 1 / 1000 * 100,  # learner 2
    "participation.age.80_89": None,
    "participation.age.90_plus": 0.0,
    "participation.age.65_plus": 1 / 2000 * 100,  # learner 2 of 1000 + 1000
    "participation.group.senior": 50.0,  # learner 2 of seniors 2, 7
    "participation.group.disability": 50.0,  # learner 3 of 3, 7
    "participation.group.low_income": 100.0,  # learner 2
    "participation.group.multicultural": 100.0,  # learner 4
    "participation.repeat": 50.0,  # 1 and 3 were in course 5 (2025)
    "participation.first_time": 50.0,
    "operations.fill_rate": 6 / 40 * 100,  # confirmed 2 + 3 + 1 of 10 + 20 + 10
    "operations.waitlist_pressure": 1 / 40 * 100,
    "operations.lottery_oversubscription": 4 / 20,  # offer 2: 4 applications, 20 seats
    "operations.no_show_rate": 3 / 9 * 100,  # absent 1 + 2 of 4 + 3 + 2 (excused out)
    "operations.completion_rate": 3 / 6 * 100,
    "operations.cancellation_rate": 2 / 10 * 100,
    "outcome.quality_of_life": 2 / 15000 * 100,  # learners 1, 2 in culture course 1
    "outcome.economy": 1 / 13000 * 1e4,  # learner 3 completed vocational course 2
    "outcome.human_resources": 10 / 15000 * 1000,  # 600 accredited minutes of course 2
    "outcome.social_integration": 3 / (4 * 4 / 6),  # 3 of 4 vs 4 of 6 registered: 1.125
    "unesco.education_system": 25.0,  # programme 3 (literacy)
    "unesco.families_communities": 3 / 4 * 100,  # N22 has no venue
    "unesco.workplace": 2 / 13000 * 100,  # learners 1, 3 in course 2
    "unesco.learning_technologies": 4 / 6 * 100,  # 3 online (offer 2) + 1 hybrid (offer 3)
    "unesco.quality": 7 / 10 * 100,
    "unesco.culture_of_learning": 5 / 15000 * 100,  # learner 1 twice, 2, 3, 4 once
    # programmes per 10,000: D1 2.0 (10,000 people), D2 4.0 (5,000); mean 8/3
    "equity.gini.programmes": (2 * 10000 * 5000 * 2.0) / (2 * 15000**2 * 8 / 3),  # 1/6
    "equity.theil.programmes": (2 / 3) * 0.75 * math.log(0.75) + (1 / 3) * 1.5 * math.log(1.5),
    "equity.gap.programmes": 2.0,
    # participation: D1 3/10,000 = 0.03 %, D2 1/5,000 = 0.02 %; mean 0.02667
    "equity.gini.participation": (2 * 10000 * 5000 * 0.01) / (2 * 15000**2 * (0.4 / 15)),
    "equity.theil.participation": (2 / 3) * 1.125 * math.log(1.125)
    + (1 / 3) * 0.75 * math.log(0.75),
    "equity.gap.participation": 0.01,
}


def _values(scope: ind.Scope, tables: ind.Tables | None = None) -> dict[str, float | None]:
    return {r.id: r.value for r in ind.compute(tables or _tables(), scope)}


def _close(actual: float | None, expected: float | None) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_every_indicator_has_a_hand_computed_value() -> None:
    assert set(EXPECTED_2026) == set(ind.SPECS)


@pytest.mark.parametrize("indicator_id", sorted(EXPECTED_2026))
def test_each_indicator_for_2026(indicator_id: str) -> None:
    values = _values(ind.Scope(year=2026, as_of=AS_OF))
    assert _close(values[indicator_id], EXPECTED_2026[indicator_id]), (
        indicator_id,
        values[indicator_id],
        EXPECTED_2026[indicator_id],
    )


def _breakdown(indicator_id: str, level: str, scope: ind.Scope) -> dict[str, float | None]:
    result = ind.compute(_tables(), scope, ids=[indicator_id])[0]
    return dict(result.breakdown[level].select("code", "value").iter_rows())


def test_breakdowns_by_district_and_neighbourhood() -> None:
    scope = ind.Scope(year=2026, as_of=AS_OF)
    assert _breakdown("supply.programmes_per_10k", "district", scope) == {D1: 2.0, D2: 4.0}
    assert _breakdown("supply.programmes_per_10k", "neighbourhood", scope) == {
        N11: 2.0,
        N12: 2.0,
        N21: 4.0,
        N22: None,  # no population row: no rate
    }
    participation = _breakdown("participation.rate", "district", scope)
    assert _close(participation[D1], 0.03) and _close(participation[D2], 0.02)
    fill = _breakdown("operations.fill_rate", "district", scope)
    assert _close(fill[D1], 5 / 30 * 100) and _close(fill[D2], 10.0)
    assert _breakdown("unesco.families_communities", "district", scope) == {D1: 100.0, D2: 50.0}
    assert _breakdown("supply.category_share.literacy", "district", scope) == {D1: 0.0, D2: 50.0}
    # participants counted where they live: learner 6 (outside) is nowhere
    rate = ind.compute(_tables(), scope, ids=["participation.rate"])[0]
    assert rate.numerator == 4.0
    assert rate.breakdown["district"]["numerator"].sum() == 4.0


def test_rows_known_only_by_district_leave_its_neighbourhoods_without_a_value() -> None:
    """A programme placed in 종로구 but in none of its neighbourhoods (a venue known only by
    its district): 종로구's neighbourhoods cannot be counted (no value, not 0), 중구's can."""
    tables = _tables()
    loose = tables.programmes.filter(pl.col("programme_id") == 1).with_columns(
        pl.lit(9).cast(tables.programmes.schema["programme_id"]).alias("programme_id"),
        pl.lit(None)
        .cast(tables.programmes.schema["neighbourhood_code"])
        .alias("neighbourhood_code"),
    )
    tables = ind.Tables(
        **{
            name: (pl.concat([tables.programmes, loose]) if name == "programmes" else frame)
            for name, frame in ((n, getattr(tables, n)) for n in ind.SCHEMAS)
        }
    )
    scope = ind.Scope(as_of=AS_OF)  # every programme, whatever its courses' period
    result = ind.compute(tables, scope, ids=["supply.programmes_per_10k"])[0]
    district = dict(result.breakdown["district"].select("code", "value").iter_rows())
    assert _close(district[D1], 3.0)  # 3 programmes / 10,000 residents: the loose one counts here
    rows = {r["code"]: r for r in result.breakdown["neighbourhood"].iter_rows(named=True)}
    assert rows[N11]["value"] is None and rows[N12]["value"] is None
    assert rows[N11]["unlocated"] == 1.0 and rows[N11]["numerator"] == 1.0  # a lower bound
    assert rows[N21]["value"] == 4.0 and not rows[N21]["unlocated"]


def test_previous_period_month_and_term() -> None:
    assert _close(_values(ind.Scope(year=2025, as_of=AS_OF))["supply.programmes_per_10k"],
                  1 / 15000 * 1e4)  # fmt: skip
    september = _values(ind.Scope(year=2026, month=9, as_of=AS_OF))
    assert _close(september["supply.programmes_per_10k"], 1 / 15000 * 1e4)
    assert ind.Scope(year=2026, month=1).previous() == ind.Scope(year=2025, month=12)
    assert ind.Scope(year=2026, month=9).previous() == ind.Scope(year=2026, month=8)
    assert ind.Scope(year=2026).previous() == ind.Scope(year=2025)
    assert ind.Scope(term="2026-1").previous() == ind.Scope(term="2025-2")
    assert ind.Scope(term="2026-2").previous() == ind.Scope(term="2026-1")
    assert ind.Scope(term="여름학기").previous() is None
    assert ind.Scope().previous() is None
    term = _values(ind.Scope(term="2026-1", as_of=AS_OF))
    assert _close(term["operations.fill_rate"], 5 / 30 * 100)
    # before the term (first course 2026-03-02): course 5 of 2025 had learners 1 and 3
    assert _close(term["participation.repeat"], 2 / 3 * 100)


def test_without_a_period_everything_counts() -> None:
    values = _values(ind.Scope(as_of=AS_OF))
    assert _close(values["supply.programmes_per_10k"], 4 / 15000 * 1e4)
    assert _close(values["supply.seats_per_10k"], 55 / 15000 * 1e4)
    # repeat without a period: more than one course (learner 1: 3, learner 3: 2)
    assert _close(values["participation.repeat"], 50.0)
    assert _close(values["outcome.human_resources"], 12 / 15000 * 1000)  # 600 + 120 minutes


def test_district_and_institution_filters() -> None:
    d2 = _values(ind.Scope(year=2026, district_code=D2, as_of=AS_OF))
    assert _close(d2["supply.programmes_per_10k"], 2 / 5000 * 1e4)
    assert _close(d2["participation.rate"], 1 / 5000 * 100)  # learner 4
    assert _close(d2["participation.group.disability"], 0.0)  # learner 7 did not take part
    assert _close(d2["operations.fill_rate"], 10.0)
    assert d2["equity.gini.programmes"] == 0.0  # one district: nothing to compare
    first = _values(ind.Scope(year=2026, institution_id=1, as_of=AS_OF))
    assert _close(first["supply.programmes_per_10k"], 2 / 15000 * 1e4)
    assert _close(first["participation.rate"], 3 / 15000 * 100)  # learners 1, 2, 3


def test_explicit_city_districts_and_programme_rows() -> None:
    ctx = ind.Context(_tables(), ind.Scope(year=2026, as_of=AS_OF, districts=(D1,)))
    result = ind.compute_one(ctx, "participation.rate")
    assert _close(result.value, 3 / 10000 * 100)
    rows = ind.programme_rows(ctx, "operations.fill_rate")
    assert rows is not None
    assert dict(rows.select("code", "value").iter_rows()) == {"1": 20.0, "2": 15.0}
    assert ind.programme_rows(ctx, "participation.rate") is None


def test_empty_tables_give_no_values_not_errors() -> None:
    results = ind.compute(ind.Tables.empty(), ind.Scope(year=2026))
    assert {r.id for r in results} == set(ind.SPECS)
    assert all(r.value is None or r.value == 0 for r in results)


def test_hostile_inputs_are_refused_clearly() -> None:
    with pytest.raises(ind.IndicatorInputError, match="month"):
        ind.Scope(year=2026, month=13)
    with pytest.raises(ind.IndicatorInputError, match="year"):
        ind.Scope(month=3)
    with pytest.raises(ind.IndicatorInputError, match="학기"):
        ind.Scope(term="  ")
    with pytest.raises(ind.IndicatorInputError, match="unknown indicator"):
        ind.compute(_tables(), ind.Scope(), ids=["participation.rate; DROP TABLE"])
    broken = _tables()
    broken.learners = broken.learners.drop("birth_year")
    with pytest.raises(ind.IndicatorInputError, match="birth_year"):
        ind.compute(broken, ind.Scope())
    with pytest.raises(ind.IndicatorInputError, match="unknown tables"):
        ind.Tables.empty(people=pl.DataFrame())


def test_enum_columns_and_int32_ids_give_the_same_numbers() -> None:
    """The bench's compact frames (Enum text, Int32 ids) compute what the snapshot's do."""
    tables = _tables()
    compact = {}
    for name in ind.SCHEMAS:
        data = getattr(tables, name)
        casts = []
        for column, dtype in data.schema.items():
            if column.endswith("_id"):
                casts.append(pl.col(column).cast(pl.Int32))
            elif dtype == pl.String and column in (
                "status", "category", "mode", "method", "term", "district_code",
                "neighbourhood_code",
            ):  # fmt: skip
                values = sorted({v for v in data[column].to_list() if v is not None})
                casts.append(pl.col(column).cast(pl.Enum(values)))
        compact[name] = data.with_columns(casts) if casts else data
    values = _values(ind.Scope(year=2026, as_of=AS_OF), ind.Tables(**compact))
    for indicator_id, expected in EXPECTED_2026.items():
        assert _close(values[indicator_id], expected), indicator_id


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["confirmed", "cancelled",
                  "waitlisted", "x"]), st.integers(1, 6)),
        max_size=30,
    )
)  # fmt: skip
def test_shares_stay_within_bounds_and_breakdowns_add_up(rows: list[tuple[str, str, int]]) -> None:
    """For any applications: rates are within 0-100 % and the districts' numerators add up
    to the city's."""
    tables = _tables()
    tables.applications = ind.frame(
        "applications",
        [
            {"offer_id": {"a": 1, "b": 2, "c": 3}[offer], "learner_id": learner, "status": status}
            for offer, status, learner in rows
        ],
    )
    results = {
        r.id: r
        for r in ind.compute(
            tables,
            ind.Scope(year=2026, as_of=AS_OF),
            ids=["participation.rate", "operations.cancellation_rate", "participation.repeat"],
        )
    }
    for indicator_id in ("operations.cancellation_rate", "participation.repeat"):
        value = results[indicator_id].value
        assert value is None or 0.0 <= value <= 100.0
    rate = results["participation.rate"]
    assert rate.breakdown["district"]["numerator"].sum() == rate.numerator


def test_attendance_read_in_offer_order_counts_the_same() -> None:
    """The snapshot's attendance comes ordered by offer and says so; the in-place count of
    runs gives what the scattered count gives, nulls and gaps in the ids included."""
    tables = _tables()
    tables.attendance = tables.attendance.sort("offer_id").with_columns(
        pl.col("offer_id").set_sorted()
    )
    assert tables.attendance["offer_id"].flags["SORTED_ASC"]
    values = _values(ind.Scope(year=2026, as_of=AS_OF), tables)
    for indicator_id in ("operations.no_show_rate", "unesco.quality"):
        assert _close(values[indicator_id], EXPECTED_2026[indicator_id]), indicator_id
    ids = np.array([-1, -1, 2, 2, 2, 5, 9, 9])
    codes = np.array([0, 1, 0, 2, 0, 3, 1, 1], dtype=np.uint8)
    counts = ind._sorted_counts(ids, codes, ind.ATTENDANCE_STATUSES, 10)
    assert counts["present"].tolist() == [0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert counts["late"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert counts["absent"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    assert counts["excused"].tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
