"""Planning on the real data: every district's coverage, venues placed and listed, sites,
the report section, the commands and the console pages (who may see what)."""

from __future__ import annotations

import csv
import io
import json
import math
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from learncity.cli import app
from learncity.core.errors import InputFileError
from learncity.planning import selectors, services
from learncity.planning.services import Options, PlanningError, SiteOptions
from learncity.regions.selectors import region_list

GANGNAM = "1168000000"
SEOCHO = "1165000000"
PASSWORD = "x-Planning-Pass-2026"


@pytest.fixture(scope="session")
def gangnam(world: Mapping[str, Any], shared_data: Path) -> Mapping[str, Any]:
    """The world: the real population, boundaries and Gangnam courses; one account per role."""
    return world["users"]


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


@pytest.mark.django_db
def test_every_district_of_the_population_file_is_reported(gangnam: Any) -> None:
    result = services.access_compute()
    table = {row["code"]: row for row in services.district_table(result)}
    districts_with_neighbourhoods = {
        n.district_code for n in selectors.neighbourhoods() if n.district_code
    }
    assert districts_with_neighbourhoods <= set(table)
    assert len(districts_with_neighbourhoods) > 250
    # only Gangnam has venues: every other district is reported with zero coverage
    assert table[GANGNAM]["venues"] == 7
    assert 0 < table[GANGNAM]["residents_covered"] < table[GANGNAM]["residents"]
    for code, row in table.items():
        if code != GANGNAM:
            assert row["residents_covered"] == 0, code
    # residents add up to the neighbourhoods of the file
    residents = sum(r.population or 0 for r in region_list(level="neighbourhood"))
    assert sum(row["residents"] for row in table.values()) == residents
    assert result.totals["residents"] == residents
    # 읍·면·동 without a boundary of their own stand at their district's centroid, listed
    assert result.at_district_centroid
    rows = {n.code: n for n in result.neighbourhoods}
    for code in result.at_district_centroid:
        assert rows[code].lat is not None
    for code in result.not_placed:
        assert rows[code].lat is None and not rows[code].covered


@pytest.mark.django_db
def test_gangnam_coverage_equals_an_independent_haversine_count(gangnam: Any) -> None:
    result = services.access_compute(Options(districts=(GANGNAM,)))
    radius = 15 * 80 / 1.3  # 4.8 km/h, detour 1.3
    venues = [(v.lat, v.lon) for v in result.venues if v.lat is not None and v.programmes > 0]
    expected = sum(
        n.residents
        for n in result.neighbourhoods
        if any(haversine_m((n.lat, n.lon), v) <= radius for v in venues)  # type: ignore[arg-type]
    )
    (row,) = services.district_table(result)
    assert row["residents_covered"] == expected
    seniors = sum(n.seniors for n in result.neighbourhoods if n.covered)
    assert row["seniors_covered"] == seniors
    assert row["seniors"] == sum(n.seniors for n in result.neighbourhoods)


@pytest.mark.django_db
def test_venues_without_coordinates_are_placed_and_listed(gangnam: Any) -> None:
    result = services.access_compute()
    placed = services.venue_placement_table(result)
    assert len(placed) == 7  # the Gangnam file has no coordinates
    by_name = {v["name"]: v["placed"] for v in placed}
    assert by_name["대치평생학습관"] == selectors.PLACED_BY_NAME
    assert by_name["수서평생학습센터"] == selectors.PLACED_BY_NAME
    assert by_name["신한갤러리"] == selectors.PLACED_DISTRICT
    suseo = next(v for v in placed if v["name"] == "수서평생학습센터")
    centroid = next(n for n in result.neighbourhoods if n.name == "수서동")
    assert (suseo["lat"], suseo["lon"]) == (centroid.lat, centroid.lon)


@pytest.mark.django_db
def test_longer_walks_cover_more_and_filters_cover_less(gangnam: Any) -> None:
    shares = [
        services.access_compute(Options(minutes=m, districts=(GANGNAM,))).totals[
            "residents_covered"
        ]
        for m in (5, 15, 30, 60)
    ]
    assert shares == sorted(shares)
    assert shares[-1] > shares[0]
    many = services.access_compute(Options(min_programmes=50, districts=(GANGNAM,)))
    assert many.totals["residents_covered"] <= shares[1]
    evening = services.access_compute(Options(evening=True, districts=(GANGNAM,)))
    assert evening.totals["residents_covered"] <= shares[1]


