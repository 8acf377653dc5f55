"""Reads of the city console's indicators: definitions, values with the previous period and
a breakdown by district and neighbourhood, and the drill-down city → district →
neighbourhood → programme.

The values come from `learncity.algorithms.indicators` over a columnar snapshot of the
platform's tables (analytics/snapshot.py); definitions from analytics/indicators.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext

from learncity.algorithms import indicators as compute
from learncity.algorithms.access_policy import in_area
from learncity.analytics.indicators import REGISTRY, IndicatorDef, indicator_registry
from learncity.analytics.snapshot import snapshot_get
from learncity.core.errors import DomainError, NotFound
from learncity.learners.access import (
    NOBODY,
    WHOLE,
    Actor,
    Reach,
    Roles,
    Scope,
    allowed,
    reach_of,
    roles_of,
)
from learncity.regions.selectors import city_brand, city_counted_districts

__all__ = [
    "BreakdownRow",
    "ConsoleForbidden",
    "ConsoleScope",
    "Drilldown",
    "Filters",
    "IndicatorDef",
    "IndicatorFilterError",
    "IndicatorValue",
    "console_scope",
    "indicator_definitions",
    "indicator_drilldown",
    "indicator_drilldown_for",
    "indicator_values",
]

DRILL_LEVELS = ("city", "district", "neighbourhood", "programme")


class IndicatorFilterError(DomainError):
    code = "indicator_filter_invalid"


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    term: str | None = None
    month: int | None = None
    district_code: str | None = None
    institution_id: int | None = None


@dataclass(frozen=True)
class BreakdownRow:
    region_code: str
    region_name: str
    level: str  # "district" | "neighbourhood"
    value: float | None
    numerator: float | None
    denominator: float | None
    # rows of the region's district not placed in any neighbourhood (a venue known only by
    # its 구): the value is then None and the numerator a lower bound
    unlocated: float = 0.0


@dataclass(frozen=True)
class IndicatorValue:
    id: str
    value: float | None
    previous: float | None  # the same indicator in the previous period (None: no period)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    numerator: float | None = None
    denominator: float | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def indicator_definitions() -> list[IndicatorDef]:
    """Every built-in indicator, in the console's order."""
    return indicator_registry()


def _city_districts() -> tuple[str, ...] | None:
    codes = city_counted_districts()
    return None if codes is None else tuple(codes)


def _scope(filters: Filters) -> compute.Scope:
    try:
        return compute.Scope(
            year=filters.year,
            month=filters.month,
            term=filters.term or None,
            district_code=filters.district_code or None,
            institution_id=filters.institution_id,
            as_of=timezone.localdate(),
            # the city's 시·군·구 (`learncity city set`): residents of other loaded areas are
            # outside every denominator; None (no city set): every district with a course
            districts=_city_districts(),
        )
    except compute.IndicatorInputError as error:
        raise IndicatorFilterError(str(error)) from error


def _names(tables: compute.Tables) -> dict[str, str]:
    return dict(tables.regions.select("code", "name").iter_rows())


def _rows(data: Any, level: str, names: dict[str, str]) -> list[BreakdownRow]:
    import polars as pl

    if "unlocated" not in data.columns:
        data = data.with_columns(pl.lit(0.0).alias("unlocated"))
    return [
        BreakdownRow(
            region_code=code,
            region_name=names.get(code, code),
            level=level,
            value=compute.finite(value),
            numerator=numerator,
            denominator=denominator,
            unlocated=float(unlocated or 0.0),
        )
        for code, numerator, denominator, value, unlocated in data.select(
            "code", "numerator", "denominator", "value", "unlocated"
        ).iter_rows()
    ]


def indicator_values(
    filters: Filters, *, ids: list[str] | None = None, breakdown: bool = True
) -> list[IndicatorValue]:
    """The indicators for the filters (all, or `ids`), with the previous period's values."""
    for indicator_id in ids or []:
        if indicator_id not in REGISTRY:
            raise NotFound(gettext("알 수 없는 지표입니다: %(id)s") % {"id": indicator_id})
    scope = _scope(filters)
    tables = snapshot_get()
    results = compute.compute(tables, scope, ids=ids, levels=None if breakdown else ())
    previous: dict[str, float | None] = {}
    before = scope.previous()
    if before is not None:
        previous = {
            r.id: compute.finite(r.value)
            for r in compute.compute(tables, before, ids=ids, levels=())
        }
    names = _names(tables)
    return [
        IndicatorValue(
            id=r.id,
            value=compute.finite(r.value),
            previous=previous.get(r.id),
            breakdown=[
                row
                for level in compute.LEVELS
                if level in r.breakdown
                for row in _rows(r.breakdown[level], level, names)
            ],
            numerator=r.numerator,
            denominator=r.denominator,
        )
        for r in results
    ]


