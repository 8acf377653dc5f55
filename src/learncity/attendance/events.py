"""What attendance tells the contexts above it (through learncity.core.events; subscribers
register in their AppConfig.ready()).

- `CompletionEmitted`: a completion event was written in the current transaction, once per
  application (analytics: the satisfaction survey's invitation and its message, in the same
  transaction).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CompletionEmitted:
    completion_id: int
    application_id: int
    offer_id: int
    learner_id: int
    at: dt.datetime
