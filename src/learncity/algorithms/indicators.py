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

import numpy as np
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
#
# Big frames (applications, attendance, completions, records: tens of millions of rows) are
# reduced with numpy over dense integer ids (np.bincount: one pass, no hashing); regions are
# small integer indexes into the scope's region list, so that every breakdown is a bincount
# too. Polars does the filtering and the small joins.

APPLICATION_STATUSES = (
    "confirmed",
    "waitlisted",
    "cancelled",
    "pending",
    "offered",
    "declined",
    "expired",
)
ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")
OTHER = 255


def _codes(series: pl.Series, values: tuple[str, ...]) -> np.ndarray:
    """uint8 per row: the value's index in `values`, OTHER for anything else or null."""
    dtype = series.dtype
    if isinstance(dtype, pl.Enum):
        categories = dtype.categories.to_list()
        physical = series.to_physical()
        if physical.null_count():
            physical = physical.fill_null(len(categories))
        if categories == list(values[: len(categories)]) and physical.dtype == pl.UInt8:
            return physical.to_numpy()  # the same codes already: no copy
        table = np.array(
            [values.index(c) if c in values else OTHER for c in categories] + [OTHER],
            dtype=np.uint8,
        )
        result: np.ndarray = np.take(table, physical.to_numpy())
        return result
    if dtype != pl.String:
        series = series.cast(pl.String)
    return (
        series.replace_strict(
            list(values), list(range(len(values))), default=OTHER, return_dtype=pl.UInt8
        )
        .fill_null(OTHER)
        .to_numpy()
    )


def _ids(series: pl.Series) -> np.ndarray:
    """Ids as a numpy integer array (null: -1); no copy for a column without nulls."""
    if series.null_count():
        series = series.fill_null(-1)
    if series.dtype not in (pl.Int32, pl.Int64):
        series = series.cast(pl.Int64)
    result: np.ndarray = series.to_numpy()
    return result


