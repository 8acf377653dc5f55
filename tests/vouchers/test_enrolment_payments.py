"""Vouchers wired into enrolment (issue 7): a fee paid with a voucher at apply, at accept and
at the draw, or afterwards; refunds by the Lifelong Education Act's schedule when a place is
cancelled; every refusal changes nothing (no place taken, no money moved)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.algorithms.ledger import CourseProgress, refund_due
from learncity.catalog.models import Schedule, Session
from learncity.enrollment import payments
from learncity.enrollment import services as enrolment
from learncity.enrollment.models import Application, AuditEvent, Offer
from learncity.learners.services import api_token_create
from learncity.notifications.models import OutboxMessage
from learncity.vouchers import errors, selectors, services

from .factories import NOW, course, issued, person
from .test_services import audit_is_clean, snapshot

OPEN = NOW - dt.timedelta(days=1)
CLOSE = NOW + dt.timedelta(days=7)


def _offer(actor: Any, lesson: Any, **kwargs: Any) -> Offer:
    schedule = Schedule.objects.create(
        programme=lesson,
        start_date=dt.date(2026, 5, 4),
        end_date=dt.date(2026, 6, 22),
        weekdays=[1],
    )
    settings: dict[str, Any] = {
        "capacity": 1,
        "opens_at": OPEN,
        "closes_at": CLOSE,
        "fee_krw": 90_000,
    }
    settings.update(kwargs)
    return enrolment.offer_create(actor=actor, schedule_id=schedule.pk, **settings)


@pytest.fixture
def world(holder: dict[str, Any]) -> dict[str, Any]:
    """The vouchers' holder (tests/vouchers/conftest.py) and an offer of its course."""
    return {**holder, "offer": _offer(holder["admin"], holder["course"])}


def _apply(world: dict[str, Any], key: str = "apply-voucher-1", **kw: Any) -> Any:
    settings: dict[str, Any] = {
        "actor": world["citizen"],
        "offer_id": world["offer"].pk,
        "learner_id": world["learner"].pk,
        "idempotency_key": key,
        "now": NOW,
        "voucher_id": world["voucher"],
        "voucher_krw": 50_000,
    }
    settings.update(kw)
    return enrolment.apply(**settings)


def _someone_takes_the_place(world: dict[str, Any], key: str) -> tuple[Any, Any]:
    """Another person takes the offer's only place (the world's learner will wait)."""
    first, first_actor = person(1981)
    taken = enrolment.apply(
        actor=first_actor,
        offer_id=world["offer"].pk,
        learner_id=first.pk,
        idempotency_key=key,
        now=NOW,
    )
    return taken, first_actor


def _spend(world: dict[str, Any], amount: int, key: str) -> None:
    """The learner spends `amount` of the voucher on another course of the institution."""
    services.voucher_redeem(
        actor=world["citizen"],
        voucher_id=world["voucher"],
        institution_id=world["place"].pk,
        amount=amount,
        idempotency_key=key,
        course_id=course(world["place"], fee=amount).pk,
        now=NOW,
        acting_for_learner_id=world["learner"].pk,
    )


def _balance(voucher_id: int) -> int:
    return selectors.voucher_balances([voucher_id])[voucher_id]


