"""The home page: Korean first, English on request, shows what is loaded."""

from __future__ import annotations

import pytest
from django.test import Client

from learncity.demo.city import demo_city_load

pytestmark = pytest.mark.django_db


def test_home_is_korean_by_default_and_english_on_request(
    client: Client, empty_database: None
) -> None:
    """On an empty database (the world's rows deleted inside the transaction), the demo city."""
    demo_city_load()
    korean = client.get("/")
    assert korean.status_code == 200
    body = korean.content.decode()
    assert '<html lang="ko">' in body
    assert "불러온 데이터" in body
    assert "데모 도시" in body  # the demo city is labelled
    assert "아침 힐링 요가" in body
    assert korean.headers["Content-Language"] == "ko"

    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.content.decode()
    assert "What is loaded" in english.content.decode()
    # the choice is remembered
    again = client.get("/")
    assert "What is loaded" in again.content.decode()


def test_unknown_language_falls_back_to_korean(client: Client) -> None:
    response = client.get("/?lang=xx")
    assert '<html lang="ko">' in response.content.decode()


def test_health(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_post_to_home_is_refused(client: Client) -> None:
    assert client.post("/").status_code == 405


@pytest.mark.django_db
def test_language_switch_keeps_the_query(client: Client) -> None:
    body = client.get("/?q=%EC%98%81%EC%96%B4&free=1").content.decode()
    assert 'href="?q=%EC%98%81%EC%96%B4&amp;free=1&amp;lang=en"' in body
    english = client.get("/?q=x&lang=en").content.decode()
    assert 'href="?q=x&amp;lang=ko"' in english
