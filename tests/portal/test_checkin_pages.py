"""The check-in pages with Django's test client, on real Gangnam schedules: the kiosk
(/kiosk/<venue>: its form posts without JavaScript, every refusal on screen with its status),
the instructor's roster (/staff/sessions...: marks, session status, completion, the sign-in
sheet) and the learner's QR code on /me/applications (card, re-issue). Every role against
every page and every state-changing POST; hostile input (forged and 2,000-character codes,
unknown venues, sessions and applications) answers a clear page and records nothing."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.attendance import services as attendance_services
from learncity.attendance.models import Attendance, CheckinToken, CompletionEvent
from learncity.catalog.models import Session
from learncity.enrollment import services as enrolment
from learncity.enrollment.models import AuditEvent
from tests.attendance.factories import course, enrol, twin_course
from tests.learners.factories import citizen

MIN = dt.timedelta(minutes=1)
STAFF_ROLES = ["admin", "staff", "instructor", "auditor", "outsider", "other_instructor"]
FORGED = "LC" + "A" * 32


def client_of(world: dict[str, Any], who: str) -> Client:
    client = Client()
    if who == "anonymous":
        return client
    if who == "citizen":
        learner, _ = citizen()
        client.force_login(learner.user)
    else:
        client.force_login(User.objects.get(pk=world[who].user_id))
    return client


def at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """The server's clock (the pages pass no time: the services take now)."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def code_of(actor: Any, application_id: int) -> str:
    return attendance_services.checkin_code_get(actor=actor, application_id=application_id).token


def step_of(response: Any) -> str:
    """The step the kiosk's question carried (its answer brings it back: issue 19, finding 7)."""
    found = re.search(r'name="step" value="([^"]+)"', response.content.decode())
    assert found, "a question carries its step"
    return found.group(1)


def kiosk_post(client: Client, venue_id: int, **form: Any) -> Any:
    form.setdefault("request_key", f"page-test-{next(_keys):08d}")
    return client.post(f"/kiosk/{venue_id}", form)


_keys = iter(range(1, 10**8))


# ------------------------------------------------------------------ the kiosk


def test_who_may_open_the_kiosk(db, world):
    c = course(world, 0)
    _, actor, application_id = enrol(c)
    token = code_of(actor, application_id)
    at_venue = f"/kiosk/{c['venue_id']}"
    expected = {
        "admin": 200,
        "staff": 200,
        "instructor": 200,
        "auditor": 403,  # reads rosters, takes no attendance
        "outsider": 403,
        "other_instructor": 403,
        "citizen": 403,
    }
    for who, status in expected.items():
        client = client_of(world, who)
        page = client.get(at_venue)
        assert page.status_code == status, (who, page.status_code)
        if status == 200:
            assert 'id="token"' in text(page) and "autofocus" in text(page)
            assert "kiosk.js" in text(page) and 'name="csrfmiddlewaretoken"' in text(page)
        else:
            assert "출석을 받을 권한이 없습니다" in text(page)
            posted = kiosk_post(client, c["venue_id"], token=token)
            assert posted.status_code == 403, who
    anonymous = client_of(world, "anonymous")
    page = anonymous.get(at_venue)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login?next=/kiosk/")
    assert kiosk_post(anonymous, c["venue_id"], token=token).status_code == 302
    assert client_of(world, "staff").get("/kiosk/999999999").status_code == 404
    assert client_of(world, "staff").put(at_venue).status_code == 405
    assert Attendance.objects.filter(application_id=application_id).count() == 0


