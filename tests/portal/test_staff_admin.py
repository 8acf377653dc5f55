"""The city office's pages (issue 18, item 2): where people land after signing in, the staff
home, staff management (refused to everyone but a city administrator; every change audited)
and API tokens (shown once, revoked)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.learners.models import ApiToken, StaffAudit, StaffRole
from tests.world import STAFF_PASSWORD

TOKEN = re.compile(r"lc_[A-Za-z0-9_\-]{20,}")


def client_of(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("city_admin", "/staff/home"),
        ("instructor", "/staff/home"),
        ("officer", "/staff/home"),
        ("citizen", "/me/applications"),
    ],
)
def test_after_signing_in_staff_land_on_the_staff_home(
    db: None, world: Mapping[str, Any], who: str, landing: str
) -> None:
    client = Client()
    username = world["users"][who].username
    signed = client.post("/accounts/login", {"username": username, "password": STAFF_PASSWORD})
    assert signed.status_code == 302 and signed["Location"] == "/accounts/landing"
    routed = client.get("/accounts/landing")
    assert routed.status_code == 302 and routed["Location"] == landing
    # a `next` still wins
    again = Client().post(
        "/accounts/login?next=/search",
        {"username": username, "password": STAFF_PASSWORD, "next": "/search"},
    )
    assert again["Location"] == "/search"
    assert Client().get("/accounts/landing")["Location"].startswith("/accounts/login")


def test_the_staff_address_leads_home(db: None, world: Mapping[str, Any]) -> None:
    assert client_of(world["users"]["instructor"]).get("/staff/")["Location"] == "/staff/home"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_admin", 200),
        ("auditor", 200),
        ("officer", 403),
        ("institution_staff", 403),
        ("instructor", 403),
        ("citizen", 403),
    ],
)
def test_only_the_city_office_sees_staff_management(
    db: None, world: Mapping[str, Any], who: str, status: int
) -> None:
    page = client_of(world["users"][who]).get("/staff/people")
    assert page.status_code == status
    if status == 200:
        text = page.content.decode()
        assert "world-officer" in text
        assert ('data-testid="role-form"' in text) == (who == "city_admin")
    assert Client().get("/staff/people")["Location"].startswith("/accounts/login")


def test_a_city_administrator_grants_invites_and_withdraws_and_each_is_audited(
    db: None, world: Mapping[str, Any]
) -> None:
    admin = client_of(world["users"]["city_admin"])
    citizen = world["users"]["citizen"]
    granted = admin.post(
        "/staff/people",
        {"action": "grant", "username": citizen.username, "role": "district_officer",
         "district": world["district"]},
    )  # fmt: skip
    assert granted.status_code == 302, granted.content[:500]
    role = StaffRole.objects.get(user=citizen, role="district_officer")
    invited = admin.post(
        "/staff/people",
        {"action": "invite", "email": "teacher@example.org", "role": "instructor",
         "institution": str(world["institution"])},
    )  # fmt: skip
    assert invited.status_code == 200
    assert "/accounts/invitation/" in invited.content.decode()
    withdrawn = admin.post(f"/staff/people/roles/{role.pk}/withdraw")
    assert withdrawn.status_code == 302
    assert not StaffRole.objects.filter(pk=role.pk).exists()
    rows = list(
        StaffAudit.objects.filter(actor=world["users"]["city_admin"])
        .order_by("id")
        .values_list("change", "subject_label", "role")
    )
    assert rows == [
        ("role_granted", citizen.username, "district_officer"),
        ("invited", "teacher@example.org", "instructor"),
        ("role_withdrawn", citizen.username, "district_officer"),
    ]
    page = admin.get("/staff/people").content.decode()
    assert "teacher@example.org" in page and "역할 회수" in page  # the log is on the page
    # a bad scope is said on the page, nothing written
    bad = admin.post(
        "/staff/people",
        {"action": "grant", "username": citizen.username, "role": "instructor"},
    )
    assert bad.status_code == 422 and "기관 하나가 필요합니다" in bad.content.decode()


def test_others_cannot_change_roles(db: None, world: Mapping[str, Any]) -> None:
    role = world["roles"]["instructor"]
    for who in ("auditor", "officer", "institution_staff", "citizen"):
        client = client_of(world["users"][who])
        assert client.post(f"/staff/people/roles/{role.pk}/withdraw").status_code == 403
        body = {"action": "grant", "username": world["users"]["citizen"].username,
                "role": "city_admin"}  # fmt: skip
        assert client.post("/staff/people", body).status_code == 403
    assert StaffRole.objects.filter(pk=role.pk).exists()
    assert not StaffRole.objects.filter(user=world["users"]["citizen"]).exists()


def test_a_token_is_shown_once_authenticates_and_is_revoked(
    db: None, world: Mapping[str, Any]
) -> None:
    citizen = client_of(world["users"]["citizen"])
    issued = citizen.post("/me/tokens", {"label": "내 스크립트"})
    assert issued.status_code == 200 and issued["Cache-Control"] == "no-store"
    token = TOKEN.search(issued.content.decode())
    assert token, "the new token is on the page"
    listing = citizen.get("/me/tokens").content.decode()
    assert "내 스크립트" in listing and token.group(0) not in listing
    api = Client(HTTP_HOST="127.0.0.1")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.group(0)}"}
    assert api.get("/api/v1/applications", **bearer).status_code == 200
    row = ApiToken.objects.get(user=world["users"]["citizen"], label="내 스크립트")
    # someone else's token: refused (a city administrator may)
    assert (
        client_of(world["users"]["officer"]).post(f"/me/tokens/{row.pk}/revoke").status_code == 403
    )
    assert (
        "내 스크립트" not in client_of(world["users"]["officer"]).get("/me/tokens").content.decode()
    )
    assert (
        "내 스크립트" in client_of(world["users"]["city_admin"]).get("/me/tokens").content.decode()
    )
    assert citizen.post(f"/me/tokens/{row.pk}/revoke").status_code == 302
    assert api.get("/api/v1/applications", **bearer).status_code == 401
    # a citizen issues only for themselves; a city administrator for anyone
    other = citizen.post("/me/tokens", {"label": "x", "username": "world-city_admin"})
    assert other.status_code == 403
    for_them = client_of(world["users"]["city_admin"]).post(
        "/me/tokens", {"label": "협력 기관", "username": "world-instructor"}
    )
    assert for_them.status_code == 200
    assert ApiToken.objects.filter(user=world["users"]["instructor"], label="협력 기관").exists()


def test_the_staff_home_shows_the_day_scoped_by_role(
    db: None, world: Mapping[str, Any], shared_data: Any
) -> None:
    from learncity.enrollment import services as enrolment

    schedule = world["campus_schedules"][0]
    now = timezone.now()
    offer = enrolment.offer_create(
        actor=world["city_admin"], schedule_id=schedule, capacity=10,
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2),
    )  # fmt: skip
    admin = client_of(world["users"]["city_admin"]).get("/staff/home")
    assert admin.status_code == 200
    text = admin.content.decode()
    for card in ("card-sessions", "card-opening", "card-closing", "card-waiting",
                 "card-quarantine", "card-people"):  # fmt: skip
        assert card in text, card
    assert f'href="/staff/offers/{offer.pk}"' in text
    assert 'href="/staff/imports/quarantine"' in text
    own = client_of(world["users"]["institution_staff"]).get("/staff/home").content.decode()
    assert f'href="/staff/offers/{offer.pk}"' in own and "card-quarantine" not in own
    outsider = client_of(world["users"]["outsider"]).get("/staff/home").content.decode()
    assert f'href="/staff/offers/{offer.pk}"' not in outsider
    assert client_of(world["users"]["citizen"]).get("/staff/home").status_code == 403
    assert (
        client_of(world["users"]["city_admin"]).get("/staff/imports/quarantine").status_code == 200
    )
    assert client_of(world["users"]["officer"]).get("/staff/imports/quarantine").status_code == 403


def test_the_staff_pages_in_english(db: None, world: Mapping[str, Any]) -> None:
    client = client_of(world["users"]["city_admin"])
    client.cookies["django_language"] = "en"
    for path in ("/staff/home", "/staff/people", "/me/tokens"):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, path


# ------------------------------------------------------------------ the access log (issue 19, 13)


def _entries(world: Mapping[str, Any]) -> None:
    from learncity.learners.models import PersonalDataAccess

    staff = world["users"]["institution_staff"]
    PersonalDataAccess.objects.create(
        staff_id=staff.pk,
        role="institution_staff",
        learner_id=4242,
        what="desk_lookup",
        query="phone",
        matches=1,
        purpose="desk application for offer 7",
        address="10.0.0.9",
    )
    PersonalDataAccess.objects.create(
        at=timezone.now() - dt.timedelta(days=40),
        staff_id=world["users"]["city_admin"].pk,
        role="city_admin",
        learner_id=4343,
        what="learner_record",
        purpose="learning record viewed on the staff page",
        address="10.0.0.8",
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("city_admin", 200),
        ("auditor", 200),
        ("officer", 403),
        ("institution_staff", 403),
        ("instructor", 403),
        ("citizen", 403),
    ],
)
def test_only_auditors_and_city_administrators_read_the_access_log(
    db: None, world: Mapping[str, Any], who: str, status: int
) -> None:
    _entries(world)
    page = client_of(world["users"][who]).get("/staff/access-log")
    assert page.status_code == status
    assert ("4242" in page.content.decode()) == (status == 200)
    assert Client().get("/staff/access-log")["Location"].startswith("/accounts/login")


def test_an_auditor_sees_and_filters_the_entries_in_korean_and_english(
    db: None, world: Mapping[str, Any]
) -> None:
    from learncity.learners.models import PersonalDataAccess

    _entries(world)
    client = client_of(world["users"]["auditor"])
    page = client.get("/staff/access-log").content.decode()
    assert "world-institution_staff" in page and "창구·전화 접수의 사람 찾기" in page
    assert "desk application for offer 7" in page and "10.0.0.9" in page
    assert page.index("4242") < page.index("4343")  # newest first
    assert 'data-testid="access-log-link"' in client.get("/staff/home").content.decode()
    staff_id = world["users"]["institution_staff"].pk
    for query, shown in [
        ("staff=world-institution_staff", {"4242"}),
        (f"staff={staff_id}", {"4242"}),
        ("staff=nobody-at-all", set()),
        ("learner=4343", {"4343"}),
        (f"day_from={(timezone.localdate() - dt.timedelta(days=1)).isoformat()}", {"4242"}),
        (f"day_to={(timezone.localdate() - dt.timedelta(days=30)).isoformat()}", {"4343"}),
        ("page=99999", {"4242", "4343"}),  # past the last page: the last
        ("page=-3", {"4242", "4343"}),
    ]:
        answer = client.get(f"/staff/access-log?{query}")
        assert answer.status_code == 200, query
        body = answer.content.decode()
        assert {n for n in ("4242", "4343") if n in body} == shown, query
    english = client.get("/staff/access-log?lang=en", follow=True).content.decode()
    assert "Personal data access log" in english
    assert "Person looked up for a desk or telephone application" in english
    assert "Learning record viewed" in english and "2 entries" in english
    # reading the log is not reading a person's data: it is not itself logged
    assert PersonalDataAccess.objects.count() == 2


@pytest.mark.parametrize(
    "query",
    [
        "learner=abc",
        "learner=-1",
        "learner=0",
        f"learner={2**63}",
        "learner=1%27%20OR%201=1--",
        "day_from=2026-13-45",
        "day_to=yesterday",
        "day_from=2026-05-02&day_to=2026-05-01",
        "staff=" + "x" * 151,
    ],
)
def test_hostile_filters_on_the_access_log_are_refused_with_422(
    db: None, world: Mapping[str, Any], query: str
) -> None:
    _entries(world)
    answer = client_of(world["users"]["auditor"]).get(f"/staff/access-log?{query}")
    assert answer.status_code == 422, query
    body = answer.content.decode()
    assert 'role="alert"' in body and "4242" not in body and "4343" not in body
