"""Benchmark: registration day. Thousands of learners apply at once; the database must not
overbook, keep one live application per person and programme, and answer without 5xx.

    learncity bench rush --db sqlite|postgresql [--json]
    LEARNCITY_RUSH_ATTEMPTS=4000 LEARNCITY_RUSH_LEARNERS=1000 learncity bench rush   # smaller

A fresh database (a temporary SQLite file, or a scratch PostgreSQL database beside the one in
LEARNCITY_DATABASE_URL, dropped afterwards) gets the real regions and Gangnam catalog, 50
schedules of 20 seats plus one very popular schedule, and 5,000 learners with API tokens
(bench/_rush_worker.py). The real server (`learncity serve`, gunicorn, several workers) then
takes, over 64 concurrent connections:
- the baseline: POST /bench/seat/<offer>, a minimal view that only performs the conditional
  seat update on the same database (mounted only for the bench), on copies of the offers;
- the rush: 20,000 POST /api/v1/applications from the 5,000 learners: each applies for the
  popular schedule, retries that request with the same idempotency key, applies for a random
  schedule, and tries that schedule again with a new key (refused: already applied).
The invariants are then read back from the database.

JSON keys: attempts, learners, connections, workers, database, throughput_rps, baseline_rps,
ratio (throughput / baseline), p50_ms, p95_ms, p99_ms, baseline_p50_ms, baseline_p99_ms,
p99_ratio, errors_5xx, baseline_errors_5xx, transport_errors, statuses, overbooked,
counter_mismatch, duplicate_live_applications, confirmed, waitlisted, applications.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONNECTIONS = 64
SEED = 20_261_202


def _sibling(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _env(database_url: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_BENCH_DIR": str(HERE),
        "LEARNCITY_API_RATE": "1000000000",  # one client address sends everything here
        # the bench settings add the baseline endpoints (never the platform's settings)
        "DJANGO_SETTINGS_MODULE": "learncity.config.settings_bench",
    }


def _worker(mode: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "bench", "_rush_worker", "--json"],
        env={**env, "LEARNCITY_RUSH_MODE": mode},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the rush worker ({mode}) failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'rush.sqlite3'}"
        return
    url = os.environ.get("LEARNCITY_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise RuntimeError("--db postgresql takes the server from LEARNCITY_DATABASE_URL")
    with _sibling("import")._scratch_database(url) as scratch:
        yield scratch


def _jobs(plan: dict[str, Any], attempts: int) -> tuple[list[Any], list[Any]]:
    web = _sibling("_http")
    chooser = random.Random(SEED)
    offers, popular = plan["offers"][:-1], plan["offers"][-1]
    rush: list[Any] = []
    for number, token in enumerate(plan["tokens"]):
        if len(rush) >= attempts:
            break
        auth = {"Authorization": f"Bearer {token}"}
        other = chooser.choice(offers)
        for offer_id, key in (
            (popular, f"popular-{number:06d}"),
            (popular, f"popular-{number:06d}"),  # the same request again: a retry
            (other, f"other-{number:06d}"),
            (other, f"again-{number:06d}"),  # a second application: refused
        ):
            rush.append(
                web.Job(
                    "POST",
                    "/api/v1/applications",
                    {"offer_id": offer_id, "idempotency_key": key},
                    auth,
                )
            )
    # arrivals interleave: people do not queue politely, but a retry follows its request
    blocks = [rush[i : i + 2] for i in range(0, len(rush), 2)]
    chooser.shuffle(blocks)
    rush = [job for block in blocks for job in block][:attempts]
    baseline_offers = plan["baseline_offers"]
    baseline = [
        web.Job("POST", f"/bench/seat/{chooser.choice(baseline_offers)}") for _ in range(len(rush))
    ]
    return rush, baseline


def run() -> dict[str, Any]:
    web = _sibling("_http")
    kind = os.environ.get("LEARNCITY_BENCH_DB") or "sqlite"
    attempts = int(os.environ.get("LEARNCITY_RUSH_ATTEMPTS") or 20_000)
    learners = int(os.environ.get("LEARNCITY_RUSH_LEARNERS") or 5_000)
    workers = int(os.environ.get("LEARNCITY_RUSH_WORKERS") or max(2, 2 * (os.cpu_count() or 1)))
    threads = int(os.environ.get("LEARNCITY_RUSH_THREADS") or 1)
    folder = Path(tempfile.mkdtemp(prefix="learncity-rush-"))
    try:
        with _database(kind, folder) as url:
            env = _env(url, folder)
            env["LEARNCITY_RUSH_FILE"] = str(folder / "plan.json")
            env["LEARNCITY_RUSH_LEARNERS"] = str(learners)
            setup = _worker("setup", env)
            plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
            rush_jobs, baseline_jobs = _jobs(plan, attempts)
            with web.server(env, workers, threads) as port:
                web.load(port, [web.Job("GET", "/healthz")] * (4 * workers), workers)
                baseline = web.load(port, baseline_jobs, CONNECTIONS)
                rush = web.load(port, rush_jobs, CONNECTIONS)
            verified = _worker("verify", env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    p99 = web.percentile(rush.latencies, 0.99)
    baseline_p99 = web.percentile(baseline.latencies, 0.99)
    return {
        "database": setup["database"],
        "attempts": len(rush_jobs),
        "learners": setup["learners"],
        "connections": CONNECTIONS,
        "workers": workers,
        "throughput_rps": round(rush.per_s, 1),
        "baseline_rps": round(baseline.per_s, 1),
        "ratio": round(rush.per_s / baseline.per_s, 2) if baseline.per_s else None,
        "p50_ms": round(web.percentile(rush.latencies, 0.50), 1),
        "p95_ms": round(web.percentile(rush.latencies, 0.95), 1),
        "p99_ms": round(p99, 1),
        "baseline_p50_ms": round(web.percentile(baseline.latencies, 0.50), 1),
        "baseline_p99_ms": round(baseline_p99, 1),
        "p99_ratio": round(p99 / baseline_p99, 2) if baseline_p99 else None,
        "errors_5xx": rush.count(500, 599),
        "baseline_errors_5xx": baseline.count(500, 599),
        "transport_errors": len(rush.errors) + len(baseline.errors),
        "statuses": {str(k): v for k, v in sorted(rush.statuses.items())},
        "overbooked": len(verified["overbooked"]),
        "counter_mismatch": len(verified["counter_mismatch"]),
        "duplicate_live_applications": verified["duplicate_live_applications"],
        "confirmed": verified["confirmed"],
        "waitlisted": verified["waitlisted"],
        "applications": verified["applications"],
    }
