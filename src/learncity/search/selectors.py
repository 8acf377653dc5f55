"""Reads of the search context: one search that the CLI, the API and the pages all use.

`programme_search(params)` parses the query (algorithms.search_text), asks the engine for
matches (SQLite FTS5 with bm25, or PostgreSQL tsvector with ts_rank, same weights), applies
the filters on the flat index rows, ranks with the documented boosts, counts facets, and
returns one page of result cards read through the catalog selector.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from learncity.algorithms import korean_text, registration, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.algorithms.registration import RegistrationStatus
from learncity.algorithms.search_table import Filters, SearchTable
from learncity.catalog.selectors import category_labels, programme_rows
from learncity.core import events
from learncity.core.errors import ConfigurationError, DomainError
from learncity.regions.selectors import RegionRef, region_refs
from learncity.search.events import RegistrationAsked
from learncity.search.models import SearchState, SearchTerm

SORTS = ("relevance", "start", "distance", "fee")
STATUSES = ("upcoming", "open", "closed")
MODES = ("offline", "online", "hybrid")
MAX_PER_PAGE = 100
MAX_PAGE = 1_000
MAX_MINUTES = 120
AREA_NAMES = category_labels(translated=False)  # value -> Korean label, in the areas' order
WEEKDAY_NAMES = ("월", "화", "수", "목", "금", "토", "일")


class SearchInputError(DomainError):
    code = "invalid_search"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    districts: tuple[str, ...] = ()  # 시·군·구 codes or names
    neighbourhoods: tuple[str, ...] = ()  # 읍·면·동 codes or names
    near: str = ""  # "lat,lon", a 읍·면·동 / 시·군·구 name, or an address
    minutes: int = 15
    weekdays: tuple[int, ...] = ()  # ISO, 1 = Monday
    times: tuple[str, ...] = ()  # morning / afternoon / evening
    weekend: bool = False
    groups: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # area codes (culture_arts ...) or Korean names
    free: bool = False
    fee_min: int | None = None
    fee_max: int | None = None
    voucher: bool = False
    credit_bank: bool = False
    learning_account: bool = False
    modes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    today: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def validated(self) -> SearchParams:
        """The same parameters with every value checked; a SearchInputError names the first
        one that is not acceptable."""
        problems: list[str] = []
        if self.sort not in SORTS:
            problems.append(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= self.page <= MAX_PAGE:
            problems.append(f"page must be between 1 and {MAX_PAGE}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            problems.append(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if not 1 <= self.minutes <= MAX_MINUTES:
            problems.append(f"minutes must be between 1 and {MAX_MINUTES}")
        if any(not 1 <= d <= 7 for d in self.weekdays):
            problems.append("weekday must be 1 (Monday) to 7 (Sunday)")
        if any(t not in search_text.SLOTS for t in self.times):
            problems.append("time must be morning, afternoon or evening")
        if any(g not in TARGET_GROUPS for g in self.groups):
            problems.append(f"group must be one of {', '.join(TARGET_GROUPS)}")
        if any(m not in MODES for m in self.modes):
            problems.append(f"mode must be one of {', '.join(MODES)}")
        if any(s not in STATUSES for s in self.statuses):
            problems.append(f"status must be one of {', '.join(STATUSES)}")
        for value in (self.fee_min, self.fee_max):
            if value is not None and not 0 <= value <= 100_000_000:
                problems.append("fees must be between 0 and 100,000,000 won")
        categories = []
        by_name = {name: code for code, name in AREA_NAMES.items()}
        for category in self.categories:
            code = category if category in AREA_NAMES else by_name.get(category)
            if code is None:
                problems.append(f"category must be one of {', '.join(AREA_NAMES.values())}")
            else:
                categories.append(code)
        if self.sort == "distance" and not self.near:
            problems.append("sort=distance needs near")
        if problems:
            raise SearchInputError("; ".join(dict.fromkeys(problems)))
        return replace(self, categories=tuple(categories))


@dataclass(frozen=True)
class Place:
    """Where "near" is: a point, and how it was found."""

    latitude: float
    longitude: float
    label: str
    precision: str  # point, neighbourhood, district


@dataclass
class SearchPage:
    query: search_text.Query
    params: SearchParams
    today: dt.date
    total: int
    results: list[dict[str, Any]]
    facets: dict[str, list[dict[str, Any]]]
    suggestion: str | None = None
    near: Place | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))


def parse_weekdays(values: list[str]) -> tuple[int, ...]:
    """월..일, mon..sun or 1..7 -> ISO weekdays."""
    names = {name: i + 1 for i, name in enumerate(WEEKDAY_NAMES)}
    names.update(
        {n: i + 1 for i, n in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}
    )
    days: list[int] = []
    for value in values:
        for part in re.split(r"[,\s]+", value.strip().lower()):
            if not part:
                continue
            day = names.get(part.removesuffix("요일")) or (int(part) if part.isdecimal() else 0)
            if not 1 <= day <= 7:
                raise SearchInputError(f"weekday {part[:20]!r}: use 월..일, mon..sun or 1..7")
            days.append(day)
    return tuple(sorted(set(days)))


def parse_int(name: str, value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = int(value.strip())
    except ValueError:
        raise SearchInputError(f"{name} must be a whole number") from None
    if abs(number) > 10**12:
        raise SearchInputError(f"{name} is out of range")
    return number


def _default(value: int | None, default: int) -> int:
    return default if value is None else value


def _flag(values: list[str]) -> bool:
    return bool(values) and values[-1].strip().lower() in {"1", "true", "on", "yes", "y"}


def search_params_from(get: Callable[[str], list[str]]) -> SearchParams:
    """SearchParams from query-string values (`get(name)` -> every value given for name):
    the one reading of a search URL, shared by the API and the pages."""

    def one(name: str) -> str:
        values = get(name)
        return values[-1] if values else ""

    def many(name: str) -> tuple[str, ...]:
        out: list[str] = []
        for value in get(name):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return tuple(out)

    today = one("today").strip()
    try:
        day = dt.date.fromisoformat(today) if today else None
    except ValueError:
        raise SearchInputError("today must be a date, YYYY-MM-DD") from None
    statuses = many("status")
    if _flag(get("open_now")) and "open" not in statuses:
        statuses = (*statuses, "open")
    return SearchParams(
        q=one("q"),
        districts=many("district"),
        neighbourhoods=many("neighbourhood"),
        near=one("near").strip(),
        minutes=_default(parse_int("minutes", one("minutes")), 15),
        weekdays=parse_weekdays(list(many("weekday"))),
        times=many("time"),
        weekend=_flag(get("weekend")),
        groups=many("group"),
        categories=many("category"),
        free=_flag(get("free")),
        fee_min=parse_int("fee_min", one("fee_min")),
        fee_max=parse_int("fee_max", one("fee_max")),
        voucher=_flag(get("voucher")),
        credit_bank=_flag(get("credit_bank")),
        learning_account=_flag(get("learning_account")),
        modes=many("mode"),
        statuses=statuses,
        today=day,
        sort=one("sort") or "relevance",
        page=_default(parse_int("page", one("page")), 1),
        per_page=_default(parse_int("per_page", one("per_page")), 20),
    )


# ------------------------------------------------------------------ places


@functools.lru_cache(maxsize=1)
def _regions() -> tuple[RegionRef, ...]:
    return tuple(region_refs())


@functools.lru_cache(maxsize=1)
def _region_names() -> dict[str, str]:
    return {r.code: r.name for r in _regions()}


def regions_cache_clear() -> None:
    _regions.cache_clear()
    _region_names.cache_clear()


_POINT = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def resolve_place(text: str) -> Place:
    """A point from "lat,lon", a 읍·면·동 or 시·군·구 name, or an address that names one."""
    match = _POINT.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise SearchInputError("near: latitude must be -90..90 and longitude -180..180")
        return Place(lat, lon, f"{lat:.5f},{lon:.5f}", "point")
    words = [w for w in re.split(r"[\s,()]+", text.strip()) if w]
    if not words or len(text) > 200:
        raise SearchInputError("near: give a neighbourhood, an address or 'lat,lon'")
    regions = [r for r in _regions() if r.centroid is not None]
    districts = [r for r in regions if r.level == "district" and r.name in words]
    district_codes = {r.code for r in districts}

    def inside(region: RegionRef) -> bool:
        return not district_codes or region.parent_code in district_codes

    for word in words:
        exact = [
            r
            for r in regions
            if r.level == "neighbourhood" and inside(r) and word in {r.name, r.full_name}
        ]
        if exact:
            return _place_of(exact, exact[0].full_name, "neighbourhood")
        # a legal-dong name (일원동) covers its administrative dongs (일원본동, 일원1동 ...)
        if len(word) >= 2 and word.endswith("동"):
            pattern = re.compile(re.escape(word[:-1]) + r"(?:본|제?\d+)?동$")
            parts = [
                r
                for r in regions
                if r.level == "neighbourhood" and inside(r) and pattern.match(r.name)
            ]
            if parts and len({r.parent_code for r in parts}) == 1:
                label = f"{parts[0].full_name.rsplit(' ', 1)[0]} {word}"
                return _place_of(parts, label, "neighbourhood")
    if districts:
        return _place_of(districts[:1], districts[0].full_name, "district")
    raise SearchInputError(f"near: no neighbourhood or district called {text.strip()[:60]!r}")


def _place_of(regions: list[RegionRef], label: str, precision: str) -> Place:
    points = [r.centroid for r in regions if r.centroid is not None]
    latitude = sum(p[0] for p in points) / len(points)
    longitude = sum(p[1] for p in points) / len(points)
    return Place(latitude, longitude, label, precision)


def _region_codes(values: tuple[str, ...], level: str) -> list[str]:
    codes: list[str] = []
    for value in values:
        matches = [
            r.code
            for r in _regions()
            if r.level == level and value in {r.code, r.name, r.full_name}
        ]
        if not matches:
            raise SearchInputError(f"no {level} called {value[:60]!r}")
        codes.extend(matches)
    return codes


# ------------------------------------------------------------------ the filter table

_TABLE_COLUMNS = (
    "programme_id",
    "district_code",
    "neighbourhood_code",
    "category",
    "mode",
    "weekday_mask",
    "slot_mask",
    "group_mask",
    "fee_krw",
    "credit_bank",
    "learning_account",
    "voucher_eligible",
    "start_date",
    "registration_start",
    "registration_end",
    "latitude",
    "longitude",
    "location_precision",
)


class _TableCache:
    """This process's filter table, per index generation."""

    def __init__(self) -> None:
        self.table: SearchTable | None = None
        self.lock = threading.Lock()


