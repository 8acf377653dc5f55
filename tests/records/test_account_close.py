"""Closing an account asks for the current password again (issue 19, finding 16): someone
at a session left open, or with a borrowed one, cannot erase the person. Through the test
client: no password, a wrong one, an absurdly long one, the right one with the wrong word
— refused in the page's language with nothing changed; the word and the password — closed
as before, the person's API tokens with it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from learncity.learners.models import ApiToken, Learner
from learncity.learners.services import api_token_create
from learncity.records import services
from learncity.records.errors import ConfirmationRequired
from tests.clients import api_call
from tests.clients import signed_in as client_of
from tests.learners.factories import PASSWORD, citizen

pytestmark = pytest.mark.django_db


def _state(learner: Learner) -> tuple[object, ...]:
    user = User.objects.get(pk=learner.user_id)
    row = Learner.objects.get(pk=learner.pk)
    return (
        user.username,
        user.is_active,
        user.password,
        row.name,
        row.phone,
        ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).count(),
    )


@pytest.mark.parametrize(
    "form",
    [
        {"confirmation": "탈퇴"},
        {"confirmation": "탈퇴", "password": ""},
        {"confirmation": "탈퇴", "password": "not-" + PASSWORD},
        {"confirmation": "탈퇴", "password": PASSWORD.upper()},
        {"confirmation": "탈퇴", "password": PASSWORD + " "},
        {"confirmation": "탈퇴", "password": "x" * 100_000},
    ],
)
def test_closing_without_the_right_password_is_refused_and_changes_nothing(
    form: dict[str, str],
) -> None:
    learner, actor = citizen(name="김그대로")
    token = api_token_create(actor.user_id, "script")
    before = _state(learner)
    client = client_of(actor)
    refused = client.post("/me/account/delete", form)
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'data-testid="refusal"' in text and "비밀번호가 맞지 않습니다" in text
    assert _state(learner) == before
    assert client.get("/me/account/delete").status_code == 200  # still signed in
    assert api_call(token, "get", "/api/v1/applications").status_code == 200
    username = User.objects.get(pk=actor.user_id).username
    assert Client().login(username=username, password=PASSWORD)


def test_the_refusal_is_in_the_page_s_language() -> None:
    learner, actor = citizen()
    before = _state(learner)
    client = client_of(actor)
    client.cookies["learncity_language"] = "en"
    refused = client.post(
        "/me/account/delete",
        {"confirmation": "delete", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert "The password is not right" in refused.content.decode()
    assert _state(learner) == before


def test_the_right_password_without_the_word_is_refused_too() -> None:
    learner, actor = citizen()
    before = _state(learner)
    refused = client_of(actor).post(
        "/me/account/delete", {"confirmation": "네", "password": PASSWORD}
    )
    assert refused.status_code == 422 and "확인란에" in refused.content.decode()
    assert _state(learner) == before


def test_the_word_and_the_password_close_the_account_and_its_tokens() -> None:
    learner, actor = citizen(name="김탈퇴")
    other, other_actor = citizen(name="이남음")
    token = api_token_create(actor.user_id, "script")
    theirs = api_token_create(other_actor.user_id, "theirs")
    page = client_of(actor).get("/me/account/delete").content.decode()
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    client = client_of(actor)
    done = client.post("/me/account/delete", {"confirmation": "탈퇴", "password": PASSWORD})
    assert done.status_code == 200 and "탈퇴가 완료" in done.content.decode()
    user = User.objects.get(pk=actor.user_id)
    assert not user.is_active and user.username.startswith("erased-")
    assert Learner.objects.get(pk=learner.pk).name == "탈퇴 회원"
    assert api_call(token, "get", "/api/v1/applications").status_code == 401
    assert api_call(theirs, "get", "/api/v1/applications").status_code == 200
    assert Learner.objects.get(pk=other.pk).name == "이남음"


def test_the_service_asks_for_the_password_whoever_calls_it() -> None:
    learner, actor = citizen()
    before = _state(learner)
    with pytest.raises(ConfirmationRequired) as refused:
        services.account_erase(user_id=actor.user_id, confirmation="delete", password="")
    assert refused.value.details == {"field": "password"}
    assert _state(learner) == before
