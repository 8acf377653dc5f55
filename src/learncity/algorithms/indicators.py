"""The city console's indicators, computed over columnar frames (Polars). Pure: no Django.

The platform's tables arrive as a `Tables` of Polars frames (analytics/snapshot.py builds it
from the database; bench/indicators.py generates one at national scale), a `Scope` says the
period and filters, and `compute` returns one `IndicatorResult` per indicator: the value, its
numerator and denominator, and a breakdown by district and neighbourhood (and, for course
indicators, by programme for the drill-down).

Conventions (docs/indicators.md explains them):
- a course (one schedule, with its offer when it takes applications) belongs to the period in
  which it starts (`start_date`), or to its `term`; everything about it — applications,
  attendance, completions, record hours — follows it into that period;
- supply and operations are counted where the course takes place; participation where the
  participant lives (`learners.district_code`, `neighbourhood_code`);
- the city's districts are `Scope.districts` when given, else every district where a course,
  programme or venue is; participants living elsewhere are not in the city's numbers;
- a ratio whose denominator is 0 has no value (None), never 0.

Frames (column: dtype; ids may be Int32 or Int64 but must agree across frames):
- regions: code, name, level ("district" | "neighbourhood"), parent_code
- population: code, age (0..100, 100 = 100 and over), count
- learners: learner_id, birth_year, district_code, neighbourhood_code, disability,
  low_income, multicultural
- programmes: programme_id, institution_id, venue_id, district_code, neighbourhood_code,
  category, mode, fee_krw (null: not stated), accredited
- venues: venue_id, institution_id, district_code, neighbourhood_code
- courses: course_id, offer_id (null: takes no applications), programme_id, institution_id,
  district_code, neighbourhood_code, capacity, method, term, start_date, end_date, category,
  mode
- applications: offer_id, learner_id, status
- attendance: offer_id, status
- completions: offer_id, learner_id
- records: offer_id, learner_id, minutes, accredited
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from learncity.algorithms import equity

CATEGORIES = (
    "literacy",
    "academic",
    "vocational",
    "culture_arts",
    "humanities",
    "civic",
    "career",
)
GROUPS = ("senior", "disability", "low_income", "multicultural")
SENIOR_AGE = 65
LOTTERY_METHODS = ("lottery", "lottery_then_first_come")
ONLINE_MODES = ("online", "hybrid")
CULTURE_CATEGORIES = ("culture_arts", "humanities")
WORK_CATEGORIES = ("vocational", "career")
EDUCATION_CATEGORIES = ("literacy", "academic")
WORKING_AGE = (15, 64)
MAX_AGE = 200  # open-ended bands; the population file's 100 means 100 and over

LEVELS = ("district", "neighbourhood")
KEY_COLUMNS = {
    "district": "district_code",
    "neighbourhood": "neighbourhood_code",
    "programme": "programme_id",
}
_TERM = re.compile(r"^(\d{4})-([1-4])$")


class IndicatorInputError(ValueError):
    """A filter or an indicator id that cannot be used; the message is Korean then English."""


@dataclass(frozen=True)
class AgeBand:
    id: str
    low: int
    high: int


AGE_BANDS: tuple[AgeBand, ...] = (
    *(AgeBand(f"{low}_{low + 9}", low, low + 9) for low in range(0, 90, 10)),
    AgeBand("90_plus", 90, MAX_AGE),
    AgeBand("65_plus", SENIOR_AGE, MAX_AGE),
)


# ------------------------------------------------------------------------------ inputs

SCHEMAS: dict[str, dict[str, Any]] = {
    "regions": {"code": pl.String, "name": pl.String, "level": pl.String, "parent_code": pl.String},
    "population": {"code": pl.String, "age": pl.Int16, "count": pl.Int64},
    "learners": {
        "learner_id": pl.Int64,
        "birth_year": pl.Int16,
        "district_code": pl.String,
        "neighbourhood_code": pl.String,
        "disability": pl.Boolean,
        "low_income": pl.Boolean,
        "multicultural": pl.Boolean,
    },
    "programmes": {
        "programme_id": pl.Int64,
        "institution_id": pl.Int64,
        "venue_id": pl.Int64,
        "district_code": pl.String,
        "neighbourhood_code": pl.String,
        "category": pl.String,
        "mode": pl.String,
        "fee_krw": pl.Int64,
        "accredited": pl.Boolean,
    },
    "venues": {
        "venue_id": pl.Int64,
        "institution_id": pl.Int64,
        "district_code": pl.String,
        "neighbourhood_code": pl.String,
    },
    "courses": {
        "course_id": pl.Int64,
        "offer_id": pl.Int64,
        "programme_id": pl.Int64,
        "institution_id": pl.Int64,
        "district_code": pl.String,
        "neighbourhood_code": pl.String,
        "capacity": pl.Int64,
        "method": pl.String,
        "term": pl.String,
        "start_date": pl.Date,
        "end_date": pl.Date,
        "category": pl.String,
        "mode": pl.String,
    },
    "applications": {"offer_id": pl.Int64, "learner_id": pl.Int64, "status": pl.String},
    "attendance": {"offer_id": pl.Int64, "status": pl.String},
    "completions": {"offer_id": pl.Int64, "learner_id": pl.Int64},
    "records": {
        "offer_id": pl.Int64,
        "learner_id": pl.Int64,
        "minutes": pl.Int64,
        "accredited": pl.Boolean,
    },
}


def frame(name: str, rows: list[dict[str, Any]] | None = None) -> pl.DataFrame:
    """A frame of one table from row dicts (tests, small data); missing columns are null."""
    schema = SCHEMAS[name]
    rows = rows or []
    return pl.DataFrame(
        {column: [row.get(column) for row in rows] for column in schema}, schema=schema
    )


@dataclass
class Tables:
    regions: pl.DataFrame
    population: pl.DataFrame
    learners: pl.DataFrame
    programmes: pl.DataFrame
    venues: pl.DataFrame
    courses: pl.DataFrame
    applications: pl.DataFrame
    attendance: pl.DataFrame
    completions: pl.DataFrame
    records: pl.DataFrame
    # work shared by every scope over the same tables (per-offer counts, enriched events)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def empty(cls, **frames: pl.DataFrame) -> Tables:
        """Tables with the given frames and empty ones for the rest."""
        unknown = set(frames) - set(SCHEMAS)
        if unknown:
            raise IndicatorInputError(f"알 수 없는 표 / unknown tables: {sorted(unknown)}")
        full: dict[str, Any] = {name: frames.get(name, frame(name)) for name in SCHEMAS}
        return cls(**full)

    def check(self) -> None:
        """Every frame has its columns (clear error instead of a Polars one deep inside)."""
        for name, schema in SCHEMAS.items():
            columns = getattr(self, name).columns
            missing = [column for column in schema if column not in columns]
            if missing:
                raise IndicatorInputError(
                    f"'{name}' 표에 열이 없습니다: {missing} / table '{name}' lacks columns "
                    f"{missing}"
                )


@dataclass(frozen=True)
class Scope:
    """Which courses and residents count. `term` (e.g. "2026-1") wins over year/month."""

    year: int | None = None
    month: int | None = None
    term: str | None = None
    district_code: str | None = None
    institution_id: int | None = None
    as_of: dt.date = dt.date(2026, 1, 1)
    districts: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.month is not None and not 1 <= self.month <= 12:
            raise IndicatorInputError(
                f"월은 1~12여야 합니다 (받은 값 {self.month}) / month must be 1-12, not "
                f"{self.month}"
            )
        if self.month is not None and self.year is None and self.term is None:
            raise IndicatorInputError("월을 고르려면 연도도 고르십시오 / a month needs a year")
        if self.year is not None and not 1900 <= self.year <= 2200:
            raise IndicatorInputError(
                f"연도가 범위를 벗어났습니다 ({self.year}) / year out of range ({self.year})"
            )
        if self.term is not None and not self.term.strip():
            raise IndicatorInputError("학기가 비어 있습니다 / the term is empty")

    @property
    def has_period(self) -> bool:
        return self.term is not None or self.year is not None

    @property
    def reference_year(self) -> int:
        if self.term is not None:
            match = _TERM.match(self.term)
            if match:
                return int(match.group(1))
        return self.year if self.year is not None else self.as_of.year

    def bounds(self) -> tuple[dt.date, dt.date] | None:
        """[start, end) of a year or month period; None for a term or no period."""
        if self.term is not None or self.year is None:
            return None
        if self.month is None:
            return dt.date(self.year, 1, 1), dt.date(self.year + 1, 1, 1)
        start = dt.date(self.year, self.month, 1)
        end = (
            dt.date(self.year + 1, 1, 1)
            if self.month == 12
            else dt.date(self.year, self.month + 1, 1)
        )
        return start, end

    def previous(self) -> Scope | None:
        """The period before: last year, last month, the term before ("2026-1" → "2025-2";
        terms are assumed to run 1-2 a year unless a later number was used)."""
        if self.term is not None:
            match = _TERM.match(self.term)
            if not match:
                return None
            year, number = int(match.group(1)), int(match.group(2))
            term = f"{year}-{number - 1}" if number > 1 else f"{year - 1}-2"
            return _replace(self, term=term)
        if self.year is None:
            return None
        if self.month is None:
            return _replace(self, year=self.year - 1)
        if self.month == 1:
            return _replace(self, year=self.year - 1, month=12)
        return _replace(self, month=self.month - 1)


def _replace(scope: Scope, **changes: Any) -> Scope:
    from dataclasses import replace

    return replace(scope, **changes)


# ------------------------------------------------------------------------------ outputs


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    value: float | None
    numerator: float | None
    denominator: float | None
    # level -> frame with columns code, numerator, denominator, value
    breakdown: dict[str, pl.DataFrame]
    seconds: float = 0.0


NumDen = tuple[pl.DataFrame, pl.DataFrame | None]


@dataclass(frozen=True)
class Spec:
    id: str
    scale: float
    levels: tuple[str, ...]
    fn: Callable[[Context, str | None], NumDen] | None = None
    derived: Callable[[Context, str], IndicatorResult] | None = None
    programme_level: bool = False  # whether the drill-down reaches programmes


# ------------------------------------------------------------------------------ context


def _agg(data: pl.DataFrame, key: str | None, expr: pl.Expr) -> pl.DataFrame:
    if key is None:
        return data.select(expr.alias("v"))
    return data.group_by(key).agg(expr.alias("v"))


class Context:
    """One scope over one set of tables; each stage is computed once and timed."""

    def __init__(self, tables: Tables, scope: Scope) -> None:
        self.tables = tables
        self.scope = scope
        self.timings: dict[str, float] = {}
        self._stages: dict[str, Any] = {}
        self._results: dict[tuple[str, str | None], tuple[float | None, float | None, Any]] = {}

    def stage(self, name: str, build: Callable[[], Any], *, shared: bool = False) -> Any:
        store = self.tables.cache if shared else self._stages
        if name not in store:
            started = time.perf_counter()
            store[name] = build()
            self.timings[f"stage:{name}"] = time.perf_counter() - started
        return store[name]

    # -- the city and its regions

    @property
    def districts(self) -> list[str]:
        def build() -> list[str]:
            if self.scope.district_code:
                return [self.scope.district_code]
            if self.scope.districts is not None:
                return sorted(self.scope.districts)
            t = self.tables
            codes: set[str] = set()
            for data in (t.courses, t.programmes, t.venues):
                codes.update(c for c in data.get_column("district_code").unique().to_list() if c)
            return sorted(codes)

        result: list[str] = self.stage("districts", build)
        return result

    def regions_of(self, level: str) -> pl.DataFrame:
        """The scope's regions of a level: a frame with `code`."""

        def build() -> pl.DataFrame:
            districts = pl.Series(self.districts, dtype=pl.String)
            if level == "district":
                return pl.DataFrame({"code": districts})
            regions = self.tables.regions
            return (
                regions.filter(
                    (pl.col("level") == "neighbourhood") & pl.col("parent_code").is_in(districts)
                )
                .select("code")
                .unique()
                .sort("code")
            )

        result: pl.DataFrame = self.stage(f"regions:{level}", build)
        return result

    def population(self, key: str | None, low: int = 0, high: int = MAX_AGE) -> pl.DataFrame:
        """Residents aged low..high per region of the key's level (or the city's total)."""
        column = KEY_COLUMNS.get(key or "", "")

        def by_code() -> pl.DataFrame:
            return (
                self.tables.population.filter(pl.col("age").is_between(low, high))
                .group_by("code")
                .agg(pl.col("count").sum().alias("v"))
            )

        sums: pl.DataFrame = self.stage(f"population:{low}-{high}", by_code, shared=True)
        if key is None:
            inside = sums.filter(pl.col("code").is_in(pl.Series(self.districts, dtype=pl.String)))
            return inside.select(pl.col("v").sum())
        regions = self.regions_of(key)
        return regions.join(sums, on="code", how="left").rename({"code": column})

    # -- courses and programmes in scope

    def _period_filter(self, data: pl.DataFrame) -> pl.DataFrame:
        scope = self.scope
        if scope.term is not None:
            return data.filter(pl.col("term") == scope.term)
        bounds = scope.bounds()
        if bounds is None:
            return data
        return data.filter((pl.col("start_date") >= bounds[0]) & (pl.col("start_date") < bounds[1]))

    def _institution_filter(self, data: pl.DataFrame) -> pl.DataFrame:
        if self.scope.institution_id is None:
            return data
        return data.filter(pl.col("institution_id") == self.scope.institution_id)

    def _place_filter(self, data: pl.DataFrame) -> pl.DataFrame:
        return data.filter(
            pl.col("district_code").is_in(pl.Series(self.districts, dtype=pl.String))
        )

    @property
    def courses(self) -> pl.DataFrame:
        """Courses of the period, institution and place (supply, operations)."""
        return self.stage(  # type: ignore[no-any-return]
            "courses",
            lambda: self._place_filter(
                self._institution_filter(self._period_filter(self.tables.courses))
            ),
        )

    @property
    def programmes(self) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            data = self._place_filter(self._institution_filter(self.tables.programmes))
            if self.scope.has_period:
                data = data.filter(pl.col("programme_id").is_in(self.courses["programme_id"]))
            return data

        return self.stage("programmes", build)  # type: ignore[no-any-return]

    @property
    def venues(self) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            if self.scope.has_period or self.scope.institution_id is not None:
                used = self.programmes.get_column("venue_id").drop_nulls().unique()
                data = self.tables.venues.filter(pl.col("venue_id").is_in(used))
            else:
                data = self.tables.venues
            return self._place_filter(data)

        return self.stage("venues", build)  # type: ignore[no-any-return]

    @property
    def offer_stats(self) -> pl.DataFrame:
        """Per offer of the scope's courses: capacity, place, applications by status,
        attendance by status, completions."""

        def per_offer() -> pl.DataFrame:
            t = self.tables
            apps = t.applications.group_by("offer_id").agg(
                pl.len().alias("applications"),
                (pl.col("status") == "confirmed").sum().alias("confirmed"),
                (pl.col("status") == "waitlisted").sum().alias("waitlisted"),
                (pl.col("status") == "cancelled").sum().alias("cancelled"),
            )
            attendance = t.attendance.group_by("offer_id").agg(
                (pl.col("status") == "present").sum().alias("present"),
                (pl.col("status") == "late").sum().alias("late"),
                (pl.col("status") == "absent").sum().alias("absent"),
                (pl.col("status") == "excused").sum().alias("excused"),
            )
            completions = t.completions.group_by("offer_id").agg(pl.len().alias("completions"))
            return apps.join(attendance, on="offer_id", how="full", coalesce=True).join(
                completions, on="offer_id", how="full", coalesce=True
            )

        def build() -> pl.DataFrame:
            counts: pl.DataFrame = self.stage("offer_counts", per_offer, shared=True)
            offers = self.courses.filter(pl.col("offer_id").is_not_null())
            columns = [c for c in counts.columns if c != "offer_id"]
            return offers.join(counts, on="offer_id", how="left").with_columns(
                pl.col(c).fill_null(0).cast(pl.Int64) for c in columns
            )

        return self.stage("offer_stats", build)  # type: ignore[no-any-return]

    # -- people

    @property
    def residents(self) -> pl.DataFrame:
        """Registered learners who live in the scope's districts, with age and groups."""

        def build() -> pl.DataFrame:
            year = self.scope.reference_year
            return self._place_filter(self.tables.learners).with_columns(
                (pl.lit(year, dtype=pl.Int32) - pl.col("birth_year").cast(pl.Int32)).alias("age")
            )

        return self.stage("residents", build)  # type: ignore[no-any-return]

    def _course_events(self, name: str) -> pl.DataFrame:
        """Events (confirmed applications, completions, records) with their course's period,
        institution, category and mode, shared by every scope."""

        def build() -> pl.DataFrame:
            t = self.tables
            events = {
                "confirmed": lambda: t.applications.filter(pl.col("status") == "confirmed").drop(
                    "status"
                ),
                "completions": lambda: t.completions,
                "records": lambda: t.records,
            }[name]()
            courses = t.courses.filter(pl.col("offer_id").is_not_null()).select(
                "offer_id",
                "programme_id",
                "institution_id",
                "term",
                "start_date",
                "category",
                "mode",
            )
            return events.join(courses, on="offer_id", how="inner")

        return self.stage(f"events:{name}", build, shared=True)  # type: ignore[no-any-return]

    def _events_in_scope(self, name: str) -> pl.DataFrame:
        return self._institution_filter(self._period_filter(self._course_events(name)))

    @property
    def participants(self) -> pl.DataFrame:
        """One row per resident with a confirmed application to a course of the period (and
        institution): how many, whether in culture/work courses, where they live, age, groups."""

        def build() -> pl.DataFrame:
            events = self._events_in_scope("confirmed")
            per_learner = events.group_by("learner_id").agg(
                pl.len().alias("n"),
                pl.col("category").is_in(CULTURE_CATEGORIES).any().alias("culture"),
                pl.col("category").is_in(WORK_CATEGORIES).any().alias("work"),
            )
            return per_learner.join(self.residents, on="learner_id", how="inner")

        return self.stage("participants", build)  # type: ignore[no-any-return]

    def resident_events(self, name: str) -> pl.DataFrame:
        return self.stage(  # type: ignore[no-any-return]
            f"resident_events:{name}",
            lambda: self._events_in_scope(name).join(
                self.residents.select("learner_id", "district_code", "neighbourhood_code"),
                on="learner_id",
                how="inner",
            ),
        )

    def courses_start_of_term(self) -> dt.date | None:
        """The first start date of the term's courses (what "before the term" means)."""
        starts = self.tables.courses.filter(pl.col("term") == self.scope.term)
        first = starts.get_column("start_date").min()
        return first if isinstance(first, dt.date) else None

    # -- evaluation

    def evaluate(self, spec: Spec, key: str | None) -> tuple[float | None, float | None, Any]:
        """(numerator, denominator, frame-or-None) of one indicator at one level."""
        cache_key = (spec.id, key)
        if cache_key in self._results:
            return self._results[cache_key]
        assert spec.fn is not None
        num, den = spec.fn(self, key)
        if key is None:
            n = _scalar(num)
            d = _scalar(den) if den is not None else None
            result: tuple[float | None, float | None, Any] = (n, d, None)
        else:
            column = KEY_COLUMNS[key]
            if key == "programme":
                base = num.select(column)
                if den is not None:
                    base = pl.concat([base, den.select(column)]).unique()
            else:
                base = self.regions_of(key).rename({"code": column})
            merged = base.join(num.rename({"v": "numerator"}), on=column, how="left")
            if den is not None:
                merged = merged.join(den.rename({"v": "denominator"}), on=column, how="left")
            else:
                merged = merged.with_columns(pl.lit(None, dtype=pl.Float64).alias("denominator"))
            merged = merged.with_columns(
                pl.col("numerator").cast(pl.Float64).fill_null(0.0),
                pl.col("denominator").cast(pl.Float64),
            ).with_columns(
                pl.when(pl.col("denominator") > 0)
                .then(pl.col("numerator") / pl.col("denominator") * spec.scale)
                .otherwise(None)
                .alias("value")
            )
            result = (None, None, merged.rename({column: "code"}).sort("code"))
        self._results[cache_key] = result
        return result


