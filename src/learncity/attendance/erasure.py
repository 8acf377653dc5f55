"""What enrolment lets go of when a person closes their account (records.services.account_erase
calls it in the same transaction): their check-in codes stop working. Applications, attendance
and completions stay (on the pseudonymous learner row) for the city's statistics."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from learncity.attendance.models import CheckinToken


def checkin_codes_revoke_for_learner(*, learner_id: int, now: dt.datetime | None = None) -> int:
    """Every live check-in code of the person stops working; how many were live."""
    return CheckinToken.objects.filter(
        application__learner_id=learner_id, revoked_at__isnull=True
    ).update(revoked_at=now or timezone.now())
