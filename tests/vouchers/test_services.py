"""Vouchers on the database in use (SQLite or PostgreSQL): issue, redeem, refund by the
rule, expire, settle; every bad input of issue 7 refused with its code and nothing changed;
50 parallel redemptions against a voucher that covers 10; funded projects' budgets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from learncity.algorithms.ledger import CourseProgress
from learncity.core.errors import LearncityError, NotFound
from learncity.learners.models import StaffRole
from learncity.records.models import RecordEntry
from learncity.vouchers import errors, selectors, services
from learncity.vouchers.models import Account, LedgerTransaction, Posting, Voucher
from tests.concurrency import in_threads

from .factories import NOW, admin, course, institution, issued, person, programme, staff
from .factories import project as project_of

MAY = dt.datetime(2026, 5, 10, 10, 0, tzinfo=dt.UTC)
JUNE = dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.UTC)


def snapshot() -> tuple[Any, ...]:
    return (
        LedgerTransaction.objects.count(),
        Posting.objects.count(),
        sorted(Account.objects.values_list("kind", "owner_id", "balance")),
        sorted(Voucher.objects.values_list("pk", "status")),
    )


def audit_is_clean() -> None:
    audit = selectors.ledger_audit()
    assert audit["unbalanced_transactions"] == []
    assert audit["negative_balances"] == []
    assert audit["balance_mismatch"] == []
    assert audit["sum_of_postings"] == 0


@pytest.fixture
def world(holder: dict[str, Any]) -> dict[str, Any]:
    """The vouchers' holder (tests/vouchers/conftest.py)."""
    return holder


def redeem(world: dict[str, Any], amount: int, key: str, **kw: Any) -> services.Outcome:
    """A payment from the world's voucher: the holder's own (no application), or, with an
    `application_id` or a `fee_krw`, an application's tuition as enrolment pays it (the fee
    is then what enrolment says is still owed: 10,000,000 unless given)."""
    settings: dict[str, Any] = {
        "actor": world["citizen"],
        "voucher_id": world["voucher"],
        "institution_id": world["place"].pk,
        "amount": amount,
        "idempotency_key": key,
        "course_id": world["course"].pk,
        "now": NOW,
        "acting_for_learner_id": world["learner"].pk,
    }
    settings.update(kw)
    if "application_id" not in kw and "fee_krw" not in kw:
        return services.voucher_redeem(**settings)
    return services.voucher_redeem_for_application(
        actor=settings["actor"],
        application_id=settings.get("application_id", 1),
        learner_id=settings["acting_for_learner_id"],
        institution_id=settings["institution_id"],
        course_id=settings["course_id"],
        fee_krw=settings.get("fee_krw", 10_000_000),
        voucher_id=settings["voucher_id"],
        amount=settings["amount"],
        idempotency_key=settings["idempotency_key"],
        now=settings["now"],
    )


def test_issue_redeem_and_history(world):
    assert selectors.voucher_balances([world["voucher"]]) == {world["voucher"]: 350_000}
    paid = redeem(world, 90_000, "pay-000001", application_id=41)
    assert (paid.amount_krw, paid.balance_krw, paid.replayed) == (90_000, 260_000, False)
    book = redeem(world, 15_000, "pay-000002", item="textbook")
    assert book.balance_krw == 245_000
    history = selectors.voucher_history(world["voucher"])
    assert [(h["kind"], h["change_krw"], h["balance_krw"]) for h in history] == [
        ("issue", 350_000, 350_000),
        ("redeem", -90_000, 260_000),
        ("redeem", -15_000, 245_000),
    ]
    assert history[1]["institution"] == "강남구평생학습관"
    audit_is_clean()


def test_eligibility_by_age_group_and_district(world):
    city = world["admin"]
    seniors = programme(city, world["place"], groups=["senior"], min_age=65, code="senior-2026")
    young, _ = person(2000)
    old, _ = person(1950)
    with pytest.raises(errors.NotEligible):
        issued(city, seniors, young)
    assert issued(city, seniors, old)
    district = programme(city, district_code="1168000000", code="gangnam-2026", min_age=0)
    elsewhere, _ = person(1990, district_code="1111000000")
    with pytest.raises(errors.NotEligible) as caught:
        issued(city, district, elsewhere)
    assert caught.value.code == "voucher_not_eligible" and caught.value.http_status == 422
    with pytest.raises(errors.AlreadyIssued):
        services.voucher_issue(
            actor=city,
            programme_id=world["programme"].pk,
            learner_id=world["learner"].pk,
            idempotency_key="another-issue-key",
            now=NOW,
        )


