"""Benchmark: search over 1,000,000 programmes, in process and over HTTP, against the raw
full-text engine query and a naive LIKE scan on the same data, measured in the same run.

    learncity bench search [--json]
    LEARNCITY_BENCH_ROWS=100000 learncity bench search      # a smaller run
    LEARNCITY_BENCH_REBUILD=1 learncity bench search        # rebuild the bench database

The catalog is the 322 real rows of ../shared/data/courses/gangnam-2026-04.csv resampled to
the number of rows (bench/_courses.py, fixed seed; each row moved to one of Seoul's 25
districts), imported as `learncity import` does with classification, and indexed. Building
it takes minutes at 1M rows, so the database is kept in var/bench/ (SQLite) and reused while
the code's migrations and the build recipe are unchanged; `build_s` says when it was built in
this run.

Three processes do the work: the build (bench/_search_worker.py), the in-process timings
(bench/_search_measure.py: 200 mixed queries, half with filters; the raw engine query of the
same tokens; the LIKE scan on every 4th query) and the real server (`learncity serve`,
gunicorn) that 32 client threads query at once over HTTP (`/api/v1/programmes`), each
sending its next request as soon as the last one is answered (closed loop), 4 rounds of the
200 queries; then a round where 32 clients pause 1 s between requests like a person reading
the results (`http_think_*`).

JSON keys: documents, queries, p50_ms, p95_ms, p99_ms (in process, every query twice),
raw_p50_ms, raw_p95_ms, raw_p99_ms, ratio_to_raw (p95 / raw_p95), like_p50_ms, like_p95_ms,
like_queries_p95_ms (ours on the same queries as LIKE), speedup_vs_like (like_p95 /
like_queries_p95), http_p50_ms, http_p95_ms, http_p99_ms, http_requests, http_errors,
http_per_s, http_clients, http_workers, http_think_p95_ms, build_s, database, max_matches.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
CLIENTS = 32
ROUNDS = 4
THINK_S = 1.0


def _sibling(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], share: float) -> float:
    return float(_sibling("_http").percentile(values, share))


def _recipe_key(rows: int) -> str:
    """What the bench database depends on: the row count, the build recipe and the
    migrations (a changed index format means a rebuild)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(str(rows).encode())
    migrations = (HERE.parent / "src" / "learncity").glob("*/migrations/0*.py")
    for path in sorted([HERE / "_courses.py", HERE / "_search_worker.py", *migrations]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _learncity(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "learncity", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"learncity {' '.join(args)} failed: {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _database(rows: int, home: Path) -> tuple[Path, float | None]:
    folder = Path(os.environ.get("LEARNCITY_BENCH_CACHE") or Path.cwd() / "var" / "bench")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"search-{rows}-{_recipe_key(rows)}.sqlite3"
    if path.exists() and not os.environ.get("LEARNCITY_BENCH_REBUILD"):
        return path, None
    for old in folder.glob(f"search-{rows}-*.sqlite3*"):
        old.unlink()
    building = path.with_suffix(".building")
    for leftover in folder.glob(building.name + "*"):
        leftover.unlink()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="learncity-bench-") as scratch:
        csv_path = Path(scratch) / "courses.csv"
        _sibling("_courses").build_file(csv_path, rows, spread=True)
        env = _env(f"sqlite:///{building}", home)
        env["LEARNCITY_BENCH_FILE"] = str(csv_path)
        built = _learncity(["bench", "_search_worker", "--json"], env)
    assert built["created"] == rows, built
    building.rename(path)
    return path, time.perf_counter() - started


def _env(database_url: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_BENCH_DIR": str(HERE),
        "LEARNCITY_API_RATE": "100000000",  # the bench measures search, not the rate limit
    }


def _http(database: Path, home: Path, queries: list[dict[str, str]]) -> dict[str, Any]:
    web = _sibling("_http")
    workers = (os.cpu_count() or 1) + 1
    paths = [f"/api/v1/programmes?{urlencode(q)}" for q in queries]
    closed_jobs = [web.Job("GET", paths[i % len(paths)]) for i in range(len(paths) * ROUNDS)]
    chooser = random.Random(7)
    think_jobs = [web.Job("GET", p, think_s=THINK_S * (0.5 + chooser.random())) for p in paths]
    with web.server(_env(f"sqlite:///{database}", home), workers) as port:
        web.load(port, [web.Job("GET", p) for p in paths], CLIENTS)  # warm-up: Kiwi, tables
        closed = web.load(port, closed_jobs, CLIENTS)
        thinking = web.load(port, think_jobs, CLIENTS)
    failed = closed.count(400, 599) + thinking.count(400, 599)
    return {
        "http_p50_ms": round(web.percentile(closed.latencies, 0.50), 1),
        "http_p95_ms": round(web.percentile(closed.latencies, 0.95), 1),
        "http_p99_ms": round(web.percentile(closed.latencies, 0.99), 1),
        "http_requests": len(closed.latencies),
        "http_errors": len(closed.errors) + len(thinking.errors) + failed,
        "http_per_s": round(closed.per_s, 1),
        "http_clients": CLIENTS,
        "http_workers": workers,
        "http_think_p50_ms": round(web.percentile(thinking.latencies, 0.50), 1),
        "http_think_p95_ms": round(web.percentile(thinking.latencies, 0.95), 1),
    }


def run() -> dict[str, Any]:
    rows = int(os.environ.get("LEARNCITY_BENCH_ROWS") or 1_000_000)
    home = Path(tempfile.mkdtemp(prefix="learncity-bench-home-"))
    try:
        database, build_s = _database(rows, home)
        measured = _learncity(
            ["bench", "_search_measure", "--json"], _env(f"sqlite:///{database}", home)
        )
        over_http = _http(database, home, measured["queries"])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    full, raw, like = measured["full_ms"], measured["raw_ms"], measured["like_ms"]
    like_ours = measured["like_queries_full_ms"]
    p95, raw_p95 = percentile(full, 0.95), percentile(raw, 0.95)
    like_p95, like_ours_p95 = percentile(like, 0.95), percentile(like_ours, 0.95)
    figures: dict[str, Any] = {
        "database": measured["database"],
        "documents": measured["documents"],
        "queries": len(measured["queries"]),
        "max_matches": max(measured["matches"]),
        "p50_ms": round(percentile(full, 0.50), 1),
        "p95_ms": round(p95, 1),
        "p99_ms": round(percentile(full, 0.99), 1),
        "raw_p50_ms": round(percentile(raw, 0.50), 1),
        "raw_p95_ms": round(raw_p95, 1),
        "raw_p99_ms": round(percentile(raw, 0.99), 1),
        "ratio_to_raw": round(p95 / raw_p95, 2),
        "like_p50_ms": round(percentile(like, 0.50), 1),
        "like_p95_ms": round(like_p95, 1),
        "like_queries_p95_ms": round(like_ours_p95, 1),
        "speedup_vs_like": round(like_p95 / like_ours_p95, 1),
        **over_http,
        "build_s": round(build_s, 1) if build_s is not None else None,
    }
    return figures
