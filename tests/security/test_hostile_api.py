"""Hostile input against every operation of the JSON API (issue 19, acceptance).

Each operation of /api/v1/openapi.json gets its share of the run's budget (tests/security/
hostile.py) as requests that schemathesis generates from the document, valid ones and
deliberately invalid ones (its negative mode), then roughened: path ids replaced by the real
ids of an open offer, a confirmed application, a voucher with a payment … (so that requests
reach the services, not only 404), and strings, numbers and whole bodies replaced by hostile
values (NUL, lone surrogates, right-to-left marks, 100,000 characters, SQL and HTML, numbers
beyond 64 bits). Each is sent as one of: nobody, the citizen (a write token, a read-only
token), staff of the campus institution, the city administrator, a district officer, an
expired token, a malformed one.

Each request runs in a savepoint rolled back after it, so every request meets the same state.
Asserted: no answer is 5xx, and an answer 4xx left the database as it was (row counts of
every table and a checksum of the rows that hold money, seats, priority and authority:
tests/security/hostile.py). The counts go into the run's summary line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from django.db import DatabaseError, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from learncity.config.wsgi import application
from tests.security import hostile

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [
    (method.upper(), path)
    for path, methods in schema.raw_schema["paths"].items()
    for method in methods
]
# a parameter or body field of this name -> the real row of `things` it may be set to
REAL = {
    "application_id": "application",
    "offer_id": "offer",
    "voucher_id": "voucher",
    "session_id": "session",
    "venue_id": "venue",
    "payment_id": "redemption",
    "institution_id": "institution",
    "project_id": "project",
    "programme_id": "programme",
    "course_id": "programme",
    "schedule_id": "free_schedule",
    "learner_id": "learner",
}
WHO = (
    "anonymous",
    "citizen",
    "citizen-read",
    "institution_staff",
    "city_admin",
    "officer",
    "outsider",
    "expired",
    "malformed",
)


def _strategy(method: str, path: str) -> st.SearchStrategy[Any]:
    operation = schema[path][method]
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    try:
        negative = operation.as_strategy(GenerationMode.NEGATIVE)
    except Exception:
        return positive
    return st.one_of(positive, negative)


def _roughen(case: Any, data: st.DataObject, things: Mapping[str, Any]) -> None:
    """Real ids where the names say so, then hostile values in one place or another."""
    for name in list(case.path_parameters or {}):
        if name in REAL and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = things[REAL[name]]
    if isinstance(case.body, dict):
        for name in list(case.body):
            if name in REAL and data.draw(st.booleans(), label=f"real body {name}"):
                case.body[name] = things[REAL[name]]
    where = data.draw(st.sampled_from(["none", "path", "query", "body", "whole body"]))
    if where == "path" and case.path_parameters:
        name = data.draw(st.sampled_from(sorted(case.path_parameters)))
        # quoted here: a "?" or "/" of its own would cut the path before the application
        case.path_parameters[name] = quote(data.draw(hostile.url_text()), safe="")
    elif where == "query":
        names = [*sorted(case.query or {}), "limit", "offset", "q", "lang", "page"]
        name = data.draw(st.sampled_from(names))
        case.query = {**(case.query or {}), name: data.draw(hostile.url_text())}
    elif where == "body" and isinstance(case.body, dict):
        names = sorted(case.body) or ["idempotency_key"]
        name = data.draw(st.sampled_from(names))
        case.body[name] = data.draw(hostile.json_value())
    elif where == "whole body" and case.method.upper() in ("POST", "PUT", "PATCH"):
        case.body = data.draw(hostile.json_value())


def _headers(who: str, things: Mapping[str, Any]) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "malformed":
        return {"Authorization": "Bearer lc_' OR 1=1 --" + "A" * 300}
    return {"Authorization": f"Bearer {things['tokens'][who]}"}


def _reproduce(case: Any, who: str, status: int) -> str:
    body = json.dumps(case.body, ensure_ascii=True, default=repr)[:300] if case.body else ""
    return (
        f"{status} {case.method} {case.formatted_path} as {who} "
        f"path={case.path_parameters!r:.200} query={case.query!r:.200} body={body}"
    )


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_hostile_requests_to_every_operation(
    method: str, path: str, target: dict[str, Any], record_property: Any
) -> None:
    tally = hostile.Tally()
    base = hostile.fingerprint()
    errors: list[str] = target["errors"]

    @settings(
        max_examples=hostile.share("api", len(OPERATIONS)),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is listed
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(method, path), who=st.sampled_from(WHO), data=st.data())
    def one(case: Any, who: str, data: st.DataObject) -> None:
        _roughen(case, data, target)
        seen = len(errors)
        with transaction.atomic():
            response = case.call(headers=_headers(who, target))
            status = response.status_code
            tally.count(status)
            if status >= 500:
                tally.server_errors.append(
                    _reproduce(case, who, status) + "\n" + "".join(errors[seen:])[-1500:]
                )
            elif status >= 400:
                try:
                    changed = hostile.difference(base, hostile.fingerprint())
                except DatabaseError as error:
                    changed = {"the transaction is broken": str(error)[:200]}
                if changed:
                    tally.changed_on_refusal.append(f"{_reproduce(case, who, status)}: {changed}")
            transaction.set_rollback(True)

    one()
    tally.record(record_property, "API")
    tally.verdict()
