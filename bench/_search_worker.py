"""Build the database of `learncity bench search`, in its own process.

Reads LEARNCITY_BENCH_FILE; migrates the database named by LEARNCITY_DATABASE_URL, loads the
real regions (population and boundaries, as `learncity demo` does), imports the file as
`learncity import` does (classification included) and builds the search index. Prints the
timings.
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
from learncity.search.services import search_index

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
    counts = search_index()
    indexed = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "database": connection.vendor,
        "rows": report["rows"],
        "created": report["created"],
        "import_s": round(imported - started, 1),
        "index_s": round(indexed - imported, 1),
        "indexed": counts["indexed"],
        "terms": counts["terms"],
    }
