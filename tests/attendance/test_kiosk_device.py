"""Issue 19, finding 7: a kiosk is a device, not a staff session. Staff who manage a venue
pair a tablet with a one-time link; the tablet is signed in as nobody and holds a cookie
that checks people in at that venue and nothing else: every other page, the console, the
API and another venue's kiosk answer it as they answer an anonymous visitor. Revoked,
forged or long-unused cookies and used or expired pairing links are refused; a question
after a lookup (name, class) is forgotten after LEARNCITY_KIOSK_IDLE_SECONDS (time is moved,
never waited for); the phone-tail limit counts per device. Each attack checks that nothing
was recorded."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from learncity.attendance import errors, services
from learncity.attendance.models import Attendance, KioskDevice
from learncity.enrollment.models import AuditEvent
from learncity.portal.kiosk import COOKIE
from tests.attendance.factories import course, enrol
from tests.learners.factories import citizen

SECOND = dt.timedelta(seconds=1)
_keys = iter(range(1, 10**8))


@pytest.fixture(autouse=True)
def _fresh_counts(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def client_of(world: Any, who: str) -> Client:
    client = Client()
    if who == "citizen":
        learner, _ = citizen()
        client.force_login(learner.user)
    elif who != "anonymous":
        client.force_login(User.objects.get(pk=world[who].user_id))
    return client


def register(world: Any, venue_id: int, who: str = "staff", name: str = "1층 입구") -> Any:
    return client_of(world, who).post("/staff/kiosks", {"venue": str(venue_id), "name": name})


def pairing_path(page: Any) -> str:
    found = re.search(r'data-testid="pairing-link">([^<]+)<', page.content.decode())
    assert found, "the page shows the pairing link"
    return urlparse(found.group(1)).path


def pair(world: Any, venue_id: int, tablet: Client | None = None) -> tuple[Client, KioskDevice]:
    """A tablet paired as the venue's kiosk by the institution's staff member."""
    path = pairing_path(register(world, venue_id))
    tablet = tablet or Client()
    assert tablet.get(path).status_code == 200  # the page pairs nothing by itself
    answer = tablet.post(path)
    assert answer.status_code == 302 and answer["Location"] == f"/kiosk/{venue_id}"
    return tablet, KioskDevice.objects.filter(venue_id=venue_id).latest("id")


def code_of(actor: Any, application_id: int) -> str:
    return services.checkin_code_get(actor=actor, application_id=application_id).token


def post(client: Client, venue_id: int, **form: Any) -> Any:
    form.setdefault("request_key", f"device-test-{next(_keys):08d}")
    return client.post(f"/kiosk/{venue_id}", form)


def step_of(response: Any) -> str:
    found = re.search(r'name="step" value="([^"]+)"', response.content.decode())
    assert found, "a question carries its step"
    return found.group(1)


def two_venues(world: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    here = course(world, 7)
    index = next(
        i for i, row in enumerate(world["weekly"]) if row[1] != here["venue_id"] and i != 7
    )
    return here, course(world, index)


def test_staff_pair_a_tablet_that_is_signed_in_as_nobody(db, world, monkeypatch):
    c = course(world, 0)
    start = c["sessions"][0].starts_at
    _, actor, application_id = enrol(c)
    at(monkeypatch, start)
    page = register(world, c["venue_id"])
    assert page.status_code == 200 and "<svg" in page.content.decode()  # link and its QR
    path = pairing_path(page)
    code = path.rstrip("/").rsplit("/", 1)[-1]
    device = KioskDevice.objects.get(venue_id=c["venue_id"])
    assert device.paired_at is None and device.secret_digest is None
    assert code not in json.dumps(list(KioskDevice.objects.values()), default=str)
    assert AuditEvent.objects.filter(action="kiosk_registered", data__device=device.pk).exists()
    # the tablet had a staff member signed in: pairing signs them out
    tablet = client_of(world, "staff")
    answer = tablet.post(path)
    assert answer.status_code == 302
    cookie = answer.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/kiosk/"
    assert not cookie["secure"]  # plain HTTP in the tests; Secure under TLS
    secret = cookie.value
    device.refresh_from_db()
    assert device.paired_at == start and device.pairing_digest is None
    assert secret not in json.dumps(list(KioskDevice.objects.values()), default=str)
    assert "_auth_user_id" not in tablet.session
    assert tablet.get("/staff/offers")["Location"].startswith("/accounts/login")
    # the kiosk of its venue works: page and JSON, recorded as the device's, by no user
    shown = tablet.get(f"/kiosk/{c['venue_id']}")
    assert shown.status_code == 200 and 'data-device="paired"' in shown.content.decode()
    assert f"/kiosk/{c['venue_id']}/checkins" in shown.content.decode()
    assert "kiosk-idle.js" in shown.content.decode()
    body = {"request_key": "device-json-0001", "token": code_of(actor, application_id)}
    sent = tablet.post(
        f"/kiosk/{c['venue_id']}/checkins", json.dumps(body), content_type="application/json"
    )
    assert sent.status_code == 201 and sent.json()["application_id"] == application_id
    again = tablet.post(
        f"/kiosk/{c['venue_id']}/checkins", json.dumps(body), content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["replayed"] is True
    row = Attendance.objects.get(application_id=application_id)
    assert (row.kiosk_device_id, row.recorded_by_id, row.method) == (device.pk, None, "qr")


def test_a_paired_tablet_reaches_nothing_but_its_kiosk(db, world, monkeypatch):
    here, there = two_venues(world)
    start = there["sessions"][0].starts_at
    _, actor, elsewhere = enrol(there)
    _, own_actor, mine = enrol(here)
    at(monkeypatch, start)
    tablet, device = pair(world, here["venue_id"])
    token = code_of(actor, elsewhere)
    # another venue's kiosk: page, form post and JSON, with a valid code of that venue
    assert tablet.get(f"/kiosk/{there['venue_id']}").status_code == 403
    assert post(tablet, there["venue_id"], token=token).status_code == 403
    refused = tablet.post(
        f"/kiosk/{there['venue_id']}/checkins",
        json.dumps({"request_key": "device-elsewhere-1", "token": token}),
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "kiosk_device_refused"
    # the service itself refuses the device at another venue
    with pytest.raises(errors.KioskDeviceRefused):
        services.checkin_record(
            device_id=device.pk,
            venue_id=there["venue_id"],
            request_key="svc-elsewhere",
            token=token,
        )
    # every other page answers as it answers an anonymous visitor
    anonymous = Client()
    for path in (
        "/staff/offers",
        "/staff/sessions",
        "/staff/kiosks",
        "/staff/venues",
        "/staff/people",
        "/console/",
        "/me/applications",
        "/me/account",
        "/api/v1/sessions/today",
        f"/api/v1/applications/{mine}/checkin-code",
    ):
        got, expected = tablet.get(path), anonymous.get(path)
        assert got.status_code == expected.status_code, path
        assert got.get("Location") == expected.get("Location"), path
        assert got.status_code in (302, 401, 403, 404), path
        if got.status_code == 302:
            assert got["Location"].startswith("/accounts/login"), path
    api = tablet.post(
        f"/api/v1/venues/{here['venue_id']}/checkins",
        json.dumps({"request_key": "device-api-0001", "token": code_of(own_actor, mine)}),
        content_type="application/json",
    )
    assert api.status_code == 401
    staff_post = tablet.post("/staff/kiosks", {"venue": str(here["venue_id"]), "name": "x"})
    assert staff_post.status_code == 302 and staff_post["Location"].startswith("/accounts/login")
    assert Attendance.objects.count() == 0
    assert KioskDevice.objects.count() == 1


def test_a_revoked_forged_or_long_unused_cookie_is_refused(db, world, monkeypatch, settings):
    c = course(world, 0)
    start = c["sessions"][0].starts_at
    _, actor, application_id = enrol(c)
    at(monkeypatch, start)
    token = code_of(actor, application_id)
    tablet, device = pair(world, c["venue_id"])
    secret = tablet.cookies[COOKIE].value
    revoked = client_of(world, "staff").post(f"/staff/kiosks/{device.pk}/revoke")
    assert revoked.status_code == 302
    assert AuditEvent.objects.filter(action="kiosk_revoked", data__device=device.pk).exists()
    page = tablet.get(f"/kiosk/{c['venue_id']}")
    assert page.status_code == 403 and 'data-code="kiosk_device_refused"' in page.content.decode()
    assert page.cookies[COOKIE].value == ""  # forgotten
    for cookie in (
        secret,  # revoked
        secrets.token_urlsafe(32),  # forged
        "x",  # malformed
        "'; DROP TABLE attendance_kioskdevice; --" * 3,
    ):
        hostile = Client()
        hostile.cookies[COOKIE] = cookie
        assert post(hostile, c["venue_id"], token=token).status_code == 403
        hostile.cookies[COOKIE] = cookie  # the refusal told the browser to forget it
        answer = hostile.post(
            f"/kiosk/{c['venue_id']}/checkins",
            json.dumps({"request_key": "device-revoked-1", "token": token}),
            content_type="application/json",
        )
        assert answer.status_code == 403
    # revoked between the page and the check-in: the service reads the device again
    with pytest.raises(errors.KioskDeviceRefused):
        services.checkin_record(
            device_id=device.pk, venue_id=c["venue_id"], request_key="svc-revoked-1", token=token
        )
    # a device unused for LEARNCITY_KIOSK_DEVICE_DAYS must be paired again
    old, _ = pair(world, c["venue_id"])
    at(monkeypatch, start + dt.timedelta(days=settings.LEARNCITY_KIOSK_DEVICE_DAYS, seconds=1))
    assert post(old, c["venue_id"], token=token).status_code == 403
    assert Attendance.objects.count() == 0
    # outside staff cannot revoke a venue's kiosk
    at(monkeypatch, start)
    fresh, fresh_device = pair(world, c["venue_id"])
    assert (
        client_of(world, "outsider").post(f"/staff/kiosks/{fresh_device.pk}/revoke").status_code
        == 403
    )
    fresh_device.refresh_from_db()
    assert fresh_device.revoked_at is None
    assert post(fresh, c["venue_id"], token=token).status_code == 200


def test_a_pairing_link_works_once_and_for_minutes(db, world, monkeypatch, settings):
    c = course(world, 0)
    start = c["sessions"][0].starts_at
    at(monkeypatch, start)
    path = pairing_path(register(world, c["venue_id"]))
    first, second = Client(), Client()
    assert first.post(path).status_code == 302
    twice = second.post(path)
    assert twice.status_code == 410 and COOKIE not in twice.cookies
    assert second.get(f"/kiosk/{c['venue_id']}").status_code == 302  # still anonymous
    late = pairing_path(register(world, c["venue_id"], name="2층"))
    at(monkeypatch, start + dt.timedelta(minutes=settings.LEARNCITY_KIOSK_PAIRING_MINUTES) + SECOND)
    assert Client().post(late).status_code == 410
    assert Client().post("/kiosk/pair/" + "A" * 24).status_code == 410
    assert KioskDevice.objects.filter(paired_at__isnull=False).count() == 1


def test_the_question_after_a_lookup_is_forgotten_after_the_idle_time(
    db, world, monkeypatch, settings
):
    c = course(world, 4)
    start = c["sessions"][0].starts_at
    enrol(c, phone="01066664329", birth_year=1950, name="이순자")
    _, _, wanted = enrol(c, phone="01077774329", birth_year=1950, name="최말순")
    at(monkeypatch, start)
    tablet, _ = pair(world, c["venue_id"])
    lookup = {"phone_tail": "4329", "birth_year": "1950"}
    asked = post(tablet, c["venue_id"], **lookup)
    assert asked.status_code == 409 and 'data-code="more_detail_needed"' in asked.content.decode()
    step = step_of(asked)
    idle = settings.LEARNCITY_KIOSK_IDLE_SECONDS
    # the next person answers after the idle time: forgotten, nothing recorded
    at(monkeypatch, start + (idle + 1) * SECOND)
    late = post(tablet, c["venue_id"], name="최말순", step=step, **lookup)
    assert late.status_code == 409 and 'data-code="kiosk_step_expired"' in late.content.decode()
    # no step, a forged one, one for another lookup: the same
    assert post(tablet, c["venue_id"], name="최말순", **lookup).status_code == 409
    assert post(tablet, c["venue_id"], name="최말순", step=step + "x", **lookup).status_code == 409
    other = {"phone_tail": "1111", "birth_year": "1950"}
    assert post(tablet, c["venue_id"], name="최말순", step=step, **other).status_code == 409
    json_late = tablet.post(
        f"/kiosk/{c['venue_id']}/checkins",
        json.dumps({"request_key": "device-idle-01", "name": "최말순", "step": step, **lookup}),
        content_type="application/json",
    )
    assert json_late.status_code == 409 and json_late.json()["code"] == "kiosk_step_expired"
    assert Attendance.objects.count() == 0
    # within the idle time the answer is taken
    asked = post(tablet, c["venue_id"], **lookup)
    at(monkeypatch, start + (2 * idle) * SECOND)
    done = post(tablet, c["venue_id"], name="최말순", step=step_of(asked), **lookup)
    assert done.status_code == 200
    assert list(Attendance.objects.values_list("application_id", flat=True)) == [wanted]


def test_only_staff_who_manage_the_venue_register_a_kiosk(db, world):
    c = course(world, 0)
    for who in (
        "citizen",
        "outsider",
        "instructor",
        "auditor",
        "other_officer",
        "other_instructor",
    ):
        answer = register(world, c["venue_id"], who=who)
        assert answer.status_code == 403, who
    anonymous = register(world, c["venue_id"], who="anonymous")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login")
    assert KioskDevice.objects.count() == 0
    assert not AuditEvent.objects.filter(action="kiosk_registered").exists()
    for who in ("staff", "officer", "admin"):
        assert register(world, c["venue_id"], who=who).status_code == 200, who
    assert KioskDevice.objects.count() == 3
    # hostile input: no name, an unknown venue, a huge number
    staff = client_of(world, "staff")
    assert (
        staff.post("/staff/kiosks", {"venue": str(c["venue_id"]), "name": " "}).status_code == 422
    )
    assert staff.post("/staff/kiosks", {"venue": "999999999", "name": "x"}).status_code == 404
    assert staff.post("/staff/kiosks", {"venue": "9" * 40, "name": "x"}).status_code == 404
    assert KioskDevice.objects.count() == 3


def test_the_lookup_limit_counts_per_device(db, world, monkeypatch, settings):
    settings.LEARNCITY_KIOSK_LOOKUP_LIMIT = 2
    c = course(world, 7)
    start = c["sessions"][0].starts_at
    _, _, mine = enrol(c, phone="01044445555", birth_year=1947)
    at(monkeypatch, start)
    first, _ = pair(world, c["venue_id"])
    second, _ = pair(world, c["venue_id"])
    for _ in range(2):
        assert post(first, c["venue_id"], phone_tail="9999", birth_year="1947").status_code == 404
    limited = post(first, c["venue_id"], phone_tail="5555", birth_year="1947")
    assert limited.status_code == 429
    assert Attendance.objects.count() == 0
    # the other tablet at the same venue is counted on its own
    done = post(second, c["venue_id"], phone_tail="5555", birth_year="1947")
    assert done.status_code == 200
    assert list(Attendance.objects.values_list("application_id", flat=True)) == [mine]
