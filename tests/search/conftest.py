from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from learncity.search import indexer


@pytest.fixture
def own_index(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """A search index folder of this test's own (no server of the session follows it): for
    tests that damage the folder or run an indexer in another process."""
    folder = tmp_path / "search"
    indexer.reset_process()
    settings.LEARNCITY_SEARCH_INDEX_DIR = str(folder)
    yield folder
    indexer.reset_process()
