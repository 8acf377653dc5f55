"""The search engine: a Tantivy index beside the database (no Django here).

The database is the source of truth; this index is derived data, rebuilt from it at will
(`learncity search-index --rebuild`) and kept in step by the indexer (search/indexer.py),
which applies the change table in order. The index holds one document per programme:

- `terms` (the title's Kiwi morphemes), `grams` (the title's character bigrams) and `body`
  (morphemes and bigrams of the other fields), pre-tokenised by algorithms/search_text and
  split on spaces here, with positions (a query word also matches as the phrase of its
  bigrams);
- fast fields for every filter, facet, boost and ordering: district, neighbourhood,
  category, mode and target groups (raw strings), fee, course start and registration
  dates (day numbers; a window without a first or last day has a sentinel there),
  coordinates and their grid cells, and `tag` (multi-valued: wd1..wd7, slot1/2/4, free,
  weekend, credit_bank, learning_account, voucher) so that one terms aggregation counts
  every weekday, time of day and flag.

One more document, `kind = state`, records the last change number the index holds (and its
token, to tell a rolled-back or restored database from the one the index followed). It is
written in the same commit as the documents of that change, so an indexer killed mid-batch
loses the batch and nothing else, and resumes from the state of the last commit.

Scores: BM25 per field, the title's morphemes weighted 4, its bigram phrases 2, the body 1
(the weights the FTS5 and tsvector engines had). Boosts (open for application, starting
soon) depend on the day of the search, so they are applied to the engine's top candidates
(a bounded, documented re-ranking: see `ranked`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tantivy
from tantivy import FieldType, Occur, Order, Query

from learncity.algorithms import search_text

SCHEMA_VERSION = "3"
KIND_DOC = "doc"
KIND_STATE = "state"
TOKENIZER = "spaces"
PRECISIONS = ("unknown", "exact", "address", "neighbourhood", "district", "point")
STATUSES = ("upcoming", "open", "closed")
TAGS = ("free", "weekend", "credit_bank", "learning_account", "voucher")
TITLE_TERM_WEIGHT = 4.0
TITLE_GRAM_WEIGHT = 2.0
BODY_WEIGHT = 1.0
_EPOCH = dt.date(1970, 1, 1)
NO_START = -1_000_000  # a registration window without a first day: open since ever
NO_END = 1_000_000  # ... without a last day: open for ever
FACET_SIZE = 1_000  # distinct values a facet lists at most (neighbourhoods of a big city)


class EngineError(Exception):
    """The index cannot be used (missing, corrupt, another schema): rebuild it."""


def day_number(value: dt.date | str | None) -> int | None:
    """Days since 1970-01-01 of a date (or its ISO text); None when missing or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        value = value.date()
    return (value - _EPOCH).days


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("kind", tokenizer_name="raw")
    builder.add_integer_field("pid", indexed=True, fast=True)
    for name in ("terms", "grams", "body"):
        builder.add_text_field(name, tokenizer_name=TOKENIZER, index_option="position")
    for name in ("district", "neighbourhood", "category", "mode", "group", "tag"):
        builder.add_text_field(name, tokenizer_name="raw", fast=True)
    for name in ("fee", "start", "reg_start", "reg_end", "window", "unknown_start", "inv_start"):
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_integer_field("precision", fast=True)
    builder.add_float_field("lat", indexed=True, fast=True)
    builder.add_float_field("lon", indexed=True, fast=True)
    builder.add_integer_field("cell_fine", indexed=True)
    builder.add_integer_field("cell_coarse", indexed=True)
    builder.add_integer_field("change_no", fast=True, stored=True)
    builder.add_text_field("change_token", tokenizer_name="raw", stored=True)
    builder.add_text_field("version", tokenizer_name="raw", stored=True)
    builder.add_text_field("journal", tokenizer_name="raw", stored=True)
    return builder.build()


SCHEMA = schema()


def _analyzer() -> Any:
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


# ------------------------------------------------------------------ documents


