"""Shared fixtures: the database in use, the real public data, and the test world (built once
per database per test session; see tests/world.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests import world as the_world
from tests.world import BOUNDARY_FILES, POPULATION_FILE, SHARED_DATA

__all__ = ["BOUNDARY_FILES", "POPULATION_FILE", "SHARED_DATA"]

# Fixtures that reach the database: a test that uses none of them is a `unit` test.
_DATABASE_FIXTURES = {"django_db_setup", "db", "transactional_db", "live_server"}
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


def pytest_report_header(config: pytest.Config) -> list[str]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    vendor = database["ENGINE"].rsplit(".", 1)[-1]
    where = database.get("HOST") or database["NAME"]
    shared = SHARED_DATA if SHARED_DATA.is_dir() else "absent (tests on it are skipped)"
    return [f"learncity database: {vendor} ({where})", f"learncity shared data: {shared}"]


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Hypothesis draws from the same seed as the test order (pytest-randomly's, printed in
    the header), so that one seed replays a whole run; --hypothesis-seed still wins."""
    seed = getattr(session.config.option, "randomly_seed", None)
    if isinstance(seed, int) and session.config.getoption("hypothesis_seed", None) is None:
        from hypothesis import core

        core.global_force_seed = seed


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`db` for every test that reaches the database (its fixtures or the django_db marker),
    `unit` for the others; `browser` tests are also `slow`. A transactional test is refused:
    pytest-django would flush every table after it, the world's included."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        marker = item.get_closest_marker("django_db")
        flushes = marker is not None and bool(
            marker.kwargs.get("transaction")
            or marker.kwargs.get("reset_sequences")
            or (marker.args and marker.args[0])
        )
        if flushes or fixtures & {"transactional_db", "live_server"}:
            raise pytest.UsageError(
                f"{item.nodeid}: a transactional test flushes the test world; "
                "ask for the `committed` fixture instead (tests/world.py)"
            )
        if fixtures & _DATABASE_FIXTURES or item.get_closest_marker("django_db"):
            item.add_marker(pytest.mark.db)
        else:
            item.add_marker(pytest.mark.unit)
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    terminalreporter.write_line(f"learncity tests ran on database: {vendor}")
    from tests.security.hostile import summary_line

    reports = [
        report
        for key in ("passed", "failed")
        for report in terminalreporter.stats.get(key, [])
        if getattr(report, "when", "") == "call"
    ]
    line = summary_line(reports)
    if line:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Tests set many passwords; hashing them with the production's slow hasher is not what
    they test. Hashes made before (none) and by `learncity serve` still verify."""
    from django.conf import settings
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=[FAST_HASHER, *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    _fast_password_hashing: None,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
) -> Iterator[Mapping[str, Any]]:
    """The test database (one per xdist worker, named by pytest-django), migrated, with the
    world built and committed in it, for every test that reaches the database: those in a
    rolled-back transaction (`db`) and those that commit (`committed`, the browser's server).

    This replaces pytest-django's own fixture of the same name, as its documentation invites,
    so that the default database is always the one set up: pytest-django would set up only
    the databases of tests that ask for `db`, and a committing test run alone found no tables.
    """
    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    # the session's own search index folder (the database is new: so is its index)
    folder = tempfile.mkdtemp(prefix="learncity-search-")
    settings.LEARNCITY_SEARCH_INDEX_DIR = folder
    os.environ["LEARNCITY_SEARCH_INDEX_DIR"] = folder
    # --reuse-db is not offered: the world is built afresh on a new database every session
    keep = False
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=verbosity, interactive=False, aliases={"default"}, keepdb=keep
        )
        built = the_world.build()
    yield built
    if not keep:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=verbosity)
    from learncity.search import indexer

    indexer.reset_process()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def world(django_db_setup: Mapping[str, Any]) -> Mapping[str, Any]:
    """The session's world (read-only): `world["city_admin"]` and the other staff names of
    tests/world.py as Actors, `world["users"][name]` as Users, `world["institution"]`,
    `world["other_institution"]`, `world["district"]`, `world["schedules"]` (the first 60:
    id, programme id, institution id), `world["weekly"]` (schedule id, venue id, institution
    id of weekly courses of six sessions or more) and `world["campus_schedules"]`."""
    return django_db_setup


@pytest.fixture
def committed(
    django_db_setup: Mapping[str, Any], django_db_blocker: Any
) -> Iterator[Mapping[str, Any]]:
    """For a test that needs real commits (threads, processes, a live server): the database
    unblocked without a wrapping transaction; what the test committed is deleted afterwards
    by the one helper, which also fails when a row of the world went missing."""
    with django_db_blocker.unblock():
        try:
            yield django_db_setup
        finally:
            the_world.restore()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public data not present at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_regions(world: Mapping[str, Any], shared_data: Path) -> dict[str, Any]:
    """The real population and the three boundary files, part of the world."""
    return {"population": world["population"], "boundaries": world["boundaries"]}


@pytest.fixture
def empty_database(db: None) -> None:
    """Every row of the world but the regions deleted inside the test's transaction (rolled
    back afterwards), for a test that counts whole tables or imports into an empty catalog."""
    the_world.empty()


@pytest.fixture
def no_regions(db: None) -> None:
    """An empty database, regions included (inside the test's transaction, rolled back)."""
    the_world.empty(keep_regions=False)


@pytest.fixture
def keys(settings: Any, tmp_path: Path) -> Path:
    """The city's credential signing keys in a temporary folder."""
    settings.LEARNCITY_CREDENTIAL_KEY_DIR = str(tmp_path / "keys")
    settings.LEARNCITY_CREDENTIAL_KEY_FILE = ""
    settings.LEARNCITY_PUBLIC_URL = "https://learn.example.kr"
    return tmp_path / "keys"


@pytest.fixture
def city(db: None, keys: Path) -> Any:
    """A small city of the records tests beside the world (tests/records/factories.py)."""
    from tests.records.factories import City

    return City()
