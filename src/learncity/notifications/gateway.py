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
import json
import logging
import re
import urllib.error
from collections.abc import Mapping
from dataclasses import dataclass, field

from learncity.core.errors import ConfigurationError
from learncity.core.outbound import (
    key_value,
    post_json,
    require_endpoint,
    require_header_name,
    require_timeout,
    timeout_from,
)
from learncity.notifications.errors import SendFailed, SendRefused
from learncity.notifications.models import OutboxMessage

logger = logging.getLogger("learncity.notifications.sms")

DEFAULT_TIMEOUT_S = 5.0
MAX_ANSWER_BYTES = 64_000
_ERROR_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,60}")
_SENDER = re.compile(r"[0-9]{4,15}")


def message_id(message: OutboxMessage) -> str:
    """The id a gateway dedupes on: one per outbox row, the same on every try."""
    digest = hashlib.sha256(f"{message.pk}:{message.dedupe_key}".encode()).hexdigest()
    return f"lc-{message.pk}-{digest[:16]}"


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
        require_endpoint(
            self.url,
            setting="LEARNCITY_SMS_URL",
            debug=self.debug,
            carries="the key and the messages",
        )
        if not self.api_key:
            raise ConfigurationError("LEARNCITY_SMS_BACKEND=http needs LEARNCITY_SMS_API_KEY")
        if not _SENDER.fullmatch(self.sender):
            raise ConfigurationError(
                "LEARNCITY_SMS_SENDER must be the sender number registered with the carrier,"
                " digits only (e.g. 0212345678)"
            )
        require_timeout(self.timeout_s, setting="LEARNCITY_SMS_TIMEOUT")
        require_header_name(self.key_header, setting="LEARNCITY_SMS_KEY_HEADER")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, debug: bool) -> HttpSmsAdapter:
        timeout = timeout_from(environ, "LEARNCITY_SMS_TIMEOUT", DEFAULT_TIMEOUT_S)
        return cls(
            url=environ.get("LEARNCITY_SMS_URL", "").strip(),
            api_key=environ.get("LEARNCITY_SMS_API_KEY", "").strip(),
            sender=environ.get("LEARNCITY_SMS_SENDER", "").strip().replace("-", ""),
            timeout_s=timeout,
            key_header=environ.get("LEARNCITY_SMS_KEY_HEADER", "").strip() or "Authorization",
            debug=debug,
        )

    def send(self, message: OutboxMessage) -> None:
        identifier = message_id(message)
        payload = {
            "to": message.recipient.replace("-", ""),
            "from": self.sender,
            "text": message.body,
            "message_id": identifier,
        }
        try:
            status, answer = post_json(
                self.url,
                payload,
                headers={
                    "Idempotency-Key": identifier,
                    self.key_header: key_value(self.key_header, self.api_key),
                },
                timeout_s=self.timeout_s,
                max_bytes=MAX_ANSWER_BYTES,
            )
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
        if status == 429 or status >= 500:
            logger.warning("SMS %s: the gateway answered HTTP %d, retry", identifier, status)
            raise SendFailed(f"the SMS gateway answered HTTP {status}")
        if not 200 <= status < 300:
            code = _gateway_code(answer)
            logger.warning("SMS %s refused by the gateway: HTTP %d %s", identifier, status, code)
            reason = f"the SMS gateway refused the message: HTTP {status}"
            raise SendRefused(f"{reason} ({code})" if code else reason)
        logger.info("SMS %s accepted by the gateway (HTTP %d)", identifier, status)
