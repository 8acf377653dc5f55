"""The learner's pages: record, transcript (PDF and JSON), personal-data export, closing the
account; who may see whose record."""

from __future__ import annotations

import io
import json

import pypdf
import pytest
from django.contrib.auth.models import User
from django.db.models import Count
from django.test import Client

from learncity.attendance.models import CheckinToken, CompletionEvent
from learncity.enrollment.models import Application
from learncity.learners.models import Learner
from learncity.notifications.models import OutboxMessage
from learncity.records import credentials, services
from learncity.records.models import Credential, RecordEntry
from tests.clients import signed_in as client_of
from tests.learners.factories import PASSWORD
from tests.records.factories import completed


@pytest.fixture
def two(city):
    mine = completed(city, name="박영희")
    theirs = completed(city, name="최철수", title="수채화", category="culture_arts")
    services.records_sync()
    return mine, theirs


def test_my_record_page_totals_and_timeline(two):
    (_learner, actor, _), _ = two
    page = client_of(actor).get("/me/record")
    assert page.status_code == 200
    html = page.content.decode()
    assert "한글 교실" in html and "수채화" not in html
    assert '<dd data-testid="hours">8.0시간</dd>' in html
    assert '<th scope="col">' in html and "<caption>" in html


def test_who_may_read_whose_record(two, city):
    (_learner, actor, _), (other, _other_actor, _) = two
    mine = client_of(actor)
    assert mine.get(f"/records/learners/{other.pk}").status_code == 403
    assert mine.get(f"/records/learners/{other.pk}/transcript.json").status_code == 403
    for reader in (city.admin, city.auditor):
        assert client_of(reader).get(f"/records/learners/{other.pk}").status_code == 200
    for refused in (city.instructor, city.institution_staff, city.outsider):
        assert client_of(refused).get(f"/records/learners/{other.pk}").status_code == 403
    assert client_of(city.admin).get("/me/record").status_code == 403  # no learner profile
    assert Client().get("/me/record").status_code == 302  # sign in first


def test_transcript_pdf_has_korean_text(two):
    (_, actor, _), _ = two
    response = client_of(actor).get("/me/record/transcript.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    for words in ("평생학습 이력서", "박영희", "한글 교실", "강남구평생학습관", "기초문해"):
        assert words in text
    assert "최철수" not in text


def test_transcript_pdf_in_english(two):
    (_, actor, _), _ = two
    client = client_of(actor)
    client.cookies["learncity_language"] = "en"
    response = client.get("/me/record/transcript.pdf")
    assert response.status_code == 200
    text = "".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.content)).pages
    )
    for words in ("Lifelong learning transcript", "Completed courses", "Year of birth"):
        assert words in text, words
    for words in ("박영희", "한글 교실", "강남구평생학습관"):  # the data stays as it is
        assert words in text, words
    for words in ("평생학습 이력서", "수료 강좌", "출생연도", "성명"):
        assert words not in text, words


def test_transcript_json(two):
    (_, actor, _), _ = two
    data = json.loads(client_of(actor).get("/me/record/transcript.json").content)
    assert data["learner"] == {"name": "박영희", "birth_year": 1958}
    assert data["totals"]["courses"] == 1 and data["totals"]["hours"] == 8.0
    assert [c["title"] for c in data["courses"]] == ["한글 교실"]
    assert data["courses"][0]["attended_hours"] == 8.0


def test_personal_data_export_holds_mine_and_nobody_elses(two):
    (learner, actor, _), (other, _, _) = two
    response = client_of(actor).get("/me/data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["profile"]["name"] == "박영희" and data["profile"]["phone"] == learner.phone
    assert data["consents"][0]["purpose"] == "service"
    assert len(data["applications"]) == 1 and len(data["attendance"]) == 5
    assert len(data["completions"]) == 1 and len(data["records"]) == 1
    assert len(data["credentials"]) == 1 and data["credentials"][0]["jwt"]
    text = response.content.decode()
    assert other.name not in text and other.phone not in text and "수채화" not in text
    other_ids = set(Application.objects.filter(learner=other).values_list("id", flat=True))
    assert not other_ids & {a["id"] for a in data["applications"]}


def _aggregates():
    return (
        list(
            Application.objects.values("programme_id", "status")
            .annotate(n=Count("id"))
            .order_by("programme_id", "status")
        ),
        list(
            CompletionEvent.objects.values("offer_id").annotate(n=Count("id")).order_by("offer_id")
        ),
        list(RecordEntry.objects.values("programme_id", "attended_minutes").order_by("id")),
        list(Learner.objects.values("birth_year", "district_code").order_by("id")),
    )


def test_closing_the_account_keeps_aggregates_and_erases_the_person(two):
    (learner, actor, _), (other, _, _) = two
    credential = Credential.objects.get(learner=learner)
    jwt = credential.jwt
    before = _aggregates()
    phone = learner.phone
    sent_to_me = OutboxMessage.objects.filter(recipient=phone).count()
    assert sent_to_me >= 1  # the confirmation (with its check-in link)
    assert CheckinToken.objects.filter(
        application__learner=learner, revoked_at__isnull=True
    ).exists()
    messages_before = OutboxMessage.objects.count()
    username = User.objects.get(pk=actor.user_id).username
    assert Client().login(username=username, password=PASSWORD)  # until it is closed
    client = client_of(actor)
    assert client.get("/me/account/delete").status_code == 200
    refused = client.post("/me/account/delete", {"confirmation": "아니오", "password": PASSWORD})
    assert refused.status_code == 422
    assert Learner.objects.get(pk=learner.pk).name == "박영희"
    done = client.post("/me/account/delete", {"confirmation": "탈퇴", "password": PASSWORD})
    assert done.status_code == 200 and "탈퇴가 완료" in done.content.decode()
    assert _aggregates() == before
    erased = Learner.objects.get(pk=learner.pk)
    assert (erased.name, erased.phone, erased.email, erased.identity_token) == (
        "탈퇴 회원",
        None,
        "",
        None,
    )
    user = User.objects.get(pk=actor.user_id)
    assert not user.is_active and not user.has_usable_password()
    assert user.username.startswith("erased-")
    assert credentials.credential_verify(jwt).reason == "revoked"
    assert Credential.objects.get(pk=credential.pk).jwt == ""
    assert client.get("/me/record").status_code == 302  # signed out
    # no contact and no text of theirs stays in the outbox (the count does), no code works
    assert OutboxMessage.objects.count() == messages_before
    assert not OutboxMessage.objects.filter(recipient=phone).exists()
    assert not OutboxMessage.objects.filter(body__contains="/checkin/", recipient="erased").exists()
    assert (
        not OutboxMessage.objects.filter(recipient="erased")
        .exclude(status="sent")
        .exclude(status="failed")
        .exists()
    )
    assert not CheckinToken.objects.filter(
        application__learner=learner, revoked_at__isnull=True
    ).exists()
    assert not Client().login(username=username, password=PASSWORD)
    # the other person is untouched
    assert Learner.objects.get(pk=other.pk).name == "최철수"
    assert credentials.credential_verify(Credential.objects.get(learner=other).jwt).valid
