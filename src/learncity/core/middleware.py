"""Korean first: the page language is Korean unless the visitor chose English (`?lang=`,
remembered in a cookie). A program calling the API may also ask by `Accept-Language`
(`en` first: English error messages); pages ignore the browser's header on purpose."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def _accepted(header: str) -> str:
    """The supported language an Accept-Language header prefers most ("" when none)."""
    ranked = []
    for order, part in enumerate(header[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if primary in SUPPORTED and quality > 0:
            ranked.append((-quality, order, primary))
    return min(ranked)[2] if ranked else ""


class KoreanFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang") or request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if not chosen and request.path.startswith("/api/"):
            chosen = _accepted(request.headers.get("Accept-Language", ""))
        language = chosen if chosen in SUPPORTED else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if request.GET.get("lang") in SUPPORTED:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
            )
        translation.deactivate()
        return response
