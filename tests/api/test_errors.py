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
