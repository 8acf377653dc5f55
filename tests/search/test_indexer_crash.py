"""The indexer killed mid-batch (SIGKILL, no clean-up) loses no change and applies none twice:
the index keeps its last commit, which records the change number it holds, and the next run
starts after it (issue 20)."""

from __future__ import annotations

import os
import subprocess
import sys

from learncity.catalog.models import Programme
from learncity.search import engine, indexer
from learncity.search.selectors import SearchParams, programme_search
from learncity.search.services import search_index
from tests.live_server import the_test_database_url

WORD = "크래시검사"


def documents_of(found: engine.Engine, programme_id: int) -> int:
    return found.count(found.searcher(), engine._term("pid", programme_id))


def test_an_indexer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(committed, own_index):
    indexer.refresh()  # the index holds every change so far
    before = indexer.top().change_no
    rows = list(Programme.objects.order_by("id").values_list("id", "title")[:12])
    try:
        for number, (pk, _title) in enumerate(rows):
            Programme.objects.filter(pk=pk).update(title=f"{WORD} {number}회차 교실")
        env = {
            **os.environ,
            "LEARNCITY_DATABASE_URL": the_test_database_url(),
            "LEARNCITY_SEARCH_INDEX_DIR": str(own_index),
            "LEARNCITY_SEARCH_BATCH": "5",
            "LEARNCITY_SEARCH_CRASH_AFTER": "8",  # dies inside the second batch
        }
        done = subprocess.run(
            [sys.executable, "-m", "learncity", "search-index", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == -9, done.stderr[-2000:]
        indexer.reset_process()
        state = indexer.engine().state()
        assert state is not None and state.change_no == before + 5  # the first batch only
        report = search_index()  # resumes after the last commit
        assert report["applied"] == 7
        assert report["change_no"] == before + 12 == indexer.top().change_no
        found = indexer.engine()
        for pk, _title in rows:
            assert documents_of(found, pk) == 1
        page = programme_search(SearchParams(q=WORD, per_page=50))
        assert sorted(r["id"] for r in page.results) == sorted(pk for pk, _ in rows)
        assert page.total == 12
    finally:
        for pk, title in rows:
            Programme.objects.filter(pk=pk).update(title=title)
        search_index()
