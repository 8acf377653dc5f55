"""What records answers when a lower context asks it (learncity.core.events; registered in
RecordsConfig.ready())."""

from __future__ import annotations

from learncity.core import events
from learncity.records.selectors import attended_minutes_of_applications
from learncity.vouchers.events import CompletedMinutesAsked


def completed_minutes(question: CompletedMinutesAsked) -> int:
    return attended_minutes_of_applications(list(question.application_ids))


def register() -> None:
    events.answer(CompletedMinutesAsked, completed_minutes)