def test_kiosk_form_checks_in_once_and_says_so(db, world, monkeypatch):
    c = course(world, 1)
    session = c["sessions"][0]
    _, actor, application_id = enrol(c)
    token = code_of(actor, application_id)
    at(monkeypatch, session.starts_at - 5 * MIN)
    kiosk = client_of(world, "instructor")
    page = kiosk.get(f"/kiosk/{c['venue_id']}")
    assert session.title in text(page)  # today's classes at the venue
    done = kiosk_post(kiosk, c["venue_id"], token=token.lower(), request_key="page-key-0001")
    assert done.status_code == 200
    shown = text(done)
    assert 'data-code="checked_in"' in shown and "출석했습니다" in shown
    assert session.title in shown and session.room in shown
    local = timezone.localtime(session.starts_at)
    assert f"{local:%H:%M}" in shown
    # the same form sent again (a double tap): the first answer, nothing new
    again = kiosk_post(kiosk, c["venue_id"], token=token, request_key="page-key-0001")
    assert again.status_code == 200 and "이미 받은 출석입니다" in text(again)
    # scanned again: refused with the time of the first
    at(monkeypatch, session.starts_at)
    twice = kiosk_post(kiosk, c["venue_id"], token=token)
    assert twice.status_code == 409
    assert f"이미 출석했습니다 ({timezone.localtime(session.starts_at - 5 * MIN):%H:%M})" in text(
        twice
    )
    english = kiosk.post(
        f"/kiosk/{c['venue_id']}?lang=en", {"token": token, "request_key": "page-key-en-01"}
    )
    assert english.status_code == 409 and "Already checked in at" in text(english)
    assert Attendance.objects.filter(application_id=application_id).count() == 1


def test_every_kiosk_refusal_is_shown_and_records_nothing(db, world, monkeypatch):
    c = course(world, 2)
    other = course(world, 3)
    assert other["venue_id"] != c["venue_id"]
    sessions = c["sessions"]
    _, actor, application_id = enrol(c)
    _, other_actor, other_app = enrol(other)
    token = code_of(actor, application_id)
    other_token = code_of(other_actor, other_app)
    kiosk = client_of(world, "staff")
    venue = c["venue_id"]
    at(monkeypatch, sessions[0].starts_at + 5 * MIN)
    before = Attendance.objects.count()

    def refused(status: int, code: str, words: str, **form: Any) -> None:
        answer = kiosk_post(kiosk, venue, **form)
        assert answer.status_code == status, (code, answer.status_code)
        assert f'data-code="{code}"' in text(answer), code
        assert words in text(answer), (code, words)
        assert 'id="token"' in text(answer)  # the scan box is back for the next person

    refused(422, "checkin_token_invalid", "출석 코드가 아닙니다", token=FORGED)
    refused(422, "checkin_token_invalid", "출석 코드가 아닙니다", token="<script>x</script>")
    refused(422, "checkin_token_invalid", "출석 코드가 아닙니다", token="A" * 2000)
    refused(409, "checkin_wrong_venue", "다른 교육장", token=other_token)
    refused(422, "attendance_error", "태어난 해를 입력", phone_tail="12", birth_year="x" * 2000)
    refused(404, "person_not_found", "일치하는 분이 없습니다", phone_tail="0000", birth_year="1900")
    at(monkeypatch, sessions[0].starts_at - 2 * dt.timedelta(hours=1))
    opens = timezone.localtime(sessions[0].starts_at - 30 * MIN)
    refused(409, "checkin_not_open", f"{opens:%H:%M}부터", token=token)
    at(monkeypatch, sessions[0].ends_at + MIN)
    refused(409, "checkin_closed", "출석 시간이 지났습니다", token=token)
    at(monkeypatch, sessions[0].starts_at + dt.timedelta(days=1))
    refused(409, "no_session_now", "수업이 없습니다", token=token)
    attendance_services.session_mark(
        actor=world["staff"], session_id=sessions[1].id, status="cancelled"
    )
    at(monkeypatch, sessions[1].starts_at)
    refused(409, "session_cancelled", "휴강", token=token)
    attendance_services.checkin_code_reissue(actor=actor, application_id=application_id)
    refused(409, "checkin_token_revoked", "사용이 중지된 코드", token=token)
    odd_key = kiosk_post(kiosk, venue, token=token, request_key="<k k>" * 400)
    assert odd_key.status_code == 422 and 'data-code="attendance_error"' in text(odd_key)
    assert Attendance.objects.count() == before


