"""Writes of the catalog context (the foundation's part: create by hand or from demo data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from learncity.catalog.models import CategorySource, Institution, Programme, Schedule, Venue
from learncity.regions.selectors import region_ref_get


def institution_create(
    *, name: str, kind: str, district_code: str | None, source: str, **extra: Any
) -> Institution:
    district = region_ref_get(code=district_code) if district_code else None
    institution, _ = Institution.objects.update_or_create(
        name=name,
        district_id=district.id if district else None,
        defaults={"kind": kind, "source": source, **extra},
    )
    return institution


def venue_create(
    *,
    institution: Institution,
    name: str,
    road_address: str,
    neighbourhood_code: str | None,
    coordinates: tuple[float, float] | None,
    accessibility_notes: str = "",
) -> Venue:
    neighbourhood = region_ref_get(code=neighbourhood_code) if neighbourhood_code else None
    district = (
        region_ref_get(code=neighbourhood.parent_code)
        if neighbourhood and neighbourhood.parent_code
        else None
    )
    province = (
        region_ref_get(code=district.parent_code) if district and district.parent_code else None
    )
    latitude: float | None
    longitude: float | None
    # a place given by a person (or the demo's data) is kept by `learncity venues locate`
    source = Venue.LocationSource.STAFF
    label = ""
    if coordinates is not None:
        latitude, longitude, precision = coordinates[0], coordinates[1], Venue.Precision.EXACT
    elif neighbourhood is not None and neighbourhood.centroid is not None:
        latitude, longitude = neighbourhood.centroid
        precision = Venue.Precision.NEIGHBOURHOOD
        label = neighbourhood.name
    else:
        latitude = longitude = None
        precision = Venue.Precision.UNKNOWN
        source = Venue.LocationSource.NONE
    venue, _ = Venue.objects.update_or_create(
        institution=institution,
        name=name,
        road_address=road_address,
        defaults={
            "neighbourhood_id": neighbourhood.id if neighbourhood else None,
            "district_id": district.id if district else institution.district_id,
            "province_id": province.id if province else None,
            "latitude": latitude,
            "longitude": longitude,
            "precision": precision,
            "location_source": source,
            "location_label": label,
            "location_codes": [neighbourhood.code] if label and neighbourhood else [],
            "accessibility_notes": accessibility_notes,
        },
    )
    return venue


@transaction.atomic
def programme_create(
    *,
    institution: Institution,
    venue: Venue | None,
    title: str,
    description: str,
    category: str,
    target_groups: list[str],
    fee_krw: int,
    source: str,
    start_date: dt.date,
    end_date: dt.date,
    weekdays: list[int],
    start_time: dt.time,
    end_time: dt.time,
    capacity: int | None,
    registration_start: dt.date | None,
    registration_end: dt.date | None,
    selection: str,
    mode: str = Programme.Mode.OFFLINE,
) -> Programme:
    programme, _ = Programme.objects.update_or_create(
        institution=institution,
        title=title,
        defaults={
            "venue": venue,
            "display_title": title,
            "description": description,
            "category": category,
            "category_source": CategorySource.MANUAL if category else CategorySource.NONE,
            "category_confidence": 1.0 if category else None,
            "target_groups": target_groups,
            "fee_krw": fee_krw,
            "source": source,
            "mode": mode,
        },
    )
    programme.schedules.all().delete()
    Schedule.objects.create(
        programme=programme,
        start_date=start_date,
        end_date=end_date,
        weekdays=weekdays,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        registration_start=registration_start,
        registration_end=registration_end,
        selection=selection,
    )
    return programme
