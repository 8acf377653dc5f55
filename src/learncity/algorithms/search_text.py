"""Korean-aware search text: what a programme is indexed under and what a query asks for.

Pure Python, no Django, no engine. The search engine (Tantivy: learncity.search.engine)
only ever sees what this module produces: space-separated tokens made of Hangul syllables,
Latin letters and digits, built into engine queries term by term, so no query string can
reach it as syntax.

A document is indexed twice:

* `terms`: Kiwi morphemes (nouns, Latin words in lower case, verb/adjective stems). This is
  what makes `영어를`, `영어 회화` and `영어회화` all mean 영어 + 회화, and what ranks first.
* `grams`: Hangul/Latin character bigrams and trigrams of each field with the spaces taken
  out. A query word of two or more letters also matches as a substring (its bigram, its
  trigram, or the phrase of its trigrams: `substring_tokens`):
  `인권` finds `장애인권` (which Kiwi reads as 장애인 + 권), `스마트폰` finds
  `스마트폰활용`, `gpt` finds `ChatGPT`. A two-syllable word is a single bigram, so
  two-syllable words (요가, 영어, 노션, 인권) match where trigram search cannot.

Every required query word must match (AND), as its morpheme, its bigram phrase, or a word
of its synonym group (`synonyms`). Ranking is the engine's BM25 (title morphemes weighted
4, title bigrams 2, the rest 1), times small documented boosts (see `boost`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from learncity.algorithms import walking

Tagger = Callable[[Sequence[str]], list[list[tuple[str, str]]]]

MAX_QUERY_CHARS = 200  # a longer query is cut here: nobody types 2,000 characters on purpose
MAX_CLAUSES = 8
_RUN = re.compile(r"[가-힣a-z]+")
_KEEP = re.compile(r"[^가-힣a-z0-9\s]+")
_SPACE = re.compile(r"\s+")
_HANGUL = re.compile(r"[가-힣]")

# Words that say "a course" rather than what it is about: never required in a query.
QUERY_NOISE = frozenset(
    {
        "강좌",
        "강의",
        "수업",
        "프로그램",
        "배우다",
        "싶다",
        "하다",
        "있다",
        "되다",
        "좋다",
        "추천",
        "근처",
        "곳",
        "것",
        "수",
    }
)


def clean(text: str) -> str:
    """NFKC, lower case, control and format characters out, at most MAX_QUERY_CHARS."""
    text = unicodedata.normalize("NFKC", text)[: MAX_QUERY_CHARS * 2]
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return _SPACE.sub(" ", text).strip().lower()[:MAX_QUERY_CHARS]


def bigrams(word: str) -> tuple[str, ...]:
    """Character bigrams of one run of Hangul or Latin letters; () for a single letter."""
    return tuple(word[i : i + 2] for i in range(len(word) - 1))


def trigrams(word: str) -> tuple[str, ...]:
    """Character trigrams of one run of letters; () below three letters."""
    return tuple(word[i : i + 3] for i in range(len(word) - 2))


def grams(text: str) -> list[str]:
    """Bigrams and trigrams of a field with spaces removed, so that spacing variants meet:
    each run of letters gives its bigrams, then its trigrams (each kind in a row, so that a
    phrase of trigrams is a substring)."""
    joined = _SPACE.sub("", _KEEP.sub(" ", clean_document(text)))
    out: list[str] = []
    for run in _RUN.findall(joined):
        out.extend(bigrams(run))
        out.extend(trigrams(run))
    return out


def substring_tokens(word: str) -> tuple[str, ...]:
    """What finds `word` inside a longer one among a field's grams: itself when it has two
    or three letters (one bigram or trigram: a term), its trigrams in a row for longer words
    (a phrase), nothing for one letter."""
    if len(word) < 2:
        return ()
    if len(word) <= 3:
        return (word,)
    return trigrams(word)


def clean_document(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text).lower()


def _token_ok(token: str) -> bool:
    return bool(token) and _KEEP.search(token) is None and " " not in token


@dataclass(frozen=True, slots=True)
class Document:
    """What a programme is indexed under: the title's morphemes (`terms`) and bigrams
    (`grams`), and the other fields' morphemes and bigrams together (`body`)."""

    terms: str
    grams: str
    body: str


Memo = dict[str, tuple[str, tuple[str, ...]]]
MEMO_LIMIT = 200_000