# ------------------------------------------------------------------ bad input: refusals


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("more_than_balance", "insufficient_balance", 409),
        ("expired", "voucher_expired", 409),
        ("not_registered", "institution_not_registered", 422),
        ("not_tuition", "not_tuition", 422),
        ("textbook_without_tuition", "not_tuition", 422),
        ("zero", "invalid_amount", 422),
        ("more_than_fee", "invalid_amount", 422),
        ("someone_else", "forbidden", 403),
        ("bad_key", "invalid_request", 422),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(world, case, code, status):
    redeem(world, 300_000, "pay-first-1", application_id=1)  # 50,000 left
    before = snapshot()
    kwargs: dict[str, Any] = {}
    amount = 10_000
    if case == "more_than_balance":
        amount = 50_001
    elif case == "expired":
        kwargs["now"] = dt.datetime(2027, 1, 2, tzinfo=dt.UTC)
    elif case == "not_registered":
        kwargs["institution_id"] = world["other"].pk
        kwargs["course_id"] = None
    elif case == "not_tuition":
        kwargs["item"] = "snacks"
    elif case == "textbook_without_tuition":
        kwargs["item"] = "textbook"
        kwargs["course_id"] = course(world["place"]).pk
    elif case == "zero":
        amount = 0
    elif case == "more_than_fee":
        kwargs["fee_krw"] = 5_000
    elif case == "someone_else":
        stranger, actor = person()
        kwargs["actor"] = actor
        kwargs["acting_for_learner_id"] = stranger.pk
    elif case == "bad_key":
        kwargs["idempotency_key"] = "short"
    with pytest.raises(LearncityError) as caught:
        redeem(world, amount, kwargs.pop("idempotency_key", "pay-second"), **kwargs)
    assert (caught.value.code, caught.value.http_status) == (code, status)
    assert caught.value.message
    assert snapshot() == before


def test_double_submission_is_answered_once(world):
    first = redeem(world, 90_000, "pay-twice-01", application_id=7)
    before = snapshot()
    again = redeem(world, 90_000, "pay-twice-01", application_id=7)
    assert again.replayed and again.transaction_id == first.transaction_id
    assert again.balance_krw == 260_000
    assert snapshot() == before
    with pytest.raises(errors.IdempotencyConflict):
        redeem(world, 80_000, "pay-twice-01", application_id=7)
    with pytest.raises(errors.AlreadyRedeemed):  # the same application, a new key
        redeem(world, 90_000, "pay-twice-02", application_id=7)
    assert snapshot() == before


def test_refund_by_the_rule_and_refunding_twice(world):
    paid = redeem(world, 90_000, "pay-refund-1", application_id=9)
    progress = CourseProgress((6,), 1)  # one of six lessons held: 2/3 back
    back = services.voucher_refund(
        actor=world["admin"],
        redemption_id=paid.transaction_id,
        progress=progress,
        idempotency_key="refund-0001",
        now=NOW,
    )
    assert (back.amount_krw, back.balance_krw) == (60_000, 320_000)
    before = snapshot()
    replay = services.voucher_refund(
        actor=world["admin"],
        redemption_id=paid.transaction_id,
        progress=progress,
        idempotency_key="refund-0001",
        now=NOW,
    )
    assert replay.replayed and snapshot() == before
    with pytest.raises(errors.AlreadyRefunded) as caught:
        services.voucher_refund(
            actor=world["admin"],
            redemption_id=paid.transaction_id,
            progress=CourseProgress((6,), 0),
            idempotency_key="refund-0002",
            now=NOW,
        )
    assert caught.value.http_status == 409
    assert snapshot() == before
    with pytest.raises(errors.Forbidden):
        services.voucher_refund(
            actor=world["citizen"],
            redemption_id=paid.transaction_id,
            progress=progress,
            idempotency_key="refund-0003",
        )
    with pytest.raises(NotFound):
        services.voucher_refund(
            actor=world["admin"],
            redemption_id=10**9,
            progress=progress,
            idempotency_key="refund-0004",
        )
    audit_is_clean()


