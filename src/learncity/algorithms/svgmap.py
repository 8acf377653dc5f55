"""Offline SVG maps: a choropleth of areas (or of centroid dots) with points on top.

Pure Python, no Django, no network: the output is one self-contained ``<svg>`` string that a
template can inline (``{{ svg|safe }}``), that weasyprint can print, and that two runs on the same
input produce byte for byte (coordinates are rounded, shapes and points drawn in input order).

API (stable: the console's choropleths and the planning maps share it)
-----------------------------------------------------------------------

``MapShape(code, name, geometry, value, href=None)``
    One area. ``geometry`` is a GeoJSON geometry dict in WGS84 lon/lat: ``Polygon``,
    ``MultiPolygon``, ``Point``, ``MultiPoint`` or ``GeometryCollection``. Polygons are filled;
    points are drawn as dots of the class colour (use that for neighbourhood centroids).
    ``value`` is a number or ``None`` (drawn hatched grey as "no data"). ``href`` makes the shape
    a link. Each shape gets a ``<title>`` "name (code): value" for hover and screen readers.

``MapPoint(lat, lon, label, kind="venue")``
    A marker on top of the shapes: kind ``"venue"`` (small dark dot), ``"site"`` (a larger
    diamond, for proposed sites) or anything else (a ring). Each has a ``<title>``.

``render_map(shapes, points=(), *, title, ...) -> str``
    Keyword options: ``breaks`` (interior class thresholds, ascending; default: quantiles of
    the values in ``classes`` classes), ``classes`` (2–9, default 5), ``reverse`` (dark = low,
    e.g. for walking times where short is good), ``class_labels`` (legend text per class
    instead of the computed ranges), ``legend_title``, ``value_format`` (``str.format`` pattern
    for values, default ``"{:,.0f}"``), ``unit`` (appended to values in titles), ``width``
    (pixels of the map part; the legend adds a column on the right), ``point_radius``,
    ``id_prefix`` (put before the ids inside the SVG — the "no data" pattern is
    ``{id_prefix}nodata`` — so that several maps on one page keep their ids unique).
    Raises ``ValueError`` for bad options or geometry.

``quantile_breaks(values, classes) -> list[float]``
    The interior thresholds render_map uses by default (duplicates removed).

``class_of(value, breaks) -> int``
    Class index of a value: the number of thresholds ``<= value``. A value equal to a threshold
    falls in the upper class; labels read "a – b" meaning a <= value < b.

Palette: viridis (perceptually uniform, readable by the common forms of colour blindness and in
greyscale), sampled evenly for the number of classes; the lightest class is the highest value
unless ``reverse``. The projection is equirectangular with longitudes scaled by the cosine of the
mean latitude, fitted to the width with the aspect of the data.
"""

from __future__ import annotations

import html
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

# viridis, 9 stops from dark purple to yellow
VIRIDIS = (
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
)
NO_DATA_FILL = "#d9d9d9"
STROKE = "#ffffff"
LEGEND_WIDTH = 190
SWATCH_STROKE = 'stroke="#333333" stroke-width="0.5"'
PADDING = 8


@dataclass(frozen=True)
class MapShape:
    code: str
    name: str
    geometry: dict[str, Any]
    value: float | None
    href: str | None = None


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    label: str
    kind: str = "venue"


def palette(classes: int, *, reverse: bool = False) -> list[str]:
    """``classes`` colours from viridis, dark (low) to light (high); reversed when asked."""
    if not 1 <= classes <= len(VIRIDIS):
        raise ValueError(f"classes must be 1–{len(VIRIDIS)}, got {classes}")
    if classes == 1:
        colours = [VIRIDIS[4]]
    else:
        step = (len(VIRIDIS) - 1) / (classes - 1)
        colours = [VIRIDIS[round(i * step)] for i in range(classes)]
    return colours[::-1] if reverse else colours


