"""The attendance API (/api/v1/venues/{id}/checkins, sessions, completion, check-in codes):
refusals as JSON with stable codes and every role against every state-changing endpoint."""

from __future__ import annotations

import datetime as dt
import json

from learncity.attendance.models import Attendance, CompletionEvent
from learncity.learners.models import StaffRole
from learncity.learners.services import api_token_create
from tests.attendance.factories import course, enrol
from tests.clients import api_call, token_of


def test_kiosk_checkin_over_the_api(db, world, monkeypatch):
    c = course(world, 6)
    session = c["sessions"][0]
    learner, _, application_id = enrol(c)
    learner_token = api_token_create(learner.user_id)
    code = api_call(learner_token, "get", f"/api/v1/applications/{application_id}/checkin-code")
    assert code.status_code == 200, code.content
    qr = api_call(learner_token, "get", f"/api/v1/applications/{application_id}/checkin-code.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")
    kiosk = token_of(world["instructor"])
    path = f"/api/v1/venues/{c['venue_id']}/checkins"
    # the server's clock at the session's start (the kiosk sends no scan time: now)
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: session.starts_at - dt.timedelta(minutes=5))
    body = {"request_key": "kiosk-api-0001", "token": code.json()["token"].lower()}
    first = api_call(kiosk, "post", path, body)
    assert first.status_code == 201, first.content
    assert first.json()["status"] == "present" and first.json()["room"] == session.room
    again = api_call(kiosk, "post", path, body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    twice = api_call(kiosk, "post", path, {**body, "request_key": "kiosk-api-0002"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_checked_in"
    assert Attendance.objects.filter(application_id=application_id).count() == 1


def test_refusals_are_json_with_codes(db, world):
    c = course(world, 7)
    kiosk = token_of(world["staff"])
    path = f"/api/v1/venues/{c['venue_id']}/checkins"
    forged = api_call(kiosk, "post", path, {"request_key": "forged-0001", "token": "LC" + "B" * 32})
    assert (forged.status_code, forged.json()["code"]) == (422, "checkin_token_invalid")
    nobody = api_call(
        kiosk,
        "post",
        path,
        {"request_key": "nobody-0001", "phone_tail": "0000", "birth_year": 1901},
    )
    assert (nobody.status_code, nobody.json()["code"]) == (404, "person_not_found")
    bad = api_call(kiosk, "post", path, {"request_key": "short"})
    assert bad.status_code == 422
    assert api_call(None, "post", path, {"request_key": "anonymous-01"}).status_code == 401
    missing = api_call(
        kiosk,
        "post",
        "/api/v1/venues/999999999/checkins",
        {"request_key": "nowhere-01", "token": "x"},
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_every_role_against_every_state_changing_endpoint(db, world):
    c = course(world, 8)
    session = c["sessions"][0]
    learner, _, application_id = enrol(c)
    citizen = api_token_create(learner.user_id)
    tokens = {
        name: token_of(world[name])
        for name in ("admin", "staff", "instructor", "auditor", "outsider", "other_instructor")
    }
    tokens["citizen"] = citizen
    checkin = f"/api/v1/venues/{c['venue_id']}/checkins"
    endpoints = {
        "checkin": (
            checkin,
            {"request_key": "role-{who}-01", "phone_tail": "0000", "birth_year": 1901},
        ),
        "mark": (
            f"/api/v1/sessions/{session.id}/attendance",
            {"application_id": application_id, "status": "excused"},
        ),
        "status": (f"/api/v1/sessions/{session.id}/status", {"status": "scheduled"}),
        "completion": (f"/api/v1/offers/{c['offer'].pk}/completion", {}),
        "reissue": (f"/api/v1/applications/{application_id}/checkin-code/reissue", {}),
    }
    allowed = {
        # person_not_found (404) means the caller got past the permission check
        "checkin": {"admin", "staff", "instructor"},
        "mark": {"admin", "staff", "instructor"},
        "status": {"admin", "staff"},
        "completion": {"admin", "staff"},
        "reissue": {"admin", "staff", "citizen"},
    }
    for name, (path, body) in endpoints.items():
        for who, token in tokens.items():
            payload = json.loads(json.dumps(body).replace("{who}", who))
            response = api_call(token, "post", path, payload)
            if who in allowed[name]:
                assert response.status_code in (200, 201, 404), (name, who, response.content)
                if response.status_code == 404:
                    assert response.json()["code"] == "person_not_found", (name, who)
            else:
                assert response.status_code == 403, (name, who, response.content)
                assert response.json()["code"] == "forbidden"
    roster = api_call(tokens["auditor"], "get", f"/api/v1/sessions/{session.id}/roster")
    assert roster.status_code == 200
    assert roster.json()["learners"][0]["attendance"] == "excused"
    assert (
        api_call(
            tokens["other_instructor"], "get", f"/api/v1/sessions/{session.id}/roster"
        ).status_code
        == 403
    )
    today = api_call(tokens["instructor"], "get", f"/api/v1/sessions/today?day={session.date}")
    assert session.id in {row["id"] for row in today.json()}
    assert CompletionEvent.objects.count() == 0
    assert StaffRole.objects.count() == len(world["roles"])  # the world's, none added
