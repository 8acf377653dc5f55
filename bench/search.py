"""Benchmark: search over 1,000,000 programmes on the Tantivy engine, in process and over
HTTP, against the same engine's bare query and a naive LIKE scan on the same data, measured
in the same run; the index build; how fast an edit shows in search.

    learncity bench search [--json]
    LEARNCITY_BENCH_ROWS=100000 learncity bench search      # a smaller run
    LEARNCITY_BENCH_REBUILD=1 learncity bench search        # rebuild the bench catalogue

The catalogue is the 322 real rows of ../shared/data/courses/gangnam-2026-04.csv resampled
to the number of rows (bench/_courses.py, fixed seed; each row moved to one of Seoul's 25
districts), imported as `learncity import` does with classification. Importing takes minutes
at 1M rows, so that database is kept in var/bench/ (SQLite) and reused while the migrations
and the build recipe are unchanged; `build_s` says when it was built in this run.

Then, each run:
- the index is built anew from the catalogue (bench/_search_index.py: `search-index
  --rebuild`, Kiwi included): `index_build_s`, `index_peak_mb` (that process's peak RSS);
- in process (bench/_search_measure.py): 200 mixed queries, half with filters, facets on
  every query; the same queries without facets; the engine's bare top-20 of the same words;
  the LIKE scan on every 4th query;
- the real server (`learncity serve`, gunicorn, cpu + 1 workers each with its background
  indexer) under 32 closed-loop clients (`/api/v1/programmes`, 4 rounds of the 200 queries),
  then 32 clients that pause about 1 s between requests (`http_think_*`); whether a worker
  was restarted (`http_worker_restarts`, from the server's log);
- freshness: 100 edits of a programme's fee, each committed to the database by this process
  while the server runs, and the time until the API finds the programme by its new fee
  (`freshness_*`: commit -> visible, polled every 20 ms).

JSON keys: engine, documents, queries, p50_ms, p95_ms, p99_ms (in process, every query
twice), nofacet_p95_ms, raw_p50_ms, raw_p95_ms, raw_p99_ms (the engine's bare top-20),
ratio_to_raw (p95 / raw_p95), ratio_to_nofacet, like_p50_ms, like_p95_ms,
like_queries_p95_ms (ours on the same queries as LIKE), speedup_vs_like (like_p95 /
like_queries_p95), http_p50_ms, http_p95_ms, http_p99_ms, http_requests, http_errors,
http_per_s, http_rps (the same figure), http_floor_rps and http_floor_p95_ms (the same
clients on the health check: what this machine's server and clients reach doing no work),
http_clients, http_workers, http_worker_restarts,
http_think_p50_ms, http_think_p95_ms, warm_search_s (a starting worker: index opened),
freshness_p50_s, freshness_p95_s, freshness_max_s, freshness_edits, index_build_s,
index_peak_mb, build_s, database, max_matches.
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
    """What the bench catalogue depends on: the row count, the build recipe and the
    catalogue's and regions' migrations (the others are applied to it when it is used)."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(str(rows).encode())
    source = HERE.parent / "src" / "learncity"
    migrations = [
        *source.glob("catalog/migrations/0*.py"),
        *source.glob("regions/migrations/0*.py"),
    ]
    for path in sorted([HERE / "_courses.py", HERE / "_search_catalog.py", *migrations]):
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
    path = folder / f"catalog-{rows}-{_recipe_key(rows)}.sqlite3"
    if path.exists() and not os.environ.get("LEARNCITY_BENCH_REBUILD"):
        return path, None
    for old in folder.glob(f"catalog-{rows}-*.sqlite3*"):
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
        built = _learncity(["bench", "_search_catalog", "--json"], env)
    assert built["created"] == rows, built
    building.rename(path)
    return path, time.perf_counter() - started


def _env(database_url: str, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_HOME": str(home),
        "LEARNCITY_BENCH_DIR": str(HERE),
        "LEARNCITY_SEARCH_INDEX_DIR": str(home / "search"),
        "LEARNCITY_API_RATE": "100000000",  # the bench measures search, not the rate limit
    }


FRESHNESS_EDITS = 100
FRESH_FEE = 7_770_001  # fees no real programme asks: each edit sets a new one


