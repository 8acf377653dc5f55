"""The check-in kiosk of a venue (/kiosk/<venue_id>): a staff member opens it, signed in, on
a tablet or PC at the entrance; people scan their QR code (a scanner that types into the
page, or the camera where the browser has a BarcodeDetector), or give the last four digits
of their phone number and their year of birth (then their name when asked, then a choice
among their classes now).

With JavaScript, static/portal/kiosk.js posts each scan to the JSON API
(POST /api/v1/venues/<id>/checkins) with a request key it makes, and queues scans in
localStorage while the network is down (the key makes a resend harmless). Without it, the
forms post here: the view parses, reaches the venue through one access helper
(attendance_selectors.kiosk_venue_get), calls attendance_services.checkin_record once and
renders the result or the refusal on the same screen, with its status.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from learncity.attendance import selectors, services
from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, requires

RESET_SECONDS = 8

# What the kiosk says, per language: the same words for the server-rendered result and for
# kiosk.js (given to it as JSON). {at}, {opens}: HH:MM.
# What the kiosk page and its script say, in the page's language (Korean msgids).
WORDS: dict[str, Promise] = {
    "checked_in": gettext_lazy("출석했습니다"),
    "late": gettext_lazy("지각으로 기록했습니다"),
    "replayed": gettext_lazy("이미 받은 출석입니다"),
    "already_checked_in": gettext_lazy("이미 출석했습니다 ({at})"),
    "checkin_token_invalid": gettext_lazy("출석 코드가 아닙니다"),
    "checkin_token_revoked": gettext_lazy(
        "사용이 중지된 코드입니다. '내 신청'에서 새 코드를 받아 주세요"
    ),
    "checkin_wrong_venue": gettext_lazy("다른 교육장의 수업 코드입니다"),
    "checkin_not_confirmed": gettext_lazy("수강이 확정되지 않은 신청입니다"),
    "no_session_now": gettext_lazy("지금 이 교육장에 수업이 없습니다"),
    "session_cancelled": gettext_lazy("오늘 수업은 휴강입니다"),
    "checkin_not_open": gettext_lazy("아직 출석 시간이 아닙니다. {opens}부터 출석할 수 있습니다"),
    "checkin_closed": gettext_lazy("오늘 수업의 출석 시간이 지났습니다"),
    "person_not_found": gettext_lazy("일치하는 분이 없습니다. 번호와 태어난 해를 확인해 주세요"),
    "kiosk_lookup_limit": gettext_lazy(
        "조회가 너무 많습니다. 잠시 후 다시 시도하거나 담당자에게 문의해 주세요"
    ),
    "more_detail_name": gettext_lazy("같은 번호의 분이 여러 명입니다. 이름을 입력해 주세요"),
    "more_detail_staff": gettext_lazy("여러 명이 일치합니다. 담당자에게 문의해 주세요"),
    "choose_session": gettext_lazy("지금 수업이 여러 개입니다. 들으실 수업을 고르세요"),
    "invalid_scan_time": gettext_lazy("출석 시간을 받을 수 없습니다. 담당자에게 문의해 주세요"),
    "forbidden": gettext_lazy(
        "이 교육장의 출석을 받을 권한이 없습니다. 담당자가 다시 로그인해 주세요"
    ),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "idempotency_conflict": gettext_lazy("다시 시도해 주세요"),
    "attendance_error": gettext_lazy(
        "QR 코드를 대거나, 전화번호 뒤 네 자리와 태어난 해를 입력해 주세요"
    ),
    "error": gettext_lazy("처리할 수 없습니다. 다시 시도하거나 담당자에게 문의해 주세요"),
    "queued": gettext_lazy("저장했습니다. 네트워크가 돌아오면 보냅니다"),
    "class": gettext_lazy("수업"),
    "room": gettext_lazy("장소"),
    "time": gettext_lazy("시간"),
    "camera_stop": gettext_lazy("카메라 닫기"),
    "camera_error": gettext_lazy("카메라를 열 수 없습니다"),
}
# The network banner, in the page's language; kiosk.js fills {n} (check-ins waiting).
BANNER: dict[str, Promise] = {
    "offline": gettext_lazy("오프라인 — {n}건 대기 중"),
    "sending": gettext_lazy("전송 중 — {n}건 대기 중"),
    "sign_in": gettext_lazy("담당자 로그인 필요 — {n}건 대기 중"),
}
_DIGITS = re.compile(r"^\d{1,9}$")


def words() -> dict[str, str]:
    return {key: str(text) for key, text in WORDS.items()}


def _hhmm(moment: Any) -> str:
    if isinstance(moment, str):
        from django.utils.dateparse import parse_datetime

        moment = parse_datetime(moment)
    return f"{timezone.localtime(moment):%H:%M}" if moment else ""


def refusal_shown(exc: LearncityError) -> dict[str, Any]:
    """A refusal as the kiosk shows it: a headline in the page's language, what it is
    about (class, room) when known, and follow-up questions (name, session choice)."""
    said = words()
    details = exc.details or {}
    code = exc.code
    if code == "more_detail_needed":
        key = "more_detail_staff" if details.get("ask_for") == "staff" else "more_detail_name"
    elif code in said:
        key = code
    else:
        key = "error"
    headline = said[key].format(
        at=_hhmm(details.get("checked_in_at")) or details.get("at") or "",
        opens=_hhmm(details.get("opens_at")),
    )
    choices = [
        {**c, "starts": _hhmm(c["starts_at"]), "ends": _hhmm(c["ends_at"])}
        for c in details.get("choices", [])
        if c.get("open_now")
    ]
    return {
        "ok": False,
        "code": code,
        "headline": headline,
        "title": details.get("title", ""),
        "room": details.get("room", ""),
        "ask_name": code == "more_detail_needed" and details.get("ask_for") == "name",
        "choices": choices,
    }


def result_shown(done: services.CheckinResult) -> dict[str, Any]:
    said = words()
    return {
        "ok": True,
        "code": "checked_in",
        "headline": said["replayed"] if done.replayed else said["checked_in"],
        "late": done.status == "late",
        "name": done.learner_name,
        "title": done.title,
        "room": done.room,
        "starts": _hhmm(done.starts_at),
        "ends": _hhmm(done.ends_at),
        "at": _hhmm(done.checked_in_at),
    }


def _new_key() -> str:
    return "page-" + uuid.uuid4().hex


def _page(
    request: HttpRequest,
    venue: dict[str, Any],
    *,
    result: dict[str, Any] | None = None,
    phone: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = Actor(int(str(request.user.pk)))
    today = selectors.sessions_today(actor=actor, venue_id=venue["id"])
    config = {
        "venue_id": venue["id"],
        "api": f"/api/v1/venues/{venue['id']}/checkins",
        "time_zone": settings.TIME_ZONE,
        "reset_seconds": RESET_SECONDS,
        "words": words(),
        "banner": {key: str(text) for key, text in BANNER.items()},
        "login": reverse("portal:login"),
    }
    if result:
        for choice in result.get("choices", []):
            choice["request_key"] = _new_key()  # one per choice form: a double tap is a resend
    context: dict[str, Any] = {
        "venue": venue,
        "today": today,
        "result": result,
        "phone": phone or {},
        "phone_open": bool(phone),
        "request_key": _new_key(),
        "config": config,
        "kiosk_url": reverse("portal:kiosk", args=[venue["id"]]),
    }
    return render(request, "portal/kiosk/page.html", context, status=status)


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    return render(
        request,
        "portal/kiosk/refused.html",
        {"message": exc.message, "code": exc.code},
        status=exc.http_status,
    )


@require_http_methods(["GET", "POST"])
@requires("attendance.take")
def kiosk(request: HttpRequest, venue_id: int) -> HttpResponse:
    """The scan screen (GET) and the check-in of a form post (POST, the page without
    JavaScript). Staff only: anonymous visitors sign in first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = Actor(int(str(request.user.pk)))
    try:
        venue = selectors.kiosk_venue_get(actor=actor, venue_id=venue_id)
    except LearncityError as exc:
        return _refused(request, exc)
    if request.method == "GET":
        return _page(request, venue)
    form = request.POST
    token = form.get("token", "")[:300].strip()
    phone_tail = form.get("phone_tail", "")[:8].strip()
    birth_text = form.get("birth_year", "").strip()
    name = form.get("name", "")[:100].strip()
    session_text = form.get("session_id", "").strip()
    request_key = form.get("request_key", "")[:64] or _new_key()
    asked = {"phone_tail": phone_tail, "birth_year": birth_text[:4], "name": name}
    try:
        done = services.checkin_record(
            actor=actor,
            venue_id=venue_id,
            request_key=request_key,
            token=token or None,
            phone_tail=phone_tail,
            birth_year=int(birth_text) if _DIGITS.match(birth_text) else None,
            name=name,
            session_id=int(session_text) if _DIGITS.match(session_text) else None,
        )
    except LearncityError as exc:
        shown = refusal_shown(exc)
        by_phone = not token and bool(phone_tail or birth_text)
        return _page(
            request, venue, result=shown, phone=asked if by_phone else None, status=exc.http_status
        )
    return _page(request, venue, result=result_shown(done), status=200)
