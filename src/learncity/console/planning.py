"""The console's planning pages (/console/planning/): the 15-minute learning zone by district
with its map, and proposed sites for new learning centres with theirs; tables as CSV.

City administrators and auditors see every district; a district officer sees their own
district's detail (and the city's totals, never another district's rows); other staff are
refused (planning is the districts' and the city's work): the access policy's
`planning.view`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from learncity.analytics.selectors import console_scope
from learncity.core.errors import DomainError
from learncity.learners.access import Actor, Reach
from learncity.planning import services

STAFF_ONLY = gettext_lazy("직원만 볼 수 있는 페이지입니다")
OFFICERS_ONLY = gettext_lazy("입지 계획은 시·군·구와 시 담당자의 페이지입니다")
CATEGORIES = (
    "literacy",
    "academic",
    "vocational",
    "culture_arts",
    "humanities",
    "civic",
    "career",
)


class PlanningRefused(Exception):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "console/refused.html", {"error": message}, status=status)


def planning_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in. No staff role: 403. Institution staff: 403 (officers only)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        pk: Any = request.user.pk
        console = console_scope(Actor(int(pk)))
        if not console.has_role:
            return _refused(request, str(STAFF_ONLY), 403)
        scope = console.reach("planning.view")
        if not scope.anywhere:
            return _refused(request, str(OFFICERS_ONLY), 403)
        try:
            return view(request, scope, *args, **kwargs)
        except PlanningRefused as exc:
            return _refused(request, exc.message, exc.status)
        except DomainError as exc:
            return _refused(request, exc.message, exc.http_status)

    return guarded


def _number(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    text = request.GET.get(name, "").strip()
    if not text:
        return default
    if not text.isdecimal() or len(text) > 4 or not low <= int(text) <= high:
        raise PlanningRefused(
            gettext("%(name)s: %(low)s~%(high)s 사이의 숫자여야 합니다: %(value)s")
            % {"name": name, "low": low, "high": high, "value": repr(text[:20])},
            422,
        )
    return int(text)


def _district(request: HttpRequest, scope: Reach) -> str | None:
    code = request.GET.get("district", "").strip() or None
    if code is not None and (not code.isdecimal() or len(code) != 10):
        raise PlanningRefused(
            gettext("district: 시·군·구 코드가 아닙니다: %(value)s") % {"value": repr(code[:20])},
            422,
        )
    if scope.everywhere:
        return code
    if code is not None and code not in scope.districts:
        raise PlanningRefused(gettext("담당하지 않는 시·군·구입니다"), 403)
    return code or min(scope.districts)


def _options(request: HttpRequest, district: str | None) -> services.Options:
    category = request.GET.get("category", "").strip() or None
    if category is not None and category not in CATEGORIES:
        raise PlanningRefused(
            gettext("category: 알 수 없는 영역입니다: %(value)s") % {"value": repr(category[:20])},
            422,
        )
    return services.Options(
        minutes=float(_number(request, "minutes", 15, 1, 120)),
        min_programmes=_number(request, "min_programmes", 1, 1, 100),
        category=category,
        evening=request.GET.get("evening") == "1",
    )


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


@require_GET
@planning_page
def coverage(request: HttpRequest, scope: Reach) -> HttpResponse:
    district = _district(request, scope)
    options = _options(request, district)
    result = services.access_compute(options)
    all_rows = services.district_table(result)
    totals = result.totals
    if scope.everywhere:
        rows = [
            r for r in all_rows if r["residents"] > 0 and (not district or r["code"] == district)
        ]
    else:
        rows = [r for r in all_rows if r["code"] in scope.districts and (r["code"] == district)]
    neighbourhoods = [
        n for n in result.neighbourhoods if district is None or n.district_code == district
    ]
    csv_kind = request.GET.get("csv")
    if csv_kind == "districts":
        return _csv(_rows_csv(rows), "coverage-districts.csv")
    if csv_kind == "neighbourhoods":
        return _csv(_neighbourhood_csv(neighbourhoods), "coverage-neighbourhoods.csv")
    venue_districts = {v.district_code for v in result.venues if v.district_code}
    map_district = district or (min(venue_districts) if len(venue_districts) == 1 else None)
    svg = services.access_map(result, district_code=map_district)
    query = urlencode(
        {
            k: v
            for k, v in {
                "minutes": int(options.minutes),
                "min_programmes": options.min_programmes,
                "category": options.category or "",
                "district": district or "",
            }.items()
            if v not in ("", None)
        }
    )
    placed = [
        v
        for v in services.venue_placement_table(result)
        if scope.everywhere
        or v["id"] in {x.id for x in result.venues if x.district_code == district}
    ]
    return render(
        request,
        "console/planning/coverage.html",
        {
            "options": options,
            "district": district,
            "totals": {
                "residents": _percent(totals["residents_share"]),
                "seniors": _percent(totals["seniors_share"]),
                "children": _percent(totals["children_share"]),
            },
            "rows": [
                {
                    **r,
                    "residents_pct": _percent(r["residents_share"]),
                    "seniors_pct": _percent(r["seniors_share"]),
                    "children_pct": _percent(r["children_share"]),
                }
                for r in rows
            ],
            "neighbourhoods": neighbourhoods if district else [],
            "svg": svg,
            "placed": placed,
            "query": query,
            "categories": CATEGORIES,
        },
    )


def _rows_csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["code"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _neighbourhood_csv(rows: list[services.NeighbourhoodAccess]) -> str:
    from dataclasses import asdict

    return _rows_csv([asdict(r) for r in rows])


@require_GET
@planning_page
def sites(request: HttpRequest, scope: Reach) -> HttpResponse:
    district = _district(request, scope)
    options = _options(request, district)
    k = _number(request, "k", 5, 1, 20)
    computed = services.access_compute(options)
    if district is None:
        with_venues = sorted({v.district_code for v in computed.venues if v.district_code})
        districts = tuple(with_venues)
    else:
        districts = (district,)
    if not districts:
        raise PlanningRefused(
            gettext("시·군·구를 고르세요 (학습 장소가 있는 시·군·구가 없습니다)"), 422
        )
    narrowed = services.Options(
        minutes=options.minutes,
        min_programmes=options.min_programmes,
        category=options.category,
        evening=options.evening,
        districts=districts,
    )
    result = services.sites_propose(
        narrowed, services.SiteOptions(k=k, time_limit_s=20), computed=computed
    )
    if request.GET.get("csv") == "sites":
        return _csv(services.sites_csv(result), "proposed-sites.csv")
    data = services.sites_json(result)
    params = {"k": k, "minutes": int(options.minutes), "district": district or ""}
    query = urlencode({key: value for key, value in params.items() if value != ""})
    return render(
        request,
        "console/planning/sites.html",
        {
            "k": k,
            "options": options,
            "district": district,
            "data": data,
            "gap_pct": f"{100 * result.gap:.2f}%",
            "svg": services.access_map(result.access, sites=result),
            "query": query,
        },
    )
