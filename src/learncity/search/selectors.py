"""Reads of the search context: one search that the CLI, the API and the pages all use.

`programme_search(params)` parses the query (algorithms.search_text), asks the engine for
matches, filters, scores and facet counts from the search engine (a Tantivy index beside the
database: search/engine.py, kept in step by search/indexer.py), re-ranks the engine's top
candidates with the documented boosts of the day, and returns one page of result cards read
through the catalog selector.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils import timezone

from learncity.algorithms import korean_text, registration, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.algorithms.registration import RegistrationStatus
from learncity.catalog.selectors import category_labels, programme_rows
from learncity.core import events
from learncity.core.errors import ConfigurationError, DomainError
from learncity.regions.selectors import RegionRef, region_refs
from learncity.search import engine, indexer
from learncity.search.events import RegistrationAsked

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


# ------------------------------------------------------------------ the engine


def _filters(params: SearchParams) -> engine.Filters:
    slots = tuple(sorted({search_text.SLOTS[slot] for slot in params.times}))
    return engine.Filters(
        districts=tuple(_region_codes(params.districts, "district")),
        neighbourhoods=tuple(_region_codes(params.neighbourhoods, "neighbourhood")),
        weekdays=tuple(sorted(set(params.weekdays))),
        weekend=params.weekend,
        slots=slots,
        groups=params.groups,
        categories=params.categories,
        free=params.free,
        fee_min=params.fee_min,
        fee_max=params.fee_max,
        voucher=params.voucher,
        credit_bank=params.credit_bank,
        learning_account=params.learning_account,
        modes=params.modes,
        statuses=params.statuses,
    )


def _status_of(hit: engine.Hit, day: int, decided: dict[int, str]) -> str:
    if hit.programme_id in decided:
        return decided[hit.programme_id]
    if hit.reg_start is not None and hit.reg_start > day:
        return "upcoming"
    if hit.reg_end is not None and hit.reg_end < day:
        return "closed"
    if hit.window:
        return "open"
    if hit.start is not None and hit.start < day:
        return "closed"
    return "unknown"


def _rank(hit: engine.Hit, day: int, decided: dict[int, str]) -> float:
    days = hit.start - day if hit.start is not None else None
    return hit.score * search_text.boost(_status_of(hit, day, decided), days)


_NO_DAY = 10**9


def _relevance_key(hit: engine.Hit, rank: float) -> tuple[float, int, int]:
    return (-rank, hit.start if hit.start is not None else _NO_DAY, hit.programme_id)


@dataclass(frozen=True)
class _Run:
    """One search's reader and day: what the steps below share."""

    found: engine.Engine
    searcher: Any
    today: dt.date
    day: int
    decided: dict[int, str]

    def tiers(self) -> list[tuple[float, Any]]:
        """The boost tiers of the day, best first: (boost, the query of its programmes)."""
        open_now = engine.status_query("open", self.today, self.decided)
        soon = engine.starting_between(self.day, self.day + search_text.SOON_DAYS)
        both = 1 + search_text.OPEN_BOOST + search_text.SOON_BOOST
        return [
            (both, engine.both_of(open_now, soon)),
            (1 + search_text.OPEN_BOOST, engine.first_not_second(open_now, soon)),
            (1 + search_text.SOON_BOOST, engine.first_not_second(soon, open_now)),
            (1.0, engine.none_of(engine.either_of(open_now, soon))),
        ]


Ranked = list[tuple[engine.Hit, float]]


RESCORE_MIN = 100  # the engine's candidates the boosts of the day re-rank, at least


def _ranked_page(run: _Run, query: Any, need: int) -> Ranked:
    """The first `need` matches by rank: the engine's top candidates by score (a rescore
    window of max(RESCORE_MIN, 3 x need)), re-ranked by score times the boost of the day
    (open for registration +15 %, starting within 14 days +10 %), ties by start date then
    programme number. A match outside the window keeps its place below it: the boosts are
    small on purpose, and the window is what a search engine's rescoring reads."""
    _total, hits = run.found.top(run.searcher, query, max(RESCORE_MIN, 3 * need), count=False)
    ranked = sorted(((h, _rank(h, run.day, run.decided)) for h in hits), key=_by_rank)
    return ranked[:need]


def _by_rank(pair: tuple[engine.Hit, float]) -> tuple[float, int, int]:
    return _relevance_key(*pair)


def _browse_page(run: _Run, query: Any, offset: int, count: int) -> Ranked:
    """Without words every match scores the same: the boost tiers in order (open and
    starting soon, open, starting soon, the rest), each by start date (missing last); only
    the tiers up to the page's end are counted and read."""
    begin = 0
    out: Ranked = []
    for boost, tier in run.tiers():
        if begin >= offset + count:
            break
        matching = engine.all_of(query, tier)
        size = run.found.count(run.searcher, matching)
        end = begin + size
        want_from, want_to = max(offset, begin), min(offset + count, end)
        if want_from < want_to:
            hits = run.found.ordered(run.searcher, matching, "start", want_to - begin)
            out.extend((h, boost) for h in hits[want_from - begin : want_to - begin])
        begin = end
    return out