def test_a_place_confirmed_at_apply_is_paid_once_and_a_retry_pays_nothing(world):
    done = _apply(world)
    assert done.status == "confirmed"
    assert _balance(world["voucher"]) == 300_000
    assert payments.paid_krw(done.application_id) == 50_000
    again = _apply(world)
    assert again.replayed and again.application_id == done.application_id
    assert _balance(world["voucher"]) == 300_000
    assert [r["amount_krw"] for r in selectors.redemptions_of_application(done.application_id)] == [
        50_000
    ]
    audit_is_clean()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"voucher_krw": 90_001}, "invalid_amount"),  # more than the fee
        ({"voucher_krw": 0}, "invalid_amount"),
        ({"voucher_krw": -5}, "invalid_amount"),
        ({"voucher_id": 987_654}, "not_found"),
        ("someone_else", "forbidden"),
        ("unregistered", "institution_not_registered"),
        ("free", "invalid_amount"),
        ("waived", "invalid_amount"),
        ("expired", "voucher_expired"),
        ("short", "insufficient_balance"),
    ],
)
def test_a_voucher_that_cannot_pay_refuses_the_application_and_changes_nothing(world, change, code):
    kw: dict[str, Any] = change if isinstance(change, dict) else {}
    if change == "someone_else":
        other, other_actor = person(1975)
        kw = {"actor": other_actor, "learner_id": other.pk}
    elif change == "unregistered":
        kw = {"offer_id": _offer(world["admin"], course(world["other"])).pk}
    elif change == "free":
        kw = {"offer_id": _offer(world["admin"], world["course"], fee_krw=0).pk}
    elif change == "waived":
        senior, senior_actor = person(1950)
        voucher = issued(world["admin"], world["programme"], senior)
        waived = _offer(world["admin"], world["course"], fee_waiver_groups=["senior"])
        kw = {
            "actor": senior_actor,
            "learner_id": senior.pk,
            "voucher_id": voucher,
            "offer_id": waived.pk,
        }
    elif change == "expired":
        kw = {"now": dt.datetime(2027, 1, 2, 10, 0, tzinfo=dt.UTC)}
        Offer.objects.filter(pk=world["offer"].pk).update(
            closes_at=dt.datetime(2027, 2, 1, tzinfo=dt.UTC)
        )
    elif change == "short":
        kw = {"voucher_krw": 90_000}
        _spend(world, 300_000, "spent-elsewhere")
    before = snapshot()
    seats = list(Offer.objects.order_by("pk").values_list("general_taken", flat=True))
    with pytest.raises(Exception) as raised:
        _apply(world, **kw)
    assert getattr(raised.value, "code", None) == code, raised.value
    assert snapshot() == before
    assert Application.objects.count() == 0
    assert list(Offer.objects.order_by("pk").values_list("general_taken", flat=True)) == seats
    audit_is_clean()


def test_a_waitlisted_choice_is_paid_at_accept(world):
    taken, first_actor = _someone_takes_the_place(world, "apply-first-1")
    waiting = _apply(world)
    assert waiting.status == "waitlisted"
    assert _balance(world["voucher"]) == 350_000  # nothing paid while waiting
    out = enrolment.cancel(actor=first_actor, application_id=taken.application_id, now=NOW)
    assert out["promoted"] == waiting.application_id and out["refunds"] == []
    assert _balance(world["voucher"]) == 350_000  # an offered place is not paid yet
    enrolment.accept(actor=world["citizen"], application_id=waiting.application_id, now=NOW)
    assert _balance(world["voucher"]) == 300_000
    assert payments.paid_krw(waiting.application_id) == 50_000
    audit_is_clean()


def test_a_choice_that_cannot_pay_at_accept_keeps_the_place_and_says_so(world):
    taken, first_actor = _someone_takes_the_place(world, "apply-first-2")
    waiting = _apply(world, voucher_krw=90_000)
    _spend(world, 300_000, "spent-while-waiting")  # on another course while waiting
    enrolment.cancel(actor=first_actor, application_id=taken.application_id, now=NOW)
    assert (
        enrolment.accept(actor=world["citizen"], application_id=waiting.application_id, now=NOW)
        == "confirmed"
    )
    assert Application.objects.get(pk=waiting.application_id).status == "confirmed"
    assert payments.paid_krw(waiting.application_id) == 0
    assert _balance(world["voucher"]) == 50_000
    event = AuditEvent.objects.get(action="voucher_payment_failed")
    assert event.data["reason"] == "insufficient_balance"
    assert OutboxMessage.objects.filter(kind="voucher_failed").count() == 1
    audit_is_clean()


def test_the_draw_pays_the_winners_choice(world):
    lottery = _offer(
        world["admin"],
        world["course"],
        method=Offer.Method.LOTTERY,
        capacity=5,
        closes_at=NOW + dt.timedelta(hours=1),
    )
    done = _apply(world, offer_id=lottery.pk)
    assert done.status == "pending" and _balance(world["voucher"]) == 350_000
    enrolment.lottery_draw(
        actor=world["admin"], offer_id=lottery.pk, now=NOW + dt.timedelta(hours=2)
    )
    assert Application.objects.get(pk=done.application_id).status == "confirmed"
    assert payments.paid_krw(done.application_id) == 50_000
    audit_is_clean()


