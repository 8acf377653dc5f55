"""The synthetic city of `learncity bench indicators`, generated with numpy (fixed seed).

Residents come from the real population file when it is there (every 읍·면·동 with its own
age pyramid; districts are the parents of neighbourhoods), else from a plain made-up pyramid
over 250 districts of 14 neighbourhoods. Programmes take the Gangnam course file's category
mix (through the provider's own words, algorithms/classify.SOURCE_WORDS), fees and
capacities when it is there. Learners are drawn from the population with a propensity to
learn that peaks at 50-75; how active a learner is and how popular a course is are
lognormal, so that some learn often and some courses are oversubscribed.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import numpy as np
import polars as pl

from learncity.algorithms import indicators as compute

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LEARNCITY_SHARED_DATA") or REPO.parent / "shared" / "data")
POPULATION = SHARED / "population" / "mois-age-by-dong-2025-05.csv"
COURSES = SHARED / "courses" / "gangnam-2026-04.csv"
STATUS = list(compute.APPLICATION_STATUSES)  # the same order: the codes are used as they are
STATUS_P = [0.70, 0.10, 0.12, 0.03, 0.01, 0.02, 0.02]
ATTENDANCE = list(compute.ATTENDANCE_STATUSES)
ATTENDANCE_P = [0.80, 0.05, 0.12, 0.03]
MODES = ["offline", "online", "hybrid"]
MODES_P = [0.80, 0.12, 0.08]
METHODS = ["first_come", "lottery", "lottery_then_first_come"]
METHODS_P = [0.70, 0.20, 0.10]


def _population() -> tuple[list[str], list[str], np.ndarray, list[tuple[str, str]]]:
    """Neighbourhood codes, their district codes, ages (n x 101) and district names."""
    if POPULATION.is_file():
        from learncity.algorithms import population_file

        parsed = population_file.parse(POPULATION.read_bytes())
        rows = population_file.link_hierarchy(list(parsed.rows))
        level = population_file.Level
        neighbourhoods = [
            r for r in rows if r.level is level.NEIGHBOURHOOD and r.total > 0 and r.parent_code
        ]
        codes = [r.code for r in neighbourhoods]
        parents = [str(r.parent_code) for r in neighbourhoods]
        ages = np.array([r.ages for r in neighbourhoods], dtype=np.int64)
        wanted = set(parents)
        names = [(r.code, r.name) for r in rows if r.code in wanted]
        return codes, parents, ages, names
    rng = np.random.default_rng(7)
    pyramid = np.concatenate([np.full(65, 1.0), np.linspace(1.0, 0.02, 36)])
    codes, parents = [], []
    for d in range(250):
        for n in range(14):
            parents.append(f"{11000 + d * 10:05d}00000")
            codes.append(f"{11000 + d * 10:05d}{n + 1:03d}00")
    sizes = rng.lognormal(9.5, 0.5, len(codes))
    ages = np.round(np.outer(sizes, pyramid / pyramid.sum())).astype(np.int64)
    names = [(p, f"구{i}") for i, p in enumerate(sorted(set(parents)))]
    return codes, parents, ages, names


def _gangnam() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Categories (with ""), their weights, fees and capacities of the real course file."""
    fallback = (
        [*compute.CATEGORIES, ""],
        np.array([2, 3, 12, 35, 30, 8, 5, 5], dtype=float),
        np.array([0, 0, 30000, 50000, 72000]),
        np.array([15, 20, 25, 30, 40]),
    )
    if not COURSES.is_file():
        return fallback
    from learncity.algorithms.classify import SOURCE_WORDS

    counts: dict[str, int] = {}
    fees, capacities = [], []
    with COURSES.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            category = SOURCE_WORDS.get((row.get("강좌내용") or "").strip(), ("", ""))[0]
            counts[category] = counts.get(category, 0) + 1
            fee = (row.get("수강료") or "").replace(",", "").strip()
            if fee.isdigit():
                fees.append(int(fee))
            capacity = (row.get("강좌정원수") or "").replace(",", "").strip()
            if capacity.isdigit() and int(capacity) > 0:
                capacities.append(int(capacity))
    if not counts or not fees or not capacities:
        return fallback
    # the Gangnam file has no literacy, academic, vocational or career course; a city has a
    # few: each area absent there gets 3 % of the programmes
    floor = 0.03 * sum(counts.values())
    for category in compute.CATEGORIES:
        counts.setdefault(category, 0)
    names = sorted(counts)
    return (
        names,
        np.array([counts[n] or floor for n in names], dtype=float),
        np.array(fees),
        np.array(capacities),
    )


