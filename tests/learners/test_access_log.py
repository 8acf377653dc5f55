"""The personal-data access log (issue 19, finding 13): what a record keeps, the daily
prune past the retention (idempotent), and the `learncity access-log prune` command."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from learncity.cli import app
from learncity.learners.access import Actor
from learncity.learners.models import PersonalDataAccess
from learncity.learners.services import (
    AccessLogTermsInvalid,
    access_log_prune,
    personal_data_access_record,
)

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def _entry(age_days: float, learner_id: int) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        at=NOW - dt.timedelta(days=age_days),
        staff_id=1,
        role="auditor",
        learner_id=learner_id,
        what="learner_record",
    )


def test_a_record_keeps_the_roles_that_allowed_it_and_ids_only(
    db: None, world: Mapping[str, Any]
) -> None:
    admin = world["city_admin"]
    made = personal_data_access_record(
        actor=admin,
        what="desk_lookup",
        action="enrollment.desk_apply",
        purpose="desk application for offer 3",
        address="198.51.100.2",
        query="phone",
        matches=0,
    )
    assert made is not None
    assert (made.staff_id, made.role, made.learner_id, made.query, made.matches) == (
        admin.user_id,
        "city_admin",
        None,
        "phone",
        0,
    )
    with pytest.raises(AccessLogTermsInvalid):
        personal_data_access_record(
            actor=Actor(admin.user_id),
            what="gossip",
            action="records.learner_read",
            purpose="",
            address="",
        )


def test_prune_deletes_only_entries_past_the_retention_and_a_second_run_nothing(
    db: None, settings: Any
) -> None:
    settings.LEARNCITY_ACCESS_LOG_DAYS = 30
    keep = [_entry(0, 1).pk, _entry(29.9, 2).pk, _entry(30, 3).pk]
    _entry(30.01, 4)
    _entry(400, 5)
    first = access_log_prune(now=NOW)
    assert first["deleted"] == 2 and first["days"] == 30
    assert sorted(PersonalDataAccess.objects.values_list("pk", flat=True)) == keep
    assert access_log_prune(now=NOW)["deleted"] == 0
    assert access_log_prune(days=1, now=NOW)["deleted"] == 2  # --days wins over the setting
    for days in (0, -5, 36501):
        with pytest.raises(AccessLogTermsInvalid):
            access_log_prune(days=days, now=NOW)


def test_the_prune_command_with_its_default_and_json(db: None) -> None:
    now = timezone.now()
    PersonalDataAccess.objects.create(
        at=now - dt.timedelta(days=731), staff_id=1, what="desk_lookup"
    )
    PersonalDataAccess.objects.create(
        at=now - dt.timedelta(days=729), staff_id=1, what="desk_lookup"
    )
    runner = CliRunner()
    first = runner.invoke(app, ["access-log", "prune", "--json"])
    assert first.exit_code == 0, first.output
    result = json.loads(first.output)
    assert (result["deleted"], result["days"]) == (1, 730)
    again = runner.invoke(app, ["access-log", "prune"])
    assert again.exit_code == 0
    assert again.output.strip() == "deleted 0 access-log entries older than 730 days"
    refused = runner.invoke(app, ["access-log", "prune", "--days", "0"])
    assert refused.exit_code == 2
    assert PersonalDataAccess.objects.count() == 1
