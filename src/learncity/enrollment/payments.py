"""Paying an application's fee with a learning voucher, and giving the money back when the place
is given up (issue 7). Enrolment decides what is owed (the offer's fee, waived for the groups
the offer names), the vouchers context moves the money (a balanced ledger transaction).

When the money moves:
- at apply, when the learner chose a voucher and the place is confirmed at once: in the apply's
  own transaction (a refusal, e.g. a short balance, refuses the whole application: no place
  is taken and nothing is paid);
- when the learner chose a voucher but the place comes later (waiting list, lottery): the
  choice is kept on the application (checked at apply, so that a wrong voucher is refused
  then) and paid when the place is confirmed (accept, draw). If the voucher cannot pay then
  (spent elsewhere, expired meanwhile) the place stays, the fee is owed as without a voucher,
  the refusal is in the audit log and the learner gets a message;
- a confirmed place may be paid afterwards (`voucher_pay`), all or part of what is still owed.

Lock order, always: the offer's row, then the voucher's and institution's accounts.

Refunds: cancelling a confirmed place refunds every voucher payment of it by the Lifelong
Education Act's schedule (`algorithms.ledger.refund_due`), on the course's sessions: sessions per
calendar month, and how many had started when the learner cancelled. A course without
sessions yet counts as not started (full refund)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learncity.algorithms.ledger import CourseProgress
from learncity.core.errors import NotFound
from learncity.enrollment.models import Application, Offer
from learncity.learners.access import Actor
from learncity.learners.selectors import verified_eligibility

if TYPE_CHECKING:
    from learncity.vouchers.services import Outcome

REFUND_KEY = "enrolment-refund:{application_id}"
PAY_ON_CONFIRM_KEY = "enrolment-pay:{application_id}"


class Person(Protocol):
    """Whose fee it is: an application's learner row, or the facts
    learners.selectors.learner_facts gives. Only the id is read: a waiver follows the
    person's VERIFIED eligibility (learners.selectors.verified_eligibility), never what
    they declared."""

    @property
    def id(self) -> int: ...


def fee_due(learner: Person, offer: Offer, today: dt.date) -> int:
    """The offer's fee, or 0 when it is free or waived for one of the person's groups."""
    if not offer.fee_krw:
        return 0
    from learncity.enrollment.services import WAIVER_GROUPS

    waived = set(offer.fee_waiver_groups or []) & set(WAIVER_GROUPS)
    if waived:
        groups = verified_eligibility(learner.id, today).groups(today)
        if any(groups[group] for group in waived):
            return 0
    return int(offer.fee_krw)


def paid_krw(application_id: int) -> int:
    """What vouchers have paid of an application's tuition and not refunded."""
    from learncity.vouchers.selectors import voucher_paid_for_application

    return voucher_paid_for_application(application_id)


def check(*, learner: Person, offer: Offer, voucher_id: int, amount: int, now: dt.datetime) -> int:
    """Refuse at once what could never be paid (the same errors as the payment); returns the
    fee due."""
    from learncity.vouchers import errors
    from learncity.vouchers.services import voucher_payment_check

    due = fee_due(learner, offer, timezone.localtime(now).date())
    if due == 0:
        raise errors.InvalidAmount(
            "nothing to pay: the course is free or its fee is waived for you"
            " (수강료가 없거나 감면 대상입니다)"
        )
    if amount > due:
        raise errors.InvalidAmount(f"the amount is more than the fee ({due:,} won)")
    voucher_payment_check(
        voucher_id=voucher_id,
        learner_id=learner.id,
        institution_id=offer.institution_id,
        amount=amount,
        now=now,
    )
    return due


def pay(
    *,
    actor: Actor,
    application_id: int,
    learner_id: int,
    offer: Offer,
    fee: int,
    voucher_id: int,
    amount: int,
    idempotency_key: str,
    now: dt.datetime,
) -> Outcome:
    """Pay inside the caller's transaction, after the offer's row is locked."""
    from learncity.vouchers.services import voucher_redeem_for_application

    owed = fee - paid_krw(application_id)
    done = voucher_redeem_for_application(
        actor=actor,
        application_id=application_id,
        learner_id=learner_id,
        institution_id=offer.institution_id,
        course_id=offer.programme_id,
        fee_krw=max(owed, 0),
        voucher_id=voucher_id,
        amount=amount,
        idempotency_key=idempotency_key,
        now=now,
    )
    return done


