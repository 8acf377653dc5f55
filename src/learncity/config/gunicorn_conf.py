"""gunicorn's settings for `learncity serve` (`-c python:learncity.config.gunicorn_conf`).

Each worker warms itself once the application is loaded (learncity.config.warmup): the
master preloads nothing, so the Korean analyser's threads and the database connections are
made after the fork, in the worker that uses them."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    from learncity.config.warmup import warm_up_enabled, warm_up_in_background

    if not warm_up_enabled():
        worker.log.info("learncity: worker %s not warmed (LEARNCITY_WARM_UP=false)", worker.pid)
        return
    warm_up_in_background(on_done=worker.log.info)
