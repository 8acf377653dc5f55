"""Settings from the environment, the SQLite defaults, and the command's help texts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from learncity.config.settings import _database
from learncity.core.errors import ConfigurationError


def test_sqlite_url_gets_wal_and_immediate_transactions(tmp_path: Path) -> None:
    config = _database(f"sqlite:///{tmp_path}/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_url() -> None:
    config = _database("postgresql://lc:secret@127.0.0.1:5433/learncity")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 5433, "learncity")


@pytest.mark.parametrize("url", ["mysql://x@localhost/db", "nonsense"])
def test_unsupported_database_is_a_clear_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="LEARNCITY_DATABASE_URL"):
        _database(url)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("this database is not SQLite")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


COMMANDS = [
    [],
    ["migrate"],
    ["serve"],
    ["demo"],
    ["bench"],
    ["regions"],
    ["regions", "load-population"],
    ["regions", "load-boundaries"],
    ["regions", "summary"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "learncity")
def test_every_command_has_help(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "learncity", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
