"""SMS through a commercial gateway's HTTP API (production), chosen by environment:

    LEARNCITY_SMS_BACKEND      "file" (the default: var/sms.log, development) or "http"
    LEARNCITY_SMS_URL          the gateway's send address (https://; http:// only to a
                               loopback host or with DEBUG on)
    LEARNCITY_SMS_API_KEY      the gateway's key, sent in LEARNCITY_SMS_KEY_HEADER
    LEARNCITY_SMS_KEY_HEADER   "Authorization" (the default: `Bearer <key>`) or a header name
                               such as X-Api-Key (the key as it is)
    LEARNCITY_SMS_SENDER       the sender number registered with the carrier (발신번호 사전등록,
                               required by the Telecommunications Business Act)
    LEARNCITY_SMS_TIMEOUT      seconds per request (default 5)

Each message is one POST of JSON `{"to", "from", "text", "message_id"}`; the message id is
the same on every try of one outbox row (and sent as the `Idempotency-Key` header too), so a
gateway that got a message whose answer was lost drops the second copy. A 2xx answer is sent;
429, 5xx, a timeout or no connection is `SendFailed` (the outbox retries with backoff); any
other answer is `SendRefused` (given up at once), with the status and the gateway's error code,
never its answer's text, which may echo the message. Neither the key nor the text is logged.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from learncity.core.errors import ConfigurationError
from learncity.notifications.errors import SendFailed, SendRefused
from learncity.notifications.models import OutboxMessage

logger = logging.getLogger("learncity.notifications.sms")

DEFAULT_TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 64_000
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,60}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,60}")
_SENDER = re.compile(r"[0-9]{4,15}")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def message_id(message: OutboxMessage) -> str:
    """The id a gateway dedupes on: one per outbox row, the same on every try."""
    digest = hashlib.sha256(f"{message.pk}:{message.dedupe_key}".encode()).hexdigest()
    return f"lc-{message.pk}-{digest[:16]}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (the key would go to another address): it is refused."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _gateway_code(answer: bytes) -> str:
    """The gateway's error code from a JSON answer (`code`, `error`, `error_code`), when it is
    a short token; nothing else of the answer (it may echo the message's text)."""
    try:
        found = json.loads(answer.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if not isinstance(found, dict):
        return ""
    for name in ("code", "error_code", "error"):
        value = found.get(name)
        if isinstance(value, str | int) and _ERROR_CODE.fullmatch(str(value)):
            return str(value)
    return ""


@dataclass(frozen=True)
class HttpSmsAdapter:
    url: str
    api_key: str = field(repr=False)
    sender: str
    timeout_s: float = DEFAULT_TIMEOUT_S
    key_header: str = "Authorization"
    debug: bool = False

    def __post_init__(self) -> None:
        if not self.url:
            raise ConfigurationError("LEARNCITY_SMS_BACKEND=http needs LEARNCITY_SMS_URL")
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigurationError("LEARNCITY_SMS_URL must be an https:// address")
        if parts.scheme == "http" and not (self.debug or is_loopback(parts.hostname)):
            raise ConfigurationError(
                "LEARNCITY_SMS_URL must be https:// (http:// only to 127.0.0.1 or with DEBUG):"
                " the key and the messages would cross the network in clear"
            )
        if not self.api_key:
            raise ConfigurationError("LEARNCITY_SMS_BACKEND=http needs LEARNCITY_SMS_API_KEY")
        if not _SENDER.fullmatch(self.sender):
            raise ConfigurationError(
                "LEARNCITY_SMS_SENDER must be the sender number registered with the carrier,"
                " digits only (e.g. 0212345678)"
            )
        if not 0 < self.timeout_s <= 60:
            raise ConfigurationError("LEARNCITY_SMS_TIMEOUT must be 0 < seconds <= 60")
        if not _HEADER_NAME.fullmatch(self.key_header):
            raise ConfigurationError("LEARNCITY_SMS_KEY_HEADER must be a header name")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, debug: bool) -> HttpSmsAdapter:
        raw_timeout = environ.get("LEARNCITY_SMS_TIMEOUT", "").strip()
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_S
        except ValueError:
            timeout = -1.0
        return cls(
            url=environ.get("LEARNCITY_SMS_URL", "").strip(),
            api_key=environ.get("LEARNCITY_SMS_API_KEY", "").strip(),
            sender=environ.get("LEARNCITY_SMS_SENDER", "").strip().replace("-", ""),
            timeout_s=timeout,
            key_header=environ.get("LEARNCITY_SMS_KEY_HEADER", "").strip() or "Authorization",
            debug=debug,
        )

    def _key(self) -> str:
        is_authorization = self.key_header.lower() == "authorization"
        return f"Bearer {self.api_key}" if is_authorization else self.api_key

    def send(self, message: OutboxMessage) -> None:
        identifier = message_id(message)
        payload = {
            "to": message.recipient.replace("-", ""),
            "from": self.sender,
            "text": message.body,
            "message_id": identifier,
        }
        request = urllib.request.Request(  # noqa: S310 - the operator's configured gateway
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Idempotency-Key": identifier,
                self.key_header: self._key(),
            },
        )
        opener = urllib.request.build_opener(_NoRedirect())
        try:
            with opener.open(request, timeout=self.timeout_s) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            answer = error.read(MAX_ANSWER_BYTES)
            error.close()
            if status == 429 or status >= 500:
                logger.warning("SMS %s: the gateway answered HTTP %d, retry", identifier, status)
                raise SendFailed(f"the SMS gateway answered HTTP {status}") from None
            code = _gateway_code(answer)
            logger.warning("SMS %s refused by the gateway: HTTP %d %s", identifier, status, code)
            reason = f"the SMS gateway refused the message: HTTP {status}"
            raise SendRefused(f"{reason} ({code})" if code else reason) from None
        except (urllib.error.URLError, OSError) as error:
            cause = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(cause, TimeoutError):
                logger.warning("SMS %s: no answer within %g s, retry", identifier, self.timeout_s)
                raise SendFailed(
                    f"the SMS gateway did not answer within {self.timeout_s:g} s"
                ) from None
            logger.warning("SMS %s: the gateway could not be reached, retry", identifier)
            raise SendFailed(
                f"the SMS gateway could not be reached ({type(cause).__name__})"
            ) from None
        if not 200 <= status < 300:
            raise SendRefused(f"the SMS gateway answered HTTP {status}")
        logger.info("SMS %s accepted by the gateway (HTTP %d)", identifier, status)
