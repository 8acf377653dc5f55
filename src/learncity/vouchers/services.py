"""Writes of the vouchers context: programmes and registered institutions, issue, redeem,
refund, expire, settle, funded projects. Every money movement is one `transaction.atomic`
that locks the accounts it touches (`locks.accounts_locked`, primary-key order), re-reads what
decides it under the lock (so a double submission is harmless), lets `algorithms.ledger`
build the balanced transaction, and writes it with its postings and the balances.

Idempotency: every operation takes a key, unique in the ledger. The same key with the same
request answers the earlier result and changes nothing; the same key with a different request
is refused (`idempotency_conflict`).

Enrolment calls `voucher_redeem_for_application` when a person pays (all or part of) a fee
with a voucher, and `voucher_refund_for_application` when an application with a voucher
payment is cancelled (see docs/vouchers.md).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from learncity.algorithms import ledger
from learncity.catalog.selectors import course_brief, institution_brief
from learncity.core.errors import NotFound
from learncity.learners.access import Actor, Scope, require
from learncity.learners.selectors import (
    learner_get,
    learner_user_id,
    message_language,
    verified_eligibility,
)
from learncity.vouchers import errors, locks
from learncity.vouchers.models import (
    Account,
    BudgetLine,
    FundedProject,
    LedgerTransaction,
    Posting,
    ProjectExpense,
    RegisteredInstitution,
    Voucher,
    VoucherProgramme,
)

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
GROUPS = ("senior", "disability", "low_income", "multicultural")
T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """The result of one money operation. `transaction_id` is None when nothing had to move
    (a zero refund, nothing to expire or settle); `replayed` when the key was seen before."""

    kind: str
    transaction_id: int | None
    amount_krw: int
    replayed: bool = False
    voucher_id: int | None = None
    balance_krw: int | None = None  # the voucher's balance after the operation


# ------------------------------------------------------------------ helpers


def _key(idempotency_key: str) -> str:
    if not isinstance(idempotency_key, str) or not _KEY.match(idempotency_key):
        raise errors.InvalidRequest(
            "the idempotency key must be 8 to 100 letters, digits or _.:-",
            details={"fields": ["idempotency_key"]},
        )
    return idempotency_key


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _month_of(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def _voucher_balance(voucher_id: int) -> int:
    found = (
        Account.objects.filter(kind=ledger.VOUCHER, owner_id=voucher_id)
        .values_list("balance", flat=True)
        .first()
    )
    return int(found or 0)


def _replay(key: str, request: dict[str, Any]) -> Outcome | None:
    earlier = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.request != request:
        raise errors.IdempotencyConflict(
            "this idempotency key was already used for a different operation",
            details={"transaction_id": earlier.pk},
        )
    return Outcome(
        earlier.kind,
        earlier.pk,
        int(earlier.amount_krw),
        replayed=True,
        voucher_id=earlier.voucher_id,
        balance_krw=_voucher_balance(earlier.voucher_id) if earlier.voucher_id else None,
    )


def _ledger_call(build: Callable[[], T]) -> T:
    try:
        return build()
    except ledger.LedgerRefused as exc:
        error = errors.BY_LEDGER_CODE.get(exc.code, errors.VoucherError)
        raise error(exc.message) from None


def _write(
    accounts: locks.LockedAccounts, entry: ledger.Transaction, **fields: Any
) -> LedgerTransaction:
    """Store one balanced transaction: its row, the balances (refused below zero) and the
    postings. Runs inside the caller's transaction, after `accounts_locked`."""
    row = LedgerTransaction.objects.create(kind=entry.kind, idempotency_key=entry.key, **fields)
    if not locks.balances_apply(accounts, entry):
        raise errors.InsufficientBalance("the balance does not cover this payment")
    Posting.objects.bulk_create(
        [
            Posting(transaction=row, account=accounts[p.account], amount=p.amount)
            for p in entry.postings
        ]
    )
    return row


def _guarded(key: str, request: dict[str, Any], run: Callable[[], Outcome]) -> Outcome:
    """Replay first; run the operation; a unique constraint that fires under a race (the
    same key from two places at once) is answered as the replay it is."""
    replayed = _replay(key, request)
    if replayed is not None:
        return replayed
    try:
        return run()
    except IntegrityError:
        replayed = _replay(key, request)
        if replayed is not None:
            return replayed
        raise