def programme_search(params: SearchParams, *, facets: bool = True) -> SearchPage:
    """Search the catalog: the one ranking used by the CLI, the API and the pages.

    The engine matches, filters, scores and counts facets; the boosts of the day re-rank its
    top candidates; the catalog selector reads the page's cards."""
    params = params.validated()
    today = params.today or timezone.localdate()
    day = engine.day_number(today)
    assert day is not None
    query = search_text.parse_query(params.q, korean_text.shared().tagged_many)
    near = resolve_place(params.near) if params.near else None
    decided_status = _registration_decided(today)
    decided = {k: v.status for k, v in decided_status.items()}
    found = indexer.refresh()
    searcher = found.searcher()
    run = _Run(found, searcher, today, day, decided)
    base = engine.DOCUMENTS if query.is_empty else engine.text_query(query, search_text.synonyms())
    filters = _filters(params)
    if near is not None:
        radius = search_text.walking_radius_m(params.minutes)
        filters = replace(filters, near=(near.latitude, near.longitude, radius))
    parts = engine.filter_queries(filters, today, decided)
    matching = engine.all_of(base, *parts.values())
    offset = (params.page - 1) * params.per_page
    need = offset + params.per_page
    counted, total = _facets(run, base, parts) if facets else ({}, None)
    if total is None:
        total = found.count(searcher, matching)
    if params.sort == "distance" and near is not None:
        page = _nearest_page(run, engine.all_of(base, *parts.values()), near, filters, need)
        page = page[offset:need]
    elif params.sort in ("start", "fee"):
        name = "start" if params.sort == "start" else "fee"
        hits = found.ordered(searcher, matching, name, need)[offset:need]
        page = [(h, _rank(h, day, decided)) for h in hits]
    elif query.is_empty:
        page = _browse_page(run, matching, offset, params.per_page)
    else:
        page = _ranked_page(run, matching, need)[offset:need]
    found_rows = {
        hit.programme_id: (rank, hit.latitude, hit.longitude, hit.precision) for hit, rank in page
    }
    results = _cards([h.programme_id for h, _ in page], found_rows, today, near, decided_status)
    suggestion = None
    notes: list[str] = []
    if total == 0 and not query.is_empty:
        suggestion = _suggestion(query, found, searcher)
    if near is not None:
        notes.append(
            f"near {near.label} ({near.precision}): within {params.minutes} min on foot"
            f" = {search_text.walking_radius_m(params.minutes):.0f} m straight line"
            f" ({search_text.WALKING_KMH:g} km/h, detour factor {search_text.DETOUR_FACTOR})"
        )
    return SearchPage(query, params, today, total, results, counted, suggestion, near, notes)


def _nearest_page(
    run: _Run, matching: Any, near: Place, filters: engine.Filters, need: int
) -> Ranked:
    """The first `need` matches by distance: the matches within a quarter, a half, then the
    whole radius (by cells), the first circle holding `need` of them read whole and ordered
    by each programme's own distance (then rank, then programme number)."""
    assert filters.near is not None
    latitude, longitude, radius = filters.near
    parts = [p for p in (radius / 4, radius / 2) if p >= 200] + [radius]
    hits: list[engine.Hit] = []
    for part in parts:
        circle = engine.all_of(matching, engine.near_query(latitude, longitude, part))
        count = run.found.count(run.searcher, circle)
        if count >= need or part == radius:
            _n, hits = run.found.top(run.searcher, circle, max(1, count), count=False)
            break

    def far(hit: engine.Hit) -> float:
        if hit.latitude is None or hit.longitude is None:
            return math.inf
        return search_text.distance_m(latitude, longitude, hit.latitude, hit.longitude)

    ranked = [(h, _rank(h, run.day, run.decided)) for h in hits]
    ranked.sort(key=lambda p: (far(p[0]), -p[1], p[0].programme_id))
    return ranked


def _field(hit: engine.Hit, name: str) -> int:
    value = hit.start if name == "start" else hit.fee
    return _NO_DAY if value is None else int(value)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


_DISTRICTS: dict[str, Any] = {}


def indexed_districts() -> frozenset[str]:
    """The district codes that have programmes in the index (the search form's choices)."""
    try:
        found = indexer.refresh()
    except indexer.SearchRebuilding:
        return frozenset()
    searcher = found.searcher()
    state = found.state(searcher)
    if _DISTRICTS.get("state") != state:
        counted = found.facets(searcher, engine.DOCUMENTS, ["district"])
        _DISTRICTS["codes"] = frozenset(code for code, _ in counted.get("district", []) if code)
        _DISTRICTS["state"] = state
    codes: frozenset[str] = _DISTRICTS["codes"]
    return codes


_TERMS_FACETS = ("district", "neighbourhood", "category", "mode", "group")
_TAG_FACETS = {"weekday": "wd", "time": "slot"}  # counted among the tags


