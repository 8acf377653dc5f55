"""Enrolment pages: apply on a programme page, my applications with cancel, accept and
decline, and for a confirmed place its check-in code (QR) with a printable card and a
re-issue. Each view parses, calls one enrollment service, and renders; every refusal of
the service is shown on the page with a 4xx status, in Korean and English."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learncity.attendance import selectors as attendance_selectors
from learncity.attendance import services as attendance_services
from learncity.attendance.checkin_code import checkin_qr_svg
from learncity.catalog.selectors import programme_title
from learncity.catalog.session_selectors import next_sessions
from learncity.core.error_words import refusal_text
from learncity.core.errors import LearncityError, NotFound
from learncity.enrollment import services
from learncity.enrollment.payments import payments_of
from learncity.enrollment.selectors import (
    applications_of,
    applications_with_flags,
    live_application_for_offer,
    offer_for_applicants,
    offer_of_programme,
    waitlist_position,
)
from learncity.learners.access import Actor, requires
from learncity.learners.selectors import learner_id_of_user

STATUS_WORDS = {
    "pending": pgettext_lazy("Waiting for the lottery", "추첨 대기"),
    "confirmed": gettext_lazy("수강 확정"),
    "waitlisted": pgettext_lazy("On the waiting list", "대기"),
    "offered": pgettext_lazy("Offered a place (accept it)", "추가 합격 (수락 대기)"),
    "cancelled": pgettext_lazy("Cancelled", "취소"),
    "declined": pgettext_lazy("Declined", "포기"),
    "expired": gettext_lazy("수락 기한 지남"),
}
METHOD_WORDS = {
    "first_come": gettext_lazy("선착순"),
    "lottery": gettext_lazy("추첨"),
    "lottery_then_first_come": gettext_lazy("추첨 후 잔여석 선착순"),
}
REFUSAL_WORDS = {
    "window_closed": gettext_lazy("지금은 신청 기간이 아닙니다"),
    "already_applied": gettext_lazy("이미 이 강좌에 신청했습니다"),
    "not_eligible": gettext_lazy("이 강좌의 신청 대상이 아닙니다"),
    "limit_reached": gettext_lazy("이번 학기에 신청할 수 있는 강좌 수를 넘었습니다"),
    "idempotency_conflict": gettext_lazy(
        "이 신청서는 이미 다른 신청에 쓰였습니다. 페이지를 새로 고쳐 주세요"
    ),
    "forbidden": gettext_lazy("이 신청을 바꿀 수 없습니다"),
    "invalid_state": gettext_lazy("지금 상태에서는 할 수 없습니다"),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "checkin_not_confirmed": gettext_lazy("출석 코드는 수강이 확정된 신청에만 있습니다"),
}


def refusal(exc: LearncityError) -> tuple[str, int]:
    """The message and the HTTP status of a refusal."""
    status = exc.http_status  # 403 forbidden, 404 not found, 409 conflicts, 422 otherwise
    words = REFUSAL_WORDS.get(exc.code) or gettext("신청을 처리할 수 없습니다")
    return refusal_text(words, exc.message), status


def _user_id(request: HttpRequest) -> int:
    pk: Any = request.user.pk
    return int(pk)


def _learner_id(user_id: int) -> int:
    found = learner_id_of_user(user_id)
    if found is None:
        raise services.Forbidden("this account has no learner profile (sign up as a citizen)")
    return found


def result_message(status: str, application_id: int, *, replayed: bool) -> str:
    """What the person reads after applying."""
    if status == "confirmed":
        text = gettext("수강이 확정되었습니다")
    elif status == "waitlisted":
        position = waitlist_position(application_id) or 0
        text = gettext("대기 %(position)s번입니다") % {"position": position}
    elif status == "pending":
        text = gettext("추첨 신청이 접수되었습니다. 결과는 접수 마감 후 알려 드립니다")
    else:
        text = str(STATUS_WORDS.get(status, status))
    if replayed:
        text = gettext("이미 접수된 신청입니다") + ": " + text
    return text


def apply_context(request: HttpRequest, programme_id: int) -> dict[str, Any]:
    """The enrolment part of a programme page: the offer, seats left, and the visitor's
    own live application for the programme (after a cancellation the form is back); what
    follows from their state comes from enrolment's selectors."""
    offer = offer_for_applicants(programme_id)
    if offer is None:
        return {"offer": None}
    mine = None
    if request.user.is_authenticated:
        mine = live_application_for_offer(
            _user_id(request), offer_id=offer["id"], programme_id=programme_id
        )
    return {
        "offer": offer,
        "seats_left": offer["seats_left"],
        "window_open": offer["window_open"],
        "window_upcoming": offer["window_upcoming"],
        "method_words": METHOD_WORDS.get(offer["method"], offer["method"]),
        "idempotency_key": uuid.uuid4().hex,
        "mine": _described(mine) if mine else None,
        "vouchers": _usable_vouchers(request, offer),
        "login_url": f"{reverse('portal:login')}?next="
        + reverse("portal:programme", args=[programme_id]),
    }


