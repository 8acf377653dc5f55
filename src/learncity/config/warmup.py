"""Warm from the start: what the first requests of a server worker would load, loaded when
the worker starts (issue 18, item 8).

Without it the first search on each worker took 4-7 s (the Korean analyser's model, the
search index, the regions, the templates and URL patterns are loaded on first use)
and the console's look-alike page about 6 s (every programme's morphemes), while the
following searches take a few hundredths of a second.

`learncity serve` runs gunicorn with `learncity.config.gunicorn_conf`, whose
`post_worker_init` hook calls `warm_up_in_background` in each worker once the application is
loaded. Each worker warms itself after the fork: the master loads nothing, so no analyser
thread pool, database connection or lock crosses a fork (Kiwi keeps worker threads of its
own, which a forked child would not have). While a worker warms, its `/healthz` answers
503 `warming` (core.readiness); once warm, 200 `ready`.

The steps, each timed (the figures go to the log and to `/healthz`):

- analyser: Kiwi's model and a first analysis;
- search: the search index opened, and the regions;
- pages: the home page and a search page in Korean and in English, requested in-process
  through the WSGI handler (URL patterns, templates, translations, middleware, the search
  engine's first query);
- lookalike: the look-alike clusters of the whole catalogue (every programme's morphemes
  in the analyser's cache);
- snapshot: the console's columnar snapshot
(these two only up to 50,000 programmes: at national scale they would take each worker
minutes and gigabytes for pages a few staff open; they then warm on first use).

LEARNCITY_WARM_UP=false turns it off (the first requests are then slow again: the live
test uses this to show what the warm-up saves).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from learncity.config.env import env_bool
from learncity.core.readiness import readiness_ready, readiness_warming

log = logging.getLogger("learncity.warmup")

PAGES = (
    "/",
    "/search?q=%ED%8F%89%EC%83%9D%ED%95%99%EC%8A%B5",  # 평생학습
    "/search?q=%EC%9A%94%EA%B0%80&lang=en",  # 요가, in English
)


def warm_up_enabled() -> bool:
    return env_bool("LEARNCITY_WARM_UP", True)


def _analyser() -> None:
    from learncity.algorithms import korean_text

    korean_text.shared().tagged_many(["평생학습관에서 배우는 스마트폰 활용 강좌"])


def _search() -> None:
    from learncity.search import indexer, selectors

    with contextlib.suppress(indexer.SearchRebuilding):
        indexer.refresh()  # the index opened (never rebuilt in a worker: its indexer does)
    selectors._regions()  # the regions "near" and the district filter resolve names against


def _pages() -> None:
    """GET each page in-process, through the same WSGI handler the server calls."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    factory = RequestFactory(HTTP_HOST=host.strip("[]") if host != "[::1]" else "localhost")
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(code)
        return lambda data: None

    for path in PAGES:
        status.clear()
        # secure: with LEARNCITY_TLS the site redirects plain http, and the warm-up must
        # render the page itself, not a redirect
        body = handler(factory.get(path, secure=True).environ, start_response)
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        if not status or not status[0].startswith("200"):
            raise RuntimeError(f"warm-up: GET {path} answered {status[:1]}")


CONSOLE_WARM_MAX = 50_000  # programmes: above, the console's pages warm on first use


def _console_sized() -> bool:
    """Whether the catalogue is small enough for every worker to warm the console's pages:
    at national scale the look-alikes of every programme take minutes and gigabytes per
    worker, for pages that a few staff open (LEARNCITY_WARM_CONSOLE_MAX to change)."""
    from learncity.catalog.selectors import programme_count

    given = os.environ.get("LEARNCITY_WARM_CONSOLE_MAX", "").strip()
    limit = int(given) if given.isdecimal() else CONSOLE_WARM_MAX
    return programme_count() <= limit


def _lookalike() -> None:
    from learncity.analytics import lookalike

    if _console_sized():
        lookalike.lookalike_clusters()


def _snapshot() -> None:
    from learncity.analytics import snapshot

    if _console_sized():
        snapshot.snapshot_get()


STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("analyser", _analyser),
    ("search", _search),
    ("pages", _pages),
    ("lookalike", _lookalike),
    ("snapshot", _snapshot),
)


def warm_up() -> dict[str, float]:
    """Run every step in this thread; the seconds each took (and `total`)."""
    from django.db import connections

    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        for name, step in STEPS:
            begun = time.perf_counter()
            step()
            timings[name] = round(time.perf_counter() - begun, 3)
    finally:
        connections.close_all()  # this thread's connections: the requests open their own
    timings["total"] = round(time.perf_counter() - started, 3)
    return timings


def warm_up_in_background(*, on_done: Callable[[str], None] | None = None) -> threading.Thread:
    """Mark this process warming and warm it in a daemon thread; ready when done (also
    when a step fails: the worker then answers as it would have without a warm-up)."""
    readiness_warming()

    def work() -> None:
        try:
            timings = warm_up()
        except Exception as exc:
            log.exception("warm-up failed in worker %s", os.getpid())
            readiness_ready(timings={}, error=f"{type(exc).__name__}: {exc}"[:300])
            message = f"learncity: worker {os.getpid()} warm-up failed: {exc}"
        else:
            readiness_ready(timings=timings)
            steps = ", ".join(f"{k} {v:.2f}" for k, v in timings.items() if k != "total")
            message = f"learncity: worker {os.getpid()} warm in {timings['total']:.2f} s ({steps})"
        if on_done is not None:
            on_done(message)

    thread = threading.Thread(target=work, name="learncity-warm-up", daemon=True)
    thread.start()
    return thread
