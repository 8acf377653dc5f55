"""Voucher endpoints of the JSON API v1: a learner's vouchers and their history, paying from
a voucher, refunds, the settlement report of an institution and month, and the budget of a
funded project.

Authentication as the enrolment endpoints (session with CSRF, or `Authorization: Bearer`).
Refusals are JSON `{code, message, details}`: 403 forbidden, 404 not_found, 409 for
conflicts with the ledger's state (insufficient_balance, voucher_expired, already_redeemed,
already_refunded, idempotency_conflict, settlement_refused), 422 for what is never
acceptable (not_tuition, institution_not_registered, invalid_amount, voucher_not_eligible,
application_required: a payment by anyone but the holder names the holder's application);
answered by the API's one error handler.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Router, Schema, Status

from learncity.algorithms.ledger import CourseProgress
from learncity.api.auth import AUTH, actor_of
from learncity.api.v1 import REFUSALS
from learncity.enrollment import payments
from learncity.enrollment.selectors import offer_of_application
from learncity.learners.access import requires
from learncity.vouchers import errors, selectors, services

router = Router(tags=["vouchers (평생교육이용권)"], auth=AUTH)


class VoucherOut(Schema):
    id: int
    code: str
    programme: str
    programme_en: str
    kind: str
    period_start: dt.date
    period_end: dt.date
    issued_krw: int
    balance_krw: int
    status: str


class MovementOut(Schema):
    transaction_id: int
    kind: str
    at: dt.datetime
    change_krw: int
    balance_krw: int
    institution: str
    course: str
    item: str


class PaymentIn(Schema):
    institution_id: int = Field(..., ge=1)
    amount_krw: int = Field(..., description="won, all or part of the fee")
    item: str = Field("tuition", description="tuition, or textbook (of a course paid for)")
    course_id: int | None = Field(None, ge=1, description="the catalog programme paid for")
    application_id: int | None = Field(
        None,
        ge=1,
        description="the holder's application at this institution: required of anyone but the"
        " holder (staff at the desk, a proxy); pays at most what it still owes",
    )
    idempotency_key: str = Field(..., min_length=8, max_length=100)


class OutcomeOut(Schema):
    kind: str
    transaction_id: int | None
    amount_krw: int
    replayed: bool
    voucher_id: int | None
    balance_krw: int | None


class RefundIn(Schema):
    units_by_month: list[int] = Field(..., min_length=1, max_length=36)
    units_elapsed: int = Field(..., ge=0)
    provider_cannot_continue: bool = False
    idempotency_key: str = Field(..., min_length=8, max_length=100)


class SettlementRowOut(Schema):
    transaction_id: int
    at: dt.datetime
    kind: str
    voucher: str
    programme: str
    course: str
    item: str
    application_id: int | None
    without_application: bool = Field(
        ..., description="paid by the holder without an application (to check)"
    )
    amount_krw: int


class SettlementOut(Schema):
    institution_id: int
    month: str
    rows: list[SettlementRowOut]
    redeemed_krw: int
    refunded_krw: int
    net_krw: int
    without_application_count: int
    without_application_krw: int
    settlement: dict[str, Any] | None


def _outcome(done: services.Outcome) -> Any:
    payload = {
        "kind": done.kind,
        "transaction_id": done.transaction_id,
        "amount_krw": done.amount_krw,
        "replayed": done.replayed,
        "voucher_id": done.voucher_id,
        "balance_krw": done.balance_krw,
    }
    return Status(200 if done.replayed or done.transaction_id is None else 201, payload)


@router.get("/vouchers", response={200: list[VoucherOut], **REFUSALS})
def vouchers_mine(request: HttpRequest) -> Any:
    """The caller's vouchers with their balances (derived from the ledger)."""
    return selectors.vouchers_of_user(actor_of(request).user_id)


@router.get("/vouchers/{voucher_id}/history", response={200: list[MovementOut], **REFUSALS})
def voucher_history(request: HttpRequest, voucher_id: int) -> Any:
    """Every movement of one of the caller's vouchers, with the running balance."""
    voucher = selectors.voucher_get_for_user(actor_of(request).user_id, voucher_id)
    return selectors.voucher_history(voucher.pk)


@router.post(
    "/vouchers/{voucher_id}/payments", response={200: OutcomeOut, 201: OutcomeOut, **REFUSALS}
)
@requires("vouchers.redeem")
def voucher_pay(request: HttpRequest, voucher_id: int, body: PaymentIn) -> Any:
    """Pay all or part of a fee from a voucher. With an `application_id`: the fee of the
    holder's application at this institution, for at most what it still owes (the holder,
    their household proxy, or the institution's staff at the desk; enrolment says what is
    owed). Without one: only the holder, signed in as themselves (anyone else: 422
    application_required), and the settlement flags it. The holder is told of every
    payment. The same idempotency key when retrying: answered once (200 with replayed)."""
    actor = actor_of(request)
    if body.application_id is not None:
        # an application's fee: enrolment says what is owed, not the caller
        if body.item != "tuition":
            raise errors.NotTuition("an application's voucher payment is its tuition")
        offer = offer_of_application(body.application_id)
        if offer is None or offer["institution_id"] != body.institution_id:
            raise errors.InvalidRequest("the application is not at this institution")
        return _outcome(
            payments.voucher_pay(
                actor=actor,
                application_id=body.application_id,
                voucher_id=voucher_id,
                amount=body.amount_krw,
                idempotency_key=body.idempotency_key,
            )
        )
    done = services.voucher_redeem(
        actor=actor,
        voucher_id=voucher_id,
        institution_id=body.institution_id,
        amount=body.amount_krw,
        idempotency_key=body.idempotency_key,
        item=body.item,
        course_id=body.course_id,
    )
    return _outcome(done)


@router.post(
    "/voucher-payments/{payment_id}/refund",
    response={200: OutcomeOut, 201: OutcomeOut, **REFUSALS},
)
@requires("vouchers.refund")
def voucher_payment_refund(request: HttpRequest, payment_id: int, body: RefundIn) -> Any:
    """Refund a voucher payment by the Lifelong Education Act's schedule (institution staff):
    the course's sessions per month and how many had taken place."""
    actor = actor_of(request)
    try:
        progress = CourseProgress(tuple(body.units_by_month), body.units_elapsed)
    except ValueError as exc:
        raise errors.InvalidRequest(str(exc)) from None
    done = services.voucher_refund(
        actor=actor,
        redemption_id=payment_id,
        progress=progress,
        idempotency_key=body.idempotency_key,
        provider_cannot_continue=body.provider_cannot_continue,
    )
    return _outcome(done)


@router.get(
    "/voucher-settlements/{institution_id}/{month}", response={200: SettlementOut, **REFUSALS}
)
def settlement(request: HttpRequest, institution_id: int, month: str) -> Any:
    """An institution's voucher payments and refunds of a month (YYYY-MM) and its settlement."""
    selectors.settlement_get_for_staff(actor_of(request), institution_id)
    return selectors.settlement_report(institution_id, month)


@router.get("/funded-projects/{project_id}/budget", response={200: dict, **REFUSALS})
def project_budget(request: HttpRequest, project_id: int) -> Any:
    """Spend against budget per line, cost per learner and per completed hour (the attended
    hours, from the learning record, of the completed courses the project's vouchers paid)."""
    selectors.project_get_for_staff(actor_of(request), project_id)
    return selectors.project_budget(project_id)


def install(api: NinjaAPI) -> None:
    """Mount these endpoints on the API (config/urls.py calls it once)."""
    api.add_router("/", router)
