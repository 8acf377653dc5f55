"""Who sees what in the console (콘솔 열람 범위).

- city administrator and auditor: the whole city, every district's detail;
- district officer: their own district's detail only (other districts never appear, not
  even in a breakdown: the pages show the city total next to theirs);
- institution staff and instructors: their own institution's programmes;
- everyone else (citizens, anonymous): refused.

The scope turns a request's filters into the filters the selectors get: a district officer
asking for another district, or institution staff for another institution, is refused (403),
and one asking for nothing gets their own district or institution."""

from __future__ import annotations

from dataclasses import dataclass, field

from learncity.analytics.maps import areas_below
from learncity.learners.selectors import staff_roles_of


class ConsoleForbidden(Exception):
    """Outside the staff member's scope: the page answers 403 with these words."""


@dataclass(frozen=True)
class ConsoleScope:
    city: bool  # city administrator or auditor: every district
    districts: frozenset[str]  # district officer
    institutions: frozenset[int]  # institution staff, instructors
    city_admin: bool = False
    # the districts' own areas: wards of a city with wards and every neighbourhood below
    areas: frozenset[str] = field(default=frozenset())

    @property
    def has_role(self) -> bool:
        return self.city or bool(self.districts) or bool(self.institutions)

    @property
    def label(self) -> tuple[str, str]:
        if self.city:
            return ("시 전체", "whole city")
        if self.districts:
            return ("담당 시·군·구", "your district")
        return ("소속 기관", "your institution")

    def sees_district(self, code: str | None) -> bool:
        return self.city or bool(code and code in self.districts)

    def sees_region(self, code: str | None) -> bool:
        """A district, or an area below it: its neighbourhoods (the first five digits name the
        district) and, for a city with wards (구를 둔 시), the wards and their neighbourhoods."""
        if self.city:
            return True
        if not code or not self.districts:
            return False
        return code in self.areas or any(code[:5] == d[:5] for d in self.districts)

    def narrow(
        self, district_code: str | None, institution_id: int | None
    ) -> tuple[str | None, int | None]:
        """The district and institution a page may show for what was asked."""
        if self.city:
            return district_code, institution_id
        if self.districts:
            if district_code and not self.sees_region(district_code):
                raise ConsoleForbidden(
                    "담당하지 않는 시·군·구입니다 · this district is outside your scope"
                )
            return district_code or min(self.districts), institution_id
        if institution_id is not None and institution_id not in self.institutions:
            raise ConsoleForbidden("소속 기관이 아닙니다 · this institution is outside your scope")
        return district_code, institution_id if institution_id is not None else min(
            self.institutions
        )


def console_scope(user_id: int) -> ConsoleScope:
    city = city_admin = False
    districts: set[str] = set()
    institutions: set[int] = set()
    for role, institution, district in staff_roles_of(user_id):
        if role in ("city_admin", "auditor"):
            city = True
            city_admin = city_admin or role == "city_admin"
        elif role == "district_officer" and district:
            districts.add(district)
        elif role in ("institution_staff", "instructor") and institution is not None:
            institutions.add(institution)
    return ConsoleScope(
        city=city,
        districts=frozenset(districts),
        institutions=frozenset(institutions),
        city_admin=city_admin,
        areas=areas_below(districts) if districts and not city else frozenset(),
    )
