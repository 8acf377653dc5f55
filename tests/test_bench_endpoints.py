"""The benchmarks' baseline endpoints (unauthenticated, CSRF-exempt writes) exist only under
the bench settings (learncity.config.settings_bench), never under the platform's settings,
whatever the environment says (issue 17, item 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from learncity.config.bench_views import checkin_baseline, seat_baseline

REPO = Path(__file__).resolve().parents[1]
BENCH_URLS = "learncity.config.urls_bench"

# Run in a fresh interpreter, so that the URL configuration is imported with the environment
# given (a module imported once reads its environment once).
PROBE = """
import json
import django
from django.test import Client
from django.urls import Resolver404, resolve
django.setup()
from django.conf import settings
found = {}
for url in ("/bench/seat/1", "/bench/checkin/1/1"):
    try:
        found[url] = resolve(url).func.__name__
    except Resolver404:
        found[url] = None
status = Client(HTTP_HOST="localhost").post("/bench/seat/1").status_code if found["/bench/seat/1"] is None else None
print(json.dumps({"urlconf": settings.ROOT_URLCONF, "found": found, "status": status}))
"""


def _probe(settings_module: str, **env: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def test_the_platform_settings_never_mount_the_baselines_even_when_the_environment_asks() -> None:
    answer = _probe("learncity.config.settings", LEARNCITY_BENCH_ENDPOINTS="1")
    assert answer == {
        "urlconf": "learncity.config.urls",
        "found": {"/bench/seat/1": None, "/bench/checkin/1/1": None},
        "status": 404,
    }


def test_the_bench_settings_mount_the_baselines_without_any_environment_variable() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LEARNCITY_BENCH_ENDPOINTS"}
    assert "LEARNCITY_BENCH_ENDPOINTS" not in env
    answer = _probe("learncity.config.settings_bench")
    assert answer["urlconf"] == BENCH_URLS
    assert answer["found"] == {
        "/bench/seat/1": "seat_baseline",
        "/bench/checkin/1/1": "checkin_baseline",
    }


def test_the_bench_urlconf_adds_the_baselines_to_the_platforms_urls() -> None:
    assert resolve("/bench/seat/7", urlconf=BENCH_URLS).func is seat_baseline
    assert resolve("/bench/checkin/3/4", urlconf=BENCH_URLS).kwargs == {
        "session_id": 3,
        "application_id": 4,
    }
    assert resolve("/bench/checkin/3/4", urlconf=BENCH_URLS).func is checkin_baseline
    # everything else is the platform's, unchanged
    assert resolve("/api/v1/programmes", urlconf=BENCH_URLS).func is (
        resolve("/api/v1/programmes").func
    )
    with pytest.raises(Resolver404):
        resolve("/bench/seat/7")
    with pytest.raises(Resolver404):
        resolve("/bench/checkin/3/4")


def test_the_default_settings_answer_404_where_the_bench_settings_answer(db: None) -> None:
    client = Client()
    assert client.post("/bench/seat/999999").status_code == 404
    with override_settings(ROOT_URLCONF=BENCH_URLS):
        seat = client.post("/bench/seat/999999")  # no such offer: nothing taken
        assert (seat.status_code, seat.json()) == (200, {"taken": False})
        checkin = client.post("/bench/checkin/1/1", "{}", content_type="application/json")
        assert (checkin.status_code, checkin.json()) == (
            400,
            {"error": 'send {"request_key": ...}'},
        )
