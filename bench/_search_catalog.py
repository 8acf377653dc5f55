"""Build the catalogue database of `learncity bench search`, in its own process.

Reads LEARNCITY_BENCH_FILE; migrates the database named by LEARNCITY_DATABASE_URL, loads the
real regions (population and boundaries, as `learncity demo` does) and imports the file as
`learncity import` does (classification included). The search index is not built here: the
bench builds it in every run (`index_build_s`), from this catalogue.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from learncity.catalog.importer import catalog_import
from learncity.demo.real import real_regions_load
from learncity.regions import selectors as region_selectors

SHARED = Path(
    os.environ.get("LEARNCITY_SHARED_DATA")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "data"
)


def run() -> dict[str, Any]:
    path = Path(os.environ["LEARNCITY_BENCH_FILE"])
    call_command("migrate", verbosity=0)
    if not region_selectors.region_refs():
        real_regions_load(SHARED)  # population and boundaries: centroids for "near"
    started = time.perf_counter()
    report = catalog_import(paths=[path], classify=True)
    imported = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "database": connection.vendor,
        "rows": report["rows"],
        "created": report["created"],
        "import_s": round(imported - started, 1),
    }
