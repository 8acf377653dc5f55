"""The console on a phone (issue 18, item 7): at 360×740 no console page scrolls sideways
(wide tables scroll inside their own container), the district and institution are picked
by name, and the annual report is built in the background while its page shows the
progress (HTMX polling) until the file can be downloaded; axe-core finds no serious or
critical violation on the pages visited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.learners.models import StaffRole

from .conftest import Site
from .test_enrolment import no_serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "Console-phone-2026!"
PHONE = {"width": 360, "height": 740}
GANGNAM = "1168000000"
PAGES = (
    "/console/?year=2026",
    "/console/indicators/?year=2026",
    "/console/indicators/supply.programmes_per_10k/?year=2026",
    "/console/indicators/supply.programmes_per_10k/?year=2026&level=programme&parent=" + GANGNAM,
    "/console/lookalikes/?year=2026",
    "/console/survey/?year=2026",
    "/console/delivery/?year=2026",
    "/console/planning/",
)

WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement.closest('.console-table, .table-scroll, figure'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def city_admin(committed_module: None) -> str:
    from django.contrib.auth.models import User

    user = User.objects.create_user("browser-console-phone", password=PASSWORD)
    StaffRole.objects.create(user=user, role=StaffRole.Role.CITY_ADMIN)
    return "browser-console-phone"


def _sign_in(page: Any, site: Site, who: str, path: str) -> None:
    page.goto(site.url + path)
    page.get_by_label("아이디 (필수)").fill(who)
    page.get_by_label("비밀번호 (필수)").fill(PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()


def test_the_console_at_360_px(
    browser: Any, site: Site, city_admin: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport=PHONE, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        _sign_in(page, site, city_admin, PAGES[0])
        expect(page.get_by_role("heading", level=1)).to_have_text("평생학습 현황 대시보드")
        for path in PAGES:
            page.goto(site.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width, page.evaluate(WIDEST))
        page.goto(site.url + PAGES[0])
        page.screenshot(path=str(screenshots / "console-dashboard-mobile.png"), full_page=True)
        no_serious_violations(page, "the console dashboard at 360 px")
        assert not errors, errors
    finally:
        context.close()


def test_pickers_by_name_and_the_report_in_the_background(
    browser: Any, site: Site, city_admin: str
) -> None:
    context = browser.new_context(viewport=PHONE, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    try:
        _sign_in(page, site, city_admin, "/console/indicators/?year=2026")
        page.get_by_label("시·군·구").select_option(label="강남구")
        page.get_by_role("button", name="조회").click()
        expect(page).to_have_url(re.compile(rf"/console/indicators/\?.*district={GANGNAM}"))
        expect(page.get_by_label("시·군·구")).to_have_value(GANGNAM)
        page.goto(site.url + "/console/?year=2026")
        page.get_by_role("button", name="HTML").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("연차 평가 보고서")
        # the page polls its status until the file is ready, without a reload
        link = page.get_by_test_id("report-file")
        expect(link).to_be_visible(timeout=240_000)
        expect(page.get_by_test_id("report-job")).to_have_attribute("data-status", "done")
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == "learncity-report-2026.html"
        no_serious_violations(page, "the report's page")
        assert not errors, errors
    finally:
        context.close()
