"""The real Gangnam catalog with sessions, staff of each role and confirmed learners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from learncity.algorithms.calendar import session_dates
from learncity.catalog.importer import catalog_import
from learncity.catalog.models import Institution, Programme, Schedule
from learncity.enrollment.models import Application, AuditEvent, Offer
from learncity.learners.access import Actor
from learncity.learners.models import Consent, HouseholdLink, Learner, StaffRole

NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)
OPEN = NOW - dt.timedelta(days=1)
CLOSE = NOW + dt.timedelta(days=7)


def _cleanup() -> None:
    from learncity.attendance.models import Attendance, CheckinToken, CompletionEvent
    from learncity.catalog.models import Session
    from learncity.notifications.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    CompletionEvent.objects.all().delete()
    Attendance.objects.all().delete()
    CheckinToken.objects.all().delete()
    Session.objects.all().delete()
    AuditEvent.objects.all().delete()
    Application.objects.all().delete()
    Offer.objects.all().delete()
    HouseholdLink.objects.all().delete()
    Learner.objects.all().delete()
    StaffRole.objects.all().delete()
    User.objects.all().delete()


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: Any, real_regions: Any, shared_data: Path
) -> Iterator[dict[str, Any]]:
    """The real catalog; the weekly schedules (at least six sessions, with a venue), a city
    administrator, and staff of every role for the institution of those schedules."""
    with django_db_blocker.unblock():
        catalog_import(paths=[shared_data / "courses" / "gangnam-2026-04.csv"], classify=False)
        weekly = []
        for schedule in (
            Schedule.objects.filter(programme__venue__isnull=False)
            .select_related("programme")
            .order_by("id")
        ):
            if len(session_dates(schedule.start_date, schedule.end_date, schedule.weekdays)) >= 6:
                weekly.append(
                    (schedule.pk, schedule.programme.venue_id, schedule.programme.institution_id)
                )
        assert len(weekly) >= 12, "the Gangnam file has weekly courses"
        institution = weekly[0][2]
        users: dict[str, Any] = {}
        roles: dict[str, Any] = {}
        for name, role, scope in [
            ("admin", StaffRole.Role.CITY_ADMIN, {}),
            ("staff", StaffRole.Role.INSTITUTION_STAFF, {"institution_id": institution}),
            ("instructor", StaffRole.Role.INSTRUCTOR, {"institution_id": institution}),
            ("auditor", StaffRole.Role.AUDITOR, {}),
            (
                "outsider",
                StaffRole.Role.INSTITUTION_STAFF,
                {"institution": Institution.objects.exclude(pk=institution).first()},
            ),
            (
                "other_instructor",
                StaffRole.Role.INSTRUCTOR,
                {"institution": Institution.objects.exclude(pk=institution).first()},
            ),
        ]:
            user = User.objects.create_user(name, password="x-Staff-Pass-2026")
            StaffRole.objects.create(user=user, role=role, **scope)
            users[name] = Actor(user.pk)
            roles[name] = {"role": role, **scope}
    yield {"weekly": weekly, "_roles": roles, **users}
    with django_db_blocker.unblock():
        _cleanup()
        Programme.objects.all().delete()
        Institution.objects.all().delete()


_counter = iter(range(1, 10**9))


def person(
    birth_year: int = 1955, phone: str | None = None, name: str | None = None, consent: bool = True
) -> tuple[Learner, Actor]:
    number = next(_counter)
    user = User.objects.create_user(f"learner{number}", password="x-Learner-2026")
    learner = Learner.objects.create(
        user=user,
        name=name or f"김민{number}수",
        birth_year=birth_year,
        phone=phone or f"0109{number:07d}",
    )
    if consent:
        Consent.objects.create(learner=learner, purpose=Consent.Purpose.NOTIFICATIONS)
    return learner, Actor(user.pk)


def course(world: dict[str, Any], index: int, capacity: int = 10) -> dict[str, Any]:
    """An offer on the index-th weekly schedule, its sessions expanded."""
    from learncity.attendance import services as attendance_services
    from learncity.catalog.session_selectors import sessions_of_schedule
    from learncity.enrollment import services

    schedule_id, venue_id, _ = world["weekly"][index]
    Offer.objects.filter(schedule_id=schedule_id).delete()
    offer = services.offer_create(
        actor=world["admin"],
        schedule_id=schedule_id,
        capacity=capacity,
        opens_at=OPEN,
        closes_at=CLOSE,
    )
    attendance_services.schedule_sessions_expand(actor=world["admin"], schedule_id=schedule_id)
    return {
        "offer": offer,
        "schedule_id": schedule_id,
        "venue_id": venue_id,
        "sessions": sessions_of_schedule(schedule_id),
    }


def enrol(c: dict[str, Any], **kw: Any) -> tuple[Learner, Actor, int]:
    from learncity.enrollment import services

    learner, actor = person(**kw)
    done = services.apply(
        actor=actor,
        offer_id=c["offer"].pk,
        learner_id=learner.pk,
        idempotency_key=f"enrol-{learner.pk:08d}",
        now=NOW,
    )
    assert done.status == "confirmed"
    return learner, actor, done.application_id
