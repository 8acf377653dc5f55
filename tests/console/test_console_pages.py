"""The console's analytics pages with Django's test client on the real Gangnam catalog and the
real regions (population and KOSTAT boundaries): who may see which page (every role), what a
district officer sees of other districts (nothing), drill-down city → district →
neighbourhood → programme, sorting, CSV downloads, the vendored chart library, maps, the
delivery inputs form and the report button; hostile query strings."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from learncity.analytics.delivery import delivery_input_get
from learncity.analytics.selectors import Filters, indicator_drilldown, indicator_values
from learncity.learners.models import StaffRole

pytestmark = pytest.mark.django_db
GANGNAM = "1168000000"
SEOCHO = "1165000000"
SUPPLY = "supply.programmes_per_10k"
PASSWORD = "Console-city-2026!"
_n = itertools.count(1)


@pytest.fixture
def people(world: Mapping[str, Any]) -> dict[str, Any]:
    """The world's account of each role (the institution staff and instructor work at the
    institution of the real schedules), a citizen, and the two institutions."""
    return {
        **world["users"],
        "institution": world["institution"],
        "other_institution": world["other_institution"],
    }


def client_for(people: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(people[who])
    return client


STAFF = ["city_admin", "auditor", "officer", "other_officer", "institution_staff", "instructor"]


@pytest.mark.parametrize("who", [*STAFF, "citizen", "anonymous"])
def test_who_may_open_the_dashboard(people: dict[str, Any], who: str) -> None:
    response = client_for(people, who).get("/console/?year=2026")
    if who == "anonymous":
        assert response.status_code == 302
        assert "/login" in response["Location"] or "login" in response["Location"]
    elif who == "citizen":
        assert response.status_code == 403
        assert "직원만 볼 수 있는 페이지입니다" in response.content.decode()
    else:
        assert response.status_code == 200
        assert "평생학습 현황 대시보드" in response.content.decode()


def region_rows(response: Any, table: str) -> list[dict[str, Any]]:
    return list(response.context["tables"][table].rows)


def test_city_admin_sees_every_district_and_drills_down(people: dict[str, Any]) -> None:
    client = client_for(people, "city_admin")
    response = client.get(f"/console/indicators/{SUPPLY}/?year=2026&level=district")
    assert response.status_code == 200
    rows = region_rows(response, "drilldown")
    expected = indicator_drilldown(SUPPLY, Filters(year=2026), "district", None)
    assert [r["region_code"] for r in rows] == [r["code"] for r in expected]
    assert GANGNAM in {r["region_code"] for r in rows}
    gangnam = next(r for r in rows if r["region_code"] == GANGNAM)
    assert gangnam["value"] == pytest.approx(
        next(r["value"] for r in expected if r["code"] == GANGNAM)
    )
    assert gangnam["value"] > 0
    page = response.content.decode()
    assert "level=neighbourhood" in page and f"parent={GANGNAM}" in page
    assert "<svg" in page  # the choropleth from the KOSTAT boundaries

    response = client.get(
        f"/console/indicators/{SUPPLY}/?year=2026&level=neighbourhood&parent={GANGNAM}"
    )
    assert response.status_code == 200
    neighbourhoods = region_rows(response, "drilldown")
    assert neighbourhoods and all(r["region_code"].startswith("11680") for r in neighbourhoods)
    assert "level=programme" in response.content.decode()

    response = client.get(
        f"/console/indicators/{SUPPLY}/?year=2026&level=programme&parent={GANGNAM}"
    )
    assert response.status_code == 200
    programmes = region_rows(response, "drilldown")
    assert programmes and all(r["title"] for r in programmes)


def test_district_officer_sees_only_their_district(people: dict[str, Any]) -> None:
    client = client_for(people, "officer")
    response = client.get("/console/?year=2026")
    assert response.status_code == 200
    assert response.context["filters"].district_code == GANGNAM
    rows = region_rows(response, "regions")
    assert rows and all(r["region_code"].startswith("11680") for r in rows)
    # asking for the district level gives their neighbourhoods, never the other districts
    response = client.get(f"/console/indicators/{SUPPLY}/?year=2026&level=district")
    assert response.status_code == 200
    rows = region_rows(response, "drilldown")
    assert rows and all(r["region_code"].startswith("11680") for r in rows)
    assert SEOCHO not in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        f"/console/?year=2026&district={GANGNAM}",
        f"/console/indicators/{SUPPLY}/?year=2026&level=neighbourhood&parent={GANGNAM}",
        f"/console/indicators/{SUPPLY}/?year=2026&level=programme&parent={GANGNAM}",
        f"/console/indicators/{SUPPLY}/?year=2026&level=programme&parent=1168010100",
        f"/console/indicators/?year=2026&district={GANGNAM}",
        f"/console/lookalikes/?district={GANGNAM}",
        f"/console/report/?year=2026&format=html&district={GANGNAM}",
    ],
)
def test_another_districts_officer_is_refused_its_detail(people: dict[str, Any], url: str) -> None:
    response = client_for(people, "other_officer").get(url)
    assert response.status_code == 403
    assert "담당하지 않는" in response.content.decode()
    assert client_for(people, "officer").get(url).status_code == 200


def test_other_officer_never_sees_gangnam_rows(people: dict[str, Any]) -> None:
    client = client_for(people, "other_officer")
    for url in ["/console/?year=2026", f"/console/indicators/{SUPPLY}/?year=2026"]:
        response = client.get(url)
        assert response.status_code == 200
        for table in response.context["tables"].values():
            codes = {str(r.get("region_code") or "") for r in table.rows}
            assert not any(code.startswith("11680") for code in codes)
    # the programme level without a parent is their district's programmes: none in Seocho
    response = client.get(f"/console/indicators/{SUPPLY}/?year=2026&level=programme")
    assert response.status_code == 200
    assert region_rows(response, "drilldown") == []
    gangnam = client_for(people, "officer").get(
        f"/console/indicators/{SUPPLY}/?year=2026&level=programme"
    )
    assert len(region_rows(gangnam, "drilldown")) > 10


def test_institution_staff_see_their_institution(people: dict[str, Any]) -> None:
    client = client_for(people, "institution_staff")
    response = client.get("/console/?year=2026")
    assert response.status_code == 200
    assert response.context["filters"].institution_id == people["institution"]
    response = client.get(f"/console/?year=2026&institution={people['other_institution']}")
    assert response.status_code == 403
    assert "소속 기관이 아닙니다" in response.content.decode()
    # the numbers are their institution's: the same as the selector's with that filter
    response = client.get(f"/console/indicators/{SUPPLY}/?year=2026&level=district")
    mine = indicator_drilldown(
        SUPPLY, Filters(year=2026, institution_id=people["institution"]), "district", None
    )
    assert [r["value"] for r in region_rows(response, "drilldown")] == [r["value"] for r in mine]
    for url in ["/console/delivery/", "/console/report/?year=2026&format=html"]:
        assert client.get(url).status_code == 403


def test_headline_values_and_change_match_the_selectors(people: dict[str, Any]) -> None:
    response = client_for(people, "city_admin").get("/console/?year=2026")
    rows = {r["id"]: r for r in region_rows(response, "headline")}
    assert SUPPLY in rows
    values = {v.id: v for v in indicator_values(Filters(year=2026), ids=list(rows))}
    for indicator_id, row in rows.items():
        assert row["value"] == values[indicator_id].value
        assert row["previous"] == values[indicator_id].previous
    assert rows[SUPPLY]["value"] > 0
    assert rows[SUPPLY]["previous"] == 0 or rows[SUPPLY]["previous"] is None  # nothing in 2025


def test_tables_sort_by_query_and_download_as_csv(people: dict[str, Any]) -> None:
    client = client_for(people, "city_admin")
    base = f"/console/indicators/{SUPPLY}/?year=2026&level=neighbourhood&parent={GANGNAM}"
    # Gangnam's venues are known by their 구 only: its 동 have no value, only residents
    response = client.get(base + "&sort_drilldown=-denominator")
    rows = region_rows(response, "drilldown")
    assert all(r["value"] is None and r["unlocated"] > 0 for r in rows)
    values = [r["denominator"] for r in rows if r["denominator"] is not None]
    assert values == sorted(values, reverse=True) and len(values) > 3
    columns = [c.key for c in response.context["tables"]["drilldown"].columns]
    assert "unlocated" in columns, columns
    assert "동 미상" in response.content.decode()
    response = client.get(base + "&sort_drilldown=denominator")
    values = [r["denominator"] for r in region_rows(response, "drilldown") if r["denominator"]]
    assert values == sorted(values)
    assert 'aria-sort="ascending"' in response.content.decode()
    response = client.get(base + "&sort_drilldown=-denominator&csv=drilldown")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert lines[0][0] == "코드 (code)" or "코드 (code)" in lines[0]
    assert len(lines) - 1 == len(region_rows(client.get(base), "drilldown"))
    column = lines[0].index("분모 (denominator)")
    csv_values = [float(row[column]) for row in lines[1:] if row[column]]
    assert csv_values[0] == max(values) and csv_values == sorted(csv_values, reverse=True)


def test_every_table_of_a_page_downloads(people: dict[str, Any]) -> None:
    client = client_for(people, "city_admin")
    for url in [
        "/console/?year=2026",
        "/console/indicators/?year=2026",
        "/console/lookalikes/",
        "/console/delivery/?year=2026",
    ]:
        response = client.get(url)
        for name in response.context["tables"]:
            download = client.get(url + ("&" if "?" in url else "?") + f"csv={name}")
            assert download.status_code == 200, (url, name)
            assert download.content.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/console/?year=abc", 422),
        ("/console/?year=1800", 422),
        ("/console/?month=13", 422),
        ("/console/?district=11680%27%3B--", 422),
        ("/console/?term=%3Cscript%3E", 422),
        ("/console/?institution=-4", 422),
        (f"/console/indicators/{SUPPLY}/?level=galaxy", 422),
        (f"/console/indicators/{SUPPLY}/?level=neighbourhood&parent=abc", 422),
        ("/console/indicators/no.such.indicator/", 404),
        ("/console/?csv=nope", 404),
        ("/console/lookalikes/?threshold=2", 422),
        ("/console/lookalikes/?threshold=abc", 422),
        ("/console/report/?format=docx", 422),
        ("/console/report/?year=99999", 422),
    ],
)
def test_hostile_query_strings_get_clear_refusals(
    people: dict[str, Any], url: str, status: int
) -> None:
    response = client_for(people, "city_admin").get(url)
    assert response.status_code == status
    text = response.content.decode()
    assert "<script>" not in text
    assert 'data-testid="refusal"' in text


def test_charts_use_the_vendored_library_and_keep_a_table(people: dict[str, Any]) -> None:
    response = client_for(people, "city_admin").get(
        f"/console/indicators/{SUPPLY}/?year=2026&level=district"
    )
    page = response.content.decode()
    assert "/static/console/vendor/vega-bundle.js" in page
    assert "/static/console/console.js" in page
    assert 'data-vega-spec="chart-drilldown"' in page
    assert '"$schema": "https://vega.github.io/schema/vega-lite/' in page  # spec id only
    scripts = [line for line in page.splitlines() if "<script" in line and "src=" in line]
    assert scripts and all("http" not in line for line in scripts)
    vendor = Path(__file__).resolve().parents[2] / "src/learncity/console/static/console/vendor"
    bundle = (vendor / "vega-bundle.js").read_text()
    assert "window.vegaEmbed" in bundle
    assert "vega-lite" in (vendor / "README.md").read_text()
    assert "<table>" in page  # the text alternative of the chart


def test_lookalike_page_lists_clusters_with_institutions(people: dict[str, Any]) -> None:
    response = client_for(people, "city_admin").get("/console/lookalikes/")
    assert response.status_code == 200
    clusters = response.context["clusters"]
    rows = region_rows(response, "lookalikes")
    assert len(rows) == sum(c["size"] for c in clusters)
    if clusters:
        assert {r["cluster"] for r in rows} == {c["id"] for c in clusters}
    staff = client_for(people, "institution_staff").get("/console/lookalikes/")
    for cluster in staff.context["clusters"]:
        assert any(p["institution_id"] == people["institution"] for p in cluster["programmes"])


def test_lookalike_page_lists_repeats_apart(people: dict[str, Any]) -> None:
    """Issue 18: one institution's course offered again is a repeat, in its own table."""
    response = client_for(people, "city_admin").get("/console/lookalikes/")
    repeats = response.context["repeats"]
    rows = region_rows(response, "repeats")
    assert len(rows) == sum(r["size"] for r in repeats)
    for group in repeats:
        assert group["size"] >= 2 and len({p["institution_id"] for p in group["programmes"]}) == 1
    assert 'data-testid="repeat-count"' in response.content.decode()
    download = client_for(people, "city_admin").get("/console/lookalikes/?csv=repeats")
    assert download.status_code == 200
    staff = client_for(people, "institution_staff").get("/console/lookalikes/")
    for group in staff.context["repeats"]:
        assert group["programmes"][0]["institution_id"] == people["institution"]


