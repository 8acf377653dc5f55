"""Account pages with Django's test client: sign-up (one account per phone number), the
sign-in lockout shared through the database, and the password reset through the outbox."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.learners.models import Consent, Learner, LoginThrottle
from learncity.learners.services import (
    SignInLock,
    lockout_duration,
    login_failure_record,
    login_locked_until,
)
from learncity.notifications.models import OutboxMessage
from tests.learners.factories import sign_up_code

pytestmark = pytest.mark.django_db

PASSWORD = "Learn-city-2026!"


def form(**changes: Any) -> dict[str, Any]:
    data = {
        "username": "kim.citizen",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "김시민",
        "birth_year": "1958",
        "phone": "010-2345-6789",
        "email": "",
        "district_code": "",
        "neighbourhood_code": "",
        "consent_service": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_sign_up_creates_the_account_signs_in_and_keeps_consents(client: Client) -> None:
    page = client.get("/accounts/signup")
    assert page.status_code == 200
    assert '<label for="id_phone">' in page.content.decode()  # the first step: the number
    code = sign_up_code(client, "010-2345-6789")
    second = client.post("/accounts/signup", {"action": "send-code", "phone": "010-2345-6789"})
    body = second.content.decode()
    for field in ("username", "password1", "name", "birth_year", "phone", "email", "code"):
        assert f'<label for="id_{field}">' in body
    code = sign_up_code(client, "010-2345-6789")  # the newest code is the live one
    answer = client.post(
        "/accounts/signup", form(code=code, consent_notifications="on", low_income="on")
    )
    assert answer.status_code == 302 and answer["Location"] == "/me/applications"
    person = Learner.objects.get()
    assert (person.name, person.birth_year, person.phone) == ("김시민", 1958, "01023456789")
    assert person.phone_verified
    assert person.low_income and not person.disability
    assert sorted(person.consents.values_list("purpose", flat=True)) == [
        Consent.Purpose.NOTIFICATIONS,
        Consent.Purpose.SERVICE,
    ]
    assert client.get("/me/applications").status_code == 200  # signed in


def test_a_wrong_code_is_a_message_on_the_code_field_not_a_500(client: Client) -> None:
    right = sign_up_code(client, "010-2345-6789")
    wrong = "000000" if right != "000000" else "111111"
    answer = client.post("/accounts/signup", form(code=wrong))
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "인증번호가 맞지 않거나 만료되었습니다" in body  # Korean by default
    # the error is tied to the field: aria-invalid and aria-describedby name its message
    field = re.search(r"<input[^>]*name=\"code\"[^>]*>", body).group(0)
    assert 'aria-invalid="true"' in field
    assert "id_code_error" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
    assert 'id="id_code_error"' in body
    assert Learner.objects.count() == 0
    assert not User.objects.filter(username="kim.citizen").exists()


def test_sign_up_refuses_without_service_consent_and_with_a_taken_name(client: Client) -> None:
    code = sign_up_code(client, "010-2345-6789")
    answer = client.post("/accounts/signup", form(code=code, consent_service=None))
    assert answer.status_code == 400
    assert "서비스 이용 동의가 있어야 가입할 수 있습니다" in answer.content.decode()
    User.objects.create_user("kim.citizen", password=PASSWORD)
    taken = client.post("/accounts/signup", form(code=code, consent_service="on"))
    assert "이미 쓰이는 아이디입니다" in taken.content.decode()
    mismatch = client.post(
        "/accounts/signup", form(code=code, username="lee", password2="other-Pass-9")
    )
    assert mismatch.status_code == 400 and "두 비밀번호가 다릅니다" in mismatch.content.decode()
    assert Learner.objects.count() == 0
    # the refusals of the other fields keep the code: it still signs up
    assert client.post("/accounts/signup", form(code=code, username="lee")).status_code == 302


def _sign_up(client: Client, **changes: Any) -> Learner:
    code = sign_up_code(client, changes.get("phone", "010-2345-6789"))
    assert client.post("/accounts/signup", form(code=code, **changes)).status_code == 302
    client.post("/accounts/logout")
    return Learner.objects.get(user__username=changes.get("username", "kim.citizen"))


def test_five_failures_lock_the_name_at_that_address_for_fifteen_minutes(
    client: Client,
) -> None:
    """Issue 19: the lock is on the name at the address that failed (the owner elsewhere:
    tests/learners/test_throttle_attacks.py)."""
    _sign_up(client)
    for attempt in range(4):
        wrong = client.post("/accounts/login", {"username": "kim.citizen", "password": "nope"})
        assert wrong.status_code == 400, attempt
        assert "아이디 또는 비밀번호가 맞지 않습니다" in wrong.content.decode()
    fifth = client.post("/accounts/login", {"username": "kim.citizen", "password": "nope"})
    assert fifth.status_code == 429
    assert "로그인에 여러 번 실패해서" in fifth.content.decode()
    # another browser at the same address (another worker, same database), the right
    # password: still refused, and told until when
    other = Client()
    right = other.post("/accounts/login", {"username": "KIM.citizen ", "password": PASSWORD})
    assert right.status_code == 429
    assert "로그인에 여러 번 실패해서" in right.content.decode()  # Korean by default
    assert "_auth_user_id" not in other.session
    lock = login_locked_until("kim.citizen", address="127.0.0.1")
    assert lock is not None and not lock.whole_address
    assert abs((lock.until - timezone.now()) - lockout_duration()) < dt.timedelta(seconds=30)
    assert f"{timezone.localtime(lock.until):%H:%M}까지" in right.content.decode()
    # fifteen minutes later the name may sign in again, and a success forgets the failures
    LoginThrottle.objects.update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    again = other.post("/accounts/login", {"username": "kim.citizen", "password": PASSWORD})
    # issue 18: sign-in lands on the page that routes by role (a citizen: /me/applications)
    assert again.status_code == 302 and again["Location"] == "/accounts/landing"
    assert other.get("/accounts/landing")["Location"] == "/me/applications"
    # the name's count at the address is forgotten; the address's count of every name stays
    assert list(LoginThrottle.objects.values_list("address", "key")) == [("127.0.0.1", "")]


def test_failures_spread_over_more_than_the_window_do_not_lock() -> None:
    start = timezone.now()

    def fail(minute: int) -> SignInLock | None:
        return login_failure_record(
            "park", address="10.0.0.7", now=start + dt.timedelta(minutes=minute)
        )

    for minute in (0, 4, 8, 12):
        assert fail(minute) is None
    # the window began at minute 0: at minute 16 the count starts again
    assert fail(16) is None
    for minute in (17, 18, 19):
        assert fail(minute) is None
    locked = fail(20)
    assert locked == SignInLock(start + dt.timedelta(minutes=35), whole_address=False)


def test_password_reset_is_queued_in_the_outbox_and_the_link_sets_a_new_password(
    client: Client,
) -> None:
    _sign_up(client)
    _sign_up(client, username="no.phone.match", phone="010-9999-0000", email="lee@example.org")
    page = client.get("/accounts/password-reset")
    assert page.status_code == 200 and '<label for="id_identifier">' in page.content.decode()
    sent = client.post("/accounts/password-reset", {"identifier": "010 2345 6789"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password-reset/sent"
    message = OutboxMessage.objects.get(kind="password_reset")
    assert (message.channel, message.recipient) == ("sms", "01023456789")
    assert message.status == OutboxMessage.Status.PENDING
    link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)
    # an unknown identifier answers the same page and queues nothing
    unknown = client.post("/accounts/password-reset", {"identifier": "nobody@example.org"})
    assert unknown["Location"] == "/accounts/password-reset/sent"
    assert OutboxMessage.objects.filter(kind="password_reset").count() == 1

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    assert set_url.endswith("/set-password")
    new = "Another-city-2027!"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/login"
    assert User.objects.get(username="kim.citizen").check_password(new)
    # the link works once
    assert (
        "이 주소는 만료되었거나 이미 쓰였습니다" in client.get(link, follow=True).content.decode()
    )
    signed_in = client.post("/accounts/login", {"username": "kim.citizen", "password": new})
    assert signed_in.status_code == 302


def test_password_reset_goes_by_email_when_the_account_has_no_phone(client: Client) -> None:
    _sign_up(client, username="lee.citizen", phone="010-9999-0000", email="lee@example.org")
    # a citizen has a phone: the link goes by text even when asked for by e-mail
    client.post("/accounts/password-reset", {"identifier": "LEE@example.org"})
    by_text = OutboxMessage.objects.get(kind="password_reset")
    assert (by_text.channel, by_text.recipient) == ("sms", "01099990000")
    # a staff account without a learner profile has only its e-mail
    User.objects.create_user("desk.officer", email="desk@example.org", password=PASSWORD)
    client.post("/accounts/password-reset", {"identifier": "desk.officer"})
    by_mail = OutboxMessage.objects.filter(kind="password_reset").exclude(pk=by_text.pk).get()
    assert (by_mail.channel, by_mail.recipient) == ("email", "desk@example.org")
    assert "/accounts/reset/" in by_mail.body and "비밀번호 재설정" in by_mail.subject


def test_logout_is_post_only(client: Client) -> None:
    _sign_up(client)
    client.post("/accounts/login", {"username": "kim.citizen", "password": PASSWORD})
    assert client.get("/accounts/logout").status_code == 405
    assert client.post("/accounts/logout").status_code == 302
    assert client.get("/me/applications")["Location"] == "/accounts/login?next=/me/applications"
