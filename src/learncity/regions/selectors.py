"""Reads of the regions context."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from learncity.regions.models import (
    BoundaryLoad,
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
    return [
        RegionRef(
            id=pk,
            code=code,
            level=level,
            kind=kind,
            name=name,
            full_name=full_name,
            parent_code=parent_code,
            centroid=(lat, lon) if lat is not None and lon is not None else None,
        )
        for pk, code, level, kind, name, full_name, parent_code, lat, lon in (
            Region.objects.values_list(
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
