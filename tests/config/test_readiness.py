"""/healthz and the warm-up's bookkeeping: 503 `warming` while a worker loads, 200 `ready`
with each step's seconds once done; a failed step still ends ready (the worker then answers
as it would have without a warm-up) and says why in the log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from learncity.config import warmup
from learncity.core.readiness import (
    READY,
    WARMING,
    readiness_ready,
    readiness_status,
    readiness_timings,
    readiness_warming,
)


@pytest.fixture
def restored() -> Iterator[None]:
    yield
    readiness_ready(timings={})


@pytest.mark.django_db
def test_healthz_says_warming_then_ready(restored: None) -> None:
    client = Client()
    readiness_warming()
    warming = client.get("/healthz")
    assert warming.status_code == 503
    assert warming.json()["status"] == WARMING
    assert warming["Cache-Control"] == "no-store"
    readiness_ready(timings={"analyser": 1.5, "total": 2.0})
    ready = client.get("/healthz")
    assert ready.status_code == 200
    assert ready.json()["status"] == READY
    assert ready.json()["warm_up_s"] == {"analyser": 1.5, "total": 2.0}


def test_a_failed_step_still_ends_ready(restored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def fine() -> None:
        ran.append("fine")

    def broken() -> None:
        raise OSError("model file missing")

    monkeypatch.setattr(warmup, "STEPS", (("fine", fine), ("broken", broken), ("after", fine)))
    told: list[str] = []
    thread = warmup.warm_up_in_background(on_done=told.append)
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert ran == ["fine"]  # the steps stop at the failure
    assert readiness_status() == READY and readiness_timings() == {}
    assert told and "warm-up failed: model file missing" in told[0]


def test_the_steps_in_order(restored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(
        warmup, "STEPS", tuple((name, lambda n=name: ran.append(n)) for name in ("a", "b"))
    )
    told: list[str] = []
    thread = warmup.warm_up_in_background(on_done=told.append)
    thread.join(timeout=30)
    assert ran == ["a", "b"]
    assert set(readiness_timings()) == {"a", "b", "total"}
    assert "warm in" in told[0]


def test_the_real_steps_cover_what_a_first_request_loads() -> None:
    assert [name for name, _ in warmup.STEPS] == [
        "analyser",
        "search",
        "pages",
        "lookalike",
        "snapshot",
    ]


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNCITY_WARM_UP", "false")
    assert warmup.warm_up_enabled() is False
    monkeypatch.delenv("LEARNCITY_WARM_UP")
    assert warmup.warm_up_enabled() is True