def test_enrolment_integration_pays_and_refunds_an_application(world):
    lesson = world["course"]
    out = services.voucher_redeem_for_application(
        actor=world["citizen"],
        application_id=501,
        learner_id=world["learner"].pk,
        institution_id=world["place"].pk,
        course_id=lesson.pk,
        fee_krw=90_000,
        voucher_id=world["voucher"],
        amount=50_000,  # part of the fee
        idempotency_key="apply-501-voucher",
        now=NOW,
    )
    assert out.balance_krw == 300_000
    assert [r["amount_krw"] for r in selectors.redemptions_of_application(501)] == [50_000]
    other, _ = person()
    with pytest.raises(errors.Forbidden):
        services.voucher_redeem_for_application(
            actor=world["citizen"],
            application_id=502,
            learner_id=other.pk,
            institution_id=world["place"].pk,
            course_id=lesson.pk,
            fee_krw=90_000,
            voucher_id=world["voucher"],
            amount=1,
            idempotency_key="apply-502-voucher",
        )
    refunds = services.voucher_refund_for_application(
        application_id=501, progress=CourseProgress((8,), 0), idempotency_key="cancel-501", now=NOW
    )
    assert [(r.amount_krw, r.balance_krw) for r in refunds] == [(50_000, 350_000)]
    before = snapshot()
    again = services.voucher_refund_for_application(
        application_id=501, progress=CourseProgress((8,), 0), idempotency_key="cancel-501", now=NOW
    )
    assert [r.replayed for r in again] == [True]
    assert (
        services.voucher_refund_for_application(
            application_id=501, progress=CourseProgress((8,), 0), idempotency_key="cancel-501b"
        )
        == []
    )
    assert (
        services.voucher_refund_for_application(
            application_id=999, progress=CourseProgress((8,), 0), idempotency_key="cancel-999"
        )
        == []
    )
    assert snapshot() == before


def test_expiry_lapses_the_balance_once(world):
    redeem(world, 100_000, "pay-expire-1")
    with pytest.raises(errors.InvalidRequest):
        services.voucher_expire(
            actor=world["admin"], voucher_id=world["voucher"], today=dt.date(2026, 12, 31)
        )
    assert services.vouchers_expire_due(actor=world["admin"], today=dt.date(2027, 1, 1)) == {
        "expired": 1,
        "lapsed_krw": 250_000,
        "refused": [],
    }
    assert selectors.voucher_balances([world["voucher"]]) == {world["voucher"]: 0}
    lapsed = Account.objects.get(kind="lapsed", owner_id=world["programme"].pk)
    assert lapsed.balance == 250_000
    before = snapshot()
    again = services.voucher_expire(
        actor=world["admin"], voucher_id=world["voucher"], today=dt.date(2027, 1, 2)
    )
    assert again.replayed and snapshot() == before
    assert services.vouchers_expire_due(actor=None, today=dt.date(2027, 1, 3))["expired"] == 0
    with pytest.raises(errors.VoucherExpired):
        redeem(world, 1, "pay-expire-2")
    audit_is_clean()


def test_settlement_per_institution_and_month(world):
    place = world["place"].pk
    first = redeem(world, 90_000, "pay-settle-1", application_id=1, now=NOW)
    redeem(world, 60_000, "pay-settle-2", application_id=2, now=NOW)
    with pytest.raises(errors.SettlementRefused):  # April is not over
        services.settlement_run(
            actor=world["admin"], institution_id=place, month="2026-04", now=NOW
        )
    paid = services.settlement_run(
        actor=world["admin"], institution_id=place, month="2026-04", now=MAY
    )
    assert paid.amount_krw == 150_000
    # a refund in May after April's settlement: the institution owes it back
    services.voucher_refund(
        actor=world["admin"],
        redemption_id=first.transaction_id,
        progress=CourseProgress((6,), 0),
        idempotency_key="refund-settle-1",
        now=MAY,
    )
    redeem(world, 30_000, "pay-settle-3", application_id=3, now=MAY)
    may = services.settlement_run(
        actor=world["admin"], institution_id=place, month="2026-05", now=JUNE
    )
    assert may.amount_krw == 30_000  # earned in May; 30,000 of the 90,000 owed is recovered
    report = selectors.settlement_report(place, "2026-05")
    assert (report["redeemed_krw"], report["refunded_krw"], report["net_krw"]) == (
        30_000,
        90_000,
        -60_000,
    )
    assert report["settlement"]["paid_krw"] == 0 and report["settlement"]["recovered_krw"] == 30_000
    assert Account.objects.get(kind="recoverable", owner_id=place).balance == 60_000
    april = selectors.settlement_report(place, "2026-04")
    assert april["net_krw"] == 150_000 and april["settlement"]["paid_krw"] == 150_000
    before = snapshot()
    assert services.settlement_run(
        actor=world["admin"], institution_id=place, month="2026-04", now=JUNE
    ).replayed
    with pytest.raises(errors.SettlementRefused):  # out of order
        services.settlement_run(
            actor=world["admin"], institution_id=place, month="2026-03", now=JUNE
        )
    with pytest.raises(errors.Forbidden):
        services.settlement_run(
            actor=world["citizen"], institution_id=place, month="2026-04", now=JUNE
        )
    assert snapshot() == before
    assert [r["net_krw"] for r in selectors.settlement_institutions("2026-04")] == [150_000]
    audit_is_clean()