def pay_on_confirm(
    application: Application, offer: Offer, now: dt.datetime, actor: Actor | None
) -> str:
    """The place chosen with a voucher is now confirmed: pay what was chosen. Returns "" when
    paid (or nothing to pay), else the refusal's code (the place stays; see the module)."""
    from learncity.enrollment.services import _audit, _notify
    from learncity.vouchers.errors import VoucherError

    if not application.voucher_choice_id or not application.voucher_choice_krw:
        return ""
    learner = application.learner
    fee = fee_due(learner, offer, timezone.localtime(now).date())
    try:
        with transaction.atomic():
            if fee == 0:
                return ""
            pay(
                actor=actor or Actor(learner.user_id),
                application_id=application.pk,
                learner_id=learner.pk,
                offer=offer,
                fee=fee,
                voucher_id=application.voucher_choice_id,
                amount=min(application.voucher_choice_krw, fee),
                idempotency_key=PAY_ON_CONFIRM_KEY.format(application_id=application.pk),
                now=now,
            )
    except VoucherError as exc:
        _audit(None, "voucher_payment_failed", offer.pk, application.pk, reason=exc.code)
        _notify(application.pk, "voucher_failed", reason=exc.message, step=exc.code)
        return exc.code
    return ""


def course_progress(schedule_id: int, now: dt.datetime) -> CourseProgress:
    """The course's sessions per calendar month and how many had started by `now` (cancelled
    sessions are not lessons)."""
    from learncity.catalog.session_selectors import sessions_of_schedule

    by_month: dict[tuple[int, int], int] = {}
    started = 0
    for session in sessions_of_schedule(schedule_id):
        if session.status == "cancelled":
            continue
        key = (session.date.year, session.date.month)
        by_month[key] = by_month.get(key, 0) + 1
        start = session.starts_at
        if start is not None and start <= now:
            started += 1
    if not by_month:
        return CourseProgress((1,), 0)
    return CourseProgress(tuple(by_month[key] for key in sorted(by_month)), started)


def refund_on_leave(
    application_id: int, offer: Offer, now: dt.datetime, *, provider_cannot_continue: bool = False
) -> list[dict[str, Any]]:
    """Refund the voucher payments of a place given up, inside the caller's transaction (after
    the offer's lock). A second call changes nothing."""
    from learncity.vouchers.services import voucher_refund_for_application

    progress = course_progress(offer.schedule_id, now)
    outcomes = voucher_refund_for_application(
        application_id=application_id,
        progress=progress,
        idempotency_key=REFUND_KEY.format(application_id=application_id),
        provider_cannot_continue=provider_cannot_continue,
        now=now,
    )
    return [
        {"transaction_id": o.transaction_id, "amount_krw": o.amount_krw, "voucher_id": o.voucher_id}
        for o in outcomes
    ]


