"""Field normalisers of the national course standard data: real forms and hostile ones."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.course_fields import (
    FieldError,
    display_title,
    parse_capacity,
    parse_date,
    parse_fee,
    parse_flag,
    parse_time,
    plain_text,
    target_groups,
    weekdays,
)
from learncity.algorithms.course_record import formula_like


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("수요일", {3}),
        ("화요일+목요일", {2, 4}),
        ("월,수", {1, 3}),
        ("월~금", {1, 2, 3, 4, 5}),
        ("주5일", {1, 2, 3, 4, 5}),
        ("토, 일", {6, 7}),
        ("주말", {6, 7}),
        ("금~월", {5, 6, 7, 1}),
        ("매일", set(range(1, 8))),
        ("Mon/Wed", {1, 3}),
    ],
)
def test_weekdays(text: str, expected: set[int]) -> None:
    assert weekdays(text) == frozenset(expected)


def test_weekdays_not_stated_and_nonsense() -> None:
    assert weekdays("") is None
    with pytest.raises(FieldError, match="names no weekday"):
        weekdays("협의 후 결정")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-02", dt.date(2026, 3, 2)),
        ("2026.3.2", dt.date(2026, 3, 2)),
        ("2026.03.02.", dt.date(2026, 3, 2)),
        ("20260302", dt.date(2026, 3, 2)),
        ("2026/03/02", dt.date(2026, 3, 2)),
        ("2026년 3월 2일", dt.date(2026, 3, 2)),
        ("2026-03-02(월)", dt.date(2026, 3, 2)),
        ("2026-03-02 00:00:00", dt.date(2026, 3, 2)),
    ],
)
def test_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-13-45", "2026-02-30", "next week", "=TODAY()"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(FieldError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", dt.time(14)),
        ("9:30", dt.time(9, 30)),
        ("1930", dt.time(19, 30)),
        ("오후 2시", dt.time(14)),
        ("10시 30분", dt.time(10, 30)),
        ("24:00", dt.time(23, 59)),
    ],
)
def test_times(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


def test_bad_time() -> None:
    with pytest.raises(FieldError):
        parse_time("25:61")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("72000", 72_000),
        ("72,000", 72_000),
        ("72,000원", 72_000),
        ("3만원", 30_000),
        ("무료", 0),
        ("0", 0),
        ("", None),
    ],
)
def test_fees(text: str, expected: int | None) -> None:
    assert parse_fee(text) == expected


@pytest.mark.parametrize("text", ["-5000", "999999999999", "별도 문의", "=1+1"])
def test_bad_fees(text: str) -> None:
    with pytest.raises(FieldError):
        parse_fee(text)


def test_capacity_placeholders_and_limits() -> None:
    assert parse_capacity("0") is None
    assert parse_capacity("") is None
    assert parse_capacity("20") == 20
    assert parse_capacity("1,000명") == 1000
    for bad in ("-3", "999999999", "스무명"):
        with pytest.raises(FieldError):
            parse_capacity(bad)


def test_flags() -> None:
    assert parse_flag("Y") is True and parse_flag("n") is False and parse_flag("") is None
    with pytest.raises(FieldError):
        parse_flag("maybe")


def test_html_becomes_plain_text() -> None:
    page = (
        "<html><head><title>x</title><style>p{}</style></head><body>"
        "<p>캘리그라피&nbsp;기초 &amp; 응용</p><script>alert('x')</script>"
        "<div>둘째 줄 &lt;b&gt;</div></body></html>"
    )
    text = plain_text(page)
    assert text == "캘리그라피 기초 & 응용\n둘째 줄 ‹b›"
    assert "<" not in text and "alert" not in text


@given(st.text(max_size=300))
def test_plain_text_never_leaves_markup(text: str) -> None:
    cleaned = plain_text(text)
    assert "<" not in cleaned and ">" not in cleaned
    assert plain_text(cleaned) == cleaned  # idempotent


def test_display_title() -> None:
    assert display_title("[논현2] 캘리그라피 (B/6회)") == "캘리그라피"
    assert display_title("[일원][야간] 생활영어 회화(10회)") == "생활영어 회화"
    assert display_title("[공지]") == "[공지]"  # never empty


def test_formula_cells_are_recognised() -> None:
    assert formula_like('=HYPERLINK("http://x","y")')
    assert formula_like("@SUM(A1)")
    assert formula_like("+cmd|' /C calc'!A0")
    assert not formula_like("-5000") and not formula_like("요가")
    assert formula_like("=== 소개 ===") and not formula_like("=== 소개 ===", free_text=True)
    assert formula_like('=HYPERLINK("x")', free_text=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "청년/직장인,성인,어르신,장애인,외국인,기타",
            ("청년/직장인", "성인", "어르신", "장애인", "외국인·다문화"),
        ),
        ("초등학생", ("초등",)),
        ("가족", ("가족",)),
        ("전체", ("전체",)),
        ("중·고등학생", ("청소년",)),
        ("", ()),
    ],
)
def test_target_groups(text: str, expected: tuple[str, ...]) -> None:
    assert target_groups(text) == expected


@pytest.mark.shared_data
def test_every_real_gangnam_row_normalises(shared_data: Path) -> None:
    with (shared_data / "courses" / "gangnam-2026-04.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 322
    for row in rows:
        assert weekdays(row["운영요일"])
        start, end = parse_date(row["교육시작일자"]), parse_date(row["교육종료일자"])
        assert start is not None and end is not None and start <= end
        assert parse_time(row["교육시작시각"]) is not None
        assert parse_fee(row["수강료"]) is not None
        assert target_groups(row["교육대상구분"]) == ("성인",)
        assert display_title(row["강좌명"])
