"""Population and boundary loads into the database: real files, re-loads, hostile files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from learncity.cli import app
from learncity.core.errors import InputFileError
from learncity.regions import selectors, services
from learncity.regions.models import (
    BoundaryLoad,
    PopulationByAge,
    PopulationSnapshot,
    Region,
    RegionPopulation,
)
from tests.conftest import POPULATION_FILE

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Region.objects.count(),
        PopulationSnapshot.objects.count(),
        RegionPopulation.objects.count(),
        PopulationByAge.objects.count(),
        BoundaryLoad.objects.count(),
    )


@pytest.mark.shared_data
def test_real_population_in_the_database(real_regions: dict[str, Any]) -> None:
    summary = real_regions["population"]
    assert summary["rows"] == 3910 == Region.objects.filter(source="mois").count()
    assert summary["provinces"] == 17 == Region.objects.filter(level="province").count()
    assert summary["districts"] == 277 == Region.objects.filter(level="district").count()
    assert summary["neighbourhoods"] == 3616 == Region.objects.filter(level="neighbourhood").count()
    assert summary["population"] == 51_169_148
    assert PopulationByAge.objects.count() == 3910 * 101
    seoul = Region.objects.get(code="1100000000")
    assert seoul.populations.get().total == 9_328_042
    sajik = Region.objects.get(code="1111053000")
    assert sajik.parent is not None and sajik.parent.code == "1111000000"
    jangan = Region.objects.get(code="4111100000")
    assert (
        jangan.kind == "ward" and jangan.parent is not None and jangan.parent.code == "4111000000"
    )
    # any age band can be summed: Seoul's 0-year-olds and its 100-and-older, from the file
    assert selectors.population_by_age_band(codes=["1100000000"], min_age=0, max_age=0) == {
        "1100000000": 41_118
    }
    assert selectors.population_by_age_band(codes=["1100000000"], min_age=100, max_age=100) == {
        "1100000000": 1_494
    }


@pytest.mark.shared_data
def test_real_boundaries_cover_neighbourhoods(real_regions: dict[str, Any]) -> None:
    report = real_regions["boundaries"]["neighbourhood"]
    assert report["areas"] == 3616
    assert report["located_share"] >= 0.95
    assert report["explained_share"] == 1.0
    assert len(report["unmatched_areas"]) == report["unmatched"]
    assert all(u["reason"] for u in report["unmatched_areas"])
    provinces = real_regions["boundaries"]["province"]
    assert provinces["matched"] == 17
    sajik = Region.objects.get(code="1111053000")
    assert sajik.location_precision == "boundary"
    assert sajik.centroid_lat == pytest.approx(37.576, abs=0.01)
    assert sajik.centroid_lon == pytest.approx(126.968, abs=0.01)
    # a 시 with 구 gets the union of its wards; 부천시's wards (2024) the union of their 동
    assert Region.objects.get(code="4111000000").location_precision == "union"
    assert Region.objects.get(code="4119200000").location_precision == "union"
    # 군위군 moved from 경상북도 to 대구광역시 in 2023 and still has its boundary
    assert Region.objects.get(code="2772000000").boundary_status == "moved"


@pytest.mark.shared_data
def test_reload_is_unchanged_and_writes_nothing(real_regions: dict[str, Any]) -> None:
    before = _counts()
    stamps = dict(Region.objects.values_list("code", "updated_at"))
    snapshot = PopulationSnapshot.objects.values_list("pk", "loaded_at").get()
    again = services.population_load(path=POPULATION_FILE)
    assert again["status"] == "unchanged"
    assert _counts() == before
    assert dict(Region.objects.values_list("code", "updated_at")) == stamps
    assert PopulationSnapshot.objects.values_list("pk", "loaded_at").get() == snapshot


@pytest.mark.shared_data
def test_failure_while_writing_leaves_everything_as_it_was(
    real_regions: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid, changed file whose write fails half-way (after the areas were upserted and
    the old snapshot deleted) must leave the old areas and the old snapshot in place."""
    renamed = POPULATION_FILE.read_bytes().replace(
        "사직동(1111053000)".encode("cp949"), "새사직동(1111053000)".encode("cp949")
    )
    path = _write(tmp_path, "renamed.csv", renamed)
    before = _counts()

    def boom(values: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_ages_insert", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        services.population_load(path=path)
    assert _counts() == before
    assert Region.objects.get(code="1111053000").name == "사직동"
    assert PopulationSnapshot.objects.get().file_name == POPULATION_FILE.name


@pytest.mark.shared_data
def test_boundary_reload_after_another_file_is_applied_again(
    real_regions: dict[str, Any], tmp_path: Path
) -> None:
    from tests.conftest import BOUNDARY_FILES

    real = BOUNDARY_FILES["province"]
    topology = json.loads(real.read_text(encoding="utf-8"))
    topology["transform"]["translate"][1] -= 20  # everything moved 20 degrees south
    moved = _write(tmp_path, "moved.json", json.dumps(topology).encode())
    assert services.boundaries_load(path=moved)["status"] == "loaded"
    assert Region.objects.get(code="1100000000").centroid_lat == pytest.approx(17.55, abs=0.1)
    again = services.boundaries_load(path=real)
    assert again["status"] == "loaded"
    assert Region.objects.get(code="1100000000").centroid_lat == pytest.approx(37.55, abs=0.1)
    assert services.boundaries_load(path=real)["status"] == "unchanged"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b.decode("cp949").encode("utf-16"), "line 1: the file contains NUL bytes"),
        (
            lambda b: b.replace('"2025년05월_계_57세",'.encode("cp949"), b"", 1),
            "line 1, column '2025년05월_계_57세': missing column for age 57",
        ),
        (
            lambda b: b.replace(b'"41,118"', b'"41,1l8"', 1),
            "line 2, column '2025년05월_계_0세': not a whole number: '41,1l8'",
        ),
        (
            lambda b: b + b.split(b"\n")[3] + b"\n",
            "line 3912, column '행정구역': code 1111051500 appears twice (first on line 4)",
        ),
    ],
    ids=["encoding", "missing-column", "non-numeric", "duplicate-code"],
)
def test_bad_population_file_writes_nothing(
    real_regions: dict[str, Any], tmp_path: Path, mutate: Any, expected: str
) -> None:
    path = _write(tmp_path, "bad.csv", mutate(POPULATION_FILE.read_bytes()))
    before = _counts()
    with pytest.raises(InputFileError) as caught:
        services.population_load(path=path)
    assert str(path) in caught.value.message
    assert expected in caught.value.message
    assert _counts() == before


