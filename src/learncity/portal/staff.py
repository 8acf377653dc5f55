"""Staff pages of enrolment (/staff/...): the offers a staff member may read, opening an
offer for a schedule, an offer's lists and audit log with cancel (on behalf), the lottery
draw and its replay, and desk or telephone applications for people without internet.

Each view parses, reaches the offer (or schedule) through one access helper
(enrollment.selectors.offer_get_for_staff / schedule_get_for_staff: 404 unknown, 403
outside the staff member's institution or district), calls one enrollment service and
renders. Refusals are shown on the page in Korean and English with their status (403, 404,
409, 422); anonymous visitors are sent to sign in, accounts without a staff role get 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from learncity.core.error_words import refusal_text
from learncity.core.errors import LearncityError, NotFound
from learncity.core.ratelimit import client_address
from learncity.enrollment import services
from learncity.enrollment.payments import payments_of
from learncity.enrollment.selectors import (
    OFFER_STATES,
    OFFER_WINDOWS,
    application_offer_id,
    mask_phone,
    offer_audit_events,
    offer_get_for_staff,
    offer_page_for_staff,
    offer_roster,
    schedule_get_for_staff,
    schedules_for_staff,
    waitlist_position,
)
from learncity.enrollment.services import WAIVER_GROUPS
from learncity.learners.access import Actor, allowed, reach_of, requires
from learncity.learners.selectors import learner_get
from learncity.learners.services import desk_lookup_count, personal_data_access_record
from learncity.portal.enrolment import STATUS_WORDS
from learncity.portal.staff_forms import (
    CHANNELS,
    METHODS,
    PRIORITY_FIELDS,
    TAGS,
    DeskApplyForm,
    LearnerLookupForm,
    OfferForm,
    add_service_problems,
    offer_initial,
)

REFUSAL_WORDS = {
    "forbidden": gettext_lazy("이 기관·지역의 수강신청을 관리할 권한이 없습니다"),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "window_closed": gettext_lazy("지금은 신청 기간이 아닙니다"),
    "already_applied": gettext_lazy("이 사람은 이미 이 강좌에 신청했습니다"),
    "not_eligible": gettext_lazy("이 사람은 이 강좌의 신청 대상이 아닙니다"),
    "limit_reached": gettext_lazy("이 사람은 이번 학기에 신청할 수 있는 강좌 수를 넘었습니다"),
    "idempotency_conflict": gettext_lazy(
        "이 신청서는 이미 다른 신청에 쓰였습니다. 페이지를 새로 고쳐 주세요"
    ),
    "invalid_state": gettext_lazy("지금 상태에서는 할 수 없습니다"),
}
WINDOW_WORDS = {
    "upcoming": pgettext_lazy("Not open yet", "접수 예정"),
    "open": gettext_lazy("접수 중"),
    "closed": pgettext_lazy("Closed", "접수 마감"),
}
STATE_WORDS = {
    "seats_left": gettext_lazy("자리 남음"),
    "full": gettext_lazy("마감 (자리 없음)"),
    "waitlist": gettext_lazy("대기자 있음"),
    "to_draw": gettext_lazy("추첨 전"),
    "drawn": pgettext_lazy("Lottery drawn", "추첨 완료"),
}
SEAT_WORDS = {
    "general": pgettext_lazy("general place", "일반석"),
    "desk": gettext_lazy("현장·전화 할당석"),
    "": ("", ""),
}
AUDIT_WORDS = {
    "offer_created": gettext_lazy("수강신청 열림"),
    "desk_payment": gettext_lazy("창구에서 수강료 받음"),
    "applied_confirmed": gettext_lazy("신청 · 확정"),
    "applied_waitlisted": gettext_lazy("신청 · 대기"),
    "applied_pending": gettext_lazy("신청 · 추첨 대기"),
    "cancelled": pgettext_lazy("Cancelled", "취소"),
    "promoted": gettext_lazy("추가 합격 제안"),
    "accepted": pgettext_lazy("Accepted", "수락"),
    "declined": pgettext_lazy("Declined", "포기"),
    "expired": gettext_lazy("수락 기한 지남"),
    "lottery_drawn": pgettext_lazy("Lottery drawn", "추첨"),
}
TAG_WORDS = {**TAGS, "desk": gettext_lazy("방문·전화 접수")}
STAFF_ROLE_NEEDED = gettext_lazy("직원만 볼 수 있는 페이지입니다")


def refusal(exc: LearncityError) -> tuple[str, int]:
    """The message in the page's language (a refusal without words of its own: the
    service's message after a general one) and the HTTP status."""
    words = REFUSAL_WORDS.get(exc.code) or gettext("처리할 수 없습니다")
    return refusal_text(words, exc.message), exc.http_status


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    message, status = refusal(exc)
    return render(request, "portal/staff/refused.html", {"error": message}, status=status)