@dataclass(frozen=True)
class Entry:
    """One programme as the index holds it (built by the indexer from a catalogue row)."""

    programme_id: int
    terms: str
    grams: str
    body: str
    district: str = ""
    neighbourhood: str = ""
    category: str = ""
    mode: str = ""
    groups: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    slots: tuple[int, ...] = ()
    fee: int | None = None
    credit_bank: bool = False
    learning_account: bool = False
    voucher: bool = False
    start: dt.date | None = None
    registration_start: dt.date | None = None
    registration_end: dt.date | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: str = "unknown"


def document(entry: Entry) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", KIND_DOC)
    doc.add_integer("pid", entry.programme_id)
    doc.add_text("terms", entry.terms)
    doc.add_text("grams", entry.grams)
    doc.add_text("body", entry.body)
    for name, value in (
        ("district", entry.district),
        ("neighbourhood", entry.neighbourhood),
        ("category", entry.category),
        ("mode", entry.mode),
    ):
        doc.add_text(name, value or "")
    for group in entry.groups:
        doc.add_text("group", group)
    tags = []
    if entry.fee == 0:
        tags.append("free")
    if any(day in (6, 7) for day in entry.weekdays):
        tags.append("weekend")
    for name in ("credit_bank", "learning_account", "voucher"):
        if getattr(entry, name):
            tags.append(name)
    for tag in tags:
        doc.add_text("tag", tag)
    for weekday in entry.weekdays:
        doc.add_text("tag", f"wd{int(weekday)}")
    for slot in entry.slots:
        doc.add_text("tag", f"slot{int(slot)}")
    if entry.fee is not None:
        doc.add_integer("fee", int(entry.fee))
    start = day_number(entry.start)
    if start is not None:
        doc.add_integer("start", start)
    opens = day_number(entry.registration_start)
    closes = day_number(entry.registration_end)
    doc.add_integer("reg_start", NO_START if opens is None else opens)
    doc.add_integer("reg_end", NO_END if closes is None else closes)
    doc.add_integer("window", 0 if opens is None and closes is None else 1)
    if opens is None and closes is None and start is not None:
        doc.add_integer("unknown_start", start)  # closed once the course has started
    if opens is not None and closes is not None and opens > closes:
        doc.add_integer("inv_start", opens)  # a window that ends before it opens (bad data)
    precision = entry.precision if entry.precision in PRECISIONS else "unknown"
    doc.add_integer("precision", PRECISIONS.index(precision))
    latitude, longitude = entry.latitude, entry.longitude
    if latitude is not None and longitude is not None and math.isfinite(latitude + longitude):
        doc.add_float("lat", float(latitude))
        doc.add_float("lon", float(longitude))
        doc.add_integer("cell_fine", cell_of(latitude, longitude, FINE))
        doc.add_integer("cell_coarse", cell_of(latitude, longitude, FINE * COARSE))
    return doc


def state_document(state: State) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("kind", KIND_STATE)
    doc.add_integer("change_no", int(state.change_no))
    doc.add_text("change_token", state.token)
    doc.add_text("version", SCHEMA_VERSION)
    doc.add_text("journal", json.dumps([[n, t, list(ids)] for n, t, ids in state.journal]))
    return doc


# ------------------------------------------------------------------ the index on disk

JournalEntry = tuple[int, str, tuple[int, ...]]  # change number, token, programmes touched
JOURNAL_ENTRIES = 64
JOURNAL_IDS = 20_000


@dataclass(frozen=True)
class State:
    """Where the index is: the last change it holds and that change's token. `journal`: the
    states of its last commits, each with the programmes that commit touched, so that an
    index ahead of its database (a rolled-back transaction, a restored backup) can go back to
    the newest state the database still holds by indexing those programmes again."""

    change_no: int
    token: str
    journal: tuple[JournalEntry, ...] = field(default=(), compare=False)

    def after(self, change_no: int, token: str, touched: Sequence[int]) -> State:
        """The state after one more commit (the journal trimmed to its limits)."""
        entries = [*self.journal, (int(change_no), token, tuple(int(i) for i in touched))]
        kept: list[JournalEntry] = []
        ids = 0
        for entry in reversed(entries[-JOURNAL_ENTRIES:]):
            ids += len(entry[2])
            if ids > JOURNAL_IDS:
                break
            kept.append(entry)
        return State(int(change_no), token, tuple(reversed(kept)))

    def back_to(self, position: int) -> tuple[State, set[int]]:
        """The state of journal entry `position`, and the programmes touched after it."""
        number, token, _ids = self.journal[position]
        touched = {i for _n, _t, ids in self.journal[position + 1 :] for i in ids}
        return State(number, token, self.journal[: position + 1]), touched


