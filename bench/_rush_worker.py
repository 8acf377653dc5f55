"""Set up and check the database of `learncity bench rush`, in its own process.

LEARNCITY_RUSH_MODE=setup: migrate, load the real regions and the real Gangnam catalog,
open 51 offers for the rush (50 schedules of 20 seats and one very popular schedule of 20
seats) and 51 more for the baseline, create LEARNCITY_RUSH_LEARNERS learners with API
tokens; writes tokens and offer ids to LEARNCITY_RUSH_FILE.
LEARNCITY_RUSH_MODE=verify: read the invariants back from the database.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from learncity.catalog.importer import catalog_import
from learncity.catalog.models import Schedule
from learncity.demo.real import real_regions_load
from learncity.enrollment.models import Application
from learncity.enrollment.selectors import seat_audit
from learncity.enrollment.services import offer_create
from learncity.learners.access import Actor
from learncity.learners.models import ApiToken, Learner, StaffRole
from learncity.learners.services import _digest

SHARED = Path(
    os.environ.get("LEARNCITY_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)
SEATS = 20


def _setup() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    real_regions_load(SHARED)  # also imports the real catalog when the data is present
    if not Schedule.objects.exists():
        catalog_import(paths=[SHARED / "courses" / "gangnam-2026-04.csv"], classify=False)
    admin = User.objects.create_user("rush-admin", password=None)
    StaffRole.objects.create(user=admin, role=StaffRole.Role.CITY_ADMIN)
    now = timezone.now()
    schedules = list(Schedule.objects.order_by("id").values_list("id", flat=True)[:102])
    # the real file's courses have ended by now, and an ended course takes no application:
    # move them forward by whole weeks into the present (this database is the bench's own)
    today = timezone.localdate()
    for pk, start, end in Schedule.objects.filter(pk__in=schedules, end_date__lt=today).values_list(
        "pk", "start_date", "end_date"
    ):
        weeks = dt.timedelta(weeks=-(-(today - end).days // 7))
        Schedule.objects.filter(pk=pk).update(start_date=start + weeks, end_date=end + weeks)
    offers = [
        offer_create(
            actor=Actor(admin.pk),
            schedule_id=schedule_id,
            capacity=SEATS,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(days=1),
        ).pk
        for schedule_id in schedules
    ]
    count = int(os.environ.get("LEARNCITY_RUSH_LEARNERS") or 5000)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"rush{n:05d}", password=unusable) for n in range(count)],
        batch_size=1000,
    )
    assert all(u.pk is not None for u in users)  # both databases return the new keys
    Learner.objects.bulk_create(
        [
            Learner(user_id=u.pk, name=f"시민{n}", birth_year=1940 + n % 60, phone=f"010{n:08d}")
            for n, u in enumerate(users)
        ],
        batch_size=1000,
    )
    tokens = [f"lc_rush_{n:05d}_{os.urandom(8).hex()}" for n in range(len(users))]
    expires = timezone.now() + dt.timedelta(days=1)  # tokens expire and have a scope
    ApiToken.objects.bulk_create(
        [
            ApiToken(user_id=u.pk, digest=_digest(t), scope="write", expires_at=expires)
            for u, t in zip(users, tokens, strict=True)
        ],
        batch_size=1000,
    )
    Path(os.environ["LEARNCITY_RUSH_FILE"]).write_text(
        json.dumps({"offers": offers[:51], "baseline_offers": offers[51:], "tokens": tokens}),
        encoding="utf-8",
    )
    return {"offers": len(offers), "learners": len(users), "database": connection.vendor}


def _verify() -> dict[str, Any]:
    plan = json.loads(Path(os.environ["LEARNCITY_RUSH_FILE"]).read_text(encoding="utf-8"))
    audit = seat_audit(exclude=frozenset(plan["baseline_offers"]))  # bare counters only
    return {
        **audit,
        "applications": Application.objects.count(),
        "confirmed": Application.objects.filter(status="confirmed").count(),
        "waitlisted": Application.objects.filter(status="waitlisted").count(),
    }


def run() -> dict[str, Any]:
    mode = os.environ.get("LEARNCITY_RUSH_MODE", "setup")
    return _setup() if mode == "setup" else _verify()
