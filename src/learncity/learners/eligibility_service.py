"""The public eligibility-check services a city connects (행정정보 공동이용, 사회보장정보시스템
through the city's own gateway): one small protocol and an HTTP implementation chosen by
environment (docs/eligibility.md):

    LEARNCITY_ELIGIBILITY_URL          the check address (https://; http:// only to a
                                       loopback host or with DEBUG on); empty: no service
    LEARNCITY_ELIGIBILITY_API_KEY      the key, sent in LEARNCITY_ELIGIBILITY_KEY_HEADER
    LEARNCITY_ELIGIBILITY_KEY_HEADER   "Authorization" (default: `Bearer <key>`) or a header
                                       name such as X-Api-Key (the key as it is)
    LEARNCITY_ELIGIBILITY_TIMEOUT      seconds per request (default 5, at most 60)

Each check is one POST of JSON `{"kind", "value", "name", "birth_year", "identity_token"}`;
the service answers `{"confirmed": true|false, "valid_until": "YYYY-MM-DD", "reference":
"..."}`. Anything else (an error status, no answer in time, an answer that is not that JSON)
is `EligibilityServiceUnavailable`; nothing is verified. The log says the kind and the
outcome, never the person's data, the key or the answer's text."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings

from learncity.core.errors import ConfigurationError, DomainError
from learncity.core.outbound import (
    key_value,
    post_json,
    require_endpoint,
    require_header_name,
    require_timeout,
    timeout_from,
)

logger = logging.getLogger("learncity.learners.eligibility_service")

DEFAULT_TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 16_000
_REFERENCE = re.compile(r"[A-Za-z0-9_.:-]{1,60}")


class EligibilityServiceUnavailable(DomainError):
    code = "eligibility_service_unavailable"
    http_status = 503


@dataclass(frozen=True)
class EligibilityQuery:
    kind: str
    value: str
    name: str
    birth_year: int
    identity_token: str = ""


@dataclass(frozen=True)
class EligibilityAnswer:
    confirmed: bool
    valid_until: dt.date | None = None
    reference: str = ""


class EligibilityService(Protocol):
    def check(self, query: EligibilityQuery) -> EligibilityAnswer: ...


@dataclass(frozen=True)
class NoEligibilityService:
    """No service connected: every check is refused; staff verify at the desk."""

    def check(self, query: EligibilityQuery) -> EligibilityAnswer:
        raise EligibilityServiceUnavailable(
            "no eligibility-check service is connected (LEARNCITY_ELIGIBILITY_URL)"
            " (자격 확인 서비스가 연결되어 있지 않습니다)"
        )


def _answer(raw: bytes) -> EligibilityAnswer:
    try:
        found = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        found = None
    if not isinstance(found, dict) or not isinstance(found.get("confirmed"), bool):
        raise EligibilityServiceUnavailable("the eligibility service gave no usable answer")
    until: dt.date | None = None
    text = found.get("valid_until")
    if isinstance(text, str) and text:
        try:
            until = dt.date.fromisoformat(text[:10])
        except ValueError:
            raise EligibilityServiceUnavailable(
                "the eligibility service gave no usable answer"
            ) from None
    reference = found.get("reference")
    reference = str(reference) if isinstance(reference, str | int) else ""
    return EligibilityAnswer(
        confirmed=found["confirmed"],
        valid_until=until,
        reference=reference if _REFERENCE.fullmatch(reference) else "",
    )


@dataclass(frozen=True)
class HttpEligibilityService:
    url: str
    api_key: str = field(repr=False)
    timeout_s: float = DEFAULT_TIMEOUT_S
    key_header: str = "Authorization"
    debug: bool = False

    def __post_init__(self) -> None:
        require_endpoint(
            self.url,
            setting="LEARNCITY_ELIGIBILITY_URL",
            debug=self.debug,
            carries="personal data",
        )
        if not self.api_key:
            raise ConfigurationError(
                "LEARNCITY_ELIGIBILITY_URL needs LEARNCITY_ELIGIBILITY_API_KEY"
            )
        require_timeout(self.timeout_s, setting="LEARNCITY_ELIGIBILITY_TIMEOUT")
        require_header_name(self.key_header, setting="LEARNCITY_ELIGIBILITY_KEY_HEADER")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, debug: bool) -> HttpEligibilityService:
        timeout = timeout_from(environ, "LEARNCITY_ELIGIBILITY_TIMEOUT", DEFAULT_TIMEOUT_S)
        return cls(
            url=environ.get("LEARNCITY_ELIGIBILITY_URL", "").strip(),
            api_key=environ.get("LEARNCITY_ELIGIBILITY_API_KEY", "").strip(),
            timeout_s=timeout,
            key_header=environ.get("LEARNCITY_ELIGIBILITY_KEY_HEADER", "").strip()
            or "Authorization",
            debug=debug,
        )

    def check(self, query: EligibilityQuery) -> EligibilityAnswer:
        payload = {
            "kind": query.kind,
            "value": query.value,
            "name": query.name,
            "birth_year": query.birth_year,
            "identity_token": query.identity_token,
        }
        try:
            status, raw = post_json(
                self.url,
                payload,
                headers={self.key_header: key_value(self.key_header, self.api_key)},
                timeout_s=self.timeout_s,
                max_bytes=MAX_ANSWER_BYTES,
            )
        except (urllib.error.URLError, OSError) as error:
            cause = error.reason if isinstance(error, urllib.error.URLError) else error
            logger.warning("eligibility check (%s): %s", query.kind, type(cause).__name__)
            raise EligibilityServiceUnavailable(
                f"the eligibility service could not be reached ({type(cause).__name__})"
            ) from None
        if not 200 <= status < 300:
            logger.warning("eligibility check (%s): HTTP %d", query.kind, status)
            raise EligibilityServiceUnavailable(f"the eligibility service answered HTTP {status}")
        answer = _answer(raw)
        logger.info(
            "eligibility check (%s): %s", query.kind, "confirmed" if answer.confirmed else "no"
        )
        return answer


def eligibility_service() -> EligibilityService:
    """The service LEARNCITY_ELIGIBILITY_URL names; none when it is empty. A service that
    cannot work (no key, http:// to another host) is a ConfigurationError, said at once."""
    environ = dict(getattr(settings, "LEARNCITY_ELIGIBILITY", {}) or {})
    if not str(environ.get("LEARNCITY_ELIGIBILITY_URL", "")).strip():
        return NoEligibilityService()
    return HttpEligibilityService.from_environment(environ, debug=bool(settings.DEBUG))
