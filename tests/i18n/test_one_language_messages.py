"""Messages come in the reader's language, one at a time: Korean by default, English with
`?lang=en`, never one string holding both ("직원만 … · this page is for staff").

A representative page of each kind: the console's refusal, the survey's 5-point scale, the
credential verifier's reasons (page and API), the kiosk's network banner."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client

from learncity.analytics.models import SurveyInvitation
from tests.analytics.test_survey import complete, open_links, token_of
from tests.attendance.factories import course
from tests.learners.factories import citizen

HANGUL = re.compile("[\uac00-\ud7a3]")
# Korean, a separator, then an English word: the old "한국어 · English" pairs
MIXED = re.compile(r"[\uac00-\ud7a3][^<>\n]{0,80}? [·/] [A-Za-z]{3,}")


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_console_refusal_is_korean_by_default_and_english_on_request(db):
    learner, _ = citizen()
    client = Client()
    client.force_login(learner.user)
    korean = client.get("/console/?year=2026")
    assert korean.status_code == 403
    assert "직원만 볼 수 있는 페이지입니다" in _text(korean)
    assert "this page is for staff" not in _text(korean).lower()
    english = client.get("/console/?year=2026&lang=en")
    assert english.status_code == 403
    assert "This page is for staff" in _text(english)
    assert "직원만" not in _text(english)
    planning = client.get("/console/planning/?lang=en")
    assert planning.status_code == 403 and "This page is for staff" in _text(planning)
    for page in (korean, english, planning):
        assert not MIXED.search(_text(page)), MIXED.search(_text(page))


def test_survey_scale_and_errors_follow_the_language(db, world):
    c = complete(world, 9, [{}])
    token = token_of(next(iter(c["people"])))
    open_links()
    client = Client()
    korean = _text(client.get(f"/survey/{token}"))
    assert "1 · 매우 불만족" in korean and "5 · 매우 만족" in korean
    assert "dissatisfied" not in korean
    english = _text(client.get(f"/survey/{token}?lang=en"))
    assert "1 · very dissatisfied" in english and "3 · neutral" in english
    assert "5 · very satisfied" in english and "매우" not in english
    bad = client.post(f"/survey/{token}?lang=en", {"overall": "9"})
    assert bad.status_code == 422 and "Choose one of 1 to 5" in _text(bad)
    assert "1~5 중" not in _text(bad)
    for text in (korean, english, _text(bad)):
        assert not MIXED.search(text), MIXED.search(text)
    assert SurveyInvitation.objects.filter(responded_at__isnull=False).count() == 0


def test_credential_verification_reasons_follow_the_language(db):
    client = Client()
    korean = client.post("/credentials/verify", {"credential": "not a credential"})
    assert 'data-reason="malformed"' in _text(korean)
    assert "증명서 형식이 아닙니다" in _text(korean) and "Not a credential" not in _text(korean)
    english = client.post("/credentials/verify?lang=en", {"credential": "not a credential"})
    assert 'data-reason="malformed"' in _text(english)
    assert "Not a credential (VC-JWT or its JSON envelope)" in _text(english)
    assert "증명서 형식이" not in _text(english)
    missing = _text(client.get("/credentials/verify?id=nonsense&lang=en"))
    assert 'data-reason="not_found"' in missing and "No such credential" in missing
    assert "찾을 수 없습니다" not in missing
    for text in (_text(korean), _text(english), missing):
        assert not MIXED.search(text), MIXED.search(text)
    api = Client(HTTP_HOST="127.0.0.1")
    for path, expected in (
        ("/api/v1/credentials/verify", "증명서 형식이 아닙니다"),
        ("/api/v1/credentials/verify?lang=en", "Not a credential (VC-JWT or its JSON envelope)"),
    ):
        answer = api.post(path, {"credential": "xyz"}, content_type="application/json").json()
        assert (answer["valid"], answer["reason"], answer["message"]) == (
            False,
            "malformed",
            expected,
        )


def _kiosk_config(response: Any) -> dict[str, Any]:
    found = re.search(
        r'<script id="kiosk-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "the kiosk page carries its configuration"
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_kiosk_network_banner_follows_the_language(db, world):
    from django.contrib.auth.models import User

    c = course(world, 0)
    client = Client()
    client.force_login(User.objects.get(pk=world["staff"].user_id))
    korean = _kiosk_config(client.get(f"/kiosk/{c['venue_id']}"))["banner"]
    assert korean == {
        "offline": "오프라인 — {n}건 대기 중",
        "sending": "전송 중 — {n}건 대기 중",
        "sign_in": "담당자 로그인 필요 — {n}건 대기 중",
    }
    english = _kiosk_config(client.get(f"/kiosk/{c['venue_id']}?lang=en"))["banner"]
    assert english == {
        "offline": "Offline — {n} waiting",
        "sending": "Sending — {n} waiting",
        "sign_in": "Staff: sign in again — {n} waiting",
    }
