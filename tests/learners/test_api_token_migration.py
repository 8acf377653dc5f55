"""Tokens issued before expiry and scope existed keep working (issue 19, finding 16): learners
0007 gives each the `write` scope (what it could do) and an expiry 90 days after the
migration ran, so no script breaks silently; a revoked one stays revoked.

The test commits (schema changes cannot run inside the test's transaction on SQLite) and
leaves the database migrated to the latest state, its own rows deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("learners", "0006_login_throttle_by_address")]
AFTER = ("learners", "0007_api_token_expiry_scope")
OLD_TOKEN = "lc_issued-before-expiry-existed"


def _migrate(targets: list[tuple[str, str]]) -> Any:
    return MigrationExecutor(connection).migrate(targets)  # type: ignore[arg-type]


def test_existing_tokens_get_write_and_90_days(committed: Mapping[str, Any]) -> None:
    from django.contrib.auth.models import User

    from learncity.learners.models import ApiToken
    from learncity.learners.services import TokenHolder, api_token_holder

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    user_ids: list[int] = []
    try:
        old = _migrate(BEFORE).apps
        user = old.get_model("auth", "User").objects.create(
            username="token-migration-person", is_active=True
        )
        user_ids.append(user.pk)
        tokens = old.get_model("learners", "ApiToken").objects
        live = tokens.create(
            user=user, digest=hashlib.sha256(OLD_TOKEN.encode()).hexdigest(), label="old script"
        )
        revoked = tokens.create(user=user, digest="b" * 64, label="gone", revoked_at=timezone.now())
        started = timezone.now()

        _migrate([AFTER])

        done = timezone.now()
        for pk in (live.pk, revoked.pk):
            row = ApiToken.objects.get(pk=pk)
            assert row.scope == "write"
            assert started + dt.timedelta(days=90) <= row.expires_at <= done + dt.timedelta(days=90)
        assert ApiToken.objects.get(pk=revoked.pk).revoked_at is not None
        assert ApiToken.objects.get(pk=live.pk).revoked_at is None
        # the old token still authenticates, as write
        assert api_token_holder(OLD_TOKEN) == TokenHolder(user.pk, None, "write")
        _migrate(latest)
    finally:
        if user_ids:
            User.objects.filter(pk__in=user_ids).delete()
