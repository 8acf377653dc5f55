"""데모 배움시 (Baeum, a demo city): invented, deterministic, labelled as demo everywhere.

It exists so that `make run` shows a working platform on a machine without the real
public data. Every area code starts with 99, a province code no real area uses.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from learncity.algorithms.korean_regions import Level
from learncity.algorithms.population_file import (
    OLDEST_AGE,
    PopulationFile,
    PopulationRow,
    link_hierarchy,
)
from learncity.catalog import services as catalog_services
from learncity.catalog.selectors import catalog_counts, programme_ids_of, programme_title
from learncity.regions import services as region_services
from learncity.regions.selectors import region_count
from learncity.search.services import search_index

DEMO_SOURCE = "데모 도시 (가상 데이터) / demo city (invented data)"
DEMO_REGION_SOURCE = "demo"  # the regions' source of an invented city (regions.Region.Source)
PERIOD = "2025-05"
PROVINCE = ("9900000000", "데모배움시")
ORIGIN = (35.10, 128.90)  # south-west corner of the demo grid (lat, lon)
CELL = (0.012, 0.015)  # about 1.3 km each way

DISTRICTS: list[tuple[str, str, list[str]]] = [
    ("9911000000", "한빛구", ["한빛1동", "한빛2동", "새벽동", "들꽃동"]),
    ("9914000000", "누리구", ["누리동", "바다동", "솔밭동", "해오름동", "달빛동"]),
    ("9917000000", "가람구", ["가람1동", "가람2동", "물빛동"]),
    ("9931000000", "솔내군", ["솔내읍", "은행면", "푸른면"]),
]


@dataclass(frozen=True)
class DemoProgramme:
    title: str
    description: str
    category: str
    target_groups: list[str]
    fee_krw: int
    weekdays: list[int]
    start: tuple[int, int]
    minutes: int
    capacity: int | None
    selection: str
    institution: int
    venue_neighbourhood: str


INSTITUTIONS = [
    ("배움시 평생학습관", "평생학습관", "9911000000", "9911051000", "데모배움시 한빛구 배움로 1"),
    (
        "누리구 행복학습센터",
        "행복학습센터",
        "9914000000",
        "9914051100",
        "데모배움시 누리구 바다길 22",
    ),
    ("가람도서관", "도서관", "9917000000", "9917051200", "데모배움시 가람구 물빛로 7"),
    (
        "솔내군 어르신복지관",
        "복지관",
        "9931000000",
        "9931051000",
        "데모배움시 솔내군 솔내읍 중앙로 5",
    ),
]

PROGRAMMES = [
    DemoProgramme(
        "왕초보 스마트폰 활용 교실",
        "카카오톡, 사진 보내기, 키오스크 주문까지 천천히 배웁니다.",
        "humanities",
        ["어르신"],
        0,
        [2, 4],
        (10, 0),
        90,
        20,
        "first_come",
        3,
        "9931051000",
    ),
    DemoProgramme(
        "아침 힐링 요가",
        "몸과 마음을 깨우는 아침 요가 (매트 지참).",
        "culture_arts",
        ["성인"],
        30000,
        [1, 3, 5],
        (7, 0),
        60,
        25,
        "lottery",
        0,
        "9911051000",
    ),
    DemoProgramme(
        "생활영어 회화 기초",
        "여행과 일상에서 바로 쓰는 영어 회화.",
        "humanities",
        ["청년/직장인", "성인"],
        50000,
        [2],
        (19, 0),
        120,
        18,
        "first_come",
        1,
        "9914051100",
    ),
    DemoProgramme(
        "한글교실 (성인문해)",
        "읽고 쓰는 기쁨: 성인 문해 교육, 교재 무료.",
        "literacy",
        ["어르신", "외국인·다문화"],
        0,
        [1, 3],
        (14, 0),
        120,
        15,
        "first_come",
        3,
        "9931051000",
    ),
    DemoProgramme(
        "바리스타 2급 자격 과정",
        "자격 취득을 목표로 하는 실습 중심 과정.",
        "vocational",
        ["청년/직장인", "성인"],
        120000,
        [6],
        (10, 0),
        180,
        12,
        "lottery",
        0,
        "9911051000",
    ),
    DemoProgramme(
        "인권 감수성 키우기",
        "일상 속 인권, 장애인권과 다문화 이해.",
        "civic",
        ["전체"],
        0,
        [4],
        (19, 0),
        90,
        30,
        "first_come",
        2,
        "9917051200",
    ),
    DemoProgramme(
        "AI와 함께하는 ChatGPT 입문",
        "생성형 AI를 안전하게 쓰는 법.",
        "humanities",
        ["청년/직장인", "성인", "어르신"],
        10000,
        [5],
        (14, 0),
        120,
        24,
        "first_come",
        2,
        "9917051200",
    ),
    DemoProgramme(
        "인생2막 설계 학교",
        "신중년을 위한 경력 설계와 재취업 준비.",
        "career",
        ["성인"],
        0,
        [3],
        (10, 0),
        120,
        20,
        "lottery",
        1,
        "9914051100",
    ),
    DemoProgramme(
        "가족과 함께하는 그림책 놀이",
        "주말 오후, 아이와 함께 읽고 만드는 그림책.",
        "culture_arts",
        ["가족", "유아"],
        5000,
        [6],
        (14, 0),
        90,
        None,
        "first_come",
        2,
        "9917051200",
    ),
    DemoProgramme(
        "검정고시 준비반 (중졸)",
        "중학교 졸업 학력 검정고시 대비.",
        "academic",
        ["청소년", "성인"],
        0,
        [2, 4],
        (19, 0),
        120,
        20,
        "first_come",
        0,
        "9911051000",
    ),
]


def _neighbourhood_code(district_code: str, index: int) -> str:
    return f"{district_code[:5]}{510 + index}00"


def _ages(rng: random.Random, total: int) -> tuple[int, ...]:
    weights = []
    for age in range(OLDEST_AGE + 1):
        if age < 20:
            w = 0.8
        elif age < 65:
            w = 1.3 - abs(age - 48) / 60
        else:
            w = max(0.05, 1.0 - (age - 65) / 30)
        weights.append(w * rng.uniform(0.85, 1.15))
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[45] += total - sum(counts)
    return tuple(counts)


def _rows() -> tuple[list[PopulationRow], dict[str, dict[str, Any]]]:
    rng = random.Random(20250501)
    rows: list[PopulationRow] = []
    boxes: dict[str, dict[str, Any]] = {}
    district_rows: list[PopulationRow] = []
    for column, (district_code, district_name, neighbourhoods) in enumerate(DISTRICTS):
        district_total = 0
        for index, name in enumerate(neighbourhoods):
            code = _neighbourhood_code(district_code, index)
            total = rng.randrange(9_000, 38_000)
            district_total += total
            ages = _ages(rng, total)
            rows.append(
                PopulationRow(
                    0,
                    code,
                    f"{PROVINCE[1]} {district_name} {name}",
                    name,
                    Level.NEIGHBOURHOOD,
                    total,
                    ages,
                )
            )
            south = ORIGIN[0] + index * CELL[0]
            west = ORIGIN[1] + column * CELL[1]
            boxes[code] = {
                "type": "Polygon",
                "coordinates": [
                    [
                        (west, south),
                        (west + CELL[1], south),
                        (west + CELL[1], south + CELL[0]),
                        (west, south + CELL[0]),
                        (west, south),
                    ]
                ],
            }
        district_ages = tuple(
            sum(r.ages[a] for r in rows if r.code[:5] == district_code[:5])
            for a in range(OLDEST_AGE + 1)
        )
        district_rows.append(
            PopulationRow(
                0,
                district_code,
                f"{PROVINCE[1]} {district_name}",
                district_name,
                Level.DISTRICT,
                district_total,
                district_ages,
            )
        )
    province_ages = tuple(sum(r.ages[a] for r in district_rows) for a in range(OLDEST_AGE + 1))
    province = PopulationRow(
        0, PROVINCE[0], PROVINCE[1], PROVINCE[1], Level.PROVINCE, sum(province_ages), province_ages
    )
    return [province, *district_rows, *rows], boxes


@dataclass(frozen=True)
class Story:
    """Where one demo course stands on the day the demo is loaded: its dates and times, and
    the enrolment window its offer opens (demo.offers.demo_story_open)."""

    title: str
    kind: str  # current, lottery, closing, upcoming, closed, past
    start: dt.date
    end: dt.date
    weekdays: list[int]
    begin: dt.time
    finish: dt.time
    opens_at: dt.datetime
    closes_at: dt.datetime


# the story of each programme of PROGRAMMES, by index: this term's courses taking
# applications now (one of them meets today, now), a lottery that closes tomorrow, one closing
# in two days, two opening next week, one whose window is over, and a short course whose last
# class is today (now), with no window published and no enrolment open yet: the
# institution's staff open it (a newcomer's first day: tests/browser/test_newcomer.py)
STORY = [
    "current",
    "lottery",
    "current",
    "unopened",
    "upcoming",
    "closed",
    "closing",
    "upcoming",
    "current",
    "current",
]
MEETS_TODAY = (0, 3)  # 스마트폰 교실 and 한글교실, at the hour the demo is loaded
PAST_TERM = (0, 3)  # the courses also held last term: completed by the demo learner
STAFF_INSTITUTION = 3  # where the demo's institution staff and instructor work (both classes)
PAST_SUFFIX = " (지난 학기)"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def programme_plan(
    *, today: dt.date, now: dt.datetime | None = None
) -> list[tuple[DemoProgramme, Story]]:
    """Every demo course with its story, dated from `today` (the day `learncity demo` runs):
    the same story whatever the day."""
    if now is None or timezone.localdate(now) != today:
        now = _at(today, 10)
    # the hour it is loaded, whatever it is: a class that meets "now" late in the evening
    # still has its session under way (it ends at 23:59 at the latest)
    hour = timezone.localtime(now).hour
    weekday = today.isoweekday()
    in_two_days = (weekday + 1) % 7 + 1
    plan: list[tuple[DemoProgramme, Story]] = []
    for number, item in enumerate(PROGRAMMES):
        kind = STORY[number]
        weekdays = sorted(set(item.weekdays))
        begin = dt.time(*item.start)
        if number in MEETS_TODAY:
            weekdays = sorted({weekday, in_two_days})
            begin = dt.time(hour, 0)  # a session now: the kiosk can check people in
        start = {
            "current": today - dt.timedelta(days=14),
            "unopened": today - dt.timedelta(days=14),
            "lottery": today + dt.timedelta(days=7),
            "closing": today + dt.timedelta(days=10),
            "upcoming": today + dt.timedelta(days=35),
            "closed": today - dt.timedelta(days=14),
        }[kind]
        opens, closes = {
            "current": (
                _at(today - dt.timedelta(days=7), 9),
                _at(today + dt.timedelta(days=7), 18),
            ),
            "unopened": (  # what the staff are expected to open (nothing is published)
                _at(today, 0),
                _at(today + dt.timedelta(days=7), 18),
            ),
            "lottery": (
                _at(today - dt.timedelta(days=6), 9),
                _at(today + dt.timedelta(days=1), 18),
            ),
            "closing": (
                _at(today - dt.timedelta(days=5), 9),
                _at(today + dt.timedelta(days=2), 18),
            ),
            "upcoming": (
                _at(today + dt.timedelta(days=7), 9),
                _at(today + dt.timedelta(days=21), 18),
            ),
            "closed": (
                _at(today - dt.timedelta(days=20), 9),
                _at(today - dt.timedelta(days=3), 18),
            ),
        }[kind]
        # the course the staff open is a short one whose last class is today: a newcomer's
        # whole day ends with its completion in the learner's record
        end = today if kind == "unopened" else None
        story = _story(item.title, kind, start, weekdays, begin, item, opens, closes, end=end)
        plan.append((item, story))
    for number in PAST_TERM:
        item = PROGRAMMES[number]
        start = today - dt.timedelta(days=100)
        opens, closes = _at(start - dt.timedelta(days=21), 9), _at(start - dt.timedelta(days=7), 18)
        story = _story(
            item.title + PAST_SUFFIX,
            "past",
            start,
            sorted(set(item.weekdays)),
            dt.time(*item.start),
            item,
            opens,
            closes,
            end=today - dt.timedelta(days=23),
        )
        plan.append((item, story))
    return plan


def _story(  # noqa: PLR0917 - the parts of one course's story
    title: str,
    kind: str,
    start: dt.date,
    weekdays: list[int],
    begin: dt.time,
    item: DemoProgramme,
    opens: dt.datetime,
    closes: dt.datetime,
    end: dt.date | None = None,
) -> Story:
    finish_minutes = min(begin.hour * 60 + begin.minute + item.minutes, 23 * 60 + 59)
    return Story(
        title=title,
        kind=kind,
        start=start,
        end=end or start + dt.timedelta(weeks=10),
        weekdays=weekdays,
        begin=begin,
        finish=dt.time(finish_minutes // 60, finish_minutes % 60),
        opens_at=opens,
        closes_at=closes,
    )


@transaction.atomic
def demo_city_load(
    *, today: dt.date | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The demo city, its institutions and its courses, dated from `today` (default: the
    local date) so that this term is running when the demo is shown."""
    rows, boxes = _rows()
    linked = link_hierarchy(rows)
    parsed = PopulationFile(
        period=PERIOD,
        rows=tuple(linked),
        counts={
            "rows": len(linked),
            "provinces": 1,
            "districts": len(DISTRICTS),
            "neighbourhoods": len(linked) - 1 - len(DISTRICTS),
        },
    )
    region_services.population_store(
        parsed=parsed,
        source=DEMO_SOURCE,
        file_name="(demo)",
        file_sha256="demo",
        region_source=DEMO_REGION_SOURCE,
    )
    for code, box in boxes.items():
        region_services.region_boundary_set(code=code, geojson=box, source=DEMO_SOURCE)
    region_services.regions_boundaries_derive()

    institutions = [
        catalog_services.institution_create(
            name=name, kind=kind, district_code=district, source="demo", phone="000-0000-0000"
        )
        for name, kind, district, _, _ in INSTITUTIONS
    ]
    venues = {
        neighbourhood: catalog_services.venue_create(
            institution=institutions[i],
            name=f"{name} 강의실",
            road_address=address,
            neighbourhood_code=neighbourhood,
            coordinates=None,
            accessibility_notes="엘리베이터, 휠체어 출입 가능 (데모)",
        )
        for i, (name, _, _, neighbourhood, address) in enumerate(INSTITUTIONS)
    }
    # a course loaded before keeps the story it was given then (its people, attendance and
    # records hang on it): a new story is for a fresh database
    loaded_before = {
        (institution.pk, programme_title(pk))
        for institution in institutions
        for pk in programme_ids_of(institution_id=institution.pk)
    }
    for item, story in programme_plan(today=today or timezone.localdate(), now=now):
        if (institutions[item.institution].pk, story.title) in loaded_before:
            continue
        catalog_services.programme_create(
            institution=institutions[item.institution],
            venue=venues[item.venue_neighbourhood],
            title=story.title,
            description=item.description,
            category=item.category,
            target_groups=item.target_groups,
            fee_krw=item.fee_krw,
            source="demo",
            start_date=story.start,
            end_date=story.end,
            weekdays=story.weekdays,
            start_time=story.begin,
            end_time=story.finish,
            capacity=item.capacity,
            registration_start=story.opens_at.date() if story.kind != "unopened" else None,
            registration_end=story.closes_at.date() if story.kind != "unopened" else None,
            selection=item.selection,
        )
    made = catalog_counts(source="demo")
    return {
        "mode": "demo",
        "regions": region_count(source=DEMO_REGION_SOURCE),
        "population": parsed.national_total,
        "institutions": len(institutions),
        "institution_ids": [institution.pk for institution in institutions],
        "venues": len(venues),
        "programmes": made["programmes"],
        "schedules": made["schedules"],
        "search": search_index(),
    }
