"""The instructor's roster (/staff/sessions...): the day's sessions of a staff member, a
session's enrolled learners with their attendance, marks by hand (present, late, absent,
excused), a printable sign-in sheet, and for managing staff the session's status (cancelled,
holiday) and completion on demand.

Each view parses, reaches the session through one access helper
(attendance_selectors.session_for_reader, inside session_roster / session_abilities: 404
unknown, 403 outside the staff member's institution or district), calls one attendance
service and renders. Anonymous visitors sign in first; accounts without a staff role get
403; auditors read only (their POSTs are refused by the services with 403).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from learncity.attendance import selectors, services
from learncity.attendance.errors import AttendanceError, Forbidden
from learncity.core.error_words import refusal_text
from learncity.core.errors import LearncityError, NotFound
from learncity.core.ratelimit import client_address
from learncity.learners.access import Actor, allowed, requires
from learncity.learners.services import personal_data_access_record
from learncity.records.services import records_sync

MARKS = {
    "present": pgettext_lazy("Present", "출석"),
    "late": gettext_lazy("지각"),
    "absent": gettext_lazy("결석"),
    "excused": gettext_lazy("공결"),
}
SESSION_STATUS = {
    "scheduled": gettext_lazy("예정"),
    "cancelled": pgettext_lazy("Cancelled", "휴강"),
    "holiday": gettext_lazy("공휴일·휴관"),
}
METHODS = {
    "qr": "QR",
    "phone": pgettext_lazy("phone", "번호"),
    "manual": gettext_lazy("직접"),
}
REFUSAL_WORDS = {
    "forbidden": gettext_lazy("이 수업의 출석부를 보거나 바꿀 권한이 없습니다"),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "session_cancelled": gettext_lazy("휴강한 회차에는 출석을 기록하지 않습니다"),
    "checkin_not_confirmed": gettext_lazy("수강이 확정되지 않은 신청입니다"),
    "invalid_state": gettext_lazy("그사이 출석이 바뀌었습니다. 다시 시도해 주세요"),
    "session_error": gettext_lazy("회차 상태를 바꿀 수 없습니다"),
}
STAFF_ROLE_NEEDED = gettext_lazy("직원만 볼 수 있는 페이지입니다")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d{1,9}$")


def _actor(request: HttpRequest) -> Actor:
    return Actor(int(str(request.user.pk)))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    words = REFUSAL_WORDS.get(exc.code) or gettext("처리할 수 없습니다")
    return render(
        request,
        "portal/roster/refused.html",
        {"error": refusal_text(words, exc.message)},
        status=exc.http_status,
    )


def roster_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in first. Signed in without any staff role: a 403 page. Refusals of
    the selectors and services: their page and status."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not allowed(_actor(request), "portal.staff_enter"):
            return _refused(request, Forbidden(str(STAFF_ROLE_NEEDED)))
        try:
            return view(request, *args, **kwargs)
        except LearncityError as exc:
            return _refused(request, exc)

    return guarded


def _day(request: HttpRequest) -> tuple[dt.date, bool]:
    """The day asked by `?date=YYYY-MM-DD` (the date picker; `?day=` from older links), and
    whether what was asked was a date: today otherwise."""
    text = (request.GET.get("date") or request.GET.get("day") or "").strip()
    if not text:
        return timezone.localdate(), True
    if _DAY.match(text):
        try:
            return dt.date.fromisoformat(text), True
        except ValueError:
            pass
    return timezone.localdate(), False


@require_GET
@roster_page
def sessions(request: HttpRequest) -> HttpResponse:
    """The sessions of a day (default today) whose roster the staff member may see."""
    day, understood = _day(request)
    rows = selectors.sessions_today(actor=_actor(request), day=day)
    for row in rows:
        row["status_words"] = SESSION_STATUS.get(row["status"], row["status"])
    context = {
        "day": day,
        "today": timezone.localdate(),
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "sessions": rows,
        "date_invalid": not understood,
    }
    return render(request, "portal/roster/sessions.html", context)


def _roster_context(request: HttpRequest, pk: int, shown: str) -> dict[str, Any]:
    actor = _actor(request)
    roster = selectors.session_roster(actor=actor, session_id=pk)
    # the access log (PIPA): one record for the list, with how many people it shows
    personal_data_access_record(
        actor=actor,
        what="roster",
        action="attendance.roster_read",
        purpose=f"{shown} of session {pk}",
        address=client_address(request),
        matches=len(roster["learners"]),
    )
    abilities = selectors.session_abilities(actor=actor, session_id=pk)
    session = roster["session"]
    for row in roster["learners"]:
        row["mark_words"] = MARKS.get(row["attendance"] or "", gettext_lazy("미표시"))
        row["method_words"] = METHODS.get(row["method"] or "", "")
    return {
        "session": session,
        "learners": roster["learners"],
        "counts": roster["counts"],
        "may_mark": abilities["mark"] and session["status"] == "scheduled",
        "may_manage": abilities["manage"],
        "offer_id": selectors.offer_id_of_schedule(session["schedule_id"]),
        "marks": MARKS,
        "statuses": SESSION_STATUS,
        "status_words": SESSION_STATUS.get(session["status"], session["status"]),
    }


@require_GET
@roster_page
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's learners with their attendance; marks for instructors and managing staff."""
    return render(request, "portal/roster/session.html", _roster_context(request, pk, "roster"))


