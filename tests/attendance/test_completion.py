"""Instructors' marks and rosters, completion exactly once (repeated runs and threads),
no-show counts, reminders never twice — on real Gangnam schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from typer.testing import CliRunner

from learncity.attendance import errors, selectors, services
from learncity.attendance.models import Attendance, CompletionEvent
from learncity.catalog.models import Schedule
from learncity.cli import app
from learncity.notifications.models import OutboxMessage
from tests.attendance.factories import course, enrol
from tests.concurrency import in_threads

HOUR = dt.timedelta(hours=1)


def mark(
    world: dict[str, Any],
    session_id: int,
    application_id: int,
    status: str,
    who: str = "instructor",
) -> Any:
    return services.attendance_mark(
        actor=world[who], session_id=session_id, application_id=application_id, status=status
    )


def test_marks_by_role_and_the_roster(db, world):
    c = course(world, 0)
    session = c["sessions"][0]
    (_, _, a), (_, _, b), (_, _, d) = enrol(c, name="가나다"), enrol(c, name="나다라"), enrol(c)
    assert mark(world, session.id, a, "present")["was"] is None
    assert mark(world, session.id, a, "late", who="staff")["was"] == "present"
    mark(world, session.id, b, "excused")
    for who in ("auditor", "outsider", "other_instructor"):
        with pytest.raises(errors.Forbidden):
            mark(world, session.id, d, "absent", who=who)
    with pytest.raises(errors.AttendanceError, match="status must be"):
        mark(world, session.id, d, "sleeping")
    other = course(world, 1)
    _, _, stranger = enrol(other)
    with pytest.raises(errors.NotFound):  # not enrolled in this course
        mark(world, session.id, stranger, "present")
    roster = selectors.session_roster(actor=world["auditor"], session_id=session.id)
    by_app = {row["application_id"]: row for row in roster["learners"]}
    assert (by_app[a]["attendance"], by_app[b]["attendance"], by_app[d]["attendance"]) == (
        "late",
        "excused",
        None,
    )
    assert roster["counts"] == {"present": 0, "late": 1, "absent": 0, "excused": 1, "unmarked": 1}
    with pytest.raises(errors.Forbidden):
        selectors.session_roster(actor=world["other_instructor"], session_id=session.id)
    today = selectors.sessions_today(actor=world["instructor"], day=session.date)
    mine = next(row for row in today if row["id"] == session.id)
    assert (mine["enrolled"], mine["attended"]) == (3, 1)
    theirs = selectors.sessions_today(actor=world["other_instructor"], day=session.date)
    assert session.id not in {row["id"] for row in theirs}
    # a kiosk check-in after a hand mark "absent" becomes the check-in
    mark(world, session.id, d, "absent")

    code = services.checkin_code_get(actor=world["admin"], application_id=d)
    came = services.checkin_record(
        actor=world["instructor"],
        venue_id=c["venue_id"],
        request_key="after-absent-1",
        token=code.token,
        now=session.starts_at,
    )
    assert came.status == "present"
    assert Attendance.objects.get(session_id=session.id, application_id=d).method == "qr"


def test_completion_once_with_rule_and_no_shows(db, world):
    c = course(world, 2)
    sessions = c["sessions"]
    n = len(sessions)
    people = [enrol(c) for _ in range(3)]
    everyone, most, few = (p[2] for p in people)
    need = -(-8 * n // 10)  # ceil(0.8 n)
    for i, s in enumerate(sessions):
        mark(world, s.id, everyone, "present")
        if i < need:
            mark(world, s.id, most, "late" if i % 2 else "present")
        if i < need - 1:
            mark(world, s.id, few, "present")
    after = sessions[-1].ends_at + HOUR
    out = services.completion_run(offer_id=c["offer"].pk, now=after)
    assert (out["completed"], out["emitted"], out["not_completed"]) == (2, 2, 1)
    again = services.completion_run(offer_id=c["offer"].pk, now=after + HOUR)
    assert (again["completed"], again["emitted"]) == (2, 0)
    events = CompletionEvent.objects.filter(offer_id=c["offer"].pk)
    assert sorted(events.values_list("application_id", flat=True)) == sorted([everyone, most])
    assert events.get(application_id=most).attended == need
    # a lower rule for this offer: the third completes too, once
    services.completion_rule_set(actor=world["staff"], offer_id=c["offer"].pk, threshold_percent=50)
    assert services.completion_run(offer_id=c["offer"].pk, now=after)["emitted"] == 1
    with pytest.raises(errors.Forbidden):
        services.completion_rule_set(actor=world["instructor"], offer_id=c["offer"].pk)
    with pytest.raises(errors.AttendanceError):
        services.completion_rule_set(
            actor=world["staff"], offer_id=c["offer"].pk, threshold_percent=0
        )
    # no-shows: the sessions each person neither attended nor was excused from
    counts = selectors.no_show_counts(learner_ids=[p[0].pk for p in people], now=after)
    assert counts == {people[1][0].pk: n - need, people[2][0].pk: n - need + 1}
    # the CLI: every offer that has ended; nothing new
    result = CliRunner().invoke(app, ["completion", "run", "--json"])
    assert result.exit_code == 0, result.output
    assert '"emitted": 0' in result.output


def test_completion_before_the_end_only_for_those_already_there(db, world):
    c = course(world, 3)
    sessions = c["sessions"]
    need = -(-8 * len(sessions) // 10)
    _, _, early = enrol(c)
    _, _, later = enrol(c)
    _, _, out_of_reach = enrol(c)
    assert len(sessions) >= 6
    for s in sessions[:need]:
        mark(world, s.id, early, "present")
    for s in sessions[: need - 1]:
        mark(world, s.id, later, "present")  # may still make it in the last sessions
    mark(world, sessions[0].id, out_of_reach, "present")
    middle = sessions[need - 1].ends_at + HOUR
    out = services.completion_run(offer_id=c["offer"].pk, now=middle)
    assert (out["completed"], out["in_progress"], out["not_completed"], out["emitted"]) == (
        1,
        1,
        1,
        1,
    )
    assert CompletionEvent.objects.get(offer_id=c["offer"].pk).application_id == early
    # the offer has not ended: the run over all ended offers leaves it alone
    assert services.completion_run(now=middle)["offers"] == 0


@pytest.mark.race
def test_concurrent_runs_and_scans_never_double(committed, world):
    c = course(world, 4)
    sessions = c["sessions"]
    people = [enrol(c) for _ in range(4)]
    for s in sessions:
        for _, _, application_id in people[:3]:
            mark(world, s.id, application_id, "present")
    after = sessions[-1].ends_at + HOUR
    runs = in_threads(6, lambda _: services.completion_run(offer_id=c["offer"].pk, now=after))
    assert not [r for r in runs if isinstance(r, Exception)], runs
    assert sum(r["emitted"] for r in runs) == 3
    assert CompletionEvent.objects.filter(offer_id=c["offer"].pk).count() == 3
    # the same code scanned at eight kiosks at once: one row, seven refusals
    _, actor, application_id = people[3]
    token = services.checkin_code_get(actor=actor, application_id=application_id).token
    Attendance.objects.filter(session_id=sessions[0].id, application_id=application_id).delete()

    def scan(index: int) -> Any:
        return services.checkin_record(
            actor=world["staff"],
            venue_id=c["venue_id"],
            request_key=f"burst-{index:04d}",
            token=token,
            now=sessions[0].starts_at,
        )

    scans = in_threads(8, scan)
    ok = [s for s in scans if not isinstance(s, Exception)]
    refused = [s for s in scans if isinstance(s, errors.AlreadyCheckedIn)]
    assert (len(ok), len(refused)) == (1, 7), scans
    assert (
        Attendance.objects.filter(session_id=sessions[0].id, application_id=application_id).count()
        == 1
    )


def test_reminders_the_day_before_once(db, world):
    c = course(world, 5)
    session = c["sessions"][1]
    (_, _, _), (_, _, _) = enrol(c), enrol(c, consent=False)
    kst = dt.timezone(dt.timedelta(hours=9))
    eve = dt.datetime.combine(session.date - dt.timedelta(days=1), dt.time(9, 0), kst)
    first = services.reminders_queue(now=eve)
    assert first["queued"] == 1  # only the person who consented to notifications
    assert services.reminders_queue(now=eve + 9 * HOUR) == {**first, "queued": 0, "already": 1}
    message = OutboxMessage.objects.get(kind="session_reminder")
    assert session.title in message.body and message.dedupe_key.startswith(
        f"reminder:{session.id}:"
    )
    services.session_mark(actor=world["staff"], session_id=c["sessions"][2].id, status="holiday")
    eve2 = dt.datetime.combine(c["sessions"][2].date - dt.timedelta(days=1), dt.time(9, 0), kst)
    assert services.reminders_queue(now=eve2)["queued"] == 0  # no reminder for a holiday


def test_too_many_no_shows_lose_the_lottery_priority_but_not_eligibility(db, world, settings):
    """A per-person rule fed by no-show counting: with LEARNCITY_NO_SHOW_LIMIT no-shows or more,
    an application carries none of the offer's priority tags (marked no_show_limit)."""
    from learncity.enrollment import services as enrolment
    from learncity.enrollment.models import Application, Offer

    settings.LEARNCITY_NO_SHOW_LIMIT = 2
    c = course(world, 6)
    absent, absent_actor, _ = enrol(c, birth_year=1950)  # a senior who never came
    present, present_actor, present_app = enrol(c, birth_year=1950)
    from tests.learners.factories import verified

    for senior in (absent, present):  # only a verified birth year makes a senior (issue 19)
        verified(senior, "birth_year", valid_until=dt.date(2030, 12, 31))
    for s in c["sessions"]:
        Attendance.objects.create(
            session_id=s.id,
            application_id=present_app,
            status="present",
            method="manual",
            checked_in_at=s.starts_at,
        )
    after = c["sessions"][-1].ends_at + dt.timedelta(days=1)
    lottery_schedule = world["weekly"][7][0]
    Offer.objects.filter(schedule_id=lottery_schedule).delete()
    # the lottery's course still runs when they apply (an ended course takes nobody)
    Schedule.objects.filter(pk=lottery_schedule, end_date__lt=after.date()).update(
        end_date=after.date() + dt.timedelta(days=30)
    )
    lottery = enrolment.offer_create(
        actor=world["admin"],
        schedule_id=lottery_schedule,
        capacity=5,
        opens_at=after - dt.timedelta(hours=1),
        closes_at=after + dt.timedelta(days=3),
        method="lottery",
        priorities=["senior"],
    )
    for learner, actor in ((absent, absent_actor), (present, present_actor)):
        enrolment.apply(
            actor=actor,
            offer_id=lottery.pk,
            learner_id=learner.pk,
            idempotency_key=f"noshow-{learner.pk:06d}",
            now=after,
        )
    tags = dict(Application.objects.filter(offer=lottery).values_list("learner_id", "tags"))
    assert "senior" not in tags[absent.pk] and "no_show_limit" in tags[absent.pk]
    assert "senior" in tags[present.pk] and "no_show_limit" not in tags[present.pk]
    # the rule off: priorities stay
    settings.LEARNCITY_NO_SHOW_LIMIT = 0
    Application.objects.filter(offer=lottery, learner=absent).delete()
    enrolment.apply(
        actor=absent_actor,
        offer_id=lottery.pk,
        learner_id=absent.pk,
        idempotency_key=f"noshow-again-{absent.pk:06d}",
        now=after,
    )
    assert "senior" in Application.objects.get(offer=lottery, learner=absent).tags
