"""What enrolment tells, and asks, the contexts above it (through learncity.core.events;
subscribers register in their AppConfig.ready()).

- `PlaceConfirming`: an application is being written as confirmed in the current batch
  (apply, first come). A subscriber may answer a `BatchAddition`: statements to run in the
  same batch after the application's insert, and values for its confirmation message
  (attendance: the first check-in code and its link).
- `PlaceConfirmed`: an existing application became confirmed (accepted after the waiting
  list, drawn in the lottery), in the current transaction (attendance: send the code).
- `NoShowsAsked`: how many sessions each person missed (attendance answers), for the
  lottery's no-show rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlaceConfirming:
    entered_by_id: int
    idempotency_key: str
    now: dt.datetime


@dataclass(frozen=True)
class BatchAddition:
    statements: list[Any] = field(default_factory=list)  # learncity.core.sql.Statement
    message_values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceConfirmed:
    application_id: int


@dataclass(frozen=True)
class NoShowsAsked:
    learner_ids: tuple[int, ...]
    now: dt.datetime
