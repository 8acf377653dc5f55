"""Reads of where venues are, for the staff page that places them (portal/venues_staff.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from learncity.catalog.models import Venue
from learncity.regions.selectors import region_geometries, region_refs


def _row(venue: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": venue["id"],
        "name": venue["name"],
        "road_address": venue["road_address"],
        "institution_id": venue["institution_id"],
        "institution": venue["institution__name"],
        "district_code": venue["district__code"] or "",
        "district": venue["district__name"] or "",
        "neighbourhood_code": venue["neighbourhood__code"] or "",
        "latitude": venue["latitude"],
        "longitude": venue["longitude"],
        "precision": venue["precision"],
        "source": venue["location_source"],
        "label": venue["location_label"],
        "codes": list(venue["location_codes"] or []),
        "located_by": venue["located_by"],
        "located_at": venue["located_at"],
    }


_FIELDS = (
    "id",
    "name",
    "road_address",
    "institution_id",
    "institution__name",
    "district__code",
    "district__name",
    "neighbourhood__code",
    "latitude",
    "longitude",
    "precision",
    "location_source",
    "location_label",
    "location_codes",
    "located_by",
    "located_at",
)


def venues_for_staff(
    *,
    everywhere: bool,
    institution_ids: Iterable[int] = (),
    district_codes: Iterable[str] = (),
    limit: int = 500,
) -> list[dict[str, Any]]:
    """The venues a staff member may place: everywhere, or those of their institutions or
    in their districts; the least precise first."""
    queryset = Venue.objects.all()
    if not everywhere:
        institutions, districts = list(institution_ids), list(district_codes)
        if not institutions and not districts:
            return []
        queryset = queryset.filter(
            Q(institution_id__in=institutions) | Q(district__code__in=districts)
        )
    order = {"unknown": 0, "district": 1, "neighbourhood": 2, "exact": 3}
    rows = [_row(v) for v in queryset.order_by("id").values(*_FIELDS)[:limit]]
    return sorted(rows, key=lambda r: (order.get(r["precision"], 0), r["name"], r["id"]))


def venue_location_get(*, venue_id: int) -> dict[str, Any] | None:
    found = Venue.objects.filter(pk=venue_id).values(*_FIELDS).first()
    return _row(found) if found else None


def district_neighbourhood_shapes(*, district_code: str) -> list[dict[str, Any]]:
    """The 읍·면·동 of a district (a city with wards: of its wards) with their outline (or
    their centroid as a point when the outline is unknown), in code order."""
    if not district_code:
        return []
    refs = region_refs()
    wards = {r.code for r in refs if r.parent_code == district_code and r.level == "district"}
    parents = {district_code} | wards
    areas = sorted(
        (r for r in refs if r.level == "neighbourhood" and r.parent_code in parents),
        key=lambda r: r.code,
    )
    geometries = region_geometries(r.code for r in areas)
    return [
        {
            "code": r.code,
            "name": r.name,
            "centroid": r.centroid,
            "geometry": geometries[r.code][1] if r.code in geometries else None,
        }
        for r in areas
    ]
