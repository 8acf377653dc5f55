"""Read a walking graph from OpenStreetMap (``.osm``, ``.osm.pbf``, via osmium) or GraphML.

OpenStreetMap: every way with a ``highway`` tag a pedestrian may use becomes edges between its
consecutive nodes, with great-circle lengths in metres. Left out: motorways and their links,
ways under construction or proposed, ``foot=no``, ``access=no/private`` (unless ``foot`` says
yes/designated/permissive), and areas (``area=yes``). Nodes no walkable way touches are dropped.

GraphML (e.g. saved by OSMnx): node attributes ``y``/``x`` or ``lat``/``lon``; an edge
``length`` in metres when present, else the great-circle length between its ends.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from learncity.algorithms.access import EARTH_RADIUS_M, WalkGraph

NOT_WALKABLE = {
    "motorway",
    "motorway_link",
    "construction",
    "proposed",
    "abandoned",
    "platform",
    "raceway",
    "bus_guideway",
    "escape",
}
FOOT_YES = {"yes", "designated", "permissive", "official"}


class GraphReadError(ValueError):
    """The file is not a walking graph this module can read."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def walkable(tags: dict[str, str]) -> bool:
    highway = tags.get("highway")
    if not highway or highway in NOT_WALKABLE or tags.get("area") == "yes":
        return False
    foot = tags.get("foot", "")
    if foot == "no":
        return False
    return not (tags.get("access") in {"no", "private"} and foot not in FOOT_YES)


def _build(
    coords: dict[int, tuple[float, float]], pairs: list[tuple[int, int, float | None]]
) -> WalkGraph:
    used = sorted({a for a, _, _ in pairs} | {b for _, b, _ in pairs})
    if not used:
        raise GraphReadError("no walkable ways in the file / 보행 가능한 길이 없습니다")
    position = {node: i for i, node in enumerate(used)}
    lat = np.array([coords[n][0] for n in used])
    lon = np.array([coords[n][1] for n in used])
    edges = np.array([(position[a], position[b]) for a, b, _ in pairs], dtype=np.int64)
    lengths = np.array(
        [
            length
            if length is not None
            else haversine_m(coords[a][0], coords[a][1], coords[b][0], coords[b][1])
            for a, b, length in pairs
        ]
    )
    return WalkGraph(lat=lat, lon=lon, edges=edges, length_m=lengths)


def read_osm(path: Path) -> WalkGraph:
    import osmium

    coords: dict[int, tuple[float, float]] = {}
    pairs: list[tuple[int, int, float | None]] = []
    try:
        processor = osmium.FileProcessor(str(path)).with_locations()
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {tag.k: tag.v for tag in obj.tags}
            if not walkable(tags):
                continue
            previous: int | None = None
            for node in obj.nodes:
                if not node.location.valid():
                    previous = None
                    continue
                coords[node.ref] = (node.location.lat, node.location.lon)
                if previous is not None and previous != node.ref:
                    pairs.append((previous, node.ref, None))
                previous = node.ref
    except RuntimeError as error:
        raise GraphReadError(
            f"cannot read the OpenStreetMap file / OSM 파일을 읽을 수 없습니다: {error}"
        ) from error
    return _build(coords, pairs)


def read_graphml(path: Path) -> WalkGraph:
    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except Exception as error:  # networkx raises many kinds for a bad file
        raise GraphReadError(
            f"cannot read the GraphML file / GraphML 파일을 읽을 수 없습니다: {error}"
        ) from error
    coords: dict[int, tuple[float, float]] = {}
    ids = {node: i for i, node in enumerate(sorted(graph.nodes, key=str))}
    for node, data in graph.nodes(data=True):
        lat = data.get("y", data.get("lat"))
        lon = data.get("x", data.get("lon"))
        if lat is None or lon is None:
            raise GraphReadError(
                f"node {node!r} has no coordinates (y/x or lat/lon) / 노드에 좌표가 없습니다"
            )
        coords[ids[node]] = (float(lat), float(lon))
    pairs: list[tuple[int, int, float | None]] = []
    for a, b, data in graph.edges(data=True):
        length = data.get("length")
        pairs.append((ids[a], ids[b], None if length is None else float(length)))
    return _build(coords, pairs)


def read_graph(path: str | Path) -> WalkGraph:
    """A walking graph from ``.osm``, ``.osm.pbf``, ``.osm.bz2`` or ``.graphml``."""
    file = Path(path)
    if not file.is_file():
        raise GraphReadError(f"no such file / 파일이 없습니다: {file}")
    name = file.name.lower()
    if name.endswith(".graphml"):
        return read_graphml(file)
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz")):
        return read_osm(file)
    raise GraphReadError(
        f"unknown street network format / 알 수 없는 도로망 형식: {file.name} "
        "(.osm, .osm.pbf or .graphml)"
    )
