"""Real mode never mixes demo activity into real data (issue 18): `learncity demo` with the
real data loads only the real data; `--demo-activity` adds demo enrolment, a demo voucher and
demo projects, and then every one of them is labelled (데모)."""

from __future__ import annotations

from pathlib import Path

import pytest

from learncity.catalog.models import Schedule
from learncity.demo.load import demo_load
from learncity.enrollment.models import Offer
from learncity.vouchers.models import FundedProject, VoucherProgramme
from tests.enrollment.factories import course_running

pytestmark = [pytest.mark.django_db, pytest.mark.shared_data, pytest.mark.slow]


def _invented() -> dict[str, int]:
    return {
        "offers": Offer.objects.count(),
        "voucher_programmes": VoucherProgramme.objects.count(),
        "projects": FundedProject.objects.count(),
        "labelled": VoucherProgramme.objects.filter(name__contains="데모").count()
        + FundedProject.objects.filter(name__contains="데모").count(),
    }


def test_loading_only_the_real_data_adds_no_demo_offer_voucher_or_project(
    world, shared_data: Path
) -> None:
    Offer.objects.all().delete()  # what the world's tests added is not the question here
    before = _invented()
    assert before == {"offers": 0, "voucher_programmes": 0, "projects": 0, "labelled": 0}
    loaded = demo_load(data_dir=shared_data)
    assert loaded["mode"] == "real" and loaded["courses"]["rows"] > 0
    assert "offers" not in loaded and "vouchers" not in loaded and "accounts" not in loaded
    assert _invented() == before
    # asked for, the demo activity comes, and labelled as demo, on courses that have not
    # ended (the real ones have by now: a few are moved into the present)
    for schedule_id in Schedule.objects.order_by("id").values_list("id", flat=True)[:8]:
        course_running(schedule_id)
    again = demo_load(data_dir=shared_data, demo_activity=True)
    assert again["demo_activity"] is True and again["offers"] > 0
    added = _invented()
    assert added["offers"] == again["offers"]
    assert added["voucher_programmes"] == 1 and added["projects"] == 3
    assert added["labelled"] == added["voucher_programmes"] + added["projects"]
