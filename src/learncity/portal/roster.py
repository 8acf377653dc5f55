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
from django.views.decorators.http import require_GET, require_POST

from learncity.attendance import selectors, services
from learncity.attendance.errors import AttendanceError, Forbidden
from learncity.core.errors import LearncityError, NotFound
from learncity.learners.access import Actor, allowed, requires
from learncity.records.services import records_sync

MARKS = {
    "present": ("출석", "Present"),
    "late": ("지각", "Late"),
    "absent": ("결석", "Absent"),
    "excused": ("공결", "Excused"),
}
SESSION_STATUS = {
    "scheduled": ("예정", "Scheduled"),
    "cancelled": ("휴강", "Cancelled"),
    "holiday": ("공휴일·휴관", "Holiday"),
}
METHODS = {
    "qr": ("QR", "QR"),
    "phone": ("번호", "phone"),
    "manual": ("직접", "by hand"),
}
REFUSAL_WORDS = {
    "forbidden": "이 수업의 출석부를 보거나 바꿀 권한이 없습니다",
    "not_found": "찾을 수 없습니다",
    "session_cancelled": "휴강한 회차에는 출석을 기록하지 않습니다",
    "checkin_not_confirmed": "수강이 확정되지 않은 신청입니다",
    "invalid_state": "그사이 출석이 바뀌었습니다. 다시 시도해 주세요",
    "session_error": "회차 상태를 바꿀 수 없습니다",
}
STAFF_ROLE_NEEDED = "직원만 볼 수 있는 페이지입니다 / this page is for staff"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d{1,9}$")


def _actor(request: HttpRequest) -> Actor:
    return Actor(int(str(request.user.pk)))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    korean = REFUSAL_WORDS.get(exc.code, "처리할 수 없습니다")
    return render(
        request,
        "portal/roster/refused.html",
        {"error": f"{korean} / {exc.message}"},
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
            return _refused(request, Forbidden(STAFF_ROLE_NEEDED))
        try:
            return view(request, *args, **kwargs)
        except LearncityError as exc:
            return _refused(request, exc)

    return guarded


def _day(request: HttpRequest) -> dt.date:
    text = request.GET.get("day", "")
    if _DAY.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return timezone.localdate()


@require_GET
@roster_page
def sessions(request: HttpRequest) -> HttpResponse:
    """The sessions of a day (default today) whose roster the staff member may see."""
    day = _day(request)
    rows = selectors.sessions_today(actor=_actor(request), day=day)
    for row in rows:
        row["status_words"] = SESSION_STATUS.get(row["status"], (row["status"],) * 2)
    context = {
        "day": day,
        "today": timezone.localdate(),
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "sessions": rows,
    }
    return render(request, "portal/roster/sessions.html", context)


def _roster_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = _actor(request)
    roster = selectors.session_roster(actor=actor, session_id=pk)
    abilities = selectors.session_abilities(actor=actor, session_id=pk)
    session = roster["session"]
    for row in roster["learners"]:
        row["mark_words"] = MARKS.get(row["attendance"] or "", ("미표시", "Not marked"))
        row["method_words"] = METHODS.get(row["method"] or "", ("", ""))
    return {
        "session": session,
        "learners": roster["learners"],
        "counts": roster["counts"],
        "may_mark": abilities["mark"] and session["status"] == "scheduled",
        "may_manage": abilities["manage"],
        "offer_id": selectors.offer_id_of_schedule(session["schedule_id"]),
        "marks": MARKS,
        "statuses": SESSION_STATUS,
        "status_words": SESSION_STATUS.get(session["status"], (session["status"],) * 2),
    }


@require_GET
@roster_page
def session(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's learners with their attendance; marks for instructors and managing staff."""
    return render(request, "portal/roster/session.html", _roster_context(request, pk))


@require_GET
@roster_page
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in sheet to print (names, a column to sign, what is recorded so far)."""
    return render(request, "portal/roster/sheet.html", _roster_context(request, pk))


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
    korean, english = MARKS[done["status"]]
    messages.success(request, f"{korean}(으)로 기록했습니다 / marked {english.lower()}")
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
    korean, english = SESSION_STATUS[done["status"]]
    messages.success(request, f"회차를 '{korean}'(으)로 바꿨습니다 / session marked {english}")
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
        f"수료 판정: {done['completed']}명 수료 (새로 {done['emitted']}명), 진행 중"
        f" {done['in_progress']}명, 미수료 {done['not_completed']}명"
        f" / completion: {done['completed']} completed ({done['emitted']} new),"
        f" {done['in_progress']} in progress, {done['not_completed']} not completed",
    )
    return _back(pk)