@pytest.mark.django_db
def test_sites_exact_not_worse_than_greedy_and_more_sites_never_less(gangnam: Any) -> None:
    options = Options(districts=(GANGNAM,))
    objectives = []
    for k in (1, 3, 5):
        result = services.sites_propose(options, SiteOptions(k=k))
        assert result.exact.status == "optimal"
        assert result.exact.objective >= result.greedy.objective
        assert len(result.sites) <= k
        objectives.append(result.exact.objective)
    assert objectives == sorted(objectives)
    assert objectives[-1] > 0
    weighted = services.sites_propose(options, SiteOptions(k=3, senior_weight=3.0))
    assert weighted.demand_weight > services.sites_propose(options, SiteOptions(k=3)).demand_weight


@pytest.mark.django_db
def test_sites_from_a_candidate_file(gangnam: Any, tmp_path: Path) -> None:
    path = tmp_path / "candidates.csv"
    path.write_text("name,lat,lon\n역삼 후보,37.4985,127.0449\n먼 후보,35.1,129.0\n", "utf-8")
    result = services.sites_propose(
        Options(districts=(GANGNAM,)), SiteOptions(k=1, candidates=str(path))
    )
    assert [s["name"] for s in result.sites] == ["역삼 후보"]
    assert result.candidates == 2


@pytest.mark.parametrize(
    "content",
    [
        "name,lat\nx,37\n",
        "name,lat,lon\nx,abc,127\n",
        "name,lat,lon\nx,137,127\n",
        "name,lat,lon\n",
        "name,lat,lon\nx,nan,127\n",
    ],
)
def test_bad_candidate_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(InputFileError):
        services.candidates_read(path)


@pytest.mark.parametrize(
    "content",
    [
        "lat,lon\n37,127\n",
        "lat,lon,residents\n37,127,-5\n",
        "lat,lon,residents\n37,127,many\n",
        "lat,lon,residents\n",
    ],
)
def test_bad_population_grids(tmp_path: Path, content: str) -> None:
    path = tmp_path / "g.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(InputFileError):
        services.population_grid_read(path)


@pytest.mark.django_db
def test_population_grid_counts_cells_in_their_district(gangnam: Any, tmp_path: Path) -> None:
    venue = next(v for v in services.access_compute().venues if v.name == "수서평생학습센터")
    path = tmp_path / "grid.csv"
    path.write_text(
        "lat,lon,residents,seniors,children\n"
        f"{venue.lat},{venue.lon},100,10,5\n"
        f"{venue.lat + 0.05},{venue.lon},40,4,2\n",
        "utf-8",
    )
    result = services.access_compute(Options(population_grid=str(path), districts=(GANGNAM,)))
    (row,) = [d for d in result.districts if d.residents]
    assert (row.residents, row.residents_covered, row.seniors_covered) == (140, 100, 10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options",
    [
        Options(minutes=0),
        Options(minutes=float("nan")),
        Options(min_programmes=-1),
        Options(weekday=8),
        Options(detour_factor=0.5),
    ],
)
def test_bad_options_are_refused(gangnam: Any, options: Options) -> None:
    with pytest.raises(PlanningError):
        services.access_compute(options)


@pytest.mark.django_db
def test_bad_network_file(gangnam: Any, tmp_path: Path) -> None:
    path = tmp_path / "n.osm"
    path.write_text("<osm></osm>", "utf-8")
    with pytest.raises(InputFileError) as refused:
        services.access_compute(Options(network=str(path)))
    assert refused.value.message == f"{path}: 도로망 파일을 읽을 수 없습니다"
    assert "cannot read the OpenStreetMap file" in refused.value.details["reason"]  # osm's words


@pytest.mark.django_db
def test_report_section_is_fast_and_complete(gangnam: Any) -> None:
    started = time.perf_counter()
    section = services.report_section(2026)
    elapsed = time.perf_counter() - started
    assert elapsed < 15  # a few seconds on a quiet machine
    assert section["title"] == "도보 15분 학습권과 학습센터 입지"
    coverage, proposal = section["tables"]
    assert len(coverage["columns"]) == len(coverage["rows"][0])
    assert any(row[0] == "서울특별시 강남구" for row in coverage["rows"])
    assert len(proposal["rows"]) == 5
    (figure,) = section["figures"]
    root = ET.fromstring(figure["svg"])
    assert root.get("role") == "img"
    assert all(isinstance(note, str) for note in section["notes"])
    json.dumps(section, ensure_ascii=False)


