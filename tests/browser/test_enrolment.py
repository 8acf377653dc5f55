"""Enrolment in a real browser against `learncity serve`: two people sign up, the first
takes the only place of a real Gangnam schedule, the second is waitlisted; the first
cancels on "my applications", the second sees the place offered (추가 합격) with its
deadline and accepts it. axe-core checks the sign-up page, the programme page with the
apply form and "my applications"; the pages fit a 360 px phone.

The server writes to the database while the main test runs, so that test holds no
transaction of its own (on SQLite an open write transaction would block the server): what it
sets up is committed, and removed afterwards. The visitor test before it uses the `page`
fixture (and so `db`), which is also what makes pytest-django create the test database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.catalog.models import Programme, Schedule
from learncity.enrollment.models import Application, Offer
from learncity.learners.access import Actor
from learncity.learners.models import StaffRole
from tests.enrollment.factories import course_dates_restore, course_running, open_now

from .conftest import Site, fits_width
from .test_portal import MOBILE, axe_violations, describe

pytestmark = pytest.mark.browser

PASSWORD = "Learn-city-2026!"


@pytest.fixture(scope="module")
def offer(committed_module: None) -> Iterator[dict[str, Any]]:
    """A first-come offer with one place for a real schedule (one schedule per programme),
    opened by a city administrator through enrollment.services.offer_create."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    admin = User.objects.create_user("browser-admin", password=PASSWORD)
    StaffRole.objects.create(user=admin, role=StaffRole.Role.CITY_ADMIN)
    single = [p.pk for p in Programme.objects.order_by("id")[:200] if p.schedules.count() == 1]
    schedule = Schedule.objects.filter(programme_id__in=single).order_by("id").first()
    moved_from = course_running(schedule.pk)  # an ended course takes nobody (issue 18)
    made = open_now(
        schedule.pk,
        actor=Actor(admin.pk),
        closes_at=timezone.now() + dt.timedelta(days=2),
        accept_hours=48,
    )
    yield {"id": made.pk, "programme_id": made.programme_id}
    course_dates_restore(schedule.pk, moved_from)  # the world's dates back


def no_serious_violations(page: Any, name: str) -> None:
    serious = [v for v in axe_violations(page) if v["impact"] in {"serious", "critical"}]
    assert not serious, f"axe-core: serious or critical violations on {name}:\n" + describe(serious)


def fits_a_phone(page: Any, name: str) -> None:
    fits_width(page, MOBILE, f"{name} at 360px")


def sign_up(
    page: Any,
    site: Site,
    programme: str,
    username: str,
    name: str,
    phone: str,
    blocker: Any,
    check: bool = False,
) -> None:
    """Sign up in two steps: the number (a code is sent to it: read from the outbox, where it
    waits until sent), then the form with the code. `check`: axe-core on the second step."""
    from learncity.learners.services import normalise_phone
    from learncity.notifications.models import OutboxMessage

    page.goto(f"{site.url}/accounts/signup?next={programme}")
    page.get_by_label("휴대전화 번호 (필수)").fill(phone)
    page.get_by_role("button", name="인증번호 받기").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    if check:
        no_serious_violations(page, "the sign-up page's second step")
    with blocker.unblock():
        body = (
            OutboxMessage.objects.filter(kind="phone_code", recipient=normalise_phone(phone))
            .latest("id")
            .body
        )
    code = re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", body).group(0)
    page.get_by_label("인증번호 (필수)").fill(code)
    page.get_by_label("아이디 (필수)").fill(username)
    page.get_by_label("비밀번호 (필수)", exact=True).fill(PASSWORD)
    page.get_by_label("비밀번호 확인 (필수)").fill(PASSWORD)
    page.get_by_label("이름 (필수)").fill(name)
    page.get_by_label("태어난 해 (필수)").fill("1961")
    page.get_by_label("서비스 이용과 개인정보 처리에 동의합니다").check()
    page.get_by_role("button", name="가입하기").click()
    page.wait_for_url(re.compile(re.escape(programme) + "$"))
    expect(page.get_by_test_id("messages")).to_contain_text("가입했습니다")


