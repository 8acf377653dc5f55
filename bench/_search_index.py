"""Build the search index of `learncity bench search` from its catalogue, in its own process
(`learncity search-index --rebuild` as an operator runs it: Kiwi morphemes and bigrams of
every programme, written into a new Tantivy index). Prints the seconds, the documents and
this process's peak memory (resident set, MB)."""

from __future__ import annotations

import resource
import time
from typing import Any

from django.core.management import call_command

from learncity.search.services import search_rebuild


def run() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    report = search_rebuild()
    took = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "documents": report["documents"],
        "index_build_s": round(took, 1),
        "peak_rss_mb": round(peak_kb / 1024),
    }
