"""The Content-Security-Policy breaks nothing (issue 19, finding 15): in Chromium against
`learncity serve`, the home page, a search (filtered in place through HTMX) and the console's
dashboard (its map and its Vega chart drawn) report no violation of the policy in the
browser's console. The other browser tests watch script errors and 5xx only; a refused
script or style shows up only as a console message, which this module listens to (and an
inline script added to a page proves it would notice)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.learners.models import StaffRole

from .conftest import DESKTOP, Site

pytestmark = pytest.mark.browser
PASSWORD = "Console-csp-2026!"


@pytest.fixture(scope="module")
def city_admin(committed_module: None) -> str:
    from django.contrib.auth.models import User

    user = User.objects.create_user("browser-csp", password=PASSWORD)
    StaffRole.objects.create(user=user, role=StaffRole.Role.CITY_ADMIN)
    return "browser-csp"


@pytest.fixture
def watched(browser: Any) -> Any:
    """A fresh page and the policy violations its console reports."""
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(20_000)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: violations.append(f"JavaScript: {error}"))
    yield page, violations
    context.close()


def test_an_inline_script_is_refused_and_noticed(watched: Any, site: Site) -> None:
    page, violations = watched
    page.goto(site.url + "/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.head.append(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected === undefined")
    assert any("script-src 'self'" in text for text in violations), violations


def test_home_and_search_pages_run_under_the_policy(watched: Any, site: Site) -> None:
    page, violations = watched
    response = page.goto(site.url + "/")
    assert response is not None
    assert "script-src 'self';" in response.headers["content-security-policy"]
    page.get_by_role("button", name="큰 글씨").first.click()  # site.js runs
    expect(page.locator("html.large-text")).to_have_count(1)
    page.goto(site.url + "/search?q=%EC%98%81%EC%96%B4")  # 영어
    expect(page.locator("ol.results > li.card").first).to_be_visible()
    page.evaluate("window.sameDocument = true")
    page.locator("summary", has_text="조건").click()
    page.get_by_label("수", exact=True).check()  # HTMX fetches the list only
    page.wait_for_url(re.compile(r"[?&]weekday=3(&|$)"))
    expect(page.locator("ol.results > li.card").first).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    assert not violations, violations


def test_console_dashboard_draws_its_chart_under_the_policy(
    watched: Any, site: Site, city_admin: str
) -> None:
    page, violations = watched
    page.goto(site.url + "/console/?year=2026")
    page.get_by_label("아이디 (필수)").fill(city_admin)
    page.get_by_label("비밀번호 (필수)").fill(PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("평생학습 현황 대시보드")
    expect(page.locator("figure.console-map svg")).to_be_visible()
    expect(page.locator("[data-vega-spec] svg").first).to_be_visible()
    assert not violations, violations
