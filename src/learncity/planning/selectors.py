"""Reads for planning: neighbourhoods with their residents, and venues with their programmes.

Regions are read through `learncity.regions.selectors`, venues and the number of programmes
held at each (by area, target group, weekday, evening) through `learncity.catalog.selectors`,
which keeps the catalog's rules: online programmes are not walked to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from learncity.catalog.selectors import venue_locations, venue_programme_counts
from learncity.regions.selectors import (
    RegionRef,
    population_by_age_band,
    region_list,
    region_refs,
)

CHILD_AGES = (0, 14)  # 유소년 (0–14), as Statistics Korea's dependency ratios count children
SCHOOL_AGES = (6, 17)  # 학령인구 (6–17), shown beside it
SENIOR_AGES = (65, 100)  # 고령인구 (65+); 100 = 100 and older in the population file
EVENING_FROM = dt.time(18, 0)

PLACED_EXACT = "coordinates"
PLACED_NEIGHBOURHOOD = "neighbourhood centroid"
PLACED_BY_NAME = "neighbourhood centroid by venue name"
PLACED_DISTRICT = "district centroid"
PLACED_NONE = "not placed"
PLACED_WORDS = {
    PLACED_EXACT: gettext_lazy("좌표"),
    PLACED_NEIGHBOURHOOD: gettext_lazy("읍·면·동 중심점"),
    PLACED_BY_NAME: gettext_lazy("이름이 가리키는 읍·면·동 중심점"),
    PLACED_DISTRICT: gettext_lazy("시·군·구 중심점"),
    PLACED_NONE: gettext_lazy("위치 없음 (계산에서 빠짐)"),
}


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    full_name: str
    district_code: str
    district_name: str
    centroid: tuple[float, float] | None
    residents: int
    seniors: int
    children: int
    school_age: int


@dataclass(frozen=True)
class VenuePlace:
    id: int
    name: str
    institution: str
    district_code: str
    neighbourhood_code: str
    lat: float | None
    lon: float | None
    placed: str  # PLACED_*: where the computation puts the venue
    source_precision: str  # the catalog's own precision of its coordinates
    programmes: int  # programmes that pass the filters (offline or hybrid)


def neighbourhoods(
    *, district_codes: list[str] | None = None, refs: list[RegionRef] | None = None
) -> list[Neighbourhood]:
    """Every 읍·면·동 with residents, seniors 65+, children 0–14 and school age 6–17."""
    by_code = {ref.code: ref for ref in (refs if refs is not None else region_refs())}
    refs_ = by_code
    rows = region_list(level="neighbourhood")
    if district_codes is not None:
        wanted = set(district_codes)
        rows = [r for r in rows if (refs_[r.code].parent_code or "") in wanted]
    codes = [r.code for r in rows]
    children = population_by_age_band(codes=codes, min_age=CHILD_AGES[0], max_age=CHILD_AGES[1])
    school = population_by_age_band(codes=codes, min_age=SCHOOL_AGES[0], max_age=SCHOOL_AGES[1])
    result = []
    for row in rows:
        parent = refs_.get(refs_[row.code].parent_code or "")
        result.append(
            Neighbourhood(
                code=row.code,
                name=row.name,
                full_name=row.full_name,
                district_code=parent.code if parent else "",
                district_name=parent.full_name if parent else "",
                centroid=row.centroid,
                residents=row.population or 0,
                seniors=row.seniors or 0,
                children=children.get(row.code, 0),
                school_age=school.get(row.code, 0),
            )
        )
    return sorted(result, key=lambda n: n.code)


def districts() -> dict[str, RegionRef]:
    return {ref.code: ref for ref in region_refs() if ref.level == "district"}


def _programme_counts(
    *,
    category: str | None,
    target_group: str | None,
    weekday: int | None,
    evening: bool,
) -> Counter[int]:
    return venue_programme_counts(
        category=category,
        target_group=target_group,
        weekday=weekday,
        starting_from=EVENING_FROM if evening else None,
    )


def name_stem(name: str) -> str:
    """The place word of a 읍·면·동 name: 대치1동 -> 대치, 일원본동 -> 일원, 수서동 -> 수서."""
    return re.sub(r"(제?\d+|본)?(동|읍|면|가)$", "", re.sub(r"\d+가(?=동$)", "", name))


def _by_name(refs: list[RegionRef]) -> dict[str, dict[str, tuple[float, float]]]:
    """Per district, the mean centroid of its neighbourhoods sharing a stem (2+ letters)."""
    groups: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for ref in refs:
        stem = name_stem(ref.name)
        if ref.level == "neighbourhood" and ref.centroid and ref.parent_code and len(stem) >= 2:
            groups.setdefault(ref.parent_code, {}).setdefault(stem, []).append(ref.centroid)
    return {
        district: {
            stem: (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
            for stem, points in stems.items()
        }
        for district, stems in groups.items()
    }


def _named_place(name: str, stems: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    matches = [stem for stem in stems if name.replace(" ", "").startswith(stem)]
    return stems[max(matches, key=len)] if matches else None


# how the catalog placed a venue without exact coordinates (catalog/locations.py)
_CATALOG_PLACED = {
    "address": PLACED_NEIGHBOURHOOD,
    "staff": PLACED_NEIGHBOURHOOD,
    "name": PLACED_BY_NAME,
    "district": PLACED_DISTRICT,
}


def venue_places(
    *,
    category: str | None = None,
    target_group: str | None = None,
    weekday: int | None = None,
    evening: bool = False,
    refs: list[RegionRef] | None = None,
) -> list[VenuePlace]:
    """Every venue, placed: its own coordinates when exact; else the place the catalog gave
    it (catalog/locations.py: the 동 of its address or name, or its district; the point search
    uses too); for a venue the catalog did not place, its 읍·면·동 centroid; else,
    when its name starts with the name of neighbourhoods of its district (대치평생학습관 ->
    대치1·2·4동), their mean centroid; else its 시·군·구 centroid. With the number of its
    (offline or hybrid) programmes passing the filters.
    """
    counts = _programme_counts(
        category=category, target_group=target_group, weekday=weekday, evening=evening
    )
    refs = refs if refs is not None else region_refs()
    centroids = {ref.code: ref.centroid for ref in refs}
    stems = _by_name(refs)
    places = []
    for row in venue_locations():
        neighbourhood = row["neighbourhood_code"]
        district = row["district_code"]
        lat, lon = row["latitude"], row["longitude"]
        catalog_placed = _CATALOG_PLACED.get(row.get("location_source", ""))
        if lat is not None and lon is not None and row["exact"]:
            placed = PLACED_EXACT
        elif lat is not None and lon is not None and catalog_placed is not None:
            placed = catalog_placed  # the catalog's place, the one search uses (issue 18)
        elif centroids.get(neighbourhood):
            placed = PLACED_NEIGHBOURHOOD
            lat, lon = centroids[neighbourhood]  # type: ignore[misc]
        elif (named := _named_place(row["name"], stems.get(district, {}))) is not None:
            placed = PLACED_BY_NAME
            lat, lon = named
        elif centroids.get(district):
            placed = PLACED_DISTRICT
            lat, lon = centroids[district]  # type: ignore[misc]
        elif lat is not None and lon is not None:
            placed = PLACED_EXACT
        else:
            placed, lat, lon = PLACED_NONE, None, None
        places.append(
            VenuePlace(
                id=row["id"],
                name=row["name"],
                institution=row["institution_name"],
                district_code=district,
                neighbourhood_code=neighbourhood,
                lat=lat,
                lon=lon,
                placed=placed,
                source_precision=row["precision"],
                programmes=counts.get(row["id"], 0),
            )
        )
    return places
