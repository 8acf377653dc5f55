"""Area geometry with shapely: repair, centroid, area, compact GeoJSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Area:
    geometry: dict[str, Any]  # GeoJSON, WGS84 lon/lat
    centroid: tuple[float, float]  # (lat, lon)
    area_km2: float
    repaired: str | None  # why it had to be repaired, when it had to


def _polygons_only(geometry: shapely.Geometry) -> MultiPolygon:
    parts: list[Polygon] = []
    if isinstance(geometry, Polygon):
        parts = [geometry]
    elif isinstance(geometry, MultiPolygon):
        parts = list(geometry.geoms)
    elif hasattr(geometry, "geoms"):
        for member in geometry.geoms:
            parts.extend(_polygons_only(member).geoms)
    return MultiPolygon([p for p in parts if not p.is_empty])


def area_km2(geometry: shapely.Geometry) -> float:
    """Area on a local equirectangular projection: exact enough for a neighbourhood or a city."""
    if geometry.is_empty:
        return 0.0
    lat0 = math.radians(geometry.centroid.y)
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(lat0)
    ky = math.radians(1) * EARTH_RADIUS_M
    projected = shapely.transform(geometry, lambda xy: xy * [kx, ky])
    return float(projected.area) / 1e6


def _check_coordinates(geometry: shapely.Geometry) -> None:
    coordinates = shapely.get_coordinates(geometry)
    if coordinates.size == 0:
        raise ValueError("the geometry has no coordinates")
    if not np.isfinite(coordinates).all():
        raise ValueError("coordinates that are not finite numbers (NaN or infinity)")
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        raise ValueError("coordinates outside longitude ±180 / latitude ±90 (not WGS84?)")


def build_area(geojson: dict[str, Any], *, precision: int = 6) -> Area:
    """Validate (and repair) a polygonal WGS84 GeoJSON geometry.

    Raises ValueError (never a shapely error) when nothing usable is left.
    """
    try:
        return _build_area(geojson, precision)
    except ShapelyError as exc:
        raise ValueError(f"geometry engine refused it: {exc}") from None


def _build_area(geojson: dict[str, Any], precision: int) -> Area:
    try:
        geometry = shape(geojson)
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ValueError(f"malformed geometry: {exc!r}") from None
    _check_coordinates(geometry)
    repaired: str | None = None
    if not geometry.is_valid:
        repaired = explain_validity(geometry)
        geometry = shapely.make_valid(geometry)
    polygons = _polygons_only(geometry)
    if polygons.is_empty or polygons.area == 0:
        raise ValueError("the geometry has no area" + (f" ({repaired})" if repaired else ""))
    polygons = shapely.set_precision(polygons, 10**-precision)
    if polygons.is_empty:
        raise ValueError("the geometry vanished at coordinate precision")
    centroid = polygons.centroid
    if not polygons.contains(centroid):
        # A crescent-shaped area: use a point surely inside, so "where is it" is never the sea.
        centroid = polygons.point_on_surface()
    single = polygons.geoms[0] if len(polygons.geoms) == 1 else polygons
    return Area(
        geometry=dict(mapping(single)),
        centroid=(round(centroid.y, precision), round(centroid.x, precision)),
        area_km2=round(area_km2(polygons), 4),
        repaired=repaired,
    )


def union_geojson(geometries: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        merged = shapely.union_all([shapely.make_valid(shape(g)) for g in geometries])
    except ShapelyError as exc:
        raise ValueError(f"geometry engine could not unite the parts: {exc}") from None
    return dict(mapping(merged))
