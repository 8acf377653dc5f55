"""The security headers of issue 19, finding 15, on real page answers (Django's test client):
the Content-Security-Policy on the home page and on a console page (which alone may eval),
none on JSON; nosniff, Referrer-Policy, X-Frame-Options. With the settings that
LEARNCITY_TLS=true gives (read from a fresh process, as a server would), an http request is
redirected to https, an https one (told by the proxy's header) carries HSTS, and /healthz
still answers the balancer over http. Without it (development) nothing is redirected."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory, override_settings

from learncity.config.middleware import ContentSecurityPolicyMiddleware

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'; form-action 'self'"
)
CONSOLE_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'")
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
SECURITY_SETTINGS = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def settings_with(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """The security settings a fresh process reads with these environment variables."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "learncity.config.settings",
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_SECRET_KEY": secrets.token_urlsafe(50),
        **variables,
    }
    names = ", ".join(repr(name) for name in SECURITY_SETTINGS)
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in ({names},)}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_settings(tmp_path: Path, **variables: str) -> dict[str, Any]:
    result = settings_with(tmp_path, **variables)
    assert result.returncode == 0, result.stderr
    values: dict[str, Any] = json.loads(result.stdout)
    if values["SECURE_PROXY_SSL_HEADER"] is not None:
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_development_default_is_plain_http(tmp_path: Path) -> None:
    assert read_settings(tmp_path, LEARNCITY_DEBUG="true") == {
        "DEBUG": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_tls_turns_on_redirect_secure_cookies_and_a_year_of_hsts(tmp_path: Path) -> None:
    assert read_settings(
        tmp_path, LEARNCITY_TLS="true", LEARNCITY_PROXY_SSL_HEADER="X-Forwarded-Proto"
    ) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_hsts_is_off_with_debug_unless_asked_and_its_length_is_configurable(
    tmp_path: Path,
) -> None:
    assert (
        read_settings(tmp_path, LEARNCITY_TLS="true", LEARNCITY_DEBUG="true")["SECURE_HSTS_SECONDS"]
        == 0
    )
    assert (
        read_settings(tmp_path, LEARNCITY_TLS="true", LEARNCITY_HSTS_SECONDS="300")[
            "SECURE_HSTS_SECONDS"
        ]
        == 300
    )
    assert read_settings(tmp_path, LEARNCITY_PROXY_SSL_HEADER="X-Scheme: HTTPS")[
        "SECURE_PROXY_SSL_HEADER"
    ] == ("HTTP_X_SCHEME", "HTTPS")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LEARNCITY_PROXY_SSL_HEADER", "X Forwarded Proto"),
        ("LEARNCITY_HSTS_SECONDS", "a year"),
        ("LEARNCITY_TLS", "maybe"),
    ],
)
def test_a_malformed_setting_stops_the_start(tmp_path: Path, name: str, value: str) -> None:
    result = settings_with(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and name in result.stderr


def assert_security_headers(response: HttpResponse, policy: str) -> None:
    assert response["Content-Security-Policy"] == policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_home_page_carries_the_policy_and_no_hsts_over_http(world: Mapping[str, Any]) -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert_security_headers(response, PAGE_POLICY)
    assert "Strict-Transport-Security" not in response
    search = Client().get("/search?q=요가")
    assert search.status_code == 200
    assert_security_headers(search, PAGE_POLICY)


@pytest.mark.django_db
def test_a_console_page_alone_may_eval(world: Mapping[str, Any]) -> None:
    client = Client()
    client.force_login(world["users"]["city_admin"])
    response = client.get("/console/?year=2026")
    assert response.status_code == 200
    assert b"console/vendor/vega-bundle.js" in response.content
    assert_security_headers(response, CONSOLE_POLICY)


@pytest.mark.django_db
def test_json_answers_carry_no_page_policy(world: Mapping[str, Any]) -> None:
    response = Client().get("/healthz")
    assert response["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_svg_answers_run_nothing_and_a_view_s_own_policy_is_kept() -> None:
    request = RequestFactory().get("/city/emblem")
    svg = ContentSecurityPolicyMiddleware(
        lambda r: HttpResponse("<svg/>", content_type="image/svg+xml")
    )(request)
    assert svg["Content-Security-Policy"] == SVG_POLICY

    def own(r: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert ContentSecurityPolicyMiddleware(own)(request)["Content-Security-Policy"] == (
        "default-src 'none'"
    )
    data = ContentSecurityPolicyMiddleware(lambda r: JsonResponse({}))(request)
    assert "Content-Security-Policy" not in data


@pytest.mark.django_db
def test_with_tls_http_redirects_and_https_carries_hsts(
    world: Mapping[str, Any], tmp_path: Path
) -> None:
    tls = read_settings(
        tmp_path, LEARNCITY_TLS="true", LEARNCITY_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    tls.pop("DEBUG")
    with override_settings(**tls):
        client = Client()  # loads the middleware with these settings
        plain = client.get("/search?q=%EC%9A%94%EA%B0%80")
        assert plain.status_code == 301
        assert plain["Location"] == "https://testserver/search?q=%EC%9A%94%EA%B0%80"

        secure = client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert secure.status_code == 200
        assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert_security_headers(secure, PAGE_POLICY)

        direct = Client().get("/", secure=True)  # TLS at gunicorn itself: same answer
        assert direct["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

        health = client.get("/healthz")  # the balancer asks each worker over http
        assert health.status_code in {200, 503}
        assert "Location" not in health