def _pair_key(ids: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """ids * k + min(code, k - 1), as intp: what np.bincount takes without a copy."""
    key: np.ndarray = np.multiply(ids, k, dtype=np.intp)
    np.add(key, np.minimum(codes, k - 1), out=key, casting="unsafe")
    return key


def _dense_size(*arrays: np.ndarray) -> int:
    return max([int(a.max()) + 1 for a in arrays if a.size] + [1])


def _sorted_counts(
    ids: np.ndarray, codes: np.ndarray, values: tuple[str, ...], size: int
) -> dict[str, np.ndarray]:
    """Counts per id and value for ids in ascending order (the snapshot reads attendance
    ordered by offer): each id's rows are one run, summed in place (np.add.reduceat) — reads
    the rows in order instead of scattering into a table."""
    starts = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    at = ids[starts]
    keep = at >= 0
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(values):
        sums = np.add.reduceat(codes == i, starts, dtype=np.int64)
        counts = np.zeros(size, dtype=np.float64)
        counts[at[keep]] = sums[keep]
        out[name] = counts
    return out


def _count(ids: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    if ids.size == 0:
        return np.zeros(size, dtype=np.float64)
    return np.bincount(ids, weights=weights, minlength=size).astype(np.float64)


def _gather(values: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """values[ids], 0 where an id is outside the array (or -1)."""
    if ids.size == 0:
        return np.zeros(0, dtype=values.dtype)
    if int(ids.min()) >= 0 and int(ids.max()) < values.size:
        result: np.ndarray = np.take(values, ids)
        return result
    inside = (ids >= 0) & (ids < values.size)
    out = np.zeros(ids.size, dtype=values.dtype)
    out[inside] = values[ids[inside]]
    return out


class Context:
    """One scope over one set of tables; each stage is computed once and timed."""

    def __init__(self, tables: Tables, scope: Scope) -> None:
        self.tables = tables
        self.scope = scope
        self.timings: dict[str, float] = {}
        self._stages: dict[str, Any] = {}
        self._results: dict[tuple[str, str | None], tuple[float | None, float | None, Any]] = {}
        self._nested: list[float] = []

    def stage(self, name: str, build: Callable[[], Any], *, shared: bool = False) -> Any:
        store = self.tables.cache if shared else self._stages
        if name not in store:
            # exclusive times: a stage that another one needs is timed on its own
            self._nested.append(0.0)
            started = time.perf_counter()
            store[name] = build()
            elapsed = time.perf_counter() - started
            inner = self._nested.pop()
            self.timings[f"stage:{name}"] = elapsed - inner
            if self._nested:
                self._nested[-1] += elapsed
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
                column = data.get_column("district_code").drop_nulls().unique()
                codes.update(c for c in column.cast(pl.String).to_list() if c)
            return sorted(codes)

        result: list[str] = self.stage("districts", build)
        return result

    def codes(self, level: str) -> list[str]:
        """The scope's region codes of a level, sorted; their positions are the indexes."""

        def build() -> list[str]:
            if level == "district":
                return self.districts
            regions = self.tables.regions
            inside = regions.filter(
                (pl.col("level") == "neighbourhood")
                & pl.col("parent_code").is_in(pl.Series(self.districts, dtype=pl.String).implode())
            )
            return sorted(set(inside.get_column("code").to_list()))

        result: list[str] = self.stage(f"codes:{level}", build)
        return result

    def regions_of(self, level: str) -> pl.DataFrame:
        return pl.DataFrame({"code": self.codes(level)}, schema={"code": pl.String})

    def _index(self, data: pl.DataFrame) -> pl.DataFrame:
        """Add district_ix and neighbourhood_ix: positions in the scope's codes, -1 outside.
        An Enum column (the bench's, or a big snapshot's) maps through its categories: a
        gather, no hashing of its rows."""
        columns = []
        for level in LEVELS:
            codes = self.codes(level)
            column = data.get_column(KEY_COLUMNS[level])
            if isinstance(column.dtype, pl.Enum):
                lookup = {code: i for i, code in enumerate(codes)}
                categories = column.dtype.categories.to_list()
                table = np.array([lookup.get(c, -1) for c in categories] + [-1], dtype=np.int32)
                physical = column.to_physical()
                if physical.null_count():
                    physical = physical.fill_null(len(categories))
                ix = pl.Series(f"{level}_ix", np.take(table, physical.to_numpy()))
            else:
                if column.dtype != pl.String:
                    column = column.cast(pl.String)
                ix = (
                    column.replace_strict(
                        codes, list(range(len(codes))), default=-1, return_dtype=pl.Int32
                    )
                    .fill_null(-1)
                    .alias(f"{level}_ix")
                )
            columns.append(ix)
        return data.with_columns(columns)

    def _place_filter(self, data: pl.DataFrame, where: pl.Expr | None = None) -> pl.DataFrame:
        """Rows in the scope's districts (and `where`), with their region indexes."""
        if where is not None:
            data = data.filter(where)
        return self._index(data).filter(pl.col("district_ix") >= 0)

    def population(self, key: str | None, low: int = 0, high: int = MAX_AGE) -> pl.DataFrame:
        """Residents aged low..high per region of the key's level (or the city's total)."""

        def by_code() -> dict[str, float]:
            sums = (
                self.tables.population.filter(pl.col("age").is_between(low, high))
                .group_by("code")
                .agg(pl.col("count").sum())
            )
            return {code: float(n) for code, n in sums.iter_rows()}

        sums: dict[str, float] = self.stage(f"population:{low}-{high}", by_code, shared=True)
        if key is None:
            return pl.DataFrame({"v": [sum(sums.get(code, 0.0) for code in self.districts)]})
        codes = self.codes(key)
        return pl.DataFrame(
            {KEY_COLUMNS[key]: codes, "v": [sums.get(code) for code in codes]},
            schema={KEY_COLUMNS[key]: pl.String, "v": pl.Float64},
        )

    def agg(self, data: pl.DataFrame, key: str | None, weight: pl.Expr | None) -> pl.DataFrame:
        """Sum of `weight` (a row expression; None: count rows) over the data, per region of
        the key's level (bincount over the region index) or per programme, or in total."""
        w = None
        if weight is not None:
            w = data.select(weight.cast(pl.Float64).fill_null(0.0)).to_series().to_numpy()
        if key is None:
            total = float(data.height) if w is None else float(np.sum(w))
            return pl.DataFrame({"v": [total]})
        if key == "programme":
            grouped = data.with_columns(
                (pl.lit(1.0) if w is None else pl.Series("_w", w)).alias("_w")
            )
            return grouped.group_by("programme_id").agg(pl.col("_w").sum().alias("v"))
        codes = self.codes(key)
        ix = data.get_column(f"{key}_ix").to_numpy()
        valid = ix >= 0
        sums = _count(ix[valid], len(codes), None if w is None else w[valid])
        result = pl.DataFrame(
            {KEY_COLUMNS[key]: codes, "v": sums},
            schema={KEY_COLUMNS[key]: pl.String, "v": pl.Float64},
        )
        if key == "neighbourhood" and "district_ix" in data.columns:
            # rows placed in a district but in none of its neighbourhoods (a venue known only
            # by its 구): the neighbourhoods of that district cannot be counted, only bounded
            district_ix = data.get_column("district_ix").to_numpy()
            loose = (~valid) & (district_ix >= 0)
            if loose.any():
                per_district = _count(district_ix[loose], len(self.districts))
                parents = self._parent_ix()
                unlocated = np.where(parents >= 0, per_district[np.maximum(parents, 0)], 0.0)
                result = result.with_columns(pl.Series("unlocated", unlocated, dtype=pl.Float64))
        return result

    def _parent_ix(self) -> np.ndarray:
        """For each neighbourhood of the scope, the index of its district (-1: none)."""

        def build() -> np.ndarray:
            districts = {code: i for i, code in enumerate(self.districts)}
            parent_of = dict(
                self.tables.regions.filter(pl.col("level") == "neighbourhood")
                .select(pl.col("code").cast(pl.String), pl.col("parent_code").cast(pl.String))
                .iter_rows()
            )
            return np.array(
                [
                    districts.get(parent_of.get(code) or "", -1)
                    for code in self.codes("neighbourhood")
                ],
                dtype=np.int64,
            )

        result: np.ndarray = self.stage("parents:neighbourhood", build)
        return result

    # -- courses and programmes in scope

    def _period_mask(self, data: pl.DataFrame) -> pl.Expr:
        scope = self.scope
        if scope.term is not None:
            return pl.col("term").cast(pl.String) == scope.term
        bounds = scope.bounds()
        if bounds is None:
            return pl.lit(True)
        return (pl.col("start_date") >= bounds[0]) & (pl.col("start_date") < bounds[1])

    def _institution_mask(self) -> pl.Expr:
        if self.scope.institution_id is None:
            return pl.lit(True)
        return pl.col("institution_id") == self.scope.institution_id

    @property
    def courses(self) -> pl.DataFrame:
        """Courses of the period, institution and place (supply, operations)."""

        def build() -> pl.DataFrame:
            data = self.tables.courses
            return self._place_filter(data, self._period_mask(data) & self._institution_mask())

        return self.stage("courses", build)  # type: ignore[no-any-return]

    @property
    def programmes(self) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            data = self._place_filter(self.tables.programmes, self._institution_mask())
            if self.scope.has_period:
                data = data.filter(
                    pl.col("programme_id").is_in(self.courses["programme_id"].unique().implode())
                )
            return data

        return self.stage("programmes", build)  # type: ignore[no-any-return]

    @property
    def venues(self) -> pl.DataFrame:
        def build() -> pl.DataFrame:
            data = self.tables.venues
            if self.scope.has_period or self.scope.institution_id is not None:
                used = self.programmes.get_column("venue_id").drop_nulls().unique()
                data = data.filter(pl.col("venue_id").is_in(used.implode()))
            return self._place_filter(data)

        return self.stage("venues", build)  # type: ignore[no-any-return]

    def _offer_arrays(self) -> dict[str, np.ndarray]:
        """Per offer id (dense arrays): applications by status, attendance by status,
        completions. Shared by every scope."""

        def build() -> dict[str, np.ndarray]:
            t = self.tables
            app_offer = _ids(t.applications["offer_id"])
            att_offer = _ids(t.attendance["offer_id"])
            comp_offer = _ids(t.completions["offer_id"])
            size = _dense_size(app_offer, att_offer, comp_offer, _ids(t.courses["offer_id"]))
            out: dict[str, np.ndarray] = {"applications": _count(app_offer, size)}
            status = _codes(t.applications["status"], APPLICATION_STATUSES)
            k = len(APPLICATION_STATUSES) + 1
            by_status = _count(_pair_key(app_offer, status, k), size * k).reshape(size, k)
            for i, name in enumerate(APPLICATION_STATUSES):
                out[name] = by_status[:, i]
            status = _codes(t.attendance["status"], ATTENDANCE_STATUSES)
            if t.attendance["offer_id"].flags.get("SORTED_ASC") and att_offer.size:
                out.update(_sorted_counts(att_offer, status, ATTENDANCE_STATUSES, size))
            else:
                k = len(ATTENDANCE_STATUSES) + 1
                by_status = _count(_pair_key(att_offer, status, k), size * k).reshape(size, k)
                for i, name in enumerate(ATTENDANCE_STATUSES):
                    out[name] = by_status[:, i]
            out["completions"] = _count(comp_offer, size)
            return out

        return self.stage("offer_counts", build, shared=True)  # type: ignore[no-any-return]

    @property
    def offer_stats(self) -> pl.DataFrame:
        """The scope's courses that take applications, with their counts."""

        def build() -> pl.DataFrame:
            arrays = self._offer_arrays()
            offers = self.courses.filter(pl.col("offer_id").is_not_null())
            ids = _ids(offers["offer_id"])
            return offers.with_columns(
                pl.Series(name, _gather(values, ids)) for name, values in arrays.items()
            )

        return self.stage("offer_stats", build)  # type: ignore[no-any-return]

    # -- people

    def _course_flags(self) -> dict[str, np.ndarray]:
        """Per offer id: whether the course counts for the scope's people (period and
        institution, any place), is a culture or work course, started before the period."""

        def build() -> dict[str, np.ndarray]:
            courses = self.tables.courses.filter(pl.col("offer_id").is_not_null())
            ids = _ids(courses["offer_id"])
            size = _dense_size(ids)
            flags = courses.select(
                (self._period_mask(courses) & self._institution_mask()).alias("scope"),
                pl.col("category").cast(pl.String).is_in(CULTURE_CATEGORIES).alias("culture"),
                pl.col("category").cast(pl.String).is_in(WORK_CATEGORIES).alias("work"),
                self._earlier_mask().alias("earlier"),
            )
            out: dict[str, np.ndarray] = {}
            for name in flags.columns:
                array = np.zeros(size, dtype=bool)
                array[ids] = flags[name].fill_null(False).to_numpy()
                out[name] = array
            return out

        return self.stage("course_flags", build)  # type: ignore[no-any-return]

    def _earlier_mask(self) -> pl.Expr:
        if not self.scope.has_period:
            return pl.lit(False)
        if self.scope.term is not None:
            first = self.courses_start_of_term()
            return pl.lit(False) if first is None else pl.col("start_date") < first
        bounds = self.scope.bounds()
        assert bounds is not None
        return pl.col("start_date") < bounds[0]

    def _confirmed(self) -> tuple[np.ndarray, np.ndarray]:
        """(offer ids, learner ids) of confirmed applications; shared."""

        def build() -> tuple[np.ndarray, np.ndarray]:
            t = self.tables
            status = _codes(t.applications["status"], APPLICATION_STATUSES)
            keep = status == 0
            return _ids(t.applications["offer_id"])[keep], _ids(t.applications["learner_id"])[keep]

        return self.stage("confirmed", build, shared=True)  # type: ignore[no-any-return]

    def _per_learner(self) -> dict[str, np.ndarray]:
        """Per learner id: confirmed places in the scope's courses, in culture / work
        courses, an earlier place, completions of work courses, accredited record hours."""

        def build() -> dict[str, np.ndarray]:
            t = self.tables
            flags = self._course_flags()
            offers, learners = self._confirmed()
            comp_offer, comp_learner = (
                _ids(t.completions["offer_id"]),
                _ids(t.completions["learner_id"]),
            )
            rec_offer, rec_learner = _ids(t.records["offer_id"]), _ids(t.records["learner_id"])
            size = _dense_size(_ids(t.learners["learner_id"]), learners, comp_learner, rec_learner)
            # one gather of a bit code per offer instead of one per flag
            code = (
                flags["scope"].astype(np.uint8)
                | (flags["culture"].astype(np.uint8) << 1)
                | (flags["work"].astype(np.uint8) << 2)
                | (flags["earlier"].astype(np.uint8) << 3)
            )
            place_code = _gather(code, offers)
            in_scope = (place_code & 1).astype(bool)
            kept = learners[in_scope]
            kept_code = place_code[in_scope]
            out = {
                "n": _count(kept, size),
                "culture": _count(kept[(kept_code & 2) > 0], size) > 0,
                "work": _count(kept[(kept_code & 4) > 0], size) > 0,
                "earlier": (
                    _count(learners[(place_code & 8) > 0], size) > 0
                    if self.scope.has_period
                    else np.zeros(size, dtype=bool)
                ),
            }
            done = (_gather(code, comp_offer) & 5) == 5
            out["work_completions"] = _count(comp_learner[done], size)
            accredited = t.records["accredited"].fill_null(False).to_numpy()
            minutes = t.records["minutes"].fill_null(0).cast(pl.Float64).to_numpy()
            counted = ((_gather(code, rec_offer) & 1) > 0) & accredited
            out["accredited_hours"] = _count(rec_learner[counted], size, minutes[counted] / 60.0)
            return out

        return self.stage("per_learner", build)  # type: ignore[no-any-return]

    @property
    def residents(self) -> pl.DataFrame:
        """Registered learners who live in the scope's districts, with age, groups and what
        they did in the scope's courses."""

        def build() -> pl.DataFrame:
            year = self.scope.reference_year
            per = self._per_learner()
            data = self._place_filter(self.tables.learners)
            ids = _ids(data["learner_id"])
            return data.with_columns(
                (pl.lit(year, dtype=pl.Int32) - pl.col("birth_year").cast(pl.Int32)).alias("age"),
                *(pl.Series(name, _gather(values, ids)) for name, values in per.items()),
            )

        return self.stage("residents", build)  # type: ignore[no-any-return]

    @property
    def participants(self) -> pl.DataFrame:
        """Residents with a confirmed place in a course of the period (and institution)."""
        return self.stage(  # type: ignore[no-any-return]
            "participants", lambda: self.residents.filter(pl.col("n") > 0)
        )

    def courses_start_of_term(self) -> dt.date | None:
        """The first start date of the term's courses (what "before the term" means)."""
        starts = self.tables.courses.filter(pl.col("term").cast(pl.String) == self.scope.term)
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
                merged = num.rename({"v": "numerator"})
                if den is not None:
                    merged = merged.join(
                        den.rename({"v": "denominator"}), on=column, how="full", coalesce=True
                    )
                else:
                    merged = merged.with_columns(
                        pl.lit(None, dtype=pl.Float64).alias("denominator")
                    )
                merged = merged.with_columns(pl.col(column).cast(pl.String))
            else:
                merged = num.rename({"v": "numerator"})
                if den is not None:
                    den = den.drop("unlocated", strict=False)
                    merged = merged.join(den.rename({"v": "denominator"}), on=column, how="left")
                else:
                    merged = merged.with_columns(
                        pl.lit(None, dtype=pl.Float64).alias("denominator")
                    )
            merged = merged.with_columns(
                pl.col("numerator").cast(pl.Float64).fill_null(0.0),
                pl.col("denominator").cast(pl.Float64),
            ).with_columns(
                pl.when(pl.col("denominator") > 0)
                .then(pl.col("numerator") / pl.col("denominator") * spec.scale)
                .otherwise(None)
                .alias("value")
            )
            if "unlocated" in merged.columns:
                # a neighbourhood whose district has rows not placed in any neighbourhood has
                # no value (its numerator is only a lower bound); `unlocated` says how many
                merged = merged.with_columns(
                    pl.when(pl.col("unlocated") > 0)
                    .then(None)
                    .otherwise(pl.col("value"))
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


def _text(column: str) -> pl.Expr:
    """A text column as String (the bench's frames use Enums)."""
    return pl.col(column).cast(pl.String)


def _pop_or_none(
    ctx: Context, key: str | None, low: int = 0, high: int = MAX_AGE
) -> pl.DataFrame | None:
    if key == "programme":
        return None
    return ctx.population(key, low, high)


def _programmes_per_10k(ctx: Context, key: str | None) -> NumDen:
    return ctx.agg(ctx.programmes, key, None), _pop_or_none(ctx, key)


def _seats_per_10k(ctx: Context, key: str | None) -> NumDen:
    return ctx.agg(ctx.courses, key, pl.col("capacity")), _pop_or_none(ctx, key)


def _venues_per_10k(ctx: Context, key: str | None) -> NumDen:
    return ctx.agg(ctx.venues, key, None), _pop_or_none(ctx, key)


def _programme_share(
    condition: pl.Expr, base: pl.Expr | None = None
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        data = ctx.programmes
        if base is not None:
            data = data.filter(base)
        return ctx.agg(data, key, condition.fill_null(False)), ctx.agg(data, key, None)

    return fn


def _category_evenness(ctx: Context, level: str) -> IndicatorResult:
    """Normalised Shannon entropy of the programmes over the 7 areas (classified only)."""
    data = ctx.programmes.with_columns(pl.col("category").cast(pl.String)).filter(
        pl.col("category").is_in(CATEGORIES)
    )

    def entropy(counts: list[int]) -> float | None:
        return equity.evenness(counts, len(CATEGORIES))

    total_counts = data.group_by("category").agg(pl.len().alias("n"))["n"].to_list()
    breakdown: dict[str, pl.DataFrame] = {}
    for lvl in LEVELS:
        codes = ctx.codes(lvl)
        per = data.filter(pl.col(f"{lvl}_ix") >= 0).group_by(f"{lvl}_ix", "category").len()
        grouped: dict[int, list[int]] = {}
        for ix, n in per.select(f"{lvl}_ix", "len").iter_rows():
            grouped.setdefault(ix, []).append(n)
        breakdown[lvl] = pl.DataFrame(
            {
                "code": codes,
                "numerator": [float(sum(grouped.get(i, []))) for i in range(len(codes))],
                "denominator": [None] * len(codes),
                "value": [entropy(grouped.get(i, [])) for i in range(len(codes))],
            },
            schema={
                "code": pl.String,
                "numerator": pl.Float64,
                "denominator": pl.Float64,
                "value": pl.Float64,
            },
        )
    return IndicatorResult(
        id="supply.category_evenness",
        value=entropy(total_counts),
        numerator=float(sum(total_counts)),
        denominator=None,
        breakdown=breakdown,
    )


def _participants_rate(
    condition: pl.Expr | None, low: int = 0, high: int = MAX_AGE
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        return ctx.agg(ctx.participants, key, condition), ctx.population(key, low, high)

    return fn


def _age_band(band: AgeBand) -> Callable[[Context, str | None], NumDen]:
    return _participants_rate(pl.col("age").is_between(band.low, band.high), band.low, band.high)


def _group_condition(group: str) -> pl.Expr:
    if group == "senior":
        return pl.col("age") >= SENIOR_AGE
    return pl.col(group).fill_null(False)


def _group_reach(group: str) -> Callable[[Context, str | None], NumDen]:
    condition = _group_condition(group)

    def fn(ctx: Context, key: str | None) -> NumDen:
        return ctx.agg(ctx.participants, key, condition), ctx.agg(ctx.residents, key, condition)

    return fn


def _repeat(returning: bool) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        flag = pl.col("earlier") if ctx.scope.has_period else pl.col("n") > 1
        if not returning:
            flag = ~flag
        return ctx.agg(ctx.participants, key, flag), ctx.agg(ctx.participants, key, None)

    return fn


def _offer_ratio(
    numerator: pl.Expr, denominator: pl.Expr, where: pl.Expr | None = None
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        data = ctx.offer_stats
        if where is not None:
            data = data.filter(where)
        return ctx.agg(data, key, numerator), ctx.agg(data, key, denominator)

    return fn


def _completion_rate(ctx: Context, key: str | None) -> NumDen:
    ended = pl.col("end_date") < ctx.scope.as_of
    return _offer_ratio(pl.col("completions"), pl.col("confirmed"), ended)(ctx, key)


def _lottery(ctx: Context, key: str | None) -> NumDen:
    lottery = pl.col("method").cast(pl.String).is_in(LOTTERY_METHODS)
    return _offer_ratio(pl.col("applications"), pl.col("capacity"), lottery)(ctx, key)


def _online_places(ctx: Context, key: str | None) -> NumDen:
    online = pl.col("mode").cast(pl.String).is_in(ONLINE_MODES)
    return _offer_ratio(
        pl.when(online).then(pl.col("confirmed")).otherwise(0.0), pl.col("confirmed")
    )(ctx, key)


def _resident_rate(
    column: str, low: int = 0, high: int = MAX_AGE
) -> Callable[[Context, str | None], NumDen]:
    def fn(ctx: Context, key: str | None) -> NumDen:
        return ctx.agg(ctx.residents, key, pl.col(column)), ctx.population(key, low, high)

    return fn


def _vulnerable() -> pl.Expr:
    return (
        (pl.col("age") >= SENIOR_AGE)
        | pl.col("disability").fill_null(False)
        | pl.col("low_income").fill_null(False)
        | pl.col("multicultural").fill_null(False)
    )


def _social_integration(ctx: Context, key: str | None) -> NumDen:
    """numerator: vulnerable participants; denominator: the number expected if they took
    part in proportion to their share of registered learners."""
    if key == "programme":
        raise IndicatorInputError("프로그램별 값이 없습니다 / no value per programme")
    vulnerable = _vulnerable()
    pv = ctx.agg(ctx.participants, key, vulnerable)
    p = ctx.agg(ctx.participants, key, None)["v"].to_numpy()
    r = ctx.agg(ctx.residents, key, None)["v"].to_numpy()
    rv = ctx.agg(ctx.residents, key, vulnerable)["v"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(r > 0, p * rv / np.where(r > 0, r, 1.0), 0.0)
    den = pv.with_columns(pl.Series("v", expected, dtype=pl.Float64))
    return pv, den


def _families_communities(ctx: Context, key: str | None) -> NumDen:
    """Neighbourhoods with at least one venue ÷ neighbourhoods, by district."""
    if key == "programme":
        raise IndicatorInputError("프로그램별 값이 없습니다 / no value per programme")
    with_venue = ctx.venues.get_column("neighbourhood_code").drop_nulls().cast(pl.String).unique()
    parents = ctx.tables.regions.select("code", "parent_code")
    data = ctx._index(
        ctx.regions_of("neighbourhood")
        .join(parents, on="code", how="left")
        .select(
            pl.col("parent_code").alias("district_code"),
            pl.col("code").alias("neighbourhood_code"),
            pl.col("code").is_in(with_venue.implode()).alias("has_venue"),
        )
    )
    return ctx.agg(data, key, pl.col("has_venue")), ctx.agg(data, key, None)


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
                _programme_share(_text("category") == category),
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
            _programme_share(_text("mode").is_in(ONLINE_MODES)),
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
            _lottery,
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
            _resident_rate("work_completions", *WORKING_AGE),
        ),
        Spec(
            "outcome.human_resources",
            1_000,
            LEVELS,
            _resident_rate("accredited_hours"),
        ),
        Spec("outcome.social_integration", 1, LEVELS, _social_integration),
        Spec(
            "unesco.education_system",
            100,
            LEVELS,
            _programme_share(_text("category").is_in(EDUCATION_CATEGORIES)),
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
            _online_places,
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
            _resident_rate("n"),
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
