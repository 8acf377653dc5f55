"""The citizen pages in a real browser: search from home, filters that update the list in
place (HTMX), a programme page, the language switch, axe-core accessibility checks, no
sideways scrolling on a 360 px phone, and screenshots under var/screenshots/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from learncity.catalog.selectors import programme_rows
from learncity.search.selectors import SearchParams, programme_search

from .conftest import Site

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
MOBILE = {"width": 360, "height": 740}
PROGRAMME_LINK = re.compile(r"/programmes/(\d+)$")


def shown_ids(page: Any) -> list[int]:
    hrefs = page.locator("ol.results > li.card h3 a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [int(PROGRAMME_LINK.search(href).group(1)) for href in hrefs]


def shown_total(page: Any) -> int:
    return int(page.get_by_test_id("result-count").locator("strong").inner_text().replace(",", ""))


def expected(**filters: Any) -> Any:
    """What the search selector answers: the page must show exactly this."""
    return programme_search(SearchParams(**filters))


def first_programme(q: str) -> int:
    return int(expected(q=q).results[0]["id"])


def axe_violations(page: Any) -> list[dict[str, Any]]:
    # evaluated, not injected as an inline <script>: the pages' Content-Security-Policy
    # (script-src 'self') refuses inline scripts, as it should
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ["violations"]});
          return result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html,
                                      summary: n.failureSummary})),
          }));
        }"""
    )
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"\n[{v['impact']}] {v['id']}: {v['help']} ({v['url']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "".join(line + "\n" for line in lines)


def hx_change(page: Any, action: Any) -> None:
    """Do `action` and wait for the HTMX request it sends (the list only, not the page)."""
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as answer:
        action()
    assert answer.value.status == 200
    assert "<html" not in answer.value.text()


def expect_list(page: Any, found: Any) -> None:
    expect(page.get_by_test_id("result-count")).to_contain_text(f"{found.total}개 강좌")
    assert shown_ids(page) == [r["id"] for r in found.results]


def test_search_from_home_then_filters_update_the_list_in_place(page: Any, site: Site) -> None:
    page.goto(site.url + "/")
    box = page.get_by_label("무엇을 배우고 싶으세요?")
    box.fill("영어")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=%EC%98%81%EC%96%B4$"))
    english = expected(q="영어")
    assert shown_total(page) == english.total == 25
    assert shown_ids(page) == [r["id"] for r in english.results]

    # the filters sit in a closed <details>; each change fetches the list only (HTMX)
    page.evaluate("window.sameDocument = true")
    page.locator("summary", has_text="조건").click()
    hx_change(page, page.get_by_label("수", exact=True).check)
    wednesdays = expected(q="영어", weekdays=(3,))
    expect_list(page, wednesdays)
    hx_change(page, page.get_by_label("저녁", exact=True).check)
    evenings = expected(q="영어", weekdays=(3,), times=("evening",))
    expect_list(page, evenings)
    assert 0 < evenings.total < wednesdays.total < english.total
    assert all(3 in r["weekdays"] and r["start_time"].hour >= 18 for r in evenings.results)
    for when in page.locator("ol.results .when").all_inner_texts():
        assert int(re.search(r"· (\d\d):\d\d", when).group(1)) >= 18, when
    facet = page.locator("aside.facets li", has_text=re.compile(r"^수 "))
    expect(facet.locator(".n")).to_have_text(str(evenings.total))

    # every free Wednesday course, whatever its subject
    page.get_by_label("검색어").fill("")
    hx_change(page, lambda: page.get_by_label("검색어").press("Enter"))
    hx_change(page, page.get_by_label("저녁", exact=True).uncheck)
    hx_change(page, page.get_by_label("무료", exact=True).check)
    free = expected(weekdays=(3,), free=True)
    expect_list(page, free)
    assert 0 < free.total < expected(weekdays=(3,)).total
    assert all(3 in r["weekdays"] and r["is_free"] for r in free.results)
    for text in page.locator("ol.results > li.card").all_inner_texts():
        assert "무료" in text, text

    # the page was never reloaded, and its address now says what is shown
    assert page.evaluate("window.sameDocument") is True
    assert re.search(r"[?&]weekday=3(&|$)", page.url) and re.search(r"[?&]free=1(&|$)", page.url)
    assert "time=evening" not in page.url
    page.reload()
    expect_list(page, free)
    expect(page.get_by_label("수", exact=True)).to_be_checked()
    expect(page.get_by_label("무료", exact=True)).to_be_checked()


