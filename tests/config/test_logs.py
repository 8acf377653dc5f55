"""Issue 19, finding 18: structured logs with a request id, and no token, reset link or phone
number in any log line (the application's and gunicorn's access log)."""

from __future__ import annotations

import json
import logging
import types
from collections.abc import Iterator

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from learncity.core.logs import JsonFormatter, RequestContextFilter
from learncity.core.redaction import REDACTED, redact_message, redact_uri, sane_request_id
from tests.clients import token_of
from tests.learners.factories import citizen


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestContextFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def objects(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def lines() -> Iterator[Lines]:
    handler = Lines()
    root, requests = logging.getLogger(), logging.getLogger("learncity.request")
    level = requests.level
    root.addHandler(handler)
    requests.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        requests.setLevel(level)


# ------------------------------------------------------------------ the redaction itself


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("/accounts/reset/MTIz/cd1x2a-0123456789abcdef0123/", "/accounts/reset/"),
        ("/accounts/reset/MTIz/set-password", "/accounts/reset/"),
        ("/checkin/AbC123xyz", "/checkin/"),
        ("/accounts/invitation/zzz999", "/accounts/invitation/"),
        ("/survey/s3cr3t", "/survey/"),
        ("/credentials/verify?id=eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl", "/credentials/verify?id="),
        ("/api/v1/x?token=abc&page=2", "/api/v1/x?token="),
        ("/x?Access-Token=abc", "/x?Access-Token="),
        ("/desk?phone=010-1234-5678", "/desk?phone="),
        ("/desk/01012345678", "/desk/"),
        ("/desk?q=010 1234 5678", "/desk?q="),
        ("/k/0f3a9b2c4d5e6f708192a3b4c5d6e7f8", "/k/"),
    ],
)
def test_secrets_in_addresses_are_replaced(raw: str, kept: str) -> None:
    redacted = redact_uri(raw)
    assert redacted.startswith(kept)
    assert REDACTED in redacted
    for secret in ("MTIz", "cd1x2a", "AbC123", "zzz999", "s3cr3t", "eyJ", "abc", "1234", "0f3a"):
        assert secret not in redacted.removeprefix(kept).replace(REDACTED, ""), redacted


@pytest.mark.parametrize(
    "plain", ["/", "/healthz", "/programmes/123", "/search?q=%ED%95%9C%EA%B8%80&day=mon&page=2"]
)
def test_ordinary_addresses_are_kept(plain: str) -> None:
    assert redact_uri(plain) == plain


@pytest.mark.parametrize(
    "bad", ["", "a" * 65, "x\ny", "a b", "<script>", "ok\r\nSet-Cookie: x", "아이디", None, 5]
)
def test_an_incoming_request_id_must_be_sane(bad: object) -> None:
    assert sane_request_id(bad) is None
    assert sane_request_id("req-1.2_3") == "req-1.2_3"


# ------------------------------------------------------------------ through the application


