"""One record -> a clean Course or the reasons it is refused; the stable key."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.course_record import Normaliser, course_key
from learncity.algorithms.course_source import FIELDS, KOREAN_HEADERS, Record

BASE = {
    "lctreNm": "[논현2] 캘리그라피 (B/6회)",
    "instrctrNm": "홍길동",
    "edcStartDay": "2026-05-04",
    "edcEndDay": "2026-06-08",
    "edcStartTime": "10:00",
    "edcColseTime": "12:00",
    "lctreCo": "미술/서예",
    "edcTrgetType": "청년/직장인,성인,어르신",
    "edcMthType": "오프라인",
    "operDay": "화요일+목요일",
    "edcPlace": "논현평생학습센터 3강의실",
    "psncpa": "16",
    "lctreCost": "72,000",
    "edcRdnmadr": "서울특별시 강남구 논현로 131길 40",
    "operInstitutionNm": "서울특별시 강남구청",
    "operPhoneNumber": "02-3423-5288",
    "rceptStartDate": "2026-04-06",
    "rceptEndDate": "2026-04-20",
    "rceptMthType": "인터넷,방문",
    "slctnMthType": "선착순",
    "homepageUrl": "www.longlearn.go.kr",
    "oadtCtLctreYn": "N",
    "pntBankAckestYn": "N",
    "lrnAcnutAckestYn": "Y",
    "referenceDate": "2026-04-08",
}


def normalise(**changes: str):
    fields = {**BASE, **changes}
    fields = {k: v for k, v in fields.items() if v is not None}
    return Normaliser().normalise(Record(2, fields, dict(fields)))


def test_a_full_record() -> None:
    outcome = normalise()
    course = outcome.course
    assert outcome.reasons == () and outcome.warnings == ()
    assert course is not None
    assert course.display_title == "캘리그라피"
    assert course.weekdays == (2, 4)
    assert course.start_time == dt.time(10) and course.end_time == dt.time(12)
    assert course.fee_krw == 72_000 and course.capacity == 16
    assert course.target_groups == ("청년/직장인", "성인", "어르신")
    assert course.application_methods == ("online", "visit")
    assert course.selection == "first_come"
    assert course.homepage == "https://www.longlearn.go.kr"
    assert (course.job_training, course.credit_bank, course.learning_account) == (
        False,
        False,
        True,
    )
    assert course.source_category_word == "미술/서예"


def test_records_that_omit_optional_fields_import() -> None:
    minimal = {
        "lctreNm": "요가",
        "edcStartDay": "2026-03-02",
        "edcEndDay": "2026-03-30",
        "operInstitutionNm": "가",
    }
    outcome = Normaliser().normalise(Record(1, minimal, minimal))
    course = outcome.course
    assert course is not None
    assert course.capacity is None and course.fee_krw is None and course.weekdays == ()
    assert course.mode == "offline" and course.selection == ""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"edcStartDay": "2026-13-45"}, "edcStartDay: not a calendar date"),
        ({"rceptEndDate": "2026-02-30"}, "rceptEndDate: not a calendar date"),
        ({"edcStartDay": "다음 달"}, "edcStartDay: not a date"),
        ({"edcEndDay": "2026-04-01"}, "ends 2026-04-01 before it starts"),
        ({"edcStartDay": "1900-01-01"}, "outside 1990-2100"),
        ({"psncpa": "-5"}, "psncpa: negative capacity"),
        ({"psncpa": "99999999"}, "not believable"),
        ({"lctreCost": "-1000"}, "lctreCost: negative fee"),
        ({"lctreCost": "999,999,999,999"}, "not believable"),
        ({"lctreCost": "별도 문의"}, "not an amount"),
        ({"edcStartTime": "25:00"}, "not a time of day"),
        ({"lctreNm": "   "}, "no title"),
        ({"lctreNm": "<b></b>"}, "no title"),
        ({"operInstitutionNm": ""}, "no operating institution"),
        ({"edcStartDay": ""}, "no start date"),
        ({"lctreNm": '=HYPERLINK("http://evil","클릭")'}, "spreadsheet formula"),
        ({"edcPlace": "@SUM(A1:A9)"}, "spreadsheet formula"),
        ({"lctreCo": "가" * 102_400}, "102,400 characters"),
        ({"lctreNm": "요가" * 200}, "the title is 400 characters"),
        ({"rceptStartDate": "2026-05-01", "rceptEndDate": "2026-04-01"}, "registration ends"),
    ],
)
def test_wrong_values_are_quarantined_with_a_reason(changes: dict[str, str], reason: str) -> None:
    outcome = normalise(**changes)
    assert outcome.course is None
    assert any(reason in r for r in outcome.reasons), outcome.reasons


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        ({"operDay": "협의 후 결정"}, "operDay"),
        ({"pntBankAckestYn": "아마도"}, "pntBankAckestYn"),
        ({"edcMthType": "텔레파시"}, "edcMthType"),
        ({"homepageUrl": "javascript:alert(1)"}, "homepageUrl"),
        ({"referenceDate": "어제"}, "referenceDate"),
    ],
)
def test_unclear_optional_values_are_stored_as_not_stated_with_a_warning(
    changes: dict[str, str], warning: str
) -> None:
    outcome = normalise(**changes)
    assert outcome.course is not None
    assert any(w.startswith(warning) for w in outcome.warnings)


def test_html_and_scripts_never_survive() -> None:
    outcome = normalise(
        lctreNm="<script>alert('x')</script>요가 &amp; 명상",
        lctreCo="<html><head><style>p{}</style></head><body><p>몸과 &lt;마음&gt;</p>"
        "<script>document.cookie</script><img src=x onerror=alert(1)></body></html>",
        instrctrNm="<b>김</b>강사",
    )
    course = outcome.course
    assert course is not None
    assert course.title == "요가 & 명상"
    assert "script" not in course.description and "<" not in course.description
    assert "몸과 ‹마음›" in course.description
    assert course.instructor == "김강사"


def test_modes_and_words() -> None:
    assert normalise(edcMthType="온라인").course.mode == "online"  # type: ignore[union-attr]
    assert normalise(edcMthType="온·오프라인").course.mode == "hybrid"  # type: ignore[union-attr]
    assert normalise(edcMthType="혼합").course.mode == "hybrid"  # type: ignore[union-attr]
    assert normalise(slctnMthType="추첨").course.selection == "lottery"  # type: ignore[union-attr]
    assert normalise(slctnMthType="심사").course.selection == "other"  # type: ignore[union-attr]
    assert normalise(lctreCost="무료").course.fee_krw == 0  # type: ignore[union-attr]
    assert normalise(psncpa="0").course.capacity is None  # type: ignore[union-attr]


def test_key_is_stable_under_spacing_and_case_and_ignores_other_fields() -> None:
    first = normalise().course
    spaced = normalise(lctreNm=" [논현2]  캘리그라피  (B/6회)", lctreCost="80000").course
    assert first is not None and spaced is not None
    assert first.key == spaced.key
    assert first.content_hash != spaced.content_hash
    later = normalise(edcStartDay="2026-05-05").course
    assert later is not None and later.key != first.key


@given(
    title=st.text(min_size=1, max_size=40),
    operator=st.text(min_size=1, max_size=20),
    day=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
)
def test_key_is_a_function_of_its_fields(title: str, operator: str, day: dt.date) -> None:
    one = course_key(
        operator=operator, title=title, start_date=day, start_time=None, place="", weekdays=()
    )
    two = course_key(
        operator=f" {operator} ",
        title=title.upper().lower() if title.isascii() else title,
        start_date=day,
        start_time=None,
        place="",
        weekdays=(),
    )
    assert len(one) == 32
    if title.isascii() and title.upper().lower() == title.lower() == title:
        assert one == two


ANY_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(
        alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xDFFF, exclude_categories=()),
        max_size=20,
    ),  # lone surrogates
    st.text(alphabet=st.sampled_from(["\x00", "\x01", "<", ">", "&", "=", " ", "가", "\n"])),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(ANY_TEXT, st.sampled_from(["2026-03-02", "10:00", "9" * 5000, "=SUM(1)"])),
        max_size=len(FIELDS),
    )
)
def test_any_record_is_a_course_or_reasons_never_a_crash(fields: dict[str, str]) -> None:
    outcome = Normaliser().normalise(Record(1, fields, dict(fields)))
    assert (outcome.course is None) == bool(outcome.reasons)
    if outcome.course is not None:
        course = outcome.course
        assert course.title and "<" not in course.title
        assert course.end_date >= course.start_date
        for text in (course.title, course.operator, course.description, course.place):
            assert not any(ch == "\x00" or "\ud800" <= ch <= "\udfff" for ch in text)
            text.encode("utf-8")  # storable anywhere


@pytest.mark.shared_data
def test_every_real_row_normalises(shared_data: Path) -> None:
    with (shared_data / "courses/gangnam-2026-04.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    normaliser = Normaliser()
    courses = []
    for number, row in enumerate(rows, start=2):
        fields = {KOREAN_HEADERS[k]: v for k, v in row.items()}
        outcome = normaliser.normalise(Record(number, fields, row))
        assert outcome.course is not None, (number, outcome.reasons)
        courses.append(outcome.course)
    assert len({c.key for c in courses}) == 322
    assert sum(c.fee_krw == 0 for c in courses) == 37
    assert all(c.target_groups == ("성인",) for c in courses)
    assert {c.weekdays for c in courses} >= {(2, 4), (1, 3), (4,)}
