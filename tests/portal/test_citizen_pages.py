"""The citizen's pages finished (issue 18, item 7): the header menu, the next session and the
payment of each application with the desk marking a payment, the privacy policy linked from
every consent, the account page, and the 403/404/500 pages in the site's layout and language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from learncity.catalog.models import Schedule, Session
from learncity.enrollment import services as enrolment
from learncity.enrollment.payments import desk_payment_mark, payment_state
from learncity.learners.access import Actor
from learncity.learners.forms import SignUpForm
from learncity.learners.models import Consent, Learner
from learncity.portal import errors
from learncity.portal.citizen import CONSENT_PURPOSES, PERSONAL_FIELDS

PASSWORD = "x-Citizen-Pass-2026"


def _citizen(name: str = "citizen7") -> tuple[User, Learner]:
    user = User.objects.create_user(name, password=PASSWORD)
    learner = Learner.objects.create(user=user, name="배움이", birth_year=1980, phone=None)
    return user, learner


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ------------------------------------------------------------------ the header menu


@pytest.mark.django_db
def test_the_menu_reaches_applications_record_credentials_vouchers_and_account(world) -> None:
    user, _learner = _citizen()
    body = _signed_in(user).get("/").content.decode()
    menu = re.search(r'<nav aria-label="[^"]*" class="account-nav">(.*?)</nav>', body, re.S)
    assert menu
    links = re.findall(r'href="([^"]+)"', menu[1])
    for name in ("my_applications", "my_record", "my_vouchers", "my_account"):
        assert reverse(f"portal:{name}") in links, name
    assert reverse("portal:my_record") + "#timeline-heading" in links  # the credentials
    assert reverse("portal:staff_home") not in links  # a citizen has no staff home
    # the page the person is on is marked
    on_record = _signed_in(user).get(reverse("portal:my_vouchers")).content.decode()
    assert f'href="{reverse("portal:my_vouchers")}" aria-current="page"' in on_record


@pytest.mark.django_db
def test_staff_find_their_home_in_the_menu(world) -> None:
    body = _signed_in(world["users"]["institution_staff"]).get("/").content.decode()
    assert f'href="{reverse("portal:staff_home")}"' in body


@pytest.mark.django_db
def test_anonymous_visitors_see_sign_in_not_the_menu(client: Client, world) -> None:
    body = client.get("/").content.decode()
    assert reverse("portal:login") in body
    assert reverse("portal:my_account") not in body


# ------------------------------------------------------------------ error pages


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_not_found_is_in_the_layout_and_the_language(client: Client, language: str) -> None:
    response = client.get(f"/no/such/page?lang={language}")
    body = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in body
    assert '<header class="site">' in body and 'class="account-nav"' in body
    with translation.override(language):
        title = translation.gettext("페이지를 찾을 수 없습니다")
    assert f'<h1 data-testid="error-title">{title}</h1>' in body
    assert "<h1>Not Found</h1>" not in body
    assert "/no/such/page" in body  # the address asked for, escaped


@pytest.mark.django_db
def test_a_missing_programme_answers_the_site_404(client: Client) -> None:
    response = client.get("/programmes/999999999")
    assert response.status_code == 404
    assert 'data-testid="error-title"' in response.content.decode()


@pytest.mark.django_db
def test_not_found_escapes_the_address(client: Client) -> None:
    body = client.get("/x<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_forbidden_is_in_the_layout_and_the_language(language: str) -> None:
    request = RequestFactory().get("/staff/somewhere")
    request.user = AnonymousUser()
    with translation.override(language):
        response = errors.forbidden(request, PermissionError("no"))
        title = translation.gettext("볼 수 있는 권한이 없습니다")
    body = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in body
    assert '<header class="site">' in body
    assert title in body
    assert "/accounts/login?next=/staff/somewhere" in body


@pytest.mark.parametrize("language", ["ko", "en"])
def test_server_error_needs_no_database_and_no_request(language: str) -> None:
    """A unit test: the database is out of reach here, as it may be when a 500 happens."""
    with translation.override(language):
        response = errors.server_error(None)
        title = translation.gettext("잠시 문제가 생겼습니다")
    body = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in body
    assert title in body
    assert "portal/site.css" in body


def test_the_handlers_are_the_sites() -> None:
    resolver = get_resolver()
    assert resolver.resolve_error_handler(404) is errors.not_found
    assert resolver.resolve_error_handler(403) is errors.forbidden
    assert resolver.resolve_error_handler(500) is errors.server_error


# ------------------------------------------------------------------ privacy and the account


def test_every_personal_field_of_the_learner_has_its_purpose_and_retention() -> None:
    stated = {name for row in PERSONAL_FIELDS for name in row.fields}
    fields = {f.name for f in Learner._meta.concrete_fields}
    assert fields - {"id", "user", "created_at", "updated_at"} <= stated
    assert all(row.purpose and row.retention for row in PERSONAL_FIELDS)
    assert {p.code for p in CONSENT_PURPOSES} == set(Consent.Purpose.values)
    assert [p.code for p in CONSENT_PURPOSES if p.required] == [Consent.Purpose.SERVICE]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_privacy_policy_page(client: Client, language: str) -> None:
    response = client.get(f"/privacy?lang={language}")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<tr><th scope="row">') == len(PERSONAL_FIELDS)
    for purpose in CONSENT_PURPOSES:
        assert f'id="consent-{purpose.code}"' in body
    assert 'href="/privacy"' in body  # the footer links to it on every page


@pytest.mark.django_db
def test_every_consent_checkbox_links_to_the_policy(client: Client, world) -> None:
    second_step = {"action": "send-code", "phone": "010-3111-0301"}  # the form after the number
    body = client.post(reverse("portal:signup"), second_step).content.decode()
    consents = [name for name in SignUpForm.base_fields if name.startswith("consent_")]
    links = re.findall(r'href="/privacy#consent-(\w+)" data-testid="privacy-link"', body)
    assert len(links) == len(consents) >= 2
    assert set(links) <= set(Consent.Purpose.values)


@pytest.mark.django_db
def test_the_account_page(client: Client, world) -> None:
    assert client.get("/me/account").status_code == 302  # sign in first
    user, _learner = _citizen()
    body = _signed_in(user).get("/me/account").content.decode()
    assert '<dd data-testid="username">citizen7</dd>' in body
    for name in ("my_data", "account_delete", "privacy", "password_reset"):
        assert f'href="{reverse("portal:" + name)}"' in body


# ------------------------------------------------------------------ next session and payment


@pytest.fixture
def course(db: None, world: Mapping[str, Any]) -> dict[str, Any]:
    """A weekly course of the world moved to start tomorrow (its sessions expanded), with an
    open first-come offer of 30,000 won."""
    from learncity.attendance.services import schedule_sessions_expand

    schedule_id, _venue, institution = world["weekly"][0]
    today = timezone.localdate()
    Schedule.objects.filter(pk=schedule_id).update(
        start_date=today + dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=60),
        registration_start=None,
        registration_end=None,
    )
    now = timezone.now()
    offer = enrolment.offer_create(
        actor=world["city_admin"],
        schedule_id=schedule_id,
        capacity=10,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
        fee_krw=30_000,
        fee_waiver_groups=["senior"],
    )
    schedule_sessions_expand(actor=world["city_admin"], schedule_id=schedule_id)
    first = Session.objects.filter(schedule_id=schedule_id).order_by("date").first()
    assert first is not None
    return {"offer": offer, "schedule": schedule_id, "institution": institution, "first": first}


def _apply(world: Mapping[str, Any], course: dict[str, Any], *, birth_year: int = 1980) -> Any:
    user, learner = _citizen()
    Learner.objects.filter(pk=learner.pk).update(birth_year=birth_year)
    done = enrolment.apply(
        actor=Actor(user.pk),
        offer_id=course["offer"].pk,
        learner_id=learner.pk,
        idempotency_key="g7-apply-1",
    )
    assert done.status == "confirmed"
    return user, done.application_id


@pytest.mark.django_db
def test_the_application_says_when_and_where_the_next_session_is(world, course) -> None:
    user, application = _apply(world, course)
    first: Session = course["first"]
    body = _signed_in(user).get("/me/applications").content.decode()
    card = re.search(rf'data-testid="application-{application}">(.*?)</li>', body, re.S)
    assert card
    shown = re.search(r'data-testid="next-session">(.*?)</p>', card[1], re.S)
    assert shown
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", shown[1]))
    assert first.date.isoformat() in text
    local = timezone.localtime(first.starts_at)
    assert local.strftime("%H:%M") in text
    assert course["first"].schedule.place or course["first"].schedule.programme.venue.name
    # a cancelled session is not the next one
    Session.objects.filter(pk=first.pk).update(status=Session.Status.CANCELLED)
    second = (
        Session.objects.filter(schedule_id=course["schedule"]).exclude(pk=first.pk).order_by("date")
    ).first()
    assert second is not None
    again = _signed_in(user).get("/me/applications").content.decode()
    assert second.date.isoformat() in again
    assert f'datetime="{timezone.localtime(first.starts_at).isoformat()}"' not in again


@pytest.mark.django_db
def test_no_next_session_is_said_plainly(world, course) -> None:
    user, _application = _apply(world, course)
    Session.objects.filter(schedule_id=course["schedule"]).delete()
    body = _signed_in(user).get("/me/applications").content.decode()
    with translation.override("ko"):
        assert translation.gettext("다음 수업 일정이 아직 없습니다.") in body


def test_payment_states() -> None:
    assert payment_state(fee=0, voucher_paid=0, desk_paid=0, status="confirmed") == ("free", 0)
    assert payment_state(fee=30_000, voucher_paid=0, desk_paid=0, status="confirmed") == (
        "due_at_desk",
        30_000,
    )
    assert payment_state(fee=30_000, voucher_paid=10_000, desk_paid=0, status="confirmed") == (
        "due_at_desk",
        20_000,
    )
    assert payment_state(fee=30_000, voucher_paid=30_000, desk_paid=0, status="confirmed") == (
        "paid_voucher",
        0,
    )
    assert payment_state(fee=30_000, voucher_paid=10_000, desk_paid=20_000, status="confirmed") == (
        "paid_desk",
        0,
    )
    assert payment_state(fee=30_000, voucher_paid=0, desk_paid=0, status="waitlisted") == (
        "not_due",
        30_000,
    )


@pytest.mark.django_db
def test_a_paid_course_shows_its_payment_and_the_desk_marks_it(world, course) -> None:
    user, application = _apply(world, course)
    mine = _signed_in(user).get("/me/applications").content.decode()
    assert 'data-testid="payment" data-state="due_at_desk"' in mine
    assert "30,000" in mine

    offer_page = f"/staff/offers/{course['offer'].pk}"
    mark = f"{offer_page}/applications/{application}/paid"
    staff = _signed_in(world["users"]["institution_staff"])
    assert 'data-state="due_at_desk"' in staff.get(offer_page).content.decode()
    # the learner, an instructor and another institution's staff may not mark it
    assert _signed_in(user).post(mark).status_code == 403
    assert _signed_in(world["users"]["instructor"]).post(mark).status_code == 403
    assert _signed_in(world["users"]["outsider"]).post(mark).status_code == 403
    response = staff.post(mark)
    assert response.status_code == 302
    assert 'data-state="paid_desk"' in staff.get(offer_page).content.decode()
    assert 'data-state="paid_desk"' in _signed_in(user).get("/me/applications").content.decode()
    # a second mark finds nothing owed
    again = staff.post(mark)
    assert again.status_code == 409
    assert 'role="alert"' in again.content.decode()
    # the audit log has it once
    from learncity.enrollment.selectors import offer_audit_events

    marks = [e for e in offer_audit_events(course["offer"].pk) if e["action"] == "desk_payment"]
    assert len(marks) == 1 and marks[0]["data"]["amount_krw"] == 30_000
    # paid at the desk: a voucher cannot pay it again
    from learncity.enrollment.payments import voucher_pay
    from learncity.vouchers.errors import InvalidAmount

    with pytest.raises(InvalidAmount):
        voucher_pay(
            actor=Actor(user.pk),
            application_id=application,
            voucher_id=1,
            amount=10_000,
            idempotency_key="g7-pay-again",
        )


@pytest.mark.django_db
def test_a_waived_fee_has_nothing_to_pay(world, course) -> None:
    from tests.learners.factories import verified

    user, application = _apply(world, course, birth_year=1940)  # 65 and over: waived
    body = _signed_in(user).get("/me/applications").content.decode()
    assert 'data-testid="payment" data-state="free"' not in body  # declared only (issue 19)
    verified(Learner.objects.get(user=user), "birth_year")
    body = _signed_in(user).get("/me/applications").content.decode()
    assert 'data-testid="payment" data-state="free"' in body
    with pytest.raises(enrolment.InvalidState):
        desk_payment_mark(actor=world["institution_staff"], application_id=application)


@pytest.mark.django_db
def test_the_desk_mark_checks_the_offer_in_the_address(world, course) -> None:
    _user, application = _apply(world, course)
    staff = _signed_in(world["users"]["institution_staff"])
    other = course["offer"].pk + 1000
    response = staff.post(
        f"/staff/offers/{course['offer'].pk}/applications/{application + 99}/paid"
    )
    assert response.status_code == 404
    assert staff.post(f"/staff/offers/{other}/applications/{application}/paid").status_code in (
        403,
        404,
    )
