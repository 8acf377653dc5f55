"""Issue 19, findings 3 and 4, performed as an attacker would through Django's test client
(each request from its own REMOTE_ADDR), asserted to fail now:

- five wrong passwords from one address no longer lock the owner out elsewhere;
- one password sprayed across many names from one address is throttled;
- password-reset requests queue at most the limit per account and per address, the answer
  is the same whatever happened, and only the newest link works.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from learncity.learners.models import Learner, LoginThrottle, PasswordResetLink
from learncity.notifications.models import OutboxMessage
from tests.learners.factories import PASSWORD, citizen

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.9"
OWNER = "198.51.100.4"
LANGUAGE_COOKIE = "learncity_language"
LOCKED_NAME = "로그인에 여러 번 실패해서"
LOCKED_ADDRESS = "이 곳에서 로그인에 너무 여러 번 실패해서"


def sign_in(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        "/accounts/login", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def counters(kind: str = LoginThrottle.Kind.SIGN_IN) -> dict[tuple[str, str], tuple[int, bool]]:
    """(address, key) -> (failures in the window, locked now) of every counter of a kind."""
    now = timezone.now()
    return {
        (row.address, row.key): (
            row.failures,
            row.locked_until is not None and row.locked_until > now,
        )
        for row in LoginThrottle.objects.filter(kind=kind)
    }


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# ------------------------------------------------------------------ finding 3: sign-in


def test_an_attackers_failures_do_not_lock_the_owner_out_from_another_address() -> None:
    learner, _ = citizen()
    name = learner.user.username
    attacker = Client()
    for attempt in range(1, 5):
        wrong = sign_in(attacker, name, "guess-123", ATTACKER)
        assert wrong.status_code == 400, attempt
        assert counters() == {(ATTACKER, ""): (attempt, False), (ATTACKER, name): (attempt, False)}
    fifth = sign_in(attacker, name, "guess-123", ATTACKER)
    assert fifth.status_code == 429 and LOCKED_NAME in fifth.content.decode()
    assert counters() == {(ATTACKER, ""): (5, False), (ATTACKER, name): (0, True)}
    # more tries from there are refused without checking the password, and not counted
    sixth = sign_in(attacker, name, PASSWORD, ATTACKER)
    assert sixth.status_code == 429 and not signed_in(attacker)
    assert counters() == {(ATTACKER, ""): (5, False), (ATTACKER, name): (0, True)}

    # the owner, elsewhere, with the right password: signed in (before issue 19: 429)
    owner = Client()
    answer = sign_in(owner, name, PASSWORD, OWNER)
    assert answer.status_code == 302 and signed_in(owner)
    assert int(owner.session["_auth_user_id"]) == learner.user_id
    # the owner's success lifts nothing of the attacker's lock, and nothing was counted for
    # the owner's address
    assert counters() == {(ATTACKER, ""): (5, False), (ATTACKER, name): (0, True)}
    assert sign_in(Client(), name, PASSWORD, ATTACKER).status_code == 429


def test_one_password_sprayed_across_many_names_from_one_address_is_throttled(
    settings: Any,
) -> None:
    assert settings.LEARNCITY_LOGIN_ADDRESS_FAILURES == 20  # the default
    learner, _ = citizen()
    sprayer = Client()
    names = [f"sprayed.name{i}" for i in range(25)]
    for i, name in enumerate(names[:19]):
        assert sign_in(sprayer, name, "Spring2026!", ATTACKER).status_code == 400, name
        assert counters()[(ATTACKER, "")] == (i + 1, False)
    twentieth = sign_in(sprayer, names[19], "Spring2026!", ATTACKER)
    assert twentieth.status_code == 429
    body = twentieth.content.decode()
    assert LOCKED_ADDRESS in body
    until = LoginThrottle.objects.get(address=ATTACKER, key="").locked_until
    assert until is not None and f"{timezone.localtime(until):%H:%M}까지" in body
    # no single name reached its own limit: only the address stops the spray
    assert all(counters()[(ATTACKER, n)] == (1, False) for n in names[:20])
    # every further name from that address is refused, even a right password, uncounted
    before = counters()
    for name in names[20:]:
        assert sign_in(sprayer, name, "Spring2026!", ATTACKER).status_code == 429
    right = sign_in(sprayer, learner.user.username, PASSWORD, ATTACKER)
    assert right.status_code == 429 and not signed_in(sprayer)
    assert counters() == before
    # the same account from another address signs in
    owner = Client()
    assert sign_in(owner, learner.user.username, PASSWORD, OWNER).status_code == 302
    assert signed_in(owner)


def test_a_refusal_says_when_to_try_again_in_the_pages_language(settings: Any) -> None:
    settings.LEARNCITY_LOGIN_ADDRESS_FAILURES = 3
    english = Client()
    english.cookies[LANGUAGE_COOKIE] = "en"
    for name in ("a.name", "b.name"):
        assert sign_in(english, name, "wrong-1", ATTACKER).status_code == 400
    refused = sign_in(english, "c.name", "wrong-1", ATTACKER)
    assert refused.status_code == 429
    until = timezone.localtime(LoginThrottle.objects.get(address=ATTACKER, key="").locked_until)
    body = refused.content.decode()
    assert f"signing in is paused until {until:%H:%M}" in body
    assert LOCKED_ADDRESS not in body
    wait = int(refused["Retry-After"])
    assert 14 * 60 < wait <= 15 * 60  # LEARNCITY_LOGIN_LOCKOUT, 15 minutes
    korean = sign_in(Client(), "d.name", "wrong-1", ATTACKER)
    assert korean.status_code == 429 and f"{until:%H:%M}까지" in korean.content.decode()


def test_signing_in_to_ones_own_account_does_not_reset_the_addresss_count() -> None:
    learner, _ = citizen()
    client = Client()
    for name in ("x.one", "x.two", "x.three"):
        sign_in(client, name, "wrong-1", ATTACKER)
    assert sign_in(client, learner.user.username, PASSWORD, ATTACKER).status_code == 302
    assert counters()[(ATTACKER, "")] == (3, False)


# ------------------------------------------------------------------ finding 4: reset


def reset(client: Client, identifier: str, address: str) -> Any:
    return client.post("/accounts/password-reset", {"identifier": identifier}, REMOTE_ADDR=address)


def links_to(learner: Learner) -> list[str]:
    bodies = OutboxMessage.objects.filter(kind="password_reset", recipient=learner.phone)
    return [
        re.search(r"http://testserver(/accounts/reset/\S+)", body).group(1)  # type: ignore[union-attr]
        for body in bodies.order_by("id").values_list("body", flat=True)
    ]


def test_reset_requests_in_a_row_queue_at_most_the_limit_per_account(settings: Any) -> None:
    assert settings.LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT == 3  # the default
    learner, _ = citizen()
    other, _ = citizen()
    client = Client()
    answers = []
    for i in range(5):  # a second apart or from five addresses: the account's count
        answers.append(reset(client, learner.phone, f"192.0.2.{i + 1}"))
        assert len(links_to(learner)) == min(i + 1, 3)
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password-reset/sent")
    }
    state = counters(LoginThrottle.Kind.PASSWORD_RESET)
    assert state[("", str(learner.user_id))] == (0, True)
    assert all(state[(f"192.0.2.{i + 1}", "")] == (1, False) for i in range(5))
    # another account is not held by this one's limit
    reset(client, other.phone, "192.0.2.1")
    assert len(links_to(other)) == 1


def test_reset_requests_from_one_address_are_limited_whatever_the_account(
    settings: Any,
) -> None:
    assert settings.LEARNCITY_PASSWORD_RESETS_PER_ADDRESS == 10  # the default
    people = [citizen()[0] for _ in range(12)]
    client = Client()
    for i in range(5):  # requests for nobody count against the address too
        reset(client, f"nobody{i}@example.org", ATTACKER)
    for person in people:
        reset(client, person.phone, ATTACKER)
    sent = [p for p in people if links_to(p)]
    assert sent == people[:5]
    assert counters(LoginThrottle.Kind.PASSWORD_RESET)[(ATTACKER, "")] == (0, True)
    # from another address the next person still gets a link
    reset(client, people[5].phone, OWNER)
    assert len(links_to(people[5])) == 1


def test_the_answer_is_the_same_for_an_account_nobody_and_a_reached_limit(
    settings: Any,
) -> None:
    settings.LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT = 1
    learner, _ = citizen()
    client = Client()
    pages = []
    for identifier in (learner.phone, "nobody@example.org", learner.phone):
        answer = reset(client, identifier, ATTACKER)
        page = client.get(answer["Location"])
        pages.append((answer.status_code, answer["Location"], page.status_code, page.content))
    assert len(links_to(learner)) == 1  # the third was over the limit
    assert pages[0] == pages[1] == pages[2]


def test_a_new_reset_link_ends_the_one_before(settings: Any) -> None:
    settings.LEARNCITY_PASSWORD_RESETS_PER_ACCOUNT = 4  # four links in this test
    learner, _ = citizen()
    client = Client()
    reset(client, learner.phone, OWNER)
    first_nonce = PasswordResetLink.objects.get(user_id=learner.user_id).nonce
    reset(client, learner.phone, OWNER)
    older, newer = links_to(learner)
    assert PasswordResetLink.objects.get(user_id=learner.user_id).nonce != first_nonce
    expired = client.get(older, follow=True).content.decode()
    assert "이 주소는 만료되었거나 이미 쓰였습니다" in expired
    page = client.get(newer, follow=True)
    set_url = page.redirect_chain[-1][0]
    assert set_url.endswith("/set-password")
    new = "Another-city-2027!"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/login"
    learner.user.refresh_from_db()
    assert learner.user.check_password(new)
    assert not PasswordResetLink.objects.filter(user_id=learner.user_id).exists()
    # a link opened before a newer one was issued is refused when it is used
    reset(client, learner.phone, OWNER)
    opened = Client()
    set_url = opened.get(links_to(learner)[-1], follow=True).redirect_chain[-1][0]
    reset(client, learner.phone, OWNER)
    third = "Third-pass-2028!"
    late = opened.post(set_url, {"new_password1": third, "new_password2": third})
    assert late.status_code == 200
    assert "이 주소는 만료되었거나 이미 쓰였습니다" in late.content.decode()
    learner.user.refresh_from_db()
    assert learner.user.check_password(new)
