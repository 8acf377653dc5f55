"""Rate limits shared by every worker (issue 19, finding 9): two workers count in one store
(the database's cache table), behind a trusted proxy each client has its own count, and a
client that is not the proxy cannot choose its address. The sign-up and the credential
verification pages are limited per address too."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.base import BaseCache
from django.db import connection
from django.test import Client

from learncity.config.cache import DatabaseCache
from learncity.core.ratelimit import rate_limit_hit
from tests.learners.factories import sign_up_code

PROXY = "10.20.0.1"


def regions(client: Client, **headers: str) -> int:
    return client.get("/api/v1/regions", {"limit": 1}, headers=headers).status_code


@pytest.fixture
def proxied(settings: Any) -> None:
    settings.LEARNCITY_TRUSTED_PROXIES = ["10.20.0.0/16"]


def test_the_shared_store_is_the_database_cache(db: None) -> None:
    assert isinstance(caches["default"], DatabaseCache)
    assert "learncity_cache" in connection.introspection.table_names()
    assert rate_limit_hit("test-store", key="192.0.2.200", limit=2, window=600) is None
    # a new cache object (another worker's) reads the same count from the table
    other: BaseCache = caches.create_connection("default")
    assert other is not cache
    assert rate_limit_hit("test-store", key="192.0.2.200", limit=2, window=600) is None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("learncity.core.ratelimit.cache", other)
        retry = rate_limit_hit("test-store", key="192.0.2.200", limit=2, window=600)
    assert retry is not None and 1 <= retry <= 600


def test_two_workers_share_one_count(
    committed: Mapping[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads, each with its own database connection and its own cache object, stand
    for two workers: 2 x 5 requests against a limit of 5 let exactly 5 through."""
    monkeypatch.setenv("LEARNCITY_API_RATE", "5")
    codes: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="192.0.2.201")
            start.wait()
            for _ in range(5):
                codes.append(regions(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(codes) == [200] * 5 + [429] * 5
    finally:
        cache.clear()


def test_behind_a_trusted_proxy_each_client_has_its_own_count(
    db: None, proxied: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNCITY_API_RATE", "2")
    behind = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=PROXY)
    first = {"X-Forwarded-For": "198.51.100.10"}
    second = {"X-Forwarded-For": "198.51.100.11"}
    assert [regions(behind, **first) for _ in range(3)] == [200, 200, 429]
    assert [regions(behind, **second) for _ in range(3)] == [200, 200, 429]
    # the client's own left-hand entries change nothing: the proxy's entry counts
    spoofed = {"X-Forwarded-For": "203.0.113.99, 198.51.100.10"}
    assert regions(behind, **spoofed) == 429


def test_a_client_that_is_no_proxy_cannot_choose_its_address(
    db: None, proxied: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEARNCITY_API_RATE", "2")
    direct = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="203.0.113.50")
    codes = [regions(direct, **{"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(20, 24)]
    assert codes == [200, 200, 429, 429]


@pytest.mark.parametrize(
    "forwarded",
    ["x" * 6000, "garbage, ,,", "[2001:db8::1]:443", "\t", "[2001:db8::1]", "::1, ::ffff:1.1.1.1"],
)
def test_hostile_headers_count_as_the_proxy_and_never_fail(
    db: None, proxied: None, monkeypatch: pytest.MonkeyPatch, forwarded: str
) -> None:
    monkeypatch.setenv("LEARNCITY_API_RATE", "1")
    behind = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="10.20.0.2")
    codes = [regions(behind, **{"X-Forwarded-For": forwarded}) for _ in range(2)]
    if forwarded.startswith("::1"):  # a well-formed IPv6 client: its own count
        assert codes == [200, 429] and regions(behind) == 200
    else:  # the proxy's own count, which a plain request then finds spent
        assert codes == [200, 429] and regions(behind) == 429


SIGN_UP = {
    "password1": "Learn-city-2026!",
    "password2": "Learn-city-2026!",
    "name": "김시민",
    "birth_year": "1958",
    "email": "",
    "district_code": "",
    "neighbourhood_code": "",
    "consent_service": "on",
}


def test_sign_ups_are_limited_per_address(db: None, proxied: None, settings: Any) -> None:
    from learncity.learners.models import Learner

    settings.LEARNCITY_SIGNUPS_PER_ADDRESS = 1
    before = Learner.objects.count()

    def sign_up(n: int, client_address: str) -> Any:
        client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=PROXY)
        headers = {"X-Forwarded-For": client_address}
        phone = f"010-7777-{n:04d}"
        code = sign_up_code(client, phone, headers=headers)
        data = {**SIGN_UP, "username": f"limit.{n}", "phone": phone, "code": code}
        return client.post("/accounts/signup", data, headers=headers)

    assert sign_up(1, "198.51.100.30").status_code == 302
    refused = sign_up(2, "198.51.100.30")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Learner.objects.count() == before + 1
    # another address has its own count, which a form with a mistake does not spend
    mistaken = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=PROXY).post(
        "/accounts/signup",
        {
            **SIGN_UP,
            "username": "limit.x",
            "phone": "010-7777-0009",
            "code": "123456",
            "password2": "other",
        },
        headers={"X-Forwarded-For": "198.51.100.31"},
    )
    assert mistaken.status_code == 400
    assert sign_up(3, "198.51.100.31").status_code == 302
    assert Learner.objects.count() == before + 2


def test_verifications_are_limited_per_address(db: None, proxied: None, settings: Any) -> None:
    settings.LEARNCITY_VERIFICATIONS_PER_MINUTE = 2
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=PROXY)

    def verify(address: str) -> int:
        page = client.post(
            "/credentials/verify", {"credential": "not.a.jwt"}, headers={"X-Forwarded-For": address}
        )
        return page.status_code

    assert [verify("198.51.100.40") for _ in range(3)] == [200, 200, 429]
    assert verify("198.51.100.41") == 200