def test_bad_file_on_an_empty_database_writes_nothing(no_regions: None, tmp_path: Path) -> None:
    path = _write(tmp_path, "half.csv", '"행정구역","2025년05월_계_총인구수"\r\n'.encode("cp949"))
    with pytest.raises(InputFileError, match="missing column for age 0"):
        services.population_load(path=path)
    assert _counts() == (0, 0, 0, 0, 0)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        services.population_load(path=tmp_path / "absent.csv")


def test_boundaries_before_population_is_a_clear_error(no_regions: None, tmp_path: Path) -> None:
    topology = {
        "type": "Topology",
        "objects": {
            "a": {
                "type": "GeometryCollection",
                "geometries": [
                    {
                        "type": "Polygon",
                        "arcs": [[0]],
                        "properties": {"code": "11", "name": "서울특별시"},
                    }
                ],
            }
        },
        "arcs": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
    }
    path = _write(tmp_path, "p.json", json.dumps(topology).encode())
    with pytest.raises(InputFileError, match="load a population file first"):
        services.boundaries_load(path=path)
    assert BoundaryLoad.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe{", "not UTF-8"),
        (b'{"type": "Topology"', "not JSON"),
        (b'{"type": "FeatureCollection"}', "not a TopoJSON topology"),
    ],
)
def test_bad_boundary_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = _write(tmp_path, "b.json", data)
    with pytest.raises(InputFileError, match=message):
        services.boundaries_load(path=path)


@pytest.mark.shared_data
def test_cli_load_population_json(real_regions: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, ["regions", "load-population", str(POPULATION_FILE), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["rows"] == 3910
    assert figures["provinces"] == 17
    assert figures["districts"] == 277
    assert figures["neighbourhoods"] == 3616
    assert figures["population"] == 51_169_148


def test_cli_bad_file_exits_2_with_message(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.csv", b"hello,world\r\n")
    result = CliRunner().invoke(app, ["regions", "load-population", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}, line 1, column 'hello'" in result.stderr
