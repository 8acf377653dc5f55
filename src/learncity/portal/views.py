"""Citizen pages: parse, read through selectors, render. No business logic here."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from learncity.catalog.selectors import catalog_overview, programme_list
from learncity.regions.models import Region
from learncity.regions.selectors import region_list, region_overview


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    overview = region_overview()
    districts = region_list(level=Region.Level.DISTRICT, limit=15)
    context = {
        "regions": overview,
        "catalog": catalog_overview(),
        "districts": districts,
        "programmes": programme_list(limit=12),
        "database": connection.vendor,
    }
    return render(request, "portal/home.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
