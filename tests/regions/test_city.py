"""One city per deployment, on the real data: `learncity city set` (names, codes, several
areas, hostile input) and what follows from it — the home page, sign-up's place list,
planning's denominators, the console's city level, the annual report and the brand."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from learncity.cli import app
from learncity.regions.errors import (
    CityAreaAmbiguous,
    CityAreaEmpty,
    CityAreaLevel,
    CityAreaUnknown,
    CitySettingError,
)
from learncity.regions.models import City, Region, RegionPopulation
from learncity.regions.selectors import city_brand, city_scope, region_list
from learncity.regions.services import city_clear, city_set
from tests.clients import signed_in

pytestmark = pytest.mark.django_db

GANGNAM = "1168000000"
SEOCHO = "1165000000"
BUSAN = "2600000000"
SUWON = "4111000000"
# 서울특별시 강남구, May 2025 (mois-age-by-dong-2025-05.csv): 556,506 residents in 22 동
GANGNAM_RESIDENTS = 556_506
GANGNAM_NEIGHBOURHOODS = 22
# every 중구 of the population file, with its province
JUNG_GU = {
    "1114000000": "서울특별시 중구",
    "2611000000": "부산광역시 중구",
    "2711000000": "대구광역시 중구",
    "2811000000": "인천광역시 중구",
    "3014000000": "대전광역시 중구",
    "3111000000": "울산광역시 중구",
}

runner = CliRunner()


@pytest.fixture
def real(world: Mapping[str, Any], shared_data: Path) -> Mapping[str, Any]:
    return world


@pytest.fixture
def gangnam(real: Mapping[str, Any]) -> Mapping[str, Any]:
    """The city set to 강남구, as `make run` does with the real data (inside the test)."""
    city_set(areas=["강남구"])
    return real


def _total(code: str) -> int:
    return RegionPopulation.objects.filter(region__code=code).latest("snapshot__period").total


def _gangnam_neighbourhoods() -> set[str]:
    return {
        name
        for name, parent in Region.objects.filter(level="neighbourhood").values_list(
            "name", "parent__code"
        )
        if parent == GANGNAM
    }


# ---------------------------------------------------------------- the command


def test_city_set_by_name_and_show(real: Any) -> None:
    result = runner.invoke(app, ["city", "set", "강남구", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["set"] is True
    assert shown["name"] == "서울특별시 강남구"
    assert shown["areas"] == [{"code": GANGNAM, "full_name": "서울특별시 강남구"}]
    assert shown["districts"] == 1
    assert shown["neighbourhoods"] == GANGNAM_NEIGHBOURHOODS
    assert shown["population"] == GANGNAM_RESIDENTS == _total(GANGNAM)
    # the same residents as the sum of its 동: the denominator does not depend on the level
    assert (
        sum(r.population or 0 for r in region_list(level="neighbourhood", parent_code=GANGNAM))
        == GANGNAM_RESIDENTS
    )

    text = runner.invoke(app, ["city", "show"])
    assert text.exit_code == 0
    assert "city: 서울특별시 강남구" in text.output
    assert "556,506 residents" in text.output


@pytest.mark.parametrize(
    "query", ["서울특별시 강남구", "서울 강남구", "강남", "11680", GANGNAM, " 강남구 "]
)
def test_every_way_of_naming_gangnam_names_it(real: Any, query: str) -> None:
    assert city_set(areas=[query])["areas"] == [{"code": GANGNAM, "full_name": "서울특별시 강남구"}]


def test_an_ambiguous_name_lists_every_candidate_and_writes_nothing(real: Any) -> None:
    with pytest.raises(CityAreaAmbiguous) as caught:
        city_set(areas=["중구"])
    assert {c["code"]: c["full_name"] for c in caught.value.details["candidates"]} == JUNG_GU
    for code, name in JUNG_GU.items():
        assert f"{name} ({code})" in caught.value.message
    assert not City.objects.exists()

    result = runner.invoke(app, ["city", "set", "중구"])
    assert result.exit_code == 2
    assert "서울특별시 중구 (1114000000)" in result.output
    assert "울산광역시 중구 (3111000000)" in result.output
    # with its province it is one
    assert city_set(areas=["부산 중구"])["areas"] == [
        {"code": "2611000000", "full_name": "부산광역시 중구"}
    ]


@pytest.mark.parametrize(
    ("query", "error", "code"),
    [
        ("", CityAreaEmpty, "city_area_empty"),
        ("   ", CityAreaEmpty, "city_area_empty"),
        ("없는구", CityAreaUnknown, "city_area_unknown"),
        ("123", CityAreaUnknown, "city_area_unknown"),  # neither 2, 5 nor 10 digits
        ("9999999999", CityAreaUnknown, "city_area_unknown"),
        ("'; DROP TABLE regions_region; --", CityAreaUnknown, "city_area_unknown"),
        ("강" * 10_000, CityAreaUnknown, "city_area_unknown"),
        ("<script>alert(1)</script>", CityAreaUnknown, "city_area_unknown"),
        ("일원동", CityAreaLevel, "city_area_level"),  # 일원본동, 일원1동: 읍·면·동
        ("1168072000", CityAreaLevel, "city_area_level"),  # 일원본동's code
        ("중", CityAreaUnknown, "city_area_unknown"),  # one letter names nothing
    ],
)
def test_hostile_areas_are_refused_with_a_stable_code(
    real: Any, query: str, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as caught:
        city_set(areas=["강남구", query])
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.message  # type: ignore[attr-defined]
    assert not City.objects.exists()


def test_no_area_at_all_is_refused_by_the_command(real: Any) -> None:
    result = runner.invoke(app, ["city", "set"])
    assert result.exit_code == 2
    assert "하나 이상" in result.output
    with pytest.raises(CityAreaEmpty):
        city_set(areas=[])


def test_the_level_error_names_the_neighbourhoods(real: Any) -> None:
    with pytest.raises(CityAreaLevel) as caught:
        city_set(areas=["일원동"])
    names = {c["full_name"] for c in caught.value.details["candidates"]}
    assert names == {"서울특별시 강남구 일원본동", "서울특별시 강남구 일원1동"}


def test_a_consortium_is_the_union_of_its_areas_counting_each_resident_once(real: Any) -> None:
    """부산광역시 with some of its districts: the city is 부산광역시, once."""
    shown = city_set(areas=["부산광역시", "해운대구", "26380"])
    assert [a["code"] for a in shown["areas"]] == [BUSAN]
    assert shown["name"] == "부산광역시"
    assert shown["population"] == _total(BUSAN)
    assert shown["districts"] == Region.objects.filter(level="district", parent__code=BUSAN).count()

    # two districts of two provinces: both, residents added
    shown = city_set(areas=["강남구", "서초구"])
    assert [a["code"] for a in shown["areas"]] == [SEOCHO, GANGNAM]
    assert shown["population"] == _total(GANGNAM) + _total(SEOCHO)
    assert shown["name"] == "서울특별시 서초구·강남구"
    scope = city_scope()
    assert scope.counted_districts == {GANGNAM, SEOCHO}
    assert scope.contains("1168072000") and not scope.contains("1114000000")


def test_a_full_name_typed_without_quotes_is_said_to_take_the_whole_province(real: Any) -> None:
    """`city set 서울특별시 강남구` unquoted names two areas, one inside the other: the city is
    서울특별시 (a consortium may well name its 시 with some of its 구), and the command says
    so and how to set 강남구 alone."""
    result = runner.invoke(app, ["city", "set", "서울특별시", "강남구"])
    assert result.exit_code == 0, result.output
    assert "city: 서울특별시" in result.output
    assert "note: 서울특별시 강남구 lies inside 서울특별시" in result.output
    assert "learncity city set '서울특별시 강남구'" in result.output
    quoted = runner.invoke(app, ["city", "set", "서울특별시 강남구", "--json"])
    shown = json.loads(quoted.output)
    assert [a["code"] for a in shown["areas"]] == [GANGNAM] and shown["absorbed"] == []


def test_a_city_with_wards_counts_through_its_wards(real: Any) -> None:
    """수원시 is a 시·군·구 row and its four 구 are too: residents are counted once."""
    shown = city_set(areas=["수원시"])
    wards = set(
        Region.objects.filter(parent__code=SUWON, level="district").values_list("code", flat=True)
    )
    assert len(wards) == 4
    scope = city_scope()
    assert scope.counted_districts == wards
    assert scope.districts == wards | {SUWON}
    assert shown["population"] == _total(SUWON) == sum(_total(code) for code in wards)


def test_options_change_alone_and_are_checked(real: Any, tmp_path: Path) -> None:
    with pytest.raises(CityAreaEmpty):  # nothing set yet: options alone are not a city
        city_set(colour="#1a5fb4")
    city_set(areas=["강남구"], name_en="Gangnam-gu")
    shown = city_set(colour="#1A5FB4", name="강남구 평생학습")
    assert shown["areas"][0]["code"] == GANGNAM  # kept
    assert (shown["name"], shown["name_en"], shown["colour"]) == (
        "강남구 평생학습",
        "Gangnam-gu",
        "#1a5fb4",
    )
    with pytest.raises(CitySettingError) as caught:
        city_set(colour="#ffee00")  # yellow on white: 1.2:1
    assert caught.value.details["field"] == "colour"
    with pytest.raises(CitySettingError):
        city_set(colour="blue")
    with pytest.raises(CitySettingError):
        city_set(name="   ")
    assert city_brand().colour == "#1a5fb4"

    svg = tmp_path / "emblem.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>')
    result = runner.invoke(app, ["city", "set", "--emblem", str(svg), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["emblem"] is True
    bad = tmp_path / "bad.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    refused = runner.invoke(app, ["city", "set", "--emblem", str(bad)])
    assert refused.exit_code == 2
    for content in (b"", b"GIF87a" + b"\0" * (256 * 1024), b"plain text, not an image"):
        with pytest.raises(CitySettingError):
            city_set(emblem=content)
    missing = runner.invoke(app, ["city", "set", "--emblem", str(tmp_path / "none.png")])
    assert missing.exit_code == 2
    assert city_brand().has_emblem  # the first emblem stays

    assert city_clear() == {"cleared": True}
    assert not city_brand().is_set


# ---------------------------------------------------------------- the pages


def test_home_lists_gangnam_only(gangnam: Any, client: Client) -> None:
    from learncity.catalog.models import Institution

    Institution.objects.create(
        name="서초 시험 평생학습관", district=Region.objects.get(code=SEOCHO), source="test"
    )
    body = client.get("/").content.decode()
    assert 'data-testid="brand">서울특별시 강남구' in body
    area = body[body.index('data-testid="area-list"') :].split("</section>")[0]
    listed = set(_rows(area))
    assert listed == _gangnam_neighbourhoods()
    assert len(listed) == GANGNAM_NEIGHBOURHOODS
    assert 'data-testid="city-population">556,506' in body
    institutions = body[body.index('data-testid="institution-list"') :].split("</ul>")[0]
    assert "서초 시험 평생학습관" not in institutions
    assert "강남" in institutions
    # the real courses shown are credited to their source (the data's licence asks for it)
    assert "교육부 전국평생학습강좌표준데이터" in body
    # learncity is named in the footer only
    head, footer = body.split('<footer class="site">')
    assert "learncity" not in head.split("<main")[0]
    assert "learncity" in footer


def _rows(html: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row">(?:[^<]*? )?([^< ]+)</th>', html)


def test_home_without_a_city_says_how_to_set_one(real: Any, client: Client) -> None:
    body = client.get("/").content.decode()
    assert 'data-testid="no-city"' in body
    assert "learncity city set" in body
    area = body[body.index('data-testid="area-list"') :].split("</section>")[0]
    assert len(_rows(area)) == 15  # the largest districts of the country, as before


def test_header_colour_and_emblem(gangnam: Any, client: Client) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><circle r="1"/></svg>'
    city_set(colour="#1a5fb4", emblem=svg, name_en="Gangnam-gu")
    body = client.get("/").content.decode()
    assert ":root { --accent: #1a5fb4; }" in body
    assert '<img class="emblem" src="/city/emblem?v=' in body
    english = client.get("/?lang=en").content.decode()
    assert 'data-testid="brand">' in english and "Gangnam-gu" in english
    emblem = client.get("/city/emblem")
    assert emblem.status_code == 200
    assert emblem["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in emblem["Content-Security-Policy"]
    assert emblem.content == svg
    city_set(remove_emblem=True)
    assert client.get("/city/emblem").status_code == 404


def test_signup_lists_gangnams_neighbourhoods_only(gangnam: Any, client: Client) -> None:
    import re

    # the second step (after the number) asks where one lives
    second_step = {"action": "send-code", "phone": "010-5555-0101"}
    body = client.post("/accounts/signup", second_step).content.decode()
    district_select = body[body.index('id="id_district_code"') :].split("</select>")[0]
    options = re.findall(r'<option value="(\d+)"[^>]*>', district_select)
    assert options == [GANGNAM]
    assert f'<option value="{GANGNAM}" selected>' in district_select  # the only one: chosen
    places = body[body.index('id="id_neighbourhood_code"') :].split("</select>")[0]
    names = set(re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', places))
    assert names == _gangnam_neighbourhoods()

    # another district's places are not offered, and not taken
    other = client.get("/accounts/signup/neighbourhoods", {"district_code": SEOCHO})
    assert '<option value="1165' not in other.content.decode()
    refused = client.post(
        "/accounts/signup",
        {
            "username": "seocho.person",
            "password1": "Learn-city-2026!",
            "password2": "Learn-city-2026!",
            "name": "서초 주민",
            "birth_year": "1970",
            "phone": "010-5555-0101",
            "district_code": SEOCHO,
            "consent_service": "on",
        },
    )
    assert refused.status_code in {200, 400}
    assert "id_district_code_error" in refused.content.decode()


def test_planning_denominators_are_gangnams_residents(gangnam: Any) -> None:
    from learncity.planning import services

    result = services.access_compute()
    assert [d.code for d in result.districts] == [GANGNAM]
    assert result.totals["residents"] == GANGNAM_RESIDENTS
    assert {n.district_code for n in result.neighbourhoods} == {GANGNAM}
    assert len(result.neighbourhoods) == GANGNAM_NEIGHBOURHOODS
    # without a city: every district of the country, as before
    city_clear()
    assert services.access_compute().totals["residents"] > 50_000_000


def test_planning_page_reports_gangnams_share(gangnam: Any) -> None:
    import re

    from learncity.planning import services

    page = signed_in(gangnam["city_admin"]).get("/console/planning/")
    assert page.status_code == 200
    body = page.content.decode()
    share = services.access_compute().totals["residents_share"]
    totals = re.search(r'data-testid="totals">[^<]*?([\d.]+)%', body)
    assert totals is not None
    assert totals.group(1) == f"{100 * share:.1f}"  # of 강남구's residents
    assert f'<td class="num">{GANGNAM_RESIDENTS}</td>' in body  # 강남구's row: its residents
    assert "서초구" not in body


def test_console_city_level_is_gangnam(gangnam: Any) -> None:
    from learncity.analytics.selectors import Filters, indicator_drilldown, indicator_values

    city_values = {v.id: v for v in indicator_values(Filters(), breakdown=True)}
    district_values = {
        v.id: v for v in indicator_values(Filters(district_code=GANGNAM), breakdown=False)
    }
    assert city_values.keys() == district_values.keys()
    for indicator_id, value in city_values.items():
        # the city is 강남구: its whole-city figures are 강남구's, denominators included
        assert value.denominator == district_values[indicator_id].denominator, indicator_id
        assert value.value == pytest.approx(district_values[indicator_id].value), indicator_id
        assert {r.region_code for r in value.breakdown if r.level == "district"} <= {GANGNAM}
    some = next(iter(city_values))
    (row,) = indicator_drilldown(some, Filters(), "city", None)
    assert row["name"] == "서울특별시 강남구"
    districts = indicator_drilldown(some, Filters(), "district", None)
    assert [r["code"] for r in districts] == [GANGNAM]
    page = signed_in(gangnam["city_admin"]).get("/console/")
    assert page.status_code == 200
    assert "열람 범위: 서울특별시 강남구" in page.content.decode()


def test_annual_report_is_of_the_city(gangnam: Any) -> None:
    from learncity.analytics.report import render_html, report_build

    report = report_build(2026)
    assert report["scope"] == "서울특별시 강남구"
    assert report["city"]["population"] == GANGNAM_RESIDENTS
    html = render_html(report)
    assert "서울특별시 강남구" in html


# ---------------------------------------------------------------- the demo


def test_real_mode_sets_the_area_the_course_files_cover(real: Any) -> None:
    from learncity.demo.city_setting import real_city_set

    first = real_city_set()
    assert first["status"] == "set"
    assert first["areas"] == [{"code": GANGNAM, "full_name": "서울특별시 강남구"}]
    assert first["name"] == "서울특별시 강남구"
    # an operator's choice is kept
    city_set(areas=["서초구"])
    assert real_city_set()["status"] == "kept"
    assert city_brand().name == "서울특별시 서초구"


def test_the_demo_city_is_the_city_after_the_demo(empty_database: None, client: Client) -> None:
    from learncity.demo.city import demo_city_load
    from learncity.demo.city_setting import demo_city_set

    demo_city_load()
    shown = demo_city_set()
    assert shown["name"] == "데모배움시"
    assert shown["demo"] is True
    assert shown["districts"] == 4
    body = client.get("/").content.decode()
    area = body[body.index('data-testid="area-list"') :].split("</section>")[0]
    assert {"데모배움시 " + n for n in ("한빛구", "누리구", "가람구", "솔내군")} == {
        line.strip() for line in _full_rows(area)
    }


def _full_rows(html: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row">([^<]+)</th>', html)


# ---------------------------------------------------------------- messages and credentials


def test_messages_are_delivered_in_the_citys_name(gangnam: Any) -> None:
    from learncity.notifications.models import OutboxMessage
    from learncity.notifications.services import branded, queue, send_due
    from learncity.regions.selectors import city_sender_name

    sender = city_sender_name()
    assert sender == "서울특별시 강남구 평생학습"
    assert branded("[learncity] 내일 수업", sender) == "[서울특별시 강남구 평생학습] 내일 수업"
    assert branded("learncity 비밀번호 재설정: 주소", sender) == (
        "서울특별시 강남구 평생학습 비밀번호 재설정: 주소"
    )
    assert branded("run learncity demo", sender) == "run learncity demo"  # a command stays
    assert branded("[learncity] 내일 수업", "") == "[learncity] 내일 수업"  # no city: as written

    class Recorder:
        def __init__(self) -> None:
            self.sent: list[tuple[str, str]] = []

        def send(self, message: OutboxMessage) -> None:
            self.sent.append((message.subject, message.body))

    recorder = Recorder()
    queue(
        kind="test",
        channel=OutboxMessage.Channel.EMAIL,
        recipient="citizen@example.kr",
        subject="[learncity] 내일 수업",
        body="learncity 안내: 내일 10시",
        dedupe_key="g1-city-test",
    )
    counts = send_due(channel_adapters={"email": recorder, "sms": recorder}, sender=sender)
    assert counts["sent"] >= 1
    assert (
        "[서울특별시 강남구 평생학습] 내일 수업",
        "서울특별시 강남구 평생학습 안내: 내일 10시",
    ) in (recorder.sent)


def test_credentials_name_the_city_as_issuer(gangnam: Any, settings: Any) -> None:
    from learncity.records.credentials import issuer_profile

    settings.LEARNCITY_ISSUER_NAME = ""
    assert issuer_profile()["name"] == "서울특별시 강남구 평생학습"
    settings.LEARNCITY_ISSUER_NAME = "강남구청 평생학습관"  # configured: wins
    assert issuer_profile()["name"] == "강남구청 평생학습관"
    settings.LEARNCITY_ISSUER_NAME = ""
    city_clear()
    assert issuer_profile()["name"] == "평생학습도시"