def _pick(rng: np.random.Generator, values: list[str], p: list[float], n: int) -> pl.Series:
    index = rng.choice(len(values), size=n, p=np.asarray(p) / np.sum(p)).astype(np.uint8)
    return (
        pl.Series(index)
        .cast(pl.UInt32)
        .replace_strict(list(range(len(values))), values, return_dtype=pl.Enum(values))
    )


def generate(*, learners: int, applications: int, attendance: int, seed: int) -> compute.Tables:
    rng = np.random.default_rng(seed)
    codes, parents, ages, names = _population()
    n_hoods = len(codes)
    hood_weight = ages.sum(axis=1).astype(np.float64)
    hood_weight /= hood_weight.sum()

    # regions and population (single ages per neighbourhood; districts are their sums)
    district_codes = sorted(set(parents))
    name_of = dict(names)
    regions = pl.DataFrame(
        {
            "code": district_codes + codes,
            "name": [name_of.get(c, c) for c in district_codes] + codes,
            "level": ["district"] * len(district_codes) + ["neighbourhood"] * n_hoods,
            "parent_code": [None] * len(district_codes) + parents,
        },
        schema=compute.SCHEMAS["regions"],
    )
    hood_pop = pl.DataFrame(
        {
            "code": np.repeat(np.array(codes), ages.shape[1]),
            "parent": np.repeat(np.array(parents), ages.shape[1]),
            "age": np.tile(np.arange(ages.shape[1], dtype=np.int16), n_hoods),
            "count": ages.reshape(-1),
        }
    )
    district_pop = (
        hood_pop.group_by("parent", "age").agg(pl.col("count").sum()).rename({"parent": "code"})
    )
    population = pl.concat(
        [hood_pop.drop("parent"), district_pop.select("code", "age", "count")]
    ).with_columns(pl.col("age").cast(pl.Int16), pl.col("count").cast(pl.Int64))

    # learners: a neighbourhood by residents, an age from that pyramid x a propensity
    hood_of_learner = rng.choice(n_hoods, size=learners, p=hood_weight).astype(np.int32)
    propensity = np.interp(
        np.arange(101),
        [0, 10, 20, 35, 50, 65, 75, 85, 100],
        [0.1, 0.3, 0.5, 0.7, 1.0, 1.2, 1.0, 0.4, 0.1],
    )
    national = ages.sum(axis=0) * propensity
    age_of_learner = rng.choice(101, size=learners, p=national / national.sum()).astype(np.int16)
    # region codes as Enums: compact, and mapped to region indexes without hashing rows
    hood_codes = pl.Series(codes, dtype=pl.String).cast(pl.Enum(sorted(set(codes))))
    parent_codes = pl.Series(parents, dtype=pl.String).cast(pl.Enum(district_codes))
    hood_index = pl.Series(hood_of_learner)
    learners_frame = pl.DataFrame(
        {
            "learner_id": np.arange(1, learners + 1, dtype=np.int32),
            "birth_year": (2026 - age_of_learner).astype(np.int16),
            "district_code": parent_codes.gather(hood_index),
            "neighbourhood_code": hood_codes.gather(hood_index),
            "disability": rng.random(learners) < 0.05,
            "low_income": rng.random(learners) < 0.08,
            "multicultural": rng.random(learners) < 0.03,
        }
    )

    # institutions, venues and programmes
    n_programmes = max(100, learners // 8)
    n_institutions = max(10, n_programmes // 12)
    n_venues = max(20, n_institutions * 2)
    categories, category_weight, fees, capacities = _gangnam()
    venue_hood = pl.Series(rng.choice(n_hoods, size=n_venues, p=hood_weight).astype(np.int32))
    venue_institution = (np.arange(n_venues) % n_institutions + 1).astype(np.int32)
    venues = pl.DataFrame(
        {
            "venue_id": np.arange(1, n_venues + 1, dtype=np.int32),
            "institution_id": venue_institution,
            "district_code": parent_codes.gather(venue_hood),
            "neighbourhood_code": hood_codes.gather(venue_hood),
        }
    )
    programme_venue = rng.integers(0, n_venues, size=n_programmes)
    category_values = [c or "unclassified" for c in categories]
    category_enum = pl.Enum(sorted(set(category_values)))
    programmes = pl.DataFrame(
        {
            "programme_id": np.arange(1, n_programmes + 1, dtype=np.int32),
            "institution_id": venue_institution[programme_venue],
            "venue_id": (programme_venue + 1).astype(np.int32),
            "district_code": parent_codes.gather(venue_hood.gather(pl.Series(programme_venue))),
            "neighbourhood_code": hood_codes.gather(venue_hood.gather(pl.Series(programme_venue))),
            "category": _pick(rng, category_values, list(category_weight), n_programmes).cast(
                category_enum
            ),
            "mode": _pick(rng, MODES, MODES_P, n_programmes),
            "fee_krw": rng.choice(fees, size=n_programmes).astype(np.int32),
            "accredited": rng.random(n_programmes) < 0.06,
        }
    )

    # courses: two a programme, one in 2025 and one in 2026, each with an offer
    n_courses = n_programmes * 2
    course_programme = np.tile(np.arange(n_programmes), 2)
    year = np.repeat(np.array([2025, 2026]), n_programmes)
    day = rng.integers(0, 330, size=n_courses)
    start = np.array([np.datetime64(f"{y}-01-01") for y in (2025, 2026)])[year - 2025] + day.astype(
        "timedelta64[D]"
    )
    end = start + rng.integers(28, 100, size=n_courses).astype("timedelta64[D]")
    month = (start.astype("datetime64[M]").astype(int) % 12) + 1
    terms = pl.Series([f"{y}-{1 if m <= 6 else 2}" for y, m in zip(year, month, strict=True)])
    programme_rows = programmes.gather(pl.Series(course_programme))
    courses = pl.DataFrame(
        {
            "course_id": np.arange(1, n_courses + 1, dtype=np.int32),
            "offer_id": np.arange(1, n_courses + 1, dtype=np.int32),
            "programme_id": programme_rows["programme_id"],
            "institution_id": programme_rows["institution_id"],
            "district_code": programme_rows["district_code"],
            "neighbourhood_code": programme_rows["neighbourhood_code"],
            "capacity": rng.choice(capacities, size=n_courses).astype(np.int32),
            "method": _pick(rng, METHODS, METHODS_P, n_courses),
            "term": terms.cast(pl.Enum(sorted(set(terms.to_list())))),
            "start_date": pl.Series(start).cast(pl.Date),
            "end_date": pl.Series(end).cast(pl.Date),
            "category": programme_rows["category"],
            "mode": programme_rows["mode"],
        }
    )

    # applications: a popular course and an active learner, both lognormal
    popularity = rng.lognormal(0.0, 1.0, n_courses)
    activity = rng.lognormal(0.0, 0.9, learners)
    app_offer = rng.choice(n_courses, size=applications, p=popularity / popularity.sum())
    app_learner = rng.choice(learners, size=applications, p=activity / activity.sum())
    status = _pick(rng, STATUS, STATUS_P, applications)
    applications_frame = pl.DataFrame(
        {
            "offer_id": (app_offer + 1).astype(np.int32),
            "learner_id": (app_learner + 1).astype(np.int32),
            "status": status,
        }
    )
    del app_offer, app_learner

    confirmed = applications_frame.filter(pl.col("status") == "confirmed")
    # attendance: sessions of confirmed places, ordered by offer as the snapshot reads them
    pick = rng.integers(0, confirmed.height, size=attendance)
    attendance_offer = np.sort(confirmed["offer_id"].to_numpy()[pick])
    del pick
    attendance_frame = pl.DataFrame(
        {
            "offer_id": pl.Series(attendance_offer).set_sorted(),
            "status": _pick(rng, ATTENDANCE, ATTENDANCE_P, attendance),
        }
    )
    del attendance_offer

    # completions and record entries: 75 % of the confirmed places of ended courses
    ended = courses.filter(pl.col("end_date") < dt.date(2026, 12, 31)).select("offer_id")
    done = confirmed.join(ended, on="offer_id", how="semi")
    done = done.filter(pl.Series(rng.random(done.height) < 0.75))
    completions = done.select("offer_id", "learner_id")
    accredited = courses.select("offer_id", "programme_id").join(
        programmes.select("programme_id", "accredited"), on="programme_id"
    )
    records = (
        completions.join(accredited.select("offer_id", "accredited"), on="offer_id", how="left")
        .with_columns(
            pl.Series("minutes", rng.integers(600, 3000, size=completions.height).astype(np.int32))
        )
        .select("offer_id", "learner_id", "minutes", "accredited")
    )
    return compute.Tables(
        regions=regions,
        population=population,
        learners=learners_frame,
        programmes=programmes,
        venues=venues,
        courses=courses,
        applications=applications_frame,
        attendance=attendance_frame,
        completions=completions,
        records=records,
    )
