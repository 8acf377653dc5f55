"""Set up and check the database of `learncity bench checkin`, in its own process.

LEARNCITY_CHECKIN_MODE=setup: migrate, load the real regions and the real Gangnam catalog,
take the venue with the most programmes and up to LEARNCITY_CHECKIN_PROGRAMMES (6) of its
schedules, and make them meet weekly on the simulated day (LEARNCITY_CHECKIN_DAY, ISO date)
in the morning (09:15, 09:30 and 09:40 in turn, two hours each), expanded into sessions by
the real service; open an offer on each and confirm LEARNCITY_CHECKIN_COUNT learners, each
in one of them (round robin), with their check-in codes issued by the real service
(checkin_code_get); give the venue's institution LEARNCITY_CHECKIN_KIOSKS staff members
with API tokens (one per kiosk). The plan (venue, sessions, people with code, phone tail and
birth year, kiosk tokens) goes to LEARNCITY_CHECKIN_FILE.
LEARNCITY_CHECKIN_MODE=verify: read the attendance of the simulated day and of the baseline
sessions (the same schedules a week earlier) back from the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from learncity.attendance.models import Attendance
from learncity.attendance.services import checkin_code_get, schedule_sessions_expand
from learncity.catalog.importer import catalog_import
from learncity.catalog.models import Programme, Schedule, Session
from learncity.demo.real import real_regions_load
from learncity.enrollment.models import Application, Offer
from learncity.enrollment.services import offer_create
from learncity.learners.access import Actor
from learncity.learners.models import Learner, StaffRole
from learncity.learners.services import api_token_create

SHARED = Path(
    os.environ.get("LEARNCITY_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)
STARTS = (dt.time(9, 15), dt.time(9, 30), dt.time(9, 40))


def _venue_schedules(wanted: int) -> tuple[int, list[int]]:
    """The venue with the most programmes that have a schedule, and one schedule of each of
    up to `wanted` of its programmes."""
    venue_id = (
        Programme.objects.filter(venue__isnull=False, schedules__isnull=False)
        .values("venue_id")
        .annotate(programmes=Count("id", distinct=True))
        .order_by("-programmes", "venue_id")
        .values_list("venue_id", flat=True)
        .first()
    )
    assert venue_id is not None, "the Gangnam catalog has venues"
    chosen: dict[int, int] = {}
    for schedule_id, programme_id in (
        Schedule.objects.filter(programme__venue_id=venue_id)
        .order_by("programme_id", "id")
        .values_list("id", "programme_id")
    ):
        chosen.setdefault(programme_id, schedule_id)
    return venue_id, sorted(chosen.values())[:wanted]


def _setup() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    real_regions_load(SHARED)  # also imports the real catalog when the data is present
    if not Schedule.objects.exists():
        catalog_import(paths=[SHARED / "courses" / "gangnam-2026-04.csv"], classify=False)
    count = int(os.environ.get("LEARNCITY_CHECKIN_COUNT") or 1000)
    kiosks = int(os.environ.get("LEARNCITY_CHECKIN_KIOSKS") or 4)
    day = dt.date.fromisoformat(os.environ["LEARNCITY_CHECKIN_DAY"])
    zone = ZoneInfo(settings.TIME_ZONE)
    venue_id, schedule_ids = _venue_schedules(
        int(os.environ.get("LEARNCITY_CHECKIN_PROGRAMMES") or 6)
    )
    admin = User.objects.create_user("checkin-admin", password=None)
    StaffRole.objects.create(user=admin, role=StaffRole.Role.CITY_ADMIN)
    actor = Actor(admin.pk)
    now = timezone.now()

    # the simulated day's morning: weekly on that weekday, four weeks either side
    sessions = []
    for index, schedule_id in enumerate(schedule_ids):
        start = STARTS[index % len(STARTS)]
        Schedule.objects.filter(pk=schedule_id).update(
            start_date=day - dt.timedelta(weeks=4),
            end_date=day + dt.timedelta(weeks=4),
            weekdays=[day.isoweekday()],
            start_time=start,
            end_time=dt.time(start.hour + 2, start.minute),
        )
        schedule_sessions_expand(actor=None, schedule_id=schedule_id)
        today = Session.objects.get(schedule_id=schedule_id, date=day)
        week_before = Session.objects.get(schedule_id=schedule_id, date=day - dt.timedelta(days=7))
        assert timezone.localtime(today.starts_at, zone).time() == start
        sessions.append(
            {
                "schedule_id": schedule_id,
                "session_id": today.pk,
                "baseline_session_id": week_before.pk,
                "starts_at": today.starts_at.isoformat(),
            }
        )
    per_schedule = -(-count // len(schedule_ids))
    offers = {
        schedule_id: offer_create(
            actor=actor,
            schedule_id=schedule_id,
            capacity=per_schedule,
            opens_at=now - dt.timedelta(days=60),
            closes_at=now - dt.timedelta(days=30),
        )
        for schedule_id in schedule_ids
    }

    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"checkin{n:05d}", password=unusable) for n in range(count)],
        batch_size=1000,
    )
    learners = Learner.objects.bulk_create(
        [
            Learner(user_id=u.pk, name=f"시민{n}", birth_year=1940 + n % 45, phone=f"010{n:08d}")
            for n, u in enumerate(users)
        ],
        batch_size=1000,
    )
    slots = [sessions[n % len(sessions)] for n in range(count)]
    # confirmed places as enrolment leaves them (first come, general seats)
    applications = Application.objects.bulk_create(
        [
            Application(
                offer=offers[slot["schedule_id"]],
                programme_id=offers[slot["schedule_id"]].programme_id,
                learner_id=learner.pk,
                entered_by_id=learner.user_id,
                channel=Application.Channel.ONLINE,
                status=Application.Status.CONFIRMED,
                seat=Application.Seat.GENERAL,
                idempotency_key=f"bench-checkin-{n:05d}",
            )
            for n, (learner, slot) in enumerate(zip(learners, slots, strict=True))
        ],
        batch_size=1000,
    )
    for schedule_id, offer in offers.items():
        taken = sum(1 for slot in slots if slot["schedule_id"] == schedule_id)
        Offer.objects.filter(pk=offer.pk).update(general_taken=taken)
    people = []
    with transaction.atomic():
        for n, (application, learner, slot) in enumerate(
            zip(applications, learners, slots, strict=True)
        ):
            code = checkin_code_get(actor=actor, application_id=application.pk)
            people.append(
                {
                    "application_id": application.pk,
                    "session_id": slot["session_id"],
                    "baseline_session_id": slot["baseline_session_id"],
                    "token": code.token,
                    "phone_tail": learner.phone[-4:],
                    "birth_year": learner.birth_year,
                    "n": n,
                }
            )
    institution_id = Programme.objects.filter(venue_id=venue_id).values_list(
        "venue__institution_id", flat=True
    )[0]
    kiosk_tokens = []
    for number in range(kiosks):
        user = User.objects.create_user(f"kiosk{number}", password=None)
        StaffRole.objects.create(
            user=user, role=StaffRole.Role.INSTITUTION_STAFF, institution_id=institution_id
        )
        kiosk_tokens.append(api_token_create(user.pk, label=f"kiosk {number}"))
    plan = {
        "venue_id": venue_id,
        "day": day.isoformat(),
        "sessions": sessions,
        "people": people,
        "kiosk_tokens": kiosk_tokens,
    }
    Path(os.environ["LEARNCITY_CHECKIN_FILE"]).write_text(json.dumps(plan), encoding="utf-8")
    return {
        "database": connection.vendor,
        "venue_id": venue_id,
        "programmes": len(schedule_ids),
        "learners": len(people),
        "kiosks": kiosks,
    }


def _rows(session_ids: list[int]) -> dict[str, Any]:
    rows = Attendance.objects.filter(session_id__in=session_ids)
    duplicates = sum(
        n - 1
        for n in rows.values("session_id", "application_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("n", flat=True)
    )
    return {
        "rows": rows.count(),
        "duplicates": duplicates,
        "pairs": sorted(rows.values_list("session_id", "application_id").distinct()),
        "statuses": dict(rows.values_list("status").annotate(n=Count("id")).order_by("status")),
        "methods": dict(rows.values_list("method").annotate(n=Count("id")).order_by("method")),
    }


def _verify() -> dict[str, Any]:
    plan = json.loads(Path(os.environ["LEARNCITY_CHECKIN_FILE"]).read_text(encoding="utf-8"))
    return {
        "checkin": _rows([s["session_id"] for s in plan["sessions"]]),
        "baseline": _rows([s["baseline_session_id"] for s in plan["sessions"]]),
        "other_rows": Attendance.objects.exclude(
            session_id__in=[s["session_id"] for s in plan["sessions"]]
            + [s["baseline_session_id"] for s in plan["sessions"]]
        ).count(),
    }


def run() -> dict[str, Any]:
    mode = os.environ.get("LEARNCITY_CHECKIN_MODE", "setup")
    return _setup() if mode == "setup" else _verify()
