"""`learncity bench NAME --db sqlite --json` in a process of its own, with small numbers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def bench_json(name: str, *, env: dict[str, str], timeout: int = 600) -> dict[str, Any]:
    """Run the benchmark on SQLite with the environment added; its figures (the JSON of the
    last line), after checking that it exited 0."""
    done = subprocess.run(
        [sys.executable, "-m", "learncity", "bench", name, "--db", "sqlite", "--json"],
        cwd=REPO,
        env={**os.environ, "LEARNCITY_BENCH_DIR": str(REPO / "bench"), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures
