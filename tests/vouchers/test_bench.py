"""`learncity bench ledger --json` with small numbers on SQLite: the command contract's keys
and the invariants it reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.command import bench_json

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_ledger_small_run(tmp_path):
    figures = bench_json(
        "ledger",
        env={
            "LEARNCITY_LEDGER_VOUCHERS": "3",
            "LEARNCITY_LEDGER_PARALLEL": "12",
            "LEARNCITY_LEDGER_COVERS": "4",
            "LEARNCITY_HOME": str(tmp_path),
            "LEARNCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'caller.sqlite3'}",
        },
        timeout=300,
    )
    assert figures["attempts"] == 36
    assert figures["succeeded"] == figures["expected"] == 12
    assert figures["refused_insufficient_balance"] == 24 and figures["errors"] == 0
    assert figures["negative_balances"] == 0 and figures["unbalanced_transactions"] == 0
    assert figures["balance_mismatch"] == 0 and figures["sum_of_postings"] == 0
    assert figures["overpaid_vouchers"] == 0 and figures["vouchers_left_with_balance"] == 0
    assert figures["replays"] == 12 and figures["replays_changed_nothing"] is True
    assert figures["throughput_per_s"] > 0 and figures["ratio"] > 0