def staff_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in first. Signed in without any staff role: a 403 page."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not allowed(_actor(request), "portal.staff_enter"):
            return _refused(request, services.Forbidden(str(STAFF_ROLE_NEEDED)))
        return view(request, *args, **kwargs)

    return guarded


def _choice(request: HttpRequest, name: str, allowed: tuple[str, ...]) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdecimal() and len(text) < 7 else 1


def _words(table: Mapping[str, Promise], key: str) -> Promise | str:
    return table.get(key, key)


# ------------------------------------------------------------------ offers


@require_GET
@staff_page
def offers(request: HttpRequest) -> HttpResponse:
    window = _choice(request, "window", OFFER_WINDOWS)
    state = _choice(request, "state", OFFER_STATES)
    found = offer_page_for_staff(
        _actor(request), window=window, state=state, page=_page_number(request)
    )
    for row in found["rows"]:
        row["method_words"] = _words(METHODS, row["method"])
        row["window_words"] = _words(WINDOW_WORDS, row["window"])
    query = urlencode([(k, v) for k, v in (("window", window), ("state", state)) if v])
    context = {
        **found,
        "window": window,
        "state": state,
        "windows": [(k, WINDOW_WORDS[k]) for k in OFFER_WINDOWS],
        "states": [(k, STATE_WORDS[k]) for k in OFFER_STATES],
        "query": query,
    }
    return render(request, "portal/staff/offers.html", context)


def _schedule_id(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) < 19 else None


