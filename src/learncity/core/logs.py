"""Structured logs (issue 19, finding 18): every log line says which request it belongs to,
and none carries a secret of the request's address.

- `RequestIdMiddleware` (first in MIDDLEWARE) gives every request an id: the proxy's
  `X-Request-ID` when the request came through a trusted proxy (settings'
  LEARNCITY_TRUSTED_PROXIES) and the id is sane (1-64 of `A-Z a-z 0-9 . _ -`), else a new
  one; the answer carries it back in `X-Request-ID`. While the request runs, a context
  variable holds the id, the method and the redacted path, so that `RequestContextFilter`
  adds them to every record logged meanwhile, from any logger. When the answer is ready it
  logs one line on `learncity.request` (INFO): method, redacted path, status, duration in
  milliseconds and the user's id (never a name).
- `RequestContextFilter` also redacts the message itself (Django's `Not Found: /path` quotes
  the path), through `learncity.core.redaction.redact_message`.
- `JsonFormatter` writes one JSON object per line: time, level, logger, message, request_id,
  method, path, status, duration_ms, user_id (and `exception` with the traceback).
  settings' LEARNCITY_LOG_FORMAT chooses it (`json`) or plain text (`text`, the default).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from learncity.core.redaction import redact_message, redact_uri, sane_request_id

HEADER = "X-Request-ID"
request_log = logging.getLogger("learncity.request")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    method: str
    path: str  # redacted


_current: ContextVar[RequestContext | None] = ContextVar("learncity_request", default=None)


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None


def request_id_of(request: HttpRequest) -> str:
    """The id of this request: the trusted proxy's sane X-Request-ID, else a new one."""
    from learncity.core.ratelimit import came_through_trusted_proxy

    if came_through_trusted_proxy(request):
        given = sane_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        if given:
            return given
    return uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    """The caller's user id, without loading a session or a user that the view did not load."""
    token_user = getattr(request, "learncity_user_id", None)
    if token_user is not None:
        return int(token_user)
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if user is None or wrapped is empty:
        return None
    if wrapped is not None and getattr(wrapped, "is_authenticated", False):
        return int(wrapped.pk)
    return None


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        context = RequestContext(
            request_id_of(request), request.method or "-", redact_uri(request.get_full_path())
        )
        request.request_id = context.request_id  # type: ignore[attr-defined]
        # kept until the answer is closed (`request_finished`): Django logs a 4xx/5xx answer
        # (`django.request`) after the last middleware has returned
        _current.set(context)
        response = self.get_response(request)
        response[HEADER] = context.request_id
        request_log.info(
            "%s %s %s",
            context.method,
            context.path,
            response.status_code,
            extra={
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": _user_id(request),
            },
        )
        return response


def _request_finished(**kwargs: Any) -> None:
    _current.set(None)


request_finished.connect(_request_finished, dispatch_uid="learncity.core.logs")


class RequestContextFilter(logging.Filter):
    """Adds request_id, method and path (redacted) of the current request to every record,
    and redacts the message. Always passes the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _current.get()
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id if context else None
        if not hasattr(record, "method"):
            record.method = context.method if context else None
        if not hasattr(record, "path"):
            record.path = context.path if context else None
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler to report
            return True
        redacted = redact_message(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module's text)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if name == "status" and value is None:
                value = getattr(record, "status_code", None)  # django.request's own
            line[name] = (
                value if isinstance(value, int | float | str) or value is None else str(value)
            )
        if record.exc_info:
            line["exception"] = redact_message(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