def _facets(
    run: _Run, base: Any, parts: dict[str, Any]
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """(counts of every facet value over the matches, the number of matches). A facet whose
    own filter is in use counts without that filter (disjunctive facets: the other districts
    show how many programmes choosing them would add). One aggregation pass over the matches
    for every facet whose filter is not in use (the status counts and the total with it),
    one more per facet whose filter is."""
    found, searcher, today, decided = run.found, run.searcher, run.today, run.decided
    everything = engine.all_of(base, *parts.values())
    browsing = base is engine.DOCUMENTS
    plain = [n for n in _TERMS_FACETS if not any(f in parts for f in engine.FACET_FILTERS[n])]
    counted: dict[str, Any] = found.facets(searcher, everything, [*plain, "tag"], run.day)
    total = int(counted.pop("total"))
    published = counted.pop("status")
    tags = dict(counted.pop("tag", []))
    for name, prefix in _TAG_FACETS.items():
        own = engine.FACET_FILTERS[name]
        if not any(f in parts for f in own):
            continue
        rest = [q for key, q in parts.items() if key not in own]
        if browsing and not rest:
            other_tags = dict(found.whole_facets(searcher, ["tag"])["tag"])
        else:
            other_tags = dict(found.facets(searcher, engine.all_of(base, *rest), ["tag"])["tag"])
        tags.update({k: v for k, v in other_tags.items() if k.startswith(prefix)})
        for key in [k for k in tags if k.startswith(prefix) and k not in other_tags]:
            del tags[key]
    for name in _TERMS_FACETS:
        if name in plain:
            continue
        own = engine.FACET_FILTERS[name]
        rest = [q for key, q in parts.items() if key not in own]
        if browsing and not rest:  # its own filter is the only condition: the whole index
            counted.update(found.whole_facets(searcher, [name]))
        else:
            counted.update(found.facets(searcher, engine.all_of(base, *rest), [name]))
    if "statuses" in parts or decided:
        rest = [q for k, q in parts.items() if k != "statuses"]
        without_status = engine.all_of(base, *rest)
        if browsing and not rest and not decided:
            statuses = found.whole_facets(searcher, [], run.day)["status"]
        elif decided:  # the offers decide some: their status is not their window's
            statuses = {
                status: found.count(
                    searcher,
                    engine.all_of(without_status, engine.status_query(status, today, decided)),
                )
                for status in engine.STATUSES
            }
        else:
            statuses = found.facets(searcher, without_status, [], run.day)["status"]
    else:
        statuses = published
    groups = dict(counted.pop("group", []))
    values: dict[str, list[tuple[str, int]]] = {
        name: sorted(counted.get(name, []), key=lambda item: (-item[1], item[0]))
        for name in ("district", "neighbourhood", "category", "mode")
    }
    values["weekday"] = [(str(d), int(tags.get(f"wd{d}", 0))) for d in range(1, 8)]
    values["time"] = [
        (slot, int(tags.get(f"slot{bit}", 0))) for slot, bit in search_text.SLOTS.items()
    ]
    values["weekend"] = [("weekend", int(tags.get("weekend", 0)))]
    values["group"] = [(g, int(groups.get(g, 0))) for g in TARGET_GROUPS]
    values["price"] = [("free", int(tags.get("free", 0)))]
    values["flags"] = [
        (flag, int(tags.get(flag, 0))) for flag in ("credit_bank", "learning_account", "voucher")
    ]
    values["status"] = [(status, int(statuses[status])) for status in engine.STATUSES]
    facets: dict[str, list[dict[str, Any]]] = {
        name: [{"value": value, "count": count} for value, count in items]
        for name, items in values.items()
    }
    names = _region_names()
    for name in ("district", "neighbourhood"):
        for item in facets[name]:
            item["label"] = names.get(item["value"], "(미확인 unknown)")
    for item in facets["category"]:
        item["label"] = AREA_NAMES.get(item["value"], "(미분류 unclassified)")
    for item in facets["weekday"]:
        item["label"] = WEEKDAY_NAMES[int(item["value"]) - 1]
    return facets, total


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


def _suggestion(query: search_text.Query, found: engine.Engine, searcher: Any) -> str | None:
    """ "Did you mean": each unknown word of the query replaced by the nearest known title
    term (the engine's term dictionary, terms sharing the word's first letter)."""

    def vocabulary(word: str) -> dict[str, int]:
        return found.vocabulary(searcher, word[:1])

    words: list[str] = []
    changed = False
    for word in query.text.split():
        known = vocabulary(word)
        if word in known or len(word) < 2:
            words.append(word)
            continue
        better = search_text.suggest(word, known)
        if better is None:
            # the word's own morphemes: 피아너를 -> 피아너 -> 피아노
            parts = [c.term for c in query.clauses if c.term in word and len(c.term) >= 2]
            for part in parts:
                part_known = vocabulary(part)
                if part not in part_known:
                    hit = search_text.suggest(part, part_known)
                    if hit:
                        better = word.replace(part, hit)
                        break
        if better:
            changed = True
        words.append(better or word)
    return " ".join(words) if changed else None
