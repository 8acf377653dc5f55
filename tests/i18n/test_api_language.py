"""API errors: the `code` is a stable English identifier, the `message` is in the
request's language: Korean by default, English with `?lang=en` or `Accept-Language: en`
(a cookie or `?lang=` wins over the header; pages ignore the header on purpose)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

HANGUL = re.compile("[\uac00-\ud7a3]")
MISSING = "/api/v1/programmes/2147483647"


def _get(path: str, **headers: str) -> dict:
    response = Client(HTTP_HOST="127.0.0.1").get(path, **headers)
    assert response["Content-Type"].startswith("application/json")
    return {"status": response.status_code, **response.json()}


def test_not_found_in_korean_by_default(db):
    answer = _get(MISSING)
    assert (answer["status"], answer["code"]) == (404, "not_found")
    assert answer["message"] == "찾을 수 없습니다"
    assert "2147483647" in answer["details"]["reason"]  # the service's own words kept


@pytest.mark.parametrize(
    "how",
    [{"path": MISSING + "?lang=en"}, {"path": MISSING, "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}],
)
def test_not_found_in_english_on_request(db, how):
    answer = _get(how.pop("path"), **how)
    assert (answer["status"], answer["code"]) == (404, "not_found")
    assert answer["message"] == "no programme 2147483647"  # the service's English as it is
    assert not HANGUL.search(answer["message"])


def test_a_translated_service_message_follows_the_language(db):
    """A service's own words (a gettext msgid) arrive as they are, in the language."""
    korean = _get("/api/v1/applications")
    english = _get("/api/v1/applications", HTTP_ACCEPT_LANGUAGE="en")
    assert korean["code"] == english["code"] == "unauthorized"
    assert korean["message"] == "로그인하거나 API 토큰을 보내 주세요"
    assert english["message"] == "Sign in or send an API token"


def test_the_cookie_and_the_parameter_win_over_the_header(db):
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["learncity_language"] = "ko"
    answer = client.get(MISSING, HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["message"] == "찾을 수 없습니다"
    assert not HANGUL.search(client.get(MISSING + "?lang=en").json()["message"])


@pytest.mark.parametrize(
    "header", ["", "xx", "fr-FR,de;q=0.5", "en" * 500, ";;;,,,", "ko;q=1,en;q=0.1"]
)
def test_hostile_or_unknown_headers_fall_back_to_korean(db, header):
    answer = _get(MISSING, HTTP_ACCEPT_LANGUAGE=header)
    assert answer["code"] == "not_found"
    assert answer["message"] == "찾을 수 없습니다"


def test_pages_ignore_the_browser_header(db):
    page = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "ko"


@pytest.mark.parametrize(
    ("language", "code", "message", "shown"),
    [
        ("ko", "forbidden", "not your institution", "이 일을 할 권한이 없습니다"),
        ("en", "not_found", "이 강좌는 없습니다", "Not found"),
        ("en", "some_new_code", "새 오류", "This request cannot be done"),
        ("ko", "window_closed", "지금은 신청 기간이 아닙니다", "지금은 신청 기간이 아닙니다"),
        ("en", "window_closed", "applications are closed", "applications are closed"),
    ],
)
def test_a_message_not_in_the_reader_language_gives_way_to_the_code_words(
    language, code, message, shown
):
    from django.utils import translation

    from learncity.core.error_words import error_body

    with translation.override(language):
        body = error_body(code, message, {"field": "x"})
    assert body["code"] == code
    assert body["message"] == shown
    assert body["details"]["field"] == "x"
    assert body["details"].get("reason", message) == message
