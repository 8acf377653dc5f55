"""`learncity bench checkin` (issue 6, item 7): its arrival schedule, and a small run against
the real server whose invariants and JSON keys are checked as the full run's are."""

from __future__ import annotations

import datetime as dt
import importlib.util
import random
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from tests.bench.command import bench_json

REPO = Path(__file__).resolve().parents[2]
SEOUL = dt.timezone(dt.timedelta(hours=9))


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_checkin_test", REPO / "bench" / "checkin.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_rush_has_its_bursts_and_stays_in_the_ten_minutes() -> None:
    times = _bench()._arrivals(1000, 4, 50, random.Random(1))
    assert len(times) == 1000
    assert all(0 <= t <= 600 for t in times)
    same = Counter(times)
    assert sorted(n for n in same.values() if n > 1) == [50, 50, 50, 50]
    assert sorted(t for t, n in same.items() if n == 50) == [180.0, 300.0, 420.0, 540.0]
    # the crowd grows towards the classes: more in the last five minutes than the first
    assert sum(t >= 300 for t in times) > sum(t < 300 for t in times)


def test_the_simulated_morning_is_already_past() -> None:
    day = _bench()._simulated_day
    assert day(dt.datetime(2026, 4, 20, 9, 44, tzinfo=SEOUL)) == dt.date(2026, 4, 19)
    assert day(dt.datetime(2026, 4, 20, 9, 45, tzinfo=SEOUL)) == dt.date(2026, 4, 20)
    assert day(dt.datetime(2026, 4, 20, 0, 44, tzinfo=dt.UTC)) == dt.date(2026, 4, 19)
    assert day(dt.datetime(2026, 4, 20, 14, 59, tzinfo=dt.UTC)) == dt.date(2026, 4, 20)


@pytest.mark.slow
def test_a_small_rush_records_every_check_in_once(shared_data: Path, tmp_path: Path) -> None:
    figures = bench_json(
        "checkin",
        env={
            "LEARNCITY_HOME": str(tmp_path),
            "LEARNCITY_SHARED_DATA": str(shared_data),
            "LEARNCITY_CHECKIN_COUNT": "120",
            "LEARNCITY_CHECKIN_BURSTS": "2",
            "LEARNCITY_CHECKIN_BURST": "20",
            "LEARNCITY_CHECKIN_SECONDS": "6",
        },
    )
    for key in (
        "checkins",
        "recorded",
        "duplicates",
        "p99_ms",
        "baseline_p99_ms",
        "ratio",
        "throughput_rps",
        "baseline_rps",
        "p50_ms",
        "p95_ms",
        "errors_5xx",
        "lost",
    ):
        assert key in figures, key
    assert figures["checkins"] == 120
    assert figures["recorded"] == 120
    assert figures["answered"] == 120
    assert figures["duplicates"] == 0
    assert figures["lost"] == 0
    assert figures["not_checked_in"] == 0
    assert figures["recorded_unanswered"] == 0
    assert figures["wrong_person"] == 0
    assert figures["errors_5xx"] == 0
    assert figures["transport_errors"] == 0
    assert figures["unexpected"] == {}
    assert figures["invariants_hold"] is True
    # every person once (201); each repeated scan refused, each resend answered again
    statuses = figures["statuses"]
    assert statuses["201"] == 120
    assert statuses.get("409", 0) == figures["refusals"].get("already_checked_in", 0) > 0
    assert statuses.get("200", 0) == figures["replayed"]
    assert sum(statuses.values()) == figures["requests"]
    assert figures["attendance_methods"] == {"phone": 12, "qr": 108}
    assert figures["baseline_inserted"] == figures["baseline_recorded"] == 120
    assert figures["other_rows"] == 0
    # the ratio is taken before rounding the two p99 figures it is printed beside
    assert abs(figures["ratio"] - figures["p99_ms"] / figures["baseline_p99_ms"]) <= 0.01
    assert figures["acceptance"] == (figures["ratio"] <= 2.5)