_cache = _TableCache()


_GENERATION_SQL = f"SELECT generation FROM {SearchState._meta.db_table} WHERE id = 1"


def _generation() -> str:
    with connection.cursor() as cursor:  # on every search: the plain query, not the ORM's
        cursor.execute(_GENERATION_SQL)
        found = cursor.fetchone()
    return str(found[0]) if found else ""


def search_table() -> SearchTable:
    """This process's filter table for the index as it is now: rebuilt from the index rows
    when the index changed since it was built (services.index_changed)."""
    generation = _generation()
    table = _cache.table
    if table is not None and table.generation == generation:
        return table
    with _cache.lock:
        table = _cache.table
        if table is not None and table.generation == generation:
            return table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(_TABLE_COLUMNS)} FROM search_searchdocument")
            rows = cursor.fetchall()
        columns: dict[str, Any] = dict.fromkeys(_TABLE_COLUMNS, ())
        if rows:
            columns = dict(zip(_TABLE_COLUMNS, zip(*rows, strict=True), strict=True))
        table = SearchTable.build(columns, generation=generation)
        _cache.table = table
        return table


def _matches(query: search_text.Query) -> tuple[Any, Any]:
    """(programme ids, engine scores) of every programme the query matches: bm25 on SQLite
    (column weights title terms 4, title bigrams 2, the rest 1), ts_rank on PostgreSQL with
    the same weights (A 1.0, B 0.5, C 0.25)."""
    if connection.vendor == "sqlite":
        sql = (
            "SELECT rowid, -bm25(search_fts, 4.0, 2.0, 1.0) FROM search_fts"
            " WHERE search_fts MATCH %s"
        )
        params = [search_text.fts5_match(query)]
    else:
        sql = (
            "SELECT programme_id, ts_rank('{0.1, 0.25, 0.5, 1.0}'::float4[], vector,"
            " to_tsquery('simple', %s), 1) FROM search_searchdocument"
            " WHERE vector @@ to_tsquery('simple', %s)"
        )
        params = [search_text.tsquery(query)] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    pairs = np.array(found, dtype=np.float64).reshape(len(found), 2)  # ids < 2**53: exact
    ids, scores = pairs[:, 0].astype(np.int64), pairs[:, 1].copy()
    order = np.argsort(ids, kind="stable")
    return ids[order], scores[order]


