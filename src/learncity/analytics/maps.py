"""Choropleths of indicator values by district or neighbourhood (지도), drawn offline with
`learncity.algorithms.svgmap` from the regions app's boundaries (KOSTAT, kept on each region
as GeoJSON). No web tiles: one self-contained SVG for the console and the annual report.

A region without its own boundary is drawn at its centroid as a dot; one with neither is left
out of the map (its value stays in the table next to it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext

from learncity.algorithms.svgmap import MapShape, render_map

# Nothing in the regions selectors returns geometry yet; this module reads the boundary
# column read-only and is the one place to change when the regions context offers it.
from learncity.regions.selectors import region_geometries


def areas_below(districts: Iterable[str]) -> frozenset[str]:
    """Every area below the districts: their neighbourhoods and, for a city with wards
    (구를 둔 시), its wards and their neighbourhoods (whose codes do not share its prefix)."""
    from learncity.regions.selectors import region_refs

    wanted = set(districts)
    parent_of = {ref.code: ref.parent_code for ref in region_refs()}
    below: set[str] = set()
    for code in parent_of:
        seen, step = parent_of.get(code) or "", 0
        while seen and step < 3:  # province > city > ward > neighbourhood at most
            if seen in wanted:
                below.add(code)
                break
            seen, step = parent_of.get(seen) or "", step + 1
    return frozenset(below)


def choropleth(
    rows: Iterable[dict[str, Any]],
    *,
    title: str,
    legend_title: str = "",
    unit: str = "",
    value_format: str = "{:,.1f}",
    href: Callable[[str], str | None] | None = None,
    width: int = 560,
) -> str:
    """An SVG map of rows with `region_code`, `region_name` and `value` (None: no data).
    Returns "" when none of the regions has a boundary or a centroid."""
    rows = list(rows)
    geometries = region_geometries(str(row["region_code"]) for row in rows)
    shapes = []
    for row in rows:
        code = str(row["region_code"])
        if code not in geometries:
            continue
        name, geometry = geometries[code]
        value = row.get("value")
        shapes.append(
            MapShape(
                code=code,
                name=str(row.get("region_name") or name),
                geometry=geometry,
                value=None if value is None else float(value),
                href=href(code) if href else None,
            )
        )
    if not shapes:
        return ""
    distinct = {shape.value for shape in shapes if shape.value is not None}
    # several maps on one page (the report) need their own ids inside the SVG
    global _maps_drawn  # noqa: PLW0603 - a counter for unique ids within a process
    _maps_drawn += 1
    return render_map(
        shapes,
        title=title,
        legend_title=legend_title,
        unit=unit,
        value_format=value_format,
        classes=max(2, min(5, len(distinct))),
        width=width,
        id_prefix=f"map{_maps_drawn}-",
        legend_words=legend_words(),
    )


def legend_words() -> dict[str, str]:
    """The map legend's words in the active language."""
    return {
        "no_data": gettext("자료 없음"),
        "venue": gettext("학습 장소"),
        "site": gettext("제안 입지"),
        "all": gettext("모두"),
    }


_maps_drawn = 0
