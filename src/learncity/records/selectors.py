"""Reads of the learning record: a learner's entries, totals and timeline, the transcript,
their credentials, and everything the platform holds about them (the right of access).

Access goes through `learner_for_reader`: a person reads their own record; city
administrators and auditors read anyone's (read-only); nobody else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from learncity.algorithms.records import RecordLine, hours, record_totals
from learncity.attendance.record_feed import learner_enrolment_export
from learncity.catalog.selectors import category_labels
from learncity.core.vocabulary import word
from learncity.learners.access import Actor, Scope, allowed
from learncity.learners.selectors import learner_export, learner_get, learner_id_of_user
from learncity.records import credentials
from learncity.records.errors import Forbidden, NotFound
from learncity.records.models import Credential, RecordEntry


def learner_for_reader(actor: Actor, learner_id: int | None = None) -> int:
    """The learner whose record the actor may read (the policy's `records.learner_read`):
    their own (learner_id None or theirs), or anyone's for a city administrator or an
    auditor."""
    own = learner_id_of_user(actor.user_id)
    wanted = own if learner_id is None else learner_id
    if wanted is None:
        raise Forbidden(gettext("이 계정에는 학습 기록이 없습니다"))
    if not allowed(actor, "records.learner_read", Scope(own=wanted == own)):
        raise Forbidden(gettext("다른 사람의 학습 기록은 볼 수 없습니다"))
    if wanted != own and learner_get(wanted) is None:
        raise NotFound(f"no learner {wanted}")
    return wanted


_ENTRY_FIELDS = (
    "id",
    "programme_id",
    "title",
    "institution_id",
    "institution_name",
    "category",
    "middle_category",
    "start_date",
    "end_date",
    "completed_at",
    "year",
    "sessions_attended",
    "sessions_counted",
    "attendance_percent",
    "scheduled_minutes",
    "attended_minutes",
    "learning_account",
    "credit_bank",
)


def record_entries(learner_id: int) -> list[dict[str, Any]]:
    """The learner's completed courses, newest first, with hours and the credential."""
    labels = category_labels()
    creds = {
        entry_id: (str(uuid), revoked)
        for entry_id, uuid, revoked in Credential.objects.filter(learner_id=learner_id)
        .exclude(jwt="")
        .values_list("entry_id", "uuid", "revoked_at")
    }
    rows = []
    for row in (
        RecordEntry.objects.filter(learner_id=learner_id)
        .order_by("-completed_at", "-id")
        .values(*_ENTRY_FIELDS)
    ):
        credential = creds.get(row["id"])
        rows.append(
            {
                **row,
                "category_label": labels.get(row["category"], ""),
                "scheduled_hours": hours(row["scheduled_minutes"]),
                "attended_hours": hours(row["attended_minutes"]),
                "credential_uuid": credential[0] if credential else None,
                "credential_revoked": bool(credential and credential[1]),
            }
        )
    return rows


def record_summary(learner_id: int) -> dict[str, Any]:
    """Totals (courses, hours) in all, by area, by year and by institution; accredited hours."""
    entries = record_entries(learner_id)
    totals = record_totals(
        RecordLine(
            e["programme_id"],
            e["institution_id"],
            e["institution_name"],
            e["category"],
            e["year"],
            e["attended_minutes"],
            e["learning_account"],
            e["credit_bank"],
        )
        for e in entries
    )
    labels = category_labels()
    return {
        "courses": totals.courses,
        "hours": totals.hours,
        "learning_account_hours": hours(totals.learning_account_minutes),
        "credit_bank_hours": hours(totals.credit_bank_minutes),
        "by_category": [
            {
                "category": key,
                "label": labels.get(key) or word("미분류", "area"),
                "courses": b.courses,
                "hours": b.hours,
            }
            for key, b in totals.by_category.items()
        ],
        "by_year": [
            {"year": key, "courses": b.courses, "hours": b.hours}
            for key, b in totals.by_year.items()
        ],
        "by_institution": [
            {"institution": key, "courses": b.courses, "hours": b.hours}
            for key, b in totals.by_institution.items()
        ],
        "entries": entries,
    }


def transcript(learner_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The learning transcript (학습이력 증명): the person, every completed course, totals."""
    learner = learner_get(learner_id)
    if learner is None:
        raise NotFound(f"no learner {learner_id}")
    summary = record_summary(learner_id)
    return {
        "issuer": credentials.issuer_profile(),
        "issued_at": (now or timezone.now()).isoformat(),
        "learner": {"name": learner["name"], "birth_year": learner["birth_year"]},
        "totals": {k: v for k, v in summary.items() if k != "entries"},
        "courses": [
            {
                **{k: v for k, v in e.items() if k not in {"id", "credential_revoked"}},
                "completed_at": e["completed_at"].isoformat(),
                "start_date": e["start_date"].isoformat() if e["start_date"] else None,
                "end_date": e["end_date"].isoformat() if e["end_date"] else None,
            }
            for e in reversed(summary["entries"])
        ],
    }


def credential_list(learner_id: int) -> list[dict[str, Any]]:
    return [
        {
            "uuid": str(row["uuid"]),
            "title": row["entry__title"],
            "issued_at": row["issued_at"],
            "valid_until": row["valid_until"],
            "revoked_at": row["revoked_at"],
            "revocation_reason": row["revocation_reason"],
            "key_id": row["key__key_id"],
            "jwt": row["jwt"],
        }
        for row in Credential.objects.filter(learner_id=learner_id)
        .order_by("id")
        .values(
            "uuid",
            "entry__title",
            "issued_at",
            "valid_until",
            "revoked_at",
            "revocation_reason",
            "key__key_id",
            "jwt",
        )
    ]


def credential_for_holder(actor: Actor, credential_uuid: str) -> dict[str, Any]:
    """One of the actor's own credentials (404 for anyone else's: not even its existence)."""
    learner_id = learner_id_of_user(actor.user_id)
    found = (
        Credential.objects.filter(uuid=credential_uuid, learner_id=learner_id)
        .exclude(jwt="")
        .values("uuid", "jwt", "entry__title", "revoked_at")
        .first()
        if learner_id is not None and _is_uuid(credential_uuid)
        else None
    )
    if found is None:
        raise NotFound(gettext("증명서를 찾을 수 없습니다"))
    return {
        "uuid": str(found["uuid"]),
        "jwt": found["jwt"],
        "title": found["entry__title"],
        "revoked": found["revoked_at"] is not None,
        "verification_url": credentials.verification_url(str(found["uuid"])),
    }


def credential_public_jwt(credential_uuid: str) -> str | None:
    """The signed credential behind a verification link (its holder shared the link)."""
    if not _is_uuid(credential_uuid):
        return None
    found: str | None = (
        Credential.objects.filter(uuid=credential_uuid)
        .exclude(jwt="")
        .values_list("jwt", flat=True)
        .first()
    )
    return found


def _is_uuid(text: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def personal_data_export(learner_id: int, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything learncity holds about the person (개인정보 열람·이동), machine-readable:
    profile, account, consents, household links, applications, attendance, completions, the
    learning record and the credentials (as signed)."""
    held = learner_export(learner_id)
    if held is None:
        raise NotFound(f"no learner {learner_id}")
    return {
        "format": "learncity personal data export 1",
        "exported_at": (now or timezone.now()).isoformat(),
        "learner_id": learner_id,
        **held,
        **learner_enrolment_export(learner_id),
        "records": [
            {k: v for k, v in e.items() if k != "credential_revoked"}
            for e in record_entries(learner_id)
        ],
        "credentials": credential_list(learner_id),
    }


def attended_minutes_of_applications(application_ids: list[int]) -> int:
    """The completed learning (attended minutes of held sessions) of these applications, from
    the learning record: the "completed hours" of a funded project's cost per hour."""
    if not application_ids:
        return 0
    total = RecordEntry.objects.filter(application_id__in=application_ids).aggregate(
        minutes=Sum("attended_minutes")
    )["minutes"]
    return int(total or 0)
