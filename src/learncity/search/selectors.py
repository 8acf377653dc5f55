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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.utils import timezone

from learncity.algorithms import korean_text, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.catalog.models import Category
from learncity.catalog.selectors import programme_rows
from learncity.core.errors import DomainError
from learncity.regions.selectors import RegionRef, region_refs
from learncity.search.models import SearchTerm

SORTS = ("relevance", "start", "distance", "fee")
STATUSES = ("upcoming", "open", "closed")
MODES = ("offline", "online", "hybrid")
MAX_PER_PAGE = 100
MAX_PAGE = 1_000
MAX_MINUTES = 120
AREA_NAMES = dict(Category.choices)
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
            day = names.get(part.removesuffix("요일")) or (int(part) if part.isdigit() else 0)
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


def regions_cache_clear() -> None:
    _regions.cache_clear()


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


# ------------------------------------------------------------------ SQL


class _Where:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "1=1"


def _status_sql(status: str) -> str:
    return {
        "upcoming": "d.registration_start > %s",
        "open": (
            "(d.registration_start IS NOT NULL OR d.registration_end IS NOT NULL)"
            " AND (d.registration_start IS NULL OR d.registration_start <= %s)"
            " AND (d.registration_end IS NULL OR d.registration_end >= %s)"
        ),
        "closed": (
            "(d.registration_end < %s OR (d.registration_start IS NULL"
            " AND d.registration_end IS NULL AND d.start_date < %s))"
        ),
    }[status]


def _date(value: dt.date) -> Any:
    """A date parameter: ISO text on SQLite (how Django stores dates there), a date elsewhere."""
    return value.isoformat() if connection.vendor == "sqlite" else value


def _status_params(status: str, today: dt.date) -> list[Any]:
    return [_date(today)] * {"upcoming": 1, "open": 2, "closed": 2}[status]


def _filters(params: SearchParams, today: dt.date, near: Place | None) -> _Where:
    where = _Where()
    if params.districts:
        codes = _region_codes(params.districts, "district")
        where.add(f"d.district_code IN ({', '.join(['%s'] * len(codes))})", *codes)
    if params.neighbourhoods:
        codes = _region_codes(params.neighbourhoods, "neighbourhood")
        where.add(f"d.neighbourhood_code IN ({', '.join(['%s'] * len(codes))})", *codes)
    if params.weekdays:
        where.add("(d.weekday_mask & %s) != 0", search_text.weekday_mask(params.weekdays))
    if params.weekend:
        where.add("(d.weekday_mask & %s) != 0", search_text.WEEKEND_MASK)
    if params.times:
        mask = 0
        for slot in params.times:
            mask |= search_text.SLOTS[slot]
        where.add("(d.slot_mask & %s) != 0", mask)
    if params.groups:
        # "전체" (everyone) programmes are open to every group
        mask = search_text.set_mask((*params.groups, "전체"), TARGET_GROUPS)
        where.add("(d.group_mask & %s) != 0", mask)
    if params.categories:
        where.add(
            f"d.category IN ({', '.join(['%s'] * len(params.categories))})", *params.categories
        )
    if params.free:
        where.add("d.fee_krw = 0")
    if params.fee_min is not None:
        where.add("d.fee_krw >= %s", params.fee_min)
    if params.fee_max is not None:
        where.add("d.fee_krw <= %s", params.fee_max)
    if params.voucher:
        where.add("d.voucher_eligible = %s", True)
    if params.credit_bank:
        where.add("d.credit_bank = %s", True)
    if params.learning_account:
        where.add("d.learning_account = %s", True)
    if params.modes:
        where.add(f"d.mode IN ({', '.join(['%s'] * len(params.modes))})", *params.modes)
    if params.statuses:
        ors = [f"({_status_sql(s)})" for s in params.statuses]
        values: list[Any] = []
        for status in params.statuses:
            values.extend(_status_params(status, today))
        where.add("(" + " OR ".join(ors) + ")", *values)
    if near is not None:
        radius = search_text.walking_radius_m(params.minutes)
        lat0, lat1, lon0, lon1 = search_text.bounding_box(near.latitude, near.longitude, radius)
        where.add(
            "d.latitude BETWEEN %s AND %s AND d.longitude BETWEEN %s AND %s",
            lat0,
            lat1,
            lon0,
            lon1,
        )
    return where