def _filters(params: SearchParams, near: Place | None) -> Filters:
    group_mask = 0
    if params.groups:
        # "전체" (everyone) programmes are open to every group
        group_mask = search_text.set_mask((*params.groups, "전체"), TARGET_GROUPS)
    slot_mask = 0
    for slot in params.times:
        slot_mask |= search_text.SLOTS[slot]
    return Filters(
        districts=tuple(_region_codes(params.districts, "district")),
        neighbourhoods=tuple(_region_codes(params.neighbourhoods, "neighbourhood")),
        weekday_mask=search_text.weekday_mask(params.weekdays) if params.weekdays else 0,
        weekend=params.weekend,
        slot_mask=slot_mask,
        group_mask=group_mask,
        categories=params.categories,
        free=params.free,
        fee_min=params.fee_min,
        fee_max=params.fee_max,
        voucher=params.voucher,
        credit_bank=params.credit_bank,
        learning_account=params.learning_account,
        modes=params.modes,
        statuses=params.statuses,
        near=(
            (near.latitude, near.longitude, search_text.walking_radius_m(params.minutes))
            if near is not None
            else None
        ),
    )


def programme_search(params: SearchParams) -> SearchPage:
    """Search the catalog: the one ranking used by the CLI, the API and the pages.

    The engine gives the matches and their scores; the filter table filters them, boosts
    and orders them and counts the facets; the catalog selector reads the page's cards."""
    params = params.validated()
    today = params.today or timezone.localdate()
    query = search_text.parse_query(params.q, korean_text.shared().tagged_many)
    near = resolve_place(params.near) if params.near else None
    filters = _filters(params, near)
    decided = _registration_decided(today)
    table = search_table().with_registration({k: v.status for k, v in decided.items()})
    if query.is_empty:
        rows = table.all_rows()
        scores = np.ones(len(rows), dtype=np.float64)
    else:
        ids, engine_scores = _matches(query)
        rows, found = table.locate(ids)
        scores = engine_scores[found]
    keep = table.select(filters, today, rows)
    rows, scores = rows[keep], scores[keep]
    rank = scores * table.boost(today, rows)
    distance2 = table.near_distance2(near.latitude, near.longitude, rows) if near else None
    order = table.order(rows, rank, params.sort, distance2)
    offset = (params.page - 1) * params.per_page
    chosen = order[offset : offset + params.per_page]
    found_rows = {
        int(table.programme_id[rows[i]]): (
            float(rank[i]),
            _number(table.latitude[rows[i]]),
            _number(table.longitude[rows[i]]),
            table.location_precision[rows[i]],
        )
        for i in chosen
    }
    results = _cards(
        [int(table.programme_id[rows[i]]) for i in chosen], found_rows, today, near, decided
    )
    total = len(rows)
    facets = _facets(table, today, rows)
    suggestion = None
    notes: list[str] = []
    if total == 0 and not query.is_empty:
        suggestion = _suggestion(query)
    if near is not None:
        notes.append(
            f"near {near.label} ({near.precision}): within {params.minutes} min on foot"
            f" = {search_text.walking_radius_m(params.minutes):.0f} m straight line"
            f" ({search_text.WALKING_KMH:g} km/h, detour factor {search_text.DETOUR_FACTOR})"
        )
    return SearchPage(query, params, today, total, results, facets, suggestion, near, notes)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _facets(table: SearchTable, today: dt.date, rows: Any) -> dict[str, list[dict[str, Any]]]:
    """Counts of every facet value over the matches (after the filters)."""
    counted = table.facets(today, rows)
    counted["group"] = table.group_counts(TARGET_GROUPS, rows)
    counted.update(table.flag_counts(today, rows))
    facets: dict[str, list[dict[str, Any]]] = {
        name: [{"value": value, "count": count} for value, count in values]
        for name, values in counted.items()
    }
    names = _region_names()
    for name in ("district", "neighbourhood"):
        for item in facets[name]:
            item["label"] = names.get(item["value"], "(미확인 unknown)")
    for item in facets["category"]:
        item["label"] = AREA_NAMES.get(item["value"], "(미분류 unclassified)")
    for item in facets["weekday"]:
        item["label"] = WEEKDAY_NAMES[int(item["value"]) - 1]
    return facets


