"""Notices (공지사항): the city's and the institutions', who may publish and withdraw them,
and where citizens see them (issue 18, item 7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from django.test import Client

from learncity.catalog.models import Programme
from learncity.learners.access import Scope, allowed
from learncity.notices.selectors import notices_current, notices_for_staff
from learncity.notices.services import (
    InvalidNotice,
    NoticeForbidden,
    notice_publish,
    notice_withdraw,
)

pytestmark = pytest.mark.django_db


def _client(world: Mapping[str, Any], who: str) -> Client:
    client = Client()
    client.force_login(world["users"][who])
    return client


def _programme_of(institution: int) -> int:
    found = Programme.objects.filter(institution_id=institution).values_list("pk", flat=True)
    assert found, "the campus institution runs programmes"
    return int(found[0])


def test_who_may_publish_what(world) -> None:
    campus, other = world["institution"], world["other_institution"]
    city = Scope()
    assert allowed(world["city_admin"], "notices.manage", city)
    assert allowed(world["city_admin"], "notices.manage", Scope(institution_id=other))
    assert allowed(world["institution_staff"], "notices.manage", Scope(institution_id=campus))
    assert not allowed(world["institution_staff"], "notices.manage", city)
    assert not allowed(world["institution_staff"], "notices.manage", Scope(institution_id=other))
    for who in ("instructor", "officer", "auditor", "citizen"):
        assert not allowed(world[who], "notices.manage", Scope(institution_id=campus)), who


def test_the_city_publishes_on_the_home_page(client: Client, world) -> None:
    admin = _client(world, "city_admin")
    response = admin.post(
        "/staff/notices",
        {"publisher": "city", "title": "여름 학기 접수 안내", "body": "7월 1일부터"},
    )
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "여름 학기 접수 안내" in body and 'data-testid="notices"' in body
    # withdrawn: gone from the home page, still listed for the staff
    notice = notices_current()[0]
    assert admin.post(f"/staff/notices/{notice.id}/withdraw").status_code == 302
    assert "여름 학기 접수 안내" not in client.get("/").content.decode()
    assert [n.id for n in notices_for_staff(world["city_admin"])][:1] == [notice.id]


def test_an_institution_publishes_on_its_programme_pages(client: Client, world) -> None:
    campus = world["institution"]
    staff = _client(world, "institution_staff")
    page = staff.get("/staff/notices").content.decode()
    assert 'value="city"' not in page  # no city-wide notice for institution staff
    assert f'value="{campus}"' in page
    response = staff.post("/staff/notices", {"publisher": str(campus), "title": "휴관 안내"})
    assert response.status_code == 302
    programme = _programme_of(campus)
    assert "휴관 안내" in client.get(f"/programmes/{programme}").content.decode()
    assert "휴관 안내" in client.get(f"/institutions/{campus}").content.decode()
    # not on another institution's pages
    assert (
        "휴관 안내"
        not in client.get(f"/institutions/{world['other_institution']}").content.decode()
    )


def test_refusals_are_clear_and_change_nothing(world) -> None:
    staff = _client(world, "institution_staff")
    city = staff.post("/staff/notices", {"publisher": "city", "title": "시 전체 공지"})
    assert city.status_code == 403
    other = staff.post(
        "/staff/notices", {"publisher": str(world["other_institution"]), "title": "남의 기관"}
    )
    assert other.status_code == 403
    assert (
        _client(world, "instructor")
        .post("/staff/notices", {"publisher": str(world["institution"]), "title": "강사"})
        .status_code
        == 403
    )
    assert notices_current() == []
    mine = notice_publish(actor=world["city_admin"], title="시 공지")
    assert _client(world, "outsider").post(f"/staff/notices/{mine.pk}/withdraw").status_code == 403
    assert (
        _client(world, "institution_staff").post(f"/staff/notices/{mine.pk}/withdraw").status_code
        == 403
    )
    assert [n.id for n in notices_current()] == [mine.pk]


@pytest.mark.parametrize(
    "form",
    [
        {"publisher": "city", "title": ""},
        {"publisher": "city", "title": "   "},
        {"publisher": "city", "title": "가" * 201},
        {"publisher": "city", "title": "본문", "body": "가" * 5001},
        {"publisher": "<script>", "title": "x"},
        {"publisher": "99999999999", "title": "없는 기관"},
        {"title": "누구의 공지인지 없음"},
    ],
)
def test_hostile_forms_are_refused_in_the_page(world, form: dict[str, str]) -> None:
    response = _client(world, "city_admin").post("/staff/notices", form)
    assert 400 <= response.status_code < 500
    assert 'role="alert"' in response.content.decode()
    assert notices_current() == []


def test_titles_are_text_not_markup(client: Client, world) -> None:
    notice_publish(actor=world["city_admin"], title="<script>alert(1)</script>", body="<b>x</b>")
    body = client.get("/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def test_services_refuse_and_withdraw_once(world) -> None:
    with pytest.raises(NoticeForbidden):
        notice_publish(actor=world["institution_staff"], title="시 전체")
    with pytest.raises(InvalidNotice):
        notice_publish(actor=world["city_admin"], title="\x00 ")
    notice = notice_publish(
        actor=world["institution_staff"], title="기관 공지", institution_id=world["institution"]
    )
    assert notice_withdraw(actor=world["institution_staff"], notice_id=notice.pk)["withdrawn"]
    assert not notice_withdraw(actor=world["city_admin"], notice_id=notice.pk)["withdrawn"]
    assert notices_current(institution_id=world["institution"]) == []
