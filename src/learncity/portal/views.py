"""Citizen pages: parse, read through selectors, render. No business logic here."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from learncity.algorithms import calendar
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.catalog.selectors import (
    catalog_overview,
    institution_rows,
    programme_ids_of,
    programme_list,
    programme_rows,
    venue_rows,
)
from learncity.core.readiness import READY, readiness_status, readiness_timings
from learncity.core.vocabulary import word
from learncity.enrollment.selectors import registration_status
from learncity.learners.access import requires
from learncity.notices.selectors import notices_current
from learncity.portal.enrolment import apply_context
from learncity.regions.selectors import city_area_rows, city_scope, region_overview
from learncity.search.indexer import SearchRebuilding
from learncity.search.places import search_places
from learncity.search.selectors import (
    AREA_NAMES,
    MODES,
    SORTS,
    STATUSES,
    WEEKDAY_NAMES,
    SearchInputError,
    indexed_districts,
    programme_search,
    search_params_from,
)

logger = logging.getLogger(__name__)

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SOURCE = gettext_lazy("교육부 전국평생학습강좌표준데이터")
DEMO_SOURCE = gettext_lazy("데모 도시 (가상 데이터)")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    overview = region_overview()
    city = city_scope()  # the city's area; every loaded area when none is set
    area = city_area_rows(scope=city, limit=None if city.is_set else 15)
    districts = sorted(city.districts) if city.is_set else None
    today = timezone.localdate()
    context = {
        "regions": overview,
        "catalog": catalog_overview(),
        "city": city,
        "area": area,
        "districts": area.rows,
        "institutions": institution_rows(district_codes=districts, limit=50) if city.is_set else [],
        "programmes": programme_list(limit=12, district_codes=districts),
        "database": connection.vendor,
        "week_end": today + dt.timedelta(days=7),
        "notices": notices_current(limit=5),  # the city's and the institutions'
    }
    return render(request, "portal/home.html", context)


def _choices() -> dict[str, Any]:
    return {
        "weekday_choices": [(i + 1, name) for i, name in enumerate(WEEKDAY_NAMES)],
        "time_choices": [
            ("morning", gettext("오전")),
            ("afternoon", gettext("오후")),
            ("evening", gettext("저녁")),
        ],
        "group_choices": TARGET_GROUPS,
        "category_choices": list(AREA_NAMES.items()),
        "status_choices": [
            ("open", pgettext("registration status", "접수 중")),
            ("upcoming", pgettext("registration status", "접수 예정")),
            ("closed", pgettext("registration status", "마감")),
        ],
        "mode_choices": MODES,
        "sort_choices": SORTS,
        "status_values": STATUSES,
    }


def _search_places(get: QueryDict) -> tuple[dict[str, Any], QueryDict]:
    """The search form's district and neighbourhood choices, by name, and the query to run:
    a neighbourhood outside the one district chosen is left out (the district was changed
    after it was picked), with a note."""
    wanted = [v.strip() for value in get.getlist("district") for v in value.split(",")]
    wanted = [v for v in wanted if v]
    indexed = indexed_districts()
    places = search_places(district=wanted[0][:60] if len(wanted) == 1 else "", indexed=indexed)
    query = get.copy()
    inside = {code for code, _name in places.neighbourhoods}
    picked = [v for value in get.getlist("neighbourhood") for v in value.split(",") if v.strip()]
    names = {name: code for code, name in places.neighbourhoods}
    outside = places.district and any(names.get(v, v) not in inside for v in picked)
    if outside:
        query.pop("neighbourhood", None)
    chosen = [names.get(v, v) for v in picked if names.get(v, v) in inside]
    context = {
        "district_choices": places.districts,
        "neighbourhood_choices": places.neighbourhoods,
        "chosen_district": places.district or (wanted[0] if wanted else ""),
        "chosen_neighbourhood": chosen[0] if chosen else "",
        "place_note": gettext("고른 동이 이 시·군·구에 없어 동 조건을 뺐습니다.")
        if outside
        else "",
    }
    return context, query


def _facet_links(get: QueryDict, facets: dict[str, list[dict[str, Any]]]) -> None:
    """Each facet value with `href`, the search with that value applied (or, when it is
    applied already, taken off: `active`), from the first page."""
    for name in ("weekday", "category", "status", "district", "neighbourhood"):
        for item in facets.get(name, []):
            query = get.copy()
            query.pop("page", None)
            value = str(item["value"])
            if not value:  # no known place: nothing to apply
                item["active"], item["href"] = False, ""
                continue
            chosen = [v for v in query.getlist(name) if v]
            item["active"] = value in chosen
            if name in ("district", "neighbourhood"):
                # one place at a time: a district replaces the district and its neighbourhood
                query.setlist(name, [] if item["active"] else [value])
                if name == "district":
                    query.pop("neighbourhood", None)
            elif item["active"]:
                query.setlist(name, [v for v in chosen if v != value])
            else:
                query.setlist(name, [*chosen, value])
            item["href"] = "?" + query.urlencode()


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    error = None
    page = None
    places, query = _search_places(request.GET)
    rebuilding = False
    try:
        page = programme_search(search_params_from(query.getlist))
    except SearchInputError as exc:
        error = exc.message
    except SearchRebuilding:
        rebuilding = True
        error = gettext("검색 색인을 만드는 중입니다. 잠시 후 다시 검색해 주세요.")
    else:
        _facet_links(query, page.facets)
    pager = {}
    if page is not None:
        for name, number in (("previous", page.params.page - 1), ("next", page.params.page + 1)):
            if 1 <= number <= page.pages:
                other = query.copy()
                other["page"] = str(number)
                pager[name] = "?" + other.urlencode()
    context = {
        "page": page,
        "pager": pager,
        "error": error,
        "get": query,
        "selected": {k: query.getlist(k) for k in query},
        **places,
        **_choices(),
    }
    partial = bool(request.headers.get("HX-Request"))
    context["swap_places"] = partial  # the neighbourhood choices follow the district
    template = "portal/_results.html" if partial else "portal/search.html"
    status = 503 if rebuilding else 400 if error else 200
    return render(request, template, context, status=status)


def _programme(pk: int) -> dict[str, Any]:
    rows = list(programme_rows(ids=[pk])) if 0 < pk < 2**62 else []
    if not rows:
        raise Http404("no such programme")
    return rows[0]


def _sessions(row: dict[str, Any]) -> list[dt.date]:
    if not (row["start_date"] and row["end_date"]):
        return []
    return calendar.session_dates(row["start_date"], row["end_date"], row["weekdays"] or [])


def _json_ld(row: dict[str, Any], url: str, sessions: list[dt.date]) -> str:
    instance: dict[str, Any] = {
        "@type": "CourseInstance",
        "courseMode": {"offline": "onsite", "online": "online", "hybrid": "blended"}.get(
            row["mode"], "onsite"
        ),
        "startDate": row["start_date"].isoformat() if row["start_date"] else None,
        "endDate": row["end_date"].isoformat() if row["end_date"] else None,
        "location": {
            "@type": "Place",
            "name": row["venue"] or "",
            "address": row["address"] or "",
        },
    }
    if row["instructor"]:
        instance["instructor"] = {"@type": "Person", "name": row["instructor"]}
    if sessions and row["start_time"]:
        instance["courseSchedule"] = {
            "@type": "Schedule",
            "byDay": [f"https://schema.org/{DAY_NAMES[d - 1]}" for d in row["weekdays"] or []],
            "startTime": row["start_time"].isoformat(),
            "endTime": row["end_time"].isoformat() if row["end_time"] else None,
            "repeatFrequency": "P1W",
        }
    data = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": row["display_title"],
        "description": (row["description"] or row["display_title"])[:500],
        "url": url,
        "provider": {"@type": "Organization", "name": row["institution"]},
        "offers": {
            "@type": "Offer",
            "price": row["fee_krw"] if row["fee_krw"] is not None else None,
            "priceCurrency": "KRW",
            "category": "Free" if row["fee_krw"] == 0 else "Paid",
        },
        "hasCourseInstance": [instance],
    }
    text = json.dumps(data, ensure_ascii=False, default=str)
    # inside <script>: no tag can be closed from the data
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@require_GET
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    return programme_page(request, pk)


def programme_page(
    request: HttpRequest, pk: int, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The programme page; with the enrolment offer when its schedule has one (and the
    refusal of an application, re-rendered with its 4xx status)."""
    row = _programme(pk)
    today = timezone.localdate()
    window = registration_status(pk, published=row)  # the one status (search agrees)
    sessions = _sessions(row)
    months: dict[str, list[dt.date]] = {}
    for day in sessions:
        months.setdefault(day.strftime("%Y-%m"), []).append(day)
    url = request.build_absolute_uri(reverse("portal:programme", args=[pk]))
    context = {
        "p": row,
        "window": window,
        "sessions": sessions,
        "months": months,
        "weekdays": calendar.weekdays_in_words(
            row["weekdays"] or [], english=translation.get_language() == "en"
        ),
        "json_ld": mark_safe(_json_ld(row, url, sessions)),  # noqa: S308 - escaped in _json_ld
        "area": word(row["category_code"] or "", "area") if row["category_code"] else "",
        # invented data is never credited to the national data (issue 18)
        "source": DEMO_SOURCE if row.get("source") == "demo" else SOURCE,
        "today": today,
        "apply_error": error,
        **apply_context(request, pk),
        "notices": notices_current(institution_id=row["institution_id"], limit=3),
    }
    return render(request, "portal/programme.html", context, status=status)


