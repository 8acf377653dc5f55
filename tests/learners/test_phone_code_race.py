"""Issue 19, finding 5 under contention: one code, used by several requests at the same
moment, creates one account (real threads, real commits: no wrapping transaction)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from learncity.learners.models import Learner, PhoneCode
from learncity.learners.phone_codes import PhoneCodeRefused, learner_sign_up_with_code
from tests.concurrency import in_threads
from tests.learners.factories import sign_up_code

PASSWORD = "Learn-city-2026!"


@pytest.mark.race
def test_one_code_used_at_once_from_four_places_makes_one_account(committed: Any) -> None:
    """The code's row is locked (PostgreSQL) or the write lock taken (SQLite) while it is
    used: of four sign-ups with one code at the same moment, one creates the account."""
    number = "01031110501"
    code = sign_up_code(Client(), number)

    def claim(index: int) -> str:
        try:
            learner_sign_up_with_code(
                code=code,
                username=f"racer{index}",
                password=PASSWORD,
                name="김시민",
                birth_year=1958,
                phone=number,
            )
        except PhoneCodeRefused:
            return "refused"
        return "created"

    results = in_threads(4, claim)
    assert sorted(results) == ["created", "refused", "refused", "refused"], results
    assert Learner.objects.filter(phone=number, phone_verified=True).count() == 1
    assert User.objects.filter(username__startswith="racer").count() == 1
    assert not PhoneCode.objects.exists()
