"""Shared fixtures: the database in use, the real public data, one load of it per run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_django.fixtures

# pytest-django creates the test database only when a selected test asks for `db` (or the
# django_db marker). Our concurrency and browser tests commit from threads and servers through
# django_db_blocker instead, so run alone they found no tables. The default database is always
# wanted here.
_databases_for_setup = pytest_django.fixtures._get_databases_for_setup


def _with_default(items: Any) -> tuple[set[str], set[str]]:
    aliases, serialized = _databases_for_setup(items)
    return aliases | {"default"}, serialized


pytest_django.fixtures._get_databases_for_setup = _with_default

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("LEARNCITY_SHARED_DATA") or REPO.parent / "shared" / "data")
POPULATION_FILE = SHARED_DATA / "population" / "mois-age-by-dong-2025-05.csv"
BOUNDARY_FILES = {
    "province": SHARED_DATA / "boundaries" / "kostat-2018-provinces-topo-simple.json",
    "district": SHARED_DATA / "boundaries" / "kostat-2018-municipalities-topo-simple.json",
    "neighbourhood": SHARED_DATA / "boundaries" / "kostat-2018-submunicipalities-topo-simple.json",
}


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    where = database.get("HOST") or database["NAME"]
    shared = SHARED_DATA if SHARED_DATA.is_dir() else "absent (tests on it are skipped)"
    return [f"learncity database: {vendor} ({where})", f"learncity shared data: {shared}"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    terminalreporter.write_line(f"learncity tests ran on database: {vendor}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_regions(
    django_db_setup: None, django_db_blocker: Any, shared_data: Path
) -> Iterator[dict[str, Any]]:
    """The real population and the three boundary files, loaded once for the whole run."""
    from learncity.regions import services

    with django_db_blocker.unblock():
        population = services.population_load(path=POPULATION_FILE)
        boundaries = {
            level: services.boundaries_load(path=path) for level, path in BOUNDARY_FILES.items()
        }
    yield {"population": population, "boundaries": boundaries}


@pytest.fixture
def no_regions(db: None) -> None:
    """An empty regions context (inside the test's transaction, so it is rolled back)."""
    from learncity.regions.models import (
        BoundaryLoad,
        PopulationByAge,
        PopulationSnapshot,
        Region,
        RegionPopulation,
    )

    PopulationByAge.objects.all().delete()
    RegionPopulation.objects.all().delete()
    PopulationSnapshot.objects.all().delete()
    BoundaryLoad.objects.all().delete()
    Region.objects.update(parent=None)
    Region.objects.all().delete()