@require_GET
def programme_ics(request: HttpRequest, pk: int) -> HttpResponse:
    row = _programme(pk)
    sessions = _sessions(row)
    body = calendar.ics(
        uid=f"programme-{pk}",
        title=row["display_title"],
        dates=sessions,
        start_time=row["start_time"],
        end_time=row["end_time"],
        location=" ".join(x for x in (row["venue"], row["place"], row["address"]) if x),
        description=row["description"] or "",
        url=request.build_absolute_uri(reverse("portal:programme", args=[pk])),
        stamp=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="learncity-programme-{pk}.ics"'
    return response


@require_GET
def institution(request: HttpRequest, pk: int) -> HttpResponse:
    rows = institution_rows(ids=[pk]) if 0 < pk < 2**62 else []
    if not rows:
        raise Http404("no such institution")
    context = {
        "institution": rows[0],
        "venues": venue_rows(institution_id=pk),
        "programmes": list(programme_rows(ids=programme_ids_of(institution_id=pk, limit=100))),
        "notices": notices_current(institution_id=pk, limit=5),
    }
    return render(request, "portal/institution.html", context)


@require_GET
def venue(request: HttpRequest, pk: int) -> HttpResponse:
    rows = venue_rows(ids=[pk]) if 0 < pk < 2**62 else []
    if not rows:
        raise Http404("no such venue")
    context = {
        "venue": rows[0],
        "programmes": list(programme_rows(ids=programme_ids_of(venue_id=pk, limit=100))),
    }
    return render(request, "portal/venue.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 `ready` once this worker is warm (learncity.config.warmup), 503 `warming` before:
    a load balancer sends traffic only to warm workers. The database is asked every time:
    when it does not answer, 503 `unavailable` names it (`failed: ["database"]`)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError) as exc:
        logger.error("healthz: the database does not answer: %s", exc)
        down = JsonResponse(
            {"status": "unavailable", "failed": ["database"], "database": connection.vendor},
            status=503,
        )
        down["Cache-Control"] = "no-store"
        return down
    status = readiness_status()
    answer: dict[str, Any] = {"status": status, "database": connection.vendor}
    if status == READY and (timings := readiness_timings()):
        answer["warm_up_s"] = timings
    response = JsonResponse(answer, status=200 if status == READY else 503)
    response["Cache-Control"] = "no-store"
    return response


@requires("portal.language_set")
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language: the language cookie, then back to the page (anyone)."""
    return set_language(request)