def _text_sql(query: search_text.Query) -> tuple[str, str, list[Any]]:
    """(FROM clause, score expression, params in order of appearance: score first)."""
    if query.is_empty:
        return "search_searchdocument d", "1.0", []
    if connection.vendor == "sqlite":
        return (
            "search_fts JOIN search_searchdocument d ON d.programme_id = search_fts.rowid",
            "(-bm25(search_fts, 4.0, 2.0, 1.0))",
            [],
        )
    return (
        "search_searchdocument d",
        "ts_rank('{0.1, 0.25, 0.5, 1.0}'::float4[], d.vector, to_tsquery('simple', %s), 1)",
        [search_text.tsquery(query)],
    )


def _text_where(query: search_text.Query, where: _Where) -> None:
    if query.is_empty:
        return
    if connection.vendor == "sqlite":
        where.parts.insert(0, "search_fts MATCH %s")
        where.params.insert(0, search_text.fts5_match(query))
    else:
        where.parts.insert(0, "d.vector @@ to_tsquery('simple', %s)")
        where.params.insert(0, search_text.tsquery(query))


def _boost_sql(today: dt.date) -> tuple[str, list[Any]]:
    soon = today + dt.timedelta(days=search_text.SOON_DAYS)
    sql = (
        f"(1.0 + CASE WHEN ({_status_sql('open')}) THEN {search_text.OPEN_BOOST} ELSE 0 END"
        f" + CASE WHEN d.start_date BETWEEN %s AND %s THEN {search_text.SOON_BOOST} ELSE 0 END)"
    )
    return sql, [_date(today), _date(today), _date(today), _date(soon)]


def _distance_sql(near: Place) -> tuple[str, list[Any]]:
    """Squared equirectangular distance in degrees: monotone in metres, for ordering."""
    scale = max(0.01, math.cos(math.radians(near.latitude)))
    return (
        "((d.latitude - %s) * (d.latitude - %s) + (d.longitude - %s) * (d.longitude - %s) * %s)",
        [near.latitude, near.latitude, near.longitude, near.longitude, scale * scale],
    )


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def programme_search(params: SearchParams) -> SearchPage:
    """Search the catalog: the one ranking used by the CLI, the API and the pages."""
    params = params.validated()
    today = params.today or timezone.localdate()
    query = search_text.parse_query(params.q, korean_text.shared().tagged_many)
    near = resolve_place(params.near) if params.near else None
    where = _filters(params, today, near)
    _text_where(query, where)
    source, score, score_params = _text_sql(query)
    boost, boost_params = _boost_sql(today)
    select_params: list[Any] = [*score_params, *boost_params]
    order = {
        "relevance": "rank DESC, d.start_date ASC, d.programme_id ASC",
        "start": "d.start_date ASC, rank DESC, d.programme_id ASC",
        "fee": "d.fee_krw ASC, rank DESC, d.programme_id ASC",
        "distance": "distance ASC, rank DESC, d.programme_id ASC",
    }[params.sort]
    distance = "NULL"
    distance_params: list[Any] = []
    if near is not None:
        distance, distance_params = _distance_sql(near)
        radius_deg = search_text.walking_radius_m(params.minutes) / 111_195.0
        where.add(f"{distance} <= %s", *distance_params, radius_deg * radius_deg)
    offset = (params.page - 1) * params.per_page
    page_sql = (
        f"SELECT d.programme_id, {score} * {boost} AS rank, {distance} AS distance,"
        " d.latitude, d.longitude, d.location_precision"
        f" FROM {source} WHERE {where.sql()} ORDER BY {order} LIMIT %s OFFSET %s"
    )
    found = _rows(
        page_sql,
        [*select_params, *distance_params, *where.params, params.per_page, offset],
    )
    total = _rows(f"SELECT COUNT(*) FROM {source} WHERE {where.sql()}", where.params)[0][0]
    facets = _facets(source, where, today)
    results = _cards([row[0] for row in found], {row[0]: row[1:] for row in found}, today, near)
    suggestion = None
    notes: list[str] = []
    if total == 0 and not query.is_empty:
        suggestion = _suggestion(query)
    if near is not None:
        notes.append(
            f"near {near.label} ({near.precision}): within {params.minutes} min on foot"
            f" = {search_text.walking_radius_m(params.minutes):.0f} m straight line"
            f" (4.5 km/h, detour factor {search_text.DETOUR_FACTOR})"
        )
    return SearchPage(query, params, today, int(total), results, facets, suggestion, near, notes)


