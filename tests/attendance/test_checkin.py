"""Sessions, check-in codes, the kiosk's check-in with every refusal, instructors' marks,
completion exactly once, reminders once — on real Gangnam schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from typer.testing import CliRunner

from learncity.attendance import errors, selectors, services
from learncity.attendance.checkin_code import checkin_qr_svg, token_parse
from learncity.attendance.models import Attendance, CheckinToken
from learncity.catalog.models import Schedule, Session
from learncity.catalog.session_services import SessionError, sessions_expand
from learncity.cli import app
from learncity.enrollment.services import cancel
from tests.attendance.factories import course, enrol, twin_course
from tests.learners.factories import citizen

MIN = dt.timedelta(minutes=1)


def checkin(world: dict[str, Any], c: dict[str, Any], at: dt.datetime, **kw: Any) -> Any:
    kw.setdefault("request_key", f"scan-{next(_keys):010d}")
    return services.checkin_record(
        actor=kw.pop("actor", world["staff"]), venue_id=c["venue_id"], now=at, **kw
    )


_keys = iter(range(1, 10**9))


# ------------------------------------------------------------------ sessions


def test_sessions_expand_idempotently_and_keep_staff_marks(db, world):
    c = course(world, 0)
    schedule = Schedule.objects.get(pk=c["schedule_id"])
    sessions = c["sessions"]
    assert len(sessions) >= 6
    first = sessions[0]
    assert first.date == schedule.start_date
    local = first.starts_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert (local.time(), first.all_day) == (schedule.start_time, False)
    assert all(
        s.date.isoweekday() in (schedule.weekdays or [s.date.isoweekday()]) for s in sessions
    )
    services.session_mark(
        actor=world["staff"], session_id=sessions[1].id, status="holiday", note="어린이날"
    )
    again = sessions_expand(schedule_id=c["schedule_id"])
    assert (again.created, again.unchanged, again.removed) == (0, len(sessions), 0)
    assert Session.objects.filter(schedule_id=c["schedule_id"]).count() == len(sessions)
    marked = Session.objects.get(pk=sessions[1].id)
    assert (marked.status, marked.note) == ("holiday", "어린이날")
    # the schedule loses its last week: that session is cancelled, not deleted
    Schedule.objects.filter(pk=c["schedule_id"]).update(
        end_date=sessions[-1].date - dt.timedelta(days=1)
    )
    shorter = sessions_expand(schedule_id=c["schedule_id"])
    assert shorter.removed == 1
    assert Session.objects.get(pk=sessions[-1].id).status == "cancelled"
    Schedule.objects.filter(pk=c["schedule_id"]).update(end_date=schedule.end_date)
    # the CLI: one schedule, and --all; nothing twice
    result = CliRunner().invoke(app, ["sessions", "expand", str(c["schedule_id"]), "--json"])
    assert result.exit_code == 0, result.output
    assert '"created": 0' in result.output
    assert CliRunner().invoke(app, ["sessions", "expand"]).exit_code == 2


def test_only_managing_staff_mark_sessions(db, world):
    c = course(world, 1)
    session_id = c["sessions"][0].id
    for who in ("instructor", "auditor", "outsider"):
        with pytest.raises(errors.Forbidden):
            services.session_mark(actor=world[who], session_id=session_id, status="cancelled")
    with pytest.raises(SessionError, match="status must be"):
        services.session_mark(actor=world["staff"], session_id=session_id, status="maybe")
    assert Session.objects.get(pk=session_id).status == "scheduled"
    with pytest.raises(errors.NotFound):
        services.session_mark(actor=world["staff"], session_id=10**9, status="cancelled")


# ------------------------------------------------------------------ check-in codes


def test_codes_are_opaque_stable_revocable(db, world):
    c = course(world, 2)
    learner, actor, application_id = enrol(c)
    code = services.checkin_code_get(actor=actor, application_id=application_id)
    assert token_parse(code.token) == code.token and len(code.token) == 34
    assert learner.phone not in code.token and str(application_id) not in code.token[2:6]
    assert services.checkin_code_get(actor=actor, application_id=application_id).token == code.token
    row = CheckinToken.objects.get(application_id=application_id)
    assert code.token not in (row.digest, row.nonce) and row.hint == code.token[-4:]
    svg = checkin_qr_svg(code.token)
    assert svg.startswith("<svg") and "출석 QR" in svg
    _stranger, stranger_actor = citizen()
    with pytest.raises(errors.Forbidden):
        services.checkin_code_get(actor=stranger_actor, application_id=application_id)
    new = services.checkin_code_reissue(actor=actor, application_id=application_id)
    assert new.token != code.token
    assert (
        CheckinToken.objects.filter(application_id=application_id, revoked_at__isnull=True).count()
        == 1
    )
    assert services.checkin_code_revoke(actor=world["staff"], application_id=application_id) == 1
    assert selectors.checkin_token_state(application_id) is None
    # one live code per application is the database's rule
    with pytest.raises(IntegrityError), transaction.atomic():
        for _ in range(2):
            CheckinToken.objects.create(
                application_id=application_id, nonce="n", digest=f"d{_}", hint="h"
            )
    line = services.checkin_message_line(application_id=application_id)
    assert "/checkin/LC" in line
    assert services.checkin_code_send(application_id=application_id)
    assert not services.checkin_code_send(application_id=application_id)  # once per code


# ------------------------------------------------------------------ the kiosk


def test_qr_check_in_present_late_and_twice(db, world):
    c = course(world, 3)
    session = c["sessions"][2]
    (_, a_actor, a_app), (_, b_actor, b_app) = enrol(c), enrol(c)
    a = services.checkin_code_get(actor=a_actor, application_id=a_app).token
    b = services.checkin_code_get(actor=b_actor, application_id=b_app).token
    early = session.starts_at - 20 * MIN
    done = checkin(world, c, early, token=a.lower(), request_key="kiosk-0001")
    assert (done.status, done.method, done.session_id) == ("present", "qr", session.id)
    assert done.title == session.title and done.room == session.room and "*" in done.learner_name
    # the same request again (the offline queue resends): the first answer, nothing new
    again = checkin(world, c, early + 3 * MIN, token=a, request_key="kiosk-0001")
    assert again.replayed and again.attendance_id == done.attendance_id
    # scanned twice: refused with the time, nothing recorded
    with pytest.raises(errors.AlreadyCheckedIn) as twice:
        checkin(world, c, early + 5 * MIN, token=a)
    local = done.checked_in_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert f"{local:%H:%M}에 이미 출석했습니다" in twice.value.message
    late = checkin(world, c, session.starts_at + 11 * MIN, token=b)
    assert late.status == "late"
    assert Attendance.objects.filter(session_id=session.id).count() == 2
    with pytest.raises(errors.IdempotencyConflict):  # a request key reused for someone else
        checkin(world, c, early, token=b, request_key="kiosk-0001")


def test_every_refusal_records_nothing(db, world):
    c = course(world, 4)
    other = course(world, 5)
    sessions = c["sessions"]
    _, actor, application_id = enrol(c)
    token = services.checkin_code_get(actor=actor, application_id=application_id).token
    during = sessions[0].starts_at + 5 * MIN
    before = Attendance.objects.count()
    with pytest.raises(errors.TokenInvalid):
        checkin(world, c, during, token="hello'; DROP TABLE x;--")
    with pytest.raises(errors.TokenInvalid):  # well formed, never issued (forged)
        checkin(world, c, during, token="LC" + "A" * 32)
    with pytest.raises(errors.CheckinNotOpen, match="부터입니다"):
        checkin(world, c, sessions[0].starts_at - 31 * MIN, token=token)
    with pytest.raises(errors.CheckinClosed):
        checkin(world, c, sessions[0].ends_at + MIN, token=token)
    with pytest.raises(errors.NoSessionNow):
        checkin(world, c, sessions[0].starts_at + dt.timedelta(days=1), token=token)
    services.session_mark(
        actor=world["staff"], session_id=sessions[1].id, status="cancelled", note="강사 사정"
    )
    with pytest.raises(errors.SessionCancelled, match="강사 사정"):
        checkin(world, c, sessions[1].starts_at, token=token)
    assert other["venue_id"] != c["venue_id"]
    with pytest.raises(errors.WrongVenue):
        services.checkin_record(
            actor=world["admin"],
            venue_id=other["venue_id"],
            request_key="wrong-venue-1",
            token=token,
            now=during,
        )
    with pytest.raises(errors.Forbidden):
        checkin(world, c, during, token=token, actor=world["auditor"])
    with pytest.raises(errors.Forbidden):
        checkin(world, c, during, token=token, actor=world["outsider"])
    with pytest.raises(errors.InvalidScanTime):
        checkin(world, c, during, token=token, scanned_at=during + dt.timedelta(hours=1))
    with pytest.raises(errors.InvalidScanTime):
        checkin(world, c, during, token=token, scanned_at=during - dt.timedelta(days=1))
    with pytest.raises(errors.InvalidScanTime):
        checkin(world, c, during, token=token, scanned_at=dt.datetime(2026, 4, 20, 9, 0))
    old = services.checkin_code_reissue(actor=actor, application_id=application_id)
    with pytest.raises(errors.TokenRevoked):
        checkin(world, c, during, token=token)
    cancel(actor=actor, application_id=application_id)
    with pytest.raises(errors.NotConfirmed):
        checkin(world, c, during, token=old.token)
    assert Attendance.objects.count() == before


def test_offline_queue_uses_the_scan_time(db, world):
    c = course(world, 6)
    _, actor, application_id = enrol(c)
    token = services.checkin_code_get(actor=actor, application_id=application_id).token
    start = c["sessions"][0].starts_at
    sent_later = checkin(world, c, start + 40 * MIN, token=token, scanned_at=start - 2 * MIN)
    assert (sent_later.status, sent_later.checked_in_at) == ("present", start - 2 * MIN)


def test_phone_tail_and_birth_year_never_guess(db, world):
    c = course(world, 7)
    start = c["sessions"][0].starts_at
    _, _, solo_app = enrol(c, phone="01055551234", birth_year=1948, name="박영희")
    done = checkin(world, c, start, phone_tail="1234", birth_year=1948)
    assert (done.application_id, done.method) == (solo_app, "phone")
    enrol(c, phone="01066664321", birth_year=1950, name="이순자")
    enrol(c, phone="01077774321", birth_year=1950, name="최말순")
    with pytest.raises(errors.MoreDetailNeeded) as asked:
        checkin(world, c, start, phone_tail="4321", birth_year=1950)
    assert asked.value.details["ask_for"] == "name"
    chosen = checkin(world, c, start, phone_tail="4321", birth_year=1950, name="최말순")
    assert chosen.learner_name == "최*순"
    with pytest.raises(errors.PersonNotFound):
        checkin(world, c, start, phone_tail="0000", birth_year=1900)
    with pytest.raises(errors.AttendanceError):
        checkin(world, c, start, phone_tail="12a", birth_year=1948)
    assert Attendance.objects.filter(session_id=c["sessions"][0].id).count() == 2


def test_a_person_with_two_classes_now_chooses(db, world):
    from learncity.enrollment import services as enrolment

    c = course(world, 8)
    # a second course at the same venue and the same hours, in another room
    twin_offer = twin_course(c, actor=world["admin"], title="스마트폰 기초")["offer"]
    learner, actor, first_app = enrol(c, phone="01012348888", birth_year=1944)
    second = enrolment.apply(
        actor=actor,
        offer_id=twin_offer.pk,
        learner_id=learner.pk,
        idempotency_key="twin-apply-01",
        now=c["offer"].opens_at + MIN,
    )
    start = c["sessions"][0].starts_at
    with pytest.raises(errors.SessionChoiceNeeded) as choose:
        checkin(world, c, start, phone_tail="8888", birth_year=1944)
    choices = choose.value.details["choices"]
    assert {ch["application_id"] for ch in choices} == {first_app, second.application_id}
    assert all(ch["open_now"] for ch in choices)
    twin_choice = next(ch for ch in choices if ch["application_id"] == second.application_id)
    picked = checkin(
        world, c, start, phone_tail="8888", birth_year=1944, session_id=twin_choice["session_id"]
    )
    assert (picked.session_id, picked.room, picked.title) == (
        twin_choice["session_id"],
        "2층 소강의실",
        "스마트폰 기초",
    )
    assert Attendance.objects.filter(application_id=first_app).count() == 0


def test_the_demo_expands_the_schedules_with_offers(db, world):
    from learncity.demo.offers import demo_sessions_expand

    c = course(world, 9)
    Session.objects.filter(schedule_id=c["schedule_id"]).delete()
    created = demo_sessions_expand()
    assert created >= len(c["sessions"])
    assert Session.objects.filter(schedule_id=c["schedule_id"]).count() == len(c["sessions"])
    assert demo_sessions_expand() == 0  # running the demo again adds none
