"""The JSON API against its own OpenAPI document, with schemathesis.

Every operation in /api/v1/openapi.json is called with generated parameters (boundary and
deliberately invalid values, then 25 random cases each) through the real WSGI application, on
the real Gangnam catalog. Each answer must be no 5xx, a status the document declares, the declared
content type, and a body valid against the declared schema. Every real programme, institution
and venue is then read through its detail operation and checked the same way, so the 200
answers are proved on real rows and not only the 404s that random ids reach.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import checks

from learncity.catalog.models import Institution, Programme, Venue
from learncity.config.wsgi import application

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="session")
def catalog(world: Mapping[str, Any], shared_data: Path) -> None:
    """The world's real Gangnam catalog, imported and indexed once for the session."""


# Loaded at import from the application itself (serving the document reads no database).
# A fixture-loaded schema (`schemathesis.pytest.from_fixture`) would be the alternative, but
# in schemathesis 4.32.5 it sets `Function._nodeid`, which pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def api(db: None, catalog: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Calls go in-process through WSGI, inside the test's transaction, rolled back after.

    A WSGI server makes Django close the connection at the start and end of each request
    (`close_old_connections`), which would end that transaction; like Django's own test
    client, the fixture unhooks it for the test. The rate limit is raised so that 429 does
    not crowd out the other answers.
    """
    monkeypatch.setenv("LEARNCITY_API_RATE", "1000000")
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schema
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        cache.clear()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case: Any, api: Any) -> None:
    case.call_and_validate(checks=CHECKS)


def test_every_real_row_conforms_through_its_detail_operation(api: Any) -> None:
    rows = {
        "/api/v1/programmes/{programme_id}": ("programme_id", Programme.objects),
        "/api/v1/institutions/{institution_id}": ("institution_id", Institution.objects),
        "/api/v1/venues/{venue_id}": ("venue_id", Venue.objects),
    }
    checked = {}
    for path, (name, objects) in rows.items():
        operation = api[path]["GET"]
        ids = list(objects.order_by("id").values_list("id", flat=True))
        for pk in ids:
            response = operation.Case(path_parameters={name: pk}).call_and_validate(checks=CHECKS)
            assert response.status_code == 200, (path, pk, response.text[:300])
        checked[name] = len(ids)
    # the Gangnam file: one provider (강남구청), seven learning centres, 322 courses; and the
    # test world's second institution, without courses
    assert checked == {"programme_id": 322, "institution_id": 2, "venue_id": 7}


def test_rate_limited_answer_is_documented(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNCITY_API_RATE", "1")
    operation = api["/api/v1/regions"]["GET"]
    case = operation.Case(query={"limit": 1})
    assert case.call_and_validate(checks=CHECKS).status_code == 200
    limited = case.call_and_validate(checks=CHECKS)
    assert limited.status_code == 429 and limited.headers["retry-after"] == ["60"]