def _facets(source: str, where: _Where, today: dt.date) -> dict[str, list[dict[str, Any]]]:
    sql_where = where.sql()
    facets: dict[str, list[dict[str, Any]]] = {}
    for name, column in (
        ("district", "d.district_code"),
        ("neighbourhood", "d.neighbourhood_code"),
        ("category", "d.category"),
        ("mode", "d.mode"),
    ):
        rows = _rows(
            f"SELECT {column}, COUNT(*) FROM {source} WHERE {sql_where}"
            f" GROUP BY {column} ORDER BY COUNT(*) DESC",
            where.params,
        )
        facets[name] = [{"value": v or "", "count": int(n)} for v, n in rows]
    names = {r.code: r.name for r in _regions()}
    for name in ("district", "neighbourhood"):
        for item in facets[name]:
            item["label"] = names.get(item["value"], "(미확인 unknown)")
    for item in facets["category"]:
        item["label"] = AREA_NAMES.get(item["value"], "(미분류 unclassified)")
    cases: list[tuple[str, str, str, list[Any]]] = []
    for day in range(1, 8):
        cases.append(("weekday", str(day), f"(d.weekday_mask & {1 << (day - 1)}) != 0", []))
    for slot, bit in search_text.SLOTS.items():
        cases.append(("time", slot, f"(d.slot_mask & {bit}) != 0", []))
    cases.append(("weekend", "weekend", f"(d.weekday_mask & {search_text.WEEKEND_MASK}) != 0", []))
    for index, group in enumerate(TARGET_GROUPS):
        cases.append(("group", group, f"(d.group_mask & {1 << index}) != 0", []))
    cases.append(("price", "free", "d.fee_krw = 0", []))
    cases.append(("flags", "credit_bank", "d.credit_bank = %s", [True]))
    cases.append(("flags", "learning_account", "d.learning_account = %s", [True]))
    cases.append(("flags", "voucher", "d.voucher_eligible = %s", [True]))
    for status in STATUSES:
        cases.append(("status", status, _status_sql(status), _status_params(status, today)))
    select = ", ".join(f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END)" for _, _, sql, _ in cases)
    case_params = [p for *_, values in cases for p in values]
    counts = _rows(f"SELECT {select} FROM {source} WHERE {sql_where}", case_params + where.params)
    for (facet, value, _, _), count in zip(cases, counts[0], strict=True):
        facets.setdefault(facet, []).append({"value": value, "count": int(count or 0)})
    for item in facets["weekday"]:
        item["label"] = WEEKDAY_NAMES[int(item["value"]) - 1]
    return facets


def _cards(
    ids: list[int], found: dict[int, tuple[Any, ...]], today: dt.date, near: Place | None
) -> list[dict[str, Any]]:
    rows = {row["id"]: row for row in programme_rows(ids=ids)} if ids else {}
    cards: list[dict[str, Any]] = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:  # removed between the two reads
            continue
        window = search_text.registration(
            today, row["registration_start"], row["registration_end"], row["start_date"]
        )
        card = dict(row)
        rank, _, latitude, longitude, precision = found[pk]
        card["score"] = round(float(rank or 0.0), 6)
        card["index_location_precision"] = precision
        card["registration_status"] = window.status
        card["registration_days"] = window.days
        card["distance_m"] = None
        card["walking_minutes"] = None
        if near is not None and latitude is not None:
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
