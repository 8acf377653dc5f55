"""Reads of the catalog context."""

from __future__ import annotations

from dataclasses import dataclass

from learncity.catalog.models import Institution, Programme, Venue


@dataclass(frozen=True)
class CatalogOverview:
    institutions: int
    venues: int
    programmes: int


def catalog_overview() -> CatalogOverview:
    return CatalogOverview(
        institutions=Institution.objects.count(),
        venues=Venue.objects.count(),
        programmes=Programme.objects.count(),
    )


def programme_list(*, limit: int = 20) -> list[Programme]:
    return list(
        Programme.objects.select_related("institution", "venue")
        .prefetch_related("schedules")
        .order_by("display_title")[:limit]
    )
