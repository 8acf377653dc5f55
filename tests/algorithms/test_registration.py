"""The one registration status (algorithms.registration): its coarse status is what search
filters on, the published window agrees with search_text.registration, an ended course never
takes applications, and the search table shows what the offers decided."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms import registration, search_text
from learncity.algorithms.registration import STATES
from learncity.algorithms.search_table import STATUSES, SearchTable

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


def _table(n: int) -> SearchTable:
    return SearchTable.build(
        {
            "programme_id": list(range(1, n + 1)),
            "district_code": [""] * n,
            "neighbourhood_code": [""] * n,
            "category": [""] * n,
            "mode": [""] * n,
            "weekday_mask": [0] * n,
            "slot_mask": [0] * n,
            "group_mask": [0] * n,
            "fee_krw": [None] * n,
            "credit_bank": [False] * n,
            "learning_account": [False] * n,
            "voucher_eligible": [False] * n,
            "start_date": [DAY] * n,
            # every published window is open on DAY
            "registration_start": [DAY - dt.timedelta(days=3)] * n,
            "registration_end": [DAY + dt.timedelta(days=3)] * n,
            "latitude": [None] * n,
            "longitude": [None] * n,
            "location_precision": ["unknown"] * n,
        }
    )


@given(decided=st.dictionaries(st.integers(1, 30), st.sampled_from((*STATUSES, "unknown"))))
def test_the_search_table_shows_what_the_offers_decided(decided):
    table = _table(20)  # ids above 20 are not in the table: ignored
    shown = table.with_registration(decided)
    rows = shown.all_rows()
    for status in STATUSES:
        mask = shown.status(status, DAY, rows)
        for row, programme_id in enumerate(shown.programme_id):
            expected = decided.get(int(programme_id), "open")
            assert bool(mask[row]) == (expected == status), (programme_id, status)
    counts = dict(shown.flag_counts(DAY, rows)["status"])
    inside = {k: v for k, v in decided.items() if k <= 20}
    assert counts["open"] == 20 - len(inside) + sum(1 for v in inside.values() if v == "open")
    assert table.registration_override is None  # the shared table is left as it was