def open_index(path: Path, *, create: bool = False) -> tantivy.Index:
    """The index in `path`; with `create`, a new empty one (the folder is made). Raises
    EngineError when there is none, or it cannot be read, or its schema is another."""
    if create:
        path.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(SCHEMA, path=str(path), reuse=False)
    else:
        try:
            if not path.is_dir() or not tantivy.Index.exists(str(path)):
                raise EngineError(f"no search index in {path}")
            index = tantivy.Index.open(str(path))
        except (OSError, ValueError) as error:
            raise EngineError(f"the search index in {path} cannot be opened: {error}") from error
    index.register_tokenizer(TOKENIZER, _analyzer())
    if not create:
        found = read_state(index)
        if found is None:
            raise EngineError(f"the search index in {path} has no state: rebuild it")
    return index


def read_state(index: tantivy.Index, searcher: Any = None) -> State | None:
    """The change number and token the index holds (None: an index never committed, or one
    of another schema version)."""
    try:
        searcher = searcher or index.searcher()
        hits = searcher.search(Query.term_query(SCHEMA, "kind", KIND_STATE), 1).hits
    except ValueError:
        return None
    if not hits:
        return None
    stored = searcher.doc(hits[0][1])
    if stored.get_first("version") != SCHEMA_VERSION:
        return None
    try:
        journal = tuple(
            (int(n), str(t), tuple(int(i) for i in ids))
            for n, t, ids in json.loads(stored.get_first("journal") or "[]")
        )
    except (ValueError, TypeError):
        journal = ()
    return State(
        int(stored.get_first("change_no") or 0), str(stored.get_first("change_token")), journal
    )


class Writer:
    """The one writer of an index folder (Tantivy's lock: another process holding it makes
    `Writer.open` raise EngineError, "busy")."""

    HEAP = 64_000_000

    def __init__(self, index: tantivy.Index, writer: Any) -> None:
        self.index = index
        self._writer = writer

    @classmethod
    def open(cls, index: tantivy.Index, *, threads: int = 1, heap: int | None = None) -> Writer:
        try:
            writer = index.writer(heap_size=heap or cls.HEAP * threads, num_threads=threads)
        except ValueError as error:
            raise EngineError(f"busy: {error}") from error
        return cls(index, writer)

    def replace(self, programme_ids: Sequence[int], entries: Iterable[Entry]) -> None:
        """Delete the documents of `programme_ids`, then add `entries` (those that exist)."""
        ids = [int(i) for i in programme_ids]
        for start in range(0, len(ids), 1_000):
            chunk = ids[start : start + 1_000]
            self._writer.delete_documents_by_query(Query.term_set_query(SCHEMA, "pid", chunk))
        for entry in entries:
            self._writer.add_document(document(entry))

    def add(self, entries: Iterable[Entry]) -> int:
        count = 0
        for entry in entries:
            self._writer.add_document(document(entry))
            count += 1
        return count

    def commit(self, state: State) -> None:
        """Publish everything added since the last commit, with the change number it brings
        the index to (one commit: both or neither)."""
        self._writer.delete_documents_by_query(Query.term_query(SCHEMA, "kind", KIND_STATE))
        self._writer.add_document(state_document(state))
        self._writer.commit()

    def rollback(self) -> None:
        self._writer.rollback()

    def close(self) -> None:
        with contextlib.suppress(ValueError, RuntimeError):
            self._writer.wait_merging_threads()
        self._writer = None


# ------------------------------------------------------------------ "near": grid cells

FINE = 0.0005  # degrees: a fine cell is about 55 m north-south, 44 m east-west in Korea
COARSE = 8  # fine cells per coarse cell side (about 445 m x 353 m)
_M_PER_DEGREE = 111_195.0


def cell_of(latitude: float, longitude: float, size: float) -> int:
    """The grid cell holding a point, as one integer (row and column of `size` degrees)."""
    row = math.floor((latitude + 90.0) / size)
    column = math.floor((longitude + 180.0) / size)
    return row * 10_000_000 + column


