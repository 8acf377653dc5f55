# ruff: noqa: S608 - every fragment put into the SQL is a constant or a quoted table name
"""A columnar snapshot of the platform's tables for the indicators (Polars frames).

Read-only SQL over the tables of regions, catalog, enrollment, learners and records, straight
into the frames `learncity.algorithms.indicators` computes on: the transactional database
answers a handful of plain scans, and all the grouping runs in Polars. Table names are the
ones each context publishes in its `sql.py` (no model is imported: the contexts' models stay
theirs).

Attendance comes ordered by offer (the rows of a roster together), so that counting it per
offer walks memory in order.

Population is read as sums over age buckets whose edges are every edge an indicator uses
(0, 10, 15, 20, 30, … 60, 65, 70, 80, 90): each bucket row carries its first age, so that a
band such as 15-64 or 65+ is the sum of whole buckets.

`LEARNCITY_ANALYTICS_SNAPSHOT_TTL` (seconds, default 0: read afresh on every call) lets the
console reuse one snapshot for a while.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import polars as pl
from django.db import connection

from learncity.algorithms import indicators as compute
from learncity.attendance import sql as attendance_sql
from learncity.catalog import sql as catalog_sql
from learncity.enrollment import sql as enrollment_sql
from learncity.learners import sql as learners_sql
from learncity.records import sql as records_sql
from learncity.regions import sql as regions_sql

AGE_EDGES = (0, 10, 15, 20, 30, 40, 50, 60, 65, 70, 80, 90)

_lock = threading.Lock()
_cached: tuple[float, compute.Tables] | None = None


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _frame(name: str, rows: list[tuple[Any, ...]], columns: list[str]) -> pl.DataFrame:
    schema = compute.SCHEMAS[name]
    raw = pl.DataFrame(
        {column: [row[i] for row in rows] for i, column in enumerate(columns)},
        strict=False,
    )
    out = []
    for column in schema:
        if column not in raw.columns:
            out.append(pl.lit(None, dtype=schema[column]).alias(column))
            continue
        dtype = raw.schema[column]
        target = schema[column]
        expr = pl.col(column)
        if target == pl.Date and dtype == pl.String:
            expr = expr.str.slice(0, 10).str.to_date("%Y-%m-%d")
        elif target == pl.Boolean and dtype != pl.Boolean:
            expr = expr.cast(pl.Int8).cast(pl.Boolean)
        out.append(expr.cast(target).alias(column))
    if raw.height == 0:
        return compute.frame(name)
    return raw.select(out)


def _age_bucket_sql() -> str:
    cases = " ".join(
        f"WHEN a.age >= {edge} THEN {edge}" for edge in sorted(AGE_EDGES, reverse=True)
    )
    return f"CASE {cases} ELSE 0 END"


def snapshot_build() -> compute.Tables:
    """Read the platform's tables into Polars frames."""
    region = regions_sql.REGION
    snap = regions_sql.POPULATION_SNAPSHOT
    region_pop = regions_sql.REGION_POPULATION
    by_age = regions_sql.POPULATION_BY_AGE
    institution = catalog_sql.INSTITUTION
    venue = catalog_sql.VENUE
    programme = catalog_sql.PROGRAMME
    schedule = catalog_sql.SCHEDULE
    offer = enrollment_sql.OFFER
    application = enrollment_sql.APPLICATION
    attendance = attendance_sql.ATTENDANCE
    completion = attendance_sql.COMPLETION_EVENT
    learner = learners_sql.LEARNER
    record = records_sql.RECORD_ENTRY

    regions = _frame(
        "regions",
        _rows(
            f"SELECT r.code, r.name, r.level, p.code FROM {region} r "
            f"LEFT JOIN {region} p ON p.id = r.parent_id "
            "WHERE r.level IN ('district', 'neighbourhood')"
        ),
        ["code", "name", "level", "parent_code"],
    )
    bucket = _age_bucket_sql()
    population = _frame(
        "population",
        _rows(
            f"SELECT r.code, {bucket} AS bucket, SUM(a.count) FROM {by_age} a "
            f"JOIN {region_pop} rp ON rp.id = a.region_population_id "
            f"JOIN {region} r ON r.id = rp.region_id "
            f"WHERE rp.snapshot_id = (SELECT s.id FROM {snap} s ORDER BY s.period DESC LIMIT 1) "
            "AND r.level IN ('district', 'neighbourhood') "
            f"GROUP BY r.code, {bucket}"
        ),
        ["code", "age", "count"],
    )
    learners = _frame(
        "learners",
        _rows(
            "SELECT id, birth_year, district_code, neighbourhood_code, disability, low_income, "
            f"multicultural FROM {learner}"
        ),
        [
            "learner_id",
            "birth_year",
            "district_code",
            "neighbourhood_code",
            "disability",
            "low_income",
            "multicultural",
        ],
    )
    programmes = _frame(
        "programmes",
        _rows(
            "SELECT p.id, p.institution_id, p.venue_id, COALESCE(vd.code, idr.code), vn.code, "
            "p.category, p.mode, p.fee_krw, "
            "CASE WHEN p.credit_bank OR p.learning_account THEN 1 ELSE 0 END "
            f"FROM {programme} p JOIN {institution} i ON i.id = p.institution_id "
            f"LEFT JOIN {region} idr ON idr.id = i.district_id "
            f"LEFT JOIN {venue} v ON v.id = p.venue_id "
            f"LEFT JOIN {region} vd ON vd.id = v.district_id "
            f"LEFT JOIN {region} vn ON vn.id = v.neighbourhood_id"
        ),
        [
            "programme_id",
            "institution_id",
            "venue_id",
            "district_code",
            "neighbourhood_code",
            "category",
            "mode",
            "fee_krw",
            "accredited",
        ],
    )
    venues = _frame(
        "venues",
        _rows(
            "SELECT v.id, v.institution_id, COALESCE(vd.code, idr.code), vn.code "
            f"FROM {venue} v JOIN {institution} i ON i.id = v.institution_id "
            f"LEFT JOIN {region} idr ON idr.id = i.district_id "
            f"LEFT JOIN {region} vd ON vd.id = v.district_id "
            f"LEFT JOIN {region} vn ON vn.id = v.neighbourhood_id"
        ),
        ["venue_id", "institution_id", "district_code", "neighbourhood_code"],
    )
    course_rows = _rows(
        "SELECT s.id, o.id, s.programme_id, COALESCE(o.capacity, s.capacity, 0), "
        "COALESCE(o.method, ''), COALESCE(o.term, ''), s.start_date, s.end_date, "
        "COALESCE(o.district_code, '') "
        f"FROM {schedule} s LEFT JOIN {offer} o ON o.schedule_id = s.id"
    )
    raw_courses = _frame(
        "courses",
        [row[:8] for row in course_rows],
        [
            "course_id",
            "offer_id",
            "programme_id",
            "capacity",
            "method",
            "term",
            "start_date",
            "end_date",
        ],
    ).with_columns(pl.Series("offer_district", [row[8] for row in course_rows], dtype=pl.String))
    place = programmes.select(
        "programme_id",
        pl.col("institution_id").alias("p_institution"),
        pl.col("district_code").alias("p_district"),
        pl.col("neighbourhood_code").alias("p_neighbourhood"),
        pl.col("category").alias("p_category"),
        pl.col("mode").alias("p_mode"),
    )
    courses = (
        raw_courses.join(place, on="programme_id", how="left")
        .with_columns(
            pl.col("p_institution").alias("institution_id"),
            pl.coalesce(
                pl.col("p_district"),
                pl.when(pl.col("offer_district") != "").then(pl.col("offer_district")),
            ).alias("district_code"),
            pl.col("p_neighbourhood").alias("neighbourhood_code"),
            pl.col("p_category").alias("category"),
            pl.col("p_mode").alias("mode"),
        )
        .select(list(compute.SCHEMAS["courses"]))
    )
    applications = _frame(
        "applications",
        _rows(f"SELECT offer_id, learner_id, status FROM {application}"),
        ["offer_id", "learner_id", "status"],
    )
    attendance_frame = _frame(
        "attendance",
        _rows(
            f"SELECT ap.offer_id, a.status FROM {attendance} a "
            f"JOIN {application} ap ON ap.id = a.application_id ORDER BY ap.offer_id"
        ),
        ["offer_id", "status"],
    )
    # read ORDER BY offer: say so, so that the computation can count runs in place
    attendance_frame = attendance_frame.with_columns(pl.col("offer_id").set_sorted())
    completions = _frame(
        "completions",
        _rows(f"SELECT offer_id, learner_id FROM {completion}"),
        ["offer_id", "learner_id"],
    )
    records = _frame(
        "records",
        _rows(
            "SELECT offer_id, learner_id, attended_minutes, "
            f"CASE WHEN learning_account OR credit_bank THEN 1 ELSE 0 END FROM {record}"
        ),
        ["offer_id", "learner_id", "minutes", "accredited"],
    )
    return compute.Tables(
        regions=regions,
        population=population,
        learners=learners,
        programmes=programmes,
        venues=venues,
        courses=courses,
        applications=applications,
        attendance=attendance_frame,
        completions=completions,
        records=records,
    )