def test_project_budget_spend_and_costs(world):
    city = world["admin"]
    project = services.project_create(
        actor=city,
        name="평생학습도시 특성화 지원사업",
        funder="교육부",
        amount_krw=50_000_000,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        lines=[("학습비 지원", "vouchers", 30_000_000), ("강사비", "instructors", 15_000_000)],
    )
    lines = list(project.lines.order_by("id"))
    funded = programme(
        city,
        world["place"],
        code="city-2026",
        kind="city",
        amount=100_000,
        budget_line_id=lines[0].pk,
    )
    paid = []
    for n in range(2):
        learner, actor = person()
        voucher_id = issued(city, funded, learner)
        services.voucher_redeem_for_application(
            actor=actor,
            application_id=7001 + n,
            learner_id=learner.pk,
            institution_id=world["place"].pk,
            course_id=world["course"].pk,
            fee_krw=90_000,
            voucher_id=voucher_id,
            amount=70_000,
            idempotency_key=f"project-pay-{voucher_id}",
            now=NOW,
        )
        paid.append(learner)
    budget = selectors.project_budget(project.pk)
    assert budget["completed_hours"] is None and budget["cost_per_completed_hour_krw"] is None
    services.project_expense_record(
        actor=city, line_id=lines[1].pk, amount_krw=1_200_000, spent_on=dt.date(2026, 4, 1)
    )
    # the learning record: the first course completed with 180 attended hours, the second
    # with 120 (hours from the record, not typed in)
    for n, (learner, minutes) in enumerate(zip(paid, (180 * 60, 120 * 60), strict=True)):
        RecordEntry.objects.create(
            learner=learner,
            completion_event_id=9001 + n,
            application_id=7001 + n,
            offer_id=1,
            programme_id=world["course"].pk,
            institution_id=world["place"].pk,
            title="스마트폰 활용",
            institution_name="강남구평생학습관",
            completed_at=NOW,
            year=2026,
            sessions_attended=10,
            sessions_counted=10,
            attendance_percent=100.0,
            scheduled_minutes=minutes,
            attended_minutes=minutes,
        )
    budget = selectors.project_budget(project.pk)
    assert budget["completed_hours"] == 300.0 and budget["completed_courses_paid"] == 2
    assert [(line["spent_krw"], line["remaining_krw"]) for line in budget["lines"]] == [
        (140_000, 29_860_000),
        (1_200_000, 13_800_000),
    ]
    assert budget["spent_krw"] == 1_340_000 and budget["learners"] == 2
    assert budget["cost_per_learner_krw"] == 670_000
    assert budget["cost_per_completed_hour_krw"] == 4_467  # 1,340,000 / 300, rounded
    with pytest.raises(errors.InvalidAmount):
        services.project_create(
            actor=city,
            name="x",
            amount_krw=10,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 2, 1),
            lines=[("a", "vouchers", 11)],
        )
    officer = staff(StaffRole.Role.DISTRICT_OFFICER, district_code="1168000000")
    with pytest.raises(errors.Forbidden):
        services.project_create(
            actor=officer,
            name="x",
            amount_krw=10,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 2, 1),
            lines=[],
        )
    district = project_of(officer, "강남구 평생학습 사업", 27_000_000, district_code="1168000000")
    assert selectors.project_budget(district.pk)["remaining_krw"] == 27_000_000


# ------------------------------------------------------------------ concurrency


@pytest.mark.race
def test_fifty_parallel_redemptions_against_a_voucher_that_covers_ten(committed):
    city = admin()
    place = institution()
    made = programme(city, place, amount=100_000)
    learner, citizen = person()
    voucher_id = issued(city, made, learner)

    def pay(index: int) -> services.Outcome:
        return services.voucher_redeem(
            actor=citizen,
            voucher_id=voucher_id,
            institution_id=place.pk,
            amount=10_000,
            idempotency_key=f"rush-{index:05d}",
            now=NOW,
            acting_for_learner_id=learner.pk,
        )

    results = in_threads(50, pay)
    succeeded = [r for r in results if isinstance(r, services.Outcome)]
    refused = [r for r in results if isinstance(r, errors.InsufficientBalance)]
    assert len(succeeded) == 10, [r for r in results if not isinstance(r, services.Outcome)][:3]
    assert len(refused) == 40
    assert sorted(r.balance_krw for r in succeeded) == list(range(0, 100_000, 10_000))
    assert selectors.voucher_balances([voucher_id]) == {voucher_id: 0}
    assert LedgerTransaction.objects.filter(kind="redeem").count() == 10
    audit_is_clean()
    # the same 50 requests again (retries): nothing changes
    again = in_threads(50, pay)
    assert sum(isinstance(r, services.Outcome) and r.replayed for r in again) == 10
    assert LedgerTransaction.objects.filter(kind="redeem").count() == 10


def test_the_database_refuses_a_negative_balance(world):
    from django.db import IntegrityError, transaction

    account = Account.objects.get(kind="voucher", owner_id=world["voucher"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(balance=-1)
    entry = LedgerTransaction.objects.first()
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
