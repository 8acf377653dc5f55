"""Walking access: hand-computed grids (network and straight line), hostile input, properties."""

import math
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.access import (
    EARTH_RADIUS_M,
    Points,
    StraightLine,
    StreetNetwork,
    WalkGraph,
    coverage,
    covered_mask,
)
from learncity.algorithms.osm import GraphReadError, read_graph

# A 5 x 5 street grid, blocks of 200 m: at 4.8 km/h (80 m a minute) one block is 2.5 minutes.
#   (r, c) is node r * 5 + c; coordinates only place the nodes (lengths are given).
ROWS = COLS = 5
LAT0, LON0, DLAT, DLON = 37.5, 127.0, 0.0018, 0.00227


def grid_graph(missing: set[tuple[int, int]] = frozenset()) -> WalkGraph:
    lat = np.array([LAT0 + r * DLAT for r in range(ROWS) for c in range(COLS)])
    lon = np.array([LON0 + c * DLON for r in range(ROWS) for c in range(COLS)])
    edges = []
    for r in range(ROWS):
        for c in range(COLS):
            node = r * COLS + c
            if c + 1 < COLS:
                edges.append((node, node + 1))
            if r + 1 < ROWS:
                edges.append((node, node + COLS))
    edges = [e for e in edges if e not in missing]
    return WalkGraph(lat=lat, lon=lon, edges=np.array(edges), length_m=np.full(len(edges), 200.0))


def at(*cells: tuple[int, int]) -> Points:
    return Points.of([(LAT0 + r * DLAT, LON0 + c * DLON) for r, c in cells])


def test_grid_network_walking_times_by_hand():
    model = StreetNetwork(grid_graph())
    venues = at((0, 0), (4, 4))
    origins = at((0, 0), (0, 1), (2, 2), (1, 3), (4, 3))
    result = model.reach(origins, venues, minutes=5, weights=np.array([3.0, 7.0]))
    # Manhattan blocks x 2.5 min: 0, 1, 4 (tie: lower venue), 4 to (0,0) / 4 to (4,4), 1
    assert result.minutes.tolist() == [0.0, 2.5, 10.0, 10.0, 2.5]
    assert result.nearest.tolist() == [0, 0, 0, 0, 1]
    # within 5 minutes (2 blocks): only the first two origins reach (0,0), the last (4,4)
    assert result.reachable_venues.tolist() == [1, 1, 0, 0, 1]
    assert result.reachable_weight.tolist() == [3.0, 3.0, 0.0, 0.0, 7.0]
    wide = model.reach(origins, venues, minutes=10, weights=np.array([3.0, 7.0]))
    assert wide.reachable_weight.tolist() == [3.0, 3.0, 10.0, 10.0, 7.0]


def test_grid_network_a_missing_street_makes_the_detour():
    # cut (0,0)-(0,1) and (0,0)-(1,0)... keep (1,0): the way from (0,1) goes round the block
    model = StreetNetwork(grid_graph(missing={(0, 1)}))
    result = model.reach(at((0, 1)), at((0, 0)), minutes=15)
    assert result.minutes.tolist() == [7.5]  # (0,1) -> (1,1) -> (1,0) -> (0,0)


def test_grid_network_coverage_by_hand():
    model = StreetNetwork(grid_graph())
    venues = at((0, 0), (4, 4), (2, 0))
    programmes = np.array([5.0, 1.0, 2.0])
    origins = at((0, 1), (4, 3), (2, 2), (3, 0))
    covered, reach = covered_mask(model, origins, venues, programmes, minutes=5, min_programmes=2)
    # venue (4,4) has too few programmes; (4,3) is 1 block from it but 5 from the others
    assert covered.tolist() == [True, False, True, True]
    assert reach.nearest.tolist() == [0, 2, 2, 2]
    rows = coverage(
        covered,
        ["A", "A", "B", "B"],
        residents=np.array([100, 50, 30, 20]),
        seniors=np.array([10, 5, 3, 0]),
        children=np.array([0, 0, 0, 0]),
    )
    assert [(r.group, r.residents, r.residents_covered) for r in rows] == [
        ("A", 150.0, 100.0),
        ("B", 50.0, 50.0),
    ]
    assert rows[0].residents_share == pytest.approx(2 / 3)
    assert rows[0].seniors_share == pytest.approx(10 / 15)
    assert rows[1].seniors_share == 1.0
    assert rows[0].children_share is None