@require_GET
@roster_page
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in sheet to print (names, a column to sign, what is recorded so far)."""
    context = _roster_context(request, pk, "sign-in sheet")
    return render(request, "portal/roster/sheet.html", context)


def _back(pk: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("portal:staff_session", args=[pk]) + anchor)


@require_POST
@roster_page
@requires("attendance.take")
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one learner (attendance_services.attendance_mark)."""
    application_text = request.POST.get("application_id", "")
    status = request.POST.get("status", "")
    if not _ID.match(application_text):
        raise NotFound("no such learner in this session")
    if status not in MARKS:
        raise AttendanceError("status must be present, late, absent or excused")
    done = services.attendance_mark(
        actor=_actor(request),
        session_id=pk,
        application_id=int(application_text),
        status=status,
        note=request.POST.get("note", "")[:300],
    )
    messages.success(
        request, gettext("%(mark)s(으)로 기록했습니다") % {"mark": MARKS[done["status"]]}
    )
    return _back(pk, f"#learner-{done['application_id']}")


@require_POST
@roster_page
@requires("attendance.session_manage")
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the session cancelled (휴강), a holiday, or scheduled again (managing staff)."""
    wanted = request.POST.get("status", "")
    if wanted not in SESSION_STATUS:
        raise AttendanceError("status must be scheduled, cancelled or holiday")
    done = services.session_mark(
        actor=_actor(request), session_id=pk, status=wanted, note=request.POST.get("note", "")[:300]
    )
    messages.success(
        request,
        gettext("회차를 '%(status)s'(으)로 바꿨습니다")
        % {"status": SESSION_STATUS[done["status"]]},
    )
    return _back(pk)


@require_POST
@roster_page
@requires("attendance.completion_manage")
def completion(request: HttpRequest, pk: int) -> HttpResponse:
    """Run completion now for the session's course (managing staff); each completion is
    emitted once however often this runs."""
    found = selectors.session_roster(actor=_actor(request), session_id=pk)["session"]
    offer_id = selectors.offer_id_of_schedule(found["schedule_id"])
    if offer_id is None:
        raise NotFound("this course takes no enrolment here: nothing to complete")
    done = services.completion_run(offer_id=offer_id, actor=_actor(request))
    records_sync()  # completions reach the learning record and its credential at once
    messages.success(
        request,
        gettext(
            "수료 판정: %(completed)s명 수료 (새로 %(emitted)s명), 진행 중 %(in_progress)s명,"
            " 미수료 %(not_completed)s명"
        )
        % done,
    )
    return _back(pk)