def test_delivery_inputs_are_entered_by_scope(people: dict[str, Any]) -> None:
    admin = client_for(people, "city_admin")
    response = admin.post(
        "/console/delivery/",
        {"year": "2026", "region": "", "budget_krw": "1,250,000,000", "staff_count": "7",
         "council_meetings": "2", "ordinances": "1", "study_groups": "143", "notes": "재지정"},
    )  # fmt: skip
    assert response.status_code == 302
    saved = delivery_input_get(2026)
    assert (saved.budget_krw, saved.staff_count, saved.study_groups) == (1_250_000_000, 7, 143)
    page = admin.get("/console/delivery/?year=2026").content.decode()
    assert "1,250,000,000" in page

    officer = client_for(people, "officer")
    response = officer.post(
        "/console/delivery/", {"year": "2026", "region": SEOCHO, "study_groups": "12"}
    )
    assert response.status_code == 302  # the region is narrowed to their own district
    assert delivery_input_get(2026, GANGNAM).study_groups == 12
    assert delivery_input_get(2026, SEOCHO).entered is False
    page = officer.get("/console/delivery/?year=2026").content.decode()
    assert "1,250,000,000" not in page  # the city's row is not theirs

    response = officer.post("/console/delivery/", {"year": "2026", "staff_count": "-3"})
    assert response.status_code == 422
    assert "음수는 입력할 수 없습니다" in response.content.decode()
    assert delivery_input_get(2026, GANGNAM).staff_count == 0

    auditor = client_for(people, "auditor")
    assert (
        'data-testid="delivery-form"'
        not in auditor.get("/console/delivery/?year=2026").content.decode()
    )
    assert (
        auditor.post("/console/delivery/", {"year": "2026", "staff_count": "1"}).status_code == 403
    )
    assert delivery_input_get(2026).staff_count == 7


