"""Template context for every portal page."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learncity.learners.access import Actor, allowed
from learncity.regions.selectors import NO_CITY, CityBrand, city_brand


def staff_area(request: HttpRequest) -> dict[str, Any]:
    """`staff_member`: true for a signed-in user who may enter the staff pages (any staff
    role: the policy's `portal.staff_enter`), asked only when a page shows the account menu."""
    user = getattr(request, "user", None)

    def known() -> bool:
        if user is None or not user.is_authenticated:
            return False
        return allowed(Actor(int(user.pk)), "portal.staff_enter")

    return {"staff_member": SimpleLazyObject(known)}


class Brand:
    """The city's brand as a page shows it, read once per request and only when a page asks:
    `city_brand.name` (in the page's language), `.colour`, `.emblem_url`, `.is_set`;
    `site_name` is the name for titles (the city's, or "평생학습도시" when none is set)."""

    def __init__(self, brand: CityBrand, language: str | None) -> None:
        self.is_set = brand.is_set
        self.is_demo = brand.is_demo
        self.name = brand.name_in(language)
        self.colour = brand.colour
        self.emblem_url = (
            reverse("portal:city_emblem") + f"?v={brand.emblem_version}" if brand.has_emblem else ""
        )

    def __str__(self) -> str:
        return self.name if self.is_set else str(_("평생학습도시"))


def _brand_or_none() -> CityBrand:
    """The city's brand; the site's own when the database cannot answer, so that an error
    page (404, 500) still renders in the layout while the database is down or unmigrated."""
    try:
        return city_brand()
    except DatabaseError:
        return NO_CITY


def city(request: HttpRequest) -> dict[str, Any]:
    """`city_brand` and `site_name` for the header, the titles and the footer."""
    language = get_language()
    brand = SimpleLazyObject(lambda: Brand(_brand_or_none(), language))
    return {"city_brand": brand, "site_name": brand}
