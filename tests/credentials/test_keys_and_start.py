"""Issue 19, findings 8 and 10: no request makes or retires a signing key; the server refuses
to start with DEBUG off unless the key and the public URL come from configuration; the
issuer id stays when the public URL changes; status lists are signed once a minute at most."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.checks import run_checks
from django.test import Client, override_settings
from typer.testing import CliRunner

from learncity.cli import app
from learncity.core.errors import ConfigurationError
from learncity.records import credentials, services
from learncity.records import keys as key_store
from learncity.records.checks import DEFAULT_PUBLIC_URL, start_refusals
from learncity.records.models import Credential, IssuerIdentifier, SigningKey
from tests.live_server import free_port
from tests.records.factories import completed


def _key_rows() -> list[tuple[str, object, object]]:
    return list(SigningKey.objects.values_list("key_id", "created_at", "retired_at"))


def _pem(path: Path) -> Path:
    private = Ed25519PrivateKey.generate()
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _learncity_ids() -> set[str]:
    return {m.id for m in run_checks(include_deployment_checks=True, tags=["learncity"])}


# ------------------------------------------------------------------ the attack (finding 8)


def test_an_anonymous_status_request_with_the_key_file_missing_makes_no_key(db, settings, tmp_path):
    """The reproduced attack: the key file gone, `GET /credentials/status/1` generated a key
    and retired the old one. Now: a 503 that says so, and the keys exactly as they were."""
    missing = tmp_path / "keys"  # the active key's file is not here
    settings.LEARNCITY_CREDENTIAL_KEY_DIR = str(missing)
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    before = _key_rows()
    assert any(retired is None for _, _, retired in before)  # `learncity migrate` made one
    for _ in range(3):
        answer = Client().get("/credentials/status/1")
        assert answer.status_code == 503
        assert answer["Retry-After"] == "300"
        assert "폐지 목록" in answer.content.decode()
    assert _key_rows() == before
    assert not missing.exists()
    with pytest.raises(ConfigurationError, match="rotate-key"):
        key_store.signing_key_current()


def test_a_configured_key_not_registered_is_not_registered_by_a_request(db, settings, tmp_path):
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = str(_pem(tmp_path / "city.pem"))
    before = _key_rows()
    assert Client().get("/credentials/status/1").status_code == 503
    assert _key_rows() == before
    with pytest.raises(ConfigurationError, match="not registered"):
        key_store.signing_key_current()


def test_completions_wait_for_the_key_and_are_taken_once_it_signs(city, settings, tmp_path):
    settings.LEARNCITY_CREDENTIAL_KEY_DIR = str(tmp_path / "empty")
    completed(city)
    before = _key_rows()
    assert services.records_sync() == {
        "events": 0,
        "entries": 0,
        "credentials": 0,
        "skipped": 0,
        "waiting_for_key": 1,
    }
    assert _key_rows() == before and not Credential.objects.exists()
    key_store.signing_key_ensure()  # `learncity migrate`: a key, as no request makes one
    assert services.records_sync()["credentials"] == 1


def test_migrate_s_ensure_changes_nothing_once_a_key_signs(db, keys):
    before = _key_rows()
    first = key_store.signing_key_ensure()
    assert key_store.signing_key_ensure() == first
    assert _key_rows() == before


def test_status_lists_are_signed_once_a_minute_and_a_revocation_shows_at_once(
    city, keys, monkeypatch
):
    learner, _, _ = completed(city)
    services.records_sync()
    signed = []
    real = credentials.jws_sign

    def counting(payload, **kw):
        signed.append(payload["id"])
        return real(payload, **kw)

    monkeypatch.setattr(credentials, "jws_sign", counting)
    first = Client().get("/credentials/status/1")
    assert first.status_code == 200 and first["Cache-Control"] == "public, max-age=60"
    assert Client().get("/credentials/status/1").content == first.content
    assert len(signed) == 1
    credential = Credential.objects.get(learner=learner)
    credentials.credential_revoke(credential_uuid=str(credential.uuid), reason="test")
    after = Client().get("/credentials/status/1")
    assert after.content != first.content and len(signed) == 2
    assert credentials.credential_verify(credential.jwt).reason == "revoked"


# ------------------------------------------------------------------ start-up checks


@override_settings(DEBUG=False, LEARNCITY_CREDENTIAL_KEY_FILE="")
def test_the_check_refuses_production_without_a_key_or_with_the_default_url(settings):
    settings.LEARNCITY_PUBLIC_URL = DEFAULT_PUBLIC_URL
    assert _learncity_ids() == {"records.E001", "records.E003"}
    refusals = start_refusals()
    assert any("LEARNCITY_CREDENTIAL_KEY_FILE is not set" in r for r in refusals)
    assert any("LEARNCITY_PUBLIC_URL is the development default" in r for r in refusals)


def test_the_check_refuses_an_unreadable_key_file_and_a_bad_issuer_id(settings, tmp_path):
    settings.DEBUG = False
    settings.LEARNCITY_PUBLIC_URL = "https://learn.example.kr"
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = str(tmp_path / "absent.pem")
    settings.LEARNCITY_ISSUER_ID = "city"
    assert _learncity_ids() == {"records.E002", "records.E004"}
    not_ed25519 = tmp_path / "text.pem"
    not_ed25519.write_text("not a key")
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = str(not_ed25519)
    settings.LEARNCITY_ISSUER_ID = ""
    assert _learncity_ids() == {"records.E002"}


def test_the_check_passes_when_configured_and_in_development(settings, tmp_path):
    settings.DEBUG = False
    settings.LEARNCITY_PUBLIC_URL = "https://learn.example.kr"
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = str(_pem(tmp_path / "city.pem"))
    settings.LEARNCITY_ISSUER_ID = "https://learn.example.kr/credentials/issuer"
    assert _learncity_ids() == set()
    assert start_refusals() == []
    settings.DEBUG = True
    settings.LEARNCITY_PUBLIC_URL = DEFAULT_PUBLIC_URL
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    assert _learncity_ids() == set()


def test_the_check_is_a_deployment_check_only(settings):
    """`makemigrations`, `migrate` and the other commands run the ordinary checks: they must
    keep working with DEBUG off before the key is configured (the key is registered by
    `learncity migrate`)."""
    settings.DEBUG = False
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    settings.LEARNCITY_PUBLIC_URL = DEFAULT_PUBLIC_URL
    assert not {m.id for m in run_checks() if m.id and m.id.startswith("records.")}


def test_cli_check_says_why_and_exits_2(settings):
    settings.DEBUG = False
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    settings.LEARNCITY_PUBLIC_URL = DEFAULT_PUBLIC_URL
    result = CliRunner().invoke(app, ["credentials", "check"])
    assert result.exit_code == 2
    assert "records.E001" in result.output and "records.E003" in result.output


def test_cli_check_passes_when_configured_and_a_key_signs(db, settings, tmp_path):
    settings.DEBUG = False
    settings.LEARNCITY_PUBLIC_URL = "https://learn.example.kr"
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = str(_pem(tmp_path / "city.pem"))
    assert CliRunner().invoke(app, ["credentials", "check"]).exit_code == 2  # not registered
    key_store.signing_key_ensure()  # what `learncity migrate` does
    result = CliRunner().invoke(app, ["credentials", "check", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ok": True, "refusals": [], "signing": None}


def test_a_production_process_with_nothing_configured_refuses(tmp_path):
    """A fresh process, as an operator starts it: DEBUG off, no key, the default URL."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LEARNCITY_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {
        "LEARNCITY_HOME": str(tmp_path),
        "LEARNCITY_DEBUG": "false",
        "LEARNCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "credentials", "check"],
        check=False,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "LEARNCITY_CREDENTIAL_KEY_FILE is not set" in done.stdout
    assert "development default" in done.stdout
    assert not (tmp_path / "var" / "keys").exists()


