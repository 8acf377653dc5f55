"""Reads of the regions context."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from learncity.algorithms import city_area
from learncity.regions.models import (
    BoundaryLoad,
    City,
    CityArea,
    PopulationByAge,
    PopulationSnapshot,
    Region,
    RegionPopulation,
)


@dataclass(frozen=True)
class RegionOverview:
    provinces: int
    districts: int
    neighbourhoods: int
    located_neighbourhoods: int
    approximate_neighbourhoods: int
    period: str | None
    population: int | None
    population_source: str | None
    is_demo: bool
    boundary_source: str | None


def region_overview() -> RegionOverview:
    counts = Region.objects.aggregate(
        provinces=Count("pk", filter=Q(level=Region.Level.PROVINCE)),
        districts=Count("pk", filter=Q(level=Region.Level.DISTRICT)),
        neighbourhoods=Count("pk", filter=Q(level=Region.Level.NEIGHBOURHOOD)),
        located=Count(
            "pk",
            filter=Q(level=Region.Level.NEIGHBOURHOOD)
            & Q(location_precision__in=["boundary", "union"]),
        ),
        approximate=Count(
            "pk",
            filter=Q(level=Region.Level.NEIGHBOURHOOD, location_precision="approximate"),
        ),
        demo=Count("pk", filter=Q(source=Region.Source.DEMO)),
    )
    snapshot = PopulationSnapshot.objects.order_by("-period").first()
    boundary = BoundaryLoad.objects.order_by("-loaded_at").first()
    return RegionOverview(
        provinces=counts["provinces"],
        districts=counts["districts"],
        neighbourhoods=counts["neighbourhoods"],
        located_neighbourhoods=counts["located"],
        approximate_neighbourhoods=counts["approximate"],
        period=snapshot.period if snapshot else None,
        population=snapshot.total if snapshot else None,
        population_source=snapshot.source if snapshot else None,
        is_demo=counts["demo"] > 0,
        boundary_source=(
            Region.objects.exclude(boundary_source="")
            .values_list("boundary_source", flat=True)
            .first()
            if boundary is not None or counts["demo"]
            else None
        ),
    )


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    full_name: str
    level: str
    kind: str
    population: int | None
    seniors: int | None
    centroid: tuple[float, float] | None
    location_precision: str


def population_by_age_band(
    *, codes: list[str], min_age: int, max_age: int, period: str | None = None
) -> dict[str, int]:
    """Residents aged min_age..max_age (inclusive; 100 = 100 and older) per region code."""
    snapshot = _snapshot(period)
    if snapshot is None:
        return {}
    rows = (
        PopulationByAge.objects.filter(
            region_population__snapshot=snapshot,
            region_population__region__code__in=codes,
            age__gte=min_age,
            age__lte=max_age,
        )
        .values("region_population__region__code")
        .annotate(total=Sum("count"))
    )
    return {row["region_population__region__code"]: int(row["total"]) for row in rows}


def _snapshot(period: str | None) -> PopulationSnapshot | None:
    queryset = PopulationSnapshot.objects.all()
    if period:
        queryset = queryset.filter(period=period)
    return queryset.order_by("-period").first()


def region_list(
    *, level: str, parent_code: str | None = None, limit: int | None = None
) -> list[RegionRow]:
    """Areas of one level with their population (latest period), largest first."""
    snapshot = _snapshot(None)
    queryset = Region.objects.filter(level=level)
    if parent_code:
        queryset = queryset.filter(parent__code=parent_code)
    totals: dict[int, int] = {}
    if snapshot is not None:
        totals = dict(
            RegionPopulation.objects.filter(snapshot=snapshot, region__in=queryset).values_list(
                "region_id", "total"
            )
        )
    regions = sorted(queryset, key=lambda r: (-(totals.get(r.pk) or 0), r.code))
    if limit is not None:
        regions = regions[:limit]
    seniors = population_by_age_band(codes=[r.code for r in regions], min_age=65, max_age=100)
    return [
        RegionRow(
            code=r.code,
            name=r.name,
            full_name=r.full_name,
            level=r.level,
            kind=r.kind,
            population=totals.get(r.pk),
            seniors=seniors.get(r.code) if snapshot else None,
            centroid=(
                (r.centroid_lat, r.centroid_lon)
                if r.centroid_lat is not None and r.centroid_lon is not None
                else None
            ),
            location_precision=r.location_precision,
        )
        for r in regions
    ]


def boundary_reports() -> list[BoundaryLoad]:
    """The latest boundary load of each level."""
    latest: dict[str, BoundaryLoad] = {}
    for load in BoundaryLoad.objects.order_by("-loaded_at"):
        latest.setdefault(load.level, load)
    return list(latest.values())


@dataclass(frozen=True)
class RegionRef:
    """What other contexts need of an area: to link to it and to place it on a map."""

    id: int
    code: str
    level: str
    kind: str
    name: str
    full_name: str
    parent_code: str | None
    centroid: tuple[float, float] | None


def region_refs() -> list[RegionRef]:
    return region_refs_where()


def region_ref_get(*, code: str) -> RegionRef | None:
    for ref in region_refs_by_code([code]):
        return ref
    return None


def region_refs_by_code(codes: list[str]) -> list[RegionRef]:
    wanted = set(codes)
    return [ref for ref in region_refs() if ref.code in wanted] if wanted else []


def region_geometries(codes: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """code -> (name, GeoJSON geometry) of the regions asked for that can be drawn."""
    wanted = sorted({code for code in codes if code})
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    if not wanted:
        return found
    rows = Region.objects.filter(code__in=wanted).values_list(
        "code", "name", "boundary_geojson", "centroid_lat", "centroid_lon"
    )
    for code, name, boundary, lat, lon in rows:
        geometry: dict[str, Any] | None = None
        if boundary:
            try:
                geometry = json.loads(boundary)
            except ValueError:
                geometry = None
        if geometry is None and lat is not None and lon is not None:
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        if geometry is not None:
            found[code] = (name, geometry)
    return found


def region_count(*, source: str) -> int:
    """How many areas came from a source ("mois": the population file, "demo": invented)."""
    return Region.objects.filter(source=source).count()


# ---------------------------------------------------------------- the city


@dataclass(frozen=True)
class CityBrand:
    """What every page shows of the city: its name, colour and whether it has an emblem."""

    is_set: bool
    name: str
    name_en: str
    colour: str  # "#rrggbb", or "" for the site's own
    has_emblem: bool
    emblem_version: str  # changes when the emblem does (for the emblem's address)
    is_demo: bool

    def name_in(self, language: str | None) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


NO_CITY = CityBrand(
    is_set=False, name="", name_en="", colour="", has_emblem=False, emblem_version="", is_demo=False
)


def city_brand() -> CityBrand:
    """The city's brand in one query (the emblem's bytes are not read: a city has an emblem
    exactly when it has the emblem's content type)."""
    row = City.objects.values(
        "name", "name_en", "colour", "emblem_type", "updated_at", "is_demo"
    ).first()
    if row is None:
        return NO_CITY
    return CityBrand(
        is_set=True,
        name=row["name"],
        name_en=row["name_en"],
        colour=row["colour"],
        has_emblem=bool(row["emblem_type"]),
        emblem_version=str(int(row["updated_at"].timestamp())) if row["updated_at"] else "",
        is_demo=row["is_demo"],
    )