def _freshness(port: int, database: Path) -> dict[str, Any]:
    """Edit a programme's fee (committed, as a staff edit would be) and poll the API until
    it finds the programme by the new fee; the seconds from commit to visible, per edit."""
    import sqlite3

    web = _sibling("_http")
    seconds: list[float] = []
    with sqlite3.connect(database, timeout=30) as db:
        ids = [
            row[0] for row in db.execute("SELECT id FROM catalog_programme ORDER BY id LIMIT 50000")
        ]
        chooser = random.Random(11)
        for number in range(FRESHNESS_EDITS):
            pk = chooser.choice(ids)
            fee = FRESH_FEE + number
            db.execute("UPDATE catalog_programme SET fee_krw = ? WHERE id = ?", (fee, pk))
            db.commit()
            committed = time.perf_counter()
            path = f"/api/v1/programmes?fee_min={fee}&fee_max={fee}&today=2026-04-20"
            while True:
                status, _ms, body = web.request_body(port, web.Job("GET", path))
                if status == 200 and json.loads(body).get("total", 0) >= 1:
                    break
                if time.perf_counter() - committed > 30:
                    raise RuntimeError(f"edit {number} not visible after 30 s")
                time.sleep(0.02)
            seconds.append(time.perf_counter() - committed)
    return {
        "freshness_edits": len(seconds),
        "freshness_p50_s": round(web.percentile(seconds, 0.50), 2),
        "freshness_p95_s": round(web.percentile(seconds, 0.95), 2),
        "freshness_max_s": round(max(seconds), 2),
    }


def _http(database: Path, home: Path, queries: list[dict[str, str]]) -> dict[str, Any]:
    web = _sibling("_http")
    workers = (os.cpu_count() or 1) + 1
    paths = [f"/api/v1/programmes?{urlencode(q)}" for q in queries]
    closed_jobs = [web.Job("GET", paths[i % len(paths)]) for i in range(len(paths) * ROUNDS)]
    chooser = random.Random(7)
    think_jobs = [web.Job("GET", p, think_s=THINK_S * (0.5 + chooser.random())) for p in paths]
    log = home / "serve.log"
    with web.server(_env(f"sqlite:///{database}", home), workers, log_path=log) as port:
        _status, _ms, health = web.request_body(port, web.Job("GET", "/healthz"))
        warm = json.loads(health).get("warm_up_s", {}) if health.startswith("{") else {}
        web.load(port, [web.Job("GET", p) for p in paths], CLIENTS)  # warm-up: caches
        booted = _boots(log)
        # the floor of this machine: the same server and clients on a page that does no
        # work (the health check), so that the search's own cost can be read off
        floor = web.load(port, [web.Job("GET", "/healthz")] * len(closed_jobs), CLIENTS)
        closed = web.load(port, closed_jobs, CLIENTS)
        thinking = web.load(port, think_jobs, CLIENTS)
        restarts = _boots(log) - booted
        fresh = _freshness(port, database)
    failed = closed.count(400, 599) + thinking.count(400, 599)
    return {
        **fresh,
        "warm_search_s": warm.get("search"),
        "http_worker_restarts": restarts,
        "http_rps": round(closed.per_s, 1),
        "http_floor_rps": round(floor.per_s, 1),
        "http_floor_p95_ms": round(web.percentile(floor.latencies, 0.95), 1),
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


def _boots(log: Path) -> int:
    """Workers booted so far, by the server's log (gunicorn writes one line per boot)."""
    return log.read_text(encoding="utf-8", errors="replace").count("Booting worker")


def run() -> dict[str, Any]:
    rows = int(os.environ.get("LEARNCITY_BENCH_ROWS") or 1_000_000)
    home = Path(tempfile.mkdtemp(prefix="learncity-bench-home-"))
    try:
        database, build_s = _database(rows, home)
        env = _env(f"sqlite:///{database}", home)
        built = _learncity(["bench", "_search_index", "--json"], env)
        measured = _learncity(["bench", "_search_measure", "--json"], env)
        over_http = _http(database, home, measured["queries"])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    full, raw, like = measured["full_ms"], measured["raw_ms"], measured["like_ms"]
    nofacet_p95 = percentile(measured["nofacet_ms"], 0.95)
    like_ours = measured["like_queries_full_ms"]
    p95, raw_p95 = percentile(full, 0.95), percentile(raw, 0.95)
    like_p95, like_ours_p95 = percentile(like, 0.95), percentile(like_ours, 0.95)
    figures: dict[str, Any] = {
        "engine": "tantivy",
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
        "nofacet_p95_ms": round(nofacet_p95, 1),
        "ratio_to_nofacet": round(p95 / nofacet_p95, 2),
        "like_p50_ms": round(percentile(like, 0.50), 1),
        "like_p95_ms": round(like_p95, 1),
        "like_queries_p95_ms": round(like_ours_p95, 1),
        "speedup_vs_like": round(like_p95 / like_ours_p95, 1),
        **over_http,
        "index_build_s": built["index_build_s"],
        "index_peak_mb": built["peak_rss_mb"],
        "build_s": round(build_s, 1) if build_s is not None else None,
    }
    return figures