def _secrets_absent(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, (secret, text)


def test_a_reset_link_is_logged_with_its_id_and_without_its_token(db: None, lines: Lines) -> None:
    learner, _ = citizen(phone="01098765432")
    user = learner.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client = Client()
    answer = client.get(f"/accounts/reset/{uid}/{token}?phone=01098765432")
    request_id = answer.headers["X-Request-ID"]
    assert len(request_id) == 32
    found = lines.objects()
    mine = [line for line in found if line["request_id"] == request_id]
    request_line = next(line for line in mine if line["logger"] == "learncity.request")
    assert request_line["method"] == "GET"
    assert request_line["status"] == answer.status_code
    assert request_line["path"] == f"/accounts/reset/{REDACTED}?phone={REDACTED}"
    assert isinstance(request_line["duration_ms"], float)
    assert request_line["user_id"] is None
    text = "\n".join(lines.lines)
    _secrets_absent(text, token, f"{uid}/", "01098765432", "98765432", learner.name)
    # a missing page quotes its path in Django's own warning: redacted there too
    missing = client.get(f"/checkin/{token}x")
    assert missing.status_code == 404
    warning = [
        line
        for line in lines.objects()
        if line["request_id"] == missing.headers["X-Request-ID"]
        and line["logger"] == "django.request"
    ]
    assert warning and warning[0]["message"] == f"Not Found: /checkin/{REDACTED}"
    _secrets_absent("\n".join(lines.lines), token)


def test_an_api_call_with_a_bearer_token_logs_the_user_id_not_the_token(
    db: None, lines: Lines
) -> None:
    learner, actor = citizen()
    token = token_of(actor)
    answer = Client().get("/api/v1/me/record", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200
    [line] = [
        line
        for line in lines.objects()
        if line["logger"] == "learncity.request"
        and line["request_id"] == answer.headers["X-Request-ID"]
    ]
    assert line["user_id"] == actor.user_id
    assert line["path"] == "/api/v1/me/record"
    text = "\n".join(lines.lines)
    _secrets_absent(text, token, token[-12:], "Bearer", learner.name, learner.phone)


def test_the_request_id_of_a_trusted_proxy_is_kept_and_of_anyone_else_replaced(
    db: None, lines: Lines, settings
) -> None:
    settings.LEARNCITY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = Client(REMOTE_ADDR="10.0.0.5").get("/healthz", HTTP_X_REQUEST_ID="edge-42")
    assert proxied.headers["X-Request-ID"] == "edge-42"
    direct = Client(REMOTE_ADDR="192.0.2.9").get("/healthz", HTTP_X_REQUEST_ID="edge-42")
    assert direct.headers["X-Request-ID"] not in {"edge-42", ""}
    hostile = Client(REMOTE_ADDR="10.0.0.5").get("/healthz", HTTP_X_REQUEST_ID="a\tb" * 40)
    assert len(hostile.headers["X-Request-ID"]) == 32
    ids = [line["request_id"] for line in lines.objects() if line["logger"] == "learncity.request"]
    assert ids == ["edge-42", direct.headers["X-Request-ID"], hostile.headers["X-Request-ID"]]


# ------------------------------------------------------------------ gunicorn's access log


def _gunicorn_line(monkeypatch: pytest.MonkeyPatch, log_format: str) -> str:
    from gunicorn.config import Config

    from learncity.config.gunicorn_log import TEXT_FORMAT, RedactingLogger

    monkeypatch.setenv("LEARNCITY_LOG_FORMAT", log_format)
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", TEXT_FORMAT)
    logger = RedactingLogger(config)
    captured = Lines()
    captured.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.addHandler(captured)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/accounts/reset/MTIz/cd1x2a-0123456789abcdef0123/?phone=01012345678",
        "PATH_INFO": "/accounts/reset/MTIz/cd1x2a-0123456789abcdef0123/",
        "QUERY_STRING": "phone=01012345678",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": "http://x/checkin/AbC123xyz",
        "HTTP_AUTHORIZATION": "Bearer lc_secret123",
        "HTTP_COOKIE": "sessionid=sess999",
    }
    request = types.SimpleNamespace(
        headers=[("AUTHORIZATION", "Bearer lc_secret123"), ("COOKIE", "sessionid=sess999")]
    )
    response = types.SimpleNamespace(
        status="302 Found", sent=0, headers=[("X-Request-ID", "rid77")]
    )
    import datetime as dt

    try:
        logger.access(response, request, environ, dt.timedelta(milliseconds=12))
    finally:
        logger.access_log.removeHandler(captured)
    [line] = captured.lines
    return line


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_gunicorns_access_log_is_redacted_and_carries_the_request_id(
    monkeypatch: pytest.MonkeyPatch, log_format: str
) -> None:
    line = _gunicorn_line(monkeypatch, log_format)
    _secrets_absent(line, "MTIz", "cd1x2a", "01012345678", "AbC123", "lc_secret", "sess999")
    assert "rid77" in line
    if log_format == "json":
        parsed = json.loads(line)
        assert parsed["request_id"] == "rid77"
        assert parsed["status"] == 302
        assert parsed["path"] == f"/accounts/reset/{REDACTED}?phone={REDACTED}"
    else:
        assert f'"GET /accounts/reset/{REDACTED}?phone={REDACTED} HTTP/1.1" 302' in line


def test_a_message_keeps_its_ids_and_loses_the_secrets_it_quotes() -> None:
    """A log message names a message id or a key id on purpose (what an operator searches
    for); the addresses, JWTs and mobile numbers it quotes are redacted."""
    message = (
        "SMS lc-1-9ed8dc51ed71bd3b accepted; key z6Mkf5rGMoatrSj1f4CyvuHBeXJELe9RPdzo2PKGNCKVtZxP"
    )
    assert redact_message(message) == message
    quoted = "Not Found: /checkin/AbCdEf0123456789xyz0 from 010-1234-5678 eyJa.eyJb.c"
    assert redact_message(quoted) == (f"Not Found: /checkin/{REDACTED} from {REDACTED} {REDACTED}")
    assert redact_message("GET https://city.example/accounts/reset/MQ/abc-123?code=9") == (
        f"GET https://city.example/accounts/reset/{REDACTED}?code={REDACTED}"
    )
