"""Decode TopoJSON (https://github.com/topojson/topojson-specification) into GeoJSON geometries.

Only what boundary files use: Polygon and MultiPolygon (and GeometryCollections of them),
quantized or not. A broken feature (arc index out of range, empty ring) is reported in
`DecodedFeature.problem`, never raised, so one bad area cannot stop a load.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Position = tuple[float, float]
Ring = list[Position]


class TopoJSONError(ValueError):
    pass


@dataclass(frozen=True)
class DecodedFeature:
    index: int
    properties: dict[str, Any]
    geometry: dict[str, Any] | None  # GeoJSON geometry (Polygon or MultiPolygon)
    problem: str | None = None
    dropped_rings: int = 0  # rings too small to be an area (islets collapsed by simplification)


class _Counter:
    def __init__(self) -> None:
        self.dropped = 0


def decode_arcs(topology: dict[str, Any]) -> list[list[Position]]:
    """Absolute coordinates of every arc (delta-decoded and transformed when quantized)."""
    raw_arcs = topology.get("arcs")
    if not isinstance(raw_arcs, list):
        raise TopoJSONError("no 'arcs' array: not a TopoJSON topology")
    transform = topology.get("transform")
    arcs: list[list[Position]] = []
    if transform:
        try:
            sx, sy = (float(v) for v in transform["scale"])
            tx, ty = (float(v) for v in transform["translate"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TopoJSONError(f"malformed 'transform': {exc}") from exc
        for number, arc in enumerate(raw_arcs):
            x = y = 0
            points: list[Position] = []
            try:
                for position in arc:
                    x += int(position[0])
                    y += int(position[1])
                    points.append((x * sx + tx, y * sy + ty))
            except (TypeError, ValueError, IndexError, OverflowError) as exc:
                raise TopoJSONError(f"arc {number} is malformed: {exc}") from exc
            arcs.append(points)
    else:
        for number, arc in enumerate(raw_arcs):
            try:
                arcs.append([(float(p[0]), float(p[1])) for p in arc])
            except (TypeError, ValueError, IndexError, OverflowError) as exc:
                raise TopoJSONError(f"arc {number} is malformed: {exc}") from exc
    return arcs


def _ring(arc_indexes: Sequence[int], arcs: list[list[Position]]) -> Ring | None:
    ring: Ring = []
    for index in arc_indexes:
        if not isinstance(index, int):
            raise TopoJSONError(f"arc reference {index!r} is not an integer")
        real = ~index if index < 0 else index
        if real >= len(arcs):
            raise TopoJSONError(f"arc {real} does not exist (the topology has {len(arcs)})")
        points = arcs[real][::-1] if index < 0 else arcs[real]
        ring.extend(points[1:] if ring else points)
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        return None  # collapsed by simplification: no area left
    return ring


def _polygon(
    rings: Sequence[Sequence[int]], arcs: list[list[Position]], tally: _Counter
) -> list[Ring]:
    """A polygon's rings; an empty list when its exterior ring collapsed."""
    decoded = [_ring(r, arcs) for r in rings]
    tally.dropped += sum(1 for r in decoded if r is None)
    if not decoded or decoded[0] is None:
        return []
    return [r for r in decoded if r is not None]


def _geometry(
    obj: dict[str, Any], arcs: list[list[Position]], tally: _Counter
) -> dict[str, Any] | None:
    kind = obj.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        rings = _polygon(obj["arcs"], arcs, tally)
        return {"type": "Polygon", "coordinates": rings} if rings else None
    if kind == "MultiPolygon":
        polygons = [p for p in (_polygon(rings, arcs, tally) for rings in obj["arcs"]) if p]
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    if kind == "GeometryCollection":
        polygons = []
        for member in obj.get("geometries", []):
            geometry = _geometry(member, arcs, tally)
            if geometry is None:
                continue
            if geometry["type"] == "Polygon":
                polygons.append(geometry["coordinates"])
            else:
                polygons.extend(geometry["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    raise TopoJSONError(f"geometry type {kind!r} is not an area")


def load(text: str) -> dict[str, Any]:
    try:
        topology = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TopoJSONError(f"not JSON: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError:
        raise TopoJSONError("not usable JSON: nested too deeply") from None
    if not isinstance(topology, dict) or topology.get("type") != "Topology":
        raise TopoJSONError('not a TopoJSON topology (no "type": "Topology")')
    if not isinstance(topology.get("objects"), dict) or not topology["objects"]:
        raise TopoJSONError("the topology has no objects")
    return topology


def features(topology: dict[str, Any]) -> list[DecodedFeature]:
    """Every geometry of every object, in order, with its properties."""
    arcs = decode_arcs(topology)
    decoded: list[DecodedFeature] = []
    for name, obj in topology["objects"].items():
        if not isinstance(obj, dict):
            raise TopoJSONError(f"object {name!r} is not a geometry")
        members = obj.get("geometries") if obj.get("type") == "GeometryCollection" else [obj]
        if not isinstance(members, list):
            raise TopoJSONError(f"object {name!r} has no list of geometries")
        for member in members:
            index = len(decoded)
            if not isinstance(member, dict):
                decoded.append(DecodedFeature(index, {}, None, "not a geometry object"))
                continue
            raw_properties = member.get("properties")
            properties = dict(raw_properties) if isinstance(raw_properties, dict) else {}
            if "id" in member and "id" not in properties:
                properties["id"] = member["id"]
            tally = _Counter()
            try:
                geometry = _geometry(member, arcs, tally)
                problem = None if geometry is not None else "no geometry with an area"
            except (TopoJSONError, KeyError, TypeError, ValueError, IndexError) as exc:
                geometry, problem = None, f"broken geometry: {exc}"
            decoded.append(DecodedFeature(index, properties, geometry, problem, tally.dropped))
    return decoded
