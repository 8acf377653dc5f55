"""Each 5xx the hostile-input run found, as the request that found it: now a clear refusal."""

from __future__ import annotations

from typing import Any

from django.test import Client

from learncity.enrollment.selectors import offer_of_programme
from tests.security import hostile


def test_a_programme_id_beyond_64_bits_is_no_programme(target: Any, world: Any) -> None:
    # SQLite raised OverflowError ("Python int too large to convert to SQLite INTEGER"): 500
    client = Client()
    client.force_login(world["users"]["officer"])
    before = hostile.fingerprint()
    response = client.post("/programmes/9223372036854775808/apply", {"idempotency_key": "x"})
    assert response.status_code == 404
    assert offer_of_programme(2**63) is None
    assert hostile.difference(before, hostile.fingerprint()) == {}


def test_superscript_digits_are_no_number(db: None, world: Any) -> None:
    # str.isdigit() is true for "²" and int("²") raises ValueError: the search API answered
    # 500 on ?weekday=² (found by the hostile run at 5,200 requests on PostgreSQL). Every
    # "digits only" check now uses str.isdecimal(), whose characters int() always reads.
    client = Client()
    for query in ("weekday=²", "weekday=¹²", "weekday=３"):
        response = client.get(f"/api/v1/programmes?{query}")
        assert response.status_code < 500, (query, response.status_code)
    assert not "²".isdecimal() and "２".isdecimal() and int("２") == 2


def test_a_user_name_with_a_nul_is_no_user(db: None, world: Any) -> None:
    # PostgreSQL refuses NUL in a query ("text fields cannot contain NUL"): issuing a token
    # for the user name "\x00" on /me/tokens answered 500 (found at 5,200 requests).
    client = Client()
    client.force_login(world["users"]["city_admin"])
    before = hostile.fingerprint()
    response = client.post("/me/tokens", {"username": "\x00", "days": "30", "scope": "read"})
    assert response.status_code == 404 or 400 <= response.status_code < 500
    assert hostile.difference(before, hostile.fingerprint()) == {}
