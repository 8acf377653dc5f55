"""Look-alike programmes (유사·중복 프로그램): near-duplicate offers across providers.

Input: one `Doc` per programme with its provider (an institution, or a centre of one) and
its tokens (Korean morphemes of title and description, from korean_text). Output: the pairs
whose TF-IDF cosine reaches a threshold, across different providers only, and their
clusters (connected components), largest first.

Repeats (issue 18): an institution offering its own course again — the next term, another
cohort, the morning and the evening group, at another of its centres — is not a look-alike.
Two documents of one institution whose titles are equal once term and cohort words are
stripped (`repeat_key`: 1기/2기, 봄학기, 상반기, (오전)/(오후), Ⅱ, A/B sections, 과정3, a
date note in brackets; spacing and punctuation aside) are a *repeat*: `repeats` groups them,
and `similar_pairs` never pairs them. A level is not a term word: 초급 and 중급 stay apart.

Why TF-IDF cosine and not MinHash: catalogue titles are short (3 to 8 morphemes). Jaccard
over so few tokens is coarse, and MinHash only estimates it; TF-IDF weighs the rare words
that make a course what it is (캘리그라피, 우쿨렐레, 노션) above the words every course
shares (강좌, 교실, 기초), and is exact. Candidates come from an inverted index with
prefix filtering (similar_pairs), so only pairs that can reach the threshold are scored.
Pure Python, no Django.

The threshold (DEFAULT_THRESHOLD) is measured on a hand-labelled sample of real pairs
(tests/analytics/data/lookalike_pairs.tsv, docs/lookalike.md).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 0.6


# Levels of a course: 초급 and 중급 of the same title are a sequence, not a copy.
_LEVELS = {
    "입문": 1, "기초": 1, "초급": 1, "초보": 1, "왕초보": 1,
    "중급": 2,
    "고급": 3, "심화": 3, "상급": 3,
}  # fmt: skip
_LEVEL_NAMES = {1: "초급", 2: "중급", 3: "고급"}
_PREFIX_LEVEL = {"초": 1, "중": 2}  # 초·중급 splits into 초 + 중급
_COMBINED = {"초중급": (1, 2), "중고급": (2, 3), "초중고급": (1, 2, 3)}


def canonical_tokens(tokens: Iterable[str]) -> tuple[str, ...]:
    """Level words in one spelling: `초중급` and `초` + `중급` (from `초·중급`) both become
    초급 + 중급; 입문 and 기초 become 초급; 심화 becomes 고급. Other tokens unchanged."""
    result: list[str] = []
    items = list(tokens)
    i = 0
    while i < len(items):
        token = items[i]
        following = items[i + 1] if i + 1 < len(items) else ""
        first = _PREFIX_LEVEL.get(token)
        if first is not None and following in ("중급", "고급"):
            result.extend(_LEVEL_NAMES[level] for level in (first, _LEVELS[following]))
            i += 2
            continue
        if token in _COMBINED:
            result.extend(_LEVEL_NAMES[level] for level in _COMBINED[token])
        elif token in _LEVELS:
            result.append(_LEVEL_NAMES[_LEVELS[token]])
        else:
            result.append(token)
        i += 1
    return tuple(result)


def levels_of(tokens: Iterable[str]) -> frozenset[int]:
    """The course levels a title names (after canonical_tokens): 1, 2, 3."""
    names = {name: level for level, name in _LEVEL_NAMES.items()}
    return frozenset(names[t] for t in tokens if t in names)


def different_levels(a: Iterable[str], b: Iterable[str]) -> bool:
    """Both name a level and they have none in common (초급 vs 중급): not look-alikes."""
    la, lb = levels_of(a), levels_of(b)
    return bool(la and lb and not la & lb)


# ------------------------------------------------------------------- repeats

_ROMAN = "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅰⅱⅲⅳⅴ"
_BRACKETED = re.compile(r"\[[^\]]*\]|【[^】]*】")  # date and place notes: [5. 13(수) 오후 7시/대치]
_TERM_PATTERNS = (
    r"제?\s*\d+\s*(?:기|차수|회차|차|학기|분기|기수)(?![가-힣])",
    r"\d{4}\s*년?\s*(?:도)?",  # 2026, 2026년, 2026년도
    r"[상하]반기",
    r"(?:봄|여름|가을|겨울)\s*(?:학기|시즌|방학|특강)",
    r"(?:신|구)?학기",
    rf"[{_ROMAN}]+",
    r"(?<![A-Za-z])(?:I{1,3}|IV|VI{0,3}|IX|X)(?![A-Za-z])",
    r"\((?:\s*(?:오전|오후|저녁|야간|주간|평일|주말|[A-Za-z]|\d+\s*회|[A-Za-z]\s*/\s*\d+\s*회"
    r"|봄|여름|가을|겨울|신규|재수강|[가-하]반)\s*)\)",
    r"(?<![A-Za-z])[A-Z](?![A-Za-z])\s*$",  # a section letter at the end: …(입문) C
    r"(?<=[가-힣])\d+\s*$",  # a cohort number on the last word: …향상 과정8 (not 토익 700)
    r"\((?:\s*[월화수목금토일]\s*[,·/]?)+\)",  # the weekday group: (화), (월·수)
    r"\(\s*\)",  # what is left of (겨울특강)
    r"-\s*(?:오전|오후|저녁|야간)",
)
_TERMS = re.compile("|".join(f"(?:{p})" for p in _TERM_PATTERNS))
_SQUASH = re.compile(r"[\W_]+")


def strip_term_words(title: str) -> str:
    """The title without its term and cohort words, spaces tidied: `영어회화 2기 (오전)` ->
    `영어회화`. Levels (초급, 중급) and everything else stay. Repeated until nothing more
    goes, so stripping is idempotent."""
    value = _BRACKETED.sub(" ", title)
    previous = None
    while previous != value:
        previous = value
        value = _TERMS.sub(" ", value).strip()
    value = " ".join(value.split())
    return value.strip(" -·,/")


def repeat_key(title: str) -> str:
    """What two titles of one institution must share to be one course repeated: the title
    without term and cohort words, lower case, without spaces or punctuation. `초·중급` and
    `초중급` are one spelling; an empty key (a title of term words only) repeats nothing."""
    return _SQUASH.sub("", strip_term_words(title)).lower()


@dataclass(frozen=True)
class Doc:
    key: int
    provider: Hashable
    tokens: tuple[str, ...]
    institution: Hashable = None  # None: unknown, so nothing is a repeat
    base: str = ""  # repeat_key of the title; "" repeats nothing


def is_repeat(a: Doc, b: Doc) -> bool:
    """One institution's course again (another term, cohort or centre of its own)."""
    return a.institution is not None and a.institution == b.institution and a.base == b.base != ""