def _sessions(offer: Offer, days: list[dt.date]) -> None:
    for day in days:
        start = dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)
        Session.objects.create(
            schedule_id=offer.schedule_id, date=day, starts_at=start, ends_at=start
        )


def test_cancel_refunds_by_the_act_before_and_after_the_start(world):
    done = _apply(world, voucher_krw=90_000)
    out = enrolment.cancel(actor=world["citizen"], application_id=done.application_id, now=NOW)
    assert [r["amount_krw"] for r in out["refunds"]] == [90_000]  # before the start: all
    assert _balance(world["voucher"]) == 350_000

    # a two-month course, four sessions a month; cancelled after the first session
    second = _offer(world["admin"], world["course"])
    may = [dt.date(2026, 5, d) for d in (4, 11, 18, 25)]
    june = [dt.date(2026, 6, d) for d in (1, 8, 15, 22)]
    _sessions(second, may + june)
    paid = _apply(world, key="apply-voucher-2", offer_id=second.pk, voucher_krw=80_000)
    later = dt.datetime(2026, 5, 5, 10, 0, tzinfo=dt.UTC)
    progress = payments.course_progress(second.schedule_id, later)
    assert progress == CourseProgress((4, 4), 1)
    out = enrolment.cancel(actor=world["citizen"], application_id=paid.application_id, now=later)
    # May's half (40,000) before 1/3 of its sessions: 2/3 back; June's half in full
    assert refund_due(80_000, progress) == 26_666 + 40_000
    assert [r["amount_krw"] for r in out["refunds"]] == [66_666]
    assert _balance(world["voucher"]) == 350_000 - 80_000 + 66_666
    audit_is_clean()


def test_paying_a_confirmed_place_afterwards(world):
    done = _apply(world, voucher_id=None, voucher_krw=0)
    assert done.status == "confirmed" and _balance(world["voucher"]) == 350_000
    paid = payments.voucher_pay(
        actor=world["citizen"],
        application_id=done.application_id,
        voucher_id=world["voucher"],
        amount=60_000,
        idempotency_key="pay-later-1",
        now=NOW,
    )
    assert paid.balance_krw == 290_000
    before = snapshot()
    with pytest.raises(errors.AlreadyRedeemed):  # the same voucher pays an application once
        payments.voucher_pay(
            actor=world["citizen"],
            application_id=done.application_id,
            voucher_id=world["voucher"],
            amount=10_000,
            idempotency_key="pay-later-2",
            now=NOW,
        )
    _stranger, stranger_actor = person(1990)
    with pytest.raises(enrolment.Forbidden):
        payments.voucher_pay(
            actor=stranger_actor,
            application_id=done.application_id,
            voucher_id=world["voucher"],
            amount=10_000,
            idempotency_key="pay-later-3",
            now=NOW,
        )
    with pytest.raises(errors.InvalidAmount):
        payments.voucher_pay(
            actor=world["citizen"],
            application_id=done.application_id,
            voucher_id=world["voucher"],
            amount=0,
            idempotency_key="pay-later-4",
            now=NOW,
        )
    assert snapshot() == before
    audit_is_clean()


def _course_not_over(world: Any) -> None:
    """The course runs until after today (by the real clock): an ended course takes no
    application (issue 18), and the pages and the API apply at the real time."""
    today = timezone.localdate()
    Schedule.objects.filter(pk=world["offer"].schedule_id, end_date__lt=today).update(
        start_date=today - dt.timedelta(days=7), end_date=today + dt.timedelta(days=42)
    )


