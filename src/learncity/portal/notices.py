"""The staff page of notices (공지사항): publish one for the city or an institution, withdraw
one. City administrators publish for the whole city and any institution, an institution's
staff for their institution (the policy's `notices.manage`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from learncity.catalog.selectors import institution_names, institution_rows
from learncity.core.errors import LearncityError
from learncity.learners.access import allowed, reach_of, requires
from learncity.notices.selectors import notices_for_staff
from learncity.notices.services import InvalidNotice, notice_publish, notice_withdraw
from learncity.portal.staff import _actor, refusal, staff_page

CITY = "city"


def _publishers(request: HttpRequest) -> list[tuple[str, str]]:
    """Whom the person may publish for, by name: the city, and institutions."""
    actor = _actor(request)
    reach = reach_of(actor, "notices.manage")
    choices: list[tuple[str, str]] = []
    if allowed(actor, "notices.manage"):
        choices.append((CITY, _("시 전체")))
    if reach.everywhere:
        rows = institution_rows(limit=1000)
        names = {row["id"]: row["name"] for row in rows}
    else:
        names = institution_names(sorted(reach.institutions))
    choices += sorted(((str(pk), name) for pk, name in names.items()), key=lambda c: c[1])
    return choices


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "notices": notices_for_staff(_actor(request)),
        "publishers": _publishers(request),
        "error": error,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "portal/staff/notices.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page
@requires("notices.manage")
def notices(request: HttpRequest) -> HttpResponse:
    """GET: the notices the person manages and the form; POST: publish one."""
    if request.method == "GET":
        return _page(request)
    publisher = str(request.POST.get("publisher", ""))[:30]
    try:
        if publisher != CITY and not publisher.isdecimal():
            raise InvalidNotice(_("누구의 공지인지 골라 주세요"))
        notice_publish(
            actor=_actor(request),
            title=str(request.POST.get("title", ""))[:1000],
            body=str(request.POST.get("body", ""))[:20_000],
            institution_id=None if publisher == CITY else int(publisher),
        )
    except LearncityError as exc:
        message, status = refusal(exc)
        return _page(request, error=exc.message or message, status=status)
    messages.success(request, _("공지를 올렸습니다"))
    return redirect("portal:staff_notices")


@require_POST
@staff_page
@requires("notices.manage")
def notice_withdrawn(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice_withdraw(actor=_actor(request), notice_id=pk)
    except LearncityError as exc:
        message, status = refusal(exc)
        return _page(request, error=exc.message or message, status=status)
    messages.success(request, _("공지를 내렸습니다"))
    return redirect("portal:staff_notices")
