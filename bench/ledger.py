"""Benchmark: the voucher ledger under contention (issue 7's command contract).

    learncity bench ledger --db sqlite|postgresql [--json]
    LEARNCITY_LEDGER_VOUCHERS=5 LEARNCITY_LEDGER_PARALLEL=20 learncity bench ledger   # smaller

On a fresh database (a temporary SQLite file, or a scratch PostgreSQL database `<name>_ledger`
beside the one in LEARNCITY_DATABASE_URL, dropped afterwards), 50 threads at once try to pay
10,000 won from one voucher whose balance covers 10 payments, repeated for 20 vouchers
(1,000 attempts); exactly 10 per voucher must succeed. The bare guarded balance UPDATE, in
the same threads and rounds, is the same-run baseline. Then every successful request is
retried with its idempotency key and the ledger is audited from its postings
(bench/_ledger_worker.py).

JSON keys: database, attempts, succeeded, expected, refused_insufficient_balance, errors,
error_examples, vouchers, parallel, covers, overpaid_vouchers, vouchers_left_with_balance,
negative_balances, unbalanced_transactions, balance_mismatch, sum_of_postings, replays,
replays_changed_nothing, throughput_per_s, baseline_per_s, ratio (throughput / baseline),
p50_ms, p99_ms, baseline_p50_ms, baseline_p99_ms, baseline_succeeded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent


@contextmanager
def _scratch_postgresql(url: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    scratch = f"{parts.path.lstrip('/') or 'learncity'}_ledger"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        connection.execute(f'CREATE DATABASE "{scratch}"')
    try:
        yield parts._replace(path=f"/{scratch}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'ledger.sqlite3'}"
        return
    url = os.environ.get("LEARNCITY_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise RuntimeError("--db postgresql takes the server from LEARNCITY_DATABASE_URL")
    with _scratch_postgresql(url) as scratch:
        yield scratch


def run() -> dict[str, Any]:
    kind = os.environ.get("LEARNCITY_BENCH_DB") or "sqlite"
    folder = Path(tempfile.mkdtemp(prefix="learncity-ledger-"))
    try:
        with _database(kind, folder) as url:
            env = {
                **os.environ,
                "LEARNCITY_DATABASE_URL": url,
                "LEARNCITY_HOME": str(folder),
                "LEARNCITY_BENCH_DIR": str(HERE),
            }
            done = subprocess.run(
                [sys.executable, "-m", "learncity", "bench", "_ledger_worker", "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"the ledger worker failed: {done.stderr[-3000:]}")
            result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
            return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)
