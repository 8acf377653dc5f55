"""Writes of the search context: keep the index in step with the catalogue.

Every catalogue write records its change in the same transaction (database triggers,
search.models); `search_index()` applies what the index does not hold yet (the CLI's
`learncity search-index`, after an import, the demo). Server workers apply changes in the
background as they come (search.indexer.start_background); a search applies the few waiting
changes itself elsewhere. `search_rebuild()` builds the index anew from the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from learncity.search import indexer

Progress = Callable[[int], None]


def search_index(*, progress: Progress | None = None) -> dict[str, Any]:
    """Bring the index in line with the catalogue: apply every waiting change (a first
    build when there is no usable index). Returns applied (changes), programmes (documents
    written) and change_no (the change the index now holds)."""
    return dict(indexer.sync(progress=progress))


def search_rebuild(*, progress: Progress | None = None) -> dict[str, Any]:
    """Build the index anew from the catalogue (documents, change_no, seconds, folder)."""
    return dict(indexer.rebuild(progress=progress))


def search_prune(days: int) -> int:
    """Forget applied changes older than `days` days; returns how many."""
    return indexer.prune(days)