def quantile_breaks(values: Iterable[float | None], classes: int) -> list[float]:
    """Interior thresholds splitting the values into ``classes`` groups of about equal size."""
    if classes < 1:
        raise ValueError("classes must be at least 1")
    data = sorted(float(v) for v in values if v is not None and math.isfinite(float(v)))
    if not data or classes == 1:
        return []
    breaks: list[float] = []
    for i in range(1, classes):
        position = i * (len(data) - 1) / classes
        low = math.floor(position)
        high = min(low + 1, len(data) - 1)
        threshold = data[low] + (data[high] - data[low]) * (position - low)
        threshold = round(threshold, 6)
        if threshold > data[0] and (not breaks or threshold > breaks[-1]):
            breaks.append(threshold)
    return breaks


def class_of(value: float, breaks: Sequence[float]) -> int:
    """The class of a value: how many thresholds are <= value."""
    return bisect_right(list(breaks), value)


def _rings(
    geometry: dict[str, Any],
) -> tuple[list[list[list[tuple[float, float]]]], list[tuple[float, float]]]:
    """(polygons as lists of rings of (lon, lat), points as (lon, lat))."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise ValueError("a shape's geometry must be a GeoJSON geometry dict with a 'type'")
    kind = geometry["type"]
    polygons: list[list[list[tuple[float, float]]]] = []
    points: list[tuple[float, float]] = []

    def ring(coordinates: Any) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y, *_ in coordinates]

    if kind == "Polygon":
        polygons.append([ring(r) for r in geometry["coordinates"]])
    elif kind == "MultiPolygon":
        polygons.extend([ring(r) for r in polygon] for polygon in geometry["coordinates"])
    elif kind == "Point":
        x, y, *_ = geometry["coordinates"]
        points.append((float(x), float(y)))
    elif kind == "MultiPoint":
        points.extend((float(x), float(y)) for x, y, *_ in geometry["coordinates"])
    elif kind == "GeometryCollection":
        for member in geometry.get("geometries", []):
            more_polygons, more_points = _rings(member)
            polygons.extend(more_polygons)
            points.extend(more_points)
    else:
        raise ValueError(
            f"geometry type {kind!r} cannot be drawn (Polygon, MultiPolygon, Point, MultiPoint)"
        )
    for lon, lat in [p for poly in polygons for r in poly for p in r] + points:
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            raise ValueError(f"coordinate ({lon}, {lat}) is not a WGS84 longitude/latitude")
    return polygons, points


def _fmt(number: float) -> str:
    text = f"{number:.1f}"
    return "0.0" if text == "-0.0" else text


def _format_value(value: float | None, value_format: str, unit: str, no_data: str) -> str:
    if value is None:
        return no_data
    return value_format.format(value) + (f" {unit}" if unit else "")


LEGEND_WORDS = {
    "no_data": "자료 없음 / no data",
    "venue": "학습 장소 / learning venue",
    "site": "제안 입지 / proposed site",
    "all": "모두 / all",
}


def render_map(
    shapes: Sequence[MapShape],
    points: Sequence[MapPoint] = (),
    *,
    title: str,
    breaks: Sequence[float] | None = None,
    classes: int = 5,
    reverse: bool = False,
    class_labels: Sequence[str] | None = None,
    legend_title: str = "",
    value_format: str = "{:,.0f}",
    unit: str = "",
    width: int = 640,
    point_radius: float = 4.0,
    id_prefix: str = "",
    legend_words: Mapping[str, str] | None = None,
) -> str:
    """Render the shapes as a choropleth with the points on top; see the module docstring.
    `legend_words` ("no_data", "venue", "site", "all") are the legend's words in the reader's
    language (LEGEND_WORDS, both languages, when not given)."""
    words = {**LEGEND_WORDS, **(legend_words or {})}
    if width < 100:
        raise ValueError("width must be at least 100 pixels")
    if not all(ch.isalnum() or ch in "-_" for ch in id_prefix):
        raise ValueError("id_prefix may hold letters, digits, '-' and '_' only")
    nodata = f"{id_prefix}nodata"
    parsed = [(s, *_rings(s.geometry)) for s in shapes]
    values = [s.value for s in shapes if s.value is not None]
    for v in values:
        if not math.isfinite(float(v)):
            raise ValueError(f"value {v!r} is not a finite number")
    if breaks is None:
        thresholds = quantile_breaks(values, classes)
    else:
        thresholds = [float(b) for b in breaks]
        if any(b >= c for b, c in pairwise(thresholds)):
            raise ValueError("breaks must be strictly ascending")
    n_classes = len(thresholds) + 1
    colours = palette(n_classes, reverse=reverse)
    if class_labels is not None and len(class_labels) != n_classes:
        raise ValueError(f"class_labels has {len(class_labels)} labels for {n_classes} classes")

    all_lonlat = [p for _, polys, pts in parsed for poly in polys for r in poly for p in r]
    all_lonlat += [p for _, _, pts in parsed for p in pts]
    for point in points:
        lon, lat = float(point.lon), float(point.lat)
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            raise ValueError(f"point ({lat}, {lon}) is not a WGS84 latitude/longitude")
        all_lonlat.append((lon, lat))
    if all_lonlat:
        min_lon = min(p[0] for p in all_lonlat)
        max_lon = max(p[0] for p in all_lonlat)
        min_lat = min(p[1] for p in all_lonlat)
        max_lat = max(p[1] for p in all_lonlat)
    else:
        min_lon, max_lon, min_lat, max_lat = 0.0, 1.0, 0.0, 1.0
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * kx, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    inner = width - 2 * PADDING
    scale = inner / span_x
    map_height = min(max(span_y * scale, 60.0), 1.5 * width)
    if span_y * scale > map_height:
        scale = (map_height - 2 * PADDING) / span_y
    map_height = span_y * scale + 2 * PADDING
    legend_rows = (
        n_classes + (1 if len(values) < len(shapes) else 0) + len({p.kind for p in points})
    )
    height = max(map_height, 40 + 22 * legend_rows)
    total_width = width + LEGEND_WIDTH

    def project(lon: float, lat: float) -> tuple[float, float]:
        return PADDING + (lon - min_lon) * kx * scale, PADDING + (max_lat - lat) * scale

    def xy(lon: float, lat: float) -> str:
        x, y = project(lon, lat)
        return f"{_fmt(x)},{_fmt(y)}"

    def label_for(index: int) -> str:
        if class_labels is not None:
            return class_labels[index]
        fmt = value_format
        if not thresholds:
            return words["all"]
        if index == 0:
            return f"< {fmt.format(thresholds[0])}"
        if index == len(thresholds):
            return f"≥ {fmt.format(thresholds[-1])}"
        return f"{fmt.format(thresholds[index - 1])} – {fmt.format(thresholds[index])}"

    esc = html.escape
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}" '
        f'viewBox="0 0 {total_width} {_fmt(height)}" width="{total_width}" height="{_fmt(height)}" '
        # how to turn a point of the drawing back into lon/lat (the venue map's clicks):
        # lon = min_lon + (x - padding) / (kx × scale), lat = max_lat - (y - padding) / scale
        f'data-projection="{min_lon!r} {max_lat!r} {kx!r} {scale!r} {PADDING!r}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{esc(title)}</title>",
        "<defs>"
        f'<pattern id="{nodata}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{NO_DATA_FILL}"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#969696" stroke-width="2"/></pattern></defs>',
        '<g class="shapes">',
    ]
    for shape, polygons, dots in parsed:
        fill = (
            f"url(#{nodata})"
            if shape.value is None
            else colours[class_of(float(shape.value), thresholds)]
        )
        shown = _format_value(shape.value, value_format, unit, words["no_data"])
        text = f"{shape.name} ({shape.code}): {shown}"
        body = [f"<title>{esc(text)}</title>"]
        if polygons:
            d = " ".join(
                "M" + " L".join(xy(lon, lat) for lon, lat in r) + " Z"
                for poly in polygons
                for r in poly
                if r
            )
            body.append(
                f'<path d="{d}" fill="{fill}" fill-rule="evenodd" '
                f'stroke="{STROKE}" stroke-width="0.5"/>'
            )
        for lon, lat in dots:
            dot_x, dot_y = project(lon, lat)
            body.append(
                f'<circle cx="{_fmt(dot_x)}" cy="{_fmt(dot_y)}" r="{_fmt(point_radius)}" '
                f'fill="{fill}" stroke="#333333" stroke-width="0.5"/>'
            )
        group = f'<g data-code="{esc(shape.code)}">' + "".join(body) + "</g>"
        if shape.href:
            group = f'<a href="{esc(shape.href)}">{group}</a>'
        out.append(group)
    out.append("</g>")
    out.append('<g class="points">')
    for point in points:
        lon, lat = float(point.lon), float(point.lat)
        cx, cy = project(lon, lat)
        cx_text, cy_text = _fmt(cx), _fmt(cy)
        tip = f"<title>{esc(point.label)}</title>"
        if point.kind == "venue":
            out.append(f'<circle cx="{cx_text}" cy="{cy_text}" r="2" fill="#000000">{tip}</circle>')
        elif point.kind == "site":
            r = point_radius + 3
            d = (
                f"M{_fmt(cx)},{_fmt(cy - r)} L{_fmt(cx + r)},{_fmt(cy)} "
                f"L{_fmt(cx)},{_fmt(cy + r)} L{_fmt(cx - r)},{_fmt(cy)} Z"
            )
            out.append(
                f'<path d="{d}" fill="#e66100" stroke="#000000" stroke-width="1">{tip}</path>'
            )
        else:
            out.append(
                f'<circle cx="{cx_text}" cy="{cy_text}" r="{_fmt(point_radius)}" fill="none" '
                f'stroke="#000000" stroke-width="1.5">{tip}</circle>'
            )
    out.append("</g>")

    # legend
    lx = width + 10
    ly = 20
    out.append('<g class="legend">')
    if legend_title:
        out.append(f'<text x="{lx}" y="{ly}" font-weight="bold">{esc(legend_title)}</text>')
        ly += 10
    for index, colour in enumerate(colours):
        out.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="14" fill="{colour}" {SWATCH_STROKE}/>'
        )
        out.append(f'<text x="{lx + 20}" y="{ly + 11}">{esc(label_for(index))}</text>')
        ly += 22
    if len(values) < len(shapes):
        out.append(
            f'<rect x="{lx}" y="{ly}" width="14" height="14" '
            f'fill="url(#{nodata})" {SWATCH_STROKE}/>'
        )
        out.append(f'<text x="{lx + 20}" y="{ly + 11}">{esc(words["no_data"])}</text>')
        ly += 22
    kinds_seen: list[str] = []
    for point in points:
        if point.kind not in kinds_seen:
            kinds_seen.append(point.kind)
    for kind in kinds_seen:
        cy = ly + 7
        if kind == "venue":
            out.append(f'<circle cx="{lx + 7}" cy="{cy}" r="2" fill="#000000"/>')
            text = words["venue"]
        elif kind == "site":
            out.append(
                f'<path d="M{lx + 7},{cy - 7} L{lx + 14},{cy} L{lx + 7},{cy + 7} L{lx},{cy} Z" '
                'fill="#e66100" stroke="#000000" stroke-width="1"/>'
            )
            text = words["site"]
        else:
            out.append(
                f'<circle cx="{lx + 7}" cy="{cy}" r="5" fill="none" '
                'stroke="#000000" stroke-width="1.5"/>'
            )
            text = kind
        out.append(f'<text x="{lx + 20}" y="{ly + 11}">{esc(text)}</text>')
        ly += 22
    out.append("</g></svg>")
    return "".join(out)