def city_emblem() -> tuple[bytes, str] | None:
    """The emblem's bytes and content type, when the city has one."""
    row = City.objects.values_list("emblem", "emblem_type").first()
    if row is None or not row[0]:
        return None
    return bytes(row[0]), row[1]


def areas_of(refs: list[RegionRef]) -> list[city_area.Area]:
    """The areas as `algorithms.city_area` takes them."""
    return [
        city_area.Area(
            code=r.code,
            level=r.level,
            name=r.name,
            full_name=r.full_name,
            parent_code=r.parent_code,
            kind=r.kind,
        )
        for r in refs
    ]


@dataclass(frozen=True)
class CityScope:
    """The area the deployment serves. `is_set` False: no city set, every loaded area is in
    (`contains` answers True for all)."""

    is_set: bool
    name: str
    area_codes: tuple[str, ...]  # the areas as set (시·도 / 시·군·구)
    area_names: tuple[str, ...]
    codes: frozenset[str]  # every area inside, any level
    districts: frozenset[str]  # every 시·군·구 inside
    counted_districts: frozenset[str]  # 시·군·구 counting each resident once
    neighbourhoods: frozenset[str]
    population: int | None  # residents of the area (latest period)

    def contains(self, code: str | None) -> bool:
        return not self.is_set or bool(code and code in self.codes)