def test_phone_check_in_asks_for_the_name_then_a_class(db, world, monkeypatch):
    c = course(world, 4)
    start = c["sessions"][0].starts_at
    enrol(c, phone="01066664329", birth_year=1950, name="이순자")
    _, _, wanted_app = enrol(c, phone="01077774329", birth_year=1950, name="최말순")
    at(monkeypatch, start)
    kiosk = client_of(world, "instructor")
    asked = kiosk_post(kiosk, c["venue_id"], phone_tail="4329", birth_year="1950")
    assert asked.status_code == 409
    page = text(asked)
    assert "이름을 입력해 주세요" in page and 'data-code="more_detail_needed"' in page
    # the phone form stays open with what was typed, and now shows the name field
    assert re.search(r'<details id="phone" class="phone" open>', page)
    assert 'value="4329"' in page and 'value="1950"' in page
    assert '<div class="field" id="name-field">' in page
    done = kiosk_post(
        kiosk,
        c["venue_id"],
        phone_tail="4329",
        birth_year="1950",
        name="최말순",
        step=step_of(asked),
    )
    assert done.status_code == 200 and "최*순" in text(done)
    assert Attendance.objects.get(application_id=wanted_app).method == "phone"

    # the same person in two classes now at this venue: a choice, then the chosen one
    twin = twin_course(c, actor=world["admin"], title="스마트폰 기초 (pages)")
    twin_offer = twin["offer"]
    learner, actor, _ = enrol(c, phone="01012348881", birth_year=1944)
    at(monkeypatch, c["offer"].opens_at + MIN)
    second = enrolment.apply(
        actor=actor, offer_id=twin_offer.pk, learner_id=learner.pk, idempotency_key="pages-twin-1"
    )
    at(monkeypatch, start)
    choose = kiosk_post(kiosk, c["venue_id"], phone_tail="8881", birth_year="1944")
    assert choose.status_code == 409 and "수업을 고르세요" in text(choose)
    twin_session = Session.objects.get(schedule_id=twin["schedule_id"], date=c["sessions"][0].date)
    assert f'name="session_id" value="{twin_session.pk}"' in text(choose)
    assert "2층 소강의실" in text(choose)
    picked = kiosk_post(
        kiosk,
        c["venue_id"],
        phone_tail="8881",
        birth_year="1944",
        session_id=str(twin_session.pk),
        step=step_of(choose),
    )
    assert picked.status_code == 200 and "스마트폰 기초 (pages)" in text(picked)
    assert list(
        Attendance.objects.filter(application__learner=learner).values_list(
            "application_id", flat=True
        )
    ) == [second.application_id]


# ------------------------------------------------------------------ the roster


def test_who_sees_which_roster_page(db, world, monkeypatch):
    c = course(world, 5)
    session = c["sessions"][0]
    learner, _, _ = enrol(c, name="정다운")
    at(monkeypatch, session.starts_at)
    day = f"?day={session.date:%Y-%m-%d}"
    reads = {"admin", "staff", "instructor", "auditor"}
    for who in [*STAFF_ROLES, "citizen"]:
        client = client_of(world, who)
        listing = client.get("/staff/sessions")  # today (the server's clock)
        roster = client.get(f"/staff/sessions/{session.id}")
        sheet = client.get(f"/staff/sessions/{session.id}/sheet")
        if who == "citizen":
            assert (listing.status_code, roster.status_code, sheet.status_code) == (403, 403, 403)
            assert "직원만 볼 수 있는 페이지입니다" in text(listing)
            continue
        assert listing.status_code == 200, who
        sees = f"/staff/sessions/{session.id}" in text(listing)
        assert sees == (who in reads), who
        expected = 200 if who in reads else 403
        assert (roster.status_code, sheet.status_code) == (expected, expected), who
        if who in reads:
            assert "정다운" in text(roster) and "정다운" in text(sheet)
            marks = 'name="status" value="present"' in text(roster)
            assert marks == (who != "auditor"), who
            assert ('data-testid="read-only"' in text(roster)) == (who == "auditor")
            managing = "회차 관리" in text(roster)
            assert managing == (who in {"admin", "staff"}), who
    assert client_of(world, "instructor").get("/staff/sessions" + day).status_code == 200
    odd_day = client_of(world, "instructor").get("/staff/sessions?day=2026-99-99")
    assert odd_day.status_code == 200  # an impossible day: today
    anonymous = client_of(world, "anonymous")
    for path in ("/staff/sessions", f"/staff/sessions/{session.id}"):
        answer = anonymous.get(path)
        assert answer.status_code == 302 and "/accounts/login" in answer["Location"]
    staff = client_of(world, "staff")
    assert staff.get("/staff/sessions/999999999").status_code == 404
    assert staff.get("/staff/sessions/999999999/sheet").status_code == 404
    assert learner.name in text(staff.get(f"/staff/sessions/{session.id}/sheet"))