def _usable_vouchers(request: HttpRequest, offer: dict[str, Any]) -> list[dict[str, Any]]:
    """The visitor's vouchers that still hold money, for a course with a fee (whether the
    institution takes them is checked when applying: a clear refusal, nothing taken)."""
    if not offer.get("fee_krw") or not request.user.is_authenticated:
        return []
    from learncity.vouchers.selectors import vouchers_of_user

    today = timezone.localdate()
    return [
        {**v, "suggested_krw": min(v["balance_krw"], offer["fee_krw"])}
        for v in vouchers_of_user(_user_id(request))
        if v["status"] == "active" and v["balance_krw"] > 0 and v["period_end"] >= today
    ]


def _voucher_choice(request: HttpRequest) -> tuple[int | None, int]:
    """The voucher and amount chosen on the apply form; refused with a clear message when
    they are not whole numbers."""
    from learncity.vouchers.errors import InvalidAmount

    chosen = request.POST.get("voucher_id", "").strip()
    if not chosen:
        return None, 0
    amount = request.POST.get("voucher_krw", "").replace(",", "").strip()
    if not chosen.isdecimal() or not amount.isdecimal():
        raise InvalidAmount(
            "바우처와 결제 금액(원)을 숫자로 적어 주세요 (the voucher and a whole amount of won)"
        )
    return int(chosen), int(amount)


