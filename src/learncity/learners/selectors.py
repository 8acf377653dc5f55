"""Reads of learners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from learncity.learners import models
from learncity.learners.models import EligibilityClaim, HouseholdLink, Learner

SENIOR_AGE = models.SENIOR_AGE  # 65 and over (노인복지법): "senior" to the contexts above
BOOLEAN_KINDS = ("disability", "low_income", "multicultural")


@dataclass(frozen=True)
class LearnerFacts:
    """What the contexts above decide on about a person (apply's tags, a fee waived for a
    group): only what staff have verified and is not expired (learners.eligibility); a
    declared but unverified value counts as not given."""

    id: int
    user_id: int
    birth_year: int | None
    district_code: str
    disability: bool
    low_income: bool
    multicultural: bool

    def is_senior(self, today: dt.date) -> bool:
        return self.birth_year is not None and today.year - self.birth_year >= SENIOR_AGE


@dataclass(frozen=True)
class VerifiedEligibility:
    """A person's verified, unexpired claims on a day: what money and priority may use.
    `birth_year` None and `district_code` "" when not verified."""

    learner_id: int
    birth_year: int | None = None
    district_code: str = ""
    disability: bool = False
    low_income: bool = False
    multicultural: bool = False

    def is_senior(self, today: dt.date) -> bool:
        return self.birth_year is not None and today.year - self.birth_year >= SENIOR_AGE

    def groups(self, today: dt.date) -> dict[str, bool]:
        """The fee-waiver and voucher groups (senior, disability, low income, multicultural)."""
        return {
            "senior": self.is_senior(today),
            "disability": self.disability,
            "low_income": self.low_income,
            "multicultural": self.multicultural,
        }


def verified_eligibility(learner_id: int, today: dt.date | None = None) -> VerifiedEligibility:
    """A person's eligibility for money and priority (fee waivers, lottery quotas and
    priorities, vouchers): only claims in the `verified` state whose `valid_until` is
    today or later."""
    today = today or timezone.localdate()
    rows = EligibilityClaim.objects.filter(
        learner_id=learner_id, state=EligibilityClaim.State.VERIFIED, valid_until__gte=today
    ).values_list("kind", "value")
    found: dict[str, Any] = {"learner_id": learner_id}
    for kind, value in rows:
        if kind == "birth_year":
            found["birth_year"] = int(value) if value.isdecimal() else None
        elif kind == "district":
            found["district_code"] = value
        elif kind in BOOLEAN_KINDS:
            found[kind] = value == "yes"
    return VerifiedEligibility(**found)


def learner_declared(learner_id: int) -> dict[str, Any] | None:
    """What the person declared about themselves (the account page's form)."""
    found = (
        Learner.objects.filter(pk=learner_id)
        .values("district_code", "disability", "low_income", "multicultural")
        .first()
    )
    return dict(found) if found is not None else None


def learner_facts(learner_id: int, today: dt.date | None = None) -> LearnerFacts | None:
    found = Learner.objects.filter(pk=learner_id).values_list("id", "user_id").first()
    if found is None:
        return None
    verified = verified_eligibility(learner_id, today)
    return LearnerFacts(
        id=found[0],
        user_id=found[1],
        birth_year=verified.birth_year,
        district_code=verified.district_code,
        disability=verified.disability,
        low_income=verified.low_income,
        multicultural=verified.multicultural,
    )


def household_proxy(*, user_id: int, learner_id: int) -> bool:
    """The user acts for the learner as a household proxy (a link not withdrawn)."""
    return HouseholdLink.objects.filter(
        proxy__user_id=user_id, member_id=learner_id, withdrawn_at__isnull=True
    ).exists()


def household_member_ids(*, proxy_user_id: int) -> list[int]:
    """The learners the user acts for as a household proxy (links not withdrawn)."""
    return list(
        HouseholdLink.objects.filter(
            proxy__user_id=proxy_user_id, withdrawn_at__isnull=True
        ).values_list("member_id", flat=True)
    )


def learners_by_phone(
    *, phone_tail: str, birth_year: int, name: str = "", limit: int = 3
) -> list[tuple[int, str]]:
    """(id, name) of at most `limit` learners whose phone number ends in these digits, born
    that year (and of that name, when one is given): the kiosk's check-in without a code."""
    people = Learner.objects.filter(phone__endswith=phone_tail, birth_year=birth_year)
    if name:
        people = people.filter(name=name)
    return list(people.values_list("pk", "name")[:limit])


def learners_by_phone_among(
    *,
    learner_ids: Iterable[int],
    phone_tail: str,
    birth_year: int,
    name: str = "",
    limit: int = 3,
) -> list[tuple[int, str]]:
    """learners_by_phone, searching only these learners (the kiosk: those confirmed at its
    venue today), so that the answer says nothing about anyone else."""
    ids = list(learner_ids)
    if not ids:
        return []
    people = Learner.objects.filter(pk__in=ids, phone__endswith=phone_tail, birth_year=birth_year)
    if name:
        people = people.filter(name=name)
    return list(people.order_by("pk").values_list("pk", "name")[:limit])


def message_language(learner_id: int) -> str:
    """The language of the person's SMS and e-mail messages ("ko" or "en"): what a sender
    composes them in, inside `translation.override`. Korean for an unknown learner."""
    found: str | None = (
        Learner.objects.filter(pk=learner_id).values_list("language", flat=True).first()
    )
    return found or Learner.Language.KOREAN.value


def learner_id_of_user(user_id: int) -> int | None:
    found: int | None = Learner.objects.filter(user_id=user_id).values_list("pk", flat=True).first()
    return found


PASSWORD_MAX = 4096  # longer is no one's password (and hashing it is work for nothing)


def password_matches(*, user_id: int, password: str) -> bool:
    """Whether `password` is the active account's current password: asked again before a
    step that cannot be undone (closing the account), so that a borrowed session is not
    enough."""
    from django.contrib.auth.models import User

    if not password or len(password) > PASSWORD_MAX or not 0 < user_id <= 2**63 - 1:
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user is not None and user.check_password(password)


def username_taken(username: str) -> bool:
    from django.contrib.auth.models import User

    return User.objects.filter(username=username).exists()


def learner_find(
    *,
    phone: str = "",
    name: str = "",
    birth_year: int | None = None,
    phone_end: str = "",
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Learners for a desk or phone application: by a normalised mobile number (at most one,
    the number is unique), or by the exact name and birth year, narrowed by the last four
    digits of the number when given. At most `limit` rows: the caller asks for more when
    there is more than one, and never picks one itself."""
    if phone:
        found = Learner.objects.filter(phone=phone)
    elif name.strip() and birth_year is not None:
        found = Learner.objects.filter(name=name.strip(), birth_year=birth_year)
        if phone_end:
            found = found.filter(phone__endswith=phone_end)
    else:
        return []
    rows = found.order_by("id").values("id", "name", "birth_year", "phone", "district_code")
    return [dict(row) for row in rows[:limit]]


def learner_get(learner_id: int) -> dict[str, Any] | None:
    if not 0 < learner_id <= 2**63 - 1:
        return None
    found = (
        Learner.objects.filter(pk=learner_id)
        .values("id", "name", "birth_year", "phone", "email", "district_code")
        .first()
    )
    return dict(found) if found is not None else None


def learner_export(learner_id: int) -> dict[str, Any] | None:
    """Everything the learners context holds about one person (the right of access): the
    profile, the account, consents, household links and API tokens (labels and dates, never
    a digest)."""
    from learncity.learners.models import ApiToken, Consent, HouseholdLink

    learner = Learner.objects.filter(pk=learner_id).select_related("user").first()
    if learner is None:
        return None
    profile = {
        field: getattr(learner, field)
        for field in (
            "id",
            "name",
            "birth_year",
            "phone",
            "phone_verified",
            "identity_token",
            "email",
            "district_code",
            "neighbourhood_code",
            "disability",
            "low_income",
            "multicultural",
            "language",
            "created_at",
            "updated_at",
        )
    }
    user = learner.user
    return {
        "profile": profile,
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
        },
        "consents": [
            dict(row)
            for row in Consent.objects.filter(learner_id=learner_id)
            .order_by("id")
            .values("purpose", "granted_at", "withdrawn_at")
        ],
        "household": [
            dict(row)
            for row in HouseholdLink.objects.filter(proxy_id=learner_id)
            .order_by("id")
            .values("member_id", "relation", "consented_at", "withdrawn_at")
        ]
        + [
            dict(row)
            for row in HouseholdLink.objects.filter(member_id=learner_id)
            .order_by("id")
            .values("proxy_id", "relation", "consented_at", "withdrawn_at")
        ],
        "api_tokens": [
            dict(row)
            for row in ApiToken.objects.filter(user_id=user.pk)
            .order_by("id")
            .values("label", "scope", "created_at", "expires_at", "revoked_at")
        ],
    }


def learner_user_id(learner_id: int) -> int | None:
    found: int | None = (
        Learner.objects.filter(pk=learner_id).values_list("user_id", flat=True).first()
    )
    return found


def learner_eligibility(learner_id: int) -> dict[str, Any] | None:
    """The DECLARED birth year, district and groups: for statistics only (analytics'
    survey groups). Money and priority read `verified_eligibility`."""
    found = (
        Learner.objects.filter(pk=learner_id)
        .values("id", "birth_year", "district_code", "disability", "low_income", "multicultural")
        .first()
    )
    return dict(found) if found is not None else None


def staff_roles_of(user_id: int) -> list[tuple[str, int | None, str]]:
    """(role, institution id, district code) of each staff role the user holds, and the
    city administrator's for a Django superuser (one query: `learners.sql.ROLES_OF_USER`)."""
    from django.db import connection

    from learncity.learners.sql import ROLES_OF_USER

    with connection.cursor() as cursor:
        cursor.execute(ROLES_OF_USER, [user_id])
        return [(str(role), institution, district or "") for role, institution, district in cursor]


ACCESS_LOG_PER_PAGE = 50
# what each kind of access record names, in the page's language
ACCESS_WHAT_WORDS = dict(models.PersonalDataAccess.What.choices)


def access_log_page(
    *,
    staff_id: int | None = None,
    learner_id: int | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    what: str = "",
    page: int = 1,
    per_page: int = ACCESS_LOG_PER_PAGE,
) -> dict[str, Any]:
    """One page of the personal-data access log, newest first, filtered by the reader (a
    user id), the learner, the days (local dates, both included) and the kind of access
    (`what`, one of PersonalDataAccess.What); each row with the reader's user name. A page
    past the last shows the last."""
    from django.contrib.auth.models import User
    from django.core.paginator import Paginator

    from learncity.learners.models import PersonalDataAccess

    entries = PersonalDataAccess.objects.all()
    if staff_id is not None:
        entries = entries.filter(staff_id=staff_id)
    if learner_id is not None:
        entries = entries.filter(learner_id=learner_id)
    if day_from is not None:
        entries = entries.filter(at__date__gte=day_from)
    if day_to is not None:
        entries = entries.filter(at__date__lte=day_to)
    if what:
        entries = entries.filter(what=what)
    fields = ("id", "at", "staff_id", "role", "learner_id", "what", "query", "matches")
    paginator = Paginator(
        entries.order_by("-at", "-id").values(*fields, "purpose", "address"), per_page
    )
    shown = paginator.get_page(page)
    rows = [dict(row) for row in shown.object_list]
    names = dict(
        User.objects.filter(pk__in={row["staff_id"] for row in rows}).values_list("id", "username")
    )
    for row in rows:
        row["staff_name"] = names.get(row["staff_id"], "")
    return {
        "rows": rows,
        "total": paginator.count,
        "page": shown.number,
        "pages": paginator.num_pages,
    }


def user_id_by_name(username: str) -> int | None:
    """The id of the account with this exact user name."""
    from django.contrib.auth.models import User

    found: int | None = User.objects.filter(username=username).values_list("id", flat=True).first()
    return found