def document(
    title: str, others: Sequence[str], tagger: Tagger, memo: Memo | None = None
) -> Document:
    """Tokens of a programme: the title apart (it ranks first), then the other fields (the
    description, the provider's category word, institution, venue, room), each distinct
    text once. `memo` (kept by the caller across programmes) remembers each other field's
    tokens by its text: descriptions, institutions and venues repeat across a catalogue."""
    title_text = clean_document(title)
    seen = {title_text}
    parts: list[tuple[str, str, tuple[str, ...] | None]] = []
    for text in others:
        known = memo.get(text) if memo is not None else None
        cleaned = known[0] if known is not None else clean_document(text)
        if not cleaned.strip() or cleaned in seen:
            continue
        seen.add(cleaned)
        parts.append((text, cleaned, known[1] if known is not None else None))
    fresh = [cleaned for _text, cleaned, tokens in parts if tokens is None]
    tagged = iter(tagger([title_text, *fresh]))
    title_forms = [form for form, _ in next(tagged) if _token_ok(form)]
    if memo is not None and len(memo) > MEMO_LIMIT:
        memo.clear()
    body: list[str] = []
    for text, cleaned, known_tokens in parts:
        tokens = known_tokens
        if tokens is None:
            forms = [form for form, _ in next(tagged) if _token_ok(form)]
            tokens = (*forms, *grams(cleaned))
            if memo is not None:
                memo[text] = (cleaned, tokens)
        body.extend(tokens)
    return Document(" ".join(title_forms), " ".join(grams(title_text)), " ".join(body))


@dataclass(frozen=True, slots=True)
class Clause:
    """One thing the query asks for: a morpheme, or its letters in a row (bigram phrase)."""

    term: str
    grams: tuple[str, ...]
    kind: str  # noun, latin, stem, word


@dataclass(frozen=True, slots=True)
class Query:
    text: str  # as cleaned
    clauses: tuple[Clause, ...]
    dropped: tuple[str, ...]  # words that were only noise (강좌, 배우다 ...)

    @property
    def is_empty(self) -> bool:
        return not self.clauses


SYNONYMS_FILE = Path(__file__).resolve().parent / "data" / "search_synonyms.tsv"


