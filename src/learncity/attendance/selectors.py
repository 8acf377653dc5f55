"""Reads of check-in, attendance and completion: the venue of a kiosk, today's sessions, a
session's roster and what the actor may do on it (the access policy's attendance rows),
no-show counts, completion events. Writes are in attendance.services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from learncity.attendance.errors import Forbidden, NotFound
from learncity.attendance.models import Attendance, CheckinToken, CompletionEvent, KioskDevice
from learncity.catalog.session_selectors import (
    SessionRow,
    session_get,
    sessions_of_schedule,
    sessions_on,
)
from learncity.enrollment.models import Application, Offer
from learncity.learners.access import Actor, Roles, Scope, allowed, reach_of, roles_of

ATTENDED = ("present", "late")


def mask_name(name: str) -> str:
    """김민수 -> 김*수, 김수 -> 김*: enough for a person to recognise their own name."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def session_out(session: SessionRow) -> dict[str, Any]:
    return {
        "id": session.id,
        "schedule_id": session.schedule_id,
        "programme_id": session.programme_id,
        "institution_id": session.institution_id,
        "venue_id": session.venue_id,
        "venue_name": session.venue_name,
        "date": session.date,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "all_day": session.all_day,
        "status": session.status,
        "note": session.note,
        "title": session.title,
        "room": session.room,
    }


def sessions_today(
    *, actor: Actor, day: dt.date | None = None, venue_id: int | None = None
) -> list[dict[str, Any]]:
    """The sessions on `day` (default today, Asia/Seoul) the actor may see a roster of (an
    instructor or institution staff: their institution; a district officer: venues in the
    district; city administrator and auditor: every one), with how many are enrolled and how
    many have come so far."""
    day = day or timezone.localdate()
    reach = reach_of(actor, "attendance.roster_read")
    if not reach.anywhere:
        return []
    rows = sessions_on(
        day,
        institution_ids=None if reach.everywhere else sorted(reach.institutions),
        district_codes=sorted(reach.all_districts),
        venue_id=venue_id,
    )
    return _with_counts(rows)


def sessions_today_at_venue(*, venue_id: int, day: dt.date | None = None) -> list[dict[str, Any]]:
    """The sessions on `day` (default today) at one venue, with the same counts: what a
    paired kiosk shows (the device was authorised for this venue by the caller)."""
    return _with_counts(sessions_on(day or timezone.localdate(), venue_id=venue_id))


def _with_counts(rows: list[SessionRow]) -> list[dict[str, Any]]:
    by_schedule: dict[int, int] = defaultdict(int)
    for schedule_id in Application.objects.filter(
        offer__schedule_id__in={r.schedule_id for r in rows}, status="confirmed"
    ).values_list("offer__schedule_id", flat=True):
        by_schedule[schedule_id] += 1
    came: dict[int, int] = defaultdict(int)
    for session_id in Attendance.objects.filter(
        session_id__in=[r.id for r in rows], status__in=ATTENDED
    ).values_list("session_id", flat=True):
        came[session_id] += 1
    return [
        {**session_out(r), "enrolled": by_schedule[r.schedule_id], "attended": came[r.id]}
        for r in rows
    ]


