"""The record endpoints of the JSON API: a learner's own record, transcript, credentials and
personal data; who may read whose; anonymous refused."""

from __future__ import annotations

import json

from django.test import Client

from learncity.learners.services import api_token_create
from learncity.records import credentials, services
from tests.records.factories import completed


def api(actor) -> Client:
    token = api_token_create(user_id=actor.user_id, label="records test")
    return Client(headers={"authorization": f"Bearer {token}"})


def test_record_transcript_credentials_and_data_by_api(city):
    _learner, actor, _ = completed(city, name="박영희")
    other, _other_actor, _ = completed(city, name="최철수", title="수채화")
    services.records_sync()
    client = api(actor)
    record = client.get("/api/v1/me/record").json()
    assert record["courses"] == 1 and record["hours"] == 8.0
    assert [e["title"] for e in record["entries"]] == ["한글 교실"]
    transcript = client.get("/api/v1/me/transcript").json()
    assert "한글 교실" in str(transcript) and "수채화" not in str(transcript)
    listed = client.get("/api/v1/me/credentials").json()
    assert len(listed) == 1 and listed[0]["revoked"] is False
    envelope = client.get(f"/api/v1/me/credentials/{listed[0]['uuid']}").json()
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    assert credentials.credential_verify(json.dumps(envelope)).valid
    data = client.get("/api/v1/me/personal-data").json()
    assert "박영희" in str(data) and "최철수" not in str(data)
    # nobody else's
    assert client.get(f"/api/v1/me/record?learner_id={other.pk}").status_code == 403
    assert (
        client.get("/api/v1/me/credentials/00000000-0000-4000-8000-000000000000").status_code == 404
    )
    assert client.get("/api/v1/me/credentials/not-a-uuid").status_code == 404
    # the city's readers may read anyone's; other staff may not
    assert api(city.auditor).get(f"/api/v1/me/record?learner_id={other.pk}").json()["courses"] == 1
    assert api(city.instructor).get(f"/api/v1/me/record?learner_id={other.pk}").status_code == 403
    assert Client().get("/api/v1/me/record").status_code == 401