def _programme(programme_id: int) -> VoucherProgramme:
    found = VoucherProgramme.objects.filter(pk=programme_id).first()
    if found is None:
        raise NotFound(f"no voucher programme {programme_id}")
    return found


def _manage(actor: Actor, programme: VoucherProgramme) -> None:
    require(
        actor,
        "vouchers.programme_manage",
        Scope(district_code=programme.district_code),
        refusal=errors.Forbidden("only the programme's office may do this"),
    )


# ------------------------------------------------------------------ programmes


def programme_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    amount_krw: int,
    period_start: dt.date,
    period_end: dt.date,
    name_en: str = "",
    min_age: int = 0,
    max_age: int | None = None,
    groups: Sequence[str] = (),
    district_code: str = "",
    project_id: int | None = None,
    budget_line_id: int | None = None,
) -> VoucherProgramme:
    require(
        actor,
        "vouchers.programme_manage",
        Scope(district_code=district_code),
        refusal=errors.Forbidden("only a city administrator or the district's officer may do this"),
    )
    if kind not in VoucherProgramme.Kind.values:
        raise errors.InvalidRequest(f"unknown programme kind {kind!r}")
    if not isinstance(amount_krw, int) or amount_krw <= 0:
        raise errors.InvalidAmount("the amount per period must be a positive number of won")
    if period_end < period_start:
        raise errors.InvalidRequest("the period ends before it starts")
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise errors.InvalidRequest(f"unknown groups {unknown}; known: {list(GROUPS)}")
    if budget_line_id is not None:
        line = BudgetLine.objects.filter(pk=budget_line_id).first()
        if line is None or (project_id is not None and line.project_id != project_id):
            raise errors.InvalidRequest("the budget line is not one of the project's")
        project_id = line.project_id
    with transaction.atomic():
        programme = VoucherProgramme.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            amount_krw=amount_krw,
            period_start=period_start,
            period_end=period_end,
            min_age=min_age,
            max_age=max_age,
            groups=list(groups),
            district_code=district_code,
            project_id=project_id,
            budget_line_id=budget_line_id,
        )
        for account_kind in (ledger.FUNDING, ledger.LAPSED):
            Account.objects.create(kind=account_kind, owner_id=programme.pk)
    return programme


def programme_register_institution(*, actor: Actor, programme_id: int, institution_id: int) -> bool:
    """Register an institution to take the programme's vouchers; False when it already was."""
    programme = _programme(programme_id)
    _manage(actor, programme)
    if institution_brief(institution_id) is None:
        raise NotFound(f"no institution {institution_id}")
    with transaction.atomic():
        _, created = RegisteredInstitution.objects.get_or_create(
            programme=programme, institution_id=institution_id
        )
        locks.accounts_locked(
            ledger.AccountKey(kind, institution_id)
            for kind in (ledger.INSTITUTION, ledger.RECOVERABLE, ledger.SETTLED)
        )
    return created


def programme_unregister_institution(
    *, actor: Actor, programme_id: int, institution_id: int
) -> None:
    """The institution takes no more of the programme's vouchers (payments made stay)."""
    programme = _programme(programme_id)
    _manage(actor, programme)
    RegisteredInstitution.objects.filter(
        programme=programme, institution_id=institution_id
    ).delete()


# ------------------------------------------------------------------ issue


def _eligibility_refusal(programme: VoucherProgramme, learner_id: int, today: dt.date) -> str:
    """Why the learner may not receive the programme's voucher; "" when they may. Only
    VERIFIED, unexpired eligibility counts (learners.selectors.verified_eligibility): a
    birth year, district or group the person only declared does not."""
    if learner_user_id(learner_id) is None:
        raise NotFound(f"no learner {learner_id}")
    person = verified_eligibility(learner_id, today)
    if programme.min_age or programme.max_age is not None:
        if person.birth_year is None:
            return "this voucher needs a verified birth year (확인된 출생연도가 필요합니다)"
        age = today.year - person.birth_year
        if age < programme.min_age:
            return f"this voucher is for people aged {programme.min_age} and over"
        if programme.max_age is not None and age > programme.max_age:
            return f"this voucher is for people aged {programme.max_age} and under"
    if programme.district_code and person.district_code != programme.district_code:
        return "this voucher is for verified residents of the programme's district"
    if programme.groups:
        held = person.groups(today)
        if not any(held.get(group, False) for group in programme.groups):
            return f"this voucher is for (verified): {', '.join(programme.groups)}"
    return ""


