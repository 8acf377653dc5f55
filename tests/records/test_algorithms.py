"""The record's arithmetic and the credential's encodings, without a database."""

from __future__ import annotations

import base64
import datetime as dt
import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.records import (
    STATUS_LIST_SIZE,
    EncodingError,
    Minutes,
    RecordLine,
    SessionSpan,
    b64url_decode,
    b64url_encode,
    course_minutes,
    hours,
    record_totals,
    status_bit,
    status_list_decode,
    status_list_encode,
)

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def span(pk: int, minutes: int, status: str = "scheduled") -> SessionSpan:
    return SessionSpan(pk, T0, T0 + dt.timedelta(minutes=minutes), status)


def test_course_minutes_counts_held_sessions_and_attended_ones():
    sessions = [span(1, 120), span(2, 120), span(3, 90, "cancelled"), span(4, 120), span(5, 60)]
    marks = {1: "present", 2: "late", 3: "present", 4: "excused", 5: "absent"}
    assert course_minutes(sessions, marks) == Minutes(scheduled=420, attended=240)
    assert hours(240) == 4.0 and hours(100) == 1.7


def test_totals_by_area_year_institution_and_accredited():
    lines = [
        RecordLine(1, 10, "강남구평생학습관", "literacy", 2026, 480, True, False),
        RecordLine(2, 10, "강남구평생학습관", "culture_arts", 2025, 120, False, True),
        RecordLine(3, 11, "서초구민회관", "literacy", 2026, 90, True, True),
    ]
    totals = record_totals(lines)
    assert (totals.courses, totals.minutes, totals.hours) == (3, 690, 11.5)
    assert (totals.learning_account_minutes, totals.credit_bank_minutes) == (570, 210)
    assert {k: (b.courses, b.minutes) for k, b in totals.by_category.items()} == {
        "culture_arts": (1, 120),
        "literacy": (2, 570),
    }
    assert list(totals.by_year) == [2025, 2026]
    assert totals.by_year[2026].hours == 9.5
    assert {k: b.courses for k, b in totals.by_institution.items()} == {
        "강남구평생학습관": 2,
        "서초구민회관": 1,
    }
    assert record_totals([]).courses == 0


@given(st.binary(max_size=200))
def test_base64url_round_trip(data):
    assert b64url_decode(b64url_encode(data)) == data if data else True


@pytest.mark.parametrize("text", ["", "a", "ab=", "a+b/", "Zh", "YQ==", "ab c"])
def test_base64url_is_strict(text):
    with pytest.raises(EncodingError):
        b64url_decode(text)


def test_base64url_refuses_a_changed_padding_bit():
    assert b64url_decode("YQ") == b"a"
    with pytest.raises(EncodingError):
        b64url_decode("YR")  # the same byte with a padding bit set


def test_status_list_encodes_as_the_specification_says():
    encoded = status_list_encode([0, 7, 9, STATUS_LIST_SIZE - 1])
    assert encoded.startswith("u")
    # decoded independently: multibase base64url, GZIP, left-most bit first
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == STATUS_LIST_SIZE // 8
    assert raw[0] == 0b1000_0001 and raw[1] == 0b0100_0000 and raw[-1] == 0b0000_0001
    bits = status_list_decode(encoded)
    assert [i for i in range(16) if status_bit(bits, i)] == [0, 7, 9]
    with pytest.raises(EncodingError):
        status_list_encode([STATUS_LIST_SIZE])
    with pytest.raises(EncodingError):
        status_list_decode("z" + encoded[1:])
