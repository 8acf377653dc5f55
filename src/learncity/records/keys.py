"""The city's Ed25519 signing keys.

A key is known by its id, `k-` and the first 16 characters of the base64url SHA-256 of its
public key, published at `{PUBLIC_URL}/credentials/keys/{id}` (the JWS `kid`). The database
keeps every public key for ever (old credentials keep verifying after a rotation); a retired
key signs nothing more. Private keys never enter the database:

- production: `LEARNCITY_CREDENTIAL_KEY_FILE` names a PKCS#8 PEM file (mounted secret); with
  DEBUG off the server refuses to start without it (records.checks);
- development: keys are generated into `LEARNCITY_CREDENTIAL_KEY_DIR/{id}.pem` (mode 0600).

No request ever creates, registers or retires a key (issue 19, finding 8: two app servers
would retire each other's keys). Keys change only through operator commands: `learncity
migrate` makes sure the database has a signing key (`signing_key_ensure`: the configured
file's, else one generated when none is usable) and `learncity credentials rotate-key` rotates.
Signing without a usable key is a `ConfigurationError` that says which command to run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from learncity.algorithms.records import b64url_decode, b64url_encode
from learncity.core.errors import ConfigurationError
from learncity.records.models import SigningKey


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    public_key: str  # base64url raw
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @property
    def url(self) -> str:
        return key_url(self.key_id)


def public_url() -> str:
    return str(settings.LEARNCITY_PUBLIC_URL).rstrip("/")


def key_url(key_id: str) -> str:
    return f"{public_url()}/credentials/keys/{key_id}"


def key_id_of_url(url: str) -> str | None:
    """The key id in a `kid`: `{any public URL the city had}/credentials/keys/{id}`. The host
    is not compared: a change of LEARNCITY_PUBLIC_URL keeps earlier credentials verifying,
    and the id is looked up among this city's keys, whose public half checks the signature."""
    _, marker, key_id = url.rpartition("/credentials/keys/")
    return key_id if marker and key_id and "/" not in key_id else None


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_raw: bytes) -> str:
    return "k-" + b64url_encode(hashlib.sha256(public_raw).digest())[:16]


def _load_pem(path: Path) -> Ed25519PrivateKey:
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot read the signing key {path}: {exc}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 private key")
    return loaded


def _write_pem(key: Ed25519PrivateKey, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key_id_of(_raw_public(key))}.pem"
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    return path


def _info(row: SigningKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.public_key, row.created_at, row.retired_at)


def _register(key: Ed25519PrivateKey, now: dt.datetime) -> SigningKey:
    """Record the key's public half as the one active key; every other key is retired."""
    raw = _raw_public(key)
    key_id = key_id_of(raw)
    with transaction.atomic():
        row, created = SigningKey.objects.get_or_create(
            key_id=key_id, defaults={"public_key": b64url_encode(raw), "created_at": now}
        )
        if created:
            SigningKey.objects.filter(retired_at__isnull=True).exclude(pk=row.pk).update(
                retired_at=now
            )
    return row


NO_KEY = (
    "no signing key for credentials: set LEARNCITY_CREDENTIAL_KEY_FILE and run "
    "`learncity migrate`, or run `learncity credentials rotate-key` (development)"
)


def _configured_file() -> Path | None:
    configured = str(settings.LEARNCITY_CREDENTIAL_KEY_FILE or "").strip()
    return Path(configured) if configured else None


def signing_key_current(*, now: dt.datetime | None = None) -> tuple[KeyInfo, Ed25519PrivateKey]:
    """The key that signs now, with its private half: the configured file's key, or the
    newest active generated key whose file is in LEARNCITY_CREDENTIAL_KEY_DIR. Reads only:
    a missing, unregistered or retired key is a ConfigurationError naming the command that
    fixes it (`now` is kept for the callers' signature)."""
    del now
    configured = _configured_file()
    if configured is not None:
        private = _load_pem(configured)
        key_id = key_id_of(_raw_public(private))
        row = SigningKey.objects.filter(key_id=key_id).first()
        if row is None:
            raise ConfigurationError(
                f"the signing key {key_id} in LEARNCITY_CREDENTIAL_KEY_FILE is not registered: "
                f"run `learncity migrate` or `learncity credentials rotate-key --key-file "
                f"{configured}`"
            )
        if row.retired_at is not None:
            raise ConfigurationError(
                f"the signing key {row.key_id} in LEARNCITY_CREDENTIAL_KEY_FILE was retired: "
                "point LEARNCITY_CREDENTIAL_KEY_FILE at the new key"
            )
        return _info(row), private
    directory = Path(str(settings.LEARNCITY_CREDENTIAL_KEY_DIR))
    active = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-id")
    for row in active:
        path = directory / f"{row.key_id}.pem"
        if path.is_file():
            private = _load_pem(path)
            if key_id_of(_raw_public(private)) != row.key_id:
                raise ConfigurationError(f"{path} does not hold the key {row.key_id}")
            return _info(row), private
    raise ConfigurationError(NO_KEY)


def signing_key_problem() -> str | None:
    """Why nothing can be signed now (the ConfigurationError's message), or None."""
    try:
        signing_key_current()
    except ConfigurationError as exc:
        return exc.message
    return None


def signing_key_ensure(*, now: dt.datetime | None = None) -> KeyInfo:
    """Make sure a key signs (run by `learncity migrate`, never by a request): the key of
    LEARNCITY_CREDENTIAL_KEY_FILE is registered as the active key when it is not registered
    yet (the configuration names the city's key); without a configured file, a key is
    generated into LEARNCITY_CREDENTIAL_KEY_DIR only when no active key has its file there.
    Running it again, on any number of servers sharing the file, changes nothing."""
    now = now or timezone.now()
    configured = _configured_file()
    if configured is not None:
        private = _load_pem(configured)
        existing = SigningKey.objects.filter(key_id=key_id_of(_raw_public(private))).first()
        return _info(existing) if existing is not None else _info(_register(private, now))
    if signing_key_problem() is None:
        return signing_key_current()[0]
    return signing_key_rotate(now=now)


def signing_key_rotate(*, key_file: Path | None = None, now: dt.datetime | None = None) -> KeyInfo:
    """Start signing with a new key: the PEM file given (production: then point
    LEARNCITY_CREDENTIAL_KEY_FILE at it), else a generated one. Every earlier key is marked
    retired and stays published, so the credentials it signed still verify."""
    now = now or timezone.now()
    if key_file is not None:
        private = _load_pem(key_file)
    else:
        private = Ed25519PrivateKey.generate()
        _write_pem(private, Path(str(settings.LEARNCITY_CREDENTIAL_KEY_DIR)))
    row = _register(private, now)
    if row.retired_at is not None:
        raise ConfigurationError(f"the key {row.key_id} was retired before: use a new key")
    return _info(row)


def key_list() -> list[KeyInfo]:
    return [_info(row) for row in SigningKey.objects.order_by("created_at", "id")]


def key_get(key_id: str) -> KeyInfo | None:
    row = SigningKey.objects.filter(key_id=key_id).first()
    return _info(row) if row is not None else None


def public_key_of(info: KeyInfo) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(b64url_decode(info.public_key))


def key_jwk(info: KeyInfo) -> dict[str, object]:
    """The public key as a JWK (RFC 8037), with its state."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": info.public_key,
        "kid": info.url,
        "alg": "EdDSA",
        "use": "sig",
        "status": "retired" if info.retired_at else "active",
        "created": info.created_at.isoformat(),
        "retired": info.retired_at.isoformat() if info.retired_at else None,
    }
