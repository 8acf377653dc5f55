"""What analytics does when a lower context tells it something (learncity.core.events;
registered in AnalyticsConfig.ready()). Both run inside the publisher's transaction."""

from __future__ import annotations

from learncity.analytics.survey import survey_forget_learner, survey_invite
from learncity.attendance.events import CompletionEmitted
from learncity.core import events
from learncity.learners.events import LearnerErased


def survey_invite_on_completion(event: CompletionEmitted) -> bool:
    """The satisfaction survey: one invitation (and its message) per completion."""
    return survey_invite(
        completion_id=event.completion_id,
        application_id=event.application_id,
        offer_id=event.offer_id,
        learner_id=event.learner_id,
        now=event.at,
    )


def survey_forget_on_erasure(event: LearnerErased) -> dict[str, int]:
    """An erased person's invitations lose their link and comments; ratings stay, anonymous."""
    return survey_forget_learner(learner_id=event.learner_id)


def register() -> None:
    events.subscribe(CompletionEmitted, survey_invite_on_completion)
    events.subscribe(LearnerErased, survey_forget_on_erasure)
