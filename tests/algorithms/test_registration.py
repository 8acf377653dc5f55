"""The one registration status (algorithms.registration): its coarse status is what search
filters on, the published window agrees with search_text.registration and an ended course never
takes applications (the engine's status query against offers: tests/search/test_engine.py)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms import registration, search_text
from learncity.algorithms.registration import STATES

DAY = dt.date(2026, 6, 15)
days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
maybe_days = st.none() | days


@given(today=days, start=maybe_days, end=maybe_days, course_start=maybe_days, course_end=maybe_days)
def test_the_published_window_says_what_search_always_said(
    today, start, end, course_start, course_end
):
    decided = registration.published_status(
        today=today, start=start, end=end, course_start=course_start, course_end=course_end
    )
    before = search_text.registration(today, start, end, course_start)
    assert decided.state in STATES
    assert decided.status == before.status and decided.days == before.days
    if decided.state == "ended":
        assert course_end is not None and course_end < today


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@given(
    today=days,
    hour=st.integers(0, 23),
    opens=days,
    length=st.integers(1, 60),
    course_end=maybe_days,
    seats_left=st.integers(-2, 5),
    first_come=st.booleans(),
)
def test_an_offer_takes_applications_only_in_its_window_and_never_after_the_course(
    today, hour, opens, length, course_end, seats_left, first_come
):
    now = _moment(today, hour)
    opens_at = _moment(opens, 9)
    closes_at = opens_at + dt.timedelta(days=length)
    decided = registration.offer_status(
        now=now,
        today=today,
        opens_at=opens_at,
        closes_at=closes_at,
        opens_on=opens_at.date(),
        closes_on=closes_at.date(),
        course_end=course_end,
        seats_left=seats_left,
        first_come=first_come,
    )
    ended = course_end is not None and course_end < today
    assert (decided.state == "ended") == ended
    assert decided.accepting == (not ended and opens_at <= now <= closes_at)
    assert (decided.state == "waitlist") == (decided.accepting and first_come and seats_left <= 0)
    if decided.state == "closing_soon":
        assert decided.days is not None and decided.days <= registration.CLOSING_SOON_DAYS
    if decided.state == "upcoming":
        assert decided.days is not None and decided.days >= 0
    assert decided.status in {"upcoming", "open", "closed"}
