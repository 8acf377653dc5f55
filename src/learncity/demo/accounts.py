"""Demo accounts: one per role, each with a random password printed once by `learncity demo`
and shown on the demo's own home page (demo mode only).

The passwords are demo-only: they are kept in `var/demo-accounts.json` (mode 0600, next to
the secret key) so that the demo home can show them; an account whose user was since
deleted or replaced (a fresh database) is not shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

# (user name, role, scope): institution_staff and instructor work at the demo's first
# institution, the district officer in its district; `citizen` is a learner, not staff
ROLES: list[tuple[str, str, str]] = [
    ("demo-city-admin", "city_admin", ""),
    ("demo-district-officer", "district_officer", "district"),
    ("demo-institution-staff", "institution_staff", "institution"),
    ("demo-instructor", "instructor", "institution"),
    ("demo-auditor", "auditor", ""),
    ("demo-coach", "coach", ""),
    ("demo-citizen", "citizen", ""),
]
CITIZEN = "demo-citizen"
CITIZEN_PHONE = "010-0000-0001"


def accounts_path() -> Path:
    return Path(settings.LEARNCITY_VAR) / "demo-accounts.json"


def _password() -> str:
    return f"demo-{secrets.token_urlsafe(9)}"


@transaction.atomic
def demo_accounts_create(*, institution_id: int, district_code: str) -> list[dict[str, Any]]:
    """Every demo account, each with a new random password (running the demo again gives new
    ones: the printed ones are the only ones that work). Returns [{username, role, password,
    scope}] and keeps it for the demo home."""
    from learncity.learners.services import learner_sign_up, staff_role_grant
    from learncity.learners.staff_services import DuplicateRole

    made: list[dict[str, Any]] = []
    for username, role, scope in ROLES:
        password = _password()
        user = User.objects.filter(username=username).first()
        if role == "citizen":
            if user is None:
                learner = learner_sign_up(
                    username=username,
                    password=password,
                    name="김배움 (데모)",
                    birth_year=1958,
                    phone=CITIZEN_PHONE,
                    district_code=district_code,
                )
                user = User.objects.get(pk=learner.user_id)
        else:
            if user is None:
                user = User.objects.create_user(username)
            institution = institution_id if scope == "institution" else None
            district = district_code if scope == "district" else ""
            with contextlib.suppress(DuplicateRole):  # the demo ran before: the role is there
                staff_role_grant(
                    user_id=user.pk, role=role, institution_id=institution, district_code=district
                )
        user.set_password(password)
        user.save(update_fields=["password"])
        made.append(
            {
                "username": username,
                "role": role,
                "password": password,
                "user_id": user.pk,
                "joined": user.date_joined.isoformat(),
            }
        )
    _verify_demo_citizen(made)
    _keep(made)
    return made


def _verify_demo_citizen(made: list[dict[str, Any]]) -> None:
    """The demo citizen's birth year (a senior) and district, verified by the demo's district
    officer at the desk, so that the demo shows fee waivers and resident priority (issue 19:
    only verified eligibility counts). Every run verifies again, for another year."""
    import datetime as dt

    from django.utils import timezone

    from learncity.learners.access import Actor
    from learncity.learners.eligibility import NoClaim, eligibility_verify
    from learncity.learners.selectors import learner_id_of_user

    ids = {row["role"]: int(row["user_id"]) for row in made}
    learner_id = learner_id_of_user(ids["citizen"])
    if learner_id is None:
        return
    until = timezone.localdate() + dt.timedelta(days=365)
    for kind in ("birth_year", "district"):
        with contextlib.suppress(NoClaim):  # no district given: nothing to verify
            eligibility_verify(
                actor=Actor(ids["district_officer"]),
                learner_id=learner_id,
                kind=kind,
                method="document",
                evidence="데모: 신분증 확인",
                valid_until=until,
            )


def _keep(accounts: list[dict[str, Any]]) -> None:
    path = accounts_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(accounts, ensure_ascii=False, indent=1)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def demo_accounts_shown() -> list[dict[str, Any]]:
    """The kept demo accounts whose users are still the ones they were made for."""
    try:
        kept = json.loads(accounts_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(kept, list):
        return []
    users = {
        pk: joined.isoformat()
        for pk, joined in User.objects.filter(
            pk__in=[a.get("user_id") for a in kept if isinstance(a, dict)]
        ).values_list("pk", "date_joined")
    }
    return [
        {k: a[k] for k in ("username", "role", "password")}
        for a in kept
        if isinstance(a, dict) and users.get(int(a.get("user_id") or 0)) == a.get("joined")
    ]