def voucher_issue(
    *,
    actor: Actor,
    programme_id: int,
    learner_id: int,
    idempotency_key: str,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Issue the programme's amount to an eligible learner, once per programme (period)."""
    key = _key(idempotency_key)
    moment = _now(now)
    today = today or timezone.localdate(moment)
    programme = _programme(programme_id)
    _manage(actor, programme)
    request = {"op": "issue", "programme": programme_id, "learner": learner_id}

    def run() -> Outcome:
        if today > programme.period_end:
            raise errors.VoucherExpired("the programme's period is over")
        refusal = _eligibility_refusal(programme, learner_id, today)
        if refusal:
            raise errors.NotEligible(refusal)
        with transaction.atomic():
            locks.accounts_locked([ledger.AccountKey(ledger.FUNDING, programme.pk)])
            replayed = _replay(key, request)  # re-read under the lock
            if replayed is not None:
                return replayed
            if Voucher.objects.filter(programme=programme, learner_id=learner_id).exists():
                raise errors.AlreadyIssued("this learner already has this programme's voucher")
            voucher = Voucher.objects.create(
                code="LV" + secrets.token_hex(6).upper(),
                programme=programme,
                learner_id=learner_id,
                issued_krw=programme.amount_krw,
            )
            entry = ledger.issue(
                key=key, programme=programme.pk, voucher=voucher.pk, amount=programme.amount_krw
            )
            accounts = locks.accounts_locked(
                [
                    ledger.AccountKey(ledger.FUNDING, programme.pk),
                    ledger.AccountKey(ledger.VOUCHER, voucher.pk),
                ]
            )
            row = _write(
                accounts,
                entry,
                request=request,
                amount_krw=programme.amount_krw,
                at=moment,
                month=_month_of(moment),
                actor_id=actor.user_id,
                programme=programme,
                voucher=voucher,
            )
        return Outcome(
            "issue",
            row.pk,
            programme.amount_krw,
            voucher_id=voucher.pk,
            balance_krw=programme.amount_krw,
        )

    return _guarded(key, request, run)


# ------------------------------------------------------------------ redeem


def _voucher(voucher_id: int) -> Voucher:
    found = Voucher.objects.select_related("programme").filter(pk=voucher_id).first()
    if found is None:
        raise NotFound(f"no voucher {voucher_id}")
    return found


def _usable(voucher: Voucher, today: dt.date) -> None:
    if voucher.status == Voucher.Status.EXPIRED or today > voucher.programme.period_end:
        raise errors.VoucherExpired(
            f"the voucher's period ended on {voucher.programme.period_end:%Y-%m-%d}; "
            "unused balance lapses (no carry-over, no cash-out)"
        )
    if today < voucher.programme.period_start:
        raise errors.VoucherNotValidYet(
            f"the voucher may be used from {voucher.programme.period_start:%Y-%m-%d}"
        )


def _tell_holder(
    voucher: Voucher, row: LedgerTransaction, *, institution_id: int, balance: int
) -> None:
    """Queue the message that tells the holder of a payment from their voucher (SMS to their
    phone, else e-mail), in their language, in the payment's transaction: it exists exactly
    when the payment does, once per payment (the dedupe key is the ledger transaction)."""
    from learncity.notifications.services import queue

    person = learner_get(voucher.learner_id) or {}
    phone, email = person.get("phone") or "", person.get("email") or ""
    if not (phone or email):
        return
    brief = institution_brief(institution_id)
    with translation.override(message_language(voucher.learner_id)):
        subject = "[learncity] " + gettext("이용권 결제 알림")
        body = "[learncity] " + gettext(
            "평생교육이용권에서 %(amount)s원이 %(institution)s에 결제되었습니다."
            " 남은 금액은 %(balance)s원입니다. 본인이 한 결제가 아니라면 시·구청 평생학습"
            " 담당에게 알려 주세요."
        ) % {
            "amount": f"{int(row.amount_krw):,}",
            "institution": brief["name"] if brief else str(institution_id),
            "balance": f"{balance:,}",
        }
    queue(
        kind="voucher_paid",
        channel="sms" if phone else "email",
        recipient=phone or email,
        subject=subject,
        body=body,
        dedupe_key=f"voucher_paid:{row.pk}",
    )


def voucher_redeem(
    *,
    actor: Actor,
    voucher_id: int,
    institution_id: int,
    amount: int,
    idempotency_key: str,
    item: str = "tuition",
    course_id: int | None = None,
    now: dt.datetime | None = None,
    acting_for_learner_id: int | None = None,
) -> Outcome:
    """The holder pays `amount` won (all or part of a fee) from their own voucher to a
    registered institution, for the tuition of course `course_id` or that course's textbook,
    without an application in learncity (a course booked elsewhere): the holder's own
    signed-in request is their consent. Settlement flags such payments (issue 19).

    Anyone else (the institution's staff at the desk, a household proxy, an administrator)
    pays an application's fee, through enrolment (`voucher_redeem_for_application`), which
    says what is still owed: here they are refused with `application_required` and nothing
    changes. `acting_for_learner_id`, when given, must be the voucher's learner."""
    key = _key(idempotency_key)
    voucher = _voucher(voucher_id)
    holder = learner_user_id(voucher.learner_id) == actor.user_id and (
        acting_for_learner_id in (None, voucher.learner_id)
    )
    require(
        actor,
        "vouchers.redeem",
        Scope(institution_id=institution_id, own=holder),
        refusal=errors.Forbidden("only the voucher's holder or the institution's staff may pay"),
    )
    if not holder:
        raise errors.ApplicationRequired(
            "only the voucher's holder pays without an application; staff pay the fee of the"
            " holder's application at this institution (application_id)",
            details={"fields": ["application_id"]},
        )
    return _redeem(
        actor=actor,
        voucher=voucher,
        institution_id=institution_id,
        amount=amount,
        key=key,
        item=item,
        course_id=course_id,
        application_id=None,
        fee_krw=None,
        now=now,
    )


def _redeem(
    *,
    actor: Actor,
    voucher: Voucher,
    institution_id: int,
    amount: int,
    key: str,
    item: str,
    course_id: int | None,
    application_id: int | None,
    fee_krw: int | None,
    now: dt.datetime | None,
) -> Outcome:
    """Move the money of a payment the caller has authorised, and tell the holder in the
    same transaction (one message per payment: a replay tells nothing again)."""
    moment = _now(now)
    voucher_id = voucher.pk
    request = {
        "op": "redeem",
        "voucher": voucher_id,
        "institution": institution_id,
        "amount": amount,
        "item": item,
        "course": course_id,
        "application": application_id,
    }

    def run() -> Outcome:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise errors.InvalidAmount("the amount must be a positive whole number of won")
        if item not in ledger.PAYABLE_ITEMS:
            raise errors.NotTuition(
                "a learning voucher pays only tuition and that course's textbook "
                f"(교육비·해당 강좌 교재비만 결제할 수 있습니다), not {item!r}"
            )
        if fee_krw is not None and amount > fee_krw:
            raise errors.InvalidAmount(f"the amount is more than the fee ({fee_krw:,} won)")
        if course_id is not None:
            course = course_brief(course_id)
            if course is None or course["institution_id"] != institution_id:
                raise errors.InvalidRequest("the course is not one of the institution's")
        if not RegisteredInstitution.objects.filter(
            programme_id=voucher.programme_id, institution_id=institution_id
        ).exists():
            raise errors.InstitutionNotRegistered(
                "this institution is not registered for the voucher's programme"
                " (이용권 사용기관이 아닙니다)"
            )
        if item == "textbook" and (
            course_id is None
            or not LedgerTransaction.objects.filter(
                kind="redeem", voucher_id=voucher_id, course_id=course_id, item="tuition"
            ).exists()
        ):
            raise errors.NotTuition(
                "a textbook is paid only for a course whose tuition the voucher paid"
            )
        _usable(voucher, timezone.localdate(moment))
        keys = [
            ledger.AccountKey(ledger.VOUCHER, voucher_id),
            ledger.AccountKey(ledger.INSTITUTION, institution_id),
        ]
        with transaction.atomic():
            accounts = locks.accounts_locked(keys)
            replayed = _replay(key, request)  # a double submission waited on the lock
            if replayed is not None:
                return replayed
            if Voucher.objects.filter(pk=voucher_id, status=Voucher.Status.EXPIRED).exists():
                raise errors.VoucherExpired("the voucher has expired")
            if (
                application_id is not None
                and LedgerTransaction.objects.filter(
                    kind="redeem", voucher_id=voucher_id, application_id=application_id, item=item
                ).exists()
            ):
                raise errors.AlreadyRedeemed(
                    "this application's fee was already paid with this voucher"
                )
            entry = _ledger_call(
                lambda: ledger.redeem(
                    key=key,
                    voucher=voucher_id,
                    institution=institution_id,
                    amount=amount,
                    balance=accounts.balance(keys[0]),
                    item=item,
                )
            )
            row = _write(
                accounts,
                entry,
                request=request,
                amount_krw=amount,
                at=moment,
                month=_month_of(moment),
                actor_id=actor.user_id,
                programme_id=voucher.programme_id,
                voucher=voucher,
                institution_id=institution_id,
                application_id=application_id,
                course_id=course_id,
                item=item,
            )
            balance = accounts.balance(keys[0])
            _tell_holder(voucher, row, institution_id=institution_id, balance=balance)
        return Outcome("redeem", row.pk, amount, voucher_id=voucher_id, balance_krw=balance)

    return _guarded(key, request, run)


# ------------------------------------------------------------------ refund


def voucher_refund(
    *,
    actor: Actor | None,
    redemption_id: int,
    progress: ledger.CourseProgress,
    idempotency_key: str,
    provider_cannot_continue: bool = False,
    now: dt.datetime | None = None,
) -> Outcome:
    """Refund a redemption to its voucher by the Lifelong Education Act's schedule
    (`algorithms.ledger.refund_due`). Once per redemption. `actor` None: called by another
    service (enrolment's cancellation) that has authorised the change itself."""
    key = _key(idempotency_key)
    moment = _now(now)
    redemption = LedgerTransaction.objects.filter(pk=redemption_id, kind="redeem").first()
    if redemption is None or redemption.voucher_id is None or redemption.institution_id is None:
        raise NotFound(f"no voucher payment {redemption_id}")
    institution_id = int(redemption.institution_id)
    voucher_id = int(redemption.voucher_id)
    if actor is not None:
        require(
            actor,
            "vouchers.refund",
            Scope(institution_id=institution_id),
            refusal=errors.Forbidden("only the institution's staff may refund"),
        )
    request = {
        "op": "refund",
        "redemption": redemption_id,
        "units": list(progress.units_by_month),
        "elapsed": progress.units_elapsed,
        "provider": provider_cannot_continue,
    }

    def run() -> Outcome:
        amount = ledger.refund_due(
            int(redemption.amount_krw), progress, provider_cannot_continue=provider_cannot_continue
        )
        voucher = _voucher(voucher_id)
        programme_id = voucher.programme_id
        keys = [
            ledger.AccountKey(ledger.VOUCHER, voucher_id),
            ledger.AccountKey(ledger.INSTITUTION, institution_id),
            ledger.AccountKey(ledger.RECOVERABLE, institution_id),
            ledger.AccountKey(ledger.LAPSED, programme_id),
        ]
        with transaction.atomic():
            accounts = locks.accounts_locked(keys)
            replayed = _replay(key, request)
            if replayed is not None:
                return replayed
            earlier = LedgerTransaction.objects.filter(kind="refund", reverses=redemption).first()
            if earlier is not None:
                raise errors.AlreadyRefunded(
                    "this payment was already refunded", details={"transaction_id": earlier.pk}
                )
            if amount == 0:
                return Outcome(
                    "refund", None, 0, voucher_id=voucher_id, balance_krw=accounts.balance(keys[0])
                )
            lapsed = Voucher.objects.filter(pk=voucher_id, status=Voucher.Status.EXPIRED).exists()
            entry = ledger.refund(
                key=key,
                voucher=voucher_id,
                programme=programme_id,
                institution=institution_id,
                amount=amount,
                unsettled=accounts.balance(keys[1]),
                voucher_lapsed=lapsed,
            )
            row = _write(
                accounts,
                entry,
                request=request,
                amount_krw=amount,
                at=moment,
                month=_month_of(moment),
                actor_id=actor.user_id if actor else None,
                programme_id=programme_id,
                voucher_id=voucher_id,
                institution_id=institution_id,
                application_id=redemption.application_id,
                course_id=redemption.course_id,
                item=redemption.item,
                reverses=redemption,
            )
            balance = accounts.balance(keys[0])
        return Outcome("refund", row.pk, amount, voucher_id=voucher_id, balance_krw=balance)

    return _guarded(key, request, run)


# ------------------------------------------------------------------ enrolment's calls


def voucher_payment_check(
    *, voucher_id: int, learner_id: int, institution_id: int, amount: int, now: dt.datetime
) -> None:
    """Refuse now what the payment would refuse later (enrolment keeps a voucher chosen for a
    place that comes later): not the person's voucher, an institution not registered for its
    programme, a period that ended, a balance short of `amount`. Reads only; the payment
    checks again under its lock."""
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise errors.InvalidAmount("the amount must be a positive whole number of won")
    voucher = _voucher(voucher_id)
    if voucher.learner_id != learner_id:
        raise errors.Forbidden("the voucher is not the applicant's")
    if not RegisteredInstitution.objects.filter(
        programme_id=voucher.programme_id, institution_id=institution_id
    ).exists():
        raise errors.InstitutionNotRegistered(
            "this institution is not registered for the voucher's programme"
            " (이용권 사용기관이 아닙니다)"
        )
    _usable(voucher, timezone.localdate(now))
    if voucher.status == Voucher.Status.EXPIRED:
        raise errors.VoucherExpired("the voucher has expired")
    if _voucher_balance(voucher_id) < amount:
        raise errors.InsufficientBalance("the balance does not cover this payment")


def voucher_redeem_for_application(
    *,
    actor: Actor,
    application_id: int,
    learner_id: int,
    institution_id: int,
    course_id: int,
    fee_krw: int,
    voucher_id: int,
    amount: int,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> Outcome:
    """Enrolment: pay `amount` of the application's fee with the learner's voucher, for at
    most `fee_krw` (what the application still owes, as enrolment computes it). Call it
    inside enrolment's transaction after the application is written and its caller
    authorised for it (the lock order is then offer → voucher accounts); the voucher must be
    the application's learner's, and `actor` the learner, their household proxy or the
    institution's staff (the policy's `vouchers.redeem` on the application's institution).
    The only way an application is written on a payment: the settlement trusts it."""
    key = _key(idempotency_key)
    voucher = _voucher(voucher_id)
    if voucher.learner_id != learner_id:
        raise errors.Forbidden("the voucher is not the applicant's")
    require(
        actor,
        "vouchers.redeem",
        Scope(institution_id=institution_id, own=True),
        refusal=errors.Forbidden("only the voucher's holder or the institution's staff may pay"),
    )
    return _redeem(
        actor=actor,
        voucher=voucher,
        institution_id=institution_id,
        amount=amount,
        key=key,
        item="tuition",
        course_id=course_id,
        application_id=application_id,
        fee_krw=fee_krw,
        now=now,
    )


def voucher_refund_for_application(
    *,
    application_id: int,
    progress: ledger.CourseProgress,
    idempotency_key: str,
    provider_cannot_continue: bool = False,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Enrolment: the application was cancelled; refund each voucher payment of it (tuition,
    textbook) by the refund rule. Enrolment has authorised the cancellation. Nothing to do
    (an empty list) when the fee was not paid with a voucher; a second call changes nothing
    (same key: replays; new key: already refunded, skipped)."""
    outcomes = []
    redemptions = LedgerTransaction.objects.filter(
        kind="redeem", application_id=application_id
    ).order_by("pk")
    for redemption in redemptions:
        if (
            LedgerTransaction.objects.filter(kind="refund", reverses=redemption)
            .exclude(idempotency_key=f"{idempotency_key}:{redemption.pk}")
            .exists()
        ):
            continue
        outcomes.append(
            voucher_refund(
                actor=None,
                redemption_id=redemption.pk,
                progress=progress,
                idempotency_key=f"{idempotency_key}:{redemption.pk}",
                provider_cannot_continue=provider_cannot_continue,
                now=now,
            )
        )
    return outcomes


# ------------------------------------------------------------------ expire


def voucher_expire(
    *,
    actor: Actor | None,
    voucher_id: int,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """After its period, a voucher's unused balance lapses (no carry-over, no cash-out).
    Idempotent by nature: the key is `expire:<voucher>`. `actor` None: the scheduled run
    (`learncity vouchers expire`, an operator's command)."""
    moment = _now(now)
    today = today or timezone.localdate(moment)
    voucher = _voucher(voucher_id)
    if actor is not None:
        _manage(actor, voucher.programme)
    key = f"expire:{voucher_id}"
    request = {"op": "expire", "voucher": voucher_id}

    def run() -> Outcome:
        if today <= voucher.programme.period_end:
            raise errors.InvalidRequest(
                f"the voucher is valid until {voucher.programme.period_end:%Y-%m-%d}"
            )
        keys = [
            ledger.AccountKey(ledger.VOUCHER, voucher_id),
            ledger.AccountKey(ledger.LAPSED, voucher.programme_id),
        ]
        with transaction.atomic():
            accounts = locks.accounts_locked(keys)
            replayed = _replay(key, request)
            if replayed is not None:
                return replayed
            Voucher.objects.filter(pk=voucher_id).update(status=Voucher.Status.EXPIRED)
            entry = ledger.expire(
                key=key,
                voucher=voucher_id,
                programme=voucher.programme_id,
                balance=accounts.balance(keys[0]),
            )
            if entry is None:
                return Outcome("expire", None, 0, voucher_id=voucher_id, balance_krw=0)
            amount = accounts.balance(keys[0])
            row = _write(
                accounts,
                entry,
                request=request,
                amount_krw=amount,
                at=moment,
                month=_month_of(moment),
                actor_id=actor.user_id if actor else None,
                programme_id=voucher.programme_id,
                voucher_id=voucher_id,
            )
        return Outcome("expire", row.pk, amount, voucher_id=voucher_id, balance_krw=0)

    return _guarded(key, request, run)


def vouchers_expire_due(*, actor: Actor | None, today: dt.date | None = None) -> dict[str, Any]:
    """Expire every active voucher whose programme's period ended before `today` (each in its
    own transaction; safe to run again). Returns how many expired, the won that lapsed, and
    the vouchers that could not be expired with the reason (the others go on)."""
    today = today or timezone.localdate()
    due = Voucher.objects.filter(
        status=Voucher.Status.ACTIVE, programme__period_end__lt=today
    ).values_list("pk", flat=True)
    expired, lapsed, refused = 0, 0, []
    for voucher_id in list(due):
        try:
            done = voucher_expire(actor=actor, voucher_id=voucher_id, today=today)
        except errors.VoucherError as exc:
            refused.append({"voucher_id": voucher_id, "code": exc.code, "reason": exc.message})
            continue
        expired += 1
        lapsed += done.amount_krw
    return {"expired": expired, "lapsed_krw": lapsed, "refused": refused}


# ------------------------------------------------------------------ settle


def _signed_sum(account: Account, later_than: str) -> int:
    """The normal-side change of `account` by transactions of months after `later_than`
    (settlements excluded)."""
    raw = (
        Posting.objects.filter(account=account, transaction__month__gt=later_than)
        .exclude(transaction__kind="settle")
        .aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return int(ledger.NORMAL_SIGN[account.kind] * raw)


def settlement_run(
    *, actor: Actor, institution_id: int, month: str, now: dt.datetime | None = None
) -> Outcome:
    """Pay an institution for the month: what it earned through the month's end and has not
    been paid, less what it owes back from refunds after an earlier settlement. Months are
    settled in order, each once (the key is `settle:<institution>:<month>`); a month is
    settled only after it has ended."""
    moment = _now(now)
    if not _MONTH.match(month or ""):
        raise errors.InvalidRequest("the month is written YYYY-MM")
    require(actor, "vouchers.settle", refusal=errors.Forbidden("only a city administrator settles"))
    if institution_brief(institution_id) is None:
        raise NotFound(f"no institution {institution_id}")
    key = f"settle:{institution_id}:{month}"
    request = {"op": "settle", "institution": institution_id, "month": month}

    def run() -> Outcome:
        if month >= _month_of(moment):
            raise errors.SettlementRefused("a month is settled after it has ended")
        keys = [
            ledger.AccountKey(kind, institution_id)
            for kind in (ledger.INSTITUTION, ledger.RECOVERABLE, ledger.SETTLED)
        ]
        with transaction.atomic():
            accounts = locks.accounts_locked(keys)
            replayed = _replay(key, request)
            if replayed is not None:
                return replayed
            if LedgerTransaction.objects.filter(
                kind="settle", institution_id=institution_id, month__gt=month
            ).exists():
                raise errors.SettlementRefused("a later month is already settled")
            unsettled = accounts.balance(keys[0]) - _signed_sum(accounts[keys[0]], month)
            recoverable = accounts.balance(keys[1]) - _signed_sum(accounts[keys[1]], month)
            entry = ledger.settle(
                key=key, institution=institution_id, unsettled=unsettled, recoverable=recoverable
            )
            if entry is None:
                return Outcome("settle", None, 0)
            row = _write(
                accounts,
                entry,
                request=request,
                amount_krw=unsettled,
                at=moment,
                month=month,
                actor_id=actor.user_id,
                institution_id=institution_id,
            )
        return Outcome("settle", row.pk, unsettled)

    return _guarded(key, request, run)


# ------------------------------------------------------------------ funded projects


def project_create(
    *,
    actor: Actor,
    name: str,
    amount_krw: int,
    starts_on: dt.date,
    ends_on: dt.date,
    lines: Sequence[tuple[str, str, int]],
    funder: str = "",
    district_code: str = "",
) -> FundedProject:
    """A funded project with its budget lines (name, category, amount); the lines may not
    add up to more than the project's amount."""
    require(
        actor,
        "vouchers.project_manage",
        Scope(district_code=district_code),
        refusal=errors.Forbidden("only a city administrator or the district's officer may do this"),
    )
    if not isinstance(amount_krw, int) or amount_krw < 0:
        raise errors.InvalidAmount("the project's amount must be a whole number of won")
    if any(not isinstance(a, int) or a < 0 for _, _, a in lines):
        raise errors.InvalidAmount("a budget line's amount must be a whole number of won")
    if sum(a for _, _, a in lines) > amount_krw:
        raise errors.InvalidAmount("the budget lines add up to more than the project's amount")
    unknown = {c for _, c, _ in lines} - set(BudgetLine.Category.values)
    if unknown:
        raise errors.InvalidRequest(f"unknown budget categories {sorted(unknown)}")
    if ends_on < starts_on:
        raise errors.InvalidRequest("the project ends before it starts")
    with transaction.atomic():
        project = FundedProject.objects.create(
            name=name,
            funder=funder,
            amount_krw=amount_krw,
            district_code=district_code,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        BudgetLine.objects.bulk_create(
            [BudgetLine(project=project, name=n, category=c, amount_krw=a) for n, c, a in lines]
        )
    return project


def project_expense_record(
    *, actor: Actor, line_id: int, amount_krw: int, spent_on: dt.date, memo: str = ""
) -> ProjectExpense:
    """Spending on a budget line other than vouchers (instructors, venues, ...)."""
    line = BudgetLine.objects.select_related("project").filter(pk=line_id).first()
    if line is None:
        raise NotFound(f"no budget line {line_id}")
    require(
        actor,
        "vouchers.project_manage",
        Scope(district_code=line.project.district_code),
        refusal=errors.Forbidden("only the project's office may record its spending"),
    )
    if not isinstance(amount_krw, int) or amount_krw <= 0:
        raise errors.InvalidAmount("the amount must be a positive number of won")
    with transaction.atomic():
        return ProjectExpense.objects.create(
            line=line, amount_krw=amount_krw, spent_on=spent_on, memo=memo
        )
