"""Credential endpoints of the JSON API v1 (public, no sign-in: anyone may verify).

- `POST /credentials/verify`: `{"credential": <VC-JWT text or its JSON envelope>}` ->
  `{"valid", "reason", "message", "key_id", "checks", "credential"}`, the verifier of the
  public page and of `learncity credentials verify`;
- `GET /credentials/keys`: the city's public keys (JWKS), active and retired.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Field, NinjaAPI, Router, Schema

from learncity.api.v1 import ERRORS, throttle
from learncity.learners.access import requires
from learncity.records.credentials import credential_verify
from learncity.records.keys import key_jwk, key_list

router = Router(tags=["credentials (학습 증명)"])


class VerifyIn(Schema):
    credential: str | dict[str, Any] = Field(
        ..., description="the compact VC-JWT, or its EnvelopedVerifiableCredential JSON"
    )


class VerifyOut(Schema):
    valid: bool
    reason: str
    message: str
    key_id: str | None
    checks: dict[str, bool]
    credential: dict[str, Any] | None


@router.post("/credentials/verify", response={200: VerifyOut, **ERRORS}, auth=None)
@requires("records.credential_verify")
def credentials_verify(request: HttpRequest, body: VerifyIn) -> Any:
    """Verify a credential: signature, issuer, validity period and revocation (limited per
    client address, as every public API call)."""
    throttle(request)
    given = body.credential
    text = given if isinstance(given, str) else json.dumps(given, ensure_ascii=False)
    return credential_verify(text).out()


class KeysOut(Schema):
    keys: list[dict[str, Any]]


@router.get("/credentials/keys", response={200: KeysOut, **ERRORS}, auth=None)
def credentials_keys(request: HttpRequest) -> Any:
    """The public signing keys as a JWK set (retired keys included, marked)."""
    return {"keys": [key_jwk(k) for k in key_list()]}


def install(api: NinjaAPI) -> None:
    """Mount these endpoints on the API (config/urls.py calls it once)."""
    api.add_router("/", router)
