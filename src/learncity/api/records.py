"""Lifelong learning record endpoints of the JSON API v1 (signed in: a bearer token or the
session). A learner reads their own; a city administrator or an auditor may read anyone's
with `learner_id` (the same rule as the record pages, records.selectors.learner_for_reader).

- `GET /me/record`: totals (courses, hours, accredited hours), by area, year and institution,
  and the entries (the timeline);
- `GET /me/transcript`: the transcript as JSON (the PDF's data);
- `GET /me/credentials`: the learner's credentials (VC-JWT and their state);
- `GET /me/credentials/{uuid}`: one credential as its VC 2.0 envelope (JSON);
- `GET /me/personal-data`: everything the platform holds about the learner (the right of
  access of Korea's personal information law); deletion is a page that asks for the password
  again (/me/delete), not an API call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI, Query, Router, Schema

from learncity.api.auth import AUTH, actor_of
from learncity.api.v1 import REFUSALS
from learncity.core.ratelimit import client_address
from learncity.learners.services import personal_data_access_record
from learncity.records import credentials, selectors

router = Router(tags=["records (평생학습 이력)"], auth=AUTH)


class ReaderIn(Schema):
    learner_id: int | None = None


def _read(
    request: HttpRequest, learner_id: int | None, read: Callable[[int], Any], what: str = ""
) -> Any:
    """`read` the learner the caller may read; staff reading another person's record
    (`learner_id` given and not their own) leave one access-log record naming `what`."""
    actor = actor_of(request)
    learner = selectors.learner_for_reader(actor, learner_id)
    if learner_id is not None:
        personal_data_access_record(
            actor=actor,
            what="learner_record",
            action="records.learner_read",
            purpose=f"API: {what}",
            address=client_address(request),
            learner_id=learner,
        )
    return read(learner)


@router.get("/me/record", response={200: dict[str, Any], **REFUSALS})
def record(request: HttpRequest, who: Query[ReaderIn]) -> Any:
    """The learning record: totals in courses and hours (schedule hours × attendance), by the
    6 + 1 areas, by year and by institution; hours that count for the learning account and
    the credit bank; the entries in order of completion."""
    return _read(request, who.learner_id, selectors.record_summary, "GET /me/record")


@router.get("/me/transcript", response={200: dict[str, Any], **REFUSALS})
def transcript(request: HttpRequest, who: Query[ReaderIn]) -> Any:
    """The transcript (성적·이수 증명) as JSON; the PDF is /me/record/transcript.pdf."""
    return _read(request, who.learner_id, selectors.transcript, "GET /me/transcript")


class CredentialOut(Schema):
    uuid: str
    title: str
    issued_at: Any
    valid_until: Any
    revoked: bool
    revocation_reason: str
    key_id: str | None
    verification_url: str
    jwt: str


@router.get("/me/credentials", response={200: list[CredentialOut], **REFUSALS})
def credential_list(request: HttpRequest) -> Any:
    """The caller's own credentials (Open Badges 3.0, VC-JWT signed with EdDSA)."""

    def read(learner_id: int) -> Any:
        return [
            {
                **row,
                "revoked": row["revoked_at"] is not None,
                "revocation_reason": row["revocation_reason"] or "",
                "verification_url": credentials.verification_url(row["uuid"]),
            }
            for row in selectors.credential_list(learner_id)
            if row["jwt"]
        ]

    return _read(request, None, read)


@router.get("/me/credentials/{uuid}", response={200: dict[str, Any], **REFUSALS})
def credential_get(request: HttpRequest, uuid: str) -> Any:
    """One of the caller's credentials as its EnvelopedVerifiableCredential (404 for anyone
    else's)."""
    return credentials.envelope(selectors.credential_for_holder(actor_of(request), uuid)["jwt"])


@router.get("/me/personal-data", response={200: dict[str, Any], **REFUSALS})
def personal_data(request: HttpRequest) -> Any:
    """Everything the platform holds about the caller, machine-readable."""
    return _read(request, None, selectors.personal_data_export)


def install(api: NinjaAPI) -> None:
    """Mount these endpoints on the API (config/urls.py calls it once)."""
    api.add_router("/", router)
