"""Fixtures of the hostile-input run: the access matrix's state (an open offer with the world
citizen's confirmed application, a voucher with a payment, a funded project …), read-scope and
expired tokens beside it, and the database answering in-process like a real server."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.core.cache import cache
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from tests.access.test_matrix import things  # noqa: F401 - the fixture, shared


@pytest.fixture
def target(
    things: dict[str, Any],  # noqa: F811 - the fixture imported above
    world: Mapping[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, Any]]:
    """`things`, with more tokens: the citizen's read-only one and an expired one, and the
    exceptions the application met (their last frames), so that a 5xx says where it came from.

    Calls through WSGI stay inside the test's transaction (Django's request signals close the
    connection otherwise, as tests/api/test_schemathesis.py explains); the API's rate limit is
    raised so that 429 does not crowd out the other answers."""
    import traceback

    from learncity.learners.models import ApiToken
    from learncity.learners.services import api_token_create

    monkeypatch.setenv("LEARNCITY_API_RATE", "1000000")
    cache.clear()
    users = world["users"]
    tokens = dict(things["tokens"])
    tokens["citizen-read"] = api_token_create(users["citizen"].pk, "read", scope="read")
    expired = api_token_create(users["city_admin"].pk, "expired")
    ApiToken.objects.filter(user=users["city_admin"], label="expired").update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    tokens["expired"] = expired
    errors: list[str] = []

    def caught(sender: Any, request: Any = None, **kwargs: Any) -> None:
        errors.append(traceback.format_exc(limit=-4))

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(caught)
    try:
        yield {**things, "tokens": tokens, "errors": errors}
    finally:
        got_request_exception.disconnect(caught)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()
