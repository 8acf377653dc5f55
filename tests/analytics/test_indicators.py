"""The indicators through the database: the registry, the columnar snapshot of the platform's
tables, the selectors (values, previous period, breakdown, drill-down), `learncity
indicators --json`, with the real population file's denominators (Gangnam-gu, May 2025)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from django.contrib.auth.models import User
from typer.testing import CliRunner

from learncity.algorithms import indicators as compute
from learncity.analytics import selectors
from learncity.analytics.indicators import DIMENSIONS, UNITS, indicator_registry
from learncity.analytics.snapshot import snapshot_build
from learncity.attendance.models import Attendance, CompletionEvent
from learncity.catalog.models import Institution, Programme, Schedule, Session, Venue
from learncity.cli import app
from learncity.core.errors import NotFound
from learncity.enrollment.models import Application, Offer
from learncity.learners.models import Learner
from learncity.records.models import RecordEntry
from learncity.regions.models import Region

GANGNAM = "1168000000"
YEOKSAM1 = "1168064000"
YEOKSAM2 = "1168065000"
JONGNO = "1111000000"
# from ../shared/data/population/mois-age-by-dong-2025-05.csv (Ministry of the Interior and
# Safety, May 2025), read by hand
GANGNAM_POPULATION = 556_506
GANGNAM_65_PLUS = 93_032
GANGNAM_30_39 = 81_193
YEOKSAM1_POPULATION = 34_213
UTC = dt.UTC


def test_the_registry_defines_every_computed_indicator() -> None:
    definitions = indicator_registry()
    assert [d.id for d in definitions] == list(compute.SPECS)
    assert selectors.indicator_definitions() == definitions
    for d in definitions:
        assert d.name_ko and d.name_en and d.definition_ko and d.definition_en and d.formula
        assert d.dimension in DIMENSIONS and d.unit in UNITS
        assert d.proxy == (d.dimension in ("outcome", "unesco")), d.id
        if d.proxy:
            assert "대리지표" in d.definition_ko and "proxy we define" in d.definition_en
    dimensions = {d.dimension for d in definitions}
    assert dimensions == set(DIMENSIONS)
    assert sum(d.dimension == "outcome" for d in definitions) == 4
    assert sum(d.dimension == "unesco" for d in definitions) == 6


def _region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def city(empty_database: None, real_regions: Any) -> dict[str, Any]:
    """On an empty catalog (the world's deleted inside the transaction), two programmes of a Gangnam institution in 2026, three people, their applications,
    attendance, a completion and its learning record."""
    gangnam = _region(GANGNAM)
    institution = Institution.objects.create(name="강남구평생학습관", district=gangnam)
    venue = Venue.objects.create(
        institution=institution,
        name="역삼 배움터",
        district=gangnam,
        neighbourhood=_region(YEOKSAM1),
    )
    p1 = Programme.objects.create(
        institution=institution, venue=venue, title="수채화 기초", display_title="수채화 기초",
        category="culture_arts", mode="offline", fee_krw=0, learning_account=True,
    )  # fmt: skip
    p2 = Programme.objects.create(
        institution=institution, title="엑셀 실무", display_title="엑셀 실무",
        category="vocational", mode="online", fee_krw=30000,
    )  # fmt: skip
    s1 = Schedule.objects.create(
        programme=p1, start_date=dt.date(2026, 3, 2), end_date=dt.date(2026, 4, 30), capacity=10
    )
    s2 = Schedule.objects.create(
        programme=p2, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 6, 30), capacity=20
    )
    window = {
        "opens_at": dt.datetime(2026, 2, 1, tzinfo=UTC),
        "closes_at": dt.datetime(2026, 2, 20, tzinfo=UTC),
    }
    o1 = Offer.objects.create(
        schedule=s1, programme=p1, institution=institution, district_code=GANGNAM,
        capacity=10, term="2026-1", **window,
    )  # fmt: skip
    o2 = Offer.objects.create(
        schedule=s2, programme=p2, institution=institution, district_code=GANGNAM,
        capacity=20, term="2026-1", method="lottery", **window,
    )  # fmt: skip
    people = {}
    for name, birth, district, hood, flags in [
        ("l1", 1990, GANGNAM, YEOKSAM1, {}),
        ("l2", 1950, GANGNAM, YEOKSAM2, {"low_income": True}),
        ("l3", 1985, JONGNO, "", {}),
    ]:
        user = User.objects.create_user(f"ind-{name}", password="x-Indicators-2026")
        people[name] = Learner.objects.create(
            user=user, name=name, birth_year=birth, district_code=district,
            neighbourhood_code=hood, **flags,
        )  # fmt: skip
    clerk = User.objects.create_user("ind-clerk", password="x-Indicators-2026")
    apps = {}
    for key, offer, person, status in [
        ("a1", o1, "l1", "confirmed"),
        ("a2", o1, "l2", "confirmed"),
        ("a3", o2, "l1", "confirmed"),
        ("a4", o2, "l3", "confirmed"),
        ("a5", o2, "l2", "cancelled"),
    ]:
        apps[key] = Application.objects.create(
            offer=offer, programme=offer.programme, learner=people[person], entered_by=clerk,
            status=status, idempotency_key=f"indicators-{key}", term="2026-1",
        )  # fmt: skip
    sessions = [
        Session.objects.create(
            schedule=s1,
            date=day,
            starts_at=dt.datetime.combine(day, dt.time(1), UTC),
            ends_at=dt.datetime.combine(day, dt.time(3), UTC),
        )
        for day in (dt.date(2026, 3, 2), dt.date(2026, 3, 9))
    ]
    for session, app_key, status in [
        (sessions[0], "a1", "present"),
        (sessions[0], "a2", "absent"),
        (sessions[1], "a1", "present"),
    ]:
        Attendance.objects.create(
            session=session, application=apps[app_key], status=status, method="manual"
        )
    event = CompletionEvent.objects.create(
        application=apps["a1"], offer=o1, learner=people["l1"],
        at=dt.datetime(2026, 5, 1, tzinfo=UTC), attended=2, sessions=2, rate_percent=100.0,
    )  # fmt: skip
    RecordEntry.objects.create(
        learner=people["l1"], completion_event_id=event.pk, application_id=apps["a1"].pk,
        offer_id=o1.pk, programme_id=p1.pk, institution_id=institution.pk,
        district_code=GANGNAM, title="수채화 기초", institution_name=institution.name,
        completed_at=event.at, year=2026, sessions_attended=2, sessions_counted=2,
        attendance_percent=100.0, scheduled_minutes=600, attended_minutes=600,
        learning_account=True,
    )  # fmt: skip
    return {"p1": p1, "p2": p2, "institution": institution, "o1": o1}


def _values(filters: selectors.Filters) -> dict[str, selectors.IndicatorValue]:
    return {v.id: v for v in selectors.indicator_values(filters)}


def _close(actual: float | None, expected: float) -> bool:
    return actual is not None and math.isclose(actual, expected, rel_tol=1e-9)


def test_snapshot_reads_the_tables(city: dict[str, Any]) -> None:
    tables = snapshot_build()
    programmes = {row["programme_id"]: row for row in tables.programmes.to_dicts()}
    p1, p2 = programmes[city["p1"].pk], programmes[city["p2"].pk]
    assert (p1["district_code"], p1["neighbourhood_code"], p1["accredited"]) == (
        GANGNAM,
        YEOKSAM1,
        True,
    )
    # no venue: the institution's district, no neighbourhood
    assert (p2["district_code"], p2["neighbourhood_code"], p2["accredited"]) == (
        GANGNAM,
        None,
        False,
    )
    courses = tables.courses.filter(compute.pl.col("offer_id") == city["o1"].pk).to_dicts()
    assert courses[0]["start_date"] == dt.date(2026, 3, 2)
    assert courses[0]["term"] == "2026-1" and courses[0]["category"] == "culture_arts"
    assert sorted(tables.attendance["status"].to_list()) == ["absent", "present", "present"]
    # the population of Gangnam-gu in age buckets adds up to the real file's total
    gangnam = tables.population.filter(compute.pl.col("code") == GANGNAM)
    assert gangnam["count"].sum() == GANGNAM_POPULATION


def test_values_with_real_denominators(city: dict[str, Any]) -> None:
    values = _values(selectors.Filters(year=2026))
    assert _close(values["supply.programmes_per_10k"].value, 2 / GANGNAM_POPULATION * 1e4)
    assert _close(values["supply.seats_per_10k"].value, 30 / GANGNAM_POPULATION * 1e4)
    assert values["supply.programmes_per_10k"].denominator == GANGNAM_POPULATION
    assert _close(values["supply.free_share"].value, 50.0)
    assert _close(values["supply.online_share"].value, 50.0)
    assert _close(values["supply.accredited_share"].value, 50.0)
    # residents of Gangnam who took part: l1 and l2 (l3 lives in Jongno)
    assert _close(values["participation.rate"].value, 2 / GANGNAM_POPULATION * 100)
    assert _close(values["participation.age.30_39"].value, 1 / GANGNAM_30_39 * 100)
    assert _close(values["participation.age.65_plus"].value, 1 / GANGNAM_65_PLUS * 100)
    assert _close(values["participation.group.low_income"].value, 100.0)
    assert _close(values["operations.fill_rate"].value, 4 / 30 * 100)
    assert _close(values["operations.lottery_oversubscription"].value, 3 / 20)
    assert _close(values["operations.cancellation_rate"].value, 20.0)
    assert _close(values["operations.no_show_rate"].value, 100 / 3)
    assert _close(values["outcome.human_resources"].value, 10 / GANGNAM_POPULATION * 1000)
    # the previous period (2025) had nothing
    assert values["supply.programmes_per_10k"].previous == 0.0
    assert values["supply.programmes_per_10k"].change == values["supply.programmes_per_10k"].value
    # the breakdown names the regions
    rows = {r.region_code: r for r in values["supply.programmes_per_10k"].breakdown}
    assert rows[GANGNAM].region_name == "강남구" and rows[GANGNAM].level == "district"
    # p2 has no venue: it is in Gangnam-gu but in none of its 동, so 역삼1동 has no value
    # (its one programme is a lower bound), not a rate that leaves p2 out
    assert rows[YEOKSAM1].value is None
    assert (rows[YEOKSAM1].numerator, rows[YEOKSAM1].unlocated) == (1.0, 1.0)
    assert rows[YEOKSAM1].denominator == YEOKSAM1_POPULATION
    assert rows[YEOKSAM1].region_name == "역삼1동"


def test_filters_and_their_errors(city: dict[str, Any]) -> None:
    other = _values(selectors.Filters(year=2026, district_code=JONGNO))
    assert other["supply.programmes_per_10k"].value == 0.0
    assert other["participation.rate"].numerator == 1.0  # l3 lives in Jongno
    mine = _values(selectors.Filters(year=2026, institution_id=city["institution"].pk))
    assert _close(mine["operations.fill_rate"].value, 4 / 30 * 100)
    nobody = _values(selectors.Filters(year=2026, institution_id=city["institution"].pk + 999))
    assert nobody["operations.fill_rate"].value is None
    term = _values(selectors.Filters(term="2026-1"))
    assert _close(term["operations.fill_rate"].value, 4 / 30 * 100)
    march = _values(selectors.Filters(year=2026, month=3))
    assert _close(march["supply.programmes_per_10k"].value, 1 / GANGNAM_POPULATION * 1e4)
    with pytest.raises(selectors.IndicatorFilterError, match="month"):
        selectors.indicator_values(selectors.Filters(year=2026, month=13))
    with pytest.raises(NotFound):
        selectors.indicator_values(selectors.Filters(), ids=["nope"])


def test_drilldown_from_the_city_to_programmes(city: dict[str, Any]) -> None:
    filters = selectors.Filters(year=2026)
    indicator = "supply.programmes_per_10k"
    top = selectors.indicator_drilldown(indicator, filters, "city", None)
    assert len(top) == 1 and _close(top[0]["value"], 2 / GANGNAM_POPULATION * 1e4)
    districts = selectors.indicator_drilldown(indicator, filters, "district", None)
    assert [d["code"] for d in districts] == [GANGNAM]
    hoods = selectors.indicator_drilldown(indicator, filters, "neighbourhood", GANGNAM)
    assert YEOKSAM1 in {h["code"] for h in hoods}
    assert all(h["code"].startswith("11680") for h in hoods)
    programmes = selectors.indicator_drilldown(
        "operations.fill_rate", filters, "programme", YEOKSAM1
    )
    assert [(p["title"], p["institution"], p["value"]) for p in programmes] == [
        ("수채화 기초", "강남구평생학습관", 20.0)
    ]
    # a participation indicator has no per-programme rate: confirmed places and seats
    whole = selectors.indicator_drilldown("participation.rate", filters, "programme", GANGNAM)
    assert {(p["title"], p["numerator"], p["denominator"]) for p in whole} == {
        ("수채화 기초", 2.0, 10.0),
        ("엑셀 실무", 2.0, 20.0),
    }
    with pytest.raises(selectors.IndicatorFilterError):
        selectors.indicator_drilldown(indicator, filters, "province", None)
    with pytest.raises(NotFound):
        selectors.indicator_drilldown("nope", filters, "city", None)


def test_cli_prints_the_indicators_as_json(city: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["indicators", "--year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_id = {item["id"]: item for item in data["indicators"]}
    assert len(by_id) == len(compute.SPECS)
    assert _close(by_id["participation.rate"]["value"], 2 / GANGNAM_POPULATION * 100)
    assert by_id["outcome.economy"]["proxy"] is True
    bad = CliRunner().invoke(app, ["indicators", "--year", "2026", "--month", "0"])
    assert bad.exit_code == 2
    assert "month" in bad.output