def test_marks_by_role_and_hostile_input(db, world, monkeypatch):
    c = course(world, 6)
    other = course(world, 7)
    session = c["sessions"][1]
    _, _, application_id = enrol(c)
    _, _, other_app = enrol(other)
    path = f"/staff/sessions/{session.id}/attendance"
    for who in ("auditor", "outsider", "other_instructor", "citizen"):
        answer = client_of(world, who).post(
            path, {"application_id": application_id, "status": "present"}
        )
        assert answer.status_code == 403, who
    anonymous = client_of(world, "anonymous").post(
        path, {"application_id": application_id, "status": "present"}
    )
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    assert not Attendance.objects.filter(application_id=application_id).exists()
    instructor = client_of(world, "instructor")
    assert instructor.get(path).status_code == 405
    for form, status in [
        ({"application_id": application_id, "status": "maybe"}, 422),
        ({"application_id": "1" * 2000, "status": "present"}, 404),
        ({"application_id": "-3", "status": "present"}, 404),
        ({"application_id": other_app, "status": "present"}, 404),  # another course
        ({"status": "present"}, 404),
    ]:
        answer = instructor.post(path, form)
        assert answer.status_code == status, (form, answer.status_code)
        assert 'data-testid="refusal"' in text(answer)
    assert instructor.post(
        "/staff/sessions/999999999/attendance", {"application_id": application_id, "status": "late"}
    ).status_code in (403, 404)
    assert not Attendance.objects.filter(application_id=application_id).exists()
    marked = instructor.post(
        path, {"application_id": application_id, "status": "excused", "note": "병원"}
    )
    assert marked.status_code == 302
    assert marked["Location"] == f"/staff/sessions/{session.id}#learner-{application_id}"
    row = Attendance.objects.get(application_id=application_id)
    assert (row.status, row.method, row.note) == ("excused", "manual", "병원")
    roster = text(instructor.get(f"/staff/sessions/{session.id}"))
    assert "공결" in roster and "병원" in roster
    assert AuditEvent.objects.filter(action="attendance_marked", application_id=application_id)


def test_session_status_and_completion_are_for_managing_staff(db, world, monkeypatch):
    c = course(world, 8)
    sessions = c["sessions"]
    _, _, application_id = enrol(c)
    first = sessions[0]
    for who in ("instructor", "auditor", "outsider", "citizen"):
        client = client_of(world, who)
        assert (
            client.post(f"/staff/sessions/{first.id}/status", {"status": "cancelled"}).status_code
            == 403
        ), who
        assert client.post(f"/staff/sessions/{first.id}/completion").status_code == 403, who
    staff = client_of(world, "staff")
    odd = staff.post(f"/staff/sessions/{first.id}/status", {"status": "x" * 2000})
    assert odd.status_code == 422
    assert Session.objects.get(pk=first.id).status == "scheduled"
    done = staff.post(
        f"/staff/sessions/{first.id}/status", {"status": "holiday", "note": "개교기념일"}
    )
    assert done.status_code == 302
    assert Session.objects.get(pk=first.id).status == "holiday"
    # a session not held takes no marks
    page = text(staff.get(f"/staff/sessions/{first.id}"))
    assert 'name="status" value="present"' not in page and "개교기념일" in page
    instructor = client_of(world, "instructor")
    refused = instructor.post(
        f"/staff/sessions/{first.id}/attendance",
        {"application_id": application_id, "status": "present"},
    )
    assert refused.status_code == 409 and "휴강한 회차" in text(refused)
    # every held session marked present: completion once, however often it is run
    for s in sessions[1:]:
        assert (
            instructor.post(
                f"/staff/sessions/{s.id}/attendance",
                {"application_id": application_id, "status": "present"},
            ).status_code
            == 302
        )
    ran = staff.post(f"/staff/sessions/{first.id}/completion", follow=True)
    assert ran.status_code == 200 and "1명 수료 (새로 1명)" in text(ran)
    again = staff.post(f"/staff/sessions/{first.id}/completion", follow=True)
    assert "1명 수료 (새로 0명)" in text(again)
    assert CompletionEvent.objects.filter(application_id=application_id).count() == 1
    # the completion reached the learning record, once
    from learncity.records.models import RecordEntry

    assert RecordEntry.objects.filter(application_id=application_id).count() == 1


