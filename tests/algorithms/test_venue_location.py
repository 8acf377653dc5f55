"""Where a venue is, from its address and name (algorithms/venue_location): the legal 동 of an
address or a name mapped to the administrative 동 of the population and boundary files, and
hostile input that must never fail."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import venue_location as vl
from learncity.algorithms import walking

# 강남구's administrative 동 as the Ministry of the Interior lists them (May 2025), with made-up
# centroids one hundredth of a degree apart so that the mean point is easy to check
GANGNAM = [
    "신사동",
    "논현1동",
    "논현2동",
    "압구정동",
    "청담동",
    "삼성1동",
    "삼성2동",
    "대치1동",
    "대치2동",
    "대치4동",
    "역삼1동",
    "역삼2동",
    "도곡1동",
    "도곡2동",
    "개포1동",
    "개포2동",
    "개포3동",
    "개포4동",
    "세곡동",
    "일원본동",
    "일원1동",
    "수서동",
]
AREAS = [vl.Area(f"11680{i:05d}", name, (37.40 + i / 100, 127.0)) for i, name in enumerate(GANGNAM)]
CENTRE = (37.4967, 127.0629)


def place(address: str, name: str = "", areas: list[vl.Area] = AREAS) -> vl.Located:
    return vl.locate(
        address=address,
        name=name,
        areas=areas,
        district_name="강남구",
        district_centroid=CENTRE,
    )


def names(located: vl.Located) -> set[str]:
    return {a.name for a in AREAS if a.code in located.codes}


def test_a_legal_dong_maps_to_its_administrative_dongs() -> None:
    assert {a.name for a in vl.administrative_for("일원동", AREAS)} == {"일원본동", "일원1동"}
    assert {a.name for a in vl.administrative_for("개포동", AREAS)} == {
        "개포1동",
        "개포2동",
        "개포3동",
        "개포4동",
    }
    assert [a.name for a in vl.administrative_for("수서동", AREAS)] == ["수서동"]
    assert [a.name for a in vl.administrative_for("역삼1동", AREAS)] == ["역삼1동"]
    assert vl.administrative_for("종로동", AREAS) == []
    assert vl.stem_of("신당제5동") == "신당" and vl.stem_of("종로1·2·3·4가동") == "종로"
    assert vl.stem_of("양평읍") == "양평" and vl.stem_of("일원본동") == "일원"


def test_the_parenthesised_reference_and_a_lot_number_address() -> None:
    road = place("서울특별시 강남구 영동대로 22 (일원동)")
    assert (road.precision, road.source, road.label) == ("neighbourhood", "address", "일원동")
    assert names(road) == {"일원본동", "일원1동"}
    lot = place("서울특별시 강남구 수서동 713")
    assert (lot.precision, lot.source, names(lot)) == ("neighbourhood", "address", {"수서동"})
    assert lot.neighbourhood == lot.codes[0]
    # the address wins over the name
    both = place("서울특별시 강남구 개포로 410 (개포동)", "일원평생학습센터")
    assert both.label == "개포동"


def test_the_venue_name_names_its_dong() -> None:
    ilwon = place("서울특별시 강남구 영동대로22", "일원평생학습센터")
    assert (ilwon.precision, ilwon.source, ilwon.label) == ("neighbourhood", "name", "일원동")
    assert names(ilwon) == {"일원본동", "일원1동"}
    assert ilwon.neighbourhood is None  # two 동: the legal 동 is known, not which part
    points = [a.centroid for a in AREAS if a.code in ilwon.codes]
    assert ilwon.point == vl.mean_point(points)
    assert ilwon.point != CENTRE
    assert names(place("", "역삼1동 주민센터")) == {"역삼1동"}
    assert names(place("", "논현글로벌평생학습센터 3층")) == {"논현1동", "논현2동"}
    assert names(place("", "대치평생학습관")) == {"대치1동", "대치2동", "대치4동"}
    assert place("", "신한갤러리").precision == "district"


def test_nothing_known_is_the_district_then_unknown() -> None:
    gallery = place("서울특별시 강남구 역삼로 251", "신한갤러리")
    assert (gallery.precision, gallery.source, gallery.point) == ("district", "district", CENTRE)
    assert gallery.codes == () and gallery.label == "강남구"
    nothing = vl.locate(address="", name="", areas=[], district_centroid=None)
    assert (nothing.precision, nothing.source, nothing.point) == ("unknown", "", None)


def test_an_area_without_a_centroid_is_not_a_place() -> None:
    blind = [vl.Area(a.code, a.name, None) for a in AREAS]
    assert place("서울특별시 강남구 영동대로 22 (일원동)", "", blind).precision == "district"


def test_points_in_korea() -> None:
    assert vl.is_point(37.4879, 127.0869)
    assert vl.is_point(33.5, 126.5)  # 제주
    for lat, lon in ((0, 0), (37.5, 200), (math.nan, 127), (math.inf, 127), (51.5, -0.1)):
        assert not vl.is_point(lat, lon)


def test_a_point_inside_an_outline_or_near_it() -> None:
    square = {
        "type": "Polygon",
        "coordinates": [
            [[127.0, 37.0], [127.1, 37.0], [127.1, 37.1], [127.0, 37.1], [127.0, 37.0]]
        ],
    }
    assert vl.within(square, 37.05, 127.05)
    assert not vl.within(square, 37.2, 127.05)
    assert vl.within(square, 37.1015, 127.05, margin_m=300)  # about 170 m north of the edge
    assert not vl.within(square, 37.11, 127.05, margin_m=300)


def test_one_walking_speed() -> None:
    assert walking.WALKING_SPEED_KMH == 4.8
    assert round(walking.straight_radius_m(15)) == 923
    assert walking.minutes_for(walking.straight_radius_m(15)) == 15


HOSTILE = st.one_of(
    st.just(""),
    st.just("가" * 200),
    st.just("동" * 200),
    st.just("(" * 100 + ")" * 100),
    st.just("서울특별시 강남구 테헤란로 152"),  # no 동 at all
    st.just("152 Teheran-ro, Gangnam-gu, Seoul"),  # Latin
    st.just("Ilwon Lifelong Learning Centre"),
    st.text(max_size=300),
    st.text(alphabet="가나다라동읍면리가()0123456789 ,·", max_size=300),
)


@settings(max_examples=300, deadline=None)
@given(address=HOSTILE, name=HOSTILE)
def test_hostile_addresses_and_names_never_fail(address: str, name: str) -> None:
    located = place(address, name)
    assert located.precision in vl.PRECISIONS
    assert located.source in (*vl.SOURCES, "")
    assert set(located.codes) <= {a.code for a in AREAS}
    assert len(located.label) <= 100 or located.precision != "neighbourhood"
    if located.point is not None:
        assert vl.is_point(*located.point)
    for word in vl.address_dong_words(address):
        assert word[-1] in "동가읍면리"


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz -,.0123456789", max_size=200))
def test_latin_text_names_no_dong(text: str) -> None:
    assert place(text, text).precision == "district"