def read_synonyms(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Groups of words that mean the same (one group per line, tab-separated; # comments):
    each word -> the other words of its group, in the file's order."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = list(dict.fromkeys(clean(w) for w in line.split("\t") if clean(w)))
        words = [w for w in words if _token_ok(w)]
        for word in words:
            others = tuple(w for w in words if w != word)
            groups[word] = tuple(dict.fromkeys((*groups.get(word, ()), *others)))
    return groups


@functools.lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """The synonym and transliteration list shipped with learncity (Canva ↔ 캔바 ...)."""
    return read_synonyms(SYNONYMS_FILE.read_text(encoding="utf-8").splitlines())


def parse_query(
    text: str, tagger: Tagger, known: Mapping[str, tuple[str, ...]] | None = None
) -> Query:
    """A query string, whatever it holds, as clauses of safe tokens. A whole word of the
    synonym list (`known`, default the shipped one) is one clause, not analysed: 챗GPT
    stays 챗gpt (and finds ChatGPT) instead of 챗 + gpt."""
    cleaned = clean(text or "")
    plain = _SPACE.sub(" ", _KEEP.sub(" ", cleaned)).strip()
    if not plain:
        return Query(cleaned, (), ())
    known = synonyms() if known is None else known
    words = plain.split(" ")
    analysed = tagger([w for w in words if w not in known])
    tagged = []
    for word in words:
        tagged.append([(word, "noun")] if word in known else analysed.pop(0))
    clauses: list[Clause] = []
    dropped: list[str] = []
    seen: set[str] = set()
    for word, morphemes in zip(words, tagged, strict=True):
        kept = [(form, kind) for form, kind in morphemes if _token_ok(form)]
        if not kept:
            # a pronoun (요거), a typo the analyser does not know (피아너): keep the letters
            kept = [(run, "word") for run in _RUN.findall(word) if run]
        for form, kind in kept:
            if form in seen:
                continue
            seen.add(form)
            if form in QUERY_NOISE:
                dropped.append(form)
                continue
            clauses.append(Clause(form, bigrams(form) if len(form) > 1 else (), kind))
    if not clauses and dropped:
        # a query of noise words only (강좌) still asks for them
        clauses = [Clause(w, bigrams(w) if len(w) > 1 else (), "noun") for w in dropped]
        dropped = []
    # nouns and Latin words are required; a word the analyser kept nothing of (싶어요, or a
    # typo) only when there is nothing better; verb stems last
    required = (
        [c for c in clauses if c.kind in {"noun", "latin"}]
        or [c for c in clauses if c.kind == "word"]
        or clauses
    )
    return Query(cleaned, tuple(required[:MAX_CLAUSES]), tuple(dropped))


# ------------------------------------------------------------------ did you mean


def jamo(word: str) -> str:
    """Hangul syllables decomposed into lead/vowel/tail letters; other letters as they are."""
    out: list[str] = []
    for char in word:
        code = ord(char) - 0xAC00
        if 0 <= code < 11172:
            out.append(chr(0x1100 + code // 588))
            out.append(chr(0x1161 + (code % 588) // 28))
            if code % 28:
                out.append(chr(0x11A7 + code % 28))
        else:
            out.append(char)
    return "".join(out)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, stopping early once it exceeds `limit` (returns limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def suggest(word: str, vocabulary: Mapping[str, int]) -> str | None:
    """The known term nearest to an unknown query word, letter by letter (jamo), for
    "did you mean": 요거 -> 요가, 피아너 -> 피아노. Ties go to the more frequent term."""
    if not word or word in vocabulary or len(word) > 20:
        return None
    spelled = jamo(word)
    limit = 1 if len(spelled) <= 6 else 2
    best: tuple[int, int, str] | None = None
    hangul = bool(_HANGUL.search(word))
    for term, frequency in vocabulary.items():
        if abs(len(term) - len(word)) > 1 or bool(_HANGUL.search(term)) != hangul:
            continue
        distance = edit_distance(spelled, jamo(term), limit)
        if distance <= limit:
            candidate = (distance, -frequency, term)
            if best is None or candidate < best:
                best = candidate
    return best[2] if best else None


# ------------------------------------------------------------------ place and time

WALKING_KMH = walking.WALKING_SPEED_KMH  # one speed for search and planning (algorithms/walking)
DETOUR_FACTOR = walking.DETOUR_FACTOR
_EARTH_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def walking_minutes(metres: float) -> float:
    """Minutes on foot for a straight-line distance: × detour factor at the walking speed."""
    return walking.minutes_for(metres)


def walking_radius_m(minutes: float) -> float:
    """The straight-line radius reachable in `minutes` on foot."""
    return walking.straight_radius_m(minutes)


def bounding_box(lat: float, lon: float, metres: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: a cheap pre-filter."""
    dlat = math.degrees(metres / _EARTH_M)
    dlon = math.degrees(metres / (_EARTH_M * max(math.cos(math.radians(lat)), 0.01)))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


MORNING, AFTERNOON, EVENING = 1, 2, 4
SLOTS = {"morning": MORNING, "afternoon": AFTERNOON, "evening": EVENING}


def time_slot(start: dt.time | None) -> int:
    """Morning before 12:00, afternoon 12:00-17:59, evening from 18:00; 0 when not stated."""
    if start is None:
        return 0
    if start.hour < 12:
        return MORNING
    if start.hour < 18:
        return AFTERNOON
    return EVENING


def weekday_mask(days: Iterable[int]) -> int:
    """ISO weekdays (1 = Monday) as bits 0..6."""
    mask = 0
    for day in days:
        if 1 <= int(day) <= 7:
            mask |= 1 << (int(day) - 1)
    return mask


WEEKEND_MASK = weekday_mask((6, 7))


def set_mask(values: Iterable[str], vocabulary: Sequence[str]) -> int:
    mask = 0
    for value in values:
        if value in vocabulary:
            mask |= 1 << vocabulary.index(value)
    return mask


@dataclass(frozen=True, slots=True)
class Registration:
    status: str  # upcoming, open, closed, unknown
    days: int | None  # upcoming: days until it opens (D-day); open: days until it closes


def registration(
    today: dt.date,
    start: dt.date | None,
    end: dt.date | None,
    course_start: dt.date | None = None,
) -> Registration:
    """Where a programme's registration window stands on `today`."""
    if start is None and end is None:
        if course_start is not None and today > course_start:
            return Registration("closed", None)
        return Registration("unknown", None)
    if start is not None and today < start:
        return Registration("upcoming", (start - today).days)
    if end is not None and today > end:
        return Registration("closed", None)
    return Registration("open", (end - today).days if end is not None else None)


OPEN_BOOST = 0.15
SOON_BOOST = 0.10
SOON_DAYS = 14


def boost(status: str, days_to_start: int | None) -> float:
    """Ranking multiplier: +15% when registration is open now, +10% when the course starts
    within two weeks. Small on purpose: relevance comes first."""
    factor = 1.0
    if status == "open":
        factor += OPEN_BOOST
    if days_to_start is not None and 0 <= days_to_start <= SOON_DAYS:
        factor += SOON_BOOST
    return factor


# ------------------------------------------------------------------ relevance metrics


def recall_at(ranked: Sequence[object], relevant: set[object], k: int = 10) -> float:
    """Share of what could fit in the top k that is there; a query that should find
    nothing scores 1 when it finds nothing and 0 otherwise."""
    if not relevant:
        return 1.0 if not ranked else 0.0
    found = sum(1 for item in ranked[:k] if item in relevant)
    return found / min(k, len(relevant))


def ndcg_at(ranked: Sequence[object], relevant: set[object], k: int = 10) -> float:
    """Normalised discounted cumulative gain with binary relevance."""
    if not relevant:
        return 1.0 if not ranked else 0.0
    gain = sum(1 / math.log2(i + 2) for i, item in enumerate(ranked[:k]) if item in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return gain / ideal
