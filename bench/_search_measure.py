"""In-process half of `learncity bench search`, in its own process on the bench database.

Builds the 200 mixed queries (fixed seed; the same list is used over HTTP), then times, on
the same data and in the same run:
- `programme_search` (what the CLI, the API and the pages run: query reading, filters,
  ranking with boosts, count, facets, the page of cards);
- the same engine's bare query of the same tokens: Tantivy's top 20 by BM25 of the query's
  text, no filters, facets, boosts or cards (`raw_*`);
- `programme_search` without facets (`nofacet_*`), to show what the facets cost;
- the naive portal: `LIKE '%word%'` over programme titles and descriptions for each word,
  a page of 20 and the count.
Prints the samples; bench/search.py turns them into percentiles.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from learncity.algorithms import korean_text, search_text
from learncity.search import engine, indexer
from learncity.search.selectors import programme_search, search_params_from

SEED = 20_261_201
QUERIES = 200
PASSES = 2
LIKE_EVERY = 4  # the LIKE scan takes about a second a query at 1M rows: every 4th query
TODAY = "2026-04-20"  # a day inside the real data's registration windows


def _sql(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def queries() -> list[dict[str, str]]:
    """200 query strings as a browser would send them: words people type (the relevance
    suite's queries and words of real titles), half of them with filters, some filters only."""
    from learncity.regions.selectors import region_refs

    chooser = random.Random(SEED)
    folder = Path(os.environ.get("LEARNCITY_BENCH_DIR") or "bench")
    suite = json.loads((folder / "data" / "relevance.json").read_text(encoding="utf-8"))
    texts = [q["query"] for q in suite["queries"]]
    titles = [t for (t,) in _sql("SELECT title FROM catalog_programme ORDER BY id LIMIT 5000", [])]
    words = sorted(
        {
            w
            for t in titles
            for w in search_text.clean(t.rsplit(" (", 1)[0]).split()
            if len(w) >= 2 and not w.isdigit()
        }
    )
    seoul = [r for r in region_refs() if r.code.startswith("11")]  # the bench city
    districts = [r.name for r in seoul if r.level == "district"]
    neighbourhoods = [
        r.name for r in seoul if r.level == "neighbourhood" and r.centroid is not None
    ]
    out: list[dict[str, str]] = []
    while len(out) < QUERIES:
        kind = chooser.random()
        query: dict[str, str] = {}
        if kind < 0.9:
            query["q"] = (
                chooser.choice(texts)
                if chooser.random() < 0.5
                else " ".join(chooser.sample(words, chooser.choice((1, 1, 2))))
            )
        if kind >= 0.45:  # with filters
            for _ in range(chooser.choice((1, 1, 2, 3))):
                name = chooser.choice(
                    ("district", "weekday", "time", "free", "status", "near", "category", "sort")
                )
                if name == "district":
                    query["district"] = chooser.choice(districts)
                elif name == "weekday":
                    query["weekday"] = chooser.choice("월화수목금토일")
                elif name == "time":
                    query["time"] = chooser.choice(("morning", "afternoon", "evening"))
                elif name == "free":
                    query["free"] = "1"
                elif name == "status":
                    query["status"] = chooser.choice(("open", "upcoming", "closed"))
                elif name == "near" and neighbourhoods:
                    query["near"] = chooser.choice(neighbourhoods)
                    query["minutes"] = str(chooser.choice((15, 20, 30)))
                elif name == "category":
                    query["category"] = chooser.choice(
                        ("culture_arts", "humanities", "vocational", "civic")
                    )
                elif name == "sort":
                    query["sort"] = chooser.choice(("start", "fee"))
        query["today"] = TODAY
        out.append(query)
    return out


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def run() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    tagger = korean_text.shared().tagged_many
    listed = queries()

    def search(query: dict[str, str], facets: bool = True) -> Any:
        return programme_search(
            search_params_from(lambda name: [query[name]] if name in query else []),
            facets=facets,
        )

    matches = [search(q).total for q in listed]  # also the warm-up pass
    full = [_timed(lambda q=q: search(q)) for _ in range(PASSES) for q in listed]
    nofacet = [_timed(lambda q=q: search(q, False)) for _ in range(PASSES) for q in listed]

    parsed = [search_text.parse_query(q.get("q", ""), tagger) for q in listed]
    texts = [engine.text_query(p, search_text.synonyms()) for p in parsed if not p.is_empty]
    found = indexer.refresh()

    def bare(text: Any) -> None:
        searcher = found.searcher()
        searcher.search(text, 20, count=True)

    for text in texts:  # warm-up
        bare(text)
    raw = [_timed(lambda t=text: bare(t)) for _ in range(PASSES) for text in texts]

    like: list[float] = []
    like_full: list[float] = []
    for index, (query, parsed_query) in enumerate(zip(listed, parsed, strict=True)):
        if parsed_query.is_empty or index % LIKE_EVERY:
            continue
        words = parsed_query.text.split()[:8]
        where = " AND ".join(["(p.title LIKE %s OR p.description LIKE %s)"] * len(words))
        params = [f"%{w}%" for w in words for _ in range(2)]

        def naive(where: str = where, params: list[str] = params) -> None:
            _sql(
                f"SELECT p.id, p.title FROM catalog_programme p WHERE {where}"
                " ORDER BY p.id DESC LIMIT 20",
                params,
            )
            _sql(f"SELECT COUNT(*) FROM catalog_programme p WHERE {where}", params)

        like.append(_timed(naive))
        like_full.append(_timed(lambda q=query: search(q)))
    return {
        "database": connection.vendor,
        "documents": found.count(found.searcher(), engine.DOCUMENTS),
        "queries": listed,
        "matches": matches,
        "full_ms": full,
        "nofacet_ms": nofacet,
        "raw_ms": raw,
        "like_ms": like,
        "like_queries_full_ms": like_full,
    }
