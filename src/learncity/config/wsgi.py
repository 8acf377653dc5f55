from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from learncity.config.env import env_bool

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.config.settings")
application: Any = get_wsgi_application()


def _naming_the_worker(app: Any) -> Any:
    """Every response names the process that answered (`X-Learncity-Worker: <pid>`) and
    what the answer cost it (`Server-Timing: app;dur=<ms>, cpu;dur=<ms of this thread's
    CPU>`), for measuring each worker apart (tests/config/test_warm_start.py): the CPU time
    is what the request itself made this process do, whatever else the machine runs."""

    def named(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started, cpu = time.perf_counter(), time.thread_time()

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            timing = (
                f"app;dur={(time.perf_counter() - started) * 1000:.1f}, "
                f"cpu;dur={(time.thread_time() - cpu) * 1000:.1f}"
            )
            extra = [("X-Learncity-Worker", str(os.getpid())), ("Server-Timing", timing)]
            return start_response(status, [*headers, *extra], exc_info)

        answer: Iterable[bytes] = app(environ, start)
        return answer

    return named


if env_bool("LEARNCITY_WORKER_HEADER", False):
    application = _naming_the_worker(application)