# ------------------------------------------------------------------ the learner's code


def test_my_applications_show_the_code_card_and_reissue(db, world, monkeypatch):
    c = course(world, 9, capacity=1)
    learner, actor, application_id = enrol(c)
    waiting, waiting_actor = citizen()
    at(monkeypatch, c["offer"].opens_at + MIN)
    waited = enrolment.apply(
        actor=waiting_actor,
        offer_id=c["offer"].pk,
        learner_id=waiting.pk,
        idempotency_key="pages-wait-01",
    )
    assert waited.status == "waitlisted"
    at(monkeypatch, c["sessions"][0].starts_at)
    mine = Client()
    mine.force_login(learner.user)
    page = mine.get("/me/applications")
    token = code_of(actor, application_id)
    shown = text(page)
    assert page.status_code == 200 and "<svg" in shown and 'role="img"' in shown
    assert " ".join(token[i : i + 4] for i in range(0, 34, 4)) in shown
    assert "출석 0 / " in shown
    card = mine.get(f"/me/applications/{application_id}/card")
    assert card.status_code == 200 and "<svg" in text(card) and token[-4:] in text(card)
    assert "print.css" in text(card)
    assert mine.post(f"/me/applications/{application_id}/card").status_code == 405
    assert mine.get(f"/me/applications/{application_id}/reissue").status_code == 405
    reissued = mine.post(f"/me/applications/{application_id}/reissue")
    assert reissued.status_code == 302
    assert reissued["Location"] == f"/me/applications#application-{application_id}"
    new = code_of(actor, application_id)
    assert new != token
    assert CheckinToken.objects.filter(application_id=application_id).count() == 2
    assert new in text(mine.get("/me/applications")).replace(" ", "")
    # someone else's application: no card, no re-issue
    theirs = Client()
    theirs.force_login(waiting.user)
    assert theirs.get(f"/me/applications/{application_id}/card").status_code == 404
    assert theirs.post(f"/me/applications/{application_id}/reissue").status_code == 403
    assert code_of(actor, application_id) == new
    # a place on the waiting list has no code
    assert "<svg" not in text(theirs.get("/me/applications"))
    no_code = theirs.get(f"/me/applications/{waited.application_id}/card")
    assert no_code.status_code == 409 and "수강이 확정된 신청에만" in text(no_code)
    assert theirs.get("/me/applications/999999999/card").status_code == 404
    assert Client().get(f"/me/applications/{application_id}/card").status_code == 302


def test_the_link_in_the_message_shows_the_code_to_its_holder_only_while_it_lives(
    db,
    world,
    monkeypatch,
):
    from learncity.notifications.models import OutboxMessage

    c = course(world, 10, capacity=2)
    learner, actor, application_id = enrol(c)
    message = OutboxMessage.objects.filter(kind="confirmed", recipient=learner.phone).first()
    token = code_of(actor, application_id)
    assert message is not None and f"/checkin/{token}" in message.body
    anyone = Client()  # the link works without signing in (it came by SMS)
    page = anyone.get(f"/checkin/{token}")
    shown = text(page)
    assert page.status_code == 200 and "<svg" in shown and token[-4:] in shown
    assert learner.name not in shown and learner.phone not in shown  # nothing about the person
    assert page["Cache-Control"] == "no-store"
    # a re-issued code: the old link says so and shows no QR
    attendance_services.checkin_code_reissue(actor=actor, application_id=application_id)
    old = anyone.get(f"/checkin/{token}")
    assert old.status_code == 410 and "<svg" not in text(old)
    # forged, malformed and hostile codes: 404, never a 500
    for bad in ["LC" + "A" * 32, "nonsense", "<script>alert(1)</script>", "9" * 2000]:
        answer = anyone.get(f"/checkin/{bad}")
        assert answer.status_code == 404 and "<svg" not in text(answer)
