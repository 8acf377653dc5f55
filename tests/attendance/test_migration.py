"""Attendance moved out of enrollment (issue 17) by migrations that keep every row: a database
at the state before the move (enrollment 0004, no attendance app), with attendance, check-in
codes, completion rules and completion events written through the historical models into the
old `enrollment_*` tables, migrates forward with every row kept (same ids, same values) in the
`attendance_*` tables, constraints and indexes included.

The test commits (schema changes cannot run inside the test's transaction on SQLite), so it
leaves the database as it found it: migrated to the latest state, its own rows deleted (and
the `committed` fixture checks that the world is intact)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("enrollment", "0004_application_voucher_choice"), ("attendance", None)]
MOVED = ("attendance", "checkintoken", "completionrule", "completionevent")
CONSTRAINTS = {
    "attendance": {"attendance_once_per_session", "attendance_request_once", "attendance_of_app"},
    "checkintoken": {"checkin_token_one_live"},
    "completionrule": {"completion_threshold_range"},
}
AT = dt.datetime(2026, 4, 20, 1, 0, tzinfo=dt.UTC)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to the targets; the state there (its `apps` are the historical models)."""
    executor = MigrationExecutor(connection)  # a fresh loader: it reads what is applied
    return executor.migrate(targets)  # type: ignore[arg-type]


def _rows(table: str) -> dict[int, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY id")
        columns = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _constraints(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, table))


def _write_before(old: Any) -> dict[str, list[int]]:
    """Rows of every moved model, through the historical models of the state before."""
    user = old.get_model("auth", "User").objects.create(username="migration-test-person")
    learner = old.get_model("learners", "Learner").objects.create(
        user=user, name="이전 학습자", birth_year=1960
    )
    institution = old.get_model("catalog", "Institution").objects.create(
        name="이전 기관 (migration test)", source="migration-test"
    )
    programme = old.get_model("catalog", "Programme").objects.create(
        institution=institution,
        title="이전 강좌",
        display_title="이전 강좌",
        source="migration-test",
    )
    schedule = old.get_model("catalog", "Schedule").objects.create(
        programme=programme, start_date=dt.date(2026, 4, 20), end_date=dt.date(2026, 4, 27)
    )
    sessions = [
        old.get_model("catalog", "Session").objects.create(
            schedule=schedule,
            date=day,
            starts_at=dt.datetime.combine(day, dt.time(1, 0), dt.UTC),
            ends_at=dt.datetime.combine(day, dt.time(3, 0), dt.UTC),
        )
        for day in (dt.date(2026, 4, 20), dt.date(2026, 4, 27))
    ]
    offer = old.get_model("enrollment", "Offer").objects.create(
        schedule=schedule,
        programme=programme,
        institution=institution,
        capacity=20,
        opens_at=AT - dt.timedelta(days=30),
        closes_at=AT - dt.timedelta(days=7),
    )
    application = old.get_model("enrollment", "Application").objects.create(
        offer=offer,
        programme=programme,
        learner=learner,
        entered_by=user,
        status="confirmed",
        seat="general",
        idempotency_key="migration-test-key",
    )
    attendance = [
        old.get_model("enrollment", "Attendance").objects.create(
            session=session,
            application=application,
            status=status,
            checked_in_at=session.starts_at if status == "present" else None,
            method=method,
            recorded_by=user,
            request_key=key,
            note=note,
        )
        for session, status, method, key, note in (
            (sessions[0], "present", "qr", "kiosk-request-1", ""),
            (sessions[1], "excused", "manual", None, "병원 진료 (공결)"),
        )
    ]
    tokens = [
        old.get_model("enrollment", "CheckinToken").objects.create(
            application=application,
            nonce=f"nonce-{number}",
            digest=f"{number:064d}",
            hint=f"{number:04d}",
            revoked_at=AT if number == 1 else None,
        )
        for number in (1, 2)
    ]
    rule = old.get_model("enrollment", "CompletionRule").objects.create(
        offer=offer, threshold_percent=50, excused="attended"
    )
    event = old.get_model("enrollment", "CompletionEvent").objects.create(
        application=application,
        offer=offer,
        learner=learner,
        at=AT,
        attended=2,
        sessions=2,
        rate_percent=100.0,
        rule={"version": 1, "threshold_percent": 50, "excused": "attended"},
    )
    return {
        "attendance": [row.pk for row in attendance],
        "checkintoken": [row.pk for row in tokens],
        "completionrule": [rule.pk],
        "completionevent": [event.pk],
        "user": [user.pk],
        "institution": [institution.pk],
    }


