"""The search form's district and neighbourhood controls and its clickable facets, on the
real Gangnam catalogue; hostile query strings answer with a clear error in the page, never a
500 (issue 18, item 7)."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from learncity.regions.models import Region
from learncity.search.places import search_places
from tests.world import GANGNAM

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db: None, world: Mapping[str, Any], shared_data: Path) -> Mapping[str, Any]:
    return world


def _options(body: str, select_id: str) -> list[tuple[str, str]]:
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', body, re.S)
    assert found, f"no select #{select_id}"
    return [
        (value, html.unescape(label).strip())
        for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found[1])
    ]


def _count(body: str) -> int:
    found = re.search(r'data-testid="result-count"><strong>([\d,]+)</strong>', body)
    assert found, "no result count"
    return int(found[1].replace(",", ""))


def _facet_links(body: str, testid: str) -> list[tuple[str, str, int]]:
    block = re.search(rf'<ul data-testid="{testid}">(.*?)</ul>', body, re.S)
    assert block, f"no facet list {testid}"
    return [
        (html.unescape(href), label.strip(), int(count))
        for href, label, count in re.findall(
            r'<a href="([^"]+)" class="facet[^"]*"[^>]*>(?:<span[^>]*>[^<]*</span>)?([^<]*)'
            r'<span class="n">(\d+)</span>',
            block[1],
        )
    ]


def test_district_choices_are_names_of_the_catalogue_districts(client: Client, catalog) -> None:
    body = client.get("/search").content.decode()
    districts = dict(_options(body, "district"))
    assert districts[""] == "전체"
    assert districts[GANGNAM] == "강남구"
    # the whole country is not offered: only the districts the catalogue's programmes are in
    assert "해운대구" not in districts.values()
    assert len(districts) < 10
    # no district yet: the neighbourhood control waits for one, and says so
    assert _options(body, "neighbourhood") == [("", "전체")]
    assert 'id="neighbourhood-help"' in body


def test_choosing_a_district_lists_its_neighbourhoods_and_filters(client: Client, catalog) -> None:
    everything = _count(client.get("/search").content.decode())
    body = client.get("/search", {"district": GANGNAM}).content.decode()
    neighbourhoods = dict(_options(body, "neighbourhood"))
    gangnam_dong = set(
        Region.objects.filter(level="neighbourhood", parent__code=GANGNAM).values_list(
            "name", flat=True
        )
    )
    assert set(neighbourhoods.values()) - {"전체"} == gangnam_dong
    assert "일원1동" in gangnam_dong or "일원본동" in gangnam_dong
    assert 0 < _count(body) <= everything
    # a name works as well as a code, and selects the same district in the form
    by_name = client.get("/search", {"district": "강남구"}).content.decode()
    assert _count(by_name) == _count(body)
    assert f'<option value="{GANGNAM}" selected>' in by_name

    code, name = next((c, n) for c, n in neighbourhoods.items() if c)
    one = client.get("/search", {"district": GANGNAM, "neighbourhood": code}).content.decode()
    assert f'<option value="{code}" selected>{name}</option>' in one
    assert _count(one) <= _count(body)


def test_a_neighbourhood_of_another_district_is_left_out_with_a_note(
    client: Client, catalog
) -> None:
    elsewhere = Region.objects.filter(level="neighbourhood").exclude(parent__code=GANGNAM).first()
    assert elsewhere is not None
    gangnam = _count(client.get("/search", {"district": GANGNAM}).content.decode())
    response = client.get("/search", {"district": GANGNAM, "neighbourhood": elsewhere.code})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="place-note"' in body
    assert _count(body) == gangnam


def test_places_of_a_district_by_code_or_name(catalog) -> None:
    indexed = frozenset({GANGNAM})
    by_code = search_places(district=GANGNAM, indexed=indexed)
    by_name = search_places(district="강남구", indexed=indexed)
    assert by_code == by_name
    assert by_code.districts == [(GANGNAM, "강남구")]
    assert by_code.neighbourhoods == sorted(by_code.neighbourhoods, key=lambda item: item[1])
    assert all(code.startswith(GANGNAM[:5]) for code, _ in by_code.neighbourhoods)
    # a district that is not one of the choices has no neighbourhoods to offer
    assert search_places(district="해운대구", indexed=indexed).neighbourhoods == []
    assert search_places(district="", indexed=indexed).district == ""


@pytest.fixture
def ilwon(catalog) -> str:
    """The venue holding the most programmes placed in 일원1동 (the real file places every
    venue on the district only), the index brought up to date: the neighbourhood's code."""
    from django.db.models import Count

    from learncity.catalog.models import Venue
    from learncity.search.services import search_index

    dong = Region.objects.get(level="neighbourhood", parent__code=GANGNAM, name="일원1동")
    venue = Venue.objects.annotate(n=Count("programmes")).order_by("-n", "id").first()
    assert venue is not None
    Venue.objects.filter(pk=venue.pk).update(
        neighbourhood=dong,
        latitude=dong.centroid_lat,
        longitude=dong.centroid_lon,
        precision=Venue.Precision.NEIGHBOURHOOD,
    )
    assert search_index()["programmes"] > 0  # the venue's update recorded its programmes
    return dong.code


