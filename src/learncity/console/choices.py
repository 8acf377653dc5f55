"""The console's pickers: districts and institutions by name, from the staff member's scope
(a city administrator or auditor: the city's districts and their institutions; a district
officer: their own district(s) and the institutions there; institution staff: their own
institutions). A filter value may be the code or id the pickers send, or a district's name."""

from __future__ import annotations

from dataclasses import dataclass

from learncity.analytics.selectors import ConsoleScope
from learncity.catalog.selectors import institution_choices
from learncity.regions.selectors import RegionRef, city_district_refs, city_scope, region_refs


@dataclass(frozen=True)
class Choices:
    districts: list[tuple[str, str]]  # (code, name)
    institutions: list[tuple[int, str]]  # (id, name)


def _labelled(refs: list[RegionRef]) -> list[tuple[str, str]]:
    """Short names (강남구) unless two share one (중구 of two cities): then full names."""
    names = [r.name for r in refs]
    return [(r.code, r.name if names.count(r.name) == 1 else r.full_name) for r in refs]


def district_choices(
    scope: ConsoleScope, *, refs: list[RegionRef] | None = None
) -> list[tuple[str, str]]:
    refs = refs if refs is not None else region_refs()
    if scope.city:
        chosen = [r for r in city_district_refs(refs=refs) if r.kind != "city_with_wards"]
    else:
        chosen = sorted(
            (r for r in refs if r.level == "district" and scope.sees_region(r.code)),
            key=lambda r: r.full_name,
        )
        chosen = [r for r in chosen if r.code in scope.districts or r.kind == "ward"]
    return _labelled(chosen)


def console_choices(scope: ConsoleScope, *, district_code: str | None) -> Choices:
    refs = region_refs()  # once per page: every region of the country when loaded
    districts = district_choices(scope, refs=refs)
    if scope.city or scope.districts:
        if district_code:
            codes: list[str] | None = [district_code]
        elif scope.city:  # the city's districts once a city is set; before, every one
            codes = [code for code, _ in districts] if city_scope(refs=refs).is_set else None
        else:
            codes = sorted(scope.districts | scope.areas)
        institutions = institution_choices(district_codes=codes)
    else:
        institutions = institution_choices(ids=sorted(scope.institutions))
    return Choices(districts, institutions)


def district_code_of(text: str, scope: ConsoleScope) -> str | None:
    """The code of the district `text` names (a code, a name or a full name) among the
    scope's choices; None when none matches."""
    refs = region_refs()
    for code, name in district_choices(scope, refs=refs):
        if text in {code, name}:
            return code
    for ref in refs:
        if ref.level == "district" and text in {ref.name, ref.full_name, ref.code}:
            return ref.code
    return None
