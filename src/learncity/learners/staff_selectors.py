"""Reads of the city office's side of learners: who holds which staff role, the invitations
not yet accepted, the staff audit log, API tokens (never their digests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from learncity.learners.access import Actor, Scope, allowed
from learncity.learners.models import (
    API_TOKEN_DAYS,
    ApiToken,
    StaffAudit,
    StaffInvitation,
    StaffRole,
)

# what a page offers when issuing a token (learners.services.api_token_terms_check decides)
TOKEN_DAYS_DEFAULT = API_TOKEN_DAYS
TOKEN_SCOPE_CHOICES = ApiToken.Scope.choices
TOKEN_SCOPE_DEFAULT = ApiToken.Scope.READ.value


def _names(
    institution_ids: set[Any], district_codes: set[str]
) -> tuple[dict[int, str], dict[str, str]]:
    from learncity.catalog.selectors import institution_names
    from learncity.regions.selectors import region_refs_by_code

    institutions = institution_names(sorted(i for i in institution_ids if i is not None))
    districts = {
        ref.code: ref.full_name or ref.name
        for ref in region_refs_by_code(sorted(c for c in district_codes if c))
    }
    return institutions, districts


def _scope_words(
    row: Mapping[str, Any], institutions: dict[int, str], districts: dict[str, str]
) -> str:
    institution: int | None = row.get("institution_id")
    if institution:
        return institutions.get(institution, f"#{institution}")
    code: str = row.get("district_code") or ""
    return districts.get(code, code) if code else ""


def role_choices() -> list[tuple[str, str]]:
    """(value, label) of every staff role, for a form."""
    return [(str(value), str(label)) for value, label in StaffRole.Role.choices]


def role_label(role: str) -> str:
    return str(StaffRole.Role(role).label) if role in StaffRole.Role.values else role


def staff_list() -> list[dict[str, Any]]:
    """Every staff role held, grouped by person (user name order), with its scope in words,
    and every Django superuser (who holds the city administrator's role)."""
    roles = list(
        StaffRole.objects.order_by("user__username", "role", "id").values(
            "id",
            "user_id",
            "user__username",
            "user__email",
            "user__is_active",
            "user__last_login",
            "role",
            "institution_id",
            "district_code",
            "granted_at",
        )
    )
    institutions, districts = _names(
        {r["institution_id"] for r in roles}, {r["district_code"] for r in roles}
    )
    people: dict[int, dict[str, Any]] = {}
    for row in roles:
        person = people.setdefault(
            row["user_id"],
            {
                "user_id": row["user_id"],
                "username": row["user__username"],
                "email": row["user__email"],
                "active": row["user__is_active"],
                "last_login": row["user__last_login"],
                "superuser": False,
                "roles": [],
            },
        )
        person["roles"].append(
            {
                "id": row["id"],
                "role": row["role"],
                "role_label": str(StaffRole.Role(row["role"]).label),
                "institution_id": row["institution_id"],
                "district_code": row["district_code"],
                "scope": _scope_words(row, institutions, districts),
                "granted_at": row["granted_at"],
            }
        )
    for user in User.objects.filter(is_superuser=True).values(
        "id", "username", "email", "is_active", "last_login"
    ):
        person = people.setdefault(
            user["id"],
            {
                "user_id": user["id"],
                "username": user["username"],
                "email": user["email"],
                "active": user["is_active"],
                "last_login": user["last_login"],
                "roles": [],
            },
        )
        person["superuser"] = True
    return sorted(people.values(), key=lambda p: str(p["username"]))


def invitations_open(*, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Invitations neither accepted nor revoked, newest first, with whether they expired."""
    now = now or timezone.now()
    rows = list(
        StaffInvitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at", "-id")
        .values(
            "id",
            "email",
            "user__username",
            "role",
            "institution_id",
            "district_code",
            "created_at",
            "expires_at",
            "invited_by__username",
        )[:200]
    )
    institutions, districts = _names(
        {r["institution_id"] for r in rows}, {r["district_code"] for r in rows}
    )
    return [
        {
            **row,
            "role_label": str(StaffRole.Role(row["role"]).label),
            "scope": _scope_words(row, institutions, districts),
            "expired": row["expires_at"] <= now,
        }
        for row in rows
    ]


def staff_audit(*, limit: int = 100) -> list[dict[str, Any]]:
    """The latest changes of staff access, newest first."""
    rows = list(
        StaffAudit.objects.order_by("-at", "-id").values(
            "id",
            "at",
            "actor_id",
            "actor_label",
            "change",
            "subject_id",
            "subject_label",
            "role",
            "institution_id",
            "district_code",
            "detail",
        )[:limit]
    )
    institutions, districts = _names(
        {r["institution_id"] for r in rows}, {r["district_code"] for r in rows}
    )
    return [
        {
            **row,
            "change_label": str(StaffAudit.Change(row["change"]).label),
            "role_label": str(StaffRole.Role(row["role"]).label) if row["role"] else "",
            "scope": _scope_words(row, institutions, districts),
        }
        for row in rows
    ]


def _token_rows(found: Any, now: dt.datetime | None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    rows = found.order_by("revoked_at", "-created_at", "-id").values(
        "id",
        "user_id",
        "user__username",
        "label",
        "scope",
        "created_at",
        "expires_at",
        "revoked_at",
    )[:500]
    listed = []
    for row in rows:
        state = (
            "revoked"
            if row["revoked_at"] is not None
            else ("expired" if row["expires_at"] <= now else "live")
        )
        listed.append(
            {
                **row,
                "username": row["user__username"],
                "scope_label": str(ApiToken.Scope(row["scope"]).label),
                "state": state,
                "live": state == "live",
            }
        )
    return listed


def tokens_list(
    *, user_id: int | None = None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """API tokens (of one user, or all): label, holder, scope and dates, never a digest; its
    state "live", "expired" or "revoked"; unrevoked ones first, newest first."""
    found = ApiToken.objects.all() if user_id is None else ApiToken.objects.filter(user_id=user_id)
    return _token_rows(found, now)


def token_get(token_id: int) -> dict[str, Any] | None:
    """One token as tokens_list shows it, or None."""
    if not 0 < token_id <= 2**63 - 1:
        return None
    found = _token_rows(ApiToken.objects.filter(pk=token_id), None)
    return found[0] if found else None


def tokens_for(actor: Actor) -> list[dict[str, Any]]:
    """The API tokens the actor may see: their own, or every one for whoever may manage
    anyone's (a city administrator)."""
    everyone = allowed(actor, "learners.token_manage", Scope(own=False))
    return tokens_list(user_id=None if everyone else actor.user_id)


def token_owner(token_id: int) -> int | None:
    if not 0 < token_id <= 2**63 - 1:
        return None
    found: int | None = (
        ApiToken.objects.filter(pk=token_id).values_list("user_id", flat=True).first()
    )
    return found


def is_staff_user(actor: Actor) -> bool:
    """Whether the person holds any staff role (where they land after signing in)."""
    return allowed(actor, "portal.staff_enter")