def indicator_drilldown(
    indicator_id: str, filters: Filters, level: str, parent_code: str | None
) -> list[dict[str, Any]]:
    """Rows of one level of the drill-down, each a dict with level, code, name, value,
    numerator, denominator (and for programmes: programme_id, title, institution):

    - level "city": one row, the city's (or the filtered district's) value;
    - level "district": the districts (parent_code ignored, or a district code to keep one);
    - level "neighbourhood": the neighbourhoods of the district `parent_code` (all without);
    - level "programme": the programmes that take place in `parent_code` (a district or a
      neighbourhood code), with the indicator per programme where it is a course indicator
      (supply shares, operations), else their participants and seats.
    """
    definition = REGISTRY.get(indicator_id)
    if definition is None:
        raise NotFound(gettext("알 수 없는 지표입니다: %(id)s") % {"id": indicator_id})
    if level not in DRILL_LEVELS:
        raise IndicatorFilterError(
            gettext("단계는 %(levels)s 중 하나여야 합니다 (받은 값: %(level)s)")
            % {"levels": ", ".join(DRILL_LEVELS), "level": repr(level)}
        )
    scope = _scope(filters)
    tables = snapshot_get()
    names = _names(tables)
    ctx = compute.Context(tables, scope)
    if level == "city":
        result = compute.compute_one(ctx, indicator_id, levels=())
        return [
            {
                "level": "city",
                "code": scope.district_code or "",
                "name": names.get(scope.district_code or "", "")
                or city_brand().name_in(get_language())
                or gettext("시 전체"),
                "value": compute.finite(result.value),
                "numerator": result.numerator,
                "denominator": result.denominator,
            }
        ]
    if level in ("district", "neighbourhood"):
        result = compute.compute_one(ctx, indicator_id, levels=(level,))
        data = result.breakdown.get(level)
        if data is None:
            return []
        parents: dict[str, str] = dict(tables.regions.select("code", "parent_code").iter_rows())

        def keep(code: str) -> bool:
            if not parent_code:
                return True
            return code == parent_code if level == "district" else parents.get(code) == parent_code

        return [
            {
                "level": level,
                "code": row.region_code,
                "name": row.region_name,
                "value": row.value,
                "numerator": row.numerator,
                "denominator": row.denominator,
                # only where some rows of the district are known by their 구 alone
                **({"unlocated": row.unlocated} if row.unlocated else {}),
            }
            for row in _rows(data, level, names)
            if keep(row.region_code)
        ]
    return _programme_rows(ctx, indicator_id, parent_code)


def _programme_rows(
    ctx: compute.Context, indicator_id: str, parent_code: str | None
) -> list[dict[str, Any]]:
    import polars as pl

    from learncity.analytics.snapshot import programme_titles

    courses = ctx.courses
    if parent_code:
        courses = courses.filter(
            (pl.col("district_code") == parent_code) | (pl.col("neighbourhood_code") == parent_code)
        )
    programme_ids = courses.get_column("programme_id").unique().to_list()
    per = compute.programme_rows(ctx, indicator_id)
    values: dict[int, tuple[float | None, float | None, float | None]] = {}
    if per is not None:
        for code, numerator, denominator, value in per.select(
            "code", "numerator", "denominator", "value"
        ).iter_rows():
            values[int(code)] = (compute.finite(value), numerator, denominator)
    else:
        stats = ctx.offer_stats.group_by("programme_id").agg(
            pl.col("confirmed").sum(), pl.col("capacity").sum()
        )
        for programme_id, confirmed, capacity in stats.iter_rows():
            values[int(programme_id)] = (None, float(confirmed), float(capacity))
    titles = programme_titles(ids=programme_ids)
    rows = []
    for programme_id in sorted(programme_ids):
        value, numerator, denominator = values.get(programme_id, (None, None, None))
        title, institution = titles.get(programme_id, ("", ""))
        rows.append(
            {
                "level": "programme",
                "code": str(programme_id),
                "programme_id": programme_id,
                "name": title,
                "title": title,
                "institution": institution,
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
            }
        )
    return rows


# ------------------------------------------------------------------ the console's scope


class ConsoleForbidden(DomainError):
    """Outside the staff member's scope: the page answers 403 with these words."""

    code = "forbidden"
    http_status = 403


