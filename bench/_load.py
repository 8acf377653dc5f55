"""An open-loop load generator for the benchmarks that follow an arrival schedule (`learncity
bench checkin`): each request is sent at its own time from the start, whatever the server's
answers to the others, as people arrive at a kiosk; a burst is many requests with the same
time. Threads send them, one new connection per request (as _http.load does); the answer's
body is kept, so the bench can check every answer against the database.

The latency is measured from the moment a request is sent. A request whose time came while
every thread was busy is sent late: `lag_ms` says by how much (the generator, not the
server, was the bottleneck when it grows).
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timed:
    at_s: float  # when to send it, seconds after the start
    method: str
    path: str
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (a transport error, in `error`)
    ms: float
    lag_ms: float
    body: Any
    error: str = ""


def _send(port: int, job: Timed) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Host": "127.0.0.1", **dict(job.headers)}
        payload = None
        if job.body is not None:
            payload = json.dumps(job.body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(job.method, job.path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    finally:
        connection.close()
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")[:500]
    return status, body


def scheduled(port: int, jobs: Sequence[Timed], threads: int) -> tuple[list[Answer], float]:
    """Send every job at its time (open loop) from `threads` threads; the answers in the
    order of `jobs`, and the seconds from the start to the last answer."""
    order = sorted(range(len(jobs)), key=lambda i: jobs[i].at_s)
    answers: list[Answer | None] = [None] * len(jobs)
    lock = threading.Lock()
    cursor = iter(order)
    started = time.perf_counter() + 0.2  # every thread is waiting when the clock starts

    def worker() -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            job = jobs[index]
            wait = started + job.at_s - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            lag = max(0.0, (sent - started - job.at_s) * 1000)
            try:
                status, body = _send(port, job)
                error = ""
            except OSError as exc:
                status, body, error = 0, None, f"{job.method} {job.path}: {exc}"
            answers[index] = Answer(status, (time.perf_counter() - sent) * 1000, lag, body, error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None], elapsed
