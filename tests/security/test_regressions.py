"""Each 5xx the hostile-input run found, as the request that found it: now a clear refusal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from learncity.enrollment.selectors import offer_of_programme
from tests.security import hostile
from tests.security.test_hostile_api import OPERATIONS


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


WITH_IDS = [(m, p) for m, p in OPERATIONS if re.search(r"\{\w+_id\}", p)]


@pytest.mark.parametrize(("method", "path"), WITH_IDS, ids=[f"{m} {p}" for m, p in WITH_IDS])
def test_an_id_beyond_64_bits_is_no_row_on_every_operation(
    method: str, path: str, target: dict[str, Any]
) -> None:
    # POST /api/v1/venues/{id}/checkins with a 23-digit id reached SQLite (OverflowError: a
    # 500; found by CI's hostile run): every operation with an id in its path, as a staff
    # member who may act, with the largest ids, answers a refusal and changes nothing.
    before = hostile.fingerprint()
    for who in ("city_admin", "institution_staff"):
        for huge in (2**63, 10**40):
            address = re.sub(r"\{(\w+_id)\}", str(huge), path).replace("{month}", "2026-01")
            response = Client().generic(
                method.upper(),
                address,
                '{"request_key": "regress-01", "idempotency_key": "regress-01"}',
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {target['tokens'][who]}",
            )
            assert response.status_code < 500, (who, address, response.status_code)
    assert target["errors"] == []
    assert hostile.difference(before, hostile.fingerprint()) == {}
