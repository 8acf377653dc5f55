"""Voucher programmes and issued vouchers; people and places come from the learners' and the
catalog's factories."""

from __future__ import annotations

import datetime as dt
from typing import Any

from learncity.catalog.models import Institution, Programme
from learncity.learners.access import Actor
from learncity.learners.models import Learner, StaffRole
from learncity.vouchers import services
from tests.catalog.factories import institution
from tests.catalog.factories import programme as catalog_programme
from tests.learners.factories import citizen, number, staff, verified

__all__ = [
    "NOW",
    "admin",
    "course",
    "institution",
    "issued",
    "person",
    "programme",
    "project",
    "staff",
]

NOW = dt.datetime(2026, 4, 20, 10, 0, tzinfo=dt.UTC)


def course(place: Institution, fee: int = 90_000) -> Programme:
    return catalog_programme(place, fee_krw=fee)


def person(birth_year: int = 1980, *, verify: bool = True, **fields: Any) -> tuple[Learner, Actor]:
    """A citizen whose declared birth year, district and groups staff have verified (a
    voucher reads only verified eligibility), unless `verify` is False."""
    learner, actor = citizen(birth_year=birth_year, **fields)
    if verify:
        verified(learner)
    return learner, actor


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


def project(
    actor: Actor,
    name: str,
    amount: int,
    *,
    lines: list[tuple[str, str, int]] | None = None,
    **kwargs: Any,
) -> Any:
    """A funded project over 2026, with one operations line of the whole amount unless
    other lines are given."""
    settings: dict[str, Any] = {
        "starts_on": dt.date(2026, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
        "lines": [("운영", "operations", amount)] if lines is None else lines,
    }
    settings.update(kwargs)
    return services.project_create(actor=actor, name=name, amount_krw=amount, **settings)
