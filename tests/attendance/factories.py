"""Courses with their sessions, learners with confirmed places, and marks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from learncity.attendance import services as attendance
from learncity.catalog.session_selectors import sessions_of_schedule
from learncity.learners.access import Actor
from learncity.learners.models import Consent, Learner
from tests.enrollment.factories import CLOSE, NOW, OPEN, confirmed, offer_on

__all__ = ["CLOSE", "NOW", "OPEN", "attend", "course", "course_on", "enrol", "twin_course"]


def course_on(schedule_id: int, *, actor: Actor, **kwargs: Any) -> dict[str, Any]:
    """An offer on the schedule (see offer_on), its sessions expanded."""
    made = offer_on(schedule_id, actor=actor, **kwargs)
    attendance.schedule_sessions_expand(actor=actor, schedule_id=schedule_id)
    return {
        "offer": made,
        "schedule_id": schedule_id,
        "sessions": sessions_of_schedule(schedule_id),
    }


def course(
    world: Mapping[str, Any],
    index: int,
    capacity: int = 10,
    *,
    actor: Actor | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An offer on the world's index-th weekly schedule (ten places), its sessions expanded."""
    schedule_id, venue_id, _ = world["weekly"][index]
    made = course_on(schedule_id, actor=actor or world["city_admin"], capacity=capacity, **kwargs)
    return {**made, "venue_id": venue_id}


def enrol(
    c: Mapping[str, Any],
    *,
    consent: bool = True,
    now: dt.datetime = NOW,
    **person: Any,
) -> tuple[Learner, Actor, int]:
    """A new citizen (consenting to notifications unless consent=False) with a confirmed
    place: (learner, actor, application id)."""
    consents = (Consent.Purpose.NOTIFICATIONS,) if consent else ()
    return confirmed(c["offer"], now=now, consents=consents, **person)


def attend(
    actor: Actor, sessions: Iterable[Any], application_id: int, statuses: Iterable[str]
) -> None:
    """Marks, one status per session in order, each at the session's end."""
    for session, status in zip(sessions, statuses, strict=False):
        attendance.attendance_mark(
            actor=actor,
            session_id=session.id,
            application_id=application_id,
            status=status,
            now=session.ends_at,
        )


def twin_course(
    c: Mapping[str, Any], *, actor: Actor, title: str, place: str = "2층 소강의실"
) -> dict[str, Any]:
    """A second course at the venue of course `c`, on the same days and hours, in another
    room, open over the same window (five places), its sessions expanded."""
    from learncity.catalog.models import Programme, Schedule

    schedule = Schedule.objects.select_related("programme").get(pk=c["schedule_id"])
    programme = Programme.objects.create(
        institution_id=schedule.programme.institution_id,
        venue_id=schedule.programme.venue_id,
        title=title,
        display_title=title,
        source="manual",
    )
    twin = Schedule.objects.create(
        programme=programme,
        start_date=schedule.start_date,
        end_date=schedule.end_date,
        weekdays=schedule.weekdays,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        place=place,
    )
    return course_on(
        twin.pk,
        actor=actor,
        capacity=5,
        opens_at=c["offer"].opens_at,
        closes_at=c["offer"].closes_at,
    )