def near_query(latitude: float, longitude: float, metres: float) -> Query:
    """The programmes within `metres` of a point, by grid cells: every coarse cell wholly
    inside the circle, and in the coarse cells the circle cuts, every fine cell whose centre
    is inside it (so a programme near the edge is in or out to within half a fine cell's
    diagonal, about 35 m; the distance shown is its own)."""
    cos = max(0.01, math.cos(math.radians(latitude)))
    coarse = FINE * COARSE
    lat0, lat1 = latitude - metres / _M_PER_DEGREE, latitude + metres / _M_PER_DEGREE
    lon0 = longitude - metres / (_M_PER_DEGREE * cos)
    lon1 = longitude + metres / (_M_PER_DEGREE * cos)
    rows = range(math.floor((lat0 + 90) / coarse), math.floor((lat1 + 90) / coarse) + 1)
    columns = range(math.floor((lon0 + 180) / coarse), math.floor((lon1 + 180) / coarse) + 1)
    inside: list[int] = []
    edge: list[tuple[int, int]] = []
    for row in rows:
        south = row * coarse - 90
        for column in columns:
            west = column * coarse - 180
            near_dy = max(south - latitude, 0.0, latitude - (south + coarse))
            near_dx = max(west - longitude, 0.0, longitude - (west + coarse))
            if math.hypot(near_dy, near_dx * cos) * _M_PER_DEGREE > metres:
                continue  # the cell is wholly outside
            far_dy = max(abs(south - latitude), abs(south + coarse - latitude))
            far_dx = max(abs(west - longitude), abs(west + coarse - longitude))
            if math.hypot(far_dy, far_dx * cos) * _M_PER_DEGREE <= metres:
                inside.append(row * 10_000_000 + column)
            else:
                edge.append((row, column))
    fine: list[int] = []
    for row, column in edge:
        for i in range(COARSE):
            fine_row = row * COARSE + i
            dy = (fine_row + 0.5) * FINE - 90 - latitude
            for j in range(COARSE):
                fine_column = column * COARSE + j
                dx = ((fine_column + 0.5) * FINE - 180 - longitude) * cos
                if math.hypot(dy, dx) * _M_PER_DEGREE <= metres:
                    fine.append(fine_row * 10_000_000 + fine_column)
    parts = []
    if inside:
        parts.append(_terms("cell_coarse", inside))
    if fine:
        parts.append(_terms("cell_fine", fine))
    return _any(*parts) if parts else Query.empty_query()


# ------------------------------------------------------------------ queries


@dataclass(frozen=True)
class Filters:
    """What a search asks of the filter fields (codes already resolved)."""

    districts: tuple[str, ...] = ()
    neighbourhoods: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()
    weekend: bool = False
    slots: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    free: bool = False
    fee_min: int | None = None
    fee_max: int | None = None
    voucher: bool = False
    credit_bank: bool = False
    learning_account: bool = False
    modes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    near: tuple[float, float, float] | None = None  # latitude, longitude, radius in metres


def _term(name: str, value: Any) -> Query:
    return Query.term_query(SCHEMA, name, value)


def _terms(name: str, values: Sequence[Any]) -> Query:
    return Query.term_set_query(SCHEMA, name, list(values))


def _range(name: str, low: int | None = None, high: int | None = None) -> Query:
    return Query.range_query(SCHEMA, name, FieldType.Integer, low, high)


def _all(*queries: Query) -> Query:
    return Query.boolean_query([(Occur.Must, q) for q in queries])


def _any(*queries: Query) -> Query:
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _but_not(query: Query, *excluded: Query) -> Query:
    return Query.boolean_query([(Occur.Must, query)] + [(Occur.MustNot, q) for q in excluded])


DOCUMENTS = _term("kind", KIND_DOC)


def all_of(*queries: Query) -> Query:
    """Every query (the first one's score; the others only filter)."""
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query(
        [(Occur.Must, queries[0])]
        + [(Occur.Must, Query.const_score_query(q, 0.0)) for q in queries[1:]]
    )


def none_of(query: Query) -> Query:
    return _but_not(DOCUMENTS, query)


def both_of(first: Query, second: Query) -> Query:
    return _all(first, second)


def either_of(first: Query, second: Query) -> Query:
    return _any(first, second)


