"""Domain events: how a lower context tells a higher one what happened, and asks it what
only the higher one knows, without importing it (the layers contract forbids upward imports).

The lower context defines its events and questions as frozen dataclasses in its own
`events.py` and publishes them where the thing happens, inside its transaction. A higher
context subscribes in its `AppConfig.ready()`:

    events.subscribe(CompletionEmitted, survey_invite_on_completion)

- `publish(event)` runs every subscriber at once, inside the publisher's transaction: what
  a subscriber writes commits or rolls back with its cause, so a consequence is never lost
  and never outlives a rolled-back cause (a completion and its survey invitation; an erasure
  and the survey answers it anonymises; a confirmed place and its check-in code). Work that
  must wait for the commit (a message sent, a cache dropped) is deferred by the subscriber
  with `transaction.on_commit`, or subscribed with `on_commit=True`. `publish` returns what
  the in-transaction subscribers returned, in subscription order (a subscriber may hand the
  publisher statements for its own batch).
- `ask(question)` has exactly one answerer (`answer(Question, fn)`): a lower context asks a
  higher one for a figure it needs to decide (enrolment asks attendance for no-show counts).

The registry is filled once per process by the apps' `ready()`; nothing here imports a
context.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.db import transaction

from learncity.core.errors import ConfigurationError

E = TypeVar("E")

_subscribers: defaultdict[type, list[tuple[Callable[[Any], Any], bool]]] = defaultdict(list)
_answerers: dict[type, Callable[[Any], Any]] = {}


def subscribe(event_type: type[E], handler: Callable[[E], Any], *, on_commit: bool = False) -> None:
    """Call `handler(event)` for every published event of this type (once per handler, even
    when an app's ready() runs twice)."""
    entry = (handler, on_commit)
    if entry not in _subscribers[event_type]:
        _subscribers[event_type].append(entry)


def publish(event: object) -> list[Any]:
    """Run the subscribers of the event's type; what the in-transaction ones returned."""
    answers = []
    for handler, on_commit in _subscribers.get(type(event), []):
        if on_commit:
            transaction.on_commit(partial(handler, event))
        else:
            answers.append(handler(event))
    return answers


def answer(question_type: type[E], answerer: Callable[[E], Any]) -> None:
    """Register the one answerer of a question type."""
    known = _answerers.get(question_type)
    if known is not None and known is not answerer:
        raise ConfigurationError(f"{question_type.__name__} has an answerer already")
    _answerers[question_type] = answerer


def ask(question: Any) -> Any:
    """The answer of the question's one answerer."""
    answerer = _answerers.get(type(question))
    if answerer is None:
        raise ConfigurationError(
            f"nobody answers {type(question).__name__}: is the context that does installed?"
        )
    return answerer(question)


def subscribers_of(event_type: type) -> list[Callable[[Any], Any]]:
    """The handlers of an event type (for tests and the architecture page)."""
    return [handler for handler, _ in _subscribers.get(event_type, [])]