def _registration_decided(today: dt.date) -> dict[int, RegistrationStatus]:
    """The status of the programmes whose enrolment offer decides it (asked of enrolment,
    the context above; nothing when it is not installed)."""
    try:
        decided: dict[int, RegistrationStatus] = events.ask(RegistrationAsked(today=today))
    except ConfigurationError:
        return {}
    return decided


def _cards(
    ids: list[int],
    found: dict[int, tuple[Any, ...]],
    today: dt.date,
    near: Place | None,
    decided: dict[int, RegistrationStatus] | None = None,
) -> list[dict[str, Any]]:
    rows = {row["id"]: row for row in programme_rows(ids=ids)} if ids else {}
    cards: list[dict[str, Any]] = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:  # removed between the two reads
            continue
        window = (decided or {}).get(pk) or registration.published_status(
            today=today,
            start=row["registration_start"],
            end=row["registration_end"],
            course_start=row["start_date"],
            course_end=row["end_date"],
        )
        card = dict(row)
        rank, latitude, longitude, precision = found[pk]
        card["score"] = round(float(rank or 0.0), 6)
        card["index_location_precision"] = precision
        card["registration_status"] = window.status
        card["registration_state"] = window.state
        card["registration_days"] = window.days
        card["distance_m"] = None
        card["walking_minutes"] = None
        if near is not None and latitude is not None and longitude is not None:
            metres = search_text.distance_m(near.latitude, near.longitude, latitude, longitude)
            card["distance_m"] = round(metres)
            card["walking_minutes"] = round(search_text.walking_minutes(metres))
        cards.append(card)
    return cards


def search_vocabulary(limit: int = 200_000) -> dict[str, int]:
    return dict(SearchTerm.objects.order_by("-documents").values_list("term", "documents")[:limit])


def _suggestion(query: search_text.Query) -> str | None:
    """ "Did you mean": each unknown word of the query replaced by the nearest known term."""
    vocabulary = search_vocabulary()
    words: list[str] = []
    changed = False
    for word in query.text.split():
        if word in vocabulary or len(word) < 2:
            words.append(word)
            continue
        better = search_text.suggest(word, vocabulary)
        if better is None:
            # the word's own morphemes: 피아너를 -> 피아너 -> 피아노
            parts = [c.term for c in query.clauses if c.term in word and len(c.term) >= 2]
            for part in parts:
                if part not in vocabulary:
                    found = search_text.suggest(part, vocabulary)
                    if found:
                        better = word.replace(part, found)
                        break
        if better:
            changed = True
        words.append(better or word)
    return " ".join(words) if changed else None
