"""The offline SVG map: classes, legend, accessibility, determinism, hostile input."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.svgmap import (
    VIRIDIS,
    MapPoint,
    MapShape,
    class_of,
    palette,
    quantile_breaks,
    render_map,
)

SVG = "{http://www.w3.org/2000/svg}"


def square(x: float, y: float, size: float = 0.01) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


SHAPES = [
    MapShape("1168010100", "역삼1동", square(127.03, 37.49), 10.0, href="/console/x?a=1&b=2"),
    MapShape("1168010200", "역삼2동", square(127.04, 37.49), 20.0),
    MapShape("1168010300", "<개포>", square(127.05, 37.49), None),
    MapShape("1168010400", "삼성1동", {"type": "Point", "coordinates": [127.06, 37.5]}, 40.0),
]
POINTS = [
    MapPoint(37.495, 127.035, "강남구립도서관 & 센터"),
    MapPoint(37.498, 127.055, "제안 1", kind="site"),
]


def test_map_is_valid_accessible_svg_without_external_resources():
    svg = render_map(SHAPES, POINTS, title="도보 15분 / 15-minute walk", legend_title="분 / min")
    root = ET.fromstring(svg)  # well-formed, names escaped
    assert root.get("role") == "img"
    assert root.get("aria-label") == "도보 15분 / 15-minute walk"
    titles = [t.text for t in root.iter(SVG + "title")]
    assert "역삼1동 (1168010100): 10" in titles
    assert "<개포> (1168010300): 자료 없음 / no data" in titles
    assert "강남구립도서관 & 센터" in titles
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert 'href="/console/x?a=1&amp;b=2"' in svg
    assert "url(#nodata)" in svg
    assert "제안 입지 / proposed site" in svg


def test_deterministic():
    assert render_map(SHAPES, POINTS, title="t") == render_map(SHAPES, POINTS, title="t")


def test_given_breaks_colour_the_classes_and_label_the_legend():
    svg = render_map(SHAPES, title="t", breaks=[15.0, 30.0], reverse=True)
    colours = palette(3, reverse=True)
    root = ET.fromstring(svg)
    fills = {}
    for group in root.iter(SVG + "g"):
        code = group.get("data-code")
        if code:
            child = next(c for c in group if c.tag != SVG + "title")
            fills[code] = child.get("fill")
    assert fills == {
        "1168010100": colours[0],
        "1168010200": colours[1],
        "1168010300": "url(#nodata)",
        "1168010400": colours[2],
    }
    texts = [t.text for t in root.iter(SVG + "text")]
    assert [t for t in texts if t and t[0] in "<1≥"][:3] == ["< 15", "15 – 30", "≥ 30"]


def test_class_labels_override():
    svg = render_map(SHAPES, title="t", breaks=[0.5], class_labels=["아니오 / no", "예 / yes"])
    assert "아니오 / no" in svg and "예 / yes" in svg


def test_quantile_breaks_by_hand():
    assert quantile_breaks([1, 2, 3, 4, 5], 2) == [3.0]
    assert quantile_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9], 4) == [3.0, 5.0, 7.0]
    assert quantile_breaks([5, 5, 5], 3) == []
    assert quantile_breaks([None, 1.0], 3) == []
    assert quantile_breaks([], 5) == []


def test_class_of_edges():
    assert class_of(14.9, [15, 30]) == 0
    assert class_of(15, [15, 30]) == 1
    assert class_of(30, [15, 30]) == 2


def test_palette():
    assert palette(9) == list(VIRIDIS)
    assert palette(2) == [VIRIDIS[0], VIRIDIS[-1]]
    with pytest.raises(ValueError):
        palette(10)


@pytest.mark.parametrize(
    ("shapes", "kwargs"),
    [
        ([MapShape("x", "x", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, 1)], {}),
        ([MapShape("x", "x", {"coordinates": []}, 1)], {}),
        ([MapShape("x", "x", square(500, 37), 1)], {}),
        ([MapShape("x", "x", square(127, 37), float("nan"))], {}),
        (SHAPES, {"breaks": [30, 15]}),
        (SHAPES, {"breaks": [15], "class_labels": ["a"]}),
        (SHAPES, {"classes": 12}),
        (SHAPES, {"width": 10}),
    ],
)
def test_bad_input_is_refused(shapes, kwargs):
    with pytest.raises(ValueError):
        render_map(shapes, title="t", **kwargs)


def test_bad_point_is_refused():
    with pytest.raises(ValueError):
        render_map(SHAPES, [MapPoint(float("inf"), 127, "x")], title="t")


def test_empty_map_still_renders():
    root = ET.fromstring(render_map([], title="빈 지도 / empty"))
    assert root.get("aria-label") == "빈 지도 / empty"


@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), max_size=30), st.integers(1, 9))
def test_breaks_ascending_and_classes_in_range(values, classes):
    breaks = quantile_breaks(values, classes)
    assert breaks == sorted(set(breaks))
    assert len(breaks) <= classes - 1
    for v in values:
        if v is not None:
            assert 0 <= class_of(v, breaks) <= len(breaks)
    shapes = [
        MapShape(str(i), str(i), square(127 + i * 0.01, 37.5), v) for i, v in enumerate(values)
    ]
    ET.fromstring(render_map(shapes, title="t", classes=classes))


def test_id_prefix_keeps_ids_unique_on_one_page():
    svg = render_map(SHAPES, title="t", id_prefix="m2-")
    assert 'id="m2-nodata"' in svg and "url(#m2-nodata)" in svg
    assert 'id="nodata"' not in svg and "url(#nodata)" not in svg
    assert 'id="nodata"' in render_map(SHAPES, title="t")
    with pytest.raises(ValueError):
        render_map(SHAPES, title="t", id_prefix='"><script>')
