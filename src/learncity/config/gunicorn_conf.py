"""gunicorn's settings for `learncity serve` (`-c python:learncity.config.gunicorn_conf`).

Each worker warms itself once the application is loaded (learncity.config.warmup): the
master preloads nothing, so the Korean analyser's threads and the database connections are
made after the fork, in the worker that uses them. The access log goes through
learncity.config.gunicorn_log (redacted, with the request id)."""

from __future__ import annotations

from typing import Any

from learncity.config.gunicorn_log import TEXT_FORMAT

# the access log through learncity's redaction (no reset links, tokens or phone numbers, no
# Authorization or Cookie), each line with the request's id (learncity.config.gunicorn_log)
logger_class = "learncity.config.gunicorn_log.RedactingLogger"
access_log_format = TEXT_FORMAT


def post_worker_init(worker: Any) -> None:
    from learncity.config.warmup import warm_up_enabled, warm_up_in_background
    from learncity.search.indexer import start_background

    start_background()  # this worker keeps the search index in step (docs/search.md)
    if not warm_up_enabled():
        worker.log.info("learncity: worker %s not warmed (LEARNCITY_WARM_UP=false)", worker.pid)
        return
    warm_up_in_background(on_done=worker.log.info)
