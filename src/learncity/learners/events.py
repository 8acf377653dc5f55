"""What learners tells the contexts above it (through learncity.core.events; subscribers
register in their AppConfig.ready()).

- `LearnerErased`: a person's identifying fields were erased in the current transaction
  (learners.erasure.learner_erase). A subscriber lets go of what it keeps about the person in
  the same transaction and answers a dict of counts, which learner_erase reports with its own
  (analytics: the survey invitations unlinked and the comments deleted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class LearnerErased:
    learner_id: int
    at: dt.datetime
