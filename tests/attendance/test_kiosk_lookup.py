"""Issue 19, finding 12: the kiosk's lookup by phone tail searches only people confirmed at
its venue today, answers every miss with one refusal (the same status, the same body), and
is limited per kiosk (signed-in user and venue): past the limit 429, nothing checked in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from learncity.attendance import errors, services
from learncity.attendance.models import Attendance
from tests.attendance.factories import course, enrol
from tests.clients import api_call, signed_in, token_of
from tests.learners.factories import citizen

MIN = dt.timedelta(minutes=1)
_keys = iter(range(1, 10**8))


@pytest.fixture(autouse=True)
def _fresh_counts(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _checkin(world: dict[str, Any], c: dict[str, Any], at: dt.datetime, **kw: Any) -> Any:
    return services.checkin_record(
        actor=world["staff"],
        venue_id=c["venue_id"],
        request_key=f"lookup-{next(_keys):08d}",
        now=at,
        **kw,
    )


def _misses(world: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A course at one venue and a course at another venue: (this course, the other)."""
    here = course(world, 7)
    index = next(
        i for i, row in enumerate(world["weekly"]) if row[1] != here["venue_id"] and i != 7
    )
    other = course(world, index)
    return here, other


def test_every_miss_gets_the_same_answer_on_the_api_and_the_page(db, world, monkeypatch):
    here, other = _misses(world)
    start = here["sessions"][0].starts_at
    _at(monkeypatch, start)
    # a citizen confirmed at another venue (no class here today), one with no application,
    # and a tail nobody has
    enrol(other, phone="01055552468", birth_year=1950, name="김다른")
    citizen(phone="01066661357", birth_year=1951, name="박없음")
    path = f"/api/v1/venues/{here['venue_id']}/checkins"
    kiosk = token_of(world["staff"])
    answers = [
        api_call(
            kiosk,
            "post",
            path,
            {"request_key": f"miss-{tail}-01", "phone_tail": tail, "birth_year": year},
        )
        for tail, year in (("2468", 1950), ("1357", 1951), ("0000", 1950))
    ]
    assert {a.status_code for a in answers} == {404}
    assert answers[0].content == answers[1].content == answers[2].content
    assert answers[0].json()["code"] == "person_not_found"
    page = signed_in(world["staff"])
    shown = [
        page.post(
            f"/kiosk/{here['venue_id']}",
            {"request_key": f"page-miss-{tail}", "phone_tail": tail, "birth_year": year},
        )
        for tail, year in (("2468", 1950), ("1357", 1951), ("0000", 1950))
    ]
    assert {s.status_code for s in shown} == {404}
    assert all('data-code="person_not_found"' in s.content.decode() for s in shown)
    assert Attendance.objects.count() == 0


def test_a_confirmed_learner_is_found_and_several_ask_only_when_all_are_here(db, world):
    here, other = _misses(world)
    start = here["sessions"][0].starts_at
    _, _, mine = enrol(here, phone="01011112222", birth_year=1948, name="박영희")
    # the same tail and year, confirmed at another venue: no second match, no question
    enrol(other, phone="01099992222", birth_year=1948, name="이다른")
    done = _checkin(world, here, start, phone_tail="2222", birth_year=1948)
    assert (done.application_id, done.method) == (mine, "phone")
    enrol(here, phone="01033332222", birth_year=1948, name="최말순")
    with pytest.raises(errors.MoreDetailNeeded):
        _checkin(world, here, start, phone_tail="2222", birth_year=1948)
    assert Attendance.objects.filter(application_id=mine).count() == 1


def test_the_limit_trips_per_kiosk_and_nothing_is_checked_in(db, world, settings, monkeypatch):
    settings.LEARNCITY_KIOSK_LOOKUP_LIMIT = 3
    here = course(world, 7)
    start = here["sessions"][0].starts_at
    _, _, mine = enrol(here, phone="01044445555", birth_year=1947)
    for _ in range(3):
        with pytest.raises(errors.PersonNotFound):
            _checkin(world, here, start, phone_tail="9999", birth_year=1947)
    with pytest.raises(errors.LookupLimit) as limited:
        _checkin(world, here, start, phone_tail="5555", birth_year=1947)
    assert limited.value.http_status == 429
    assert Attendance.objects.count() == 0
    # another kiosk (another signed-in user) at the venue is counted on its own
    other_kiosk = services.checkin_record(
        actor=world["admin"],
        venue_id=here["venue_id"],
        request_key="other-kiosk-0001",
        phone_tail="5555",
        birth_year=1947,
        now=start,
    )
    assert other_kiosk.application_id == mine
    # the API answers 429 in the project's shape; a QR scan is not a lookup
    _at(monkeypatch, start)
    refused = api_call(
        token_of(world["staff"]),
        "post",
        f"/api/v1/venues/{here['venue_id']}/checkins",
        {"request_key": "limited-0001", "phone_tail": "5555", "birth_year": 1947},
    )
    assert refused.status_code == 429
    assert set(refused.json()) == {"code", "message", "details"}
    assert refused.json()["code"] == "kiosk_lookup_limit"
    assert Attendance.objects.count() == 1
    # the window turns: the kiosk looks up again
    with pytest.raises(errors.PersonNotFound):
        _checkin(world, here, start + 11 * MIN, phone_tail="9999", birth_year=1947)
