"""Issue 19, finding 13: every surface where staff read other people's personal data leaves
exactly one access-log record (PersonalDataAccess) per page, download or API call: who
(the staff user and the role that allowed it), whose (the learner, or for a list none and
how many people it showed), what, why (the purpose names the page and its object) and from
where, and never a name or a phone number. The citizen's own pages and a household proxy's
write none; refused reads write none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from learncity.learners.models import HouseholdLink, Learner, PersonalDataAccess
from learncity.vouchers import services as voucher_services
from tests.attendance.factories import course, enrol
from tests.clients import api_call, token_of

ADDRESS = "198.51.100.23"
NAMES = ("정다운", "한가람")
PHONES = ("01041230001", "01041230002")
FIELDS = ("staff_id", "role", "learner_id", "what", "query", "matches", "purpose", "address")


@pytest.fixture
def scene(db: None, world: Mapping[str, Any]) -> dict[str, Any]:
    """A course of the world's institution with two enrolled people, and a voucher
    programme open today."""
    cache.clear()  # the desk-lookup counts live in the cache
    c = course(world, 5)
    people = [
        enrol(c, name=name, phone=phone)[0] for name, phone in zip(NAMES, PHONES, strict=True)
    ]
    today = timezone.localdate()
    programme = voucher_services.programme_create(
        actor=world["city_admin"],
        code="access-log-2026",
        name="접근 기록 이용권",
        name_en="Access log voucher",
        kind="national",
        amount_krw=100_000,
        period_start=today - dt.timedelta(days=10),
        period_end=today + dt.timedelta(days=300),
        min_age=19,
    )
    return {
        "session": c["sessions"][0].id,
        "offer": c["offer"].pk,
        "people": people,
        "programme": programme.pk,
    }


def _page(world: Mapping[str, Any], who: str) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(User.objects.get(pk=world[who].user_id))
    return client


def _api(world: Mapping[str, Any], who: str, path: str) -> Any:
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=ADDRESS)
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token_of(world[who])}")


# each surface: (who reads, the read, the record expected: learner_id (an index into the
# people, or None), what, query, matches, purpose with {session}/{offer}/{programme}/{learner})
Read = Callable[[Mapping[str, Any], dict[str, Any]], Any]
SURFACES: dict[str, tuple[str, Read, int | None, str, str, int, str]] = {
    "roster page": (
        "instructor",
        lambda w, s: _page(w, "instructor").get(f"/staff/sessions/{s['session']}"),
        None,
        "roster",
        "",
        2,
        "roster of session {session}",
    ),
    "sign-in sheet": (
        "institution_staff",
        lambda w, s: _page(w, "institution_staff").get(f"/staff/sessions/{s['session']}/sheet"),
        None,
        "roster",
        "",
        2,
        "sign-in sheet of session {session}",
    ),
    "offer's applications": (
        "institution_staff",
        lambda w, s: _page(w, "institution_staff").get(f"/staff/offers/{s['offer']}"),
        None,
        "application_list",
        "",
        2,
        "applications of offer {offer}",
    ),
    "offer's lottery replay": (
        "auditor",
        lambda w, s: _page(w, "auditor").get(f"/staff/offers/{s['offer']}/replay"),
        None,
        "application_list",
        "",
        2,
        "applications of offer {offer}",
    ),
    "learner record page": (
        "auditor",
        lambda w, s: _page(w, "auditor").get(f"/records/learners/{s['people'][0].pk}"),
        0,
        "learner_record",
        "",
        0,
        "learning record viewed on the staff page",
    ),
    "learner transcript download": (
        "city_admin",
        lambda w, s: _page(w, "city_admin").get(
            f"/records/learners/{s['people'][0].pk}/transcript.json"
        ),
        0,
        "learner_record",
        "",
        0,
        "transcript (json) downloaded on the staff page",
    ),
    "voucher issue lookup": (
        "city_admin",
        lambda w, s: _page(w, "city_admin").post(
            f"/staff/vouchers/programmes/{s['programme']}",
            {"action": "find", "phone": PHONES[1]},
        ),
        1,
        "voucher_holder",
        "phone",
        1,
        "voucher issue of programme {programme}",
    ),
    "API roster": (
        "instructor",
        lambda w, s: _api(w, "instructor", f"/api/v1/sessions/{s['session']}/roster"),
        None,
        "roster",
        "",
        2,
        "API: roster of session {session}",
    ),
    "API learning record": (
        "auditor",
        lambda w, s: _api(w, "auditor", f"/api/v1/me/record?learner_id={s['people'][1].pk}"),
        1,
        "learner_record",
        "",
        0,
        "API: GET /me/record",
    ),
    "API transcript": (
        "city_admin",
        lambda w, s: _api(w, "city_admin", f"/api/v1/me/transcript?learner_id={s['people'][0].pk}"),
        0,
        "learner_record",
        "",
        0,
        "API: GET /me/transcript",
    ),
}


def _no_personal_data_stored(people: list[Learner]) -> None:
    cells = [str(cell) for row in PersonalDataAccess.objects.values_list(*FIELDS) for cell in row]
    for learner in people:
        for value in (learner.name, learner.phone, learner.phone[-8:], learner.phone[-4:]):
            assert not any(value in cell for cell in cells), value


@pytest.mark.parametrize("surface", list(SURFACES))
def test_each_staff_surface_writes_exactly_one_record(db, world, scene, surface):
    who, read, whose, what, query, matches, purpose = SURFACES[surface]
    before = PersonalDataAccess.objects.count()
    response = read(world, scene)
    assert response.status_code == 200, (surface, response.status_code)
    entries = list(PersonalDataAccess.objects.order_by("id").values_list(*FIELDS))
    assert len(entries) == before + 1, surface
    role = {"city_admin": "city_admin", "auditor": "auditor", "instructor": "instructor"}.get(
        who, "institution_staff"
    )
    learner_id = None if whose is None else scene["people"][whose].pk
    expected = purpose.format(
        session=scene["session"], offer=scene["offer"], programme=scene["programme"]
    )
    assert entries[-1] == (
        world[who].user_id,
        role,
        learner_id,
        what,
        query,
        matches,
        expected,
        ADDRESS,
    ), surface
    _no_personal_data_stored(scene["people"])
    # the page is read again: one more record, never one per person shown
    assert read(world, scene).status_code == 200
    assert PersonalDataAccess.objects.count() == before + 2


@pytest.mark.parametrize(
    "path",
    [
        "/me/record",
        "/me/record/transcript.json",
        "/me/data.json",
        "/me/applications",
        "/me/vouchers",
        "/me/account",
        "api:/api/v1/me/record",
        "api:/api/v1/me/transcript",
        "api:/api/v1/me/personal-data",
        "api:/api/v1/applications",
    ],
)
def test_the_citizens_own_pages_write_none(db, world, scene, path):
    learner = scene["people"][0]
    if path.startswith("api:"):
        response = api_call(token_of(learner.user), "get", path[4:])
    else:
        client = Client()
        client.force_login(learner.user)
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    # the own record by the staff address (records/learners/<own id>) is not logged either
    client = Client()
    client.force_login(learner.user)
    assert client.get(f"/records/learners/{learner.pk}").status_code == 200
    assert PersonalDataAccess.objects.count() == 0


def test_a_household_proxy_reading_the_members_applications_writes_none(db, world, scene):
    member = scene["people"][0]
    proxy = scene["people"][1]
    HouseholdLink.objects.create(proxy=proxy, member=member, consented_at=timezone.now())
    client = Client()
    client.force_login(proxy.user)
    page = client.get("/me/applications")
    assert page.status_code == 200
    assert api_call(token_of(proxy.user), "get", "/api/v1/applications").status_code == 200
    assert PersonalDataAccess.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("outsider", "/staff/sessions/{session}", 403),
        ("other_instructor", "/staff/sessions/{session}/sheet", 403),
        ("outsider", "/staff/offers/{offer}", 403),
        ("institution_staff", "/records/learners/{learner}", 403),
        ("outsider", "api:/api/v1/sessions/{session}/roster", 403),
        ("instructor", "api:/api/v1/me/record?learner_id={learner}", 403),
    ],
)
def test_refused_reads_read_nobody_and_write_none(db, world, scene, who, path, status):
    filled = path.format(
        session=scene["session"], offer=scene["offer"], learner=scene["people"][0].pk
    )
    if filled.startswith("api:"):
        response = _api(world, who, filled[4:])
    else:
        response = _page(world, who).get(filled)
    assert response.status_code == status, (who, filled, response.status_code)
    assert NAMES[0] not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_an_office_reader_may_not_look_people_up_for_a_voucher(db, world, scene):
    # the auditor reads the programme page but may not turn a phone number into a name
    client = _page(world, "auditor")
    url = f"/staff/vouchers/programmes/{scene['programme']}"
    assert client.get(url).status_code == 200
    refused = client.post(url, {"action": "find", "phone": PHONES[0]})
    assert refused.status_code == 403
    assert NAMES[0] not in refused.content.decode()
    assert PersonalDataAccess.objects.count() == 0


def test_the_voucher_lookup_counts_with_the_desk_lookups(db, world, scene, settings):
    settings.LEARNCITY_DESK_LOOKUP_LIMIT = 1
    client = _page(world, "city_admin")
    url = f"/staff/vouchers/programmes/{scene['programme']}"
    assert client.post(url, {"action": "find", "phone": PHONES[0]}).status_code == 200
    refused = client.post(url, {"action": "find", "phone": PHONES[1]})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert NAMES[1] not in refused.content.decode()
    assert PersonalDataAccess.objects.count() == 1
    cache.clear()


def test_the_log_page_filters_and_names_the_new_kinds(db, world, scene):
    _page(world, "instructor").get(f"/staff/sessions/{scene['session']}")
    _page(world, "institution_staff").get(f"/staff/offers/{scene['offer']}")
    auditor = _page(world, "auditor")
    every = auditor.get("/staff/access-log").content.decode()
    assert "강좌 회차의 출석부 보기" in every and "신청자 명단 보기" in every
    assert "2명 표시" in every
    rosters = auditor.get("/staff/access-log?what=roster").content.decode()
    table = rosters.split('data-testid="access-log"', 1)[1]
    assert "강좌 회차의 출석부 보기" in table and "신청자 명단 보기" not in table
    assert '<option value="roster" selected>' in rosters
    assert 'data-testid="access-log-total">기록 1건' in rosters
    english = auditor.get("/staff/access-log?what=application_list", HTTP_ACCEPT_LANGUAGE="en")
    assert (
        english.status_code == 200 and 'data-testid="access-log-total"' in english.content.decode()
    )
    odd = auditor.get("/staff/access-log?what=%3Cscript%3E")
    assert odd.status_code == 422 and "<script>" not in odd.content.decode()
    assert PersonalDataAccess.objects.count() == 2  # reading the log is not itself logged
