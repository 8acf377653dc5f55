"""The client's address that every rate limit counts (learncity.core.ratelimit): the
connection's, or behind a trusted proxy the address that proxy names, never one a client
chose; and the shared store the limits count in (settings.CACHES)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory

from learncity.core.ratelimit import client_address

PROXIES = ["10.0.0.0/8", "2001:db8:ff::/48"]


def address(remote: str | None, forwarded: str | None = None) -> str:
    request = RequestFactory().get("/")
    if remote is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(request)


@pytest.fixture
def proxied(settings: Any) -> None:
    settings.LEARNCITY_TRUSTED_PROXIES = PROXIES


def test_without_trusted_proxies_the_connection_counts_and_the_header_is_ignored(
    settings: Any,
) -> None:
    settings.LEARNCITY_TRUSTED_PROXIES = []
    assert address("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert address("10.0.0.2", "198.51.100.1") == "10.0.0.2"
    assert address(None) == "unknown"
    assert client_address(None) == "unknown"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_counts(proxied: None) -> None:
    assert address("10.0.0.2", "198.51.100.1") == "198.51.100.1"
    assert address("10.0.0.2", "198.51.100.2") == "198.51.100.2"
    # the client wrote the left part; the proxies appended the rest
    assert address("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9") == "198.51.100.1"
    assert address("10.0.0.2", " 198.51.100.1 ,10.1.2.3") == "198.51.100.1"
    # nothing but proxies: the connection's own address
    assert address("10.0.0.2", "10.0.0.3, 10.0.0.4") == "10.0.0.2"
    assert address("10.0.0.2") == "10.0.0.2"


def test_a_spoofed_header_from_an_untrusted_address_is_ignored(proxied: None) -> None:
    assert address("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert address("203.0.113.7", "10.0.0.3") == "203.0.113.7"


@pytest.mark.parametrize(
    "forwarded",
    [
        "",
        "garbage",
        "198.51.100.1:443",
        "198.51.100.1;drop table",
        "999.1.1.1",
        "1" * 100_000,
        ",".join(["10.0.0.3"] * 5000),
        "198.51.100.1," + "x" * 100_000 + ",garbage",
        "\x00\n\r",
        "198.51.100.1, ",
    ],
)
def test_a_malformed_header_counts_as_the_proxy(proxied: None, forwarded: str) -> None:
    assert address("10.0.0.2", forwarded) == "10.0.0.2"


def test_garbage_left_of_the_proxy_s_entry_is_never_read(proxied: None) -> None:
    assert address("10.0.0.2", "x" * 100_000 + ", 198.51.100.1") == "198.51.100.1"


def test_ipv6_addresses_are_read_and_written_one_way(proxied: None) -> None:
    assert address("2001:db8:ff::1", "2001:DB8:0:0::0042") == "2001:db8::42"
    assert address("2001:db8:ff::1", "2001:db8::42, 2001:db8:ff::9") == "2001:db8::42"
    assert address("::ffff:10.0.0.2", "198.51.100.1") == "198.51.100.1"
    assert address("10.0.0.2", "::ffff:198.51.100.1") == "198.51.100.1"
    assert address("2001:db8:1::1", "198.51.100.1") == "2001:db8:1::1"  # not a proxy
    assert address("0:0:0:0:0:0:0:1") == "::1"


def test_a_remote_address_that_is_no_ip_is_kept_short(proxied: None) -> None:
    assert address("x" * 500, "198.51.100.1") == "x" * 64


def _settings_in_a_process(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CACHES['default'], s.LEARNCITY_TRUSTED_PROXIES]))"
    )
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "learncity.config.settings",
        "LEARNCITY_DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite3",
        "LEARNCITY_SECRET_KEY": "x" * 50,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_default_store_is_the_database_and_proxies_are_read(tmp_path: Path) -> None:
    import json

    done = _settings_in_a_process(tmp_path, LEARNCITY_TRUSTED_PROXIES="10.0.0.5, 2001:db8::/32")
    assert done.returncode == 0, done.stderr
    cache, proxies = json.loads(done.stdout)
    assert cache["BACKEND"] == "learncity.config.cache.DatabaseCache"
    assert cache["LOCATION"] == "learncity_cache"
    assert proxies == ["10.0.0.5/32", "2001:db8::/32"]


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"LEARNCITY_TRUSTED_PROXIES": "proxy.example"}, "LEARNCITY_TRUSTED_PROXIES"),
        ({"LEARNCITY_CACHE_URL": "memcached://x"}, "LEARNCITY_CACHE_URL"),
        ({"LEARNCITY_CACHE_URL": "redis://127.0.0.1:6379/0"}, "redis"),
    ],
)
def test_wrong_settings_refuse_to_start(tmp_path: Path, env: dict[str, str], said: str) -> None:
    import importlib.util
    import json

    done = _settings_in_a_process(tmp_path, **env)
    if said == "redis" and importlib.util.find_spec("redis") is not None:  # then it is valid
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)[0]["BACKEND"].endswith("RedisCache")
        return
    assert done.returncode != 0 and said in done.stderr and "ConfigurationError" in done.stderr
