"""The error pages: 403, 404 and 500 in the site's layout and the visitor's language.

403 and 404 extend the site's base page (the menu, the language switch). 500 stands alone:
it is rendered when something already went wrong (perhaps the database), so it needs no
database, no request context and no context processor, only the language that was active."""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.translation import get_language


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string(
        "portal/errors/404.html", {"request_path": request.path}, request
    )
    return HttpResponseNotFound(body)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    body = loader.render_to_string("portal/errors/403.html", {}, request)
    return HttpResponseForbidden(body)


def server_error(request: HttpRequest | None = None) -> HttpResponse:
    """No request context: nothing here may reach the database or a context processor."""
    language = "en" if (get_language() or "").startswith("en") else "ko"
    body = loader.get_template("portal/errors/500.html").render({"language": language})
    return HttpResponseServerError(body)