def _described(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its flags (enrollment.selectors.application_flags) and the words of its
    status."""
    return {**row, "status_words": STATUS_WORDS.get(row["status"], row["status"])}


@require_POST
@requires("enrollment.apply")
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    from learncity.portal.views import programme_page

    back = reverse("portal:programme", args=[pk])
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    offer = offer_of_programme(pk)
    try:
        if offer is None:
            raise NotFound("this programme takes no applications here")
        voucher_id, voucher_krw = _voucher_choice(request)
        done = services.apply(
            actor=Actor(_user_id(request)),
            offer_id=offer["id"],
            learner_id=_learner_id(_user_id(request)),
            idempotency_key=request.POST.get("idempotency_key", "")[:100],
            voucher_id=voucher_id,
            voucher_krw=voucher_krw,
        )
    except LearncityError as exc:
        message, status = refusal(exc)
        return programme_page(request, pk, error=message, status=status)
    messages.success(
        request, result_message(done.status, done.application_id, replayed=done.replayed)
    )
    return redirect(back + "#apply")


def _applications_page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    rows = [_described(row) for row in applications_with_flags(_user_id(request))]
    titles: dict[int, str] = {}
    for row in rows:
        if row["programme_id"] not in titles:
            titles[row["programme_id"]] = programme_title(row["programme_id"])
        row["title"] = titles[row["programme_id"]]
        if row["status"] == "confirmed":
            try:
                row["checkin"] = _checkin_code(request, row["id"], row["title"], scale=5)
            except LearncityError:
                row["checkin"] = None
            sessions = attendance_selectors.attendance_of_application(row["id"])
            held = [s for s in sessions if s["status"] == "scheduled"]
            row["attended"] = sum(s["attendance"] in ("present", "late") for s in held)
            row["held"] = len(held)
    _next_sessions_and_payments(rows)
    context = {"applications": rows, "error": error}
    return render(request, "portal/my_applications.html", context, status=status)


def _next_sessions_and_payments(rows: list[dict[str, Any]]) -> None:
    """Each live application with its next session (date, time, place: `next_session`, None
    when none is planned) and each with a fee with its payment (`payment`)."""
    now = timezone.now()
    live = [row for row in rows if row["may_cancel"]]  # pending, confirmed, waiting, offered
    upcoming = next_sessions([row["schedule_id"] for row in live], now)
    for row in live:
        row["next_session"] = upcoming.get(row["schedule_id"])
    fees = payments_of([row["id"] for row in live], now=now)
    for row in rows:
        row["payment"] = fees.get(row["id"])


def grouped(token: str) -> str:
    """LCABCD... -> "LCAB CDEF ...": easier to read aloud or type (spaces are ignored)."""
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


def _checkin_code(request: HttpRequest, application_id: int, title: str, *, scale: int) -> Any:
    """The live check-in code of a confirmed application, its QR as inline SVG (made here
    from the token: black on white, nothing about the person) and its text alternative."""
    code = attendance_services.checkin_code_get(
        actor=Actor(_user_id(request)), application_id=application_id
    )
    svg = checkin_qr_svg(
        code.token, scale=scale, title=gettext("출석 QR 코드: %(title)s") % {"title": title}
    )
    return {
        "token": code.token,
        "grouped": grouped(code.token),
        "hint": code.hint,
        "created_at": code.created_at,
        # the page names the image once (role="img" around it): the SVG itself is hidden
        "svg": mark_safe(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)),  # noqa: S308 - segno's SVG of a token of [A-Z2-7]
    }


@require_GET
@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    return _applications_page(request)


CHANGE_DONE = {
    "cancel": gettext_lazy("신청을 취소했습니다"),
    "accept": gettext_lazy("수락했습니다. 수강이 확정되었습니다"),
    "decline": gettext_lazy("자리를 포기했습니다"),
    "reissue": gettext_lazy(
        "새 출석 코드를 발급했습니다. 이전 코드와 인쇄한 카드는 더 이상 쓸 수 없습니다"
    ),
}


def _card(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in card to print: the QR code, the code in text, the course and its times."""
    mine = [row for row in applications_of(_user_id(request)) if row["id"] == pk]
    try:
        if not mine:
            raise NotFound(f"no application {pk} of yours")
        title = programme_title(mine[0]["programme_id"])
        code = _checkin_code(request, pk, title, scale=8)
    except LearncityError as exc:
        message, status = refusal(exc)
        return _applications_page(request, error=message, status=status)
    sessions = attendance_selectors.attendance_of_application(pk)
    held = [s for s in sessions if s["status"] == "scheduled"]
    context = {
        "application": mine[0],
        "title": title,
        "code": code,
        "first": held[0] if held else None,
        "last": held[-1] if held else None,
    }
    return render(request, "portal/kiosk/card.html", context)


@require_http_methods(["GET", "POST"])
@login_required
@requires("enrollment.application_change", "attendance.code_hold")
def application_change(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """POST cancel, accept, decline, reissue (a new check-in code); GET card (to print)."""
    if action == "card":
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return _card(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actor = Actor(_user_id(request))
    try:
        if action == "reissue":
            attendance_services.checkin_code_reissue(actor=actor, application_id=pk)
        elif action == "cancel":
            services.cancel(actor=actor, application_id=pk)
        elif action == "accept":
            services.accept(actor=actor, application_id=pk)
        elif action == "decline":
            services.decline(actor=actor, application_id=pk)
        else:
            raise NotFound(f"no action {action}")
    except LearncityError as exc:
        message, status = refusal(exc)
        return _applications_page(request, error=message, status=status)
    messages.success(request, CHANGE_DONE[action])
    if action == "reissue":
        return redirect(reverse("portal:my_applications") + f"#application-{pk}")
    return redirect("portal:my_applications")