def test_snapping_adds_the_straight_walk_to_the_node():
    model = StreetNetwork(grid_graph())
    # an origin 80 m north of node (0,0) along the meridian (not on the grid's next node)
    dlat = math.degrees(80 / EARTH_RADIUS_M)
    origin = Points.of([(LAT0 - dlat, LON0)])
    result = model.reach(origin, at((0, 1)), minutes=15)
    assert result.minutes[0] == pytest.approx(1 + 2.5, abs=1e-9)


def test_straight_line_by_hand():
    model = StraightLine(walking_speed_kmh=4.8, detour_factor=1.25)
    # venue 800 m north: 800 x 1.25 / 80 = 12.5 minutes
    dlat = math.degrees(800 / EARTH_RADIUS_M)
    origins = Points.of([(37.5, 127.0), (37.5 + 2 * dlat, 127.0)])
    venues = Points.of([(37.5 + dlat, 127.0)])
    result = model.reach(origins, venues, minutes=12.5)
    assert result.minutes == pytest.approx([12.5, 12.5], abs=1e-9)
    assert result.reachable_venues.tolist() == [1, 1]
    assert model.reach(origins, venues, minutes=12.4).reachable_venues.tolist() == [0, 0]
    assert StraightLine().radius_m(15) == pytest.approx(1200 / 1.3)


def test_straight_line_weights_and_cover_sets():
    model = StraightLine(detour_factor=1.0)
    d = math.degrees(400 / EARTH_RADIUS_M)  # 400 m = 5 minutes
    venues = Points.of([(37.5 + d, 127.0), (37.5 - d, 127.0), (37.5 + 3 * d, 127.0)])
    origins = Points.of([(37.5, 127.0)])
    result = model.reach(origins, venues, minutes=5, weights=np.array([2.0, 3.0, 100.0]))
    assert result.reachable_weight.tolist() == [5.0]
    assert result.reachable_venues.tolist() == [2]
    assert [c.tolist() for c in model.cover_sets(origins, venues, minutes=5)] == [[0, 1]]


def test_no_venues_means_nobody_covered():
    result = StraightLine().reach(Points.of([(37.5, 127.0)]), Points.of([]), minutes=15)
    assert result.minutes.tolist() == [math.inf]
    assert result.nearest.tolist() == [-1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Points.of([(91.0, 127.0)]),
        lambda: Points.of([(float("nan"), 127.0)]),
        lambda: Points(np.zeros(2), np.zeros(3)),
        lambda: StraightLine(walking_speed_kmh=0),
        lambda: StraightLine(detour_factor=0.5),
        lambda: StraightLine().reach(Points.of([(37, 127)]), Points.of([(37, 127)]), minutes=-1),
        lambda: StraightLine().reach(
            Points.of([(37, 127)]), Points.of([(37, 127)]), weights=np.array([1.0, 2.0])
        ),
        lambda: WalkGraph(np.zeros(2), np.zeros(2), np.array([[0, 5]]), np.array([1.0])),
        lambda: WalkGraph(np.zeros(2), np.zeros(2), np.array([[0, 1]]), np.array([-1.0])),
    ],
)
def test_bad_input_is_refused(make):
    with pytest.raises(ValueError):
        make()