def city_scope(*, refs: list[RegionRef] | None = None) -> CityScope:
    """The city's area, resolved against the loaded regions (pass `refs` when at hand)."""
    city = City.objects.prefetch_related("areas").first()
    if refs is None:
        # a city set: only its areas and what lies below them are read (a few hundred rows)
        refs = region_refs() if city is None else _refs_below([a.code for a in city.areas.all()])
    if city is None:
        chosen = [r.code for r in refs if r.level == "province"]
        names: tuple[str, ...] = ()
        name = ""
    else:
        chosen = [a.code for a in city.areas.all()]
        names = tuple(a.full_name for a in city.areas.all())
        name = city.name
    areas = areas_of(refs)
    inner = city_area.inside(chosen, areas)
    snapshot = _snapshot(None)
    population = None
    if snapshot is not None:
        wanted = set(chosen)  # the provinces, or the city's areas: each resident once
        top = [a.code for a in city_area.cover([a for a in areas if a.code in wanted], areas)]
        population = int(
            RegionPopulation.objects.filter(snapshot=snapshot, region__code__in=top).aggregate(
                n=Sum("total")
            )["n"]
            or 0
        )
    return CityScope(
        is_set=city is not None,
        name=name,
        area_codes=tuple(chosen) if city is not None else (),
        area_names=names,
        codes=inner.codes,
        districts=inner.districts,
        counted_districts=inner.counted_districts,
        neighbourhoods=inner.neighbourhoods,
        population=population,
    )


def city_district_refs(
    *, refs: list[RegionRef] | None = None, counted: bool = False
) -> list[RegionRef]:
    """The city's 시·군·구 by full name (every loaded one when no city is set); `counted`:
    those where people live, each once (the 구 of a 시 with 구, not the 시 itself)."""
    refs = refs if refs is not None else region_refs()
    scope = city_scope(refs=refs)
    wanted = scope.counted_districts if counted else scope.districts
    return sorted(
        (r for r in refs if r.level == "district" and r.code in wanted),
        key=lambda r: r.full_name,
    )


def city_neighbourhood_refs(
    *, district_code: str | None = None, refs: list[RegionRef] | None = None
) -> list[RegionRef]:
    """The city's 읍·면·동 by name, of one 시·군·구 when given (its 구's too, for a 시 with 구)."""
    refs = refs if refs is not None else region_refs()
    scope = city_scope(refs=refs)
    found = [r for r in refs if r.level == "neighbourhood" and scope.contains(r.code)]
    if district_code:
        wards = {r.code for r in refs if r.parent_code == district_code and r.level == "district"}
        found = [r for r in found if r.parent_code == district_code or r.parent_code in wards]
    return sorted(found, key=lambda r: (r.name, r.code))