def test_programme_page_from_a_result(page: Any, site: Site) -> None:
    page.goto(site.url + "/search?q=영어")
    link = page.locator("ol.results > li.card h3 a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(PROGRAMME_LINK)
    pk = int(PROGRAMME_LINK.search(page.url).group(1))
    row = next(iter(programme_rows(ids=[pk])))
    assert title == row["display_title"]
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    # the site's name, not the software's (issue 18): the world sets no city, so 평생학습도시
    expect(page).to_have_title(f"{title} · 평생학습도시")

    start, end = row["start_date"].isoformat(), row["end_date"].isoformat()
    schedule = page.get_by_test_id("schedule-words")
    expect(schedule).to_contain_text(f"{start} ~ {end}")
    if row["start_time"]:
        expect(schedule).to_contain_text(row["start_time"].strftime("%H:%M"))
    sessions = page.locator("ul.days time")
    assert sessions.count() > 0
    expect(schedule).to_contain_text(f"{sessions.count()}회")
    assert sessions.first.get_attribute("datetime") >= start

    data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert data["@context"] == "https://schema.org" and data["@type"] == "Course"
    assert data["name"] == title and data["url"] == page.url
    assert data["provider"]["name"] == row["institution"]
    instance = data["hasCourseInstance"][0]
    assert instance["@type"] == "CourseInstance"
    assert (instance["startDate"], instance["endDate"]) == (start, end)
    expect(page.get_by_role("link", name="달력에 추가 (iCalendar)")).to_have_attribute(
        "href", f"/programmes/{pk}.ics"
    )


def test_language_switch_korean_english_and_back(page: Any, site: Site) -> None:
    page.goto(site.url + "/search?q=영어")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("강좌 찾기")
    languages = page.get_by_role("navigation", name="언어 선택")
    languages.get_by_role("link", name="English").click()

    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a programme")
    expect(page.get_by_role("button", name="Search", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    page.goto(site.url + "/search?q=영어")  # the choice is remembered (a cookie)
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("result-count")).to_contain_text("programmes")
    page.goto(site.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Learn anywhere, anytime in your city"
    )

    page.get_by_role("navigation", name="Language").get_by_role("link", name="한국어").click()
    expect(html).to_have_attribute("lang", "ko")
    expect(page.get_by_role("heading", level=1)).to_have_text("어디서나, 언제나 배우는 도시")


def page_url(site: Site, name: str, **query: str) -> str:
    if name == "home":
        path = "/"
    elif name == "results":
        path = "/search?q=영어&weekday=2"  # a filter set: the filters are open
    else:
        path = f"/programmes/{first_programme('영어')}"
    if query:
        path += ("&" if "?" in path else "?") + "&".join(f"{k}={v}" for k, v in query.items())
    return site.url + path


def test_the_accessibility_check_can_fail(page: Any) -> None:
    page.set_content(
        '<!doctype html><html lang="ko"><title>검사</title><body><main><h1>검사</h1>'
        '<p style="color:#bbb">흐린 글씨</p><img src="data:,"><input></main></body></html>'
    )
    found = {v["id"]: v["impact"] for v in axe_violations(page)}
    assert found == {"color-contrast": "serious", "image-alt": "critical", "label": "critical"}


@pytest.mark.parametrize("name", ["home", "results", "detail"])
def test_no_serious_accessibility_violations(
    page: Any, site: Site, screenshots: Path, name: str
) -> None:
    failures = {}
    for language in ("ko", "en"):
        response = page.goto(page_url(site, name, lang=language))
        assert response.status == 200, response.status
        expect(page.locator("html")).to_have_attribute("lang", language)
        if language == "ko":
            page.screenshot(path=screenshots / f"{name}.png", full_page=True)
        serious = [v for v in axe_violations(page) if v["impact"] in {"serious", "critical"}]
        if serious:
            failures[language] = describe(serious)
    assert not failures, f"axe-core found serious or critical violations on the {name} page:\n" + (
        "\n".join(f"--- lang={language}:{text}" for language, text in failures.items())
    )


@pytest.mark.parametrize("name", ["home", "results", "detail"])
def test_no_sideways_scrolling_on_a_360px_phone(
    page: Any, site: Site, screenshots: Path, name: str
) -> None:
    page.set_viewport_size(MOBILE)
    response = page.goto(page_url(site, name))
    assert response.status == 200, response.status
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                              + (e.className ? "." + String(e.className).split(" ").join(".") : ""))"""
    )
    assert width <= MOBILE["width"], f"{name}: {width}px wide at 360px; too wide: {wide}"
    page.screenshot(path=screenshots / f"{name}-mobile.png")
