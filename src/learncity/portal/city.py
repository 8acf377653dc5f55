"""The city's emblem, served from the database for the header, the reports and credentials."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from learncity.regions.selectors import city_emblem


@require_GET
def emblem(request: HttpRequest) -> HttpResponse:
    """The emblem's bytes. An SVG may hold markup: it is sent with a policy that lets nothing
    run or load, so opening it on its own is as harmless as showing it in an <img>."""
    found = city_emblem()
    if found is None:
        raise Http404("no emblem")
    data, content_type = found
    response = HttpResponse(data, content_type=content_type)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    # the address carries the emblem's version (?v=…): a new emblem is a new address
    response["Cache-Control"] = "public, max-age=86400"
    return response
