"""Issue 19, finding 1: money leaves a voucher only for the holder's application at the
institution, for at most what it owes, or by the holder's own signed-in request; the holder
is told of every payment; settlement flags the payments without an application.

The attack as reproduced: `POST /api/v1/vouchers/{id}/payments` with a staff token and
`{"institution_id": …, "amount_krw": 100000, "item": "tuition"}` emptied a stranger's voucher
(ids are sequential)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from learncity.enrollment import services as enrolment
from learncity.learners.models import StaffRole
from learncity.notifications.models import OutboxMessage
from learncity.vouchers import errors, selectors, services
from tests.clients import api_call, signed_in, token_of

from .factories import NOW, admin, course, institution, issued, person, programme, staff
from .test_enrolment_payments import _offer
from .test_services import audit_is_clean, snapshot

# the API pays at the real time: a period that covers it
FOREVER = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2099, 12, 31)}


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    """A holder with a 350,000-won voucher and a confirmed place (90,000 won owed) at the
    registered institution `place`; `rival`, another institution registered for the same
    programme, with its own staff."""
    office = admin()
    place = institution("강남구평생학습관")
    rival = institution("서초구 어느 학원")
    lesson = course(place, fee=90_000)
    made = programme(office, place, rival, **FOREVER)
    learner, holder = person(1980)
    voucher = issued(office, made, learner)
    offer = _offer(office, lesson)
    applied = enrolment.apply(
        actor=holder,
        offer_id=offer.pk,
        learner_id=learner.pk,
        idempotency_key="consent-apply-1",
        now=NOW,
    )
    assert applied.status == "confirmed"
    return {
        "office": office,
        "place": place,
        "rival": rival,
        "lesson": lesson,
        "learner": learner,
        "holder": holder,
        "voucher": voucher,
        "application": applied.application_id,
        "staff": staff(StaffRole.Role.INSTITUTION_STAFF, institution=place),
        "rival_staff": staff(StaffRole.Role.INSTITUTION_STAFF, institution=rival),
    }


def unchanged() -> tuple[Any, ...]:
    """Balances, ledger rows and postings (tests/vouchers/test_services.py) and the outbox."""
    return (*snapshot(), sorted(OutboxMessage.objects.values_list("pk", "kind", "recipient")))


def pay(who: Any, voucher: int, body: dict[str, Any]) -> Any:
    return api_call(token_of(who), "post", f"/api/v1/vouchers/{voucher}/payments", body)


def told(city: dict[str, Any]) -> list[str]:
    """The bodies of the payment messages to the holder."""
    return list(
        OutboxMessage.objects.filter(kind="voucher_paid", recipient=city["learner"].phone)
        .order_by("id")
        .values_list("body", flat=True)
    )


ATTACK = {"amount_krw": 100_000, "item": "tuition", "idempotency_key": "attack-000001"}


def test_the_attack_by_staff_of_another_institution_is_refused_and_changes_nothing(city):
    before = unchanged()
    # to the rival's own till (registered for the programme): no application of the holder
    answer = pay(
        city["rival_staff"], city["voucher"], {**ATTACK, "institution_id": city["rival"].pk}
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "application_required" and answer.json()["message"]
    # in the holder's institution's name: not the rival's to take
    answer = pay(
        city["rival_staff"], city["voucher"], {**ATTACK, "institution_id": city["place"].pk}
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    # naming the holder's application at the other institution
    answer = pay(
        city["rival_staff"],
        city["voucher"],
        {**ATTACK, "institution_id": city["rival"].pk, "application_id": city["application"]},
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request")
    assert unchanged() == before
    assert selectors.voucher_balances([city["voucher"]]) == {city["voucher"]: 350_000}
    assert told(city) == []


def test_the_attack_by_staff_of_the_right_institution_without_an_application(city):
    before = unchanged()
    for who in (city["staff"], city["office"]):  # the desk, and a city administrator
        answer = pay(who, city["voucher"], {**ATTACK, "institution_id": city["place"].pk})
        assert answer.status_code == 422, answer.content
        assert answer.json()["code"] == "application_required"
    # the service refuses it too, whatever the caller says on whose behalf it acts
    with pytest.raises(errors.ApplicationRequired):
        services.voucher_redeem(
            actor=city["staff"],
            voucher_id=city["voucher"],
            institution_id=city["place"].pk,
            amount=100_000,
            idempotency_key="attack-000002",
            now=NOW,
            acting_for_learner_id=city["learner"].pk,
        )
    # another person's application at the right institution does not open this voucher
    other, other_actor = person(1985)
    theirs = enrolment.apply(
        actor=other_actor,
        offer_id=_offer(city["office"], city["lesson"]).pk,
        learner_id=other.pk,
        idempotency_key="consent-apply-2",
        now=NOW,
    )
    before = unchanged()
    answer = pay(
        city["staff"],
        city["voucher"],
        {**ATTACK, "institution_id": city["place"].pk, "application_id": theirs.application_id},
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert unchanged() == before
    assert selectors.voucher_balances([city["voucher"]]) == {city["voucher"]: 350_000}


def test_the_desk_pays_the_holders_application_for_at_most_what_is_owed(city):
    body = {"institution_id": city["place"].pk, "application_id": city["application"]}
    before = unchanged()
    answer = pay(city["staff"], city["voucher"], {**body, **ATTACK})  # 100,000 > 90,000 owed
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_amount")
    assert unchanged() == before
    key = {"amount_krw": 90_000, "idempotency_key": "desk-pay-0001"}
    answer = pay(city["staff"], city["voucher"], {**body, **key})
    assert answer.status_code == 201, answer.content
    assert answer.json()["amount_krw"] == 90_000 and answer.json()["balance_krw"] == 260_000
    bodies = told(city)
    assert len(bodies) == 1
    assert "90,000원" in bodies[0] and "강남구평생학습관" in bodies[0] and "260,000원" in bodies[0]
    # nothing is owed any more: a second payment of the same application is refused
    before = unchanged()
    answer = pay(
        city["staff"], city["voucher"], {**body, "amount_krw": 1, "idempotency_key": "desk-pay-2"}
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_amount")
    assert unchanged() == before
    audit_is_clean()


def test_a_retry_with_the_same_key_pays_once_and_tells_once(city):
    body = {
        "institution_id": city["place"].pk,
        "application_id": city["application"],
        "amount_krw": 40_000,
        "idempotency_key": "desk-retry-01",
    }
    first = pay(city["staff"], city["voucher"], body)
    assert first.status_code == 201, first.content
    again = pay(city["staff"], city["voucher"], body)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["transaction_id"] == first.json()["transaction_id"]
    assert selectors.voucher_balances([city["voucher"]]) == {city["voucher"]: 310_000}
    assert len(told(city)) == 1
    # the holder's own payments: each told once, a retry not again
    own = {
        "institution_id": city["place"].pk,
        "amount_krw": 15_000,
        "item": "textbook",
        "course_id": city["lesson"].pk,
        "idempotency_key": "own-book-0001",
    }
    assert pay(city["holder"], city["voucher"], own).status_code == 201
    assert pay(city["holder"], city["voucher"], own).json()["replayed"] is True
    assert len(told(city)) == 2
    assert OutboxMessage.objects.filter(kind="voucher_paid").count() == 2


def test_every_payment_tells_the_holder_in_the_same_transaction(city):
    """Paid at apply (enrolment), afterwards by the holder, by the desk: one message each; a
    refused payment queues nothing."""
    lesson = course(city["place"], fee=30_000)
    done = enrolment.apply(
        actor=city["holder"],
        offer_id=_offer(city["office"], lesson, fee_krw=30_000).pk,
        learner_id=city["learner"].pk,
        idempotency_key="consent-apply-3",
        now=NOW,
        voucher_id=city["voucher"],
        voucher_krw=30_000,
    )
    assert done.status == "confirmed"
    assert len(told(city)) == 1 and "30,000원" in told(city)[0]
    before = unchanged()
    with pytest.raises(errors.InsufficientBalance):
        services.voucher_redeem(
            actor=city["holder"],
            voucher_id=city["voucher"],
            institution_id=city["place"].pk,
            amount=320_001,
            idempotency_key="own-too-much-1",
            course_id=city["lesson"].pk,
            now=NOW,
        )
    assert unchanged() == before


def test_settlement_flags_a_payment_without_an_application(city):
    desk = services.voucher_redeem_for_application(
        actor=city["staff"],
        application_id=city["application"],
        learner_id=city["learner"].pk,
        institution_id=city["place"].pk,
        course_id=city["lesson"].pk,
        fee_krw=90_000,
        voucher_id=city["voucher"],
        amount=90_000,
        idempotency_key="settle-desk-01",
        now=NOW,
    )
    own = services.voucher_redeem(
        actor=city["holder"],
        voucher_id=city["voucher"],
        institution_id=city["place"].pk,
        amount=20_000,
        idempotency_key="settle-own-001",
        course_id=course(city["place"], fee=20_000).pk,
        now=NOW,
    )
    report = selectors.settlement_report(city["place"].pk, "2026-04")
    flags = {row["transaction_id"]: row["without_application"] for row in report["rows"]}
    assert flags == {desk.transaction_id: False, own.transaction_id: True}
    assert (report["without_application_count"], report["without_application_krw"]) == (1, 20_000)
    url = f"/staff/vouchers/settlement?institution={city['place'].pk}&month=2026-04"
    page = signed_in(city["office"]).get(url).content.decode()
    assert page.count('data-testid="without-application-row"') == 1
    assert "20,000" in page.split('data-testid="without-application"')[1][:200]
    sheet = openpyxl.load_workbook(
        io.BytesIO(signed_in(city["office"]).get(url + "&format=xlsx").content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][8] == "신청 없음 no application"
    marked = {row[0]: row[8] for row in rows[2:] if isinstance(row[0], int) and row[2]}
    assert marked == {desk.transaction_id: None, own.transaction_id: "확인 check"}
    csv = signed_in(city["office"]).get(url + "&format=csv").content.decode("utf-8-sig")
    assert f"{own.transaction_id}," in csv and "확인 check" in csv
    assert ["신청 없는 결제 without application", 20_000] in [list(r[:2]) for r in rows]
    api = api_call(
        token_of(city["office"]), "get", f"/api/v1/voucher-settlements/{city['place'].pk}/2026-04"
    ).json()
    assert [r["without_application"] for r in api["rows"]] == [False, True]
    assert api["without_application_krw"] == 20_000