@dataclass(frozen=True)
class ConsoleScope:
    """Who sees what in the console (콘솔 열람 범위): the access policy's `console.view`.

    - city administrator and auditor: the whole city, every district's detail;
    - district officer: their own district's detail only, with its neighbourhoods (and a city
      with wards, its wards): other districts never appear, not even in a breakdown (the
      pages show the city total next to theirs);
    - institution staff and instructors: their own institution's programmes;
    - everyone else (citizens, anonymous): refused.

    `narrow` turns a request's filters into the filters the selectors get: a district
    officer asking for another district, or institution staff for another institution, is
    refused (ConsoleForbidden, 403), and one asking for nothing gets their own district or
    institution."""

    city: bool  # city administrator or auditor: every district
    districts: frozenset[str]  # district officer
    institutions: frozenset[int]  # institution staff, instructors
    city_admin: bool = False  # enters the city's own delivery inputs
    # the districts' own areas: wards of a city with wards and every neighbourhood below
    areas: frozenset[str] = field(default=frozenset())
    roles: Roles = NOBODY  # what the scope was read from: the other console actions ask it

    @property
    def has_role(self) -> bool:
        return self.city or bool(self.districts) or bool(self.institutions)

    @property
    def label(self) -> str:
        """What the person may see, in the page's language."""
        if self.city:  # the city's name once set (`learncity city set`)
            return city_brand().name_in(get_language()) or gettext("시 전체")
        if self.districts:
            return gettext("담당 시·군·구")
        return gettext("소속 기관")

    def may(self, action: str, scope: Scope = WHOLE) -> bool:
        """The policy's answer for another console action (delivery inputs, the report)."""
        return allowed(self.roles, action, scope)

    def reach(self, action: str) -> Reach:
        return reach_of(self.roles, action)

    def sees_district(self, code: str | None) -> bool:
        return self.city or bool(code and code in self.districts)

    def sees_region(self, code: str | None) -> bool:
        """A district, or an area below it: its neighbourhoods (the first five digits name the
        district) and, for a city with wards (구를 둔 시), the wards and their neighbourhoods."""
        if self.city:
            return True
        return in_area(code or "", self.districts, self.areas)

    def narrow(
        self, district_code: str | None, institution_id: int | None
    ) -> tuple[str | None, int | None]:
        """The district and institution a page may show for what was asked."""
        if self.city:
            return district_code, institution_id
        if self.districts:
            if district_code and not self.sees_region(district_code):
                raise ConsoleForbidden(gettext("담당하지 않는 시·군·구입니다"))
            return district_code or min(self.districts), institution_id
        if institution_id is not None and institution_id not in self.institutions:
            raise ConsoleForbidden(gettext("소속 기관이 아닙니다"))
        return district_code, institution_id if institution_id is not None else min(
            self.institutions
        )

    def visible_breakdown(self, rows: list[BreakdownRow], level: str) -> list[BreakdownRow]:
        """The breakdown rows of one level that the scope may see."""
        return [r for r in rows if r.level == level and self.sees_region(r.region_code)]

    def visible_clusters(self, clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Look-alike clusters: institution staff see those with a programme of theirs."""
        if self.city or self.districts:
            return clusters
        return [
            c
            for c in clusters
            if any(p.get("institution_id") in self.institutions for p in c["programmes"])
        ]


def console_scope(actor: Actor) -> ConsoleScope:
    """The console scope of a signed-in person (their roles in one query; a district
    officer's areas below their district from the regions)."""
    from learncity.analytics.maps import areas_below

    roles = roles_of(actor)
    reach = reach_of(roles, "console.view")
    districts = reach.all_districts
    return ConsoleScope(
        city=reach.everywhere,
        districts=districts,
        institutions=reach.institutions,
        city_admin=allowed(roles, "analytics.delivery_enter"),
        areas=areas_below(districts) if districts and not reach.everywhere else frozenset(),
        roles=roles,
    )


@dataclass(frozen=True)
class Drilldown:
    level: str
    parent: str | None
    value: IndicatorValue | None
    rows: list[dict[str, Any]]


def indicator_drilldown_for(
    scope: ConsoleScope, indicator_id: str, filters: Filters, *, level: str, parent: str | None
) -> Drilldown:
    """An indicator's value and drill-down rows as the console shows them to `scope`: a
    district officer starts at their district's neighbourhoods, is refused another area's
    detail (ConsoleForbidden) and sees no row outside their district. Region rows carry
    `region_code` and `region_name`."""
    if not scope.city and scope.districts:
        if level == "district":
            level, parent = "neighbourhood", parent or filters.district_code
        if level == "programme" and parent is None:
            parent = filters.district_code
        if parent is not None and not scope.sees_region(parent):
            raise ConsoleForbidden(gettext("담당하지 않는 지역의 세부 자료입니다"))
    found = indicator_values(filters, ids=[indicator_id], breakdown=False)
    rows = [
        {**row, "region_code": row.get("code"), "region_name": row.get("name")}
        if level != "programme"
        else dict(row)
        for row in indicator_drilldown(indicator_id, filters, level, parent)
    ]
    if scope.districts and not scope.city:
        rows = [r for r in rows if not r.get("region_code") or scope.sees_region(r["region_code"])]
    return Drilldown(level, parent, found[0] if found else None, rows)