def _offer_form_page(
    request: HttpRequest,
    form: OfferForm,
    schedule: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "schedule": schedule,
        "methods": list(METHODS.items()),
        "tags": list(TAGS.items()),
        "quota_fields": [(form[name], TAGS[tag]) for name, tag in form.quota_fields()],
        "priority_fields": [form[name] for name in PRIORITY_FIELDS],
        "chosen_eligible": form["eligible_tags"].value() or [],
        "waiver_tags": [(k, v) for k, v in TAGS.items() if k in WAIVER_GROUPS],
        "chosen_waivers": form["fee_waiver_groups"].value() or [],
    }
    return render(request, "portal/staff/offer_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page
@requires("enrollment.offer_manage")
def offer_new(request: HttpRequest) -> HttpResponse:
    """The schedule picker (no schedule chosen), or the form that opens enrolment for one."""
    actor = _actor(request)
    raw = (request.POST if request.method == "POST" else request.GET).get("schedule", "")
    if not raw and request.method == "GET":
        if not reach_of(actor, "enrollment.offer_manage").anywhere:
            return _refused(request, services.Forbidden("only managing staff open enrolment"))
        q = request.GET.get("q", "")[:100]
        found = schedules_for_staff(actor, q=q, page=_page_number(request))
        query = urlencode({"q": q}) if q else ""
        context = {**found, "q": q, "query": query}
        return render(request, "portal/staff/schedule_picker.html", context)
    schedule_id = _schedule_id(raw.strip())
    if schedule_id is None:
        return render(
            request,
            "portal/staff/refused.html",
            {"error": gettext("강좌 일정 번호를 확인해 주세요")},
            status=422,
        )
    try:
        schedule = schedule_get_for_staff(actor, schedule_id)
    except LearncityError as exc:
        return _refused(request, exc)
    if schedule["offer_id"] is not None:
        context = {
            "error": gettext("이 일정은 이미 수강신청이 열려 있습니다"),
            "offer_id": schedule["offer_id"],
        }
        return render(request, "portal/staff/refused.html", context, status=409)
    if request.method == "GET":
        return _offer_form_page(request, OfferForm(initial=offer_initial(schedule)), schedule)
    form = OfferForm(request.POST)
    if not form.is_valid():
        return _offer_form_page(request, form, schedule, status=422)
    try:
        offer = services.offer_create(**form.offer_arguments(actor), as_of=timezone.localdate())
    except (services.Forbidden, NotFound) as exc:
        return _refused(request, exc)
    except LearncityError as exc:
        add_service_problems(form, exc.message, dict(exc.details.get("fields") or {}))
        return _offer_form_page(request, form, schedule, status=exc.http_status)
    messages.success(request, gettext("수강신청을 열었습니다"))
    return redirect("portal:staff_offer", pk=offer.pk)


# ------------------------------------------------------------------ one offer


def _described(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["status_words"] = _words(STATUS_WORDS, row["status"])
        row["seat_words"] = SEAT_WORDS.get(row["seat"], row["seat"])
        row["channel_words"] = CHANNELS.get(row["channel"], gettext_lazy("온라인"))
        row["tag_words"] = [TAG_WORDS.get(t, t) for t in row["tags"]]
    return rows


def _event_summary(event: dict[str, Any]) -> str:
    data = event["data"] or {}
    if event["action"] == "lottery_drawn":
        return (
            f"seed {data.get('seed', '')} · {data.get('version', '')} · digest"
            f" {str(data.get('digest', ''))[:16]}… · {len(data.get('selected', []))} selected,"
            f" {len(data.get('waitlist', []))} waitlisted"
        )
    return ", ".join(f"{k}: {v}" for k, v in sorted(data.items()) if v not in ("", None))


def _offer_page(
    request: HttpRequest,
    offer: dict[str, Any],
    *,
    error: str = "",
    status: int = 200,
    replay: dict[str, Any] | None = None,
    replay_error: str = "",
) -> HttpResponse:
    roster = offer_roster(offer["id"])
    shown = 0
    for key in ("confirmed", "offered", "waitlisted", "pending", "left"):
        _described(roster[key])
        shown += len(roster[key])
    # the access log (PIPA): one record for the lists of applicants, with how many they show
    personal_data_access_record(
        actor=_actor(request),
        what="application_list",
        action="enrollment.offer_read",
        purpose=f"applications of offer {offer['id']}",
        address=client_address(request),
        matches=shown,
    )
    paid = payments_of([row["id"] for row in roster["confirmed"]]) if offer["fee_krw"] else {}
    for row in roster["confirmed"]:
        row["payment"] = paid.get(row["id"])  # the fee: paid by voucher, at the desk, or owed
    events = offer_audit_events(offer["id"])
    for event in events:
        event["words"] = _words(AUDIT_WORDS, event["action"])
        event["summary"] = _event_summary(event)
    now = timezone.now()
    drawable = (
        offer["may_manage"]
        and offer["method"] != "first_come"
        and offer["drawn_at"] is None
        and (offer["method"] == "lottery_then_first_come" or now >= offer["closes_at"])
    )
    counts = roster["counts"]
    context = {
        "offer": offer,
        "roster": roster,
        "counts": [(k, STATUS_WORDS[k], counts.get(k, 0)) for k in STATUS_WORDS],
        "events": events,
        "method_words": _words(METHODS, offer["method"]),
        "window_words": _words(WINDOW_WORDS, offer["window"]),
        "drawable": drawable,
        "lottery": offer["method"] != "first_come",
        "quotas": [(q["name"], _words(TAGS, q["tag"]), q["seats"]) for q in offer["quotas"]],
        "priorities": [_words(TAGS, t) for t in offer["priorities"]],
        "eligible": [_words(TAGS, t) for t in offer["eligible_tags"]],
        "error": error,
        "replay": replay,
        "replay_error": replay_error,
    }
    return render(request, "portal/staff/offer.html", context, status=status)


@require_GET
@staff_page
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = offer_get_for_staff(_actor(request), pk)
    except LearncityError as exc:
        return _refused(request, exc)
    return _offer_page(request, offer)


@require_GET
@staff_page
def offer_replay(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-draw the recorded lottery and say whether it gives the same result (a read: it
    changes nothing, so every reader may run it, auditors first of all)."""
    try:
        offer = offer_get_for_staff(_actor(request), pk)
    except LearncityError as exc:
        return _refused(request, exc)
    try:
        replay = services.lottery_replay(pk)
    except LearncityError as exc:
        return _offer_page(request, offer, replay_error=refusal(exc)[0])
    return _offer_page(request, offer, replay=replay)


@require_POST
@staff_page
@requires("enrollment.lottery_draw")
def offer_draw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        offer = offer_get_for_staff(actor, pk, manage=True)
    except LearncityError as exc:
        return _refused(request, exc)
    try:
        drawn = services.lottery_draw(actor=actor, offer_id=pk)
    except LearncityError as exc:
        message, status = refusal(exc)
        return _offer_page(request, offer, error=message, status=status)
    messages.success(
        request,
        gettext("추첨했습니다: 당첨 %(selected)s명, 대기 %(waitlisted)s명 (seed %(seed)s)") % drawn,
    )
    return redirect("portal:staff_offer", pk=pk)


@require_POST
@staff_page
@requires("enrollment.offer_manage")
def application_cancel(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    """Cancel an application on the person's behalf (they asked at the desk or by phone)."""
    actor = _actor(request)
    try:
        offer = offer_get_for_staff(actor, pk, manage=True)
    except LearncityError as exc:
        return _refused(request, exc)
    try:
        if application_offer_id(application_id) != pk:
            raise NotFound(f"no application {application_id} for offer {pk}")
        done = services.cancel(actor=actor, application_id=application_id)
    except LearncityError as exc:
        message, status = refusal(exc)
        return _offer_page(request, offer, error=message, status=status)
    text = gettext("신청 %(number)s번을 취소했습니다") % {"number": application_id}
    if done["promoted"]:
        text += ". " + gettext("대기 1번(신청 %(number)s번)에게 자리를 제안했습니다") % {
            "number": done["promoted"]
        }
    messages.success(request, text)
    return redirect("portal:staff_offer", pk=pk)


# ------------------------------------------------------------------ desk and telephone


def _desk_page(
    request: HttpRequest,
    offer: dict[str, Any],
    lookup: LearnerLookupForm,
    *,
    found: dict[str, Any] | None = None,
    matches: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    apply_form = None
    if found is not None:
        found = {**found, "phone_masked": mask_phone(str(found["phone"] or ""))}
        apply_form = DeskApplyForm(
            initial={"learner": found["id"], "channel": "desk", "idempotency_key": uuid.uuid4().hex}
        )
    context = {
        "offer": offer,
        "lookup": lookup,
        "found": found,
        "matches": matches,
        "apply_form": apply_form,
        "channels": list(CHANNELS.items()),
        "method_words": _words(METHODS, offer["method"]),
        "window_words": _words(WINDOW_WORDS, offer["window"]),
        "error": error,
    }
    return render(request, "portal/staff/desk.html", context, status=status)


def _applied_message(name: str, done: services.Applied) -> str:
    if done.status == "confirmed":
        text = gettext("%(name)s: 수강 확정 (%(seat)s)") % {
            "name": name,
            "seat": SEAT_WORDS[done.seat],
        }
    elif done.status == "waitlisted":
        position = waitlist_position(done.application_id) or 0
        text = gettext("%(name)s: 대기 %(position)s번") % {"name": name, "position": position}
    elif done.status == "pending":
        text = gettext("%(name)s: 추첨 신청 접수") % {"name": name}
    else:
        text = f"{name}: {_words(STATUS_WORDS, done.status)}"
    if done.replayed:
        text = gettext("이미 접수된 신청입니다") + " — " + text
    return text + " · " + gettext("신청 %(number)s번") % {"number": done.application_id}


@require_http_methods(["GET", "POST"])
@staff_page
@requires("enrollment.desk_apply")
def desk(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the person (a POST, so that phone numbers stay out of addresses and logs), then
    apply for them at the desk or by telephone."""
    actor = _actor(request)
    try:
        offer = offer_get_for_staff(actor, pk, manage=True)
    except LearncityError as exc:
        return _refused(request, exc)
    if request.method == "GET":
        return _desk_page(request, offer, LearnerLookupForm())
    if request.POST.get("action") == "apply":
        return _desk_apply(request, actor, offer)
    lookup = LearnerLookupForm(request.POST)
    if not lookup.is_valid():
        return _desk_page(request, offer, lookup, status=422)
    try:
        desk_lookup_count(actor=actor)  # per staff member; 429 before anyone is looked up
    except LearncityError as exc:
        response = _refused(request, exc)
        response["Retry-After"] = str(exc.details.get("retry_after", 60))
        return response
    people = lookup.people()
    # the access log (PIPA): who looked up whom, why and from where; the kind of query only
    personal_data_access_record(
        actor=actor,
        what="desk_lookup",
        action="enrollment.desk_apply",
        purpose=f"desk application for offer {offer['id']}",
        address=client_address(request),
        learner_id=people[0]["id"] if len(people) == 1 else None,
        query=lookup.query_kind(),
        matches=len(people),
    )
    if len(people) > 1:
        return _desk_page(request, offer, lookup, matches=len(people))
    if not people:
        return _desk_page(request, offer, lookup, matches=0)
    return _desk_page(request, offer, lookup, found=people[0], matches=1)


def _desk_apply(request: HttpRequest, actor: Actor, offer: dict[str, Any]) -> HttpResponse:
    form = DeskApplyForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return _desk_page(request, offer, LearnerLookupForm(), error=problems, status=422)
    data = form.cleaned_data
    try:
        done = services.apply(
            actor=actor,
            offer_id=offer["id"],
            learner_id=data["learner"],
            idempotency_key=data["idempotency_key"],
            channel=data["channel"],
        )
    except LearncityError as exc:
        message, status = refusal(exc)
        return _desk_page(request, offer, LearnerLookupForm(), error=message, status=status)
    person = learner_get(data["learner"]) or {}
    name = f"{person.get('name', '')} ({person.get('birth_year', '')})"
    messages.success(request, _applied_message(name, done))
    return redirect(reverse("portal:staff_desk", args=[offer["id"]]))
