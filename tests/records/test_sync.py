"""Completion events become record entries and credentials exactly once."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from learncity.attendance.selectors import completion_events
from learncity.cli import app
from learncity.records import selectors, services
from learncity.records.models import Credential, RecordEntry
from tests.concurrency import in_threads
from tests.records.factories import City, completed, person


def test_an_entry_per_completion_with_hours_and_flags(city):
    learner, _, course = completed(city)
    assert services.records_sync() == {"events": 1, "entries": 1, "credentials": 1, "skipped": 0}
    entry = RecordEntry.objects.get(learner=learner)
    # 5 sessions of 2 h held; present, late, present, absent, present: 4 attended
    assert (entry.scheduled_minutes, entry.attended_minutes) == (600, 480)
    assert (entry.sessions_attended, entry.sessions_counted) == (4, 5)
    assert (entry.title, entry.institution_name, entry.category) == (
        "한글 교실",
        "강남구평생학습관",
        "literacy",
    )
    assert (entry.learning_account, entry.credit_bank, entry.year) == (True, False, 2026)
    assert entry.programme_id == course["programme"].pk
    assert Credential.objects.filter(entry=entry).count() == 1
    assert completion_events(unconsumed=True) == []


def test_repeated_syncs_and_repeated_completion_runs_add_nothing(city):
    completed(city)
    completed(city, title="수채화", category="culture_arts", learning_account=False)
    first = services.records_sync()
    assert (first["entries"], first["credentials"]) == (2, 2)
    for _ in range(3):
        assert services.records_sync() == {
            "events": 0,
            "entries": 0,
            "credentials": 0,
            "skipped": 0,
        }
    assert (RecordEntry.objects.count(), Credential.objects.count()) == (2, 2)


def test_totals_of_a_learner(city):
    learner, actor = person(name="이순자")
    for title, category, account in [
        ("한글 교실", "literacy", True),
        ("수채화", "culture_arts", False),
        ("기초 영어", "literacy", False),
    ]:
        course = city.course(title, category=category, learning_account=account)
        application = city.enrol(course, learner, actor)
        city.attend(course, application, ["present"] * 5)
        city.complete(course)
    services.records_sync()
    summary = selectors.record_summary(learner.pk)
    assert (summary["courses"], summary["hours"], summary["learning_account_hours"]) == (
        3,
        30.0,
        10.0,
    )
    assert [(r["label"], r["courses"], r["hours"]) for r in summary["by_category"]] == [
        ("문화예술", 1, 10.0),
        ("기초문해", 2, 20.0),
    ]
    assert summary["by_year"] == [{"year": 2026, "courses": 3, "hours": 30.0}]


def test_cli_records_sync(city):
    completed(city)
    result = CliRunner().invoke(app, ["records", "sync", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["entries"] == 1
    again = CliRunner().invoke(app, ["records", "sync", "--json"])
    assert json.loads(again.output)["entries"] == 0


@pytest.mark.race
def test_two_syncs_at_once_take_each_completion_once(committed, keys):
    """Two workers (a cron run and the roster's button) sync at the same moment: every
    completion becomes one entry and one credential, none twice, none lost."""
    city = City()
    for n in range(6):
        completed(city, name=f"동시{n}", title=f"동시 강좌 {n}")
    results = in_threads(2, lambda _: services.records_sync(batch=2))
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["entries"] for r in results) == 6
    assert sum(r["credentials"] for r in results) == 6
    assert RecordEntry.objects.count() == 6 and Credential.objects.count() == 6
    assert RecordEntry.objects.values("completion_event_id").distinct().count() == 6
    assert services.records_sync()["events"] == 0
