"""Issue 19, finding 2 (eligibility is self-declared) and finding 18's first half (a disability
only with its own consent): what a person declares is a claim that decides money and
priority only once staff have verified it, until its valid-until day; the staff page, its
scope and audit; the eligibility-check service's adapter against a real local HTTP server."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learncity.core.errors import ConfigurationError
from learncity.enrollment.models import Application
from learncity.enrollment.payments import fee_due
from learncity.enrollment.services import learner_tags
from learncity.learners import eligibility
from learncity.learners.eligibility_service import (
    EligibilityQuery,
    EligibilityServiceUnavailable,
    HttpEligibilityService,
)
from learncity.learners.models import (
    Consent,
    EligibilityAudit,
    EligibilityClaim,
    Learner,
    PersonalDataAccess,
)
from learncity.learners.selectors import learner_facts, verified_eligibility
from learncity.vouchers import errors as voucher_errors
from learncity.vouchers import services as voucher_services
from learncity.vouchers.models import Voucher
from tests.enrollment.factories import apply, offer_open_now
from tests.http_double import QuietHandler, http_server
from tests.learners.factories import citizen, sign_up_code, verified
from tests.vouchers.factories import programme

SIGN_UP = {
    "username": "attacker.1950",
    "password1": "Learn-city-2026!",
    "password2": "Learn-city-2026!",
    "name": "공격자",
    "birth_year": "1950",
    "phone": "010-3456-7890",
    "email": "",
    "district_code": "",
    "neighbourhood_code": "",
    "consent_service": "on",
}
KEY = "elig-key-0123456789abcdef"
pytestmark = pytest.mark.django_db


def _state(learner_id: int) -> list[tuple[str, str, str, Any]]:
    return list(
        EligibilityClaim.objects.filter(learner_id=learner_id)
        .order_by("kind")
        .values_list("kind", "value", "state", "valid_until")
    )


def _sign_up(client: Client, **changes: Any) -> Learner:
    """Sign-up through the page, its two steps (the code sent to the number first)."""
    form = {**SIGN_UP, **changes}
    form["code"] = sign_up_code(client, form["phone"])
    answer = client.post("/accounts/signup", form)
    assert answer.status_code == 302, answer.content.decode()[:500]
    return Learner.objects.get(user__username=changes.get("username", SIGN_UP["username"]))


def _paid_offer(world: Any, index: int) -> Any:
    return offer_open_now(
        world,
        index,
        capacity=5,
        fee_krw=30_000,
        fee_waiver_groups=["senior", "low_income"],
        method="lottery",
        priorities=["senior", "low_income"],
    )


# ------------------------------------------------------------------ the attack


def test_self_declared_senior_and_low_income_get_no_waiver_priority_or_voucher(
    client: Client, world: Any
) -> None:
    person = _sign_up(client, low_income="on")
    assert person.birth_year == 1950 and person.low_income  # declared, kept for statistics
    assert [(k, s) for k, _, s, _ in _state(person.pk)] == [
        ("birth_year", "declared"),
        ("low_income", "declared"),
    ]
    course = _paid_offer(world, 31)
    today = timezone.localdate()
    assert fee_due(person, course, today) == 30_000
    facts = learner_facts(person.pk)
    assert facts is not None
    assert not {"senior", "low_income"} & set(learner_tags(facts, course, today))
    done = apply(person, world["admin"], course, channel="desk", now=timezone.now())
    assert not {"senior", "low_income"} & set(Application.objects.get(pk=done.application_id).tags)
    admin = world["admin"]
    made = programme(admin, groups=["low_income"], min_age=0)
    with pytest.raises(voucher_errors.NotEligible):
        voucher_services.voucher_issue(
            actor=admin, programme_id=made.pk, learner_id=person.pk, idempotency_key="elig-v-001"
        )
    assert not Voucher.objects.filter(learner_id=person.pk).exists()
    # the page says the declaration waits for the desk
    page = client.get("/me/account").content.decode()
    assert "창구에서 확인을 기다리고 있습니다" in page

    verified(person, "birth_year", "low_income")
    assert fee_due(person, course, today) == 0
    facts = learner_facts(person.pk)
    assert facts is not None
    assert {"senior", "low_income"} <= set(learner_tags(facts, course, today))
    issued = voucher_services.voucher_issue(
        actor=admin, programme_id=made.pk, learner_id=person.pk, idempotency_key="elig-v-002"
    )
    assert issued.voucher_id is not None


def test_a_citizen_cannot_verify_their_own_claim_by_page_or_service(client: Client) -> None:
    person = _sign_up(client, low_income="on")
    before, audits = _state(person.pk), EligibilityAudit.objects.count()
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    post = {
        "action": "verify",
        "learner": person.pk,
        "kind": "low_income",
        "method": "document",
        "evidence": "x",
        "valid_until": until,
    }
    assert client.post("/staff/eligibility", post).status_code == 403
    assert client.post("/staff/eligibility", {**post, "action": "check"}).status_code == 403
    assert client.get("/staff/eligibility").status_code == 403
    with pytest.raises(eligibility.EligibilityForbidden):
        eligibility.eligibility_verify(
            actor=_actor_of(person),
            learner_id=person.pk,
            kind="low_income",
            method="document",
            evidence="x",
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
    # the API has no operation that verifies a claim: nothing to call there
    assert _state(person.pk) == before and EligibilityAudit.objects.count() == audits
    assert verified_eligibility(person.pk).low_income is False


def _actor_of(person: Learner) -> Any:
    from learncity.learners.access import Actor

    return Actor(person.user_id)


def test_staff_out_of_scope_cannot_verify(world: Any) -> None:
    person, _ = citizen(district_code=world["district"], low_income=True)
    eligibility.eligibility_sync(learner_id=person.pk)
    before, audits = _state(person.pk), EligibilityAudit.objects.count()
    until = timezone.localdate() + dt.timedelta(days=30)
    for actor, institution in (
        (world["other_officer"], None),  # another district's officer
        (world["staff"], world["other_institution"]),  # another institution's desk
        (world["instructor"], world["institution"]),
        (world["auditor"], None),
    ):
        with pytest.raises(eligibility.EligibilityForbidden):
            eligibility.eligibility_verify(
                actor=actor,
                learner_id=person.pk,
                kind="low_income",
                method="document",
                evidence="x",
                valid_until=until,
                institution_id=institution,
            )
    assert _state(person.pk) == before and EligibilityAudit.objects.count() == audits
    # in scope: the district's officer, and an institution's staff at their own desk
    eligibility.eligibility_verify(
        actor=world["officer"],
        learner_id=person.pk,
        kind="low_income",
        method="record",
        evidence="사회보장정보 조회",
        valid_until=until,
    )
    assert verified_eligibility(person.pk).low_income is True


def test_staff_page_out_of_scope_is_403_and_nothing_changes(world: Any) -> None:
    person, _ = citizen(district_code=world["district"], low_income=True)
    eligibility.eligibility_sync(learner_id=person.pk)
    before = _state(person.pk)
    other = Client()
    other.force_login(world["users"]["outsider"])
    until = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    answer = other.post(
        "/staff/eligibility",
        {
            "action": "verify",
            "learner": person.pk,
            "kind": "low_income",
            "institution": world["institution"],  # not the outsider's institution
            "method": "document",
            "evidence": "x",
            "valid_until": until,
        },
    )
    assert answer.status_code == 403
    assert _state(person.pk) == before


def test_an_expired_verification_no_longer_counts(world: Any) -> None:
    person, _ = citizen(birth_year=1950, low_income=True)
    today = timezone.localdate()
    verified(person, "low_income", valid_until=today)
    assert verified_eligibility(person.pk, today).low_income is True
    tomorrow = today + dt.timedelta(days=1)
    assert verified_eligibility(person.pk, tomorrow).low_income is False
    course = _paid_offer(world, 32)
    assert fee_due(person, course, tomorrow) == 30_000
    assert eligibility.claims_of(person.pk, tomorrow)[1]["state"] == "expired"
    with pytest.raises(eligibility.EligibilityError):
        eligibility.eligibility_verify(
            actor=world["admin"],
            learner_id=person.pk,
            kind="low_income",
            method="document",
            evidence="x",
            valid_until=today - dt.timedelta(days=1),
        )


def test_a_changed_declaration_drops_the_verification(client: Client, world: Any) -> None:
    person = _sign_up(client, low_income="on", multicultural="on")
    verified(person)
    assert verified_eligibility(person.pk).multicultural is True
    district = world["district"]
    answer = client.post(
        "/me/account/eligibility",
        {"district_code": district, "low_income": "on"},  # multicultural unticked
    )
    assert answer.status_code == 302
    claims = {k: (v, s) for k, v, s, _ in _state(person.pk)}
    assert claims == {
        "birth_year": ("1950", "verified"),
        "district": (district, "declared"),
        "low_income": ("yes", "verified"),
    }
    assert EligibilityAudit.objects.filter(
        learner_id=person.pk, kind="multicultural", change="withdrawn"
    ).exists()
    # a citizen cannot mark a claim verified through the declaration form
    client.post("/me/account/eligibility", {"district_code": district, "state": "verified"})
    assert verified_eligibility(person.pk).district_code == ""


def test_the_staff_page_finds_verifies_rejects_logs_and_audits(world: Any) -> None:
    person, _ = citizen(district_code=world["district"], low_income=True, multicultural=True)
    eligibility.eligibility_sync(learner_id=person.pk)
    desk = Client()
    desk.force_login(world["users"]["officer"])
    page = desk.get("/staff/eligibility")
    assert page.status_code == 200 and "감면·우선 자격 확인" in page.content.decode()
    found = desk.post("/staff/eligibility", {"action": "find", "phone": person.phone})
    assert found.status_code == 200 and 'data-testid="claim-low_income"' in found.content.decode()
    logged = PersonalDataAccess.objects.filter(what="eligibility", learner_id=person.pk)
    assert logged.count() == 1 and logged.get().query == "phone"
    until = (timezone.localdate() + dt.timedelta(days=200)).isoformat()
    done = desk.post(
        "/staff/eligibility",
        {
            "action": "verify",
            "learner": person.pk,
            "kind": "low_income",
            "method": "document",
            "evidence": "수급자 증명서 확인",
            "valid_until": until,
        },
    )
    assert done.status_code == 200
    refused = desk.post(
        "/staff/eligibility",
        {"action": "reject", "learner": person.pk, "kind": "multicultural", "reason": "서류 없음"},
    )
    assert refused.status_code == 200
    claims = {c.kind: c for c in EligibilityClaim.objects.filter(learner=person)}
    officer = world["users"]["officer"]
    assert (claims["low_income"].state, claims["low_income"].method) == ("verified", "document")
    assert claims["low_income"].decided_by_id == officer.pk
    assert claims["low_income"].valid_until.isoformat() == until
    assert (claims["multicultural"].state, claims["multicultural"].reason) == (
        "rejected",
        "서류 없음",
    )
    trail = EligibilityAudit.objects.filter(learner_id=person.pk, actor=officer).order_by("id")
    assert [(a.kind, a.change) for a in trail] == [
        ("low_income", "verified"),
        ("multicultural", "rejected"),
    ]
    assert trail[0].before["state"] == "declared" and trail[0].after["state"] == "verified"
    assert logged.count() == 3  # the lookup and each decision


def test_the_staff_navigation_links_to_the_page(world: Any) -> None:
    desk = Client()
    desk.force_login(world["users"]["officer"])
    assert 'href="/staff/eligibility"' in desk.get("/staff/offers").content.decode()


# ------------------------------------------------------------------ sensitive data (finding 18)


def test_a_disability_is_kept_only_with_its_own_consent(client: Client) -> None:
    person = _sign_up(client, disability="on")
    assert person.disability is False
    assert not EligibilityClaim.objects.filter(learner=person, kind="disability").exists()

    other = Client()
    second = _sign_up(
        other,
        username="second.person",
        phone="010-4567-8901",
        disability="on",
        consent_sensitive="on",
    )
    assert second.disability is True
    assert EligibilityClaim.objects.get(learner=second, kind="disability").state == "declared"
    verified(second, "disability")
    assert verified_eligibility(second.pk).disability is True
    # unticking the consent on the account page erases the disability, its claim and trail
    answer = other.post("/me/account/eligibility", {"disability": "on"})
    assert answer.status_code == 400  # a disability without the consent is refused
    answer = other.post("/me/account/eligibility", {})
    assert answer.status_code == 302
    second.refresh_from_db()
    assert second.disability is False
    assert not EligibilityClaim.objects.filter(learner=second, kind="disability").exists()
    assert not EligibilityAudit.objects.filter(learner_id=second.pk, kind="disability").exists()
    consent = Consent.objects.get(learner=second, purpose=Consent.Purpose.SENSITIVE)
    assert consent.withdrawn_at is not None
    assert verified_eligibility(second.pk).disability is False


def test_the_data_migration_makes_declared_claims(db: None) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "learncity.learners.migrations.0011_eligibility_claims_from_flags"
    )
    person, _ = citizen(birth_year=1944, low_income=True, disability=True, district_code="11")
    EligibilityClaim.objects.all().delete()
    migration.forwards(apps, None)
    assert [(k, v, s) for k, v, s, _ in _state(person.pk)] == [
        ("birth_year", "1944", "declared"),
        ("district", "11", "declared"),
        ("low_income", "yes", "declared"),
    ]  # the disability had no sensitive-data consent: no claim


# ------------------------------------------------------------------ the eligibility service


@dataclass
class Service:
    url: str = ""
    answers: list[tuple[int, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def service() -> Iterator[Service]:
    found = Service()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.requests.append(
                {
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(self.rfile.read(length).decode("utf-8")),
                }
            )
            self.answer_json(*(found.answers.pop(0) if found.answers else (200, {})))

    with http_server(Handler) as url:
        found.url = f"{url}/check"
        yield found


def _configure(settings: Any, service: Service) -> None:
    settings.LEARNCITY_ELIGIBILITY = {
        "LEARNCITY_ELIGIBILITY_URL": service.url,
        "LEARNCITY_ELIGIBILITY_API_KEY": KEY,
        "LEARNCITY_ELIGIBILITY_KEY_HEADER": "X-Api-Key",
        "LEARNCITY_ELIGIBILITY_TIMEOUT": "2",
    }


def test_the_service_confirms_and_the_claim_is_verified_by_service(
    world: Any, service: Service, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _configure(settings, service)
    person, _ = citizen(name="서비스확인", low_income=True, district_code=world["district"])
    eligibility.eligibility_sync(learner_id=person.pk)
    until = timezone.localdate() + dt.timedelta(days=90)
    service.answers = [
        (200, {"confirmed": False}),
        (500, {"error": "boom"}),
        (200, {"confirmed": True, "valid_until": until.isoformat(), "reference": "SSIS-77"}),
    ]
    caplog.set_level(logging.DEBUG)
    officer = world["officer"]
    args = {"actor": officer, "learner_id": person.pk, "kind": "low_income"}
    assert eligibility.eligibility_check_with_service(**args) is None
    assert _state(person.pk)[1][2] == "declared"
    with pytest.raises(EligibilityServiceUnavailable):
        eligibility.eligibility_check_with_service(**args)
    assert _state(person.pk)[1][2] == "declared"
    claim = eligibility.eligibility_check_with_service(**args)
    assert claim is not None
    assert (claim.state, claim.method, claim.valid_until) == ("verified", "service", until)
    assert "SSIS-77" in claim.evidence
    sent = service.requests[-1]
    assert sent["headers"]["x-api-key"] == KEY
    assert sent["json"]["kind"] == "low_income" and sent["json"]["value"] == "yes"
    # no personal data and no key in the logs
    assert KEY not in caplog.text and "서비스확인" not in caplog.text
    assert str(person.phone) not in caplog.text


def test_the_service_is_refused_when_it_cannot_be_safe(settings: Any) -> None:
    with pytest.raises(ConfigurationError):
        HttpEligibilityService(url="http://eligibility.example.go.kr/check", api_key=KEY)
    with pytest.raises(ConfigurationError):
        HttpEligibilityService(url="https://eligibility.example.go.kr/check", api_key="")
    HttpEligibilityService(url="https://eligibility.example.go.kr/check", api_key=KEY)
    settings.LEARNCITY_ELIGIBILITY = {}
    from learncity.learners.eligibility_service import eligibility_service

    with pytest.raises(EligibilityServiceUnavailable):
        eligibility_service().check(EligibilityQuery("low_income", "yes", "x", 1980))


def test_a_garbled_answer_verifies_nothing(service: Service) -> None:
    adapter = HttpEligibilityService(url=service.url, api_key=KEY, timeout_s=2)
    service.answers = [(200, ["confirmed", True]), (200, {"confirmed": "yes"})]
    for _ in range(2):
        with pytest.raises(EligibilityServiceUnavailable):
            adapter.check(EligibilityQuery("low_income", "yes", "x", 1980))


def test_the_page_says_in_words_when_no_service_can_check(world: Any) -> None:
    """No eligibility service configured (the default): "check with the service" answers 503
    with a sentence for the desk in the page's language, not the adapter's technical reason,
    and the claim stays declared."""
    person, _ = citizen(district_code=world["district"], low_income=True)
    eligibility.eligibility_sync(learner_id=person.pk)
    desk = Client()
    desk.force_login(world["users"]["officer"])
    before = _state(person.pk)
    post = {"action": "check", "learner": person.pk, "kind": "low_income"}
    answer = desk.post("/staff/eligibility", post)
    assert answer.status_code == 503
    text = answer.content.decode()
    assert "창구에서 서류를 보고 확인해 주세요" in text and "LEARNCITY_ELIGIBILITY_URL" not in text
    desk.cookies["learncity_language"] = "en"
    english = desk.post("/staff/eligibility", post)
    assert "verify with the documents at the desk" in english.content.decode()
    assert _state(person.pk) == before
