"""The check-in kiosk of a venue (/kiosk/<venue_id>): a tablet or PC at the entrance, paired
as that venue's kiosk device (issue 19, finding 7: a cookie that checks people in at this
venue and opens nothing else; the tablet is signed in as nobody), or opened by a staff member
who is signed in; people scan their QR code (a scanner that types into the
page, or the camera where the browser has a BarcodeDetector), or give the last four digits
of their phone number and their year of birth (then their name when asked, then a choice
among their classes now).

With JavaScript, static/portal/kiosk.js posts each scan as JSON — a paired device to
/kiosk/<id>/checkins (this module), staff to the JSON API (POST /api/v1/venues/<id>/checkins) —
with a request key it makes, and queues scans in
localStorage while the network is down (the key makes a resend harmless). Without it, the
forms post here: the view parses, reaches the venue through one access helper
(attendance_selectors.kiosk_venue_get), calls attendance_services.checkin_record once and
renders the result or the refusal on the same screen, with its status.

A question after a lookup (the name, the class) carries a signed step (attendance.kiosk_step)
that the answer must bring back within LEARNCITY_KIOSK_IDLE_SECONDS; static/portal/
kiosk-idle.js takes the screen back to the start after the same time without a touch.
Pairing (/kiosk/pair/<code>) and the staff pages that register and revoke devices
(/staff/kiosks) are in portal.kiosk_devices.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from learncity.attendance import selectors, services
from learncity.attendance.errors import AttendanceError, KioskDeviceRefused
from learncity.attendance.kiosk_step import step_check, step_issue
from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, requires

# The paired device's cookie: its secret (the database keeps a SHA-256), sent only to /kiosk/
COOKIE = "learncity_kiosk"
COOKIE_PATH = "/kiosk/"

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
    "kiosk_device_refused": gettext_lazy(
        "이 기기는 이 교육장의 키오스크로 연결되어 있지 않습니다. 담당자에게 문의해 주세요"
    ),
    "kiosk_step_expired": gettext_lazy(
        "시간이 지나 처음 화면으로 돌아갑니다. 처음부터 다시 해 주세요"
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
# a paired device that was refused (revoked, unused too long): staff pair it again
UNPAIRED = gettext_lazy("키오스크 연결이 끊겼습니다. 담당자가 다시 연결해 주세요 — {n}건 대기 중")
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


@dataclass(frozen=True)
class Kiosk:
    """Who runs this kiosk: a paired device ({id, venue_id, name}) or a signed-in staff
    member (actor); and the venue it checks people in at."""

    venue: dict[str, Any]
    device: dict[str, Any] | None = None
    actor: Actor | None = None

    @property
    def key(self) -> str:
        """The kiosk in a follow-up step: per device, or per staff member."""
        return f"device-{self.device['id']}" if self.device else f"user-{self.actor_id}"

    @property
    def actor_id(self) -> int:
        return self.actor.user_id if self.actor else 0


def _forget_device(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, samesite="Strict")
    return response


def kiosk_of(request: HttpRequest, venue_id: int) -> Kiosk | HttpResponse:
    """The kiosk this request comes from, or the answer that refuses it. A device cookie
    decides first: valid, for this venue only (another venue: 403, whatever else the
    browser holds); forged, revoked or unused too long: refused and forgotten (a staff
    member signed in on the same browser goes on as staff). Without one: the signed-in
    staff member who may take attendance here; anonymous visitors sign in first."""
    secret = request.COOKIES.get(COOKIE, "")
    stale = False
    if secret:
        try:
            device = services.kiosk_device_seen(secret=secret)
        except KioskDeviceRefused as exc:
            if not request.user.is_authenticated:
                return _forget_device(_refused(request, exc))
            stale = True
        else:
            if device["venue_id"] != venue_id:
                return _refused(
                    request, KioskDeviceRefused(gettext("이 교육장의 키오스크가 아닙니다"))
                )
            try:
                venue = selectors.kiosk_venue_of_device(venue_id=venue_id)
            except LearncityError as exc:
                return _refused(request, exc)
            return Kiosk(venue=venue, device=device)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = Actor(int(str(request.user.pk)))
    try:
        venue = selectors.kiosk_venue_get(actor=actor, venue_id=venue_id)
    except LearncityError as exc:
        answer = _refused(request, exc)
        return _forget_device(answer) if stale else answer
    request.kiosk_stale = stale  # type: ignore[attr-defined]
    return Kiosk(venue=venue, actor=actor)


def _page(
    request: HttpRequest,
    kiosk: Kiosk,
    *,
    result: dict[str, Any] | None = None,
    phone: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    venue = kiosk.venue
    if kiosk.actor is not None:
        today = selectors.sessions_today(actor=kiosk.actor, venue_id=venue["id"])
    else:
        today = selectors.sessions_today_at_venue(venue_id=venue["id"])
    kiosk_url = reverse("portal:kiosk", args=[venue["id"]])
    banner = {key: str(text) for key, text in BANNER.items()}
    if kiosk.device:
        banner["sign_in"] = str(UNPAIRED)
    config = {
        "venue_id": venue["id"],
        "api": reverse("portal:kiosk_checkins", args=[venue["id"]])
        if kiosk.device
        else f"/api/v1/venues/{venue['id']}/checkins",
        "time_zone": settings.TIME_ZONE,
        "reset_seconds": RESET_SECONDS,
        "idle_seconds": settings.LEARNCITY_KIOSK_IDLE_SECONDS,
        "kiosk_url": kiosk_url,
        "words": words(),
        "banner": banner,
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
        "kiosk_url": kiosk_url,
        "device": kiosk.device,
        "posted": request.method == "POST",
    }
    response = render(request, "portal/kiosk/page.html", context, status=status)
    if getattr(request, "kiosk_stale", False):
        _forget_device(response)
    return response


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    return render(
        request,
        "portal/kiosk/refused.html",
        {"message": exc.message, "code": exc.code},
        status=exc.http_status,
    )


@dataclass(frozen=True)
class _Asked:
    """A check-in as the kiosk sent it (a form post or kiosk.js's JSON)."""

    request_key: str
    token: str
    phone_tail: str
    birth_year: int | None
    name: str
    session_id: int | None
    step: str
    scanned_at: dt.datetime | None = None


def _number(value: Any) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if _DIGITS.match(text) else None


def _asked(data: Any) -> _Asked:
    return _Asked(
        request_key=str(data.get("request_key") or "")[:64] or _new_key(),
        token=str(data.get("token") or "")[:300].strip(),
        phone_tail=str(data.get("phone_tail") or "")[:8].strip(),
        birth_year=_number(data.get("birth_year")),
        name=str(data.get("name") or "")[:100].strip(),
        session_id=_number(data.get("session_id")),
        step=str(data.get("step") or "")[:500],
    )


def _check_in(kiosk: Kiosk, asked: _Asked) -> services.CheckinResult:
    """The one service call of a kiosk check-in. An answer to the kiosk's question (a name,
    a class) needs the step the question carried, within the idle time; a question is
    answered with a new step (in the refusal's details)."""
    now = timezone.now()
    lookup = {
        "kiosk": kiosk.key,
        "venue_id": kiosk.venue["id"],
        "token": asked.token,
        "phone_tail": asked.phone_tail,
        "birth_year": asked.birth_year,
        "now": now,
    }
    try:
        if asked.name or asked.session_id is not None:
            step_check(asked.step, **lookup)
        return services.checkin_record(
            actor=kiosk.actor,
            device_id=kiosk.device["id"] if kiosk.device else None,
            venue_id=kiosk.venue["id"],
            request_key=asked.request_key,
            token=asked.token or None,
            phone_tail=asked.phone_tail,
            birth_year=asked.birth_year,
            name=asked.name,
            session_id=asked.session_id,
            scanned_at=asked.scanned_at,
        )
    except LearncityError as exc:
        if (
            exc.code in ("more_detail_needed", "choose_session")
            and (exc.details or {}).get("ask_for") != "staff"
        ):
            exc.details = {**(exc.details or {}), "step": step_issue(**lookup)}
        raise


@require_http_methods(["GET", "POST"])
@requires("attendance.take")
def kiosk(request: HttpRequest, venue_id: int) -> HttpResponse:
    """The scan screen (GET) and the check-in of a form post (POST, the page without
    JavaScript). A paired device of this venue, or staff who take attendance here."""
    found = kiosk_of(request, venue_id)
    if isinstance(found, HttpResponse):
        return found
    if request.method == "GET":
        return _page(request, found)
    asked = _asked(request.POST)
    birth_text = request.POST.get("birth_year", "").strip()
    shown_asked = {"phone_tail": asked.phone_tail, "birth_year": birth_text[:4], "name": asked.name}
    try:
        done = _check_in(found, asked)
    except LearncityError as exc:
        shown = refusal_shown(exc)
        shown["step"] = (exc.details or {}).get("step", "")
        by_phone = not asked.token and bool(asked.phone_tail or birth_text)
        return _page(
            request,
            found,
            result=shown,
            phone=shown_asked if by_phone else None,
            status=exc.http_status,
        )
    return _page(request, found, result=result_shown(done), status=200)


def _json_refusal(exc: LearncityError) -> JsonResponse:
    return JsonResponse(
        {"code": exc.code, "message": exc.message, "details": exc.details or {}},
        status=exc.http_status,
        encoder=DjangoJSONEncoder,
    )


@require_POST
@requires("attendance.take")
def kiosk_checkins(request: HttpRequest, venue_id: int) -> HttpResponse:
    """kiosk.js's check-in on a paired device (JSON in, the API's JSON out: 201 new, 200 a
    resend of the same request_key, {code, message, details} refused). Staff signed in may
    use it too; the JSON API stays theirs."""
    found = kiosk_of(request, venue_id)
    if isinstance(found, HttpResponse):
        if found.status_code in (403, 404):  # the refusal page, as JSON for kiosk.js
            code = "kiosk_device_refused" if request.COOKIES.get(COOKIE) else "forbidden"
            body = {"code": code, "message": str(WORDS.get(code, "")), "details": {}}
            answer = JsonResponse(body, status=found.status_code)
            for name, morsel in found.cookies.items():
                answer.cookies[name] = morsel
            return answer
        return found
    try:
        data = json.loads(request.body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")
        asked = _asked(data)
        scanned = data.get("scanned_at")
        if scanned:
            moment = parse_datetime(str(scanned)[:40])
            if moment is None:
                raise ValueError("scanned_at")
            asked = replace(asked, scanned_at=moment)
    except ValueError:
        return _json_refusal(AttendanceError(gettext("보낸 내용을 읽을 수 없습니다")))
    try:
        done = _check_in(found, asked)
    except LearncityError as exc:
        return _json_refusal(exc)
    return JsonResponse(
        asdict(done), status=200 if done.replayed else 201, encoder=DjangoJSONEncoder
    )