def snapshot_get() -> compute.Tables:
    """The snapshot, re-read unless one younger than the TTL is at hand."""
    global _cached  # noqa: PLW0603 - one snapshot per process
    try:
        ttl = float(os.environ.get("LEARNCITY_ANALYTICS_SNAPSHOT_TTL", "0") or 0)
    except ValueError:
        ttl = 0.0
    with _lock:
        if _cached is not None and ttl > 0 and time.monotonic() - _cached[0] < ttl:
            return _cached[1]
    tables = snapshot_build()
    with _lock:
        _cached = (time.monotonic(), tables)
    return tables


def snapshot_clear() -> None:
    global _cached  # noqa: PLW0603 - one snapshot per process
    with _lock:
        _cached = None


def programme_titles(ids: list[int]) -> dict[int, tuple[str, str]]:
    """programme id -> (display title, institution name), for the drill-down's rows."""
    if not ids:
        return {}
    programme = catalog_sql.PROGRAMME
    institution = catalog_sql.INSTITUTION
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = [int(i) for i in ids[start : start + 500]]
        marks = ", ".join(["%s"] * len(chunk))
        for pk, title, name in _rows(
            f"SELECT p.id, p.display_title, i.name FROM {programme} p "
            f"JOIN {institution} i ON i.id = p.institution_id WHERE p.id IN ({marks})",
            list(chunk),
        ):
            out[int(pk)] = (title or "", name or "")
    return out
