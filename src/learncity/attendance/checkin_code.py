"""The check-in code (QR) of a confirmed application: token derivation, parsing and the SVG.
No database here (attendance_services keeps the rows).

A token is `LC` + 32 base32 characters: HMAC-SHA256(check-in key, nonce) cut to 160 bits,
where the nonce is 128 random bits kept with the token's row. The database holds the nonce,
the token's SHA-256 (the kiosk's lookup) and its last four characters; without the key
(LEARNCITY_CHECKIN_KEY, else derived from the secret key) the database alone gives no
token, and the token carries nothing about the person. Upper-case letters and digits only:
the QR uses its compact alphanumeric mode, and a scanner that types into the kiosk page
(keyboard wedge) with Caps Lock on, or a person reading it aloud, still gives the same token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets

from django.conf import settings
from django.utils.translation import gettext

PREFIX = "LC"
_TOKEN = re.compile(r"^LC[A-Z2-7]{32}$")


def _key() -> bytes:
    secret = settings.LEARNCITY_CHECKIN_KEY or settings.SECRET_KEY
    return hashlib.sha256(b"learncity check-in tokens v1:" + secret.encode()).digest()


def nonce_new() -> str:
    return secrets.token_hex(16)


def token_of(nonce: str) -> str:
    mac = hmac.new(_key(), nonce.encode(), hashlib.sha256).digest()[:20]
    return PREFIX + base64.b32encode(mac).decode("ascii")


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_parse(raw: str) -> str | None:
    """The token in what a scanner or a person typed (spaces, lower case, a whole check-in
    link), or None when it is not one."""
    text = (raw or "").strip()
    if "/" in text:
        text = text.rstrip("/").rsplit("/", 1)[-1]
    text = re.sub(r"[\s-]", "", text).upper()
    return text if _TOKEN.match(text) else None


def checkin_link(token: str) -> str:
    """The page that shows the code (LEARNCITY_PUBLIC_URL + /checkin/TOKEN)."""
    return f"{settings.LEARNCITY_PUBLIC_URL}/checkin/{token}"


def checkin_qr_svg(token: str, *, scale: int = 8, title: str = "") -> str:
    """The QR code of a token as an SVG document (segno; error correction M, quiet zone of
    four modules, black on white for any printer)."""
    import segno

    code = segno.make(token, error="m", micro=False)
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        scale=scale,
        border=4,
        title=title or gettext("출석 QR 코드"),
        xmldecl=False,
        dark="#000",
        light="#fff",
    )
    return out.getvalue().decode("utf-8")


def code_new() -> tuple[str, str]:
    """A fresh (nonce, token) pair for a new live code."""
    nonce = nonce_new()
    return nonce, token_of(nonce)
