"""API tokens expire, carry a scope and end with a password reset (issue 19, finding 16),
each attack through the test client: an expired token, a read token that writes, a token
of an account whose password was reset; the terms of a new token (days, scope, label) on
the command line and on `/me/tokens`, hostile ones refused with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
import typer
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from learncity import cli_staff
from learncity.catalog.models import Schedule
from learncity.enrollment.models import Offer
from learncity.learners.models import ApiToken, StaffAudit
from learncity.learners.services import (
    TokenHolder,
    TokenTermsInvalid,
    api_token_create,
    api_token_holder,
    api_token_terms_check,
    learner_sign_up,
)
from learncity.notifications.models import OutboxMessage
from tests.clients import api_call

TOKEN = re.compile(r"lc_[A-Za-z0-9_\-]{20,}")
PASSWORD = "Token-city-2026!"


def _cli(*args: str) -> Any:
    app = typer.Typer()
    cli_staff.register(app)
    return CliRunner().invoke(app, list(args))


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _offer_body(world: Mapping[str, Any]) -> dict[str, Any]:
    """A new offer of a course that has not ended (rolled back with the test)."""
    schedule_id = world["schedules"][7][0]
    Offer.objects.filter(schedule_id=schedule_id).delete()
    today = timezone.localdate()
    Schedule.objects.filter(pk=schedule_id).update(
        start_date=today + dt.timedelta(days=10), end_date=today + dt.timedelta(days=60)
    )
    now = timezone.now()
    return {
        "schedule_id": schedule_id,
        "capacity": 10,
        "opens_at": now.isoformat(),
        "closes_at": (now + dt.timedelta(days=7)).isoformat(),
    }


def _lives(row: ApiToken) -> int:
    """The token's life in whole days (issued a moment before its row was written)."""
    life = row.expires_at - row.created_at
    assert abs(life - dt.timedelta(days=round(life / dt.timedelta(days=1)))) < dt.timedelta(
        seconds=5
    )
    return round(life / dt.timedelta(days=1))


# ------------------------------------------------------------------ expiry


def test_an_expired_token_authenticates_nobody(db: None, world: Mapping[str, Any]) -> None:
    citizen = world["users"]["citizen"]
    token = api_token_create(citizen.pk, "script", days=1)
    row = ApiToken.objects.get(user=citizen, label="script")
    assert _lives(row) == 1
    assert api_call(token, "get", "/api/v1/applications").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused = api_call(token, "get", "/api/v1/applications")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized" and set(refused.json()) == {
        "code",
        "message",
        "details",
    }
    # the very moment it expires it is over; a microsecond before it still works
    expires_at = ApiToken.objects.get(pk=row.pk).expires_at
    assert api_token_holder(token, now=expires_at) is None
    assert api_token_holder(token, now=expires_at - dt.timedelta(microseconds=1)) == TokenHolder(
        citizen.pk, None, "write"
    )


# ------------------------------------------------------------------ scope