def _delete(made: Mapping[str, list[int]]) -> None:
    """The test's own rows, through today's models (the cascade takes the rest)."""
    from django.contrib.auth.models import User

    from learncity.attendance.models import Attendance
    from learncity.catalog.models import Institution

    Attendance.objects.filter(pk__in=made.get("attendance", [])).delete()  # sessions: PROTECT
    Institution.objects.filter(pk__in=made.get("institution", [])).delete()
    User.objects.filter(pk__in=made.get("user", [])).delete()


def test_attendance_rows_survive_the_move_out_of_enrollment(committed: Mapping[str, Any]) -> None:
    latest = _latest()
    # the move (0002) is in the past of attendance's latest migration (0003: paired kiosks)
    leaf = next(name for app, name in latest if app == "attendance")
    assert leaf >= "0002_rename_tables"
    made: dict[str, list[int]] = {}
    try:
        old = _migrate(BEFORE).apps
        tables = _tables()
        assert {f"enrollment_{name}" for name in MOVED} <= tables
        assert not {f"attendance_{name}" for name in MOVED} & tables
        made = _write_before(old)
        before = {name: _rows(f"enrollment_{name}") for name in MOVED}
        for name in MOVED:
            assert set(made[name]) <= set(before[name])

        _migrate(latest)

        tables = _tables()
        assert not {f"enrollment_{name}" for name in MOVED} & tables
        after = {name: _rows(f"attendance_{name}") for name in MOVED}
        # every row, same ids, same values; columns added after the move (attendance 0003: the
        # paired kiosk that recorded a check-in) are empty on the rows that moved
        assert {name: set(rows) for name, rows in after.items()} == {
            name: set(rows) for name, rows in before.items()
        }
        for name, rows in after.items():
            for pk, row in rows.items():
                old_row = before[name][pk]
                assert {key: row[key] for key in old_row} == old_row
                assert all(row[key] is None for key in set(row) - set(old_row))
        for name, expected in CONSTRAINTS.items():
            assert expected <= _constraints(f"attendance_{name}")

        # and today's models read them where the code looks for them
        from learncity.attendance.models import (
            Attendance,
            CheckinToken,
            CompletionEvent,
            CompletionRule,
        )

        present, excused = made["attendance"]
        assert Attendance.objects.get(pk=present).request_key == "kiosk-request-1"
        assert Attendance.objects.get(pk=excused).note == "병원 진료 (공결)"
        assert list(
            CheckinToken.objects.filter(
                pk__in=made["checkintoken"], revoked_at__isnull=True
            ).values_list("hint", flat=True)
        ) == ["0002"]
        rule = CompletionRule.objects.get(pk=made["completionrule"][0])
        assert (rule.threshold_percent, rule.excused) == (50, "attended")
        event = CompletionEvent.objects.get(pk=made["completionevent"][0])
        assert (event.attended, event.rate_percent, event.rule["threshold_percent"]) == (2, 100, 50)
    finally:
        if MigrationExecutor(connection).migration_plan(latest):
            _migrate(latest)  # never leave the database behind, whatever failed
        _delete(made)
    assert MigrationExecutor(connection).migration_plan(latest) == []
    from learncity.attendance.models import Attendance

    assert not Attendance.objects.filter(pk__in=made["attendance"]).exists()
