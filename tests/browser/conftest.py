"""Browser tests: Debian's Chromium driven by Playwright, against `learncity serve`.

The server is the real command (gunicorn and whitenoise, as deployed), started on a free port
with its own LEARNCITY_HOME, on the test database that pytest-django made, which holds the
real Gangnam catalog of the test world. The browser is the one from Debian's `chromium` package:
Playwright never downloads one (`make test` installs the package when it is missing).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import FAST_HASHER
from tests.live_server import production_environment, signing_key_registered
from tests.world import restore

REPO = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = REPO / "var" / "screenshots"
CHROMIUM = os.environ.get("LEARNCITY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Site:
    url: str
    log: Path
    key_file: Path  # the server's LEARNCITY_CREDENTIAL_KEY_FILE


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _database_url() -> str:
    """The URL of the test database pytest-django set up (not the one in the environment)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if "-test.sqlite3" not in name:  # with pytest-xdist, "-test.sqlite3_gw0"
            raise RuntimeError(f"not on the test database: {name}")
        return f"sqlite:///{name}"
    name = str(settings["NAME"])
    if not name.startswith("test_"):
        raise RuntimeError(f"not on the test database: {name}")
    user = quote(str(settings.get("USER") or ""), safe="")
    password = quote(str(settings.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = quote(str(settings.get("HOST") or ""), safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(name, safe='')}"


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except OSError:
            time.sleep(0.2)
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"learncity serve did not come up on {url}:\n{tail}")


@pytest.fixture(scope="session")
def site(
    world: Any,
    django_db_blocker: Any,
    shared_data: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """`learncity serve` on the test database: the world (the real Gangnam catalog, imported
    and indexed) and what each browser module commits (see `committed_module`)."""
    from django.db import connection

    with django_db_blocker.unblock():
        database_url = _database_url()
    home = tmp_path_factory.mktemp("learncity-home")
    log = home / "serve.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_API_RATE": "100000",
        # as deployed: DEBUG off, so its own public URL and a key file (`committed_module`
        # registers the key in the test database while a module's rows are committed)
        **production_environment(home, url),
    }
    command = [sys.executable, "-m", "learncity", "serve", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        health = _wait_until_up(url, server, log)
        assert health["status"] == "ready", health
        assert health["database"] == connection.vendor, health
        yield Site(url=url, log=log, key_file=Path(env["LEARNCITY_CREDENTIAL_KEY_FILE"]))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module", autouse=True)
def _passwords_the_server_checks() -> Iterator[None]:
    """The accounts a browser module makes sign in on the server, which knows only the
    production's password hashers (the tests' fast one is left out here)."""
    from django.conf import settings
    from django.test.utils import override_settings

    production = [h for h in settings.PASSWORD_HASHERS if h != FAST_HASHER]
    with override_settings(PASSWORD_HASHERS=production):
        yield


@pytest.fixture(scope="module")
def committed_module(site: Site, django_db_blocker: Any) -> Iterator[None]:
    """The database unblocked for what a browser module sets up: the server sees committed
    rows only. Every row the module (or the server, for it) added is deleted at its end by
    the world's one helper."""
    with django_db_blocker.unblock():
        try:
            with signing_key_registered(site.key_file):
                yield
        finally:
            restore()


@pytest.fixture(scope="session")
def chromium() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"the browser tests need Debian's Chromium at {CHROMIUM}, which is missing: "
            "`make test` installs it (as root, or through sudo); by hand: "
            "`apt-get install chromium` (set LEARNCITY_CHROMIUM to use another binary)",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(site: Site, chromium: str) -> Iterator[Any]:
    """One Chromium for the module, started after the catalog is loaded.

    Playwright's synchronous API keeps an asyncio loop in this thread, and Django refuses
    database calls when it sees one; the calls here (each test's `db` transaction, reading
    the expected results through the selectors) are plain synchronous code, so Django is told
    so for the life of the browser. While that loop runs, Django also keeps its connections
    apart from the thread's usual ones: they are closed before the loop stops, or PostgreSQL
    would refuse to drop the test database at the end of the run (a session still open).
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(executable_path=chromium)
        yield launched
        launched.close()
    finally:
        connections.close_all()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any, db: None) -> Iterator[Any]:
    """A fresh page (no cookies, no stored large-text choice) at a desktop size.

    `db` makes pytest-django set up the test database the server reads; the test's own
    transaction is rolled back afterwards as usual.
    """
    context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
    opened.on(
        "response",
        lambda r: errors.append(f"{r.status} from {r.url}") if r.status >= 500 else None,
    )
    yield opened
    context.close()
    assert not errors, f"the page went wrong: {errors}"


@pytest.fixture
def people(browser: Any) -> Iterator[Any]:
    """Opens a fresh browser context (its own cookies) per person; no 5xx, no script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def person() -> Any:
        context = browser.new_context(viewport=DESKTOP, locale="ko-KR", timezone_id="Asia/Seoul")
        context.set_default_timeout(15_000)
        contexts.append(context)
        opened = context.new_page()
        opened.on("pageerror", lambda error: errors.append(f"JavaScript: {error}"))
        opened.on(
            "response",
            lambda r: errors.append(f"{r.status} from {r.url}") if r.status >= 500 else None,
        )
        return opened

    yield person
    for context in contexts:
        context.close()
    assert not errors, f"the pages went wrong: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def fits_width(page: Any, size: dict[str, int], name: str) -> None:
    """The page at the viewport `size` scrolls no wider than it (then the size is put back)."""
    before = page.viewport_size
    page.set_viewport_size(size)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"{name}: {width}px wide"
    page.set_viewport_size(before)
