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

from learncity.algorithms import indicators as compute
from learncity.analytics.indicators import REGISTRY, IndicatorDef, indicator_registry
from learncity.analytics.snapshot import snapshot_get
from learncity.core.errors import DomainError, NotFound

__all__ = [
    "BreakdownRow",
    "Filters",
    "IndicatorDef",
    "IndicatorFilterError",
    "IndicatorValue",
    "indicator_definitions",
    "indicator_drilldown",
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


def _scope(filters: Filters) -> compute.Scope:
    try:
        return compute.Scope(
            year=filters.year,
            month=filters.month,
            term=filters.term or None,
            district_code=filters.district_code or None,
            institution_id=filters.institution_id,
            as_of=timezone.localdate(),
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
            raise NotFound(
                f"알 수 없는 지표입니다: {indicator_id} / unknown indicator {indicator_id}"
            )
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
        raise NotFound(f"알 수 없는 지표입니다: {indicator_id} / unknown indicator {indicator_id}")
    if level not in DRILL_LEVELS:
        raise IndicatorFilterError(
            f"단계는 {', '.join(DRILL_LEVELS)} 중 하나여야 합니다 / level must be one of "
            f"{', '.join(DRILL_LEVELS)} (not {level!r})"
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
                "name": names.get(scope.district_code or "", "") or "시 전체 / whole city",
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