def first_not_second(first: Query, second: Query) -> Query:
    return _but_not(first, second)


def within_box(lat0: float, lat1: float, lon0: float, lon1: float) -> Query:
    return _all(
        Query.range_query(SCHEMA, "lat", FieldType.Float, lat0, lat1),
        Query.range_query(SCHEMA, "lon", FieldType.Float, lon0, lon1),
    )


def starting_between(first: int, last: int) -> Query:
    """Courses starting on a day number in [first, last]."""
    return _range("start", first, last)


def text_query(query: search_text.Query, alternatives: dict[str, tuple[str, ...]]) -> Query:
    """Every clause required; a clause matches its morpheme (title terms, body) or as a
    substring (its bigram or trigram, or its trigrams in a row, in the title grams or the
    body), or one of its synonyms the same way."""
    musts: list[tuple[Occur, Query]] = []
    for clause in query.clauses:
        options: list[Query] = []
        for term in (clause.term, *alternatives.get(clause.term, ())):
            options.append(Query.boost_query(_term("terms", term), TITLE_TERM_WEIGHT))
            options.append(_term("body", term))
            tokens = search_text.substring_tokens(term)
            if len(tokens) == 1:
                options.append(Query.boost_query(_term("grams", tokens[0]), TITLE_GRAM_WEIGHT))
                options.append(_term("body", tokens[0]))
            elif len(tokens) > 1:
                options.append(
                    Query.boost_query(
                        Query.phrase_query(SCHEMA, "grams", list(tokens)), TITLE_GRAM_WEIGHT
                    )
                )
                options.append(Query.phrase_query(SCHEMA, "body", list(tokens)))
        musts.append((Occur.Must, _any(*options)))
    return Query.boolean_query(musts)


def status_query(status: str, today: dt.date, decided: dict[int, str]) -> Query:
    """The programmes whose registration status is `status` on `today`: by the published
    window, except those whose enrolment offer decides (`decided`: programme id -> status).
    Published: upcoming = the window opens after today; open = a window is known and today
    lies in it (a missing first or last day is open that way); closed = the window ended,
    or no window is known and the course has started."""
    day = day_number(today)
    assert day is not None
    if status == "upcoming":
        published = _range("reg_start", day + 1, None)
    elif status == "open":
        published = _all(
            _term("window", 1), _range("reg_start", None, day), _range("reg_end", day, None)
        )
    elif status == "closed":
        published = _any(
            _range("reg_end", None, day - 1),
            _all(_term("window", 0), _range("start", None, day - 1)),
        )
    else:
        raise ValueError(f"unknown status {status!r}")
    if not decided:
        return published
    overridden = list(decided)
    chosen = [pid for pid, value in decided.items() if value == status]
    parts = [_but_not(published, _terms("pid", overridden))]
    if chosen:
        parts.append(_terms("pid", chosen))
    return _any(*parts)


def status_spec(day: int) -> dict[str, Any]:
    """Aggregations that count the published statuses of a match set in the same pass as
    the facets, each over one field (see `status_counts`)."""
    return {
        "st_window": {"terms": {"field": "window", "size": 2}},
        "st_upcoming": {"range": {"field": "reg_start", "ranges": [{"from": day + 1}]}},
        "st_ended": {"range": {"field": "reg_end", "ranges": [{"to": day}]}},
        "st_started": {"range": {"field": "unknown_start", "ranges": [{"to": day}]}},
        "st_inverted": {
            "range": {"field": "inv_start", "ranges": [{"from": day + 1}]},
            "aggs": {"ended": {"range": {"field": "reg_end", "ranges": [{"to": day}]}}},
        },
    }


def _bucket(result: dict[str, Any], *, low: int | None = None, high: int | None = None) -> int:
    for bucket in result.get("buckets") or []:
        found_low, found_high = bucket.get("from"), bucket.get("to")
        if (found_low is None if low is None else found_low == low) and (
            found_high is None if high is None else found_high == high
        ):
            return int(bucket["doc_count"])
    return 0


