"""Enrolment endpoints of the JSON API v1: apply, my applications, cancel, accept, decline;
for staff: offers, lottery draw and replay.

Authentication: the browser session (with its CSRF token on POST) or a personal API token
(`Authorization: Bearer lc_...`), see learncity.api.auth. Every refusal is JSON
`{code, message, details}` (the API's one error handler, learncity.api.v1): 403 forbidden;
404 not_found; 409 when the request conflicts with the state (window_closed, already_applied,
limit_reached, not_eligible, idempotency_conflict, invalid_state); 422 for values that are
not acceptable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, NinjaAPI, Router, Schema, Status

from learncity.api.auth import AUTH, actor_of
from learncity.api.v1 import REFUSALS
from learncity.core.errors import NotFound
from learncity.enrollment import payments, services
from learncity.enrollment.selectors import applications_of, offer_detail
from learncity.learners.access import requires
from learncity.learners.selectors import learner_id_of_user

router = Router(tags=["enrolment (수강신청)"], auth=AUTH)


class ApplyIn(Schema):
    offer_id: int = Field(..., ge=1)
    idempotency_key: str = Field(..., min_length=8, max_length=64)
    learner_id: int | None = Field(None, ge=1, description="default: the caller's own")
    channel: Literal["online", "desk", "phone"] = "online"
    voucher_id: int | None = Field(
        None, ge=1, description="pay with this learning voucher when the place is confirmed"
    )
    voucher_krw: int = Field(0, ge=0, le=100_000_000, description="won of the fee the voucher pays")


class AppliedOut(Schema):
    id: int
    status: str
    seat: str
    replayed: bool


class ApplicationOut(Schema):
    id: int
    offer_id: int
    programme_id: int
    learner_id: int
    status: str
    seat: str
    channel: str
    accept_by: dt.datetime | None
    created_at: dt.datetime


class RefundOut(Schema):
    transaction_id: int | None
    amount_krw: int
    voucher_id: int | None


class ChangeOut(Schema):
    application_id: int
    status: str
    promoted: int | None = None
    refunds: list[RefundOut] = Field([], description="voucher refunds of a cancelled place")


@router.post("/applications", response={200: AppliedOut, 201: AppliedOut, **REFUSALS})
@requires("enrollment.apply", "enrollment.desk_apply")
def application_create(request: HttpRequest, body: ApplyIn) -> Any:
    """Apply (선착순: confirmed or waitlisted at once; 추첨: pending until the draw). Send a
    fresh idempotency key per intended application and the same key when retrying."""
    actor = actor_of(request)
    learner_id = body.learner_id or getattr(request, "learncity_learner_id", None)
    learner_id = learner_id or learner_id_of_user(actor.user_id)
    if learner_id is None:
        raise services.Forbidden("this account has no learner profile")
    done = services.apply(
        actor=actor,
        offer_id=body.offer_id,
        learner_id=learner_id,
        idempotency_key=body.idempotency_key,
        channel=body.channel,
        voucher_id=body.voucher_id,
        voucher_krw=body.voucher_krw,
    )
    payload = {
        "id": done.application_id,
        "status": done.status,
        "seat": done.seat,
        "replayed": done.replayed,
    }
    return Status(200 if done.replayed else 201, payload)


@router.get("/applications", response={200: list[ApplicationOut], **REFUSALS})
def application_list(request: HttpRequest) -> Any:
    """The caller's applications and those the caller may act on for a household member."""
    return applications_of(actor_of(request).user_id)


def _change(kind: str) -> Callable[[HttpRequest, int], Any]:
    def change(request: HttpRequest, application_id: int) -> Any:
        actor = actor_of(request)
        if kind == "cancel":
            out = services.cancel(actor=actor, application_id=application_id)
            return {"application_id": application_id, "status": "cancelled", **out}
        if kind == "decline":
            out = services.decline(actor=actor, application_id=application_id)
            return {"application_id": application_id, "status": "declined", **out}
        status = services.accept(actor=actor, application_id=application_id)
        return {"application_id": application_id, "status": status}

    change.__name__ = f"application_{kind}"
    return requires("enrollment.application_change")(change)


for _kind in ("cancel", "accept", "decline"):
    router.post(
        f"/applications/{{application_id}}/{_kind}",
        response={200: ChangeOut, **REFUSALS},
        summary=f"{_kind.capitalize()} an application",
    )(_change(_kind))


