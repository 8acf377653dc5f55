"""The enrolment API (/api/v1/applications, /api/v1/offers) on real schedules: tokens and
sessions, retries, refusals with stable codes, and every role against every state-changing
endpoint."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.catalog.models import Institution
from learncity.enrollment.models import Application, Offer
from learncity.learners.models import Learner, StaffRole
from learncity.learners.services import (
    AccountError,
    DuplicatePerson,
    api_token_create,
    learner_sign_up,
)
from tests.clients import api_call
from tests.enrollment.factories import course_running, offer_open_now
from tests.learners.factories import STAFF_IN_AND_OUT_OF_SCOPE

PASSWORD = "Learn-city-2026!"
_phones = iter(range(10_000_000, 99_999_999, 7919))


def citizen(username: str, birth_year: int = 1980) -> tuple[Learner, str]:
    person = learner_sign_up(
        username=username,
        password=PASSWORD,
        name="김시민",
        birth_year=birth_year,
        phone=f"010{next(_phones)}",
    )
    return person, api_token_create(person.user_id)


def staff(username: str, role: str, **scope: Any) -> str:
    user = User.objects.create_user(username, password=PASSWORD)
    StaffRole.objects.create(user=user, role=role, **scope)
    return api_token_create(user.pk)


def test_sign_up_keeps_one_account_per_person(db):
    person, _ = citizen("kim1")
    assert person.phone.startswith("010") and person.consents.count() == 1
    with pytest.raises(DuplicatePerson, match="휴대전화 번호"):  # in the request's language
        learner_sign_up(
            username="kim-again",
            password=PASSWORD,
            name="김시민",
            birth_year=1980,
            phone=person.phone[:3] + "-" + person.phone[3:7] + "-" + person.phone[7:],
        )
    with pytest.raises(AccountError, match="비밀번호"):
        learner_sign_up(
            username="weak", password="1234", name="x", birth_year=1980, phone="01099998888"
        )
    with pytest.raises(AccountError, match="휴대전화"):
        learner_sign_up(
            username="nophone", password=PASSWORD, name="x", birth_year=1980, phone="12"
        )
    with pytest.raises(AccountError, match="consent"):
        learner_sign_up(
            username="noconsent",
            password=PASSWORD,
            name="x",
            birth_year=1980,
            phone="01077776666",
            consents=(),
        )
    assert Learner.objects.count() == 1


def test_apply_retry_cancel_promote_over_the_api(db, world):
    o = offer_open_now(world, 20, capacity=1)
    (first, first_token), (second, second_token) = citizen("apply1"), citizen("apply2")
    body = {"offer_id": o.pk, "idempotency_key": "first-try-0001"}
    created = api_call(first_token, "post", "/api/v1/applications", body)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "confirmed"
    retried = api_call(first_token, "post", "/api/v1/applications", body)
    assert retried.status_code == 200 and retried.json()["replayed"] is True
    again = api_call(
        first_token, "post", "/api/v1/applications", {**body, "idempotency_key": "x" * 9}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_applied"
    waiting = api_call(
        second_token, "post", "/api/v1/applications", {**body, "idempotency_key": "s" * 9}
    )
    assert waiting.json()["status"] == "waitlisted"
    # the second person may not cancel the first one's place
    mine = created.json()["id"]
    refused = api_call(second_token, "post", f"/api/v1/applications/{mine}/cancel")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    cancelled = api_call(first_token, "post", f"/api/v1/applications/{mine}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["promoted"] == waiting.json()["id"]
    listed = api_call(second_token, "get", "/api/v1/applications").json()
    assert listed[0]["status"] == "offered" and listed[0]["accept_by"]
    accepted = api_call(second_token, "post", f"/api/v1/applications/{listed[0]['id']}/accept")
    assert accepted.json()["status"] == "confirmed"
    offer = api_call(None, "get", f"/api/v1/offers/{o.pk}").json()
    assert (offer["general_taken"], offer["capacity"]) == (1, 1)
    assert first.pk != second.pk


@pytest.mark.parametrize(
    ("token", "body", "status", "code"),
    [
        (None, {"offer_id": 1, "idempotency_key": "anon-0001"}, 401, "unauthorized"),
        ("lc_forged", {"offer_id": 1, "idempotency_key": "forged-001"}, 401, "unauthorized"),
        ("own", {"offer_id": 10**9, "idempotency_key": "missing-01"}, 404, "not_found"),
        ("own", {"offer_id": "x", "idempotency_key": "typed-0001"}, 422, "invalid_request"),
        ("own", {"offer_id": 1, "idempotency_key": "short"}, 422, "invalid_request"),
    ],
)
def test_refusals_have_stable_codes(db, world, token, body, status, code):
    _, own = citizen("refused")
    answer = api_call(own if token == "own" else token, "post", "/api/v1/applications", body)
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code
    assert Application.objects.count() == 0


def test_session_posts_need_the_csrf_token(db, world):
    o = offer_open_now(world, 21)
    person, _ = citizen("session-user")
    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    assert client.login(username="session-user", password=PASSWORD)
    body = json.dumps({"offer_id": o.pk, "idempotency_key": "session-0001"})
    refused = client.post("/api/v1/applications", data=body, content_type="application/json")
    assert refused.status_code in (401, 403)
    assert not Application.objects.filter(learner=person).exists()


ROLES = ["owner", "other_citizen", *STAFF_IN_AND_OUT_OF_SCOPE]


def _tokens(world: dict[str, Any], index: int) -> tuple[dict[str, str], Learner, Offer]:
    o = offer_open_now(world, index, capacity=5, desk_seats=2)
    owner, owner_token = citizen(f"owner{index}")
    other = Institution.objects.exclude(pk=o.institution_id).first()
    tokens = {
        "owner": owner_token,
        "other_citizen": citizen(f"other{index}")[1],
        "instructor": staff(f"i{index}", "instructor", institution_id=o.institution_id),
        "institution_staff": staff(
            f"s{index}", "institution_staff", institution_id=o.institution_id
        ),
        "other_institution_staff": staff(f"os{index}", "institution_staff", institution=other),
        "district_officer": staff(f"d{index}", "district_officer", district_code=o.district_code),
        "other_district_officer": staff(f"od{index}", "district_officer", district_code="999"),
        "city_admin": staff(f"c{index}", "city_admin"),
        "auditor": staff(f"au{index}", "auditor"),
    }
    return tokens, owner, o


def test_every_role_against_every_state_changing_endpoint(db, world):
    """Allowed and forbidden, for: a desk application for a citizen, cancelling someone's
    application, opening an offer, drawing a lottery."""
    tokens, owner, o = _tokens(world, 22)
    assert o.district_code, "the real Gangnam venues resolve to a district"
    schedules = iter(world["schedules"][30:])
    creators: dict[str, int] = {}
    outcomes: dict[tuple[str, str], int] = {}
    for role in ROLES:
        token = tokens[role]
        desk = api_call(
            token,
            "post",
            "/api/v1/applications",
            {
                "offer_id": o.pk,
                "learner_id": owner.pk,
                "idempotency_key": f"desk-{role}"[:64].ljust(8, "x"),
                "channel": "desk",
            },
        )
        outcomes[(role, "desk_apply")] = desk.status_code
        if desk.status_code in (200, 201):
            Application.objects.filter(pk=desk.json()["id"]).delete()
        mine = Application.objects.create(
            offer=o,
            programme_id=o.programme_id,
            learner=owner,
            entered_by_id=owner.user_id,
            status="waitlisted",
            idempotency_key=f"setup-{role}",
        )
        cancel = api_call(token, "post", f"/api/v1/applications/{mine.pk}/cancel")
        outcomes[(role, "cancel")] = cancel.status_code
        Application.objects.filter(pk=mine.pk).delete()
        schedule_id, _, schedule_institution = next(schedules)
        creators[role] = schedule_institution
        course_running(schedule_id)  # an ended course takes no offer
        now = timezone.now()
        created = api_call(
            token,
            "post",
            "/api/v1/offers",
            {
                "schedule_id": schedule_id,
                "capacity": 10,
                "opens_at": (now - dt.timedelta(days=2)).isoformat(),
                "closes_at": (now - dt.timedelta(days=1)).isoformat(),
                "method": "lottery",
            },
        )
        outcomes[(role, "offer_create")] = created.status_code
        if created.status_code != 201:
            Offer.objects.filter(schedule_id=schedule_id).delete()
            continue
        drawn = api_call(token, "post", f"/api/v1/offers/{created.json()['id']}/draw")
        outcomes[(role, "draw")] = drawn.status_code
    same_scope = {  # managers of another institution or district are outsiders here
        "institution_staff",
        "district_officer",
        "city_admin",
    }
    for role in ROLES:
        desk_ok = role in same_scope
        assert outcomes[(role, "desk_apply")] == (201 if desk_ok else 403), role
        cancel_ok = role == "owner" or role in same_scope
        assert outcomes[(role, "cancel")] == (200 if cancel_ok else 403), role
        # opening an offer for the next real schedule: the city admin, Gangnam's district
        # officer, and the staff of the institution that runs that schedule
        create_ok = role in {"city_admin", "district_officer"} or (
            role == "institution_staff" and creators[role] == o.institution_id
        )
        assert outcomes[(role, "offer_create")] == (201 if create_ok else 403), role
        if create_ok:
            assert outcomes[(role, "draw")] == 200, role


def test_lottery_replay_is_public_and_identical(db, world):
    from learncity.enrollment import services

    o = offer_open_now(world, 23, capacity=2, method="lottery")
    for n in range(5):
        _, token = citizen(f"lot{n}")
        answer = api_call(
            token,
            "post",
            "/api/v1/applications",
            {"offer_id": o.pk, "idempotency_key": f"lot-{n:05d}"},
        )
        assert answer.json()["status"] == "pending"
    services.lottery_draw(actor=world["admin"], offer_id=o.pk, now=o.closes_at)
    replay = api_call(None, "get", f"/api/v1/offers/{o.pk}/replay").json()
    assert replay["identical"] is True and len(replay["selected"]) == 2
    assert len(replay["waitlist"]) == 3