def test_report_button_downloads_the_scope_report(people: dict[str, Any]) -> None:
    page = client_for(people, "city_admin").get("/console/?year=2026").content.decode()
    # the button asks for the report built in the background (tests/console/test_report_jobs.py);
    # the direct download stays for scripts
    assert 'action="/console/report/jobs/"' in page and 'name="format" value="pdf"' in page
    response = client_for(people, "officer").get("/console/report/?year=2026&format=html")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-{GANGNAM}.html"')
    html = response.content.decode()
    assert "2026년 평생학습도시 연차 평가 보고서" in html
    assert f"시·군·구 {GANGNAM}" in html
    assert SEOCHO not in html


def _invite(
    number: int, programme_id: int, institution: int, district: str, **answers: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from learncity.analytics.models import SurveyInvitation, SurveyResponse

    now = timezone.now()
    invitation = SurveyInvitation.objects.create(
        completion_id=900_000 + number, application_id=900_000 + number,
        programme_id=programme_id, institution_id=institution, district_code=district,
        category="humanities", groups=["senior"], course_start=dt.date(2026, 4, 1),
        channel="sms", token_digest=f"{number:064d}", hint="abcd", created_at=now,
        expires_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    if answers:
        SurveyResponse.objects.create(invitation=invitation, submitted_at=now, **answers)


def test_satisfaction_page_by_scope_with_masked_comments(
    people: dict[str, Any],
    world: dict[str, Any],
) -> None:
    _, programme, institution = world["schedules"][0]
    scores = {"overall": 5, "content": 4, "instructor": 5, "venue": 3, "recommend": 4}
    _invite(1, programme, institution, GANGNAM, **scores, comment="좋아요 010-1234-5678 로 연락")
    _invite(2, programme, institution, GANGNAM, **{**scores, "overall": 3}, comment="")
    _invite(3, programme, institution, GANGNAM)  # invited, no answer
    _invite(4, programme, institution, SEOCHO, **scores, comment="서초 의견")

    response = client_for(people, "city_admin").get("/console/survey/?year=2026&group_by=group")
    assert response.status_code == 200
    senior = next(r for r in region_rows(response, "survey") if r["key"] == "senior")
    assert (senior["invited"], senior["responded"]) == (4, 3)
    assert senior["mean_overall"] == pytest.approx((5 + 3 + 5) / 3, abs=0.001)
    page = response.content.decode()
    assert "010-1234-5678" not in page and "좋아요" in page

    officer = client_for(people, "officer").get("/console/survey/?year=2026&group_by=group")
    senior = next(r for r in region_rows(officer, "survey") if r["key"] == "senior")
    assert (senior["invited"], senior["responded"]) == (3, 2)  # Gangnam only
    assert "서초 의견" not in officer.content.decode()
    download = client_for(people, "officer").get("/console/survey/?year=2026&csv=comments")
    assert download.status_code == 200 and "010-1234-5678" not in download.content.decode("utf-8")
    assert client_for(people, "officer").get("/console/survey/?group_by=age").status_code == 422


def test_an_officer_of_a_city_with_wards_sees_its_wards(people: dict[str, Any]) -> None:
    """수원시 (a city with wards): its wards' codes do not share its five-digit prefix, yet
    the wards and their neighbourhoods are its officer's; Gangnam is not."""
    from learncity.analytics.selectors import console_scope
    from learncity.learners.access import Actor
    from learncity.regions.selectors import region_refs

    refs = region_refs()
    city = next(r for r in refs if r.kind == "city_with_wards")
    ward = next(r for r in refs if r.parent_code == city.code)
    neighbourhood = next(r for r in refs if r.parent_code == ward.code)
    assert ward.code[:5] != city.code[:5] and neighbourhood.code[:5] != city.code[:5]
    user = User.objects.create_user("console-wards", password=PASSWORD)
    StaffRole.objects.create(user=user, role="district_officer", district_code=city.code)
    scope = console_scope(Actor(user.pk))
    assert scope.sees_region(ward.code) and scope.sees_region(neighbourhood.code)
    assert not scope.sees_region(GANGNAM) and not scope.sees_region("1168010100")
    client = Client()
    client.force_login(user)
    url = f"/console/indicators/{SUPPLY}/?year=2026&level=programme&parent={neighbourhood.code}"
    assert client.get(url).status_code == 200
    assert client.get(url.replace(neighbourhood.code, "1168010100")).status_code == 403
