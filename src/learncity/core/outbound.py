"""Calling an outside HTTP service the operator configured (the SMS gateway, the public
eligibility-check service): what both need to be safe, in one place.

- `require_endpoint`, `require_timeout`, `require_header_name` refuse a configuration that
  cannot work or would leak: an address that is not http(s), plain http:// to anything but
  this machine (unless DEBUG), a timeout outside (0, 60] seconds, a header name that is not
  one. Each says which setting is wrong (a ConfigurationError at start, not at the first
  message).
- `timeout_from` reads a timeout setting (a bad number becomes one `require_timeout` refuses).
- `post_json` sends one JSON POST with the key in its header and follows no redirect (the
  key would go to another address); it answers (status, at most `max_bytes` of the body)
  for every HTTP answer, 4xx and 5xx included, and lets a network failure (URLError,
  OSError, TimeoutError) through for the caller to word.
"""

from __future__ import annotations

import ipaddress
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from learncity.core.errors import ConfigurationError

HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,60}")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_endpoint(url: str, *, setting: str, debug: bool, carries: str) -> None:
    """`url` is an https:// address (http:// only to this machine or with DEBUG); `carries`
    says what would cross the network in clear otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(f"{setting} must be an https:// address")
    if parts.scheme == "http" and not (debug or is_loopback(parts.hostname)):
        raise ConfigurationError(
            f"{setting} must be https:// (http:// only to 127.0.0.1 or with DEBUG):"
            f" {carries} would cross the network in clear"
        )


def require_timeout(timeout_s: float, *, setting: str) -> None:
    if not 0 < timeout_s <= 60:
        raise ConfigurationError(f"{setting} must be 0 < seconds <= 60")


def require_header_name(name: str, *, setting: str) -> None:
    if not HEADER_NAME.fullmatch(name):
        raise ConfigurationError(f"{setting} must be a header name")


def timeout_from(environ: Mapping[str, str], setting: str, default: float) -> float:
    """The seconds of `setting`, `default` when it is empty; -1 (refused) when unreadable."""
    raw = environ.get(setting, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return -1.0


def key_value(header: str, key: str) -> str:
    """The key as its header carries it: `Bearer KEY` in Authorization, else the key."""
    return f"Bearer {key}" if header.lower() == "authorization" else key


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (the key would go to another address): it is refused."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_json(
    url: str,
    payload: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    timeout_s: float,
    max_bytes: int,
) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - the operator's configured service
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            **headers,
        },
    )
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=timeout_s) as response:
            return int(response.status), response.read(max_bytes)
    except urllib.error.HTTPError as error:
        try:
            return int(error.code), error.read(max_bytes)
        finally:
            error.close()
