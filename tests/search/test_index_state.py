"""The index follows its database whatever happens to either: a rolled-back transaction it
had followed (repaired from its journal, not rebuilt), a database that is not the one it
followed (rebuilt), a missing or damaged folder (rebuilt by the CLI; "search is rebuilding"
from a server worker, never a 500)."""

from __future__ import annotations

import shutil

import pytest
from django.db import transaction
from django.test import Client

from learncity.catalog.models import Programme
from learncity.search import indexer
from learncity.search.models import SearchChange
from learncity.search.selectors import SearchParams, programme_search


class Undone(Exception):
    pass


def found_ids(q: str) -> list[int]:
    return [r["id"] for r in programme_search(SearchParams(q=q, per_page=50)).results]


def test_a_rolled_back_change_is_undone_in_the_index_without_a_rebuild(db, world, own_index):
    indexer.refresh()
    folder = indexer._process.folder
    pk = Programme.objects.order_by("id").values_list("id", flat=True)[0]
    with pytest.raises(Undone), transaction.atomic():
        Programme.objects.filter(pk=pk).update(title="롤백검사 되돌릴 강좌")
        assert found_ids("롤백검사") == [pk]  # the index committed the change
        raise Undone
    assert found_ids("롤백검사") == []  # back to what the database holds
    assert indexer._process.folder == folder  # repaired, not rebuilt
    assert pk in found_ids(Programme.objects.get(pk=pk).title.split()[-1])


def test_an_index_of_another_database_state_is_rebuilt(db, world, own_index):
    indexer.refresh()
    folder = indexer._process.folder
    count = Programme.objects.count()
    SearchChange.objects.all().delete()  # as after restoring an older backup
    Programme.objects.filter(pk=Programme.objects.order_by("id")[0].pk).update(title="복원검사")
    assert found_ids("복원검사") != []
    assert indexer._process.folder != folder
    found = indexer.engine()
    from learncity.search import engine

    assert found.count(found.searcher(), engine.DOCUMENTS) == count


def test_a_damaged_index_folder_is_rebuilt_by_the_cli(db, world, own_index):
    indexer.refresh()
    folder = indexer._process.folder
    assert folder is not None
    indexer.reset_process()
    shutil.rmtree(folder)
    assert found_ids("피아노")  # rebuilt on the spot
    assert indexer._process.folder != folder


def test_a_server_worker_answers_rebuilding_not_500_while_there_is_no_index(db, world, own_index):
    indexer.refresh()
    folder = indexer._process.folder
    assert folder is not None
    indexer.reset_process()
    (folder.parent / "CURRENT").unlink()
    indexer._process.background = True  # as in a server worker: it never builds in a request
    try:
        response = Client().get("/api/v1/programmes", {"q": "피아노"})
        assert response.status_code == 503
        assert response.json()["code"] == "search_rebuilding"
        assert "검색 색인을 만드는 중" in response.json()["message"]
        page = Client().get("/search", {"q": "피아노"})
        assert page.status_code == 503
        assert "검색 색인을 만드는 중" in page.content.decode()
    finally:
        indexer._process.background = False
        indexer.reset_process()
    assert found_ids("피아노")  # outside a worker, the next search builds it
