"""What attendance does when enrolment tells or asks it something (learncity.core.events;
registered in AttendanceConfig.ready())."""

from __future__ import annotations

from learncity.attendance.selectors import no_show_counts
from learncity.attendance.services import checkin_code_send, checkin_code_statement
from learncity.core import events
from learncity.enrollment.events import (
    BatchAddition,
    NoShowsAsked,
    PlaceConfirmed,
    PlaceConfirming,
)


def checkin_code_for_new_place(event: PlaceConfirming) -> BatchAddition:
    """The first check-in code of a place confirmed at apply, in apply's own batch (no extra
    round trip), and its link for the confirmation message."""
    statement, link = checkin_code_statement(
        entered_by_id=event.entered_by_id, idempotency_key=event.idempotency_key, now=event.now
    )
    return BatchAddition(statements=[statement], message_values={"checkin": link})


def checkin_code_for_confirmed_place(event: PlaceConfirmed) -> None:
    """A place confirmed later (accepted, drawn): its check-in code as its own message."""
    checkin_code_send(application_id=event.application_id)


def no_shows(question: NoShowsAsked) -> dict[int, int]:
    return no_show_counts(learner_ids=list(question.learner_ids), now=question.now)


def register() -> None:
    events.subscribe(PlaceConfirming, checkin_code_for_new_place)
    events.subscribe(PlaceConfirmed, checkin_code_for_confirmed_place)
    events.answer(NoShowsAsked, no_shows)
