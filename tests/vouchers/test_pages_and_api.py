"""The voucher pages and API endpoints: who sees what (the holder, institution staff, the
district, a city administrator, strangers), and the refusals as JSON with their status."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from learncity.learners.models import StaffRole
from learncity.portal.vouchers import _cell
from learncity.vouchers import services
from learncity.vouchers.models import LedgerTransaction
from tests.clients import signed_in as client_of

from .factories import NOW, admin, course, institution, issued, person, programme, staff
from .factories import project as project_of

JUNE = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)


@pytest.fixture
def world(db):
    city = admin()
    place = institution("강남구평생학습관")
    lesson = course(place)
    made = programme(city, place)
    learner, citizen = person()
    voucher_id = issued(city, made, learner)
    paid = services.voucher_redeem(
        actor=citizen,
        voucher_id=voucher_id,
        institution_id=place.pk,
        amount=90_000,
        idempotency_key="page-pay-0001",
        course_id=lesson.pk,
        now=NOW,
        acting_for_learner_id=learner.pk,
    )
    project = project_of(city, "구 평생학습 사업", 30_000_000, district_code="1168000000")
    return {
        "admin": city,
        "place": place,
        "lesson": lesson,
        "learner": learner,
        "citizen": citizen,
        "voucher": voucher_id,
        "paid": paid,
        "project": project,
    }


def test_my_vouchers_page_shows_balance_and_history(world):
    page = client_of(world["citizen"]).get("/me/vouchers")
    assert page.status_code == 200
    text = page.content.decode()
    assert "260,000" in text and "강남구평생학습관" in text and "내 평생교육이용권" in text
    english = client_of(world["citizen"]).get("/me/vouchers?lang=en")
    assert "My learning vouchers" in english.content.decode()
    _, stranger = person()
    assert "260,000" not in client_of(stranger).get("/me/vouchers").content.decode()
    anonymous = Client().get("/me/vouchers")
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]


def test_settlement_page_by_role(world):
    place = world["place"].pk
    url = f"/staff/vouchers/settlement?institution={place}&month=2026-04"
    readers = [
        world["admin"],
        staff(StaffRole.Role.INSTITUTION_STAFF, institution=world["place"]),
        staff(StaffRole.Role.AUDITOR),
    ]
    for actor in readers:
        page = client_of(actor).get(url)
        assert page.status_code == 200, actor
        assert "90,000" in page.content.decode()
    others = [
        world["citizen"],
        staff(StaffRole.Role.INSTITUTION_STAFF, institution=institution()),
        staff(StaffRole.Role.DISTRICT_OFFICER, district_code="1111000000"),
    ]
    for actor in others:
        assert client_of(actor).get(url).status_code == 403
    assert (
        client_of(world["admin"])
        .get("/staff/vouchers/settlement?institution=999999&month=2026-04")
        .status_code
        == 404
    )
    assert (
        client_of(world["admin"])
        .get(f"/staff/vouchers/settlement?institution={place}&month=2026-13")
        .status_code
        == 422
    )
    csv = client_of(world["admin"]).get(url + "&format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert "강남구평생학습관" in body and ",90000" in body
    xlsx = client_of(world["admin"]).get(url + "&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("기관 institution", "강남구평생학습관")
    assert rows[1][-1] == "금액 amount (KRW)"
    amounts = [row[9] for row in rows[2:] if isinstance(row[0], int)]
    assert 90_000 in amounts and all(isinstance(a, int) for a in amounts)  # numbers, not text
    assert isinstance(rows[2][1], dt.datetime)
    for hostile in ("=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "\t=1+1", "-2+3"):
        assert _cell(hostile) == "'" + hostile  # never a formula in a spreadsheet
    assert csv["Content-Type"] != xlsx["Content-Type"]
    overview = client_of(world["admin"]).get("/staff/vouchers/settlement?month=2026-04")
    assert overview.status_code == 200 and "강남구평생학습관" in overview.content.decode()
    assert (
        client_of(world["citizen"]).get("/staff/vouchers/settlement?month=2026-04").status_code
        == 403
    )


def test_project_page_by_role(world):
    url = f"/staff/projects/{world['project'].pk}"
    assert client_of(world["admin"]).get(url).status_code == 200
    officer = staff(StaffRole.Role.DISTRICT_OFFICER, district_code="1168000000")
    page = client_of(officer).get(url)
    assert page.status_code == 200 and "30,000,000" in page.content.decode()
    elsewhere = staff(StaffRole.Role.DISTRICT_OFFICER, district_code="1111000000")
    assert client_of(elsewhere).get(url).status_code == 403
    assert client_of(world["citizen"]).get(url).status_code == 403
    assert client_of(world["admin"]).get("/staff/projects/999999").status_code == 404


def test_api_vouchers_history_and_payments(world):
    client = client_of(world["citizen"])
    mine = client.get("/api/v1/vouchers")
    assert mine.status_code == 200
    assert [(v["id"], v["balance_krw"]) for v in mine.json()] == [(world["voucher"], 260_000)]
    history = client.get(f"/api/v1/vouchers/{world['voucher']}/history")
    assert [h["change_krw"] for h in history.json()] == [350_000, -90_000]
    _, stranger = person()
    assert (
        client_of(stranger).get(f"/api/v1/vouchers/{world['voucher']}/history").status_code == 403
    )
    assert client.get("/api/v1/vouchers/999999/history").status_code == 404
    assert Client().get("/api/v1/vouchers").status_code == 401

    payment = {
        "institution_id": world["place"].pk,
        "amount_krw": 15_000,
        "item": "textbook",
        "course_id": world["lesson"].pk,
        "idempotency_key": "api-pay-000001",
    }
    url = f"/api/v1/vouchers/{world['voucher']}/payments"
    first = client.post(url, payment, content_type="application/json")
    assert first.status_code == 201 and first.json()["balance_krw"] == 245_000
    again = client.post(url, payment, content_type="application/json")
    assert again.status_code == 200 and again.json()["replayed"] is True
    count = LedgerTransaction.objects.count()
    for change, code, status in [
        ({"amount_krw": 300_000, "idempotency_key": "api-pay-000002"}, "insufficient_balance", 409),
        ({"item": "lunch", "idempotency_key": "api-pay-000003"}, "not_tuition", 422),
        (
            {
                "institution_id": institution().pk,
                "course_id": None,
                "idempotency_key": "api-pay-000004",
            },
            "institution_not_registered",
            422,
        ),
        ({"amount_krw": 1}, "idempotency_conflict", 409),
    ]:
        refused = client.post(url, {**payment, **change}, content_type="application/json")
        assert refused.status_code == status, refused.content
        assert refused.json()["code"] == code and refused.json()["message"]
    assert (
        client_of(stranger)
        .post(
            url, {**payment, "idempotency_key": "api-pay-000005"}, content_type="application/json"
        )
        .status_code
        == 403
    )
    assert LedgerTransaction.objects.count() == count


def test_api_refund_settlement_and_budget(world):
    refund = {"units_by_month": [6], "units_elapsed": 0, "idempotency_key": "api-refund-0001"}
    url = f"/api/v1/voucher-payments/{world['paid'].transaction_id}/refund"
    assert (
        client_of(world["citizen"]).post(url, refund, content_type="application/json").status_code
        == 403
    )
    done = client_of(world["admin"]).post(url, refund, content_type="application/json")
    assert done.status_code == 201 and done.json()["amount_krw"] == 90_000
    twice = client_of(world["admin"]).post(
        url, {**refund, "idempotency_key": "api-refund-0002"}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "already_refunded"
    bad = client_of(world["admin"]).post(
        url,
        {**refund, "units_elapsed": 9, "idempotency_key": "api-refund-0003"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    report = client_of(world["admin"]).get(
        f"/api/v1/voucher-settlements/{world['place'].pk}/2026-04"
    )
    assert report.status_code == 200 and report.json()["redeemed_krw"] == 90_000
    assert (
        client_of(world["citizen"])
        .get(f"/api/v1/voucher-settlements/{world['place'].pk}/2026-04")
        .status_code
        == 403
    )
    budget = client_of(world["admin"]).get(f"/api/v1/funded-projects/{world['project'].pk}/budget")
    assert budget.status_code == 200 and budget.json()["budget_krw"] == 30_000_000
    assert (
        client_of(world["citizen"])
        .get(f"/api/v1/funded-projects/{world['project'].pk}/budget")
        .status_code
        == 403
    )
