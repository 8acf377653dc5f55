"""One timed import for `learncity bench import`, in its own process and database.

Reads LEARNCITY_BENCH_FILE; migrates the database named by LEARNCITY_DATABASE_URL, loads the
real population (regions) when the database has none, then times `catalog_import` of the file
(classification off: it is measured separately), as `learncity import` runs it: one
transaction for the file, no outer transaction. The database is a scratch one (bench/import.py
creates and drops it).
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from learncity.catalog.importer import catalog_import
from learncity.regions import selectors as region_selectors
from learncity.regions import services as region_services

SHARED = Path(
    os.environ.get("LEARNCITY_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss would
    carry over the parent's peak through fork (the parent held the whole Polars frame)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> dict[str, Any]:
    path = Path(os.environ["LEARNCITY_BENCH_FILE"])
    call_command("migrate", verbosity=0)
    if not region_selectors.region_refs():
        region_services.population_load(path=SHARED / "population" / "mois-age-by-dong-2025-05.csv")
    before = _peak_mb()
    started = time.perf_counter()
    report = catalog_import(paths=[path], classify=False)
    result: dict[str, Any] = {"import_s": round(time.perf_counter() - started, 2)}
    result.update({k: report[k] for k in ("rows", "created", "quarantined")})
    result["district_resolved_share"] = report["district_resolved_share"]
    result["database"] = connection.vendor
    result["peak_mb"] = round(_peak_mb())
    result["peak_before_import_mb"] = round(before)
    return result