def status_counts(result: dict[str, Any], day: int) -> tuple[dict[str, int], int]:
    """(count per status, total) from the aggregations of `status_spec`: upcoming = the
    window opens later; closed = it ended, or no window and the course started; open = a
    known window minus those two (plus the windows that both open later and ended, which
    the two counted twice: only a window that ends before it opens can)."""
    windows = {int(b["key"]): int(b["doc_count"]) for b in _buckets(result, "st_window")}
    later = _bucket(result.get("st_upcoming") or {}, low=day + 1)
    ended = _bucket(result.get("st_ended") or {}, high=day)
    started = _bucket(result.get("st_started") or {}, high=day)
    both = 0
    for bucket in _buckets(result, "st_inverted"):
        if bucket.get("from") == day + 1 and bucket.get("to") is None:
            both = _bucket(bucket.get("ended") or {}, high=day)
    known = windows.get(1, 0)
    counts = {"upcoming": later, "open": known - later - ended + both, "closed": ended + started}
    return counts, known + windows.get(0, 0)


def _buckets(result: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (result.get(name) or {}).get("buckets") or []
    return found


FACET_FILTERS = {
    # facet name -> the filters that facet's own counts leave out (disjunctive facets)
    "district": ("districts",),
    "neighbourhood": ("neighbourhoods",),
    "category": ("categories",),
    "mode": ("modes",),
    "weekday": ("weekdays",),
    "time": ("slots",),
    "group": ("groups",),
    "status": ("statuses",),
}


def filter_queries(filters: Filters, today: dt.date, decided: dict[int, str]) -> dict[str, Query]:
    """One query per active filter, by the filter's name."""
    out: dict[str, Query] = {}
    if filters.districts:
        out["districts"] = _terms("district", filters.districts)
    if filters.neighbourhoods:
        out["neighbourhoods"] = _terms("neighbourhood", filters.neighbourhoods)
    if filters.weekdays:
        out["weekdays"] = _terms("tag", [f"wd{d}" for d in filters.weekdays])
    if filters.weekend:
        out["weekend"] = _term("tag", "weekend")
    if filters.slots:
        out["slots"] = _terms("tag", [f"slot{s}" for s in filters.slots])
    if filters.groups:
        # "전체" (everyone) programmes are open to every group
        out["groups"] = _terms("group", (*filters.groups, "전체"))
    if filters.categories:
        out["categories"] = _terms("category", filters.categories)
    if filters.free:
        out["free"] = _term("tag", "free")
    if filters.fee_min is not None or filters.fee_max is not None:
        out["fee"] = _range("fee", filters.fee_min, filters.fee_max)
    for name in ("voucher", "credit_bank", "learning_account"):
        if getattr(filters, name):
            out[name] = _term("tag", name)
    if filters.modes:
        out["modes"] = _terms("mode", filters.modes)
    if filters.statuses:
        out["statuses"] = _any(*[status_query(s, today, decided) for s in filters.statuses])
    if filters.near is not None:
        out["near"] = near_query(*filters.near)
    return out


# ------------------------------------------------------------------ results


@dataclass
class Hit:
    programme_id: int
    score: float
    latitude: float | None
    longitude: float | None
    precision: str
    start: int | None  # day number
    reg_start: int | None
    reg_end: int | None
    window: bool
    fee: int | None = None


@dataclass
class Found:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


def _day_or_none(value: int | None) -> int | None:
    return None if value is None or value in (NO_START, NO_END) else int(value)


_HIT_FIELDS = ("pid", "lat", "lon", "precision", "start", "reg_start", "reg_end", "window", "fee")


class Engine:
    """A reader of one index folder (one per process): searches, facets, did-you-mean."""

    def __init__(self, index: tantivy.Index) -> None:
        self.index = index
        self._whole: dict[tuple[Any, ...], dict[str, Any]] = {}

    def searcher(self) -> Any:
        return self.index.searcher()

    def state(self, searcher: Any = None) -> State | None:
        return read_state(self.index, searcher)

    def reload(self) -> None:
        self.index.reload()

    def hits(self, searcher: Any, found: Sequence[tuple[Any, Any]]) -> list[Hit]:
        addresses = [address for _, address in found]
        if not addresses:
            return []
        columns = {name: searcher.fast_field_values(name, addresses) for name in _HIT_FIELDS}
        out: list[Hit] = []
        for i, (score, _) in enumerate(found):
            precision = columns["precision"][i]
            out.append(
                Hit(
                    programme_id=int(columns["pid"][i]),
                    score=float(score) if isinstance(score, float) else 1.0,
                    latitude=columns["lat"][i],
                    longitude=columns["lon"][i],
                    precision=PRECISIONS[precision] if precision is not None else "unknown",
                    start=columns["start"][i],
                    reg_start=_day_or_none(columns["reg_start"][i]),
                    reg_end=_day_or_none(columns["reg_end"][i]),
                    window=bool(columns["window"][i]),
                    fee=columns["fee"][i],
                )
            )
        return out

    def count(self, searcher: Any, query: Query) -> int:
        """The number of matches (an aggregation: faster than the search's own count,
        which scores every match)."""
        result = searcher.aggregate(query, {"n": {"terms": {"field": "window", "size": 2}}})
        return sum(int(b["doc_count"]) for b in (result.get("n") or {}).get("buckets") or [])

    def top(
        self, searcher: Any, query: Query, limit: int, *, count: bool = True
    ) -> tuple[int, list[Hit]]:
        """(the number of matches, or -1 without `count`; the first `limit` by score)."""
        found = searcher.search(query, max(1, limit), count=count)
        return (int(found.count) if count else -1), self.hits(searcher, found.hits)

    def ordered(self, searcher: Any, query: Query, name: str, limit: int) -> list[Hit]:
        """The first `limit` matches by the fast field `name`, ascending, missing last."""
        found = searcher.search(
            query, max(1, limit), count=False, order_by_field=name, order=Order.Asc
        )
        return self.hits(searcher, [(1.0, address) for _, address in found.hits])

    def coordinates(
        self, searcher: Any, query: Query, limit: int
    ) -> list[tuple[int, float, float]]:
        """(programme id, latitude, longitude) of every match (up to `limit`)."""
        found = searcher.search(query, max(1, limit), count=False)
        addresses = [address for _, address in found.hits]
        if not addresses:
            return []
        ids = searcher.fast_field_values("pid", addresses)
        lats = searcher.fast_field_values("lat", addresses)
        lons = searcher.fast_field_values("lon", addresses)
        return [
            (int(i), float(a), float(o))
            for i, a, o in zip(ids, lats, lons, strict=True)
            if a is not None and o is not None
        ]

    def facets(
        self,
        searcher: Any,
        query: Query,
        names: Sequence[str],
        day: int | None = None,
    ) -> dict[str, Any]:
        """Counts per value of the terms facets `names` over the matches of `query`; with
        `day`, also "status" (count per registration status, published windows) and "total"
        (the matches), in the same pass."""
        fields = {
            "district": "district",
            "neighbourhood": "neighbourhood",
            "category": "category",
            "mode": "mode",
            "group": "group",
            "tag": "tag",
        }
        spec: dict[str, Any] = {
            name: {"terms": {"field": fields[name], "size": FACET_SIZE, "min_doc_count": 1}}
            for name in names
        }
        if day is not None:
            spec.update(status_spec(day))
        if not spec:
            return {}
        result = searcher.aggregate(query, spec)
        out: dict[str, Any] = {}
        for name in names:
            buckets = (result.get(name) or {}).get("buckets") or []
            out[name] = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
        if day is not None:
            out["status"], out["total"] = status_counts(result, day)
        return out

    def whole_facets(
        self, searcher: Any, names: Sequence[str], day: int | None = None
    ) -> dict[str, Any]:
        """`facets` over every programme (a facet whose filter is the only condition counts
        over the whole catalogue): computed once per commit of the index and day."""
        key = (self.state(searcher), tuple(names), day)
        found = self._whole.get(key)
        if found is None:
            found = self.facets(searcher, DOCUMENTS, names, day)
            if len(self._whole) > 64:
                self._whole.clear()
            self._whole[key] = found
        return found

    def vocabulary(self, searcher: Any, prefix: str, limit: int = 5_000) -> dict[str, int]:
        """Title morphemes starting with `prefix` and how many programmes hold them: the
        engine's term dictionary, for "did you mean"."""
        try:
            found = searcher.terms_with_prefix("terms", prefix, limit=limit)
        except ValueError:
            return {}
        return {str(term): int(count) for term, count in found}