def city_show() -> dict[str, Any]:
    """Everything `learncity city show` prints."""
    brand = city_brand()
    scope = city_scope()
    return {
        "set": scope.is_set,
        "name": brand.name,
        "name_en": brand.name_en,
        "colour": brand.colour,
        "emblem": brand.has_emblem,
        "demo": brand.is_demo,
        "areas": [
            {"code": code, "full_name": name}
            for code, name in zip(scope.area_codes, scope.area_names, strict=True)
        ],
        "districts": len(scope.districts),
        "neighbourhoods": len(scope.neighbourhoods),
        "population": scope.population,
    }


@dataclass(frozen=True)
class CityAreaRows:
    """The areas the home page lists: the 읍·면·동 of a one-district city, else its 시·군·구
    (every loaded 시·군·구 when no city is set), largest first."""

    level: str  # "neighbourhood" | "district"
    rows: list[RegionRow]
    total: int  # how many there are (rows may stop at the limit)


def city_area_rows(*, scope: CityScope, limit: int | None = None) -> CityAreaRows:
    if scope.is_set and len(scope.counted_districts) == 1:
        (district,) = scope.counted_districts
        rows = region_list(level="neighbourhood", parent_code=district)
        level = "neighbourhood"
    else:
        rows = region_list(level="district")
        if scope.is_set:
            rows = [r for r in rows if r.code in scope.counted_districts]
        level = "district"
    return CityAreaRows(level=level, rows=rows[:limit] if limit else rows, total=len(rows))


def city_counted_districts(*, refs: list[RegionRef] | None = None) -> list[str] | None:
    """The 시·군·구 codes whose residents make the city's denominators (each resident once),
    sorted; None when no city is set (callers then count every area they know)."""
    if not City.objects.exists():
        return None
    return sorted(city_scope(refs=refs).counted_districts)


def city_sender_name() -> str:
    """Who messages come from, as a citizen knows it: the city's service (서울특별시 강남구
    평생학습), or "" when no city is set."""
    brand = city_brand()
    return f"{brand.name} 평생학습" if brand.is_set else ""


def region_refs_where(
    *,
    codes: Iterable[str] | None = None,
    parent_codes: Iterable[str] | None = None,
    level: str | None = None,
) -> list[RegionRef]:
    """The areas with these codes, or below these parents, of a level: a few rows read, not
    every area (what a page that lists one district's 동 needs)."""
    queryset = Region.objects.all()
    if codes is not None:
        queryset = queryset.filter(code__in=sorted(set(codes)))
    if parent_codes is not None:
        queryset = queryset.filter(parent__code__in=sorted(set(parent_codes)))
    if level is not None:
        queryset = queryset.filter(level=level)
    return [
        RegionRef(
            id=pk,
            code=code,
            level=row_level,
            kind=kind,
            name=name,
            full_name=full_name,
            parent_code=parent_code,
            centroid=(lat, lon) if lat is not None and lon is not None else None,
        )
        for pk, code, row_level, kind, name, full_name, parent_code, lat, lon in (
            queryset.values_list(
                "id",
                "code",
                "level",
                "kind",
                "name",
                "full_name",
                "parent__code",
                "centroid_lat",
                "centroid_lon",
            )
        )
    ]


def city_area_codes() -> list[str] | None:
    """The codes the city was set to (시·도 / 시·군·구), in one query; None when no city is
    set."""
    if not City.objects.exists():
        return None
    return list(CityArea.objects.order_by("code").values_list("code", flat=True))


def _refs_below(codes: list[str]) -> list[RegionRef]:
    """The areas of these codes and every area below them (시·도 → 시·군·구 → 구 → 읍·면·동)."""
    found = region_refs_where(codes=codes)
    parents = [r.code for r in found]
    for _level in range(2):  # a 시·도's 시·군·구, then a 시 with 구's 구
        below = region_refs_where(parent_codes=parents, level="district")
        found += below
        parents = [r.code for r in below]
    districts = [r.code for r in found if r.level == "district"]
    return found + region_refs_where(parent_codes=districts, level="neighbourhood")
