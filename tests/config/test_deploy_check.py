"""`python -m django check --deploy` with the production environment documented in
docs/operations.md ("Production settings") reports no issue (issue 19, acceptance); without
HTTPS the same check fails, so the test can fail. The environment is read from the document
itself, so the two cannot drift apart."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parent.parent.parent
OPERATIONS = REPO / "docs" / "operations.md"


def documented_environment() -> dict[str, str]:
    """The variables of the first `sh` block under "### Production settings"."""
    text = OPERATIONS.read_text(encoding="utf-8")
    section = text.split("### Production settings", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None, "docs/operations.md: no sh block under Production settings"
    variables = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            variables[name.strip()] = value.strip()
    return variables


def production_environment(tmp_path: Path) -> dict[str, str]:
    """The documented environment, its `<...>` placeholders filled in; no other variable
    from this process but PATH (and a scratch LEARNCITY_HOME for var/)."""
    key_file = tmp_path / "credential-key.pem"
    key_file.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    fill = {
        "LEARNCITY_SECRET_KEY": secrets.token_urlsafe(50),
        "LEARNCITY_CREDENTIAL_KEY_FILE": str(key_file),
    }
    variables = documented_environment()
    for name, value in variables.items():
        if value.startswith("<"):
            assert name in fill, f"no value for the placeholder of {name}"
            variables[name] = fill[name]
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": os.environ.get("PATH", ""), "LEARNCITY_HOME": str(home), **variables}


def deploy_check(environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        check=False,
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_environment_is_a_production_one() -> None:
    variables = documented_environment()
    assert variables["DJANGO_SETTINGS_MODULE"] == "learncity.config.settings"
    assert variables["LEARNCITY_DEBUG"] == "false"
    assert variables["LEARNCITY_TLS"] == "true"
    assert variables["LEARNCITY_PUBLIC_URL"].startswith("https://")


def test_deploy_check_passes_with_the_documented_environment(tmp_path: Path) -> None:
    result = deploy_check(production_environment(tmp_path), tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "ERROR" not in output, output
    assert "System check identified no issues" in output, output


def test_deploy_check_fails_without_https(tmp_path: Path) -> None:
    environment = {**production_environment(tmp_path), "LEARNCITY_TLS": "false"}
    result = deploy_check(environment, tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output, output


@pytest.mark.parametrize(
    ("name", "value", "warning"),
    [
        ("LEARNCITY_DEBUG", "true", "security.W018"),
        ("LEARNCITY_SECRET_KEY", "short", "security.W009"),
    ],
)
def test_deploy_check_fails_with_debug_or_a_weak_key(
    tmp_path: Path, name: str, value: str, warning: str
) -> None:
    environment = {**production_environment(tmp_path), name: value}
    result = deploy_check(environment, tmp_path)
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr
