"""Near me that works (issue 18, item 5), on the real Gangnam file of the test world: every
venue gets a place and a precision, 일원평생학습센터 stands in 일원동 (not on the district's
centroid), `search --near 일원동 --minutes 15` finds its programmes, a venue file sets points,
and the staff page that places a venue on the map is allowed exactly as the policy says."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from learncity.algorithms.search_text import distance_m
from learncity.algorithms.venue_location import mean_point
from learncity.catalog.location_selectors import venue_location_get, venues_for_staff
from learncity.catalog.locations import venues_load, venues_locate
from learncity.cli import app
from learncity.core.errors import InputFileError
from learncity.regions.selectors import region_refs
from learncity.search.selectors import SearchParams, programme_search
from tests.world import GANGNAM

ILWON = "일원평생학습센터"


@pytest.fixture
def gangnam(db: None, world: Mapping[str, Any], shared_data: Path) -> dict[str, Any]:
    venues = {v["name"]: v for v in venues_for_staff(everywhere=True)}
    assert ILWON in venues
    return venues


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_every_gangnam_venue_has_a_place_and_a_precision(gangnam: dict[str, Any]) -> None:
    report = venues_locate(dry_run=True).as_dict()
    mine = [v for v in report["venues"] if v["district_code"] == GANGNAM]
    assert len(mine) == len([v for v in gangnam.values() if v["district_code"] == GANGNAM]) >= 6
    assert all(v["precision"] in {"exact", "neighbourhood", "district"} for v in mine)
    assert all(v["latitude"] is not None and v["longitude"] is not None for v in mine)
    assert report["changed"] == 0  # the import placed them as `venues locate` would
    by_precision = {
        p: sum(1 for v in mine if v["precision"] == p) for p in ("neighbourhood", "district")
    }
    # measured on gangnam-2026-04.csv: no address names a 동 (road addresses without the
    # reference part); the names of 6 of 7 venues do (개포, 논현, 대치, 수서, 일원 ×2), and
    # 신한갤러리 names none and stays at the district's centroid
    assert by_precision["neighbourhood"] >= 6 and by_precision["district"] <= 1
    assert {v["source"] for v in mine} <= {"name", "address", "district"}
    gallery = [v for v in mine if v["name"] == "신한갤러리"]
    assert [(v["precision"], v["source"]) for v in gallery] == [("district", "district")]


def test_the_command_reports_each_venue(gangnam: dict[str, Any]) -> None:
    code, out = invoke("venues", "locate", "--dry-run", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["count"] == len(report["venues"]) >= len(gangnam)
    assert {"precision", "source", "label", "latitude", "longitude"} <= set(report["venues"][0])
    code, out = invoke("venues", "locate", "--dry-run")
    assert code == 0 and f"{ILWON}" in out and "neighbourhood" in out and "일원동" in out
    assert re.search(r"\d+ venues: district \d+, neighbourhood \d+", out)


def test_ilwon_stands_in_ilwon_dong_not_on_the_district_centroid(gangnam: dict[str, Any]) -> None:
    venue = gangnam[ILWON]
    assert (venue["precision"], venue["source"], venue["label"]) == (
        "neighbourhood",
        "name",
        "일원동",
    )
    refs = {r.code: r for r in region_refs()}
    parts = {refs[c].name for c in venue["codes"]}
    assert parts == {"일원본동", "일원1동"}  # 일원동's administrative 동 in May 2025
    point = (venue["latitude"], venue["longitude"])
    assert point == mean_point(refs[c].centroid for c in venue["codes"])
    centre = refs[GANGNAM].centroid
    assert centre is not None and distance_m(*point, *centre) > 1_000
    for code in venue["codes"]:  # within a couple of km of each part's centre
        assert distance_m(*point, *refs[code].centroid) < 2_500


def test_near_ilwon_dong_finds_its_programmes(gangnam: dict[str, Any]) -> None:
    page = programme_search(SearchParams(near="일원동", minutes=15, per_page=100))
    venues = {r["venue"] for r in page.results}
    assert ILWON in venues
    assert page.total >= 100  # measured: 134, every programme of 일원평생학습센터
    assert all(
        r["walking_minutes"] is not None and r["walking_minutes"] <= 15 for r in page.results
    )
    at_ilwon = [r for r in page.results if r["venue"] == ILWON]
    assert {r["index_location_precision"] for r in at_ilwon} == {"neighbourhood"}
    code, out = invoke("search", "--near", "일원동", "--minutes", "15", "--limit", "100", "--json")
    assert code == 0, out
    found = json.loads(out)
    assert found and ILWON in {r["venue"] for r in found}
    code, out = invoke("search", "--near", "일원동", "--minutes", "15")
    assert code == 0 and ILWON in out and "4.8 km/h" in out


def test_a_venue_file_sets_points_and_reports_what_it_could_not(
    gangnam: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "venues.csv"
    path.write_text(
        "교육장명,주소,위도,경도\n"
        f"{ILWON},서울특별시 강남구 영동대로22,37.4919,127.0853\n"
        "어디에도없는교육장,,37.5,127.0\n"
        "수서평생학습센터,,북위 37도,127.1\n"
        "개포평생학습센터,,51.5,-0.12\n"
        "대치평생학습관,,nan,127.05\n"
        ",,37.5,127.05\n"
        "\n",
        encoding="utf-8-sig",
    )
    report = venues_load(path=path)
    assert (report["rows"], report["located"]) == (6, 1)
    assert report["venues"] == 2  # 일원평생학습센터 and its 라운지1, at the same address
    problems = {p["line"]: p["problem"] for p in report["problems"]}
    assert sorted(problems) == [3, 4, 5, 6, 7]
    assert "no venue called" in problems[3] and "numbers" in problems[4]
    assert "inside Korea" in problems[5] and "inside Korea" in problems[6]
    assert problems[7] == "no venue name"
    venue = venue_location_get(venue_id=gangnam[ILWON]["id"])
    assert venue is not None
    assert (venue["precision"], venue["source"]) == ("exact", "venue_file")
    assert (venue["latitude"], venue["longitude"]) == (37.4919, 127.0853)
    again = venues_locate(dry_run=True).as_dict()  # a point set on purpose is kept
    kept = next(v for v in again["venues"] if v["id"] == venue["id"])
    assert (kept["precision"], kept["changed"]) == ("exact", False)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "empty file"),
        (b"name,address\nx,y\n", "no column for latitude, longitude"),
        (b"\x00\xff\xfe\xfa" * 50, "not UTF-8 or CP949"),
    ],
)
def test_a_venue_file_that_is_not_one(
    gangnam: dict[str, Any], tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=said):
        venues_load(path=path)
    assert invoke("venues", "load", str(path))[0] == 2
    assert invoke("venues", "load", str(tmp_path / "missing.csv"))[0] == 2


# ------------------------------------------------------------------ the staff page


def client_for(world: Mapping[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world["users"][who])
    return client


def test_the_staff_page_draws_the_district_and_places_the_venue(
    gangnam: dict[str, Any], world: Mapping[str, Any]
) -> None:
    venue = gangnam["신한갤러리"]
    url = f"/staff/venues/{venue['id']}/locate"
    staff = client_for(world, "institution_staff")
    page = staff.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-projection" in html and html.count("<path") >= 20  # 강남구's 동 outlines
    assert "위치가 시·군·구 단위로만 알려져 있어요" in html
    listing = staff.get("/staff/venues")
    assert listing.status_code == 200 and "신한갤러리" in listing.content.decode()

    far = staff.post(url, {"action": "point", "latitude": "37.5665", "longitude": "126.9780"})
    assert far.status_code == 422  # 서울시청, in 중구: outside 강남구
    for bad in ({"latitude": "", "longitude": ""}, {"latitude": "nan", "longitude": "inf"}):
        assert staff.post(url, {"action": "point", **bad}).status_code == 422
    assert staff.post(url, {"action": "neighbourhood", "code": "1111053000"}).status_code == 422
    assert staff.post(url, {"action": "guess"}).status_code == 422

    done = staff.post(url, {"action": "point", "latitude": "37.5045", "longitude": "127.0450"})
    assert done.status_code == 302
    placed = venue_location_get(venue_id=venue["id"])
    assert placed is not None
    assert (placed["precision"], placed["source"]) == ("exact", "staff")
    assert placed["located_by"] == "staff:world-institution_staff"
    shown = Client().get(f"/venues/{venue['id']}").content.decode()
    assert "건물 위치까지 알려져 있어요" in shown
    near = programme_search(SearchParams(near="37.5045,127.0450", minutes=5, per_page=50))
    assert "신한갤러리" in {r["venue"] for r in near.results}  # the search index followed

    yeoksam = next(r for r in region_refs() if r.name == "역삼1동")
    assert staff.post(url, {"action": "neighbourhood", "code": yeoksam.code}).status_code == 302
    placed = venue_location_get(venue_id=venue["id"])
    assert placed is not None
    assert (placed["precision"], placed["source"], placed["label"]) == (
        "neighbourhood",
        "staff",
        "역삼1동",
    )
    assert staff.post(url, {"action": "reset"}).status_code == 302
    placed = venue_location_get(venue_id=venue["id"])
    assert placed is not None and (placed["precision"], placed["source"]) == (
        "district",
        "district",
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("city_admin", True),
        ("officer", True),  # 강남구's officer
        ("institution_staff", True),  # the venues' institution
        ("other_officer", False),  # 서초구's
        ("outsider", False),  # another institution's staff
        ("instructor", False),
        ("auditor", False),
        ("citizen", False),
        ("anonymous", False),
    ],
)
def test_who_may_place_a_venue(
    gangnam: dict[str, Any], world: Mapping[str, Any], who: str, allowed: bool
) -> None:
    venue = gangnam[ILWON]
    client = client_for(world, who)
    response = client.post(f"/staff/venues/{venue['id']}/locate", {"action": "reset"})
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login")
    elif allowed:
        assert response.status_code == 302
    else:
        assert response.status_code == 403
    listing = client.get("/staff/venues")
    if allowed:
        assert listing.status_code == 200 and ILWON in listing.content.decode()
    elif who == "anonymous":
        assert listing.status_code == 302
    else:
        assert listing.status_code == 403 or ILWON not in listing.content.decode()
    assert client.get("/staff/venues/999999999/locate").status_code in {302, 403, 404}


def test_the_public_pages_say_the_precision_in_plain_words(gangnam: dict[str, Any]) -> None:
    client = Client()
    page = client.get(f"/venues/{gangnam[ILWON]['id']}").content.decode()
    assert "위치가 동 단위로만 알려져 있어요 (일원동)" in page
    found = client.get("/search", {"near": "일원동", "minutes": "15"}).content.decode()
    assert "위치가 동 단위로만 알려져 있어요" in found
    programme = programme_search(SearchParams(near="일원동", minutes=15, per_page=1)).results[0]
    shown = client.get(f"/programmes/{programme['id']}").content.decode()
    assert "위치가 동 단위로만 알려져 있어요" in shown


def test_gangnam_legal_dongs_map_to_the_administrative_dongs(gangnam: dict[str, Any]) -> None:
    """Measured: 12 of 강남구's 14 legal 동 map by name; 율현동 and 자곡동 (administered by
    세곡동) share no name with an administrative 동 and stay at the district (docs/venues.md)."""
    from learncity.algorithms.venue_location import administrative_for
    from learncity.catalog.locations import Locator

    areas = Locator().areas[GANGNAM]
    legal = [
        "개포",
        "논현",
        "대치",
        "도곡",
        "삼성",
        "세곡",
        "수서",
        "신사",
        "압구정",
        "역삼",
        "율현",
        "일원",
        "자곡",
        "청담",
    ]
    mapped = {name: {a.name for a in administrative_for(name + "동", areas)} for name in legal}
    assert {name for name, found in mapped.items() if not found} == {"율현", "자곡"}
    assert mapped["일원"] == {"일원본동", "일원1동"}
    assert mapped["개포"] == {"개포1동", "개포2동", "개포3동", "개포4동"}