coordinates = st.tuples(st.floats(37.4, 37.6), st.floats(126.9, 127.1))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(coordinates, min_size=1, max_size=15),
    st.lists(coordinates, min_size=1, max_size=15),
    st.floats(0, 60),
    st.floats(0, 60),
)
def test_coverage_is_monotone_in_minutes(origins, venues, t1, t2):
    low, high = sorted((t1, t2))
    model = StraightLine()
    o, v = Points.of(origins), Points.of(venues)
    a = model.reach(o, v, minutes=low)
    b = model.reach(o, v, minutes=high)
    assert (a.reachable_venues <= b.reachable_venues).all()
    assert ((a.minutes <= low) <= (b.minutes <= high)).all()
    assert np.array_equal(a.minutes, b.minutes)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=6),
    st.sampled_from([2.5, 5.0, 7.5, 10.0]),
)
def test_network_matches_manhattan_distance_on_the_full_grid(venue_cells, origin_cells, minutes):
    result = StreetNetwork(grid_graph()).reach(at(*origin_cells), at(*venue_cells), minutes=minutes)
    for i, (r, c) in enumerate(origin_cells):
        blocks = [abs(r - vr) + abs(c - vc) for vr, vc in venue_cells]
        assert result.minutes[i] == min(blocks) * 2.5
        assert result.reachable_venues[i] == sum(b * 2.5 <= minutes for b in blocks)


OSM_XML = textwrap.dedent(
    """\
    <?xml version="1.0" encoding="UTF-8"?>
    <osm version="0.6" generator="hand">
      <node id="1" lat="37.5" lon="127.0" version="1"/>
      <node id="2" lat="37.5" lon="127.001" version="1"/>
      <node id="3" lat="37.501" lon="127.001" version="1"/>
      <node id="4" lat="37.501" lon="127.0" version="1"/>
      <node id="5" lat="37.6" lon="127.0" version="1"/>
      <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
        <tag k="highway" v="residential"/></way>
      <way id="11" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way>
      <way id="12" version="1"><nd ref="4"/><nd ref="1"/><tag k="highway" v="motorway"/></way>
      <way id="13" version="1"><nd ref="4"/><nd ref="5"/><tag k="highway" v="service"/>
        <tag k="access" v="private"/></way>
    </osm>
    """
)


def test_read_osm_keeps_walkable_ways(tmp_path):
    path = tmp_path / "small.osm"
    path.write_text(OSM_XML)
    graph = read_graph(path)
    assert len(graph.lat) == 4  # node 5 only on a private way
    assert len(graph.edges) == 3  # the motorway is left out
    model = StreetNetwork(graph)
    result = model.reach(Points.of([(37.5, 127.0)]), Points.of([(37.501, 127.0)]), minutes=30)
    # round by the three walkable segments, not the 111 m motorway
    east = (
        2
        * EARTH_RADIUS_M
        * math.asin(math.cos(math.radians(37.5)) * math.sin(math.radians(0.0005)))
    )
    assert result.minutes[0] > (111 / 80)
    assert result.minutes[0] == pytest.approx((east * 2 + 111.19) / 80, rel=1e-3)


def test_read_osm_pbf_gives_the_same_graph(tmp_path):
    import osmium

    xml = tmp_path / "small.osm"
    xml.write_text(OSM_XML)
    pbf = tmp_path / "small.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(xml)):
        writer.add(obj)
    writer.close()
    a, b = read_graph(xml), read_graph(pbf)
    assert a.edges.tolist() == b.edges.tolist()
    assert np.allclose(a.length_m, b.length_m, rtol=1e-6)


def test_read_graphml(tmp_path):
    import networkx as nx

    graph = nx.Graph()
    graph.add_node("a", y=37.5, x=127.0)
    graph.add_node("b", y=37.5, x=127.001)
    graph.add_edge("a", "b", length=160.0)
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    model = StreetNetwork(read_graph(path))
    result = model.reach(Points.of([(37.5, 127.0)]), Points.of([(37.5, 127.001)]), minutes=2)
    assert result.minutes.tolist() == [2.0]


@pytest.mark.parametrize(
    ("name", "content"),
    [("x.osm", "<osm><way id='1'/></osm>"), ("x.graphml", "not xml"), ("x.txt", "")],
)
def test_bad_graph_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(GraphReadError):
        read_graph(path)
    with pytest.raises(GraphReadError):
        read_graph(tmp_path / "missing.osm")