@pytest.mark.django_db
def test_plan_commands(gangnam: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "d.csv"
    geo = tmp_path / "a.geojson"
    result = runner.invoke(
        app,
        [
            "plan",
            "access",
            "--minutes",
            "15",
            "--json",
            "--csv",
            str(out),
            "--geojson",
            str(geo),
            "--district",
            GANGNAM,
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["minutes"] == 15
    assert data["districts"][0]["code"] == GANGNAM
    assert len(data["venues_placed"]) == 7
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[0]["code"] == GANGNAM
    features = json.loads(geo.read_text("utf-8"))["features"]
    assert {f["properties"]["kind"] for f in features} == {"neighbourhood", "venue"}

    result = runner.invoke(app, ["plan", "sites", "--k", "2", "--json", "--district", GANGNAM])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["k"] == 2 and data["exact"]["objective"] >= data["greedy"]["objective"]

    text = runner.invoke(app, ["plan", "access", "--district", GANGNAM])
    assert "서울특별시 강남구" in text.output and "신한갤러리" in text.output
    bad = runner.invoke(app, ["plan", "access", "--minutes", "-3"])
    assert bad.exit_code == 2


def client_for(users: dict[str, Any], who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("citizen", 403),
        ("institution_staff", 403),
        ("officer", 200),
        ("other_officer", 200),
        ("city_admin", 200),
        ("auditor", 200),
    ],
)
def test_who_may_open_the_coverage_page(gangnam: Any, who: str, status: int) -> None:
    response = client_for(gangnam, who).get("/console/planning/")
    assert response.status_code == status


@pytest.mark.django_db
def test_officer_sees_their_district_only(gangnam: Any) -> None:
    client = client_for(gangnam, "officer")
    page = client.get("/console/planning/").content.decode()
    assert "서울특별시 강남구" in page and "서울특별시 서초구" not in page
    assert 'role="img"' in page and "대치평생학습관" in page
    assert client.get(f"/console/planning/?district={SEOCHO}").status_code == 403
    assert client.get("/console/planning/?minutes=abc").status_code == 422
    assert client.get("/console/planning/?district=12").status_code == 422
    csv_text = client.get("/console/planning/?csv=districts").content.decode("utf-8-sig")
    assert [r["code"] for r in csv.DictReader(io.StringIO(csv_text))] == [GANGNAM]
    other = client_for(gangnam, "other_officer").get("/console/planning/").content.decode()
    assert "대치평생학습관" not in other


@pytest.mark.django_db
def test_city_sees_every_district_and_the_sites(gangnam: Any) -> None:
    client = client_for(gangnam, "city_admin")
    page = client.get("/console/planning/").content.decode()
    assert "서울특별시 강남구" in page and "서울특별시 서초구" in page
    sites = client.get(f"/console/planning/sites/?district={GANGNAM}&k=3")
    assert sites.status_code == 200
    assert "제안 입지" in sites.content.decode()
    download = client.get(f"/console/planning/sites/?district={GANGNAM}&k=3&csv=sites")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][0] == "rank" and len(rows) == 4
    assert client.get("/console/planning/sites/?k=99").status_code == 422


def test_demand_weights_by_hand() -> None:
    def row(code: str, residents: int, seniors: int, covered: bool) -> Any:
        return services.NeighbourhoodAccess(
            code, code, "d", "d", 37.5, 127.0, residents, seniors, 0, None, "", 0, 0, covered
        )

    rows = [row("a", 100, 10, False), row("b", 200, 50, True), row("c", 300, 0, False)]
    assert services.demand_weights(rows).tolist() == [100.0, 0.0, 300.0]
    assert services.demand_weights(rows, senior_weight=3).tolist() == [120.0, 0.0, 300.0]
    rates = {"a": 0.1, "b": 0.5, "c": 0.9}  # median 0.5: only a is below
    assert services.demand_weights(
        rows, low_participation_weight=2, participation=rates
    ).tolist() == [200.0, 0.0, 300.0]


def test_participation_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("code,rate\n1168010100,0.25\n", "utf-8")
    assert services.participation_read(path) == {"1168010100": 0.25}
    path.write_text("code,rate\n1168010100,-1\n", "utf-8")
    with pytest.raises(InputFileError):
        services.participation_read(path)


@pytest.mark.django_db
def test_each_programme_counts_at_its_venue_once(gangnam: Any) -> None:
    """Programmes of one title at one venue (a course's cohorts) are different programmes:
    the walking counts hold every offline programme once, as the catalogue lists them."""
    from collections import Counter

    from learncity.catalog.models import Programme
    from learncity.catalog.selectors import venue_programme_counts

    offline = Programme.objects.exclude(mode=Programme.Mode.ONLINE).exclude(venue=None)
    expected = Counter(offline.values_list("venue_id", flat=True))
    counted = venue_programme_counts()
    assert counted == expected
    assert sum(counted.values()) >= 322  # the real Gangnam file: every course has a venue
    # a schedule filter joins the schedules (several per programme) and still counts once
    scheduled = offline.filter(schedules__isnull=False).order_by().values_list("id", "venue_id")
    assert venue_programme_counts(starting_from=dt_time(0, 0)) == Counter(
        venue for _, venue in set(scheduled)
    )
