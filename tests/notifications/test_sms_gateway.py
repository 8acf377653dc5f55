"""Issue 19, finding 14: SMS through a commercial gateway's HTTP API, tested against a real
HTTP server on 127.0.0.1 (the network stays off): a 2xx answer is sent and the row keeps no
text; 429 and 5xx and a timeout are retried with the same message id; another 4xx is given up
at once with the status, never the text; the key and the text never reach the logs; a gateway
that cannot work is refused when the adapter is built."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from learncity.core.errors import ConfigurationError
from learncity.notifications.gateway import HttpSmsAdapter
from learncity.notifications.models import OutboxMessage
from learncity.notifications.services import ERASED_BODY, queue, send_due, sms_adapter
from tests.http_double import QuietHandler, http_server

KEY = "sk-test-0123456789abcdef"
TEXT = "[learncity] 수강이 확정되었습니다 http://testserver/checkin/LC77"
SENDER = "0212345678"


@dataclass
class Gateway:
    """A scripted gateway: each request takes the next (status, answer, delay) of `script`
    (the last one repeats) and is recorded with its headers and JSON."""

    url: str = ""
    script: list[tuple[int, dict[str, Any], float]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def answer(self) -> tuple[int, dict[str, Any], float]:
        if len(self.script) > 1:
            return self.script.pop(0)
        return self.script[0] if self.script else (200, {"result": "ok"}, 0.0)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    found = Gateway()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            found.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(self.rfile.read(length).decode("utf-8")),
                }
            )
            status, answer, delay = found.answer()
            time.sleep(delay)
            data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client gave up waiting

    with http_server(Handler) as url:
        found.url = f"{url}/v1/send"
        yield found


def adapter(gateway: Gateway, **changes: Any) -> HttpSmsAdapter:
    fields: dict[str, Any] = {
        "url": gateway.url,
        "api_key": KEY,
        "sender": SENDER,
        "timeout_s": 0.5,
    }
    return HttpSmsAdapter(**{**fields, **changes})


def one_message(n: int = 1) -> OutboxMessage:
    assert queue(
        kind="confirmed",
        channel="sms",
        recipient="010-2345-6789",
        subject="[learncity] 수강 확정",
        body=TEXT,
        dedupe_key=f"confirmed:gateway:{n}",
    )
    return OutboxMessage.objects.get(dedupe_key=f"confirmed:gateway:{n}")


def due_again(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)


def assert_nothing_secret(caplog: pytest.LogCaptureFixture, *rows: OutboxMessage) -> None:
    assert KEY not in caplog.text and "수강이 확정" not in caplog.text and "LC77" not in caplog.text
    for row in rows:
        assert KEY not in row.last_error and "LC77" not in row.last_error


# ------------------------------------------------------------------ sending


@pytest.mark.django_db
def test_a_sent_message_reaches_the_gateway_and_keeps_no_text(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message = one_message()
    counts = send_due(channel_adapters={"sms": adapter(gateway)})
    assert counts == {"sent": 1, "retried": 0, "failed": 0}
    [request] = gateway.requests
    assert request["path"] == "/v1/send"
    assert request["headers"]["authorization"] == f"Bearer {KEY}"
    assert request["headers"]["content-type"] == "application/json; charset=utf-8"
    sent_id = request["json"]["message_id"]
    assert request["json"] == {
        "to": "01023456789",
        "from": SENDER,
        "text": TEXT,
        "message_id": sent_id,
    }
    assert sent_id.startswith(f"lc-{message.pk}-")
    assert request["headers"]["idempotency-key"] == sent_id
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.status == OutboxMessage.Status.SENT and row.body == ERASED_BODY
    assert (row.kind, row.channel, row.recipient, row.subject, row.attempts) == (
        "confirmed",
        "sms",
        "010-2345-6789",
        "[learncity] 수강 확정",
        1,
    )
    assert sent_id in caplog.text  # the log says which message, not what it said
    assert_nothing_secret(caplog, row)


@pytest.mark.django_db
def test_another_key_header_carries_the_key_as_it_is(gateway: Gateway) -> None:
    one_message()
    send_due(channel_adapters={"sms": adapter(gateway, key_header="X-Api-Key")})
    [request] = gateway.requests
    assert request["headers"]["x-api-key"] == KEY and "authorization" not in request["headers"]


@pytest.mark.django_db
@pytest.mark.parametrize("busy", [503, 429, 500])
def test_a_busy_gateway_is_retried_with_the_same_message_id(
    gateway: Gateway, caplog: pytest.LogCaptureFixture, busy: int
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.script = [(busy, {"error": "busy", "echo": TEXT}, 0.0), (200, {"result": "ok"}, 0.0)]
    message = one_message()
    sms = adapter(gateway)
    assert send_due(channel_adapters={"sms": sms}) == {"sent": 0, "retried": 1, "failed": 0}
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.attempts, row.body) == (OutboxMessage.Status.PENDING, 1, TEXT)
    assert row.last_error == f"SendFailed: the SMS gateway answered HTTP {busy}"
    assert row.next_attempt_at is not None  # backoff: not due at once
    assert send_due(channel_adapters={"sms": sms})["sent"] == 0
    due_again(message)
    assert send_due(channel_adapters={"sms": sms}) == {"sent": 1, "retried": 0, "failed": 0}
    first, second = gateway.requests
    assert first["json"] == second["json"]  # one message id: the gateway can drop a copy
    assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.body) == (OutboxMessage.Status.SENT, 2, ERASED_BODY)
    assert len(gateway.requests) == 2
    assert_nothing_secret(caplog, row)


@pytest.mark.django_db
def test_a_refused_message_is_given_up_at_once_with_the_reason_not_the_text(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.script = [(400, {"code": "invalid_recipient", "message": f"bad: {TEXT}"}, 0.0)]
    message = one_message()
    assert send_due(channel_adapters={"sms": adapter(gateway)}) == {
        "sent": 0,
        "retried": 0,
        "failed": 1,
    }
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.attempts, row.body) == (OutboxMessage.Status.FAILED, 1, ERASED_BODY)
    assert row.last_error == (
        "SendRefused: the SMS gateway refused the message: HTTP 400 (invalid_recipient)"
    )
    due_again(message)
    assert send_due(channel_adapters={"sms": adapter(gateway)})["failed"] == 0
    assert len(gateway.requests) == 1
    assert_nothing_secret(caplog, row)


@pytest.mark.django_db
def test_a_refusal_without_a_code_token_records_the_status_only(gateway: Gateway) -> None:
    gateway.script = [(403, {"error": "sender 0212345678 is not registered: 수강이 확정"}, 0.0)]
    message = one_message()
    send_due(channel_adapters={"sms": adapter(gateway)})
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.status == OutboxMessage.Status.FAILED
    assert row.last_error == "SendRefused: the SMS gateway refused the message: HTTP 403"


@pytest.mark.django_db
def test_a_gateway_that_does_not_answer_in_time_is_retried(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.script = [(200, {"result": "late"}, 1.0), (200, {"result": "ok"}, 0.0)]
    message = one_message()
    sms = adapter(gateway, timeout_s=0.2)
    assert send_due(channel_adapters={"sms": sms}) == {"sent": 0, "retried": 1, "failed": 0}
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.body) == (OutboxMessage.Status.PENDING, TEXT)
    assert row.last_error == "SendFailed: the SMS gateway did not answer within 0.2 s"
    due_again(message)
    assert send_due(channel_adapters={"sms": sms})["sent"] == 1
    assert len({r["json"]["message_id"] for r in gateway.requests}) == 1
    row.refresh_from_db()
    assert (row.status, row.body) == (OutboxMessage.Status.SENT, ERASED_BODY)
    assert_nothing_secret(caplog, row)


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried_and_given_up_after_the_attempts(
    gateway: Gateway,
) -> None:
    from learncity.notifications.services import MAX_ATTEMPTS

    message = one_message()
    closed = adapter(gateway, url="http://127.0.0.1:9/v1/send")  # discard port: nothing there
    for attempt in range(1, MAX_ATTEMPTS):
        assert send_due(channel_adapters={"sms": closed})["retried"] == 1
        row = OutboxMessage.objects.get(pk=message.pk)
        assert (row.attempts, row.body) == (attempt, TEXT)
        assert row.last_error.startswith("SendFailed: the SMS gateway could not be reached")
        due_again(message)
    assert send_due(channel_adapters={"sms": closed})["failed"] == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.body) == (OutboxMessage.Status.FAILED, ERASED_BODY)


@pytest.mark.django_db
def test_a_redirect_is_not_followed(gateway: Gateway) -> None:
    gateway.script = [(307, {}, 0.0)]
    message = one_message()
    assert send_due(channel_adapters={"sms": adapter(gateway)})["failed"] == 1
    assert OutboxMessage.objects.get(pk=message.pk).last_error.endswith("HTTP 307")
    assert len(gateway.requests) == 1


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"url": ""}, "needs LEARNCITY_SMS_URL"),
        ({"api_key": ""}, "needs LEARNCITY_SMS_API_KEY"),
        ({"url": "http://sms.example.kr/send"}, "must be https://"),
        ({"url": "ftp://127.0.0.1/send"}, "must be an https:// address"),
        ({"sender": ""}, "LEARNCITY_SMS_SENDER"),
        ({"sender": "learncity"}, "LEARNCITY_SMS_SENDER"),
        ({"timeout_s": 0}, "LEARNCITY_SMS_TIMEOUT"),
        ({"timeout_s": 61}, "LEARNCITY_SMS_TIMEOUT"),
        ({"key_header": "X-Api-Key: x"}, "LEARNCITY_SMS_KEY_HEADER"),
    ],
)
def test_a_gateway_that_cannot_work_is_refused_when_built(
    changes: dict[str, Any], said: str
) -> None:
    fields: dict[str, Any] = {
        "url": "https://sms.example.kr/send",
        "api_key": KEY,
        "sender": SENDER,
    }
    with pytest.raises(ConfigurationError, match=said) as refused:
        HttpSmsAdapter(**{**fields, **changes})
    assert KEY not in str(refused.value)


def test_http_is_allowed_to_loopback_or_with_debug_and_the_key_is_not_shown() -> None:
    for url in ("http://127.0.0.1:8080/send", "http://localhost/send", "http://[::1]:9/send"):
        assert HttpSmsAdapter(url=url, api_key=KEY, sender=SENDER).url == url
    debug = HttpSmsAdapter(url="http://sms.test/send", api_key=KEY, sender=SENDER, debug=True)
    assert KEY not in repr(debug)
    assert HttpSmsAdapter(url="https://sms.example.kr/s", api_key=KEY, sender=SENDER).timeout_s == 5


def test_the_environment_chooses_the_gateway(settings: Any) -> None:
    settings.DEBUG = False
    settings.LEARNCITY_SMS_BACKEND = "http"
    settings.LEARNCITY_SMS = {
        "LEARNCITY_SMS_URL": "https://sms.example.kr/v1/send",
        "LEARNCITY_SMS_API_KEY": KEY,
        "LEARNCITY_SMS_KEY_HEADER": "",
        "LEARNCITY_SMS_SENDER": "02-1234-5678",
        "LEARNCITY_SMS_TIMEOUT": "2.5",
    }
    chosen = sms_adapter()
    assert chosen == HttpSmsAdapter(
        url="https://sms.example.kr/v1/send", api_key=KEY, sender=SENDER, timeout_s=2.5
    )
    settings.LEARNCITY_SMS = {**settings.LEARNCITY_SMS, "LEARNCITY_SMS_TIMEOUT": "soon"}
    with pytest.raises(ConfigurationError, match="LEARNCITY_SMS_TIMEOUT"):
        sms_adapter()
    settings.LEARNCITY_SMS = {**settings.LEARNCITY_SMS, "LEARNCITY_SMS_URL": "http://sms.kr/"}
    with pytest.raises(ConfigurationError, match="must be https://"):
        sms_adapter()
    settings.LEARNCITY_SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ConfigurationError, match="file or http"):
        sms_adapter()
    settings.LEARNCITY_SMS_BACKEND = "file"
    assert type(sms_adapter()).__name__ == "FileSmsAdapter"
