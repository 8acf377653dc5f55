"""The page behind the link in a confirmation message (/checkin/<code>): the check-in QR code
for whoever holds the link, with the course title and the code's last characters. Nothing
about the person is shown; a re-issued or cancelled code says so instead of showing a QR."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from learncity.attendance.checkin_code import checkin_qr_svg
from learncity.attendance.selectors import checkin_code_holder
from learncity.catalog.selectors import programme_title


def _grouped(token: str) -> str:
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


@require_GET
def checkin_code(request: HttpRequest, token: str) -> HttpResponse:
    held = checkin_code_holder(token[:100])
    if held is None:
        return render(request, "portal/checkin_code.html", {"unknown": True}, status=404)
    title = programme_title(held["programme_id"])
    context = {"title": title, "live": held["live"], "hint": held["hint"]}
    if held["live"]:
        svg = checkin_qr_svg(
            held["token"], scale=8, title=gettext("출석 QR 코드: %(title)s") % {"title": title}
        )
        context["svg"] = mark_safe(  # noqa: S308 - segno's SVG of a token of [A-Z2-7]
            svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
        )
        context["grouped"] = _grouped(held["token"])
    response = render(
        request, "portal/checkin_code.html", context, status=200 if held["live"] else 410
    )
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