def _scalar(data: pl.DataFrame) -> float:
    if data.height == 0:
        return 0.0
    value = data.item(0, "v")
    return float(value) if value is not None else 0.0


def _value(num: float | None, den: float | None, scale: float) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den * scale


# ------------------------------------------------------------------------------ indicators


def _programmes_per_10k(ctx: Context, key: str | None) -> NumDen:
    column = KEY_COLUMNS.get(key or "")
    return _agg(ctx.programmes, column, pl.col("programme_id").n_unique()), _pop_or_none(ctx, key)


def _pop_or_none(
    ctx: Context, key: str | None, low: int = 0, high: int = MAX_AGE
) -> pl.DataFrame | None:
    if key == "programme":
        return None
    return ctx.population(key, low, high)


def _seats_per_10k(ctx: Context, key: str | None) -> NumDen:
    column = KEY_COLUMNS.get(key or "")
    return _agg(ctx.courses, column, pl.col("capacity").fill_null(0).sum()), _pop_or_none(ctx, key)


def _venues_per_10k(ctx: Context, key: str | None) -> NumDen:
    column = KEY_COLUMNS.get(key or "")
    return _agg(ctx.venues, column, pl.col("venue_id").n_unique()), _pop_or_none(ctx, key)


def _programme_share(
    condition: pl.Expr, base: pl.Expr | None = None
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        data = ctx.programmes
        if base is not None:
            data = data.filter(base)
        return (
            _agg(data, column, condition.fill_null(False).sum()),
            _agg(data, column, pl.len()),
        )

    return fn


def _category_evenness(ctx: Context, level: str) -> IndicatorResult:
    """Normalised Shannon entropy of the programmes over the 7 areas (classified only)."""
    data = ctx.programmes.filter(pl.col("category").is_in(CATEGORIES))

    def entropy(counts: list[int]) -> float | None:
        return equity.evenness(counts, len(CATEGORIES))

    total_counts = data.group_by("category").agg(pl.len().alias("n"))["n"].to_list()
    value = entropy(total_counts)
    breakdown: dict[str, pl.DataFrame] = {}
    for lvl in LEVELS:
        column = KEY_COLUMNS[lvl]
        per = data.group_by(column, "category").agg(pl.len().alias("n"))
        rows = []
        grouped: dict[str, list[int]] = {}
        for code, n in per.select(column, "n").iter_rows():
            grouped.setdefault(code, []).append(n)
        for code in ctx.regions_of(lvl)["code"].to_list():
            counts = grouped.get(code, [])
            rows.append(
                {
                    "code": code,
                    "numerator": float(sum(counts)),
                    "denominator": None,
                    "value": entropy(counts),
                }
            )
        breakdown[lvl] = pl.DataFrame(
            rows,
            schema={
                "code": pl.String,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
            },
        )
    return IndicatorResult(
        id="supply.category_evenness",
        value=value,
        numerator=float(sum(total_counts)),
        denominator=None,
        breakdown=breakdown,
    )


def _participants_rate(
    condition: pl.Expr | None, low: int = 0, high: int = MAX_AGE
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        data = ctx.participants
        if condition is not None:
            data = data.filter(condition)
        return _agg(data, column, pl.len()), ctx.population(key, low, high)

    return fn


def _age_band(band: AgeBand) -> Callable[[Context, str | None], NumDen]:
    return _participants_rate(pl.col("age").is_between(band.low, band.high), band.low, band.high)


def _group_condition(group: str) -> pl.Expr:
    if group == "senior":
        return pl.col("age") >= SENIOR_AGE
    return pl.col(group)


def _group_reach(group: str) -> Callable[[Context, str | None], NumDen]:
    condition = _group_condition(group)

    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        return (
            _agg(ctx.participants.filter(condition), column, pl.len()),
            _agg(ctx.residents.filter(condition), column, pl.len()),
        )

    return fn


def _returning(ctx: Context) -> pl.DataFrame:
    """Participants with a flag `returning`: an earlier course (with a period), or more than
    one course (without)."""

    def build() -> pl.DataFrame:
        participants = ctx.participants
        if not ctx.scope.has_period:
            return participants.with_columns((pl.col("n") > 1).alias("returning"))
        earlier = ctx._course_events("confirmed")
        if ctx.scope.term is not None:
            first = ctx.courses_start_of_term()
            earlier = earlier.filter(pl.col("start_date") < first) if first else earlier.clear()
        else:
            bounds = ctx.scope.bounds()
            assert bounds is not None
            earlier = earlier.filter(pl.col("start_date") < bounds[0])
        ids = earlier.get_column("learner_id").unique()
        return participants.with_columns(pl.col("learner_id").is_in(ids).alias("returning"))

    return ctx.stage("returning", build)  # type: ignore[no-any-return]


def _repeat(returning: bool) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        data = _returning(ctx)
        flag = pl.col("returning") if returning else ~pl.col("returning")
        return _agg(data, column, flag.sum()), _agg(data, column, pl.len())

    return fn


def _offer_ratio(
    numerator: pl.Expr, denominator: pl.Expr, where: pl.Expr | None = None
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        data = ctx.offer_stats
        if where is not None:
            data = data.filter(where)
        return _agg(data, column, numerator.sum()), _agg(data, column, denominator.sum())

    return fn


def _completion_rate(ctx: Context, key: str | None) -> NumDen:
    ended = pl.col("end_date") < ctx.scope.as_of
    return _offer_ratio(pl.col("completions"), pl.col("confirmed"), ended)(ctx, key)


def _resident_events_rate(
    name: str, value: pl.Expr, where: pl.Expr | None, low: int, high: int
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        column = KEY_COLUMNS.get(key or "")
        data = ctx.resident_events(name)
        if where is not None:
            data = data.filter(where)
        return _agg(data, column, value), ctx.population(key, low, high)

    return fn


def _vulnerable() -> pl.Expr:
    return (
        (pl.col("age") >= SENIOR_AGE)
        | pl.col("disability")
        | pl.col("low_income")
        | pl.col("multicultural")
    )


def _social_integration(ctx: Context, key: str | None) -> NumDen:
    """numerator: vulnerable participants; denominator: the number expected if they took
    part in proportion to their share of registered learners."""
    column = KEY_COLUMNS.get(key or "")
    vulnerable = _vulnerable().fill_null(False)
    p = _agg(ctx.participants, column, pl.len()).rename({"v": "p"})
    pv = _agg(ctx.participants, column, vulnerable.sum()).rename({"v": "pv"})
    r = _agg(ctx.residents, column, pl.len()).rename({"v": "r"})
    rv = _agg(ctx.residents, column, vulnerable.sum()).rename({"v": "rv"})
    if column is None:
        expected = pl.concat([p, r, rv], how="horizontal")
        num = pv
    else:
        expected = r.join(rv, on=column, how="left").join(p, on=column, how="left")
        num = pv
    expected = expected.with_columns(
        pl.when(pl.col("r") > 0)
        .then(pl.col("p").cast(pl.Float64).fill_null(0.0) * pl.col("rv") / pl.col("r"))
        .otherwise(0.0)
        .alias("v")
    )
    den = expected.select(([column] if column else []) + ["v"])
    return num.rename({"pv": "v"}), den


def _families_communities(ctx: Context, key: str | None) -> NumDen:
    """Neighbourhoods with at least one venue ÷ neighbourhoods, by district."""
    neighbourhoods = ctx.regions_of("neighbourhood")
    with_venue = ctx.venues.get_column("neighbourhood_code").drop_nulls().unique()
    data = neighbourhoods.join(
        ctx.tables.regions.select("code", "parent_code"), on="code", how="left"
    ).with_columns(
        pl.col("code").is_in(with_venue).alias("has_venue"),
        pl.col("parent_code").alias("district_code"),
        pl.col("code").alias("neighbourhood_code"),
    )
    column = KEY_COLUMNS.get(key or "")
    return _agg(data, column, pl.col("has_venue").sum()), _agg(data, column, pl.len())


def _equity(
    indicator_id: str, source_id: str, kind: str
) -> Callable[[Context, str], IndicatorResult]:
    def fn(ctx: Context, level: str) -> IndicatorResult:
        spec = SPECS[source_id]
        _, _, breakdown = ctx.evaluate(spec, "district")
        weights_frame = ctx.population("district")
        rows = breakdown.join(
            weights_frame.rename({"district_code": "code", "v": "weight"}), on="code", how="left"
        ).filter(pl.col("weight").fill_null(0) > 0)
        usable = rows.filter(pl.col("value").is_not_null())
        values = usable["value"].to_list()
        weights = usable["weight"].cast(pl.Float64).to_list()
        if kind == "gini":
            value = equity.gini(values, weights)
        elif kind == "theil":
            value = equity.theil(values, weights)
        else:
            value = equity.gap(values)
        return IndicatorResult(
            id=indicator_id,
            value=value,
            numerator=None,
            denominator=None,
            breakdown={"district": rows.select("code", "numerator", "denominator", "value")},
        )

    return fn


def _specs() -> dict[str, Spec]:
    out: list[Spec] = [
        Spec(
            "supply.programmes_per_10k", 10_000, LEVELS, _programmes_per_10k, programme_level=True
        ),
        Spec("supply.seats_per_10k", 10_000, LEVELS, _seats_per_10k, programme_level=True),
        Spec("supply.venues_per_10k", 10_000, LEVELS, _venues_per_10k),
    ]
    for category in CATEGORIES:
        out.append(
            Spec(
                f"supply.category_share.{category}",
                100,
                LEVELS,
                _programme_share(pl.col("category") == category),
                programme_level=True,
            )
        )
    out += [
        Spec("supply.category_evenness", 1, LEVELS, derived=_category_evenness),
        Spec(
            "supply.free_share",
            100,
            LEVELS,
            _programme_share(pl.col("fee_krw") == 0, pl.col("fee_krw").is_not_null()),
            programme_level=True,
        ),
        Spec(
            "supply.online_share",
            100,
            LEVELS,
            _programme_share(pl.col("mode").is_in(ONLINE_MODES)),
            programme_level=True,
        ),
        Spec(
            "supply.accredited_share",
            100,
            LEVELS,
            _programme_share(pl.col("accredited")),
            programme_level=True,
        ),
        Spec("participation.rate", 100, LEVELS, _participants_rate(None)),
    ]
    out += [Spec(f"participation.age.{b.id}", 100, LEVELS, _age_band(b)) for b in AGE_BANDS]
    out += [Spec(f"participation.group.{g}", 100, LEVELS, _group_reach(g)) for g in GROUPS]
    out += [
        Spec("participation.repeat", 100, LEVELS, _repeat(True)),
        Spec("participation.first_time", 100, LEVELS, _repeat(False)),
        Spec(
            "operations.fill_rate",
            100,
            LEVELS,
            _offer_ratio(pl.col("confirmed"), pl.col("capacity")),
            programme_level=True,
        ),
        Spec(
            "operations.waitlist_pressure",
            100,
            LEVELS,
            _offer_ratio(pl.col("waitlisted"), pl.col("capacity")),
            programme_level=True,
        ),
        Spec(
            "operations.lottery_oversubscription",
            1,
            LEVELS,
            _offer_ratio(
                pl.col("applications"), pl.col("capacity"), pl.col("method").is_in(LOTTERY_METHODS)
            ),
            programme_level=True,
        ),
        Spec(
            "operations.no_show_rate",
            100,
            LEVELS,
            _offer_ratio(pl.col("absent"), pl.col("present") + pl.col("late") + pl.col("absent")),
            programme_level=True,
        ),
        Spec("operations.completion_rate", 100, LEVELS, _completion_rate, programme_level=True),
        Spec(
            "operations.cancellation_rate",
            100,
            LEVELS,
            _offer_ratio(pl.col("cancelled"), pl.col("applications")),
            programme_level=True,
        ),
        Spec("outcome.quality_of_life", 100, LEVELS, _participants_rate(pl.col("culture"))),
        Spec(
            "outcome.economy",
            10_000,
            LEVELS,
            _resident_events_rate(
                "completions", pl.len(), pl.col("category").is_in(WORK_CATEGORIES), *WORKING_AGE
            ),
        ),
        Spec(
            "outcome.human_resources",
            1_000,
            LEVELS,
            _resident_events_rate(
                "records", pl.col("minutes").sum() / 60, pl.col("accredited"), 0, MAX_AGE
            ),
        ),
        Spec("outcome.social_integration", 1, LEVELS, _social_integration),
        Spec(
            "unesco.education_system",
            100,
            LEVELS,
            _programme_share(pl.col("category").is_in(EDUCATION_CATEGORIES)),
            programme_level=True,
        ),
        Spec("unesco.families_communities", 100, ("district",), _families_communities),
        Spec(
            "unesco.workplace",
            100,
            LEVELS,
            _participants_rate(pl.col("work"), *WORKING_AGE),
        ),
        Spec(
            "unesco.learning_technologies",
            100,
            LEVELS,
            _offer_ratio(
                pl.when(pl.col("mode").is_in(ONLINE_MODES)).then(pl.col("confirmed")).otherwise(0),
                pl.col("confirmed"),
            ),
            programme_level=True,
        ),
        Spec(
            "unesco.quality",
            100,
            LEVELS,
            _offer_ratio(
                pl.col("present") + pl.col("late") + pl.col("excused"),
                pl.col("present") + pl.col("late") + pl.col("absent") + pl.col("excused"),
            ),
            programme_level=True,
        ),
        Spec(
            "unesco.culture_of_learning",
            100,
            LEVELS,
            _resident_events_rate("confirmed", pl.len(), None, 0, MAX_AGE),
        ),
    ]
    for source, source_id in (
        ("programmes", "supply.programmes_per_10k"),
        ("participation", "participation.rate"),
    ):
        for kind in ("gini", "theil", "gap"):
            indicator_id = f"equity.{kind}.{source}"
            out.append(
                Spec(indicator_id, 1, ("district",), derived=_equity(indicator_id, source_id, kind))
            )
    return {spec.id: spec for spec in out}


SPECS: dict[str, Spec] = _specs()


# ------------------------------------------------------------------------------ entry points


def compute_one(
    ctx: Context, indicator_id: str, *, levels: tuple[str, ...] | None = None
) -> IndicatorResult:
    spec = SPECS.get(indicator_id)
    if spec is None:
        raise IndicatorInputError(
            f"알 수 없는 지표입니다: {indicator_id!r} / unknown indicator {indicator_id!r}"
        )
    started = time.perf_counter()
    wanted = spec.levels if levels is None else tuple(lvl for lvl in levels if lvl in spec.levels)
    if spec.derived is not None:
        result = spec.derived(ctx, "district")
        breakdown = {lvl: data for lvl, data in result.breakdown.items() if lvl in wanted}
        value, num, den = result.value, result.numerator, result.denominator
    else:
        num, den, _ = ctx.evaluate(spec, None)
        value = _value(num, den, spec.scale)
        breakdown = {lvl: ctx.evaluate(spec, lvl)[2] for lvl in wanted}
    seconds = time.perf_counter() - started
    return IndicatorResult(
        id=spec.id,
        value=value,
        numerator=num,
        denominator=den,
        breakdown=breakdown,
        seconds=seconds,
    )


def compute(
    tables: Tables,
    scope: Scope,
    *,
    ids: list[str] | None = None,
    levels: tuple[str, ...] | None = None,
    context: Context | None = None,
) -> list[IndicatorResult]:
    """Every indicator (or `ids`) for the scope; `levels=()` skips the breakdowns."""
    tables.check()
    ctx = context or Context(tables, scope)
    wanted = list(SPECS) if ids is None else ids
    return [compute_one(ctx, indicator_id, levels=levels) for indicator_id in wanted]


def programme_rows(ctx: Context, indicator_id: str) -> pl.DataFrame | None:
    """Per programme (code = programme_id) for course indicators; None for the others."""
    spec = SPECS.get(indicator_id)
    if spec is None:
        raise IndicatorInputError(
            f"알 수 없는 지표입니다: {indicator_id!r} / unknown indicator {indicator_id!r}"
        )
    if not spec.programme_level or spec.fn is None:
        return None
    return ctx.evaluate(spec, "programme")[2]  # type: ignore[no-any-return]


def finite(value: float | None) -> float | None:
    """None for NaN and infinities (JSON has neither)."""
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return value
