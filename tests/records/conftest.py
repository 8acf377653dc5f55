"""The credentials' keys of these tests: `keys` (tests/conftest.py) moves the key folder to a
temporary one; here it also holds a key, as `learncity migrate` makes for a new database (no
request makes one, issue 19). The status lists a process signed are forgotten between tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.records.factories import signing_key_in


@pytest.fixture
def keys(keys: Path) -> Path:
    signing_key_in(keys)
    return keys


@pytest.fixture(autouse=True)
def _fresh_status_lists() -> Iterator[None]:
    from learncity.records.credentials import status_list_cache_clear

    status_list_cache_clear()
    yield
    status_list_cache_clear()
