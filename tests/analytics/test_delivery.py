"""Delivery-system inputs of the annual report: validation, scope of who may enter them,
defaults when nothing was entered, corrections that keep what was not given."""

from __future__ import annotations

import itertools
import re

import pytest
from django.contrib.auth.models import User

from learncity.analytics.delivery import (
    DeliveryInputForbidden,
    DeliveryInputInvalid,
    delivery_input_get,
    delivery_input_list,
    delivery_input_save,
)
from learncity.learners.access import Actor
from learncity.learners.models import StaffRole

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def staff(role: str, **scope: object) -> Actor:
    user = User.objects.create_user(f"deliv{next(_n)}", password="x-Deliv-2026")
    StaffRole.objects.create(user=user, role=role, **scope)
    return Actor(user.pk)


def test_nothing_entered_reads_as_zeros() -> None:
    found = delivery_input_get(2026)
    assert found.entered is False
    assert (found.budget_krw, found.staff_count, found.study_groups) == (0, 0, 0)
    assert found.region_code == ""


def test_city_admin_enters_and_corrects_the_city() -> None:
    admin = staff(StaffRole.Role.CITY_ADMIN)
    saved = delivery_input_save(
        admin, 2026, None, budget_krw="1,250,000,000", staff_count=7, council_meetings=2,
        ordinances=1, study_groups=143, notes=" 평생학습도시 재지정 ",
    )  # fmt: skip
    assert saved.entered is True
    assert saved.budget_krw == 1_250_000_000
    assert saved.notes == "평생학습도시 재지정"
    assert saved.entered_by_id == admin.user_id
    corrected = delivery_input_save(admin, 2026, "", staff_count=8)
    assert corrected.staff_count == 8
    assert corrected.budget_krw == 1_250_000_000  # not given: kept
    assert corrected.study_groups == 143
    assert [d.region_code for d in delivery_input_list(2026)] == [""]
    assert delivery_input_get(2025).entered is False


def test_district_officer_only_their_district() -> None:
    officer = staff(StaffRole.Role.DISTRICT_OFFICER, district_code="1168000000")
    saved = delivery_input_save(officer, 2026, "1168000000", study_groups=12)
    assert saved.study_groups == 12
    with pytest.raises(DeliveryInputForbidden):
        delivery_input_save(officer, 2026, "1165000000", study_groups=3)
    with pytest.raises(DeliveryInputForbidden):
        delivery_input_save(officer, 2026, None, study_groups=3)  # the city is not theirs
    assert delivery_input_get(2026, "1165000000").entered is False


@pytest.mark.parametrize(
    "role", [StaffRole.Role.INSTRUCTOR, StaffRole.Role.INSTITUTION_STAFF, StaffRole.Role.AUDITOR]
)
def test_other_roles_are_refused(role: str) -> None:
    with pytest.raises(DeliveryInputForbidden):
        delivery_input_save(staff(role), 2026, None, staff_count=1)


def test_citizen_is_refused() -> None:
    user = User.objects.create_user("citizen-deliv", password="x-Deliv-2026")
    with pytest.raises(DeliveryInputForbidden):
        delivery_input_save(Actor(user.pk), 2026, None, staff_count=1)


@pytest.mark.parametrize(
    ("year", "fields"),
    [
        (1999, {"staff_count": 1}),
        (2101, {"staff_count": 1}),
        ("twenty", {"staff_count": 1}),
        (2026, {"staff_count": -1}),
        (2026, {"budget_krw": "-5"}),
        (2026, {"ordinances": 1.5}),
        (2026, {"council_meetings": "세 번"}),
        (2026, {"study_groups": 2**31}),
        (2026, {"budget_krw": 2**63}),
        (2026, {"salary": 1}),
        (2026, {"notes": "가" * 4001}),
    ],
)
def test_bad_input_is_refused_and_nothing_written(year: object, fields: dict[str, object]) -> None:
    admin = staff(StaffRole.Role.CITY_ADMIN)
    with pytest.raises(DeliveryInputInvalid) as caught:
        delivery_input_save(admin, year, None, **fields)  # type: ignore[arg-type]
    message = caught.value.message  # one message in the reader's language (Korean here)
    assert re.search("[가-힣]", message) and not re.search(r"[·/] [a-z]{3,}", message), message
    assert delivery_input_list(2026) == []


def test_bad_region_code_is_refused() -> None:
    admin = staff(StaffRole.Role.CITY_ADMIN)
    with pytest.raises(DeliveryInputInvalid):
        delivery_input_save(admin, 2026, "gangnam'; --", staff_count=1)
    with pytest.raises(DeliveryInputInvalid):
        delivery_input_get(2026, "12345678901")


def test_as_dict_is_json_ready() -> None:
    admin = staff(StaffRole.Role.CITY_ADMIN)
    row = delivery_input_save(admin, 2026, None, staff_count=3).as_dict()
    assert row["staff_count"] == 3 and row["entered"] is True
    assert isinstance(row["updated_at"], str)
