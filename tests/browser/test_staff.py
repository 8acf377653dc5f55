"""The staff pages in a real browser against `learncity serve`: a member of the institution's
staff signs in, finds a real Gangnam schedule in the picker, opens enrolment with one place
(after an error tied to its field), takes a telephone application for one person found by a
mobile number typed with spaces and a desk application for another found by name and birth
year, and sees the second one first on the waiting list. axe-core checks the picker, the
form with its error, the desk page and the offer page (Korean and English); the offer page
fits a 360 px phone.

The server writes while the test runs, so the test holds no transaction of its own: what
it sets up is committed, and removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.catalog.models import Programme
from learncity.enrollment.models import Application
from learncity.learners.models import StaffRole
from learncity.learners.services import learner_sign_up

from .conftest import DESKTOP, Site
from .test_enrolment import fits_a_phone, no_serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Learn-city-2026!"


@pytest.fixture(scope="module")
def desk_world(committed_module: None) -> dict[str, Any]:
    """A member of the staff of the institution that runs the real courses, a course of that
    institution that has not started yet (the real file's courses have all ended by now, and
    an ended course takes no application), and two citizens to apply for."""
    from django.contrib.auth.models import User

    from tests.catalog.factories import programme, weekly_schedule

    real = Programme.objects.order_by("id").first()
    course = programme(real.institution, title="민원서류 발급 따라하기 (현장 접수 시험)")
    monday = dt.date.today() + dt.timedelta(days=14 - dt.date.today().weekday())
    schedule = weekly_schedule(course, start=monday, weeks=6)
    staff = User.objects.create_user("browser-staff", password=PASSWORD)
    StaffRole.objects.create(
        user=staff,
        role=StaffRole.Role.INSTITUTION_STAFF,
        institution_id=schedule.programme.institution_id,
    )
    for username, name, phone in (
        ("desk-first", "한가람", "01055551001"),
        ("desk-second", "윤보라", "01055551002"),
    ):
        learner_sign_up(
            username=username, password=PASSWORD, name=name, birth_year=1949, phone=phone
        )
    found = {
        "schedule_id": schedule.pk,
        "title": schedule.programme.display_title or schedule.programme.title,
    }
    return found


def local_minute(moment: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%dT%H:%M")


def test_visitors_sign_in_first_and_citizens_are_refused(page: Any, site: Site) -> None:
    """A visitor is sent to the sign-in page and back; a citizen without a staff role gets
    the 403 page, readable and accessible. (This test uses the `page` fixture, and so `db`,
    which is what makes pytest-django set up the test database the server reads.)"""
    page.goto(site.url + "/staff/offers?state=waitlist")
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인")
    expect(page.locator("input[name=next]")).to_have_value("/staff/offers?state=waitlist")
    answer = page.request.get(site.url + "/staff/offers/1/desk", max_redirects=0)
    assert answer.status == 302 and "/accounts/login?next=" in answer.headers["location"]


def test_staff_open_an_offer_take_desk_applications_and_see_the_waiting_list(
    browser: Any,
    site: Site,
    desk_world: dict[str, Any],
    screenshots: Path,
    django_db_blocker: Any,
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    schedule_id, title = desk_world["schedule_id"], desk_world["title"]
    try:
        # sign in; staff pages for a visitor lead to the sign-in page first
        page.goto(site.url + "/staff/offers")
        expect(page.get_by_role("heading", level=1)).to_have_text("로그인")
        page.get_by_label("아이디 (필수)").fill("browser-staff")
        page.get_by_label("비밀번호 (필수)").fill(PASSWORD)
        page.get_by_role("button", name="로그인", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("수강신청 관리")
        expect(page.get_by_test_id("offer-count")).to_contain_text("0")
        no_serious_violations(page, "the staff offer list")

        # the schedule picker: find the programme by its title, open the form
        page.get_by_role("link", name="새 수강신청 열기").first.click()
        page.get_by_label("강좌 이름").fill(title)
        page.get_by_role("button", name="찾기").click()
        no_serious_violations(page, "the schedule picker")
        page.get_by_role("link", name=f"수강신청 열기: {title} ({schedule_id})").click()
        expect(page.get_by_test_id("schedule-id")).to_have_text(str(schedule_id))
        no_serious_violations(page, "the form that opens an offer")

        # an error tied to its field, then the offer: one place, open since an hour ago
        capacity = page.get_by_label("정원 (필수)")
        capacity.fill("-1")
        page.get_by_test_id("open-offer").click()
        expect(capacity).to_have_attribute("aria-invalid", "true")
        described = capacity.get_attribute("aria-describedby").split()
        expect(page.locator(f"#{described[-1]}")).to_contain_text("1 이상이어야 합니다")
        no_serious_violations(page, "the offer form with an error")
        now = dt.datetime.now(dt.UTC)
        capacity.fill("1")
        page.get_by_label("신청 시작 (필수)").fill(local_minute(now - dt.timedelta(hours=1)))
        page.get_by_label("신청 마감 (필수)").fill(local_minute(now + dt.timedelta(days=3)))
        page.get_by_label("선착순", exact=True).check()
        page.get_by_test_id("open-offer").click()
        expect(page.get_by_test_id("messages")).to_contain_text("수강신청을 열었습니다")
        expect(page.get_by_test_id("general-seats")).to_have_text("0 / 1")
        offer_url = page.url
        assert re.search(r"/staff/offers/\d+$", offer_url), offer_url

        # a telephone application for a person found by a number typed with spaces
        page.get_by_test_id("desk-link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("방문·전화 신청 받기")
        no_serious_violations(page, "the desk page")
        page.get_by_label("휴대전화 번호", exact=True).fill("010 5555 1001")
        page.get_by_test_id("desk-search").click()
        expect(page.get_by_test_id("found-name")).to_have_text("한가람")
        expect(page.get_by_test_id("found")).to_contain_text("010-****-1001")
        no_serious_violations(page, "the desk page with the person found")
        page.get_by_label("전화 접수").check()
        page.get_by_test_id("desk-submit").click()
        expect(page.get_by_test_id("messages")).to_contain_text("한가람 (1949): 수강 확정")

        # a desk application for a person found by name and birth year: the waiting list
        page.get_by_label("이름", exact=True).fill("윤보라")
        page.get_by_label("태어난 해", exact=True).fill("1949")
        page.get_by_test_id("desk-search").click()
        expect(page.get_by_test_id("found-name")).to_have_text("윤보라")
        page.get_by_test_id("desk-submit").click()
        expect(page.get_by_test_id("messages")).to_contain_text("윤보라 (1949): 대기 1번")

        # the offer page: the confirmed person, the waiting list in order, the audit log
        page.goto(offer_url)
        expect(page.get_by_test_id("confirmed")).to_contain_text("한가람")
        expect(page.get_by_test_id("confirmed")).to_contain_text("전화 접수")
        waiting = page.get_by_test_id("waitlisted").locator("tbody tr")
        expect(waiting).to_have_count(1)
        expect(waiting.first.get_by_test_id("position")).to_have_text("1")
        expect(waiting.first).to_contain_text("윤보라")
        expect(page.get_by_test_id("count-waitlisted")).to_contain_text("1")
        expect(page.get_by_test_id("audit")).to_contain_text("신청 · 대기")
        no_serious_violations(page, "the offer page with its lists")
        page.screenshot(path=screenshots / "staff-offer.png", full_page=True)
        fits_a_phone(page, "the staff offer page")
        page.goto(offer_url + "?lang=en")
        expect(page.get_by_role("heading", name="Waiting list (in order)")).to_be_visible()
        no_serious_violations(page, "the offer page in English")
        # a citizen without a staff role: the 403 page, in words
        citizen = browser.new_context(viewport=DESKTOP, locale="ko-KR")
        other = citizen.new_page()
        other.goto(site.url + "/accounts/login")
        other.get_by_label("아이디 (필수)").fill("desk-first")
        other.get_by_label("비밀번호 (필수)").fill(PASSWORD)
        other.get_by_role("button", name="로그인", exact=True).click()
        answer = other.goto(offer_url)
        assert answer is not None and answer.status == 403
        expect(other.get_by_test_id("refusal")).to_contain_text("직원만 볼 수 있는 페이지입니다")
        no_serious_violations(other, "the 403 page")
        citizen.close()
    finally:
        context.close()
    assert not errors, f"the pages went wrong: {errors}"
    with django_db_blocker.unblock():
        statuses = sorted(
            Application.objects.filter(offer__schedule_id=schedule_id).values_list(
                "learner__name", "channel", "status"
            )
        )
    assert statuses == [("윤보라", "desk", "waitlisted"), ("한가람", "phone", "confirmed")]
