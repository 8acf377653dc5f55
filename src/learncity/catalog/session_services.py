"""Writes of sessions (회차): a schedule expands into dated sessions; a session can be marked
cancelled (휴강) or a holiday. Who may do so is decided by the caller (enrollment's
attendance services check the staff roles); these functions only keep the rows right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from learncity.algorithms.calendar import session_dates
from learncity.catalog.models import Schedule, Session
from learncity.core.errors import DomainError, NotFound

REMOVED_NOTE = gettext_lazy("일정에서 빠진 날")


class SessionError(DomainError):
    code = "session_error"


@dataclass(frozen=True)
class Expanded:
    schedule_id: int
    created: int
    updated: int  # times changed on sessions kept as they were marked
    unchanged: int
    removed: int  # scheduled sessions whose date left the schedule: marked cancelled


def _times(
    schedule: Schedule, day: dt.date, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime, bool]:
    if schedule.start_time is None:
        start = dt.datetime.combine(day, dt.time(0, 0), zone)
        return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), zone), True
    start = dt.datetime.combine(day, schedule.start_time, zone)
    end = dt.datetime.combine(day, schedule.end_time, zone) if schedule.end_time else start
    if end <= start:  # no end time, or one before the start: a two-hour session
        end = start + dt.timedelta(hours=2)
    return start, end, False


def sessions_expand(*, schedule_id: int) -> Expanded:
    """Create the sessions of a schedule from its dates, weekdays and times (Asia/Seoul).
    Idempotent: a session already there keeps its status and note (staff marks); its times
    follow the schedule. A scheduled session whose date is no longer in the schedule is
    marked cancelled with a note, never deleted (attendance may point at it)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    with transaction.atomic():
        schedule = Schedule.objects.select_for_update().filter(pk=schedule_id).first()
        if schedule is None:
            raise NotFound(f"no schedule {schedule_id}")
        wanted = {
            day: _times(schedule, day, zone)
            for day in session_dates(schedule.start_date, schedule.end_date, schedule.weekdays)
        }
        existing = {s.date: s for s in Session.objects.filter(schedule_id=schedule_id)}
        new = [
            Session(schedule_id=schedule_id, date=day, starts_at=a, ends_at=b, all_day=whole)
            for day, (a, b, whole) in wanted.items()
            if day not in existing
        ]
        # ignore_conflicts: a concurrent expansion of the same schedule adds nothing twice
        Session.objects.bulk_create(new, ignore_conflicts=True)
        updated = unchanged = removed = 0
        now = timezone.now()
        for day, session in existing.items():
            if day not in wanted:
                if session.status == Session.Status.SCHEDULED:
                    Session.objects.filter(pk=session.pk).update(
                        status=Session.Status.CANCELLED, note=REMOVED_NOTE, updated_at=now
                    )
                    removed += 1
                continue
            start, end, whole = wanted[day]
            if (session.starts_at, session.ends_at, session.all_day) == (start, end, whole):
                unchanged += 1
                continue
            Session.objects.filter(pk=session.pk).update(
                starts_at=start, ends_at=end, all_day=whole, updated_at=now
            )
            updated += 1
    return Expanded(schedule_id, len(new), updated, unchanged, removed)


def sessions_expand_many(*, schedule_ids: list[int] | None = None) -> dict[str, int]:
    """Expand the given schedules (all schedules when None); totals of the counts."""
    ids = schedule_ids
    if ids is None:
        ids = list(Schedule.objects.order_by("id").values_list("id", flat=True))
    totals = {"schedules": 0, "created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    for schedule_id in ids:
        done = sessions_expand(schedule_id=schedule_id)
        totals["schedules"] += 1
        totals["created"] += done.created
        totals["updated"] += done.updated
        totals["unchanged"] += done.unchanged
        totals["removed"] += done.removed
    return totals


def session_status_set(*, session_id: int, status: str, note: str = "") -> str:
    """Mark a session scheduled, cancelled or holiday (the caller has checked the actor);
    returns the previous status."""
    if status not in Session.Status.values:
        raise SessionError(f"status must be one of {', '.join(Session.Status.values)}")
    if len(note) > 300:
        raise SessionError("the note is at most 300 characters")
    with transaction.atomic():
        session = Session.objects.select_for_update().filter(pk=session_id).first()
        if session is None:
            raise NotFound(f"no session {session_id}")
        Session.objects.filter(pk=session_id).update(
            status=status, note=note.strip(), updated_at=timezone.now()
        )
    return session.status
