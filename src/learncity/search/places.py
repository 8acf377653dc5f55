"""The places a search can be limited to, by name: the districts (시·군·구) of the city's area,
or, while no city is set, those the index has programmes in; and the neighbourhoods (읍·면·동)
of one district. The search form shows them as choices; the codes go into `district=` and
`neighbourhood=` (search_params_from), which accept codes or names. The city's area is the
regions context's city setting (`learncity city set`). A few rows are read, never every area:
the search page stays as fast as the search."""

from __future__ import annotations

from dataclasses import dataclass

from learncity.regions.selectors import RegionRef, city_area_codes, region_refs_where


@dataclass(frozen=True)
class PlaceChoices:
    districts: list[tuple[str, str]]  # (code, name), by name
    neighbourhoods: list[tuple[str, str]]  # of the chosen district, by name
    district: str  # the chosen district's code, "" when none (or not one of the choices)


def _city_districts(area: list[str]) -> list[RegionRef]:
    """The 시·군·구 of the city's area: those set, those of a 시·도 set, and the 구 of a 시."""
    top = region_refs_where(codes=area)
    districts = [r for r in top if r.level == "district"]
    below = region_refs_where(parent_codes=[r.code for r in top], level="district")
    wards = region_refs_where(parent_codes=[r.code for r in below], level="district")
    found = {r.code: r for r in (*districts, *below, *wards)}
    return list(found.values())


def search_places(*, district: str = "", indexed: frozenset[str] = frozenset()) -> PlaceChoices:
    """The district choices (the city's, else those in `indexed`, the district codes the index
    holds) and the neighbourhoods of `district` (a code or a name of one of the choices)."""
    area = city_area_codes()
    if area is None:
        districts = region_refs_where(codes=indexed, level="district") if indexed else []
    else:
        districts = _city_districts(area)
    names = [r.name for r in districts]
    # a name two districts share (중구) is told apart by the full name
    labels = {r.code: r.full_name if names.count(r.name) > 1 else r.name for r in districts}
    chosen = next(
        (r.code for r in districts if district and district in {r.code, r.name, r.full_name}), ""
    )
    neighbourhoods: list[tuple[str, str]] = []
    if chosen:
        # a 시 with 구 (수원시): the neighbourhoods of its 구 too
        wards = [r.code for r in region_refs_where(parent_codes=[chosen], level="district")]
        neighbourhoods = sorted(
            (
                (r.code, r.name)
                for r in region_refs_where(parent_codes=[chosen, *wards], level="neighbourhood")
            ),
            key=lambda item: (item[1], item[0]),
        )
    return PlaceChoices(
        districts=sorted(labels.items(), key=lambda item: (item[1], item[0])),
        neighbourhoods=neighbourhoods,
        district=chosen,
    )
