"""The search form's district and neighbourhood controls and clickable facets in a real
browser (issue 18, item 7): choosing a district updates the list and the neighbourhood
choices in place (HTMX), a facet link applies its facet, and the page passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.world import GANGNAM

from .conftest import Site, fits_width
from .test_portal import MOBILE, axe_violations, describe, expected, hx_change, shown_total

pytestmark = pytest.mark.browser


def test_search_by_district_and_neighbourhood_through_the_form(page: Any, site: Site) -> None:
    page.goto(site.url + "/search")
    everything = shown_total(page)
    neighbourhood = page.get_by_label("읍·면·동")
    expect(neighbourhood).to_be_disabled()

    page.evaluate("window.sameDocument = true")
    hx_change(page, lambda: page.get_by_label("시·군·구").select_option(label="강남구"))
    gangnam = expected(districts=(GANGNAM,))
    expect(page.get_by_test_id("result-count")).to_contain_text(f"{gangnam.total:,}개 강좌")
    assert 0 < gangnam.total <= everything
    # the neighbourhood choices came with the list: 강남구's 동
    expect(neighbourhood).to_be_enabled()
    options = neighbourhood.locator("option").all_inner_texts()
    assert "일원1동" in options and "개포1동" in options and len(options) > 20
    hx_change(page, lambda: neighbourhood.select_option(label="일원1동"))
    code = neighbourhood.input_value()
    ilwon = expected(districts=(GANGNAM,), neighbourhoods=(code,))
    expect(page.get_by_test_id("result-count")).to_contain_text(f"{ilwon.total:,}개 강좌")
    assert page.evaluate("window.sameDocument") is True  # no page load: HTMX all along
    assert f"district={GANGNAM}" in page.url and f"neighbourhood={code}" in page.url

    violations = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not violations, describe(violations)
    fits_width(page, MOBILE, "search with places")


def test_a_facet_link_applies_the_facet(page: Any, site: Site) -> None:
    page.goto(site.url + "/search?q=영어")
    link = page.locator("aside.facets a.facet").first
    count = int(link.locator(".n").inner_text())
    link.click()
    page.wait_for_load_state()
    assert shown_total(page) == count
    applied = page.locator('aside.facets a.facet[aria-current="true"]')
    expect(applied).to_have_count(1)
    applied.click()  # and off again
    expect(page.locator('aside.facets a.facet[aria-current="true"]')).to_have_count(0)
    assert shown_total(page) == expected(q="영어").total
