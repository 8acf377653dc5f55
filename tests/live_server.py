"""`learncity serve` as a subprocess on the test database, for tests that need the real
server (gunicorn workers, their start-up): a free port, its own LEARNCITY_HOME, the test
database's URL, and every answer's worker named (`X-Learncity-Worker`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


@dataclass(frozen=True)
class Answer:
    status: int
    worker: str
    seconds: float  # the client's wall time
    body: bytes
    server_timing: dict[str, float]  # `Server-Timing` (ms): app (wall), cpu (its thread's)


def _server_timing(header: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name and rest:
            timings[name] = float(rest)
    return timings


@dataclass(frozen=True)
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def get(self, path: str, timeout: float = 30) -> Answer:
        """GET on a new connection; the status, the worker that answered and the wall time."""
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                body = response.read()
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            body, status, headers = error.read(), error.code, error.headers
        seconds = time.perf_counter() - started
        timing = _server_timing(headers.get("Server-Timing", ""))
        return Answer(status, headers.get("X-Learncity-Worker", ""), seconds, body, timing)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def signing_key_file(home: Path) -> Path:
    """A fresh Ed25519 key (PKCS#8 PEM) at home/city.pem: the key file a server started with
    DEBUG off must be given (records.E001), as an operator's LEARNCITY_CREDENTIAL_KEY_FILE."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = home / "city.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


@contextmanager
def signing_key_registered(path: Path) -> Iterator[None]:
    """Register the key of `path` in the test database for the block, as `learncity migrate`
    does with the configured key file (committed: use it where the database is unblocked).
    Registering retires the keys that were active; they are made active again at the end
    (the world's `restore()` deletes the new row, but would leave the world's key retired)."""
    from django.test.utils import override_settings

    from learncity.records.keys import signing_key_ensure
    from learncity.records.models import SigningKey

    active = list(SigningKey.objects.filter(retired_at__isnull=True).values_list("pk", flat=True))
    with override_settings(LEARNCITY_CREDENTIAL_KEY_FILE=str(path)):
        signing_key_ensure()
    try:
        yield
    finally:
        SigningKey.objects.filter(pk__in=active).update(retired_at=None)


def production_environment(home: Path, url: str) -> dict[str, str]:
    """What a server with DEBUG off needs to start (`learncity serve` runs the deployment
    checks first): its public address and a signing key file."""
    key_file = home / "city.pem"
    if not key_file.is_file():
        signing_key_file(home)
    return {
        "LEARNCITY_DEBUG": "false",
        "LEARNCITY_PUBLIC_URL": url,
        "LEARNCITY_CREDENTIAL_KEY_FILE": str(key_file),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def the_test_database_url() -> str:
    """The URL of the test database pytest-django set up (never the one in the environment)."""
    from django.db import connection

    settings = connection.settings_dict
    name = str(settings["NAME"])
    if connection.vendor == "sqlite":
        if "-test.sqlite3" not in name:  # with pytest-xdist, "-test.sqlite3_gw0"
            raise RuntimeError(f"not on the test database: {name}")
        return f"sqlite:///{name}"
    if not name.startswith("test_"):
        raise RuntimeError(f"not on the test database: {name}")
    user = quote(str(settings.get("USER") or ""), safe="")
    password = quote(str(settings.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(settings.get("HOST") or ""), safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(name, safe='')}"


@contextmanager
def serving(home: Path, *, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`learncity serve --workers N` on the test database until the block ends, as deployed
    (DEBUG off, its own public URL and a signing key registered in the test database: the
    caller holds `committed`). The caller waits for what it needs (it may still be starting)."""
    production = production_environment(home, "")  # the key file; the URL is _serving's
    with signing_key_registered(Path(production["LEARNCITY_CREDENTIAL_KEY_FILE"])):
        yield from _serving(home, workers=workers, env=env)


def _serving(home: Path, *, workers: int, env: dict[str, str] | None) -> Iterator[Server]:
    log = home / "serve.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    production = production_environment(home, url)
    environment = {
        **os.environ,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_DATABASE_URL": the_test_database_url(),
        **production,
        "LEARNCITY_API_RATE": "100000",
        "LEARNCITY_WORKER_HEADER": "true",
        **(env or {}),
    }
    command = [sys.executable, "-m", "learncity", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield Server(url, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
