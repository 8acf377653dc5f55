"""`learncity bench indicators` (issue 8, item 6) at a tiny scale: the synthetic city's
tables, the full indicator set on them, the DuckDB baseline giving the same participation by
age band and district, and the JSON keys of the command contract."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from typer.testing import CliRunner

from learncity.algorithms import indicators as compute

REPO = Path(__file__).resolve().parents[2]


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench{name}_test", REPO / "bench" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_synthetic_city_has_the_asked_sizes_and_shapes() -> None:
    tables = _module("_indicators_data").generate(
        learners=2000, applications=10000, attendance=40000, seed=3
    )
    tables.check()
    assert tables.learners.height == 2000
    assert tables.applications.height == 10000
    assert tables.attendance.height == 40000
    # compact columns: 32-bit ids, Enum statuses in the platform's order
    assert tables.applications.schema["learner_id"] == pl.Int32
    assert tables.applications.schema["status"] == pl.Enum(list(compute.APPLICATION_STATUSES))
    # attendance only of confirmed places, ordered by offer as the snapshot reads it
    confirmed = set(
        tables.applications.filter(pl.col("status") == "confirmed")["offer_id"].to_list()
    )
    assert set(tables.attendance["offer_id"].to_list()) <= confirmed
    assert tables.attendance["offer_id"].is_sorted()
    # every learner lives in a known neighbourhood of a known district
    hoods = set(tables.regions.filter(pl.col("level") == "neighbourhood")["code"].to_list())
    assert set(tables.learners["neighbourhood_code"].to_list()) <= hoods


@pytest.mark.slow
def test_a_tiny_run_keeps_the_command_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNCITY_BENCH_LEARNERS", "3000")
    monkeypatch.setenv("LEARNCITY_BENCH_APPLICATIONS", "15000")
    monkeypatch.setenv("LEARNCITY_BENCH_ATTENDANCE", "60000")
    monkeypatch.setenv("LEARNCITY_BENCH_DIR", str(REPO / "bench"))
    from learncity.cli import app

    result = CliRunner().invoke(app, ["bench", "indicators", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key in ("total_s", "baseline_s", "ratio", "per_indicator_s", "generate_s", "rows"):
        assert key in figures
    assert set(figures["per_indicator_s"]) == set(compute.SPECS)
    assert figures["indicators"] == len(compute.SPECS)
    assert figures["rows"]["applications"] == 15000
    assert figures["rows"]["attendance"] == 60000
    assert figures["ratio"] == pytest.approx(
        figures["participation_s"] / figures["baseline_s"], rel=0.05, abs=0.01
    )
    # our participation by age band and district is the hand-written query's, cell by cell
    assert figures["checks"]["age_band_district_cells"] > 0
    assert figures["checks"]["mismatches_vs_baseline"] == 0
    values = figures["values"]
    assert 0 < values["operations.fill_rate"] < 100
    assert values["participation.rate"] > 0
