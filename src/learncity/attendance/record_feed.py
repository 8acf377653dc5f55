"""What enrolment hands to the learning record (records): completion events are taken
exactly once (`completion_event_consume`, a conditional UPDATE), and a person's applications,
attendance and completions for the right of access (`learner_enrolment_export`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from learncity.attendance.models import Attendance, CompletionEvent
from learncity.enrollment.models import Application


def completion_event_consume(*, event_id: int, now: dt.datetime) -> bool:
    """Mark a completion event consumed; False when it was consumed before (or is unknown).
    Run it in the transaction that writes what the event caused, so both happen or neither."""
    return bool(
        CompletionEvent.objects.filter(pk=event_id, consumed_at__isnull=True).update(
            consumed_at=now
        )
    )


def completion_event_schedule(event_id: int) -> int | None:
    """The schedule of an event's offer."""
    found: int | None = (
        CompletionEvent.objects.filter(pk=event_id)
        .values_list("offer__schedule_id", flat=True)
        .first()
    )
    return found


def learner_enrolment_export(learner_id: int) -> dict[str, Any]:
    """The person's own applications (not those of household members), every attendance
    mark on them, and their completion events."""
    applications = [
        dict(row)
        for row in Application.objects.filter(learner_id=learner_id)
        .order_by("id")
        .values(
            "id",
            "offer_id",
            "programme_id",
            "status",
            "seat",
            "channel",
            "accept_by",
            "created_at",
            "updated_at",
        )
    ]
    attendance = [
        dict(row)
        for row in Attendance.objects.filter(application__learner_id=learner_id)
        .order_by("id")
        .values("application_id", "session_id", "status", "method", "checked_in_at", "note")
    ]
    completions = [
        dict(row)
        for row in CompletionEvent.objects.filter(learner_id=learner_id)
        .order_by("id")
        .values("application_id", "offer_id", "at", "attended", "sessions", "rate_percent")
    ]
    return {"applications": applications, "attendance": attendance, "completions": completions}