def test_a_read_token_reads_but_its_write_is_refused_with_nothing_changed(
    db: None, world: Mapping[str, Any]
) -> None:
    admin = world["users"]["city_admin"]
    body = _offer_body(world)
    read = api_token_create(admin.pk, "reader", scope="read")
    assert api_call(read, "get", "/api/v1/applications").status_code == 200
    offers, audit = Offer.objects.count(), StaffAudit.objects.count()
    refused = api_call(read, "post", "/api/v1/offers", body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "token_scope"
    assert refused.json()["details"] == {"scope": "read"}
    assert "읽기만" in refused.json()["message"]
    assert (Offer.objects.count(), StaffAudit.objects.count()) == (offers, audit)
    assert not Offer.objects.filter(schedule_id=body["schedule_id"]).exists()
    # in the reader's language
    english = Client(HTTP_HOST="127.0.0.1").post(
        "/api/v1/offers",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 403 and "may only read" in english.json()["message"]
    # the same person's write token may (the refusal was the scope, not the person)
    write = api_token_create(admin.pk, "writer", scope="write")
    assert api_call(write, "post", "/api/v1/offers", body).status_code == 201
    assert Offer.objects.filter(schedule_id=body["schedule_id"]).count() == 1


@pytest.mark.parametrize(
    ("method", "read_may"),
    [
        ("GET", True),
        ("HEAD", True),
        ("OPTIONS", True),
        ("get", True),
        ("POST", False),
        ("PUT", False),
        ("PATCH", False),
        ("DELETE", False),
        ("", False),
    ],
)
def test_a_read_token_may_only_read(method: str, read_may: bool) -> None:
    assert TokenHolder(1, None, "read").may(method) is read_may
    assert TokenHolder(1, None, "write").may(method) is True


# ------------------------------------------------------------------ password reset


def test_a_password_reset_revokes_every_token_of_the_account(db: None) -> None:
    person = learner_sign_up(
        username="token.holder",
        password=PASSWORD,
        name="김토큰",
        birth_year=1980,
        phone="010-5555-1919",
    )
    other = learner_sign_up(
        username="token.neighbour",
        password=PASSWORD,
        name="이이웃",
        birth_year=1981,
        phone="010-5555-2929",
    )
    tokens = [
        api_token_create(person.user_id, "read", scope="read"),
        api_token_create(person.user_id, "write"),
    ]
    theirs = api_token_create(other.user_id, "theirs")
    for token in (*tokens, theirs):
        assert api_call(token, "get", "/api/v1/applications").status_code == 200
    client = Client()
    assert client.post("/accounts/password-reset", {"identifier": "01055551919"}).status_code == 302
    message = OutboxMessage.objects.get(kind="password_reset", recipient="01055551919")
    link = re.search(r"http://testserver(/accounts/reset/\S+)", message.body).group(1)  # type: ignore[union-attr]
    # asking for a link changes nothing yet: only setting the new password revokes
    assert api_call(tokens[1], "get", "/api/v1/applications").status_code == 200
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "Another-token-2027!"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    for token in tokens:
        refused = api_call(token, "get", "/api/v1/applications")
        assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    assert not ApiToken.objects.filter(user_id=person.user_id, revoked_at__isnull=True).exists()
    assert api_call(theirs, "get", "/api/v1/applications").status_code == 200
    # a token issued after the reset works
    assert (
        api_call(api_token_create(person.user_id), "get", "/api/v1/applications").status_code == 200
    )


# ------------------------------------------------------------------ terms of a new token


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_the_days_are_1_to_365(days: int) -> None:
    if 1 <= days <= 365:
        assert api_token_terms_check(days=days, scope="read", label=" x ") == "x"
    else:
        with pytest.raises(TokenTermsInvalid) as refused:
            api_token_terms_check(days=days, scope="read", label="")
        assert refused.value.details == {"field": "days"}


@given(st.text(max_size=20))
def test_the_scope_is_read_or_write(scope: str) -> None:
    if scope in {"read", "write"}:
        assert api_token_terms_check(days=90, scope=scope, label="") == ""
    else:
        with pytest.raises(TokenTermsInvalid, match="read"):
            api_token_terms_check(days=90, scope=scope, label="")


@pytest.mark.parametrize(
    ("days", "scope", "label", "field"),
    [
        (0, "read", "", "days"),
        (366, "read", "", "days"),
        (True, "read", "", "days"),
        (90, "admin", "", "scope"),
        (90, "READ", "", "scope"),
        (90, "read", "x" * 101, "label"),
        (90, "read", "line\nbreak", "label"),
    ],
)
def test_hostile_terms_are_refused(days: Any, scope: str, label: str, field: str) -> None:
    with pytest.raises(TokenTermsInvalid) as refused:
        api_token_terms_check(days=days, scope=scope, label=label)
    assert refused.value.details == {"field": field}


def test_the_command_issues_with_days_and_scope_and_refuses_hostile_terms(
    db: None, world: Mapping[str, Any]
) -> None:
    before = ApiToken.objects.count()
    for args, says in [
        (("--days", "0"), "1일에서 365일"),
        (("--days", "100000"), "1일에서 365일"),
        (("--days", "-3"), "1일에서 365일"),
        (("--scope", "admin"), "read"),
        (("--name", "x" * 101), "100자"),
    ]:
        refused = _cli("tokens", "issue", "world-citizen", *args)
        assert refused.exit_code == 2, (args, refused.output)
        assert says in refused.output, (args, refused.output)
    assert _cli("tokens", "issue", "world-citizen", "--days", "abc").exit_code == 2
    assert ApiToken.objects.count() == before
    # the defaults: read, 90 days
    plain = json.loads(_cli("tokens", "issue", "world-citizen", "--json").output)
    row = ApiToken.objects.get(pk=plain["id"])
    assert (row.scope, plain["scope"]) == ("read", "read")
    assert _lives(row) == 90
    issued = _cli(
        "tokens", "issue", "world-citizen", "--days", "30", "--scope", "write", "--name", "sync"
    )
    assert issued.exit_code == 0, issued.output
    assert "write, expires" in issued.output
    token = TOKEN.search(issued.output)
    assert token
    row = ApiToken.objects.get(user=world["users"]["citizen"], label="sync")
    assert row.scope == "write"
    assert _lives(row) == 30
    listed = _cli("tokens", "list", "--user", "world-citizen").output
    line = next(line for line in listed.splitlines() if "\tsync\t" in line)
    assert "\twrite\t" in line and f"expires {row.expires_at:%Y-%m-%d}" in line
    assert line.endswith("live") and token.group(0) not in listed
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    listed = _cli("tokens", "list", "--user", "world-citizen").output
    assert next(line for line in listed.splitlines() if "\tsync\t" in line).endswith("expired")


def test_the_page_issues_with_days_and_scope_and_refuses_hostile_terms(
    db: None, world: Mapping[str, Any]
) -> None:
    citizen = _signed_in(world["users"]["citizen"])
    page = citizen.get("/me/tokens").content.decode()
    assert 'name="days"' in page and '<option value="90" selected>' in page
    assert 'value="read" checked' in page and 'value="write"' in page
    before = ApiToken.objects.count()
    for form, says in [
        ({"days": "0"}, "1일에서 365일"),
        ({"days": "100000"}, "1일에서 365일"),
        ({"days": "abc"}, "1일에서 365일"),
        ({"days": "9" * 5000}, "1일에서 365일"),
        ({"scope": "admin"}, "중에서 골라 주세요"),
        ({"label": "x" * 101}, "100자"),
        ({"label": "two\r\nlines"}, "100자"),
    ]:
        refused = citizen.post("/me/tokens", {"label": "hostile", **form})
        assert refused.status_code == 422, form
        text = refused.content.decode()
        assert 'data-testid="token-error"' in text and says in text, form
        assert not TOKEN.search(text), form
    assert ApiToken.objects.count() == before
    # the refusal in the page's language
    citizen.cookies["learncity_language"] = "en"
    english = citizen.post("/me/tokens", {"days": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert "Choose a validity of 1 to 365 days" in english.content.decode()
    citizen.cookies["learncity_language"] = "ko"
    issued = citizen.post("/me/tokens", {"label": "연동", "days": "30", "scope": "write"})
    assert issued.status_code == 200 and TOKEN.search(issued.content.decode())
    row = ApiToken.objects.get(user=world["users"]["citizen"], label="연동")
    assert row.scope == "write"
    assert _lives(row) == 30
    listing = citizen.get("/me/tokens", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    mine = listing[listing.index(f'data-testid="token-{row.pk}"') :].split("</tr>")[0]
    # the page shows the day in the city's time (KST), not in UTC
    assert "읽기와 쓰기" in mine and f"{timezone.localtime(row.expires_at):%Y-%m-%d}" in mine
    # no choice sent: read only, 90 days
    citizen.post("/me/tokens", {"label": "기본"})
    plain = ApiToken.objects.get(user=world["users"]["citizen"], label="기본")
    assert plain.scope == "read"
    assert _lives(plain) == 90