def repeats(docs: Sequence[Doc]) -> list[tuple[int, ...]]:
    """Groups (sorted keys, two or more) of one institution's repeated course, largest first,
    then by first key."""
    groups: dict[tuple[Hashable, str], list[int]] = defaultdict(list)
    for doc in docs:
        if doc.institution is not None and doc.base:
            groups[(doc.institution, doc.base)].append(doc.key)
    found = [tuple(sorted(keys)) for keys in groups.values() if len(keys) > 1]
    found.sort(key=lambda keys: (-len(keys), keys[0]))
    return found


@dataclass(frozen=True)
class Pair:
    a: int
    b: int  # a < b
    similarity: float


@dataclass(frozen=True)
class Cluster:
    keys: tuple[int, ...]  # sorted
    similarity: float  # mean similarity of the pairs that joined it
    min_similarity: float
    pairs: tuple[Pair, ...] = field(default=(), repr=False)


def vectors(docs: Sequence[Doc]) -> list[dict[str, float]]:
    """Sublinear TF (1 + log tf) times smoothed IDF (1 + log((1 + n) / (1 + df))), L2-norm 1.
    A document without tokens has an empty vector (similar to nothing)."""
    n = len(docs)
    frequency: Counter[str] = Counter()
    for doc in docs:
        frequency.update(set(doc.tokens))
    idf = {token: 1.0 + math.log((1 + n) / (1 + df)) for token, df in frequency.items()}
    result: list[dict[str, float]] = []
    for doc in docs:
        counts = Counter(doc.tokens)
        weights = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        result.append({t: w / norm for t, w in weights.items()} if norm else {})
    return result


