"""Benchmark: load the real population file (parse + write 395,000 age rows), compared in
the same run with a baseline: a plain csv.reader pass over the same bytes plus a raw
executemany of the same rows into a temporary table. Writes are rolled back.

    learncity bench population-load [--json]

JSON keys: rows, age_rows, parse_s, load_s, baseline_s, ratio_to_baseline, rows_per_s.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from learncity.algorithms import population_file
from learncity.regions import services

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "population"


class _Rollback(Exception):
    pass


def run() -> dict[str, Any]:
    path = Path(
        os.environ.get("LEARNCITY_BENCH_POPULATION") or DEFAULT / "mois-age-by-dong-2025-05.csv"
    )
    data = path.read_bytes()

    started = time.perf_counter()
    parsed = population_file.parse(data)
    parse_s = time.perf_counter() - started

    started = time.perf_counter()
    try:
        with transaction.atomic():
            services.population_store(
                parsed=parsed,
                source="bench",
                file_name=path.name,
                file_sha256="bench",
                region_source="mois",
            )
            raise _Rollback
    except _Rollback:
        pass
    load_s = time.perf_counter() - started + parse_s

    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("cp949"))))[1:]
    values = [
        (line, age, int(cell.replace(",", "")))
        for line, row in enumerate(rows)
        for age, cell in enumerate(row[3:])
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_ages (r integer, a integer, c integer)")
            cursor.executemany("INSERT INTO bench_ages (r, a, c) VALUES (%s, %s, %s)", values)
            raise _Rollback
    except _Rollback:
        pass
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ages")
    baseline_s = time.perf_counter() - started

    age_rows = len(parsed.rows) * (population_file.OLDEST_AGE + 1)
    return {
        "database": connection.vendor,
        "rows": len(parsed.rows),
        "age_rows": age_rows,
        "parse_s": round(parse_s, 3),
        "load_s": round(load_s, 3),
        "baseline_s": round(baseline_s, 3),
        "ratio_to_baseline": round(load_s / baseline_s, 2),
        "rows_per_s": round(age_rows / load_s),
    }
