"""Is this process ready to answer as fast as it will later on?

A server worker loads what its first requests would otherwise load (the Korean analyser,
the search structures, the look-alike model: learncity.config.warmup) when it starts, and
says so here: `warming` while it loads, `ready` once it is. `/healthz` answers 503 while
warming and 200 once ready, so a load balancer or a deploy script sends traffic only to
warm workers. A process that never starts a warm-up (tests, the development server, the
CLI) is ready from the start: nothing of it is loaded on purpose."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

WARMING = "warming"
READY = "ready"


@dataclass
class _State:
    status: str = READY
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


_state = _State()


def readiness_warming() -> None:
    """This process starts loading: /healthz answers 503 until `readiness_ready`."""
    with _state.lock:
        _state.status = WARMING
        _state.timings = {}
        _state.error = ""


def readiness_ready(*, timings: dict[str, float], error: str = "") -> None:
    """This process is warm (or its warm-up failed with `error`: it answers all the same,
    only its first requests are as slow as without a warm-up)."""
    with _state.lock:
        _state.status = READY
        _state.timings = dict(timings)
        _state.error = error


def readiness_status() -> str:
    with _state.lock:
        return _state.status


def readiness_timings() -> dict[str, float]:
    with _state.lock:
        return dict(_state.timings)
