"""The city's area without a database: resolving names and codes, what lies inside, colours."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms import city_area
from learncity.algorithms.city_area import Area, AreaQueryError

SEOUL = Area("1100000000", "province", "서울특별시", "서울특별시")
BUSAN = Area("2600000000", "province", "부산광역시", "부산광역시")
GYEONGGI = Area("4100000000", "province", "경기도", "경기도")
GANGNAM = Area("1168000000", "district", "강남구", "서울특별시 강남구", SEOUL.code)
JUNG_SEOUL = Area("1114000000", "district", "중구", "서울특별시 중구", SEOUL.code)
JUNG_BUSAN = Area("2611000000", "district", "중구", "부산광역시 중구", BUSAN.code)
HAEUNDAE = Area("2635000000", "district", "해운대구", "부산광역시 해운대구", BUSAN.code)
SUWON = Area("4111000000", "district", "수원시", "경기도 수원시", GYEONGGI.code, "city_with_wards")
JANGAN = Area("4111100000", "district", "장안구", "경기도 수원시 장안구", SUWON.code, "ward")
GWONSEON = Area("4111300000", "district", "권선구", "경기도 수원시 권선구", SUWON.code, "ward")
ILWON = Area("1168072000", "neighbourhood", "일원본동", "서울특별시 강남구 일원본동", GANGNAM.code)
ILWON1 = Area("1168073000", "neighbourhood", "일원1동", "서울특별시 강남구 일원1동", GANGNAM.code)
JANGAN_DONG = Area(
    "4111151000", "neighbourhood", "파장동", "경기도 수원시 장안구 파장동", JANGAN.code
)
U_DONG = Area("2635051000", "neighbourhood", "우1동", "부산광역시 해운대구 우1동", HAEUNDAE.code)
AREAS = (
    SEOUL,
    BUSAN,
    GYEONGGI,
    GANGNAM,
    JUNG_SEOUL,
    JUNG_BUSAN,
    HAEUNDAE,
    SUWON,
    JANGAN,
    GWONSEON,
    ILWON,
    ILWON1,
    JANGAN_DONG,
    U_DONG,
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("강남구", GANGNAM),
        ("서울특별시 강남구", GANGNAM),
        ("서울  강남구", GANGNAM),
        ("서울 강남", GANGNAM),
        ("강남", GANGNAM),
        ("11680", GANGNAM),
        ("1168000000", GANGNAM),
        ("11", SEOUL),
        ("부산", BUSAN),
        ("부산 중구", JUNG_BUSAN),
        ("부산광역시 중구", JUNG_BUSAN),
        ("수원시", SUWON),
        ("수원", SUWON),
        ("경기 수원시 장안구", JANGAN),
        ("장안구", JANGAN),
    ],
)
def test_resolve(query: str, expected: Area) -> None:
    assert city_area.resolve(query, AREAS) == expected


@pytest.mark.parametrize(
    ("query", "reason", "candidates"),
    [
        ("중구", "ambiguous", (JUNG_SEOUL, JUNG_BUSAN)),
        ("", "empty", ()),
        (" \t ", "empty", ()),
        ("일원동", "level", (ILWON, ILWON1)),
        ("일원1동", "level", (ILWON1,)),
        ("1168072000", "level", (ILWON,)),
        ("123", "bad_code", ()),
        ("9900000000", "unknown", ()),
        ("대전 중구", "unknown", ()),
        ("중", "unknown", ()),
        ("구", "unknown", ()),
    ],
)
def test_resolve_refuses(query: str, reason: str, candidates: tuple[Area, ...]) -> None:
    with pytest.raises(AreaQueryError) as caught:
        city_area.resolve(query, AREAS)
    assert caught.value.reason == reason
    assert caught.value.candidates == candidates


@given(st.text(max_size=40))
def test_resolve_never_fails_otherwise(query: str) -> None:
    """Any text is a city area of the list or an AreaQueryError, never another exception."""
    try:
        found = city_area.resolve(query, AREAS)
    except AreaQueryError as error:
        assert error.reason in {"empty", "unknown", "ambiguous", "level", "bad_code"}
    else:
        assert found in AREAS and found.level in city_area.CITY_LEVELS


def test_inside_counts_a_city_with_wards_through_its_wards() -> None:
    inner = city_area.inside([SUWON.code], AREAS)
    assert inner.districts == {SUWON.code, JANGAN.code, GWONSEON.code}
    assert inner.counted_districts == {JANGAN.code, GWONSEON.code}
    assert inner.neighbourhoods == {JANGAN_DONG.code}
    assert inner.provinces == frozenset()
    # a ward alone counts itself
    assert city_area.inside([JANGAN.code], AREAS).counted_districts == {JANGAN.code}


def test_a_consortium_covers_once() -> None:
    assert city_area.cover([HAEUNDAE, BUSAN, JUNG_BUSAN, BUSAN], AREAS) == (BUSAN,)
    assert city_area.cover([JANGAN, GANGNAM], AREAS) == (GANGNAM, JANGAN)
    inner = city_area.inside([BUSAN.code, HAEUNDAE.code], AREAS)
    assert inner.counted_districts == {JUNG_BUSAN.code, HAEUNDAE.code}
    assert inner.neighbourhoods == {U_DONG.code}
    assert city_area.default_name([GANGNAM]) == "서울특별시 강남구"
    assert city_area.default_name([JUNG_BUSAN, HAEUNDAE]) == "부산광역시 중구·해운대구"
    assert city_area.default_name([]) == ""


@given(st.sets(st.sampled_from(AREAS)))
def test_cover_and_inside_agree(chosen: set[Area]) -> None:
    """The cover holds the same areas as the choice, without redundancy."""
    covered = city_area.cover(chosen, AREAS)
    codes = [a.code for a in chosen]
    assert city_area.inside([a.code for a in covered], AREAS) == city_area.inside(codes, AREAS)
    for a in covered:
        others = [b.code for b in covered if b != a]
        assert a.code not in city_area.inside(others, AREAS).codes
    assert city_area.cover(covered, AREAS) == covered


@pytest.mark.parametrize(
    ("text", "colour"),
    [("#1a5fb4", "#1a5fb4"), ("1A5FB4", "#1a5fb4"), ("#abc", "#aabbcc"), (" #000000 ", "#000000")],
)
def test_parse_colour(text: str, colour: str) -> None:
    assert city_area.parse_colour(text) == colour


@pytest.mark.parametrize("text", ["", "blue", "#12345", "#ggg", "rgb(0,0,0)", "#1234567"])
def test_parse_colour_refuses(text: str) -> None:
    assert city_area.parse_colour(text) is None


def test_contrast_ratio_known_values() -> None:
    assert city_area.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert city_area.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # the site's own accent on white, as WebAIM's checker gives it: 6.4:1 (#0b57d0)
    assert city_area.contrast_ratio("#0b57d0", "#ffffff") == pytest.approx(6.4, abs=0.05)


@given(st.integers(0, 0xFFFFFF), st.integers(0, 0xFFFFFF))
def test_contrast_ratio_is_symmetric_and_bounded(a: int, b: int) -> None:
    first, second = f"#{a:06x}", f"#{b:06x}"
    ratio = city_area.contrast_ratio(first, second)
    assert 1.0 <= ratio <= 21.0 + 1e-9
    assert ratio == pytest.approx(city_area.contrast_ratio(second, first))
