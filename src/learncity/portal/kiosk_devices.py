"""Paired kiosks (issue 19, finding 7). /staff/kiosks: staff who manage a venue (its
institution's staff, the district's officer, a city administrator: `attendance.kiosk_manage`)
register a tablet as the venue's kiosk — a pairing link and its QR code, valid once for
LEARNCITY_KIOSK_PAIRING_MINUTES — and see and revoke the venue's kiosks.
/kiosk/pair/<code>: the tablet opens the link and pairs itself (a POST); it is signed out of
any account and keeps only the device's cookie (HttpOnly, SameSite=Strict, Secure under TLS,
sent to /kiosk/ only), then shows the venue's kiosk.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from learncity.attendance import selectors, services
from learncity.catalog.location_selectors import venues_for_staff
from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, reach_of, requires
from learncity.portal.kiosk import COOKIE, COOKIE_PATH
from learncity.portal.staff import staff_page


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, message: Any, status: int) -> HttpResponse:
    return render(request, "portal/staff/refused.html", {"error": message}, status=status)


def _qr_svg(text: str) -> str:
    import segno

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=5, border=4, xmldecl=False, dark="#000", light="#fff",
        title=gettext("키오스크 연결 QR 코드"),
    )  # fmt: skip
    return out.getvalue().decode("utf-8")


def _venues(actor: Actor) -> list[dict[str, Any]]:
    reach = reach_of(actor, "attendance.kiosk_manage")
    if not reach.anywhere:
        return []
    return venues_for_staff(
        everywhere=reach.everywhere,
        institution_ids=reach.institutions,
        district_codes=reach.all_districts,
    )


@require_http_methods(["GET", "POST"])
@requires("attendance.kiosk_manage")
@staff_page
def kiosks(request: HttpRequest) -> HttpResponse:
    """The kiosks of the venues the staff member manages (GET) and a new one (POST: venue,
    name), answered with its one-time pairing link and QR code."""
    actor = _actor(request)
    venues = _venues(actor)
    if not venues:
        return _refused(request, gettext("키오스크를 관리할 수 있는 교육장이 없습니다"), 403)
    pairing = None
    error = ""
    status = 200
    if request.method == "POST":
        venue_text = request.POST.get("venue", "").strip()
        venue_id = int(venue_text) if venue_text.isdecimal() and len(venue_text) < 10 else 0
        try:
            pairing = services.kiosk_device_register(
                actor=actor, venue_id=venue_id, name=request.POST.get("name", "")
            )
        except LearncityError as exc:
            if exc.http_status == 403:
                return _refused(request, exc.message, 403)
            error, status = exc.message, exc.http_status
    link = ""
    if pairing is not None:
        link = settings.LEARNCITY_PUBLIC_URL + reverse("portal:kiosk_pair", args=[pairing.code])
    context = {
        "venues": venues,
        "devices": selectors.kiosk_devices_at(venue_ids=[v["id"] for v in venues]),
        "pairing": pairing,
        "link": link,
        "qr": _qr_svg(link) if link else "",
        "error": error,
        "form": request.POST if error else {},
        "days": settings.LEARNCITY_KIOSK_DEVICE_DAYS,
    }
    return render(request, "portal/staff/kiosks.html", context, status=status)


@require_POST
@requires("attendance.kiosk_manage")
@staff_page
def kiosk_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a kiosk: its next request is refused."""
    try:
        revoked = services.kiosk_device_revoke(actor=_actor(request), device_id=pk)
    except LearncityError as exc:
        return _refused(request, exc.message, exc.http_status)
    if revoked:
        messages.success(request, gettext("키오스크 연결을 해제했습니다"))
    return redirect("portal:staff_kiosks")


@require_http_methods(["GET", "POST"])
@requires("attendance.kiosk_pair")
def kiosk_pair(request: HttpRequest, code: str) -> HttpResponse:
    """GET: what pairing does, and the button (a link preview that opens the page pairs
    nothing). POST: pair this browser as the kiosk, signed in as nobody."""
    if request.method == "GET":
        return render(request, "portal/kiosk/pair.html", {"code": code[:64]})
    try:
        paired = services.kiosk_device_pair(code=code)
    except LearncityError as exc:
        return render(
            request,
            "portal/kiosk/pair.html",
            {"code": "", "error": exc.message},
            status=exc.http_status,
        )
    logout(request)  # a staff member signed in on the tablet is signed out: it is a kiosk now
    response = redirect("portal:kiosk", venue_id=paired.venue_id)
    response.set_cookie(
        COOKIE,
        paired.secret,
        max_age=settings.LEARNCITY_KIOSK_DEVICE_DAYS * 86400,
        path=COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE or request.is_secure(),
        httponly=True,
        samesite="Strict",
    )
    return response
