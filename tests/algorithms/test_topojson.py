"""TopoJSON decoding and area geometry: answers worked out by hand."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import geometry, topojson

# Two unit squares side by side sharing the arc x=1 (quantized, scale 1, translate 10/20).
TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [1, 1], "translate": [10, 20]},
    "objects": {
        "areas": {
            "type": "GeometryCollection",
            "geometries": [
                {
                    "type": "Polygon",
                    "arcs": [[0, 1]],
                    "properties": {"code": "1101053", "name": "가동"},
                },
                {
                    "type": "Polygon",
                    "arcs": [[~0, 2]],
                    "properties": {"code": "1101054", "name": "나동"},
                },
                {"type": "Polygon", "arcs": [[3]], "properties": {"code": "1101055", "name": "섬"}},
            ],
        }
    },
    "arcs": [
        [[1, 0], [0, 1]],  # (11,20) -> (11,21): the shared edge
        [[1, 1], [-1, 0], [0, -1], [1, 0]],  # (11,21) -> (10,21) -> (10,20) -> (11,20)
        [[1, 0], [1, 0], [0, 1], [-1, 0]],  # (11,20) -> (12,20) -> (12,21) -> (11,21)
        [[5, 5], [0, 0]],  # a ring collapsed to a point by simplification
    ],
}


def test_decode_shared_arcs_and_reversal() -> None:
    features = topojson.features(topojson.load(json.dumps(TOPOLOGY)))
    assert [f.properties["code"] for f in features] == ["1101053", "1101054", "1101055"]
    first, second, islet = features
    assert first.geometry == {
        "type": "Polygon",
        "coordinates": [[(11.0, 20.0), (11.0, 21.0), (10.0, 21.0), (10.0, 20.0), (11.0, 20.0)]],
    }
    assert second.geometry is not None
    assert second.geometry["coordinates"][0][:2] == [(11.0, 21.0), (11.0, 20.0)]
    assert islet.geometry is None and islet.problem == "no geometry with an area"
    assert islet.dropped_rings == 1


def test_area_centroid_and_size() -> None:
    features = topojson.features(topojson.load(json.dumps(TOPOLOGY)))
    assert features[0].geometry is not None
    area = geometry.build_area(features[0].geometry)
    assert area.centroid == (20.5, 10.5)
    # one degree square at 20.5°N: 111.195 km * 111.195 km * cos(20.5°)
    assert area.area_km2 == pytest.approx(111.195 * 111.195 * 0.93667, rel=1e-3)
    assert area.repaired is None


def test_bow_tie_is_repaired_not_crashed() -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]]}
    area = geometry.build_area(bow_tie)
    assert area.repaired is not None and "Self-intersection" in area.repaired
    assert area.area_km2 > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ('{"type": "FeatureCollection", "features": []}', "not a TopoJSON topology"),
        ('{"type": "Topology", "objects": {}}', "no objects"),
    ],
)
def test_bad_documents(text: str, message: str) -> None:
    with pytest.raises(topojson.TopoJSONError, match=message):
        topojson.features(topojson.load(text))


def test_missing_arc_is_reported_per_feature() -> None:
    broken = json.loads(json.dumps(TOPOLOGY))
    broken["objects"]["areas"]["geometries"][0]["arcs"] = [[0, 99]]
    features = topojson.features(broken)
    assert features[0].geometry is None
    assert features[0].problem is not None and "arc 99 does not exist" in features[0].problem
    assert features[1].geometry is not None  # one broken area does not stop the others


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(-10_000, 10_000), st.integers(-10_000, 10_000)),
        min_size=2,
        max_size=30,
    )
)
def test_delta_encoding_round_trips(points: list[tuple[int, int]]) -> None:
    deltas = [points[0]] + [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(points)]
    topology = {"transform": {"scale": [0.5, 2.0], "translate": [100.0, -3.0]}, "arcs": [deltas]}
    decoded = topojson.decode_arcs(topology)[0]
    assert decoded == [(x * 0.5 + 100.0, y * 2.0 - 3.0) for x, y in points]


@pytest.mark.parametrize(
    ("topology", "message"),
    [
        ({"type": "Topology", "objects": {"a": 1}, "arcs": []}, "is not a geometry"),
        (
            {
                "type": "Topology",
                "objects": {"a": {"type": "GeometryCollection", "geometries": None}},
                "arcs": [],
            },
            "no list of geometries",
        ),
        (
            {
                "type": "Topology",
                "transform": {"scale": [1, 1], "translate": [0, 0]},
                "objects": {"a": {"type": "Polygon", "arcs": [[0]]}},
                "arcs": [[[1e999, 0]]],
            },
            "arc 0 is malformed",
        ),
    ],
)
def test_malformed_structure_is_a_clear_error(topology: dict, message: str) -> None:
    with pytest.raises(topojson.TopoJSONError, match=message):
        topojson.features(topology)


def test_odd_members_become_per_feature_problems() -> None:
    topology = {
        "type": "Topology",
        "objects": {
            "a": {
                "type": "GeometryCollection",
                "geometries": [5, {"type": "Polygon", "arcs": [[0]], "properties": [1, 2]}],
            }
        },
        "arcs": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
    }
    first, second = topojson.features(topology)
    assert first.problem == "not a geometry object"
    assert second.properties == {} and second.geometry is not None


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(topojson.TopoJSONError, match="nested too deeply"):
        topojson.load("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        ([[(0, 0), (float("nan"), 0), (1, 1), (0, 0)]], "not finite"),
        ([[(0, 0), (1e308, 0), (1, 1), (0, 0)]], "outside longitude"),
        ([[(0, 0), (1, 100), (1, 0), (0, 0)]], "outside longitude"),
    ],
)
def test_unusable_coordinates_are_value_errors(coordinates: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        geometry.build_area({"type": "Polygon", "coordinates": coordinates})
