"""Start-up checks of the credentials' configuration (issue 19, findings 8 and 10), as Django
system checks: deployment checks tagged `learncity`, run by `python -m django check --deploy`
and by `learncity credentials check` (and by `learncity serve` before it binds).

With DEBUG off the server refuses to start unless the signing key comes from configuration
(`LEARNCITY_CREDENTIAL_KEY_FILE`, a readable Ed25519 PEM) and `LEARNCITY_PUBLIC_URL` is the
site's real address, not the default: credentials carry it, and a request must never be the
moment a key is made. Checks read settings and files only, never the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, register, run_checks

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # settings' default, for development only
TAG = "learncity"


@register(TAG, deploy=True)
def credentials_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    production = not settings.DEBUG
    key_file = str(getattr(settings, "LEARNCITY_CREDENTIAL_KEY_FILE", "") or "").strip()
    if key_file:
        problem = _key_file_problem(Path(key_file))
        if problem:
            errors.append(
                Error(
                    f"LEARNCITY_CREDENTIAL_KEY_FILE: {problem}",
                    hint="Make an Ed25519 key with `openssl genpkey -algorithm ed25519 "
                    "-out city.pem` and point LEARNCITY_CREDENTIAL_KEY_FILE at it.",
                    id="records.E002",
                )
            )
    elif production:
        errors.append(
            Error(
                "LEARNCITY_CREDENTIAL_KEY_FILE is not set: with DEBUG off the credentials' "
                "signing key must come from configuration.",
                hint="Make an Ed25519 key with `openssl genpkey -algorithm ed25519 -out "
                "city.pem`, set LEARNCITY_CREDENTIAL_KEY_FILE to its path on every server and "
                "run `learncity migrate` (docs/credentials.md).",
                id="records.E001",
            )
        )
    public_url = str(settings.LEARNCITY_PUBLIC_URL).rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        errors.append(
            Error(
                f"LEARNCITY_PUBLIC_URL {public_url!r} is not an http(s) address.",
                hint="Set it to the address citizens reach the site at, e.g. "
                "https://learn.city.go.kr",
                id="records.E005",
            )
        )
    elif production and public_url == DEFAULT_PUBLIC_URL:
        errors.append(
            Error(
                f"LEARNCITY_PUBLIC_URL is the development default {DEFAULT_PUBLIC_URL}: with "
                "DEBUG off, credentials and the links in messages would carry it.",
                hint="Set LEARNCITY_PUBLIC_URL to the address citizens reach the site at, e.g. "
                "https://learn.city.go.kr (and LEARNCITY_ISSUER_ID to keep the issuer's id "
                "when that address changes).",
                id="records.E003",
            )
        )
    issuer = str(getattr(settings, "LEARNCITY_ISSUER_ID", "") or "").strip()
    if issuer and ":" not in issuer:
        errors.append(
            Error(
                f"LEARNCITY_ISSUER_ID {issuer!r} is not a URI.",
                hint="Use a URL that stays the city's, e.g. "
                "https://learn.city.go.kr/credentials/issuer",
                id="records.E004",
            )
        )
    return errors


def _key_file_problem(path: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        return f"cannot read the signing key {path}: {exc}"
    if not isinstance(loaded, Ed25519PrivateKey):
        return f"{path} is not an Ed25519 private key"
    return ""


def start_refusals() -> list[str]:
    """Why the server must not start (the errors of the `learncity` deployment checks), or
    nothing. `learncity serve` and `learncity credentials check` print them and exit."""
    found = run_checks(include_deployment_checks=True, tags=[TAG])
    return [
        f"({message.id}) {message.msg}" + (f" Hint: {message.hint}" if message.hint else "")
        for message in found
        if message.is_serious()
    ]
