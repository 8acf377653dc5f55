"""Road addresses -> 시·도 / 시·군·구 / 읍·면·동, on hand-made areas and on every real area."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from learncity.algorithms import population_file
from learncity.algorithms.korean_address import AddressIndex, Area, province_aliases

AREAS = [
    Area("1100000000", "province", "서울특별시", "서울특별시", None),
    Area("1168000000", "district", "강남구", "서울특별시 강남구", "1100000000"),
    Area("1168064000", "neighbourhood", "역삼1동", "서울특별시 강남구 역삼1동", "1168000000"),
    Area("1168065000", "neighbourhood", "역삼2동", "서울특별시 강남구 역삼2동", "1168000000"),
    Area("1168051000", "neighbourhood", "신사동", "서울특별시 강남구 신사동", "1168000000"),
    Area("1114000000", "district", "중구", "서울특별시 중구", "1100000000"),
    Area("2600000000", "province", "부산광역시", "부산광역시", None),
    Area("2611000000", "district", "중구", "부산광역시 중구", "2600000000"),
    Area("4100000000", "province", "경기도", "경기도", None),
    Area("4111000000", "district", "수원시", "경기도 수원시", "4100000000", "city_with_wards"),
    Area("4111100000", "district", "장안구", "경기도 수원시 장안구", "4111000000", "ward"),
    Area("4111156000", "neighbourhood", "파장동", "경기도 수원시 장안구 파장동", "4111100000"),
    Area("4183000000", "district", "양평군", "경기도 양평군", "4100000000"),
    Area("4183025000", "neighbourhood", "양평읍", "경기도 양평군 양평읍", "4183000000"),
    Area("3600000000", "province", "세종특별자치시", "세종특별자치시", None),
    Area("3611000000", "district", "세종특별자치시", "세종특별자치시", "3600000000"),
    Area("5100000000", "province", "강원특별자치도", "강원특별자치도", None),
    Area("5111000000", "district", "춘천시", "강원특별자치도 춘천시", "5100000000"),
    Area("4300000000", "province", "충청북도", "충청북도", None),
    Area("4311000000", "district", "청주시", "충청북도 청주시", "4300000000"),
]
INDEX = AddressIndex(AREAS)


def test_province_aliases() -> None:
    assert province_aliases("충청북도") >= {"충청북도", "충북"}
    assert province_aliases("서울특별시") >= {"서울특별시", "서울", "서울시"}
    assert province_aliases("강원특별자치도") >= {"강원도", "강원"}


@pytest.mark.parametrize(
    ("address", "district", "neighbourhood"),
    [
        ("서울특별시 강남구 영동대로 57길 7", "1168000000", None),
        ("서울 강남구 도산대로 1 (신사동)", "1168000000", "1168051000"),
        ("서울시 강남구 테헤란로 1 (역삼동, 어느빌딩)", "1168000000", None),  # 역삼1·2동: unsure
        ("경기도 수원시 장안구 정조로 1", "4111100000", None),
        ("경기 수원시 장안구 파장동 12-3", "4111100000", "4111156000"),
        ("경기도 수원시 팔달로 1", "4111000000", None),
        ("경기도 양평군 양평읍 양근로 1", "4183000000", "4183025000"),
        ("세종특별자치시 한누리대로 2130", "3611000000", None),
        ("세종시 한누리대로 2130", "3611000000", None),
        ("강원도 춘천시 중앙로 1", "5111000000", None),
        ("충북 청주시 상당로 1", "4311000000", None),
        ("강남구 영동대로 22", "1168000000", None),
        ("부산광역시 중구 중앙대로 1", "2611000000", None),
    ],
)
def test_resolves(address: str, district: str, neighbourhood: str | None) -> None:
    found = INDEX.resolve(address)
    assert found.district == district, found
    assert found.province == district[:2] + "0" * 8
    assert found.neighbourhood == neighbourhood


@pytest.mark.parametrize(
    ("address", "note"),
    [
        ("", "no address"),
        ("중구 중앙대로 1", "names 2 districts"),
        ("서울특별시 없는구 어딘가 1", "no district '없는구'"),
        ("온라인 강의", "no province or district"),
        ("<script>alert(1)</script>", "no province or district"),
    ],
)
def test_unresolved_addresses_say_why(address: str, note: str) -> None:
    found = INDEX.resolve(address)
    assert found.district is None
    assert note in found.note


@cache
def real_index(shared_data: Path) -> AddressIndex:
    parsed = population_file.parse(
        (shared_data / "population/mois-age-by-dong-2025-05.csv").read_bytes()
    )
    rows = population_file.link_hierarchy(list(parsed.rows))
    return AddressIndex(
        [Area(r.code, str(r.level), r.name, r.full_name, r.parent_code, r.kind) for r in rows]
    )


@pytest.mark.shared_data
def test_every_real_course_address_resolves_to_a_district(shared_data: Path) -> None:
    index = real_index(shared_data)
    with (shared_data / "courses/gangnam-2026-04.csv").open(encoding="utf-8-sig") as handle:
        addresses = [row["교육장도로명주소"] for row in csv.DictReader(handle)]
    resolved = [index.resolve(a) for a in addresses]
    assert sum(r.district == "1168000000" for r in resolved) == len(addresses) == 322


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("address", "full_name"),
    [
        ("경기도 수원시 장안구 송정로 19", "경기도 수원시 장안구"),
        ("경기도 고양시 일산동구 중앙로 1", "경기도 고양시 일산동구"),
        ("경상북도 포항시 남구 시청로 1", "경상북도 포항시 남구"),
        ("경북 포항시 북구 중흥로 1", "경상북도 포항시 북구"),
        ("부산광역시 해운대구 중동2로 11", "부산광역시 해운대구"),
        ("전라북도 전주시 완산구 노송광장로 10", "전북특별자치도 전주시 완산구"),
        ("강원도 원주시 시청로 1", "강원특별자치도 원주시"),
        ("제주특별자치도 제주시 광양9길 10", "제주특별자치도 제주시"),
        ("경기도 하남시 신장로 1 (신장동)", "경기도 하남시"),
        ("대구광역시 군위군 군위읍 군청로 1", "대구광역시 군위군"),
    ],
)
def test_real_addresses_across_the_country(shared_data: Path, address: str, full_name: str) -> None:
    index = real_index(shared_data)
    found = index.resolve(address)
    names = {
        r.code: r.full_name
        for r in population_file.link_hierarchy(
            list(
                population_file.parse(
                    (shared_data / "population/mois-age-by-dong-2025-05.csv").read_bytes()
                ).rows
            )
        )
    }
    assert found.district is not None, found.note
    assert names[found.district] == full_name
