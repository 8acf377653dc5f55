"""What search asks the contexts above it (through learncity.core.events).

- `RegistrationAsked`: the registration status of the programmes whose status is not the
  published window's (enrolment answers: those with an enrolment offer, by the one status
  function, enrollment.selectors.registration_statuses), so that a result says what the
  programme's page says and `?status=open` finds exactly the open offers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RegistrationAsked:
    today: dt.date
