"""Citizen pages: parse, read through selectors, render. No business logic here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.i18n import set_language

from learncity.algorithms import calendar, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.catalog.selectors import (
    catalog_overview,
    institution_rows,
    programme_ids_of,
    programme_list,
    programme_rows,
    venue_rows,
)
from learncity.learners.access import requires
from learncity.portal.enrolment import apply_context
from learncity.regions.selectors import region_list, region_overview
from learncity.search.selectors import (
    AREA_NAMES,
    MODES,
    SORTS,
    STATUSES,
    WEEKDAY_NAMES,
    SearchInputError,
    programme_search,
    search_params_from,
)

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SOURCE_KO = "교육부 전국평생학습강좌표준데이터"
SOURCE_EN = "Ministry of Education, national lifelong-learning course standard data"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    overview = region_overview()
    districts = region_list(level="district", limit=15)
    today = timezone.localdate()
    context = {
        "regions": overview,
        "catalog": catalog_overview(),
        "districts": districts,
        "programmes": programme_list(limit=12),
        "database": connection.vendor,
        "week_end": today + dt.timedelta(days=7),
    }
    return render(request, "portal/home.html", context)


def _choices() -> dict[str, Any]:
    return {
        "weekday_choices": [(i + 1, name) for i, name in enumerate(WEEKDAY_NAMES)],
        "time_choices": [
            ("morning", "오전", "Morning"),
            ("afternoon", "오후", "Afternoon"),
            ("evening", "저녁", "Evening"),
        ],
        "group_choices": TARGET_GROUPS,
        "category_choices": list(AREA_NAMES.items()),
        "status_choices": [
            ("open", "접수 중", "Open now"),
            ("upcoming", "접수 예정", "Opening soon"),
            ("closed", "마감", "Closed"),
        ],
        "mode_choices": MODES,
        "sort_choices": SORTS,
        "status_values": STATUSES,
    }


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    error = None
    page = None
    try:
        page = programme_search(search_params_from(request.GET.getlist))
    except SearchInputError as exc:
        error = exc.message
    pager = {}
    if page is not None:
        for name, number in (("previous", page.params.page - 1), ("next", page.params.page + 1)):
            if 1 <= number <= page.pages:
                query = request.GET.copy()
                query["page"] = str(number)
                pager[name] = "?" + query.urlencode()
    context = {
        "page": page,
        "pager": pager,
        "error": error,
        "get": request.GET,
        "selected": {k: request.GET.getlist(k) for k in request.GET},
        **_choices(),
    }
    template = "portal/_results.html" if request.headers.get("HX-Request") else "portal/search.html"
    return render(request, template, context, status=400 if error else 200)


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
    window = search_text.registration(
        today, row["registration_start"], row["registration_end"], row["start_date"]
    )
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
        "weekdays_ko": calendar.weekdays_in_words(row["weekdays"] or []),
        "weekdays_en": calendar.weekdays_in_words(row["weekdays"] or [], english=True),
        "json_ld": mark_safe(_json_ld(row, url, sessions)),  # noqa: S308 - escaped in _json_ld
        "area": AREA_NAMES.get(row["category_code"] or "", ""),
        "source_ko": SOURCE_KO,
        "source_en": SOURCE_EN,
        "today": today,
        "apply_error": error,
        **apply_context(request, pk),
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
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@requires("portal.language_set")
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's set_language: the language cookie, then back to the page (anyone)."""
    return set_language(request)