def test_the_api_pays_at_apply_and_afterwards(world):
    token = api_token_create(user_id=world["citizen"].user_id, label="test")
    client = Client(headers={"authorization": f"Bearer {token}"})
    now = timezone.now()  # the API applies at the real time: an offer open now
    Offer.objects.filter(pk=world["offer"].pk).update(
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=7)
    )
    _course_not_over(world)

    def post(path: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json")

    answer = post(
        "/applications",
        {
            "offer_id": world["offer"].pk,
            "idempotency_key": "api-apply-1",
            "voucher_id": world["voucher"],
            "voucher_krw": 95_000,
        },
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_amount", answer.json()
    assert Application.objects.count() == 0
    answer = post(
        "/applications",
        {
            "offer_id": world["offer"].pk,
            "idempotency_key": "api-apply-2",
            "voucher_id": world["voucher"],
            "voucher_krw": 40_000,
        },
    )
    assert answer.status_code == 201, answer.content
    application_id = answer.json()["id"]
    assert _balance(world["voucher"]) == 310_000
    # a client may not say what the fee is: the payment goes through enrolment
    answer = post(
        f"/vouchers/{world['voucher']}/payments",
        {
            "institution_id": world["other"].pk,
            "amount_krw": 10_000,
            "application_id": application_id,
            "fee_krw": 10_000_000,
            "idempotency_key": "api-pay-1",
        },
    )
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_request"
    answer = post(
        f"/applications/{application_id}/voucher-payment",
        {"voucher_id": world["voucher"], "amount_krw": 60_000, "idempotency_key": "api-pay-2"},
    )  # 50,000 is still owed
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_amount"
    answer = post(
        f"/applications/{application_id}/voucher-payment",
        {"voucher_id": world["voucher"], "amount_krw": 10_000, "idempotency_key": "api-pay-3"},
    )  # one payment per voucher and application
    assert answer.status_code == 409 and answer.json()["code"] == "already_redeemed"
    answer = post(f"/applications/{application_id}/cancel", {})
    assert answer.status_code == 200
    assert [r["amount_krw"] for r in answer.json()["refunds"]] == [40_000]
    assert _balance(world["voucher"]) == 350_000
    audit_is_clean()


def test_the_expire_command_lapses_ended_periods_once(world):
    from typer.testing import CliRunner

    from learncity.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["vouchers", "expire", "--today", "2027-13-01"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    assert _balance(world["voucher"]) == 350_000
    early = runner.invoke(app, ["vouchers", "expire", "--today", "2026-12-31", "--json"])
    assert early.exit_code == 0 and json.loads(early.output)["expired"] == 0
    done = runner.invoke(app, ["vouchers", "expire", "--today", "2027-01-01", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"expired": 1, "lapsed_krw": 350_000, "refused": []}
    again = runner.invoke(app, ["vouchers", "expire", "--today", "2027-01-02", "--json"])
    assert json.loads(again.output)["expired"] == 0
    assert _balance(world["voucher"]) == 0
    audit_is_clean()


def test_the_programme_page_offers_the_voucher_and_applies_with_it(world):
    from django.urls import reverse

    client = Client()
    client.force_login(User.objects.get(pk=world["citizen"].user_id))
    now = timezone.now()
    Offer.objects.filter(pk=world["offer"].pk).update(
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=7)
    )
    _course_not_over(world)
    url = reverse("portal:programme", args=[world["course"].pk])
    page = client.get(url).content.decode()
    assert 'data-testid="voucher-choice"' in page and "350,000" in page
    apply_url = reverse("portal:apply", args=[world["course"].pk])
    refused = client.post(
        apply_url,
        {"idempotency_key": "page-apply-1", "voucher_id": world["voucher"], "voucher_krw": "5만"},
    )
    assert refused.status_code == 422 and "숫자" in refused.content.decode()
    refused = client.post(
        apply_url,
        {"idempotency_key": "page-apply-2", "voucher_id": world["voucher"], "voucher_krw": "95000"},
    )
    assert refused.status_code == 422 and Application.objects.count() == 0
    done = client.post(
        apply_url,
        {
            "idempotency_key": "page-apply-3",
            "voucher_id": world["voucher"],
            "voucher_krw": "90,000",
        },
    )
    assert done.status_code == 302
    assert _balance(world["voucher"]) == 260_000
    application = Application.objects.get()
    assert application.status == "confirmed" and payments.paid_krw(application.pk) == 90_000
