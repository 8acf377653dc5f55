"""Settings read from the environment, with safe embedded defaults.

Kept free of Django imports so that the CLI can resolve paths before Django starts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from learncity.core.errors import ConfigurationError


def project_root() -> Path:
    """The working directory that holds `var/` (the repository root in development)."""
    return Path(os.environ.get("LEARNCITY_HOME") or Path.cwd()).resolve()


def var_dir() -> Path:
    path = project_root() / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'learncity.sqlite3'}"


def database_url() -> str:
    return os.environ.get("LEARNCITY_DATABASE_URL") or default_database_url()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_key() -> str:
    """LEARNCITY_SECRET_KEY, or a random key kept in var/secret_key (mode 0600)."""
    key = os.environ.get("LEARNCITY_SECRET_KEY")
    if key:
        return key
    path = var_dir() / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def shared_data_dir() -> Path | None:
    """The folder of real public data (`../shared/data`), or None when absent.

    LEARNCITY_SHARED_DATA overrides the location; an empty value disables it.
    """
    raw = os.environ.get("LEARNCITY_SHARED_DATA")
    if raw is not None:
        if raw.strip() == "":
            return None
        path = Path(raw)
    else:
        path = project_root().parent / "shared" / "data"
    return path if path.is_dir() else None
