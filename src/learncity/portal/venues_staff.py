"""Staff pages that place venues on the map (issue 18): /staff/venues lists the venues a
staff member may place, least precise first; /staff/venues/<id>/locate draws the venue's
district from the loaded boundaries (an offline SVG, algorithms/svgmap) with the venue's
point, and takes a point clicked on the map (or typed), a 동 chosen from a list, or a reset
to the place read from the address and name.

Who may: `catalog.venue_locate` (city administrators anywhere, district officers in their
district, institution staff for their institution's venues). After a change the search index
is brought up to date so that "near me" uses the new point at once.
"""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from learncity.algorithms import svgmap
from learncity.catalog.location_selectors import (
    district_neighbourhood_shapes,
    venue_location_get,
    venues_for_staff,
)
from learncity.catalog.locations import (
    LocationError,
    venue_location_reset,
    venue_neighbourhood_set,
    venue_point_set,
)
from learncity.learners.access import Actor, Scope, allowed, reach_of, requires
from learncity.portal.staff import staff_page
from learncity.search.services import search_index

NOT_ALLOWED = gettext_lazy("이 교육장의 위치를 정할 권한이 없습니다")
NOT_FOUND = gettext_lazy("찾을 수 없습니다")
BAD_POINT = gettext_lazy("위도와 경도를 숫자로 적어 주세요 (예: 37.4879, 127.0869)")
OUTSIDE = gettext_lazy("그 지점은 교육장이 있는 시·군·구 밖입니다")
NOT_IN_KOREA = gettext_lazy("위도와 경도가 대한민국 안이 아닙니다")
NO_SUCH_DONG = gettext_lazy("이 시·군·구의 동을 골라 주세요")


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, message: Any, status: int) -> HttpResponse:
    return render(request, "portal/staff/refused.html", {"error": message}, status=status)


@require_GET
@staff_page
def venues(request: HttpRequest) -> HttpResponse:
    reach = reach_of(_actor(request), "catalog.venue_locate")
    if not reach.anywhere:
        return _refused(request, NOT_ALLOWED, 403)
    rows = venues_for_staff(
        everywhere=reach.everywhere,
        institution_ids=reach.institutions,
        district_codes=reach.all_districts,
    )
    return render(request, "portal/staff/venues.html", {"rows": rows})


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _map(venue: dict[str, Any], shapes: list[dict[str, Any]]) -> str:
    drawn = [
        svgmap.MapShape(
            s["code"],
            s["name"],
            s["geometry"] or {"type": "Point", "coordinates": [s["centroid"][1], s["centroid"][0]]},
            1,
        )
        for s in shapes
        if s["geometry"] is not None or s["centroid"] is not None
    ]
    if not drawn:
        return ""
    points = []
    if venue["latitude"] is not None and venue["longitude"] is not None:
        points.append(
            svgmap.MapPoint(venue["latitude"], venue["longitude"], venue["name"], kind="venue")
        )
    return svgmap.render_map(
        drawn,
        points,
        title=gettext("%(district)s의 동 경계와 교육장 위치") % {"district": venue["district"]},
        breaks=[],
        class_labels=[gettext("동 경계 (통계청 2018)")],
        legend_title=venue["district"],
        width=560,
        point_radius=6,
        id_prefix="venuemap",
        legend_words={
            "no_data": gettext("자료 없음"),
            "venue": gettext("학습 장소"),
            "site": gettext("제안 입지"),
            "all": gettext("모두"),
        },
    )


def _apply(request: HttpRequest, venue: dict[str, Any], shapes: list[dict[str, Any]]) -> str:
    """Do what the form asks; the problem in the page's language, or ""."""
    by = f"staff:{request.user.get_username()}"
    action = request.POST.get("action", "")
    try:
        if action == "point":
            lat = _number(request.POST.get("latitude", "")[:40])
            lon = _number(request.POST.get("longitude", "")[:40])
            if lat is None or lon is None:
                return str(BAD_POINT)
            venue_point_set(venue_id=venue["id"], latitude=lat, longitude=lon, by=by)
        elif action == "neighbourhood":
            code = request.POST.get("code", "")[:10]
            if code not in {s["code"] for s in shapes}:
                return str(NO_SUCH_DONG)
            venue_neighbourhood_set(venue_id=venue["id"], code=code, by=by)
        elif action == "reset":
            venue_location_reset(venue_id=venue["id"], by=by)
        else:
            return gettext("무엇을 할지 골라 주세요")
    except LocationError as error:
        return str(OUTSIDE if "outside" in error.message else NOT_IN_KOREA)
    search_index()  # "near me" uses the new point at once
    return ""


@require_http_methods(["GET", "POST"])
@staff_page
@requires("catalog.venue_locate")
def venue_locate(request: HttpRequest, pk: int) -> HttpResponse:
    venue = venue_location_get(venue_id=pk) if 0 < pk < 2**62 else None
    if venue is None:
        return _refused(request, NOT_FOUND, 404)
    scope = Scope(institution_id=venue["institution_id"], district_code=venue["district_code"])
    if not allowed(_actor(request), "catalog.venue_locate", scope):
        return _refused(request, NOT_ALLOWED, 403)
    shapes = district_neighbourhood_shapes(district_code=venue["district_code"])
    problem = ""
    if request.method == "POST":
        problem = _apply(request, venue, shapes)
        if not problem:
            messages.success(request, gettext("교육장 위치를 저장했습니다"))
            return redirect("portal:staff_venue_locate", pk=pk)
    context = {
        "venue": venue,
        "svg": _map(venue, shapes),
        "neighbourhoods": [s for s in shapes if s["centroid"] is not None],
        "problem": problem,
        "posted": request.POST if request.method == "POST" else {},
    }
    return render(
        request, "portal/staff/venue_locate.html", context, status=422 if problem else 200
    )
