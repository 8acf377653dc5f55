"""Benchmark: import a 1,000,000-row course standard CSV, against Polars' read_csv of the same
file measured in the same run, into SQLite and (when one is configured) PostgreSQL.

    learncity bench import [--json]
    LEARNCITY_BENCH_ROWS=100000 learncity bench import          # a smaller run
    LEARNCITY_BENCH_POSTGRESQL_URL=postgresql://... learncity bench import

The file is built by resampling the 322 real rows of ../shared/data/courses/gangnam-2026-04.csv
with a fixed seed; each title gets a cohort suffix (`(123기)`) so that every row is a distinct
course. Each database import runs in a fresh process (`bench/_import_worker.py`): SQLite in
a new temporary database with the real regions loaded, PostgreSQL in a scratch database
(`<name>_bench`) created on the same server and dropped afterwards. Classification runs as
its own step and is timed on the same titles here.

JSON keys: rows, file_mb, polars_s, polars_first_s, sqlite_s, ratio (sqlite_s / polars_s),
sqlite_rows_per_s, postgresql_s, postgresql_ratio, peak_mb (the import process, SQLite),
postgresql_peak_mb, classify_titles_per_s, classify_s.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
from django.conf import settings

from learncity.catalog.classification import classifier, predictions

HERE = Path(__file__).resolve().parent


def _courses() -> Any:
    spec = importlib.util.spec_from_file_location("bench_courses", HERE / "_courses.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _worker(path: Path, database_url: str, workdir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "LEARNCITY_DATABASE_URL": database_url,
        "LEARNCITY_BENCH_FILE": str(path),
        "LEARNCITY_BENCH_DIR": str(HERE),
        "LEARNCITY_HOME": str(workdir),
    }
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "bench", "_import_worker", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the import worker failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def _scratch_database(url: str) -> Iterator[str]:
    """A fresh database beside the configured one, dropped afterwards: a million bench rows
    never land in a real catalog."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "learncity"
    scratch = f"{name}_bench"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        connection.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield parts._replace(path=f"/{scratch}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


def _postgresql_url() -> str | None:
    url = os.environ.get("LEARNCITY_BENCH_POSTGRESQL_URL")
    if url:
        return url
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return os.environ.get("LEARNCITY_DATABASE_URL")
    return None


def run() -> dict[str, Any]:
    rows = int(os.environ.get("LEARNCITY_BENCH_ROWS") or 1_000_000)
    with tempfile.TemporaryDirectory(prefix="learncity-bench-") as folder:
        workdir = Path(folder)
        path = workdir / "courses.csv"
        _courses().build_file(path, rows)

        timings = []
        for _ in range(3):
            started = time.perf_counter()
            frame = pl.read_csv(path)
            timings.append(time.perf_counter() - started)
        assert frame.height == rows
        polars_s = min(timings)
        titles = frame.get_column("강좌명").to_list()
        del frame  # the workers are started without the parent's frame in memory

        sqlite = _worker(path, f"sqlite:///{workdir / 'bench.sqlite3'}", workdir)
        assert sqlite["rows"] == rows == sqlite["created"], sqlite
        postgres_url = _postgresql_url()
        postgres = None
        if postgres_url:
            with _scratch_database(postgres_url) as scratch_url:
                postgres = _worker(path, scratch_url, workdir)

        classifier()  # trained before the clock starts, as in a running import
        started = time.perf_counter()
        predicted = predictions(titles)
        classify_s = time.perf_counter() - started
        assert len(predicted) == len(titles)

        return {
            "rows": rows,
            "file_mb": round(path.stat().st_size / 1024**2, 1),
            "polars_s": round(polars_s, 3),
            "polars_first_s": round(timings[0], 3),
            "sqlite_s": sqlite["import_s"],
            "ratio": round(sqlite["import_s"] / polars_s, 1),
            "sqlite_rows_per_s": round(rows / sqlite["import_s"]),
            "peak_mb": sqlite["peak_mb"],
            "postgresql_s": postgres["import_s"] if postgres else None,
            "postgresql_ratio": round(postgres["import_s"] / polars_s, 1) if postgres else None,
            "postgresql_peak_mb": postgres["peak_mb"] if postgres else None,
            "classify_s": round(classify_s, 2),
            "classify_titles_per_s": round(len(titles) / classify_s),
        }
