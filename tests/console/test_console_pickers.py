"""The console's filters pick the district and the institution by name (issue 18, item 7),
from the staff member's scope: a city administrator picks among the city's districts and
every institution, a district officer sees their own district only and the institutions
that run courses there, institution staff their own institution. A district may also be
asked by name in the address; a name outside the scope is refused like a code."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from learncity.catalog.models import Institution

pytestmark = pytest.mark.django_db
GANGNAM = "1168000000"
SEOCHO = "1165000000"


def client_of(world: Mapping[str, Any], who: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=world[who].user_id))
    return client


def options(html: str, name: str) -> list[tuple[str, str]]:
    """(value, label) of each option of the select called `name`."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    if found is None:
        return []
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))


def test_city_admin_picks_districts_and_institutions_by_name(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    html = client_of(world, "city_admin").get("/console/?year=2026").content.decode()
    districts = dict(options(html, "district"))
    assert districts[""] == "시 전체"
    assert districts[GANGNAM] == "강남구"
    assert districts[SEOCHO] == "서초구"
    assert "시·군·구 코드" not in html and "기관 번호" not in html
    institutions = dict(options(html, "institution"))
    names = dict(Institution.objects.values_list("id", "name"))
    assert institutions.pop("") == "전체"
    assert {int(k): v for k, v in institutions.items()} == names  # every one, by its name


def test_a_district_officer_sees_only_their_district_and_its_institutions(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    html = client_of(world, "officer").get("/console/?year=2026").content.decode()
    district_values = [value for value, _ in options(html, "district")]
    assert SEOCHO not in district_values and "서초구" not in html.split("<main")[-1]
    institutions = {int(k): v for k, v in options(html, "institution") if k}
    assert world["institution"] in institutions  # runs its courses in Gangnam
    assert world["other_institution"] not in institutions  # no venue, no seat in Gangnam
    seocho_html = client_of(world, "other_officer").get("/console/?year=2026").content.decode()
    assert world["institution"] not in {int(k) for k, _ in options(seocho_html, "institution") if k}


def test_institution_staff_pick_only_their_own(world: Mapping[str, Any], shared_data: Any) -> None:
    html = client_of(world, "institution_staff").get("/console/?year=2026").content.decode()
    assert options(html, "district") == []
    # one institution: nothing to pick, the scope line says whose figures these are
    assert [int(k) for k, _ in options(html, "institution") if k] in ([], [world["institution"]])


def test_a_district_by_name_in_the_address(world: Mapping[str, Any], shared_data: Any) -> None:
    admin = client_of(world, "city_admin")
    by_name = admin.get("/console/indicators/?year=2026&district=강남구")
    assert by_name.status_code == 200
    assert by_name.context["filters"].district_code == GANGNAM
    officer = client_of(world, "officer")
    assert officer.get("/console/?year=2026&district=서초구").status_code == 403
    assert officer.get("/console/?year=2026&district=강남구").status_code == 200
    assert admin.get("/console/?year=2026&district=없는구").status_code == 422
    assert admin.get("/console/?year=2026&district=" + "가" * 500).status_code == 422
    chosen = admin.get(f"/console/?year=2026&district={GANGNAM}").content.decode()
    assert (GANGNAM, "강남구") in options(chosen, "district")
    assert f'<option value="{GANGNAM}" selected>강남구</option>' in chosen


def test_the_delivery_form_picks_a_district_by_name(
    world: Mapping[str, Any], shared_data: Any
) -> None:
    html = client_of(world, "city_admin").get("/console/delivery/?year=2026").content.decode()
    regions = dict(options(html, "region"))
    assert regions[""] == "시 전체" and regions[GANGNAM] == "강남구"
