"""The staff page that places a venue on the offline map (issue 18, item 5) in a real browser:
a click on the district's map fills in the latitude and longitude (the SVG's projection turned
back), saving it makes the venue's place exact, and the page passes axe-core at 360 px."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, Site, fits_width
from .test_portal import MOBILE, axe_violations, describe

pytestmark = pytest.mark.browser
PASSWORD = "x-Venue-Map-2026"


@pytest.fixture(scope="module")
def venue_world(committed_module: None) -> Iterator[dict[str, Any]]:
    from django.contrib.auth.models import User

    from learncity.catalog.location_selectors import venues_for_staff
    from learncity.learners.models import StaffRole
    from learncity.regions.selectors import region_refs

    user = User.objects.create_user("browser-venue-admin", password=PASSWORD)
    StaffRole.objects.create(user=user, role="city_admin")
    gallery = next(v for v in venues_for_staff(everywhere=True) if v["name"] == "신한갤러리")
    yeoksam = next(r for r in region_refs() if r.name == "역삼1동" and r.code.startswith("11680"))
    yield {"venue": gallery, "target": yeoksam}
    # the world's venue as it was (restore() deletes added rows; this one was changed)
    from learncity.catalog.locations import venue_location_reset
    from learncity.search.services import search_index

    venue_location_reset(venue_id=gallery["id"], by="import")
    search_index()


def test_a_click_on_the_map_places_the_venue(
    browser: Any, site: Site, venue_world: dict[str, Any]
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    venue, target = venue_world["venue"], venue_world["target"]
    try:
        page.goto(site.url + "/staff/venues")
        page.get_by_label("아이디 (필수)").fill("browser-venue-admin")
        page.get_by_label("비밀번호 (필수)").fill(PASSWORD)
        page.get_by_role("button", name="로그인", exact=True).click()
        page.goto(site.url + "/staff/venues")
        expect(page.get_by_role("heading", level=1)).to_have_text("교육장 위치")
        page.get_by_role("link", name="신한갤러리").click()
        expect(page.get_by_test_id("location-precision")).to_contain_text(
            "위치가 시·군·구 단위로만 알려져 있어요"
        )
        for size in (DESKTOP, MOBILE):  # the map scales; the click still means the same place
            page.set_viewport_size(size)
            lat, lon = target.centroid
            x, y = page.evaluate(
                """([lat, lon]) => {
                    const svg = document.querySelector('[data-testid=venue-map] svg');
                    const [minLon, maxLat, kx, scale, pad] =
                        svg.getAttribute('data-projection').split(' ').map(Number);
                    const p = svg.createSVGPoint();
                    p.x = pad + (lon - minLon) * kx * scale;
                    p.y = pad + (maxLat - lat) * scale;
                    const s = p.matrixTransform(svg.getScreenCTM());
                    return [s.x, s.y];
                }""",
                [lat, lon],
            )
            page.mouse.click(x, y)
            got_lat = float(page.get_by_label("위도").input_value())
            got_lon = float(page.get_by_label("경도").input_value())
            # one screen pixel is some tens of metres on a district's map
            assert abs(got_lat - lat) < 0.002 and abs(got_lon - lon) < 0.002, (size, got_lat)
        page.set_viewport_size(DESKTOP)
        violations = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
        assert not violations, describe(violations)
        fits_width(page, MOBILE, "the venue map")
        page.get_by_role("button", name="이 지점으로 저장").click()
        expect(page.get_by_test_id("messages")).to_contain_text("교육장 위치를 저장했습니다")
        expect(page.get_by_test_id("location-precision")).to_contain_text(
            "건물 위치까지 알려져 있어요"
        )
        page.goto(site.url + f"/venues/{venue['id']}")
        expect(page.get_by_test_id("location-precision")).to_contain_text(
            "건물 위치까지 알려져 있어요"
        )
    finally:
        context.close()
    assert not errors, f"the pages went wrong: {errors}"
