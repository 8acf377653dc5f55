"""What a log line may say of a request's address (issue 19, finding 18): no secret that the
address itself carries.

Some of the site's links are bearer secrets: a password reset (`/accounts/reset/<uid>/<token>`),
a check-in code page (`/checkin/<token>`), a staff invitation, a survey link; a query string may
carry `?token=`, a one-time code or a phone number. Whoever reads the access log must not be
able to use them. `redact_uri` keeps the shape of the address (which page, which parameters)
and replaces every such part by `REDACTED`:

- the secret segments of the paths above (and the reset's uid, which names the account);
- the values of query parameters whose name says they are secret (token, code, key, password,
  phone, ...);
- anywhere: a segment or value that looks like a token (20 or more letters, digits, `_` or `-`
  with both a letter and a digit), and a Korean mobile number (010-1234-5678, 01012345678).

Pure functions, no Django import: the gunicorn access log and Django's logging share them.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

# paths whose last segments are secrets: the prefix kept, the rest replaced
_SECRET_PATHS = re.compile(
    r"(?P<keep>/(?:accounts/reset|checkin|accounts/invitation|survey))"
    r"/(?P<secret>[^?#\s\"]+)",
    re.IGNORECASE,
)
# query parameters whose value is never logged (names compared without case, `-` or `_`)
SECRET_PARAMETERS = frozenset(
    {
        "token",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "code",
        "otp",
        "pin",
        "key",
        "apikey",
        "secret",
        "password",
        "passwd",
        "signature",
        "sig",
        "uid",
        "uidb64",
        "phone",
        "mobile",
        "tel",
        "jwt",
        "credential",
        "vc",
        "session",
        "sessionid",
        "csrfmiddlewaretoken",
    }
)
_QUERY_PAIR = re.compile(r"(?P<name>[^&=?#\s\"]+)=(?P<value>[^&#\s\"]*)")
_TOKENISH = re.compile(
    r"(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Za-z])(?=[A-Za-z0-9_-]*\d)"
    r"[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_PHONE = re.compile(
    r"(?<!\d)(?:\+?82[-.\s]?|0)1[016789](?:[-.\s]|%2D|%20)?\d{3,4}"
    r"(?:[-.\s]|%2D|%20)?\d{4}(?!\d)",
    re.IGNORECASE,
)


def _parameter(match: re.Match[str]) -> str:
    name = match.group("name")
    plain = name.lower().replace("-", "").replace("_", "")
    if plain in SECRET_PARAMETERS and match.group("value"):
        return f"{name}={REDACTED}"
    return match.group(0)


def redact_uri(text: str | None) -> str:
    """`text` (a path, a path with its query, a request line or a log message that quotes
    one) with every secret part replaced by REDACTED."""
    if not text:
        return text or ""
    text = _SECRET_PATHS.sub(lambda m: f"{m.group('keep')}/{REDACTED}", text)
    head, mark, query = text.partition("?")
    if mark:
        text = head + mark + _QUERY_PAIR.sub(_parameter, query)
    text = _JWT.sub(REDACTED, text)
    text = _TOKENISH.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)


# an address inside a log message: an absolute URL or a path
_ADDRESS = re.compile(r"(?:https?://[^\s\"'/<>]+)?/[^\s\"'<>]*", re.IGNORECASE)


def redact_message(text: str | None) -> str:
    """A log message with every address it quotes redacted (`redact_uri`), and JWTs and
    mobile numbers anywhere. Other long words are left alone: a message id, a key id or a
    hash that the message names on purpose is what an operator searches the log for."""
    if not text:
        return text or ""
    text = _ADDRESS.sub(lambda m: redact_uri(m.group(0)), text)
    text = _JWT.sub(REDACTED, text)
    return _PHONE.sub(REDACTED, text)


def sane_request_id(value: object) -> str | None:
    """An incoming X-Request-ID worth keeping (1-64 letters, digits, `-`, `_`, `.`), else
    None: a client-chosen id must not inject lines or fill the log."""
    if isinstance(value, str) and _REQUEST_ID.fullmatch(value):
        return value
    return None


_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
