"""Offers and applications on the world's real schedules (or a schedule of the test's own)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from learncity.catalog.models import Schedule
from learncity.enrollment import services
from learncity.enrollment.models import Offer
from learncity.learners.access import Actor
from learncity.learners.models import Learner
from tests.learners.factories import citizen

NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)
OPEN = NOW - dt.timedelta(days=1)
CLOSE = NOW + dt.timedelta(days=7)


def offer_on(schedule_id: int, *, actor: Actor, **kwargs: Any) -> Offer:
    """A new offer on the schedule (any offer it had is deleted first): capacity 3, open
    from OPEN to CLOSE unless told otherwise."""
    Offer.objects.filter(schedule_id=schedule_id).delete()
    settings: dict[str, Any] = {"capacity": 3, "opens_at": OPEN, "closes_at": CLOSE}
    settings.update(kwargs)
    return services.offer_create(actor=actor, schedule_id=schedule_id, **settings)


def offer(world: Mapping[str, Any], index: int, **kwargs: Any) -> Offer:
    """A new offer on the world's index-th real schedule, opened by the world's city
    administrator unless another actor is given (see offer_on)."""
    actor = kwargs.pop("actor", None) or world["city_admin"]
    return offer_on(world["schedules"][index][0], actor=actor, **kwargs)


def course_running(schedule_id: int) -> tuple[dt.date, dt.date] | None:
    """Move a course that has ended (by the real clock) forward by whole weeks until its last
    day is today or later (same weekdays, same number of sessions): an ended course takes no
    application (issue 18), and the real Gangnam courses all ended in 2026. Returns the
    dates it had (None when it had not ended): inside a test's transaction the move rolls
    back; a committing test puts them back with course_dates_restore."""
    today = timezone.localdate()
    found = Schedule.objects.filter(pk=schedule_id).values_list("start_date", "end_date").first()
    if found is None or found[1] >= today:
        return None
    weeks = dt.timedelta(weeks=-(-(today - found[1]).days // 7))
    Schedule.objects.filter(pk=schedule_id).update(
        start_date=found[0] + weeks, end_date=found[1] + weeks
    )
    return found


def course_dates_restore(schedule_id: int, dates: tuple[dt.date, dt.date] | None) -> None:
    if dates is not None:
        Schedule.objects.filter(pk=schedule_id).update(start_date=dates[0], end_date=dates[1])


def open_now(schedule_id: int, *, actor: Actor, **kwargs: Any) -> Offer:
    """An offer on the schedule open by the real clock (from an hour ago to a day ahead),
    one place unless told otherwise: for pages and the API, which take no `now`. A course
    that has ended is moved into the present first (course_running)."""
    course_running(schedule_id)
    now = timezone.now()
    settings: dict[str, Any] = {
        "capacity": 1,
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(days=1),
    }
    settings.update(kwargs)
    return offer_on(schedule_id, actor=actor, **settings)


def offer_open_now(world: Mapping[str, Any], index: int, **kwargs: Any) -> Offer:
    """open_now on the world's index-th real schedule, by the world's city administrator."""
    return open_now(world["schedules"][index][0], actor=world["city_admin"], **kwargs)


def apply(person: Learner, actor: Actor, o: Offer, key: str | None = None, **kw: Any) -> Any:
    return services.apply(
        actor=actor,
        offer_id=o.pk,
        learner_id=person.pk,
        idempotency_key=key or f"apply-{person.pk:06d}-{o.pk}",
        now=kw.pop("now", NOW),
        **kw,
    )


def confirmed(o: Offer, *, now: dt.datetime = NOW, **person: Any) -> tuple[Learner, Actor, int]:
    """A new citizen with a confirmed place on the offer: (learner, actor, application id)."""
    learner, actor = citizen(**person)
    done = apply(learner, actor, o, now=now)
    assert done.status == "confirmed", done
    return learner, actor, done.application_id