def session_for_reader(actor: Actor | Roles, session_id: int) -> SessionRow:
    """The session, if the actor may read its roster (else Forbidden / NotFound)."""
    session = session_get(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    scope = Scope(institution_id=session.institution_id, district_code=session.district_code)
    if not allowed(actor, "attendance.roster_read", scope):
        raise Forbidden("you may not see this session's roster")
    return session


def session_roster(*, actor: Actor, session_id: int) -> dict[str, Any]:
    """A session and its enrolled (confirmed) learners with their attendance, by name: what
    the instructor's roster page and the printed sign-in sheet show. `attendance` is None
    when nobody has marked the person yet."""
    session = session_for_reader(actor, session_id)
    marks = {
        row["application_id"]: row
        for row in Attendance.objects.filter(session_id=session_id).values(
            "id", "application_id", "status", "checked_in_at", "method", "note"
        )
    }
    learners: list[dict[str, Any]] = []
    # the confirmed, and those marked while enrolled who have since cancelled
    enrolled = (
        Application.objects.filter(offer__schedule_id=session.schedule_id)
        .filter(Q(status="confirmed") | Q(pk__in=list(marks)))
        .values_list("pk", "learner_id", "learner__name", "learner__birth_year", "learner__phone")
    )
    for application_id, learner_id, name, birth_year, phone in enrolled:
        mark = marks.get(application_id)
        learners.append(
            {
                "application_id": application_id,
                "learner_id": learner_id,
                "name": name,
                "birth_year": birth_year,
                "phone_tail": (phone or "")[-4:],
                "attendance": mark["status"] if mark else None,
                "checked_in_at": mark["checked_in_at"] if mark else None,
                "method": mark["method"] if mark else None,
                "note": mark["note"] if mark else "",
            }
        )
    learners.sort(key=lambda row: (row["name"], row["application_id"]))
    counts = dict.fromkeys(("present", "late", "absent", "excused", "unmarked"), 0)
    for row in learners:
        counts[str(row["attendance"] or "unmarked")] += 1
    return {"session": session_out(session), "learners": learners, "counts": counts}


def attendance_of_application(application_id: int) -> list[dict[str, Any]]:
    """Every session of the application's schedule with the person's mark (None if none)."""
    schedule_id = (
        Application.objects.filter(pk=application_id)
        .values_list("offer__schedule_id", flat=True)
        .first()
    )
    if schedule_id is None:
        raise NotFound(f"no application {application_id}")
    marks = dict(
        Attendance.objects.filter(application_id=application_id).values_list("session_id", "status")
    )
    return [
        {**session_out(s), "attendance": marks.get(s.id)} for s in sessions_of_schedule(schedule_id)
    ]


def no_show_counts(
    *, learner_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> dict[int, int]:
    """No-shows per learner: held (not cancelled) sessions that have ended, of the learner's
    confirmed applications, with no mark or an absent mark (excused is not a no-show). Only
    sessions that began after the application was made, and at which attendance was taken
    (someone has a mark), count: a session before a late place, or one where nobody took
    the roll, is nobody's no-show. Learners without a no-show are left out. For per-person
    rules (enrollment.services: lose an offer's priorities from LEARNCITY_NO_SHOW_LIMIT)."""
    from learncity.catalog.session_selectors import held_sessions_ended, session_starts

    now = now or timezone.now()
    applications = Application.objects.filter(status="confirmed")
    if learner_ids is not None:
        applications = applications.filter(learner_id__in=list(learner_ids))
    rows = list(applications.values_list("pk", "learner_id", "offer__schedule_id", "created_at"))
    ended = held_sessions_ended({schedule for _, _, schedule, _ in rows}, now)
    every = [session for sessions in ended.values() for session in sessions]
    taken = set(
        Attendance.objects.filter(session_id__in=every).values_list("session_id", flat=True)
    )
    starts = session_starts(every)
    came = set(
        Attendance.objects.filter(
            application_id__in=[pk for pk, _, _, _ in rows],
            status__in=("present", "late", "excused"),
        ).values_list("application_id", "session_id")
    )
    counts: dict[int, int] = defaultdict(int)
    for application_id, learner_id, schedule_id, made in rows:
        for session_id in ended.get(schedule_id, ()):
            if session_id not in taken or starts.get(session_id, made) < made:
                continue
            if (application_id, session_id) not in came:
                counts[learner_id] += 1
    return dict(counts)


def completion_events(
    *, offer_id: int | None = None, unconsumed: bool = False, limit: int = 1000
) -> list[dict[str, Any]]:
    """Completion events, oldest first (the learning record takes the unconsumed ones)."""
    events = CompletionEvent.objects.order_by("id")
    if offer_id is not None:
        events = events.filter(offer_id=offer_id)
    if unconsumed:
        events = events.filter(consumed_at__isnull=True)
    return [
        dict(row)
        for row in events.values(
            "id",
            "application_id",
            "offer_id",
            "learner_id",
            "at",
            "attended",
            "sessions",
            "rate_percent",
            "rule",
        )[:limit]
    ]


def checkin_token_state(application_id: int) -> dict[str, Any] | None:
    """The live token's last four characters and issue time (never the token), or None."""
    found = (
        CheckinToken.objects.filter(application_id=application_id, revoked_at__isnull=True)
        .values("id", "hint", "created_at")
        .first()
    )
    return dict(found) if found else None


def offer_schedule_ids() -> list[int]:
    """The schedules that have an enrolment offer (whose sessions take attendance)."""
    return list(Offer.objects.order_by("schedule_id").values_list("schedule_id", flat=True))


def kiosk_venue_get(*, actor: Actor, venue_id: int) -> dict[str, Any]:
    """The venue a kiosk checks people in at, if the actor may take attendance there (the
    institution's staff and instructors, the district's officer, a city administrator):
    NotFound for an unknown venue, Forbidden otherwise."""
    from learncity.catalog.session_selectors import venue_owner

    venue = venue_owner(venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}")
    scope = Scope(institution_id=venue.institution_id, district_code=venue.district_code)
    if not allowed(actor, "attendance.take", scope):
        raise Forbidden("you may not take attendance at this venue")
    return {
        "id": venue.venue_id,
        "name": venue.name,
        "institution_id": venue.institution_id,
        "district_code": venue.district_code,
    }


def kiosk_venue_of_device(*, venue_id: int) -> dict[str, Any]:
    """The venue of a paired kiosk (the caller checked the device is this venue's)."""
    from learncity.catalog.session_selectors import venue_owner

    venue = venue_owner(venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}")
    return {
        "id": venue.venue_id,
        "name": venue.name,
        "institution_id": venue.institution_id,
        "district_code": venue.district_code,
    }


def session_abilities(*, actor: Actor, session_id: int) -> dict[str, bool]:
    """What the actor may do on a session's roster page (who may read it at all is
    session_for_reader's question): `mark` attendance (instructors and managing staff),
    `manage` the session (cancel, holiday, completion: managing staff only)."""
    roles = roles_of(actor)
    session = session_for_reader(roles, session_id)
    scope = Scope(institution_id=session.institution_id, district_code=session.district_code)
    return {
        "mark": allowed(roles, "attendance.take", scope),
        "manage": allowed(roles, "attendance.session_manage", scope),
    }


def offer_id_of_schedule(schedule_id: int) -> int | None:
    """The enrolment offer of a schedule (whose completion is run), if any."""
    return Offer.objects.filter(schedule_id=schedule_id).values_list("pk", flat=True).first()


def checkin_code_holder(token: str) -> dict[str, Any] | None:
    """What the link in a confirmation message shows to whoever holds the code: whether the
    code is live, its programme and its last four characters (nothing about the person);
    None for a code that was never issued."""
    from learncity.attendance.checkin_code import digest_of, token_parse

    parsed = token_parse(token)
    if parsed is None:
        return None
    found = (
        CheckinToken.objects.filter(digest=digest_of(parsed))
        .values("hint", "revoked_at", "application__programme_id", "application__status")
        .first()
    )
    if found is None:
        return None
    return {
        "token": parsed,
        "hint": found["hint"],
        "live": found["revoked_at"] is None and found["application__status"] == "confirmed",
        "programme_id": found["application__programme_id"],
    }


def kiosk_devices_at(*, venue_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The paired (and pairing) kiosks of these venues, newest first, revoked ones included
    (the caller computed the venues the actor may manage: `attendance.kiosk_manage`)."""
    return [
        dict(row)
        for row in KioskDevice.objects.filter(venue_id__in=list(venue_ids))
        .order_by("-created_at", "-id")
        .values(
            "id",
            "venue_id",
            "venue__name",
            "name",
            "created_at",
            "created_by__username",
            "paired_at",
            "pairing_expires_at",
            "last_seen_at",
            "revoked_at",
        )[:500]
    ]
