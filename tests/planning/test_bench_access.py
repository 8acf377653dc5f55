"""`learncity bench access` with small numbers: the JSON keys of the command contract and the
agreement of our answer with the cKDTree baseline."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "access.py"


def load() -> Any:
    spec = importlib.util.spec_from_file_location("bench_access_small", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_small_run_has_the_contract_keys(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = load()
    monkeypatch.setattr(module, "N_VENUES", 500)
    monkeypatch.setattr(module, "N_GRID", 20_000)
    monkeypatch.setattr(module, "CITY", 60)
    monkeypatch.setattr(module, "K", 4)
    figures = module.run()
    for key in (
        "neighbourhoods_s",
        "grid_s",
        "grid_baseline_s",
        "grid_ratio",
        "mclp_s",
        "mclp_gap",
    ):
        assert isinstance(figures[key], float), key
    assert figures["neighbourhoods"] == 3616  # every 읍·면·동 of the population file
    assert figures["placed"]["not_placed"] == 0
    assert figures["grid_points"] == 20_000
    assert figures["agree_with_baseline"] is True
    assert figures["mclp_status"] == "optimal"
    assert figures["mclp_objective"] >= figures["mclp_greedy_objective"]
    assert 0 <= figures["mclp_gap"] <= 1
