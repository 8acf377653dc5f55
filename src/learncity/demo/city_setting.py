"""Which city `learncity demo` sets: the area the real course files cover, or the invented
demo city. An operator's own choice (`learncity city set`) is never overwritten."""

from __future__ import annotations

from typing import Any

from learncity.catalog.selectors import venue_locations
from learncity.regions import services as region_services
from learncity.regions.selectors import city_brand, city_show

DEMO_CITY_CODE = "9900000000"  # 데모배움시, the province of the invented city (demo/city.py)


def real_city_set() -> dict[str, Any]:
    """The city is the area the course files cover (the districts of their venues: 서울특별시
    강남구 for the Gangnam file), unless one is set already (kept; a demo city is replaced).
    `status`: "set" (now), "kept" (set before) or "none" (no venue in a known district)."""
    brand = city_brand()
    if brand.is_set and not brand.is_demo:
        return {**city_show(), "status": "kept"}
    districts = sorted({row["district_code"] for row in venue_locations() if row["district_code"]})
    if not districts:
        return {**city_show(), "status": "none"}
    return {**region_services.city_set(areas=districts, demo=False), "status": "set"}


def demo_city_set() -> dict[str, Any]:
    """After the invented city is loaded, it is the city (unless a real one is set)."""
    brand = city_brand()
    if brand.is_set and not brand.is_demo:
        return {**city_show(), "status": "kept"}
    return {**region_services.city_set(areas=[DEMO_CITY_CODE], demo=True), "status": "set"}
