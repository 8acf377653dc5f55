"""The console's dashboard in a real browser against `learncity serve`: a city administrator
signs in, the headline table, the district map (SVG from the KOSTAT boundaries) and the chart
drawn by the vendored vega-embed appear with no request leaving the server; a header sorts
the table through HTMX; axe-core finds no serious or critical violation on the dashboard and
an indicator's drill-down page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.learners.models import StaffRole

from .conftest import DESKTOP, Site
from .test_enrolment import no_serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "Console-city-2026!"


@pytest.fixture(scope="module")
def city_admin(committed_module: None) -> str:
    from django.contrib.auth.models import User

    user = User.objects.create_user("browser-console", password=PASSWORD)
    StaffRole.objects.create(user=user, role=StaffRole.Role.CITY_ADMIN)
    return "browser-console"


def test_dashboard_draws_map_and_chart_offline(
    browser: Any, site: Site, city_admin: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(20_000)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(site.url) else None,
    )
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    try:
        page.goto(site.url + "/console/?year=2026")
        expect(page.get_by_role("heading", level=1)).to_have_text("로그인")
        page.get_by_label("아이디 (필수)").fill(city_admin)
        page.get_by_label("비밀번호 (필수)").fill(PASSWORD)
        page.get_by_role("button", name="로그인", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("평생학습 현황 대시보드")
        expect(page.locator("figure.console-map svg")).to_be_visible()
        expect(page.locator("[data-vega-spec] svg").first).to_be_visible()
        no_serious_violations(page, "the console dashboard")
        page.screenshot(path=str(screenshots / "console-dashboard.png"), full_page=True)

        page.goto(site.url + "/console/indicators/supply.programmes_per_10k/?year=2026")
        expect(page.locator("#table-drilldown tbody tr").first).to_be_visible()
        page.locator("#table-drilldown th a").filter(has_text="값").click()
        expect(page.locator('#table-drilldown th[aria-sort="ascending"]')).to_have_count(1)
        no_serious_violations(page, "an indicator's drill-down")
        assert not outside, f"requests left the server: {outside[:5]}"
        assert not errors, errors
    finally:
        context.close()