def cosine(u: dict[str, float], v: dict[str, float]) -> float:
    if len(u) > len(v):
        u, v = v, u
    return sum(w * v.get(t, 0.0) for t, w in u.items())


def similar_pairs(
    docs: Sequence[Doc],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    across_providers: bool = True,
) -> list[Pair]:
    """Every pair with cosine >= threshold (of different providers unless told otherwise,
    and never a repeat of one institution's course), sorted by similarity descending, then
    keys. Keys must be unique. Tokens are expected in
    canonical form (canonical_tokens). Two titles naming different levels never pair.

    Exact, with prefix filtering (the all-pairs method of Bayardo et al., 2007): each
    document's tokens are ordered rarest first (one global order), and its prefix is the
    shortest run of rare tokens after which the rest of the vector has norm below the
    threshold. Two documents with cosine >= t share a token of each one's prefix (the rest
    contributes less than t by Cauchy-Schwarz), so the rarest token they share is in both
    prefixes: only prefixes are indexed and probed — rare, short lists, instead of every
    programme that shares 강좌 or 교실."""
    if not 0.0 < threshold <= 1.0:  # also refuses NaN
        raise ValueError(f"threshold must be in (0, 1]: {threshold}")
    keys = [doc.key for doc in docs]
    if len(set(keys)) != len(keys):
        raise ValueError("document keys must be unique")
    vecs = vectors(docs)
    frequency: Counter[str] = Counter()
    for vec in vecs:
        frequency.update(vec)
    limit = threshold - 1e-9  # a longer prefix only adds candidates: err on that side
    prefixes: list[list[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)  # docs whose prefix holds the token
    for i, vec in enumerate(vecs):
        remaining = 1.0 if vec else 0.0
        prefix: list[str] = []
        for token in sorted(vec, key=lambda t: (frequency[t], t)):
            if math.sqrt(max(remaining, 0.0)) < limit:
                break
            remaining -= vec[token] ** 2
            prefix.append(token)
            postings[token].append(i)
        prefixes.append(prefix)
    pairs: list[Pair] = []
    for i, vec in enumerate(vecs):
        candidates: set[int] = set()
        for token in prefixes[i]:
            posting = postings[token]  # ascending: the later documents are a tail
            candidates.update(posting[bisect.bisect_right(posting, i) :])
        for j in candidates:
            if across_providers and docs[i].provider == docs[j].provider:
                continue
            if is_repeat(docs[i], docs[j]):
                continue
            if different_levels(docs[i].tokens, docs[j].tokens):
                continue
            score = cosine(vec, vecs[j])
            if score >= threshold - 1e-12:
                a, b = sorted((docs[i].key, docs[j].key))
                pairs.append(Pair(a, b, round(min(score, 1.0), 6)))
    pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    return pairs


def clusters(pairs: Iterable[Pair]) -> list[Cluster]:
    """Connected components of the pairs (union-find), largest first, then by first key."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pair_list = list(pairs)
    for pair in pair_list:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = defaultdict(list)
    for key in parent:
        members[find(key)].append(key)
    edges: dict[int, list[Pair]] = defaultdict(list)
    for pair in pair_list:
        edges[find(pair.a)].append(pair)
    result = [
        Cluster(
            keys=tuple(sorted(keys)),
            similarity=round(sum(p.similarity for p in edges[root]) / len(edges[root]), 6),
            min_similarity=min(p.similarity for p in edges[root]),
            pairs=tuple(edges[root]),
        )
        for root, keys in members.items()
    ]
    result.sort(key=lambda c: (-len(c.keys), -c.similarity, c.keys[0]))
    return result


def precision_recall(
    reported: set[tuple[int, int]], labels: dict[tuple[int, int], bool]
) -> tuple[float | None, float | None, int, int]:
    """Precision and recall of the reported pairs over hand-labelled pairs: (precision,
    recall, labelled pairs reported, labelled positives). None where undefined."""
    judged = {pair for pair in reported if pair in labels}
    true_positive = sum(1 for pair in judged if labels[pair])
    positives = sum(1 for value in labels.values() if value)
    precision = true_positive / len(judged) if judged else None
    recall = true_positive / positives if positives else None
    return precision, recall, len(judged), positives
