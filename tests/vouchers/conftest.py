"""The vouchers tests' own small setting, beside the world: a registered institution with a
course, an unregistered one, a voucher programme and a citizen holding a voucher of it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vouchers.factories import admin, course, institution, issued, person, programme


@pytest.fixture
def holder(db: None) -> dict[str, Any]:
    city = admin()
    place = institution("강남구평생학습관")
    other = institution("등록 안 된 학원")
    lesson = course(place, fee=90_000)
    made = programme(city, place)
    learner, citizen = person(1980)
    return {
        "admin": city,
        "place": place,
        "other": other,
        "course": lesson,
        "programme": made,
        "learner": learner,
        "citizen": citizen,
        "voucher": issued(city, made, learner),
    }