def test_serve_with_nothing_configured_refuses_to_start(tmp_path):
    """`learncity serve` runs the same checks before it binds: DEBUG off, no key file and the
    default public URL -> exit 2, both reasons on stderr, no server, no key made."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LEARNCITY_") and key != "DJANGO_SETTINGS_MODULE"
    }
    environment |= {
        "LEARNCITY_HOME": str(tmp_path),
        "LEARNCITY_DEBUG": "false",
        "LEARNCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'absent.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "serve", "--port", str(free_port())],
        check=False,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "records.E001" in done.stderr
    assert "records.E003" in done.stderr
    assert "refusing to start" in done.stderr
    assert "serving on" not in done.stdout
    assert not (tmp_path / "var" / "keys").exists()


# ------------------------------------------------------------------ issuer id (finding 10)


def test_a_change_of_public_url_keeps_issued_credentials_valid(city, keys, settings):
    learner, _, _ = completed(city)
    services.records_sync()
    credential = Credential.objects.get(learner=learner)
    issued_under = credentials.jwt_payload(credential.jwt)["issuer"]["id"]
    assert issued_under == "https://learn.example.kr/credentials/issuer"
    assert list(IssuerIdentifier.objects.values_list("value", flat=True)) == [issued_under]
    settings.LEARNCITY_PUBLIC_URL = "https://edu.gangnam.go.kr"
    assert credentials.credential_verify(credential.jwt).reason == "verified"
    assert credentials.issuer_id() == issued_under  # the stored id, not the new host's
    # the next credential is issued under the same id, its links under the new host
    other, _, _ = completed(city, title="요가")
    services.records_sync()
    second = credentials.jwt_payload(Credential.objects.get(learner=other).jwt)
    assert second["issuer"]["id"] == issued_under
    assert second["credentialStatus"]["statusListCredential"].startswith(
        "https://edu.gangnam.go.kr/credentials/status/"
    )
    # and a revocation still reaches the credential issued under the old host
    credentials.credential_revoke(credential_uuid=str(credential.uuid), reason="test")
    assert credentials.credential_verify(credential.jwt).reason == "revoked"


def test_a_configured_issuer_id_survives_a_change_of_host(city, keys, settings):
    settings.LEARNCITY_ISSUER_ID = "https://learn.gangnam.go.kr/issuer"
    learner, _, _ = completed(city)
    services.records_sync()
    credential = Credential.objects.get(learner=learner)
    assert credentials.jwt_payload(credential.jwt)["issuer"]["id"] == settings.LEARNCITY_ISSUER_ID
    settings.LEARNCITY_PUBLIC_URL = "https://new-host.example.kr"
    assert credentials.credential_verify(credential.jwt).valid
    assert Client().get("/credentials/issuer").json()["id"] == settings.LEARNCITY_ISSUER_ID


def test_another_issuer_signed_with_the_city_s_key_is_still_refused(city, keys):
    learner, _, _ = completed(city)
    services.records_sync()
    claims = credentials.jwt_payload(Credential.objects.get(learner=learner).jwt)
    claims["issuer"] = {"id": "https://elsewhere.example/issuer", "type": ["Profile"]}
    forged, _ = credentials.jws_sign(claims)
    assert credentials.credential_verify(forged).reason == "unknown_issuer"