def test_a_visitor_is_sent_to_sign_in_and_back(
    page: Any, site: Site, offer: dict[str, Any]
) -> None:
    programme = f"/programmes/{offer['programme_id']}"
    page.goto(site.url + programme)
    expect(page.get_by_test_id("seats-left")).to_have_text("1 / 1")
    expect(page.get_by_test_id("apply")).to_have_count(0)
    link = page.get_by_role("link", name="로그인하고 신청하기")
    expect(link).to_have_attribute("href", f"/accounts/login?next={programme}")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인")
    expect(page.locator("input[name=next]")).to_have_value(programme)
    no_serious_violations(page, "the sign-in page")


def test_first_come_waitlist_cancel_offer_accept(
    people: Any, site: Site, offer: dict[str, Any], screenshots: Path, django_db_blocker: Any
) -> None:
    programme = f"/programmes/{offer['programme_id']}"
    a, b = people(), people()

    # the sign-up page: labelled fields, no serious violation in either language, and an
    # error tied to its field
    a.goto(f"{site.url}/accounts/signup?next={programme}")
    for language in ("ko", "en"):
        a.goto(f"{site.url}/accounts/signup?lang={language}")
        no_serious_violations(a, f"the sign-up page ({language})")
    a.goto(f"{site.url}/accounts/signup?lang=ko")
    a.screenshot(path=screenshots / "signup.png", full_page=True)
    fits_a_phone(a, "the sign-up page")
    a.get_by_role("button", name="인증번호 받기").click()
    phone = a.get_by_label("휴대전화 번호 (필수)")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(a.locator("#" + phone.get_attribute("aria-describedby").split()[-1])).to_contain_text(
        "휴대전화 번호를 입력해 주세요"
    )
    no_serious_violations(a, "the sign-up page with errors")

    # A signs up and takes the only place
    sign_up(
        a, site, programme, "browser-kim", "김하나", "010-5555-0001", django_db_blocker, check=True
    )
    expect(a.get_by_test_id("seats-left")).to_have_text("1 / 1")
    no_serious_violations(a, "the programme page with the apply form")
    fits_a_phone(a, "the programme page with the apply form")
    a.get_by_test_id("apply").click()
    expect(a.get_by_test_id("messages")).to_contain_text("수강이 확정되었습니다")
    expect(a.get_by_test_id("my-application")).to_contain_text("수강 확정")
    expect(a.get_by_test_id("seats-left")).to_have_text("0 / 1")

    # B signs up in another browser and is waitlisted
    sign_up(b, site, programme, "browser-lee", "이두리", "010-5555-0002", django_db_blocker)
    b.get_by_test_id("apply").click()
    expect(b.get_by_test_id("messages")).to_contain_text("대기 1번입니다")
    expect(b.get_by_test_id("my-application")).to_contain_text("대기")

    # A cancels on "my applications"
    a.goto(site.url + "/me/applications")
    a.get_by_role("button", name=re.compile("^신청 취소")).click()
    expect(a.get_by_test_id("messages")).to_contain_text("신청을 취소했습니다")
    expect(a.locator(".applications [data-testid=status]")).to_have_text("취소")

    # B's page shows the place offered, with its deadline; B accepts it
    b.goto(site.url + "/me/applications")
    card = b.locator(".applications li.card")
    expect(card.get_by_test_id("status")).to_contain_text("추가 합격")
    with django_db_blocker.unblock():
        promoted = Application.objects.get(learner__user__username="browser-lee")
        from django.utils import timezone

        deadline = timezone.localtime(promoted.accept_by)
    assert promoted.status == "offered"
    expect(card.get_by_test_id("deadline")).to_contain_text(f"{deadline:%Y-%m-%d %H:%M}")
    no_serious_violations(b, "my applications")
    b.screenshot(path=screenshots / "my-applications.png", full_page=True)
    fits_a_phone(b, "my applications")
    card.get_by_role("button", name="수락").click()
    expect(b.get_by_test_id("messages")).to_contain_text("수강이 확정되었습니다")
    expect(card.get_by_test_id("status")).to_have_text("수강 확정")
    with django_db_blocker.unblock():
        statuses = dict(
            Application.objects.filter(offer_id=offer["id"]).values_list(
                "learner__user__username", "status"
            )
        )
        taken = Offer.objects.get(pk=offer["id"]).general_taken
    assert statuses == {"browser-kim": "cancelled", "browser-lee": "confirmed"}
    assert taken == 1
