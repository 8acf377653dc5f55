"""Issue 19, finding 5: sign-up revealed whether an account held a phone number (409 "an
account with this phone number already exists") and let anyone claim any number. Now a
number is claimed only with the one-time code sent to it by SMS, and a held number answers
exactly as a free one does. Each attack is performed through the pages and must fail with
nothing else changed (accounts, the holder's row, the outbox)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.learners.models import Learner, PhoneCode
from learncity.learners.phone_codes import PhoneCodeRefused, learner_sign_up_with_code
from learncity.notifications.models import OutboxMessage
from learncity.notifications.services import ERASED_BODY, FileSmsAdapter, send_due
from tests.learners.factories import citizen, sign_up_code

pytestmark = pytest.mark.django_db

PASSWORD = "Learn-city-2026!"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
TYPED_CODE = re.compile(r'name="code" value="[^"]*"')
SEND = {"action": "send-code"}


def form(phone: str, code: str, username: str = "claimer", **changes: Any) -> dict[str, Any]:
    data = {
        "username": username,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "김시민",
        "birth_year": "1958",
        "phone": phone,
        "code": code,
        "consent_service": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def page(answer: Any, *numbers: str) -> str:
    """The body without what differs by request: the CSRF token, the number and code typed."""
    body = TYPED_CODE.sub("", CSRF.sub("", answer.content.decode()))
    for number in numbers:
        body = body.replace(number, "NUMBER")
    return body


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def state() -> tuple[Any, ...]:
    return (
        Learner.objects.count(),
        User.objects.count(),
        sorted(Learner.objects.values_list("phone", "phone_verified", "user_id", "updated_at")),
        sorted(User.objects.values_list("username", "password", "last_login")),
    )


def test_a_held_number_answers_exactly_as_a_free_one_and_no_code_claims_it() -> None:
    holder, _ = citizen(phone="01031110001")
    free = "01031110002"
    before = state()
    outbox = OutboxMessage.objects.count()

    held_answer = Client().post("/accounts/signup", {**SEND, "phone": holder.phone})
    free_answer = Client().post("/accounts/signup", {**SEND, "phone": free})
    assert held_answer.status_code == free_answer.status_code == 200
    assert page(held_answer, holder.phone) == page(free_answer, free)
    # the holder is told, without a code; the free number gets a code
    sent = list(OutboxMessage.objects.filter(pk__gt=0).order_by("-id")[:2])
    assert OutboxMessage.objects.count() == outbox + 2
    by_number = {m.recipient: m for m in sent}
    assert by_number[holder.phone].kind == "phone_code_taken"
    assert not re.search(r"(?<!\d)\d{6}(?!\d)", by_number[holder.phone].body)
    assert "/accounts/login" in by_number[holder.phone].body
    assert "/accounts/password-reset" in by_number[holder.phone].body
    assert by_number[free].kind == "phone_code"
    assert PhoneCode.objects.count() == 1  # the free number's only

    # claiming the held number: refused as a wrong code is, whatever the code
    free_code = sign_up_code(Client(), free)
    claims = [
        Client().post("/accounts/signup", form(holder.phone, code))
        for code in (free_code, "123456", "000000")
    ]
    wrong_free = Client().post("/accounts/signup", form(free, wrong(free_code)))
    assert {c.status_code for c in claims} == {400} and wrong_free.status_code == 400
    assert all(page(c, holder.phone) == page(wrong_free, free) for c in claims)
    assert "409" not in {str(c.status_code) for c in claims}
    assert state() == before  # no account, the holder's row and password untouched
    assert PhoneCode.objects.count() == 1  # still the free number's only


def test_no_code_a_wrong_one_an_expired_one_and_the_sixth_try_are_refused() -> None:
    number = "01031110003"
    client = Client()
    before = state()
    code = sign_up_code(client, number)

    missing = client.post("/accounts/signup", form(number, code=None))
    assert missing.status_code == 400 and "인증번호를 입력해 주세요" in missing.content.decode()
    for hostile in ("12345", "1234567", "abcdef", "１２３４５６", "' OR 1=1 --", "0" * 5000):
        assert client.post("/accounts/signup", form(number, hostile)).status_code == 400
    assert PhoneCode.objects.get().failures == 0  # a malformed code is not even a try

    for attempt in range(5):
        answer = client.post("/accounts/signup", form(number, wrong(code)))
        assert answer.status_code == 400, attempt
        assert "인증번호가 맞지 않거나 만료되었습니다" in answer.content.decode()
    # five wrong tries end the code: the right one, sixth, is refused too
    sixth = client.post("/accounts/signup", form(number, code))
    assert sixth.status_code == 400 and "인증번호가 맞지 않거나" in sixth.content.decode()
    assert not PhoneCode.objects.exists()
    assert state() == before

    code = sign_up_code(client, number)
    PhoneCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = client.post("/accounts/signup", form(number, code))
    assert expired.status_code == 400 and "만료" in expired.content.decode()
    assert state() == before


def test_two_people_cannot_both_claim_one_number() -> None:
    number = "01031110004"
    first, second = Client(), Client()
    first_code = sign_up_code(first, number)
    second_code = sign_up_code(second, number)
    assert PhoneCode.objects.count() == 1  # one live code per number: the newest
    if first_code != second_code:
        old = first.post("/accounts/signup", form(number, first_code, username="first"))
        assert old.status_code == 400
    claimed = second.post("/accounts/signup", form(number, second_code, username="second"))
    assert claimed.status_code == 302
    owner = Learner.objects.get(phone=number)
    assert owner.user.username == "second" and owner.phone_verified
    assert not PhoneCode.objects.exists()  # used up
    before = state()

    # the used code again, a new request (the holder's notice, no code), any code: refused
    again = first.post("/accounts/signup", form(number, second_code, username="first"))
    assert again.status_code == 400
    assert first.post("/accounts/signup", {**SEND, "phone": number}).status_code == 200
    assert OutboxMessage.objects.filter(kind="phone_code_taken", recipient=number).count() == 1
    assert not PhoneCode.objects.exists()
    with pytest.raises(PhoneCodeRefused):
        learner_sign_up_with_code(
            code=second_code,
            username="first",
            password=PASSWORD,
            name="김시민",
            birth_year=1958,
            phone=number,
        )
    assert state() == before


def test_codes_are_kept_only_as_hashes_and_erased_after_sending(tmp_path: Path) -> None:
    number = "01031110005"
    code = sign_up_code(Client(), number)
    row = PhoneCode.objects.get()
    stored = json.dumps(list(PhoneCode.objects.values().get().values()), default=str)
    assert code not in stored and number not in stored
    assert len(row.digest) == 64 and len(row.number_key) == 64
    message = OutboxMessage.objects.get(kind="phone_code", recipient=number)
    assert code in message.body and code not in message.dedupe_key  # pending: to be sent
    log = tmp_path / "sms.log"
    assert send_due(channel_adapters={"sms": FileSmsAdapter(log)})["sent"] >= 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.body == ERASED_BODY
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    mine = [line for line in lines if line["id"] == message.pk]
    assert len(mine) == 1 and code not in mine[0]["body"] and "******" in mine[0]["body"]
    assert code not in log.read_text(encoding="utf-8")


def test_the_limits_per_number_and_per_address_hold(settings: Any) -> None:
    settings.LEARNCITY_PHONE_CODES_PER_NUMBER = 2
    settings.LEARNCITY_PHONE_CODES_PER_ADDRESS = 3
    holder, _ = citizen(phone="01031110006")
    free = "01031110007"
    outbox = OutboxMessage.objects.count()

    def ask(number: str, address: str) -> Any:
        return Client().post("/accounts/signup", {**SEND, "phone": number}, REMOTE_ADDR=address)

    # per number, from any address: a held number is counted as a free one is
    for n, number in enumerate((free, holder.phone)):
        assert ask(number, f"192.0.2.{10 + n}").status_code == 200
        assert ask(number, f"192.0.2.{20 + n}").status_code == 200
    refused = [ask(free, "192.0.2.30"), ask(holder.phone, "192.0.2.31")]
    assert [r.status_code for r in refused] == [429, 429]
    assert all(int(r["Retry-After"]) > 0 for r in refused)
    assert page(refused[0], free) == page(refused[1], holder.phone)
    assert OutboxMessage.objects.count() == outbox + 4
    # per address, whatever the numbers
    for n in range(3):
        assert ask(f"010311100{n + 10}", "192.0.2.40").status_code == 200
    assert ask("01031110020", "192.0.2.40").status_code == 429
    assert OutboxMessage.objects.count() == outbox + 7
    assert not OutboxMessage.objects.filter(recipient="01031110020").exists()


def test_a_hostile_number_is_a_form_error_and_sends_nothing() -> None:
    outbox = OutboxMessage.objects.count()
    for phone in ("", "abc", "010-1234", "+1 555 0100", "０１０１２３４５６７８", "9" * 5000):
        answer = Client().post("/accounts/signup", {**SEND, "phone": phone})
        assert answer.status_code == 400, phone[:20]
        assert 'id="id_phone_error"' in answer.content.decode()
    assert OutboxMessage.objects.count() == outbox
    assert not PhoneCode.objects.exists()


def test_the_second_step_ties_its_fields_and_works_without_javascript() -> None:
    answer = Client().post("/accounts/signup?lang=en", {**SEND, "phone": "010-3111-0401"})
    body = answer.content.decode()
    assert answer.status_code == 200 and '<html lang="en">' in body
    assert 'role="status" data-testid="code-sent"' in body  # read out when it appears
    assert '<label for="id_code">' in body and 'id="id_code_helptext"' in body
    assert re.search(r'<input[^>]*name="phone"[^>]*readonly', body)
    assert 'name="action" value="send-code" formnovalidate' in body  # works without JavaScript