def voucher_pay(
    *,
    actor: Actor,
    application_id: int,
    voucher_id: int,
    amount: int,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> Outcome:
    """Pay all or part of what a confirmed place still owes with a voucher (the learner, a
    household proxy, or the institution's staff at the desk)."""
    from learncity.enrollment.services import InvalidState, _locked
    from learncity.vouchers import errors

    now = now or timezone.now()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise errors.InvalidAmount("the amount must be a positive whole number of won")
    with transaction.atomic():
        application, offer = _locked(application_id, actor)
        if application.status != Application.Status.CONFIRMED:
            raise InvalidState("only a confirmed place is paid (확정된 수강만 결제할 수 있습니다)")
        fee = fee_due(application.learner, offer, timezone.localtime(now).date())
        if fee == 0:
            raise errors.InvalidAmount(
                "nothing to pay: the course is free or its fee is waived"
                " (수강료가 없거나 감면 대상입니다)"
            )
        # what the desk took is not owed again (issue 18)
        fee -= min(application.desk_paid_krw, fee)
        if fee == 0:
            raise errors.InvalidAmount(_("낼 수강료가 남아 있지 않습니다"))
        return pay(
            actor=actor,
            application_id=application.pk,
            learner_id=application.learner_id,
            offer=offer,
            fee=fee,
            voucher_id=voucher_id,
            amount=amount,
            idempotency_key=idempotency_key,
            now=now,
        )


# ------------------------------------------------------------------ payment status (issue 18)
# What an application's card says about the fee: nothing to pay (free or waived), paid by
# voucher, paid at the desk, still to pay at the desk (a confirmed place with money owed), or
# not yet due (the place is not confirmed: pending, waiting, offered).

PAYMENT_STATES = ("free", "paid_voucher", "paid_desk", "due_at_desk", "not_due")


def payment_state(*, fee: int, voucher_paid: int, desk_paid: int, status: str) -> tuple[str, int]:
    """The state of a fee and what is still owed (won)."""
    if fee <= 0:
        return "free", 0
    owed = max(fee - voucher_paid - desk_paid, 0)
    if owed == 0:
        return ("paid_desk" if desk_paid > 0 else "paid_voucher"), 0
    if status != Application.Status.CONFIRMED:
        return "not_due", owed
    return "due_at_desk", owed


def payments_of(
    application_ids: list[int], *, now: dt.datetime | None = None
) -> dict[int, dict[str, Any]]:
    """application id -> {state, fee_krw, voucher_krw, desk_krw, owed_krw, desk_paid_at} for
    the applications whose offer has a fee (the others are left out: nothing to say)."""
    today = timezone.localtime(now or timezone.now()).date()
    found: dict[int, dict[str, Any]] = {}
    applications = (
        Application.objects.filter(pk__in=application_ids, offer__fee_krw__gt=0)
        .select_related("learner", "offer")
        .order_by("id")
    )
    for application in applications:
        fee = fee_due(application.learner, application.offer, today)
        voucher = paid_krw(application.pk) if fee else 0
        state, owed = payment_state(
            fee=fee,
            voucher_paid=voucher,
            desk_paid=application.desk_paid_krw,
            status=application.status,
        )
        found[application.pk] = {
            "state": state,
            "fee_krw": fee,
            "voucher_krw": voucher,
            "desk_krw": application.desk_paid_krw,
            "owed_krw": owed,
            "desk_paid_at": application.desk_paid_at,
        }
    return found


def desk_payment_mark(
    *,
    actor: Actor,
    application_id: int,
    offer_id: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The institution's desk took what a confirmed place still owed (cash or card): the
    application is marked paid, in the audit log. Only the offer's staff (the policy's
    `enrollment.payment_mark`); a second mark finds nothing owed and is refused."""
    from learncity.enrollment.services import Forbidden, InvalidState, _audit
    from learncity.learners.access import Scope, allowed

    now = now or timezone.now()
    with transaction.atomic():
        application = Application.objects.filter(pk=application_id).only("offer_id").first()
        if application is None or offer_id not in (None, application.offer_id):
            raise NotFound(f"no application {application_id}")
        offer = Offer.objects.select_for_update().get(pk=application.offer_id)
        scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code)
        if not allowed(actor, "enrollment.payment_mark", scope):
            raise Forbidden("only the staff of the course's institution mark a payment")
        application = (
            Application.objects.select_for_update().select_related("learner").get(pk=application_id)
        )
        if application.status != Application.Status.CONFIRMED:
            raise InvalidState(_("확정된 수강만 결제할 수 있습니다"))
        fee = fee_due(application.learner, offer, timezone.localtime(now).date())
        state, owed = payment_state(
            fee=fee,
            voucher_paid=paid_krw(application.pk),
            desk_paid=application.desk_paid_krw,
            status=application.status,
        )
        if owed <= 0:
            raise InvalidState(_("낼 수강료가 남아 있지 않습니다"))
        Application.objects.filter(pk=application.pk).update(
            desk_paid_krw=application.desk_paid_krw + owed, desk_paid_at=now, updated_at=now
        )
        _audit(actor, "desk_payment", offer.pk, application.pk, amount_krw=owed)
    return {"application_id": application.pk, "paid_krw": owed, "was": state}
