"""The test world: built once per database per test session, committed, read-only.

It holds what most tests stand on and what is slow to make: the real population and the
three boundary files of ../shared/data, the real Gangnam course file imported (classified and
indexed for search), a second institution without courses, and one account for every staff
role. Tests run inside a transaction that rolls back (pytest-django's `db`), so they add their
own rows on top of it and leave nothing behind.

The few tests that must commit (real threads or processes, a live server) ask for the
`committed` fixture; afterwards `restore()` deletes every row that was not part of the world
and checks that no row of the world went missing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("LEARNCITY_SHARED_DATA") or REPO.parent / "shared" / "data")
POPULATION_FILE = SHARED_DATA / "population" / "mois-age-by-dong-2025-05.csv"
BOUNDARY_FILES = {
    "province": SHARED_DATA / "boundaries" / "kostat-2018-provinces-topo-simple.json",
    "district": SHARED_DATA / "boundaries" / "kostat-2018-municipalities-topo-simple.json",
    "neighbourhood": SHARED_DATA / "boundaries" / "kostat-2018-submunicipalities-topo-simple.json",
}
GANGNAM_FILE = SHARED_DATA / "courses" / "gangnam-2026-04.csv"
GANGNAM = "1168000000"
SEOCHO = "1165000000"
STAFF_PASSWORD = "x-Staff-Pass-2026"
OTHER_INSTITUTION = "서초구민회관 (시험용 기관)"

# name: (role, scope); "institution" and "other_institution" are filled in when built
STAFF = {
    "city_admin": ("city_admin", {}),
    "auditor": ("auditor", {}),
    "officer": ("district_officer", {"district_code": GANGNAM}),
    "other_officer": ("district_officer", {"district_code": SEOCHO}),
    "institution_staff": ("institution_staff", {"institution": "institution"}),
    "instructor": ("instructor", {"institution": "institution"}),
    "outsider": ("institution_staff", {"institution": "other_institution"}),
    "other_instructor": ("instructor", {"institution": "other_institution"}),
}

# short names the attendance and enrolment tests use for the two most used staff accounts
ALIASES = {"admin": "city_admin", "staff": "institution_staff"}


def has_shared_data() -> bool:
    return SHARED_DATA.is_dir()


@dataclass(frozen=True)
class _Table:
    name: str
    key: str
    integer: bool


@dataclass(frozen=True)
class _Snapshot:
    """What the world holds, per table: its row count and its largest integer key (or every
    key, for the few tables keyed by text)."""

    counts: Mapping[str, int]
    ceilings: Mapping[str, int]
    keys: Mapping[str, frozenset[Any]]


_snapshot: _Snapshot | None = None


def _tables() -> list[_Table]:
    from django.apps import apps
    from django.db import connection, models

    existing = set(connection.introspection.table_names())
    found: dict[str, _Table] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table not in existing:
            continue
        pk = meta.pk
        integer = isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
        if isinstance(pk, models.OneToOneField | models.ForeignKey):
            integer = isinstance(
                pk.target_field, models.AutoField | models.BigAutoField | models.IntegerField
            )
        found[meta.db_table] = _Table(meta.db_table, pk.column, integer)
    return sorted(found.values(), key=lambda t: t.name)


def _take_snapshot() -> _Snapshot:
    from django.db import connection

    counts: dict[str, int] = {}
    ceilings: dict[str, int] = {}
    keys: dict[str, frozenset[Any]] = {}
    with connection.cursor() as cursor:
        for table in _tables():
            name, key = connection.ops.quote_name(table.name), connection.ops.quote_name(table.key)
            cursor.execute(f"SELECT COUNT(*) FROM {name}")
            counts[table.name] = cursor.fetchone()[0]
            if table.integer:
                cursor.execute(f"SELECT MAX({key}) FROM {name}")
                ceilings[table.name] = cursor.fetchone()[0] or 0
            else:
                cursor.execute(f"SELECT {key} FROM {name}")
                keys[table.name] = frozenset(row[0] for row in cursor.fetchall())
    return _Snapshot(MappingProxyType(counts), MappingProxyType(ceilings), MappingProxyType(keys))


def restore() -> None:
    """Delete every committed row that is not part of the world, in one transaction, and
    fail when a row of the world is gone (a committing test must not delete world rows)."""
    from django.db import connection, transaction

    assert _snapshot is not None, "the world was not built"
    lost: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for table in _tables():
            name, key = connection.ops.quote_name(table.name), connection.ops.quote_name(table.key)
            if table.name not in _snapshot.counts:
                cursor.execute(f"DELETE FROM {name}")
            elif table.integer:
                cursor.execute(
                    f"DELETE FROM {name} WHERE {key} > %s", [_snapshot.ceilings[table.name]]
                )
            else:
                cursor.execute(f"SELECT {key} FROM {name}")
                extra = [row[0] for row in cursor.fetchall()]
                extra = [k for k in extra if k not in _snapshot.keys[table.name]]
                for start in range(0, len(extra), 500):
                    chunk = extra[start : start + 500]
                    marks = ", ".join(["%s"] * len(chunk))
                    cursor.execute(f"DELETE FROM {name} WHERE {key} IN ({marks})", chunk)
        for table in _tables():
            if table.name not in _snapshot.counts:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.name)}")
            count = cursor.fetchone()[0]
            if count != _snapshot.counts[table.name]:
                lost.append(
                    f"{table.name}: {count} rows, the world has {_snapshot.counts[table.name]}"
                )
    assert not lost, "a committing test changed the world: " + "; ".join(lost)


# Tables of the contexts that a test may empty inside its transaction: every table but the
# regions' and Django's own bookkeeping.
_KEPT_PREFIXES = ("regions_", "django_migrations", "django_content_type", "auth_permission")


def empty(*, keep_regions: bool = True) -> None:
    """Inside the caller's transaction (rolled back after the test): delete every row of the
    world but the regions (and, with keep_regions=False, those too), for the few tests that
    count everything in a table or import the real file into an empty catalog."""
    from django.db import connection

    kept = _KEPT_PREFIXES if keep_regions else _KEPT_PREFIXES[1:]
    with connection.cursor() as cursor:
        for table in _tables():
            if not table.name.startswith(kept):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)}")
        if not keep_regions:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name('regions_region')} SET parent_id = NULL"
            )
            for table in _tables():
                if table.name.startswith("regions_"):
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)}")
    # the search index follows: the deletions recorded their changes (search.models)


def build() -> Mapping[str, Any]:
    """Build the world on the (empty, migrated) test database and commit it."""
    global _snapshot  # noqa: PLW0603 - one world per test session and database
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from learncity.algorithms.calendar import session_dates
    from learncity.catalog.importer import catalog_import
    from learncity.catalog.models import Institution, Schedule
    from learncity.learners.access import Actor
    from learncity.learners.models import StaffRole
    from learncity.regions import services as regions
    from learncity.search.services import search_index

    name = str(connection.settings_dict["NAME"])
    assert "test" in name, f"the world is built on a test database only, not {name}"
    made: dict[str, Any] = {"shared_data": has_shared_data()}
    if made["shared_data"]:
        made["population"] = regions.population_load(path=POPULATION_FILE)
        made["boundaries"] = {
            level: regions.boundaries_load(path=path) for level, path in BOUNDARY_FILES.items()
        }
        made["import"] = catalog_import(paths=[GANGNAM_FILE], classify=True)
        made["index"] = search_index()
    with transaction.atomic():
        schedules = list(
            Schedule.objects.order_by("id").values_list(
                "id", "programme_id", "programme__institution_id"
            )
        )
        made["schedules"] = tuple(schedules[:60])
        weekly = []
        for schedule in (
            Schedule.objects.filter(programme__venue__isnull=False)
            .select_related("programme")
            .order_by("id")
        ):
            if len(session_dates(schedule.start_date, schedule.end_date, schedule.weekdays)) >= 6:
                weekly.append(
                    (schedule.pk, schedule.programme.venue_id, schedule.programme.institution_id)
                )
        made["weekly"] = tuple(weekly)
        runs: Counter[tuple[int, str]] = Counter(
            (institution, district)
            for institution, district in Schedule.objects.values_list(
                "programme__institution_id", "programme__venue__district__code"
            )
            if district
        )
        if runs:
            (institution, district), _ = runs.most_common(1)[0]
        else:  # without the shared data: an institution of its own, no courses
            institution = Institution.objects.create(name="강남구평생학습관 (시험용 기관)").pk
            district = GANGNAM
        made["institution"], made["district"] = institution, district
        made["campus_schedules"] = tuple(
            Schedule.objects.filter(
                programme__institution_id=institution, programme__venue__district__code=district
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        made["other_institution"] = Institution.objects.create(
            name=OTHER_INSTITUTION, source="test"
        ).pk
        users: dict[str, Any] = {}
        for who, (role, scope) in STAFF.items():
            user = User.objects.create_user(f"world-{who}", password=STAFF_PASSWORD)
            filled = {
                ("institution_id" if key == "institution" else key): (
                    made[value] if key == "institution" else value
                )
                for key, value in scope.items()
            }
            StaffRole.objects.create(user=user, role=role, **filled)
            users[who] = user
        users["citizen"] = User.objects.create_user("world-citizen", password=STAFF_PASSWORD)
        users.update({alias: users[name] for alias, name in ALIASES.items()})
        made["users"] = MappingProxyType(users)
        made["roles"] = MappingProxyType(
            {who: StaffRole.objects.get(user=user) for who, user in users.items() if who in STAFF}
        )
        for who, user in users.items():
            made[who] = Actor(user.pk)
    _snapshot = _take_snapshot()
    return MappingProxyType(made)