class ApplicationPaymentIn(Schema):
    voucher_id: int = Field(..., ge=1)
    amount_krw: int = Field(..., ge=1, le=100_000_000, description="won, all or part of the fee")
    idempotency_key: str = Field(..., min_length=8, max_length=64)


class PaymentOut(Schema):
    transaction_id: int | None
    amount_krw: int
    replayed: bool
    voucher_id: int | None
    balance_krw: int | None


@router.post(
    "/applications/{application_id}/voucher-payment",
    response={200: PaymentOut, 201: PaymentOut, **REFUSALS},
)
@requires("enrollment.application_change")
def application_voucher_payment(
    request: HttpRequest, application_id: int, body: ApplicationPaymentIn
) -> Any:
    """Pay all or part of a confirmed place's fee with a learning voucher (the learner, a
    household proxy, or the institution's staff at the desk). Enrolment says what is owed
    (the offer's fee, waived for the groups it names, less what vouchers paid already). The
    same idempotency key when retrying: answered once (200 with replayed)."""
    done = payments.voucher_pay(
        actor=actor_of(request),
        application_id=application_id,
        voucher_id=body.voucher_id,
        amount=body.amount_krw,
        idempotency_key=body.idempotency_key,
    )
    payload = {
        "transaction_id": done.transaction_id,
        "amount_krw": done.amount_krw,
        "replayed": done.replayed,
        "voucher_id": done.voucher_id,
        "balance_krw": done.balance_krw,
    }
    return Status(200 if done.replayed else 201, payload)


class OfferIn(Schema):
    schedule_id: int = Field(..., ge=1)
    capacity: int = Field(..., ge=1, le=100_000)
    opens_at: dt.datetime
    closes_at: dt.datetime
    method: Literal["first_come", "lottery", "lottery_then_first_come"] = "first_come"
    desk_seats: int = Field(0, ge=0)
    quotas: list[dict[str, Any]] = []
    priorities: list[str] = []
    eligible_tags: list[str] = []
    term: str = Field("", max_length=20)
    per_person_limit: int = Field(0, ge=0, le=100)
    fee_krw: int = Field(0, ge=0, le=100_000_000)
    fee_waiver_groups: list[Literal["senior", "disability", "low_income", "multicultural"]] = []
    accept_hours: int = Field(48, ge=1, le=720)


class OfferOut(Schema):
    id: int
    schedule_id: int
    programme_id: int
    capacity: int
    desk_seats: int
    general_taken: int
    desk_taken: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    method: str
    drawn_at: dt.datetime | None
    lottery_seed: str
    lottery_version: str
    lottery_digest: str


@router.post("/offers", response={201: OfferOut, **REFUSALS})
@requires("enrollment.offer_manage")
def offer_create(request: HttpRequest, body: OfferIn) -> Any:
    """Open enrolment for a schedule (institution staff, district officer, city admin)."""
    offer = services.offer_create(
        actor=actor_of(request), as_of=timezone.localdate(), **body.dict()
    )
    return Status(201, offer_detail(offer.pk))


@router.get("/offers/{offer_id}", response={200: OfferOut, **REFUSALS}, auth=None)
def offer_read(request: HttpRequest, offer_id: int) -> Any:
    """An offer's configuration, seats taken and published lottery facts (public)."""
    found = offer_detail(offer_id)
    if found is None:
        raise NotFound(f"no offer {offer_id}")
    return found


class DrawOut(Schema):
    offer: int
    seed: str
    version: str
    digest: str
    selected: int
    waitlisted: int


@router.post("/offers/{offer_id}/draw", response={200: DrawOut, **REFUSALS})
@requires("enrollment.lottery_draw")
def offer_draw(request: HttpRequest, offer_id: int) -> Any:
    """Draw the lottery once the window has closed (staff of the offer)."""
    return services.lottery_draw(actor=actor_of(request), offer_id=offer_id)


class ReplayOut(Schema):
    offer: int
    version: str
    seed: str
    digest: str
    recorded_digest: str | None
    identical: bool
    selected: list[list[str]]
    waitlist: list[str]


@router.get("/offers/{offer_id}/replay", response={200: ReplayOut, **REFUSALS}, auth=None)
def offer_replay(request: HttpRequest, offer_id: int) -> Any:
    """Re-draw the published lottery and say whether the result is identical (public)."""
    return services.lottery_replay(offer_id)


def install(api: NinjaAPI) -> None:
    """Mount these endpoints on the API (config/urls.py calls it once)."""
    api.add_router("/", router)
