"""Bodies the API cannot read get the documented JSON error, signed in or not."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from learncity.learners.services import api_token_create


@pytest.mark.parametrize("body", ["\x00", "{", "[1, 2", "offer_id=1", '{"offer_id": }'])
def test_a_body_that_is_not_json_is_a_422_invalid_request(db, body):
    user = User.objects.create_user("json-citizen", password="x-Json-2026")
    token = api_token_create(user.pk)
    answers = [
        Client().post("/api/v1/credentials/verify", body, content_type="application/json"),
        Client().post(
            "/api/v1/applications",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        ),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.content
        assert answer.json()["code"] == "invalid_request"


def _database_down(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> None:
    from django.db import OperationalError

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection to server at 127.0.0.1 failed: timeout expired")

    monkeypatch.setattr(module, name, refuse)


def test_the_api_answers_its_own_503_when_the_database_does_not(db, monkeypatch):
    """Database down (issue 19, finding 19): the API's JSON 503 with a stable code and a
    Retry-After, in the reader's language; not Django's HTML 500."""
    from learncity.api import v1

    _database_down(monkeypatch, v1, "programme_search")
    answer = Client().get("/api/v1/programmes?q=요가")
    assert answer.status_code == 503 and answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "database_unavailable" and answer["Retry-After"] == "30"
    assert "데이터베이스" in body["message"]
    english = Client().get("/api/v1/programmes?q=yoga", HTTP_ACCEPT_LANGUAGE="en")
    assert "database" in english.json()["message"].lower()


def test_healthz_names_the_database_when_it_does_not_answer(db, monkeypatch):
    from django.db import connection

    class Down:
        def __enter__(self) -> None:
            from django.db import OperationalError

            raise OperationalError("could not connect to server")

        def __exit__(self, *args: object) -> None:
            return None

    with monkeypatch.context() as patched:  # undone before the test database is asked again
        patched.setattr(connection, "cursor", Down)
        answer = Client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable" and answer.json()["failed"] == ["database"]
