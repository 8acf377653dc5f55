"""Small fixtures of the vouchers tests: an institution, people, staff and a programme."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from learncity.catalog.models import Institution, Programme
from learncity.learners.access import Actor
from learncity.learners.models import Learner, StaffRole
from learncity.vouchers import services

NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)
_numbers = itertools.count(1)


def number() -> int:
    return next(_numbers)


def institution(name: str = "") -> Institution:
    return Institution.objects.create(name=name or f"평생학습관 {number()}")


def course(place: Institution, fee: int = 90_000) -> Programme:
    title = f"스마트폰 활용 {number()}"
    return Programme.objects.create(
        institution=place, title=title, display_title=title, fee_krw=fee
    )


def person(birth_year: int = 1980, **flags: Any) -> tuple[Learner, Actor]:
    n = number()
    user = User.objects.create_user(f"vouch{n}", password="x-Voucher-2026")
    learner = Learner.objects.create(
        user=user, name=f"시민{n}", birth_year=birth_year, phone=f"0109{n:07d}", **flags
    )
    return learner, Actor(user.pk)


def staff(role: str, **scope: Any) -> Actor:
    user = User.objects.create_user(f"staff{number()}", password="x-Staff-2026")
    StaffRole.objects.create(user=user, role=role, **scope)
    return Actor(user.pk)


def admin() -> Actor:
    return staff(StaffRole.Role.CITY_ADMIN)


def programme(actor: Actor, *places: Institution, amount: int = 350_000, **kwargs: Any) -> Any:
    settings: dict[str, Any] = {
        "code": f"lv-{number()}",
        "name": "평생교육이용권 2026",
        "name_en": "Learning voucher 2026",
        "kind": "national",
        "amount_krw": amount,
        "period_start": dt.date(2026, 1, 1),
        "period_end": dt.date(2026, 12, 31),
        "min_age": 19,
    }
    settings.update(kwargs)
    made = services.programme_create(actor=actor, **settings)
    for place in places:
        services.programme_register_institution(
            actor=actor, programme_id=made.pk, institution_id=place.pk
        )
    return made


def issued(actor: Actor, made: Any, learner: Learner, now: dt.datetime = NOW) -> int:
    outcome = services.voucher_issue(
        actor=actor,
        programme_id=made.pk,
        learner_id=learner.pk,
        idempotency_key=f"issue-{made.pk}-{learner.pk}",
        now=now,
    )
    assert outcome.voucher_id is not None
    return outcome.voucher_id


def localnow() -> dt.datetime:
    return timezone.now()
