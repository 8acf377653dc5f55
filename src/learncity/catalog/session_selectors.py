"""Reads of sessions (회차) for the other contexts: what enrolment's check-in, rosters,
completion and reminders need, as plain rows (never the model)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from learncity.catalog.models import Schedule, Session, Venue


@dataclass(frozen=True)
class SessionRow:
    id: int
    schedule_id: int
    programme_id: int
    institution_id: int
    district_code: str
    venue_id: int | None
    venue_name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool
    status: str
    note: str
    title: str
    room: str  # the room as published (schedule.place), else the venue's name


_FIELDS = (
    "id",
    "schedule_id",
    "schedule__programme_id",
    "schedule__programme__institution_id",
    "schedule__programme__venue__district__code",
    "schedule__programme__venue_id",
    "schedule__programme__venue__name",
    "date",
    "starts_at",
    "ends_at",
    "all_day",
    "status",
    "note",
    "schedule__programme__display_title",
    "schedule__programme__title",
    "schedule__place",
)


def _rows(queryset: QuerySet[Session]) -> list[SessionRow]:
    out = []
    for row in queryset.values_list(*_FIELDS):
        (pk, schedule, programme, institution, district, venue, venue_name) = row[:7]
        (day, starts, ends, all_day, status, note, display, title, place) = row[7:]
        out.append(
            SessionRow(
                pk,
                schedule,
                programme,
                institution,
                district or "",
                venue,
                venue_name or "",
                day,
                starts,
                ends,
                all_day,
                status,
                note,
                display or title,
                place or venue_name or "",
            )
        )
    return out


def session_get(session_id: int) -> SessionRow | None:
    found = _rows(Session.objects.filter(pk=session_id))
    return found[0] if found else None


def sessions_of_schedule(schedule_id: int) -> list[SessionRow]:
    return _rows(Session.objects.filter(schedule_id=schedule_id).order_by("date"))


def sessions_of_schedules_on(schedule_ids: Iterable[int], day: dt.date) -> list[SessionRow]:
    """The sessions of these schedules on one (local) date, earliest first."""
    ids = list(schedule_ids)
    if not ids:
        return []
    return _rows(Session.objects.filter(schedule_id__in=ids, date=day).order_by("starts_at", "id"))


def sessions_on(
    day: dt.date,
    *,
    institution_ids: Iterable[int] | None = None,
    district_codes: Iterable[str] = (),
    venue_id: int | None = None,
    limit: int = 500,
) -> list[SessionRow]:
    """Sessions on a date, of these institutions or of venues in these districts (all when
    both are None/empty and institution_ids is None), optionally at one venue."""
    queryset = Session.objects.filter(date=day)
    if institution_ids is not None:
        scope = Q(schedule__programme__institution_id__in=list(institution_ids))
        codes = [c for c in district_codes if c]
        if codes:
            scope |= Q(schedule__programme__venue__district__code__in=codes)
        queryset = queryset.filter(scope)
    if venue_id is not None:
        queryset = queryset.filter(schedule__programme__venue_id=venue_id)
    return _rows(queryset.order_by("starts_at", "id")[:limit])


def sessions_starting_between(start: dt.datetime, end: dt.datetime) -> list[SessionRow]:
    """Scheduled (not cancelled) sessions that start in [start, end)."""
    return _rows(
        Session.objects.filter(
            starts_at__gte=start, starts_at__lt=end, status=Session.Status.SCHEDULED
        ).order_by("starts_at", "id")
    )


def next_sessions(schedule_ids: Iterable[int], now: dt.datetime) -> dict[int, SessionRow]:
    """The next held (scheduled, not ended at `now`) session of each schedule that has one:
    the one a learner's application card announces."""
    ids = sorted(set(schedule_ids))
    if not ids:
        return {}
    first: dict[int, int] = {}
    for pk, schedule_id in (
        Session.objects.filter(
            schedule_id__in=ids, status=Session.Status.SCHEDULED, ends_at__gte=now
        )
        .order_by("schedule_id", "starts_at", "id")
        .values_list("pk", "schedule_id")
    ):
        first.setdefault(schedule_id, pk)
    return {row.schedule_id: row for row in _rows(Session.objects.filter(pk__in=first.values()))}


def schedule_last_end(schedule_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When the last held (scheduled) session of each schedule ends."""
    from django.db.models import Max

    return {
        row["schedule_id"]: row["last"]
        for row in Session.objects.filter(
            schedule_id__in=list(schedule_ids), status=Session.Status.SCHEDULED
        )
        .values("schedule_id")
        .annotate(last=Max("ends_at"))
    }


@dataclass(frozen=True)
class VenueOwner:
    venue_id: int
    name: str
    institution_id: int
    district_code: str


def venue_owner(venue_id: int) -> VenueOwner | None:
    """The venue's name, institution and district code (for the kiosk's permissions)."""
    found = (
        Venue.objects.filter(pk=venue_id)
        .values_list("name", "institution_id", "district__code")
        .first()
    )
    if found is None:
        return None
    name, institution_id, district = found
    return VenueOwner(venue_id, name, institution_id, district or "")


def schedule_ids_with_sessions() -> list[int]:
    return list(
        Schedule.objects.filter(sessions__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )


def held_sessions_ended(schedule_ids: Iterable[int], now: dt.datetime) -> dict[int, list[int]]:
    """Ids of the held (scheduled) sessions of each schedule that ended by `now`."""
    out: dict[int, list[int]] = {}
    for pk, schedule_id in Session.objects.filter(
        schedule_id__in=list(schedule_ids), status=Session.Status.SCHEDULED, ends_at__lte=now
    ).values_list("pk", "schedule_id"):
        out.setdefault(schedule_id, []).append(pk)
    return out


def session_starts(session_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of these sessions begins."""
    return dict(Session.objects.filter(pk__in=list(session_ids)).values_list("pk", "starts_at"))
