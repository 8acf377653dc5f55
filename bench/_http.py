"""HTTP pieces shared by the benchmarks: the real server (`learncity serve`, gunicorn) in a
subprocess, a closed-loop load generator with N concurrent connections (threads, one new
connection per request as a browser on a sync server sees it), nearest-rank percentiles."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(len(ordered), rank) - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Job:
    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    think_s: float = 0.0


def request(port: int, job: Job) -> tuple[int, float]:
    """(status, milliseconds) of one request on a new connection."""
    status, ms, _body = request_body(port, job)
    return status, ms


def request_body(port: int, job: Job) -> tuple[int, float, str]:
    """(status, milliseconds, body text) of one request on a new connection."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Host": "127.0.0.1", **job.headers}
        payload = None
        if job.body is not None:
            payload = json.dumps(job.body).encode()
            headers["Content-Type"] = "application/json"
        connection.request(job.method, job.path, body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read()
        status = response.status
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000, body.decode("utf-8", "replace")


@dataclass
class LoadResult:
    latencies: list[float]
    statuses: dict[int, int]
    errors: list[str]
    elapsed_s: float

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.elapsed_s if self.elapsed_s else 0.0

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status <= high)


def load(port: int, jobs: Sequence[Job], connections: int) -> LoadResult:
    """Send every job with `connections` requests in flight (closed loop: each connection
    sends its next job as soon as the last one is answered, after the job's think time)."""
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []

    def worker() -> None:
        mine: list[float] = []
        seen: dict[int, int] = {}
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            job = jobs[index]
            try:
                status, ms = request(port, job)
            except OSError as exc:
                with lock:
                    errors.append(f"{job.method} {job.path}: {exc}")
                continue
            mine.append(ms)
            seen[status] = seen.get(status, 0) + 1
            if job.think_s:
                time.sleep(job.think_s)
        with lock:
            latencies.extend(mine)
            for status, n in seen.items():
                statuses[status] = statuses.get(status, 0) + n

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(latencies, statuses, errors, time.perf_counter() - started)


def _key_file(folder: str) -> str:
    """A fresh Ed25519 key (PKCS#8 PEM) in `folder`; its path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = Path(folder) / "city.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


@contextmanager
def server(
    env: dict[str, str], workers: int, threads: int = 1, log_path: Path | None = None
) -> Iterator[int]:
    """`learncity serve` on a free port with `workers` gunicorn workers; yields the port.
    Its output goes to a temporary file (or `log_path`), never to an unread pipe (a full
    pipe would stop every worker at its next log line). The server runs as deployed, DEBUG
    off, so it is given
    what `learncity serve` refuses to start without: its public URL and a signing key file
    (a fresh one, unless `env` names them; the benchmarks sign nothing)."""
    port = free_port()
    command = [sys.executable, "-m", "learncity", "serve", "--port", str(port)]
    with (
        (
            log_path.open("w+", encoding="utf-8")
            if log_path is not None
            else tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        ) as log,
        tempfile.TemporaryDirectory() as keys,
    ):
        environment = dict(env)
        environment.setdefault("LEARNCITY_PUBLIC_URL", f"http://127.0.0.1:{port}")
        if not environment.get("LEARNCITY_CREDENTIAL_KEY_FILE"):
            environment["LEARNCITY_CREDENTIAL_KEY_FILE"] = _key_file(keys)
        process = subprocess.Popen(
            [*command, "--workers", str(workers), "--threads", str(threads)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if request(port, Job("GET", "/healthz"))[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the server did not start: {log.read()[-2000:]}")
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
