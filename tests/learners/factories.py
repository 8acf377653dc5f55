"""People of the learners context for tests: citizens (an account and a learner profile) and
staff (an account and a role). Every name, phone number and e-mail address is unique in the
session, so tests never collide with each other or with the world's accounts."""

from __future__ import annotations

import itertools
import re
from typing import Any

from django.contrib.auth.models import User

from learncity.learners.access import Actor
from learncity.learners.models import Consent, Learner, StaffRole
from learncity.learners.services import normalise_phone
from learncity.notifications.models import OutboxMessage

PASSWORD = "x-Learner-Pass-2026"
# Staff of every role, each in or out of the scope of the thing a test guards: the role
# matrices of the pages and the API walk these (and add their citizens and visitors).
STAFF_IN_AND_OUT_OF_SCOPE = (
    "instructor",
    "institution_staff",
    "other_institution_staff",
    "district_officer",
    "other_district_officer",
    "city_admin",
    "auditor",
)
_numbers = itertools.count(1)


def number() -> int:
    """A number never handed out before in this session."""
    return next(_numbers)


def account(username: str = "", *, password: str = PASSWORD) -> User:
    return User.objects.create_user(username or f"user{number()}", password=password)


def citizen(
    *,
    birth_year: int = 1980,
    name: str = "",
    phone: str | None = "",
    email: str = "",
    username: str = "",
    consents: tuple[str, ...] = (),
    **fields: Any,
) -> tuple[Learner, Actor]:
    """An account with a learner profile (phone 010 and eight digits unless given; None for
    none) and the given consents (Consent.Purpose values)."""
    n = number()
    user = account(username or f"citizen{n}")
    learner = Learner.objects.create(
        user=user,
        name=name or f"시민{n}",
        birth_year=birth_year,
        phone=f"010{n:08d}" if phone == "" else phone,
        email=email,
        **fields,
    )
    for purpose in consents:
        Consent.objects.create(learner=learner, purpose=purpose)
    return learner, Actor(user.pk)


def staff(role: str, *, username: str = "", **scope: Any) -> Actor:
    """An account with one staff role (scope: institution, institution_id, district_code)."""
    user = account(username or f"{role}{number()}")
    StaffRole.objects.create(user=user, role=role, **scope)
    return Actor(user.pk)


def verified(
    learner: Learner,
    *kinds: str,
    valid_until: Any = None,
    by: Actor | None = None,
) -> Learner:
    """Verify the learner's declared claims of `kinds` (every declared one when none is
    named) through learners.eligibility, as a city administrator at the desk (`by`, or a
    new one) with a document seen, valid for a year unless `valid_until` is given. Money and
    priority read only verified claims."""
    import datetime as dt

    from django.utils import timezone

    from learncity.learners import eligibility
    from learncity.learners.models import EligibilityClaim

    eligibility.eligibility_sync(learner_id=learner.pk)
    wanted = kinds or tuple(
        EligibilityClaim.objects.filter(learner=learner).values_list("kind", flat=True)
    )
    actor = by or staff("city_admin")
    until = valid_until or timezone.localdate() + dt.timedelta(days=365)
    for kind in wanted:
        eligibility.eligibility_verify(
            actor=actor,
            learner_id=learner.pk,
            kind=kind,
            method="document",
            evidence="test document",
            valid_until=until,
        )
    return learner


SIGN_UP_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def sign_up_code(client: Any, phone: str, **extra: Any) -> str:
    """Ask the sign-up page for a code to `phone` (its first step) and read the code from the
    outbox, where it waits until sent (then it is erased). `extra`: the client's keywords
    (REMOTE_ADDR, headers)."""
    answer = client.post("/accounts/signup", {"action": "send-code", "phone": phone}, **extra)
    assert answer.status_code == 200, answer.status_code
    number = normalise_phone(phone)
    body = OutboxMessage.objects.filter(kind="phone_code", recipient=number).latest("id").body
    found = SIGN_UP_CODE.search(body)
    assert found is not None, "no code was sent (an account holds the number?)"
    return found.group(0)
