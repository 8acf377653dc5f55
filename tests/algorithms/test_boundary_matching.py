"""Matching 2018 boundaries to today's areas: hand cases and the real files."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms import boundary_matching as bm
from learncity.algorithms import population_file, topojson
from learncity.algorithms.korean_regions import Level, name_keys, normalise_name, unnumbered


def _area(code: str, full_name: str, kind: str = "plain") -> bm.Area:
    level = (
        Level.PROVINCE
        if code[2:] == "0" * 8
        else Level.DISTRICT
        if code[5:] == "0" * 5
        else Level.NEIGHBOURHOOD
    )
    return bm.Area(
        code=code,
        level=level,
        name=full_name.rsplit(" ", maxsplit=1)[-1],
        full_name=full_name,
        province_code=code[:2] + "0" * 8,
        district_code=code[:5] + "0" * 5 if level is Level.NEIGHBOURHOOD else None,
        kind=kind,
    )


AREAS = [
    _area("1100000000", "서울특별시"),
    _area("1111000000", "서울특별시 종로구"),
    _area("1111061500", "서울특별시 종로구 창신제1동"),  # 창신1동 in 2018
    _area(
        "1111062000", "서울특별시 종로구 홍제제1동"
    ),  # 홍제1동 in 2018: 제 is not dropped wrongly
    _area("1111063000", "서울특별시 종로구 신당동"),  # merged from 신당1동, 신당2동
    _area("1111064000", "서울특별시 종로구 배곧1동"),  # split from 배곧동
    _area("1111065000", "서울특별시 종로구 옥포읍"),  # promoted from 옥포면
    _area("1111066000", "서울특별시 종로구 새동네동"),  # new since 2018
    _area("1111067000", "서울특별시 종로구 가나출장소", "branch_office"),
    _area("2700000000", "대구광역시"),
    _area("2772000000", "대구광역시 군위군"),
    _area("2772025000", "대구광역시 군위군 군위읍"),  # was in 경상북도 in 2018
    _area("4700000000", "경상북도"),
]
FEATURES = [
    bm.Feature(0, "1101061", "창신1동"),
    bm.Feature(1, "1101062", "홍제1동"),
    bm.Feature(2, "1101063", "신당1동"),
    bm.Feature(3, "1101064", "신당2동"),
    bm.Feature(4, "1101065", "배곧동"),
    bm.Feature(5, "1101066", "옥포면"),
    bm.Feature(6, "1101067", "사라진동"),
    bm.Feature(7, "3731025", "군위읍"),
]


def test_hand_cases() -> None:
    result = bm.match_neighbourhoods(AREAS, FEATURES)
    status = {code: (m.status, m.features) for code, m in result.matches.items()}
    assert status["1111061500"] == ("exact", (0,))
    assert status["1111062000"] == ("exact", (1,))
    assert status["1111063000"] == ("merged", (2, 3))
    assert status["1111064000"] == ("split", (4,))
    assert status["1111065000"] == ("renamed", (5,))
    assert status["1111066000"][0] == "unmatched"
    assert "사라진동" in result.matches["1111066000"].reason
    assert status["1111067000"][0] == "unmatched"
    assert "branch office" in result.matches["1111067000"].reason
    assert status["2772025000"] == ("moved", (7,))
    assert result.unused_features == {
        6: "no area of this name today (merged, renamed or abolished since 2018)"
    }


def test_province_renames() -> None:
    areas = [_area("5100000000", "강원특별자치도"), _area("5200000000", "전북특별자치도")]
    features = [bm.Feature(0, "32", "강원도"), bm.Feature(1, "35", "전라북도")]
    result = bm.match_provinces(areas, features)
    assert {c: m.features for c, m in result.matches.items()} == {
        "5100000000": (0,),
        "5200000000": (1,),
    }


def test_name_forms() -> None:
    assert normalise_name("종로1·2·3·4가동") == normalise_name("종로1.2.3.4가동")
    assert "창신1동" in name_keys("창신제1동")
    assert name_keys("홍제1동")[0] == "홍제1동"
    assert unnumbered("배곧2동") == "배곧동"
    assert unnumbered("사직동") is None


@given(st.text(alphabet="가나다라마바사아자차카타파하제0123456789·. ", min_size=1, max_size=12))
def test_every_area_gets_exactly_one_outcome(name: str) -> None:
    areas = [*AREAS, _area("1111069000", f"서울특별시 종로구 {name.strip() or '가'}동")]
    result = bm.match_neighbourhoods(areas, FEATURES)
    neighbourhoods = {a.code for a in areas if a.level is Level.NEIGHBOURHOOD}
    assert set(result.matches) == neighbourhoods
    used = [i for m in result.matches.values() if m.status != "split" for i in m.features]
    assert len(used) == len(set(used))  # no 2018 boundary given to two areas
    assert all(m.reason for m in result.matches.values() if m.status == "unmatched")


@pytest.mark.shared_data
def test_real_files_cover_at_least_95_percent(shared_data: Path) -> None:
    parsed = population_file.parse(
        (shared_data / "population" / "mois-age-by-dong-2025-05.csv").read_bytes()
    )
    areas = [
        bm.Area(
            r.code,
            r.level,
            r.name,
            r.full_name,
            r.code[:2] + "0" * 8,
            r.parent_code if r.level is Level.NEIGHBOURHOOD else None,
            r.kind,
        )
        for r in parsed.rows
    ]
    text = (
        shared_data / "boundaries" / "kostat-2018-submunicipalities-topo-simple.json"
    ).read_text()
    features = [
        bm.Feature(f.index, f.properties["code"], f.properties["name"])
        for f in topojson.features(topojson.load(text))
    ]
    result = bm.match_neighbourhoods(areas, features)
    statuses = collections.Counter(m.status for m in result.matches.values())
    total = sum(statuses.values())
    assert total == 3616
    with_boundary = sum(statuses[s] for s in bm.WITH_BOUNDARY)
    assert with_boundary / total >= 0.95
    assert statuses["exact"] >= 3400
    assert all(m.reason for m in result.matches.values() if m.status == "unmatched")
    # branch offices have no boundary of their own and are said to be so
    branches = [m for m in result.matches.values() if "branch office" in m.reason]
    assert len(branches) == 62