@pytest.mark.parametrize("testid", ["facet-district", "facet-neighbourhood"])
def test_place_facets_are_links_that_apply_them(
    client: Client, catalog, ilwon: str, testid: str
) -> None:
    body = client.get("/search").content.decode()
    links = _facet_links(body, testid)
    assert links, "no facet links"
    for href, _label, count in links[:3]:
        assert href.startswith("?")
        applied = client.get("/search" + href).content.decode()
        assert _count(applied) == count
        # applied: the facet is marked and its link takes it off again
        assert 'aria-current="true"' in applied


def test_category_weekday_and_status_facets_apply(client: Client, catalog) -> None:
    body = client.get("/search", {"q": "영어"}).content.decode()
    facets = re.search(r'data-testid="facets">(.*?)</aside>', body, re.S)
    assert facets
    links = re.findall(
        r'<a href="([^"]+)" class="facet"[^>]*>([^<]*)<span class="n">(\d+)', facets[1]
    )
    assert len(links) >= 3
    for href, _label, count in links:
        applied = client.get("/search" + html.unescape(href))
        assert applied.status_code == 200
        assert _count(applied.content.decode()) == int(count)
        assert "q=%EC%98%81%EC%96%B4" in href  # the words stay


def test_an_applied_facet_link_takes_it_off(client: Client, catalog) -> None:
    body = client.get("/search", {"district": GANGNAM}).content.decode()
    on = re.search(r'<a href="([^"]*)" class="facet on" aria-current="true">', body)
    assert on
    off = client.get("/search" + html.unescape(on[1])).content.decode()
    assert _count(off) == _count(client.get("/search").content.decode())


def test_htmx_results_carry_the_neighbourhoods_of_the_district(client: Client, catalog) -> None:
    response = client.get("/search", {"district": GANGNAM}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert '<span id="neighbourhood-choices" hx-swap-oob="innerHTML">' in body
    assert len(_options(body, "neighbourhood")) > 5
    # a full page has the control once, not twice
    page = client.get("/search", {"district": GANGNAM}).content.decode()
    assert page.count('<select id="neighbourhood"') == 1


@pytest.mark.parametrize(
    "query",
    [
        {"district": "9999999999"},
        {"district": "<script>alert(1)</script>"},
        {"district": "가" * 5000},
        {"neighbourhood": "x" * 5000},
        {"neighbourhood": '"><img src=x onerror=alert(1)>'},
        {"district": GANGNAM, "neighbourhood": "없는동"},
        {"district": ",,,"},
        {"weekday": "<b>"},
        {"category": "<script>"},
        {"minutes": "9" * 40},
        {"page": "-1"},
    ],
)
def test_hostile_place_queries_answer_a_clear_error_in_the_page(
    client: Client, catalog, query: dict[str, str]
) -> None:
    response = client.get("/search", query)
    body = response.content.decode()
    assert response.status_code in (200, 400)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert '<form id="search-form"' in body  # the page, its layout and the form are there
    if response.status_code == 400:
        assert 'class="banner error" role="alert"' in body
    else:
        assert 'data-testid="result-count"' in body


def test_an_unknown_district_names_itself_in_the_error(client: Client, catalog) -> None:
    response = client.get("/search", {"district": "9999999999"})
    assert response.status_code == 400
    assert "9999999999" in response.content.decode()


def test_overlong_words_are_refused_or_searched_never_a_500(client: Client, catalog) -> None:
    for q in ("영어" * 3000, "%" * 2000, "\x00" * 10):
        response = client.get("/search", {"q": q, "district": GANGNAM})
        assert response.status_code in (200, 400)


def test_with_a_city_set_the_choices_are_its_districts(client: Client, catalog) -> None:
    from learncity.regions.services import city_set

    city_set(areas=["1168000000"])
    assert search_places().districts == [(GANGNAM, "강남구")]
    # a consortium of a 시·도 and a district elsewhere: every 시·군·구 of the 시·도, and it
    busan = Region.objects.get(level="province", name="부산광역시")
    jeju = Region.objects.filter(level="district", name="제주시").first()
    assert jeju is not None
    city_set(areas=[busan.code, jeju.code])
    names = [name for _code, name in search_places().districts]
    busan_districts = Region.objects.filter(level="district", parent=busan).count()
    assert len(names) == busan_districts + 1
    assert "해운대구" in names and "제주시" in names and "강남구" not in names
    assert "중구" in names  # one 중구 among the choices: its own name is enough
    seoul = Region.objects.get(level="province", name="서울특별시")
    city_set(areas=[seoul.code, busan.code])
    both = dict(search_places().districts)
    assert "중구" not in both.values()  # two 중구: each named with its 시·도
    assert {name for name in both.values() if name.endswith(" 중구")} == {
        "서울특별시 중구",
        "부산광역시 중구",
    }
    body = client.get("/search", {"district": "해운대구"}).content.decode()
    haeundae = dict(_options(body, "neighbourhood"))
    assert "우제1동" in haeundae.values() and "송정동" in haeundae.values()


def test_the_search_page_reads_few_areas(client: Client, catalog) -> None:
    """The place choices read a handful of rows, not the 3,900 areas of the country."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/search")
    with CaptureQueriesContext(connection) as queries:
        search_places(district=GANGNAM, indexed=frozenset({GANGNAM}))
    assert len(queries) <= 4
