"""The kiosk's follow-up step (issue 19, finding 7): after a lookup (phone tail and year of
birth, or a QR code) the kiosk may ask for the person's name or for one of their classes.
The answer is only taken with the step the question carried — a signed note of which kiosk,
which venue and which lookup, and when — and only within LEARNCITY_KIOSK_IDLE_SECONDS: a
person who walked away is forgotten, and the next person cannot finish their check-in.

The note names the lookup by a SHA-256 of what was typed or scanned (never the digits
themselves) and is signed with the secret key (django.core.signing); no database row.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext

from learncity.attendance.errors import KioskStepExpired

_SALT = "learncity.attendance.kiosk-step.v1"


def _what(token: str, phone_tail: str, birth_year: int | None) -> str:
    text = f"{(token or '').strip().upper()}|{(phone_tail or '').strip()}|{birth_year or ''}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def step_issue(
    *,
    kiosk: str,
    venue_id: int,
    token: str,
    phone_tail: str,
    birth_year: int | None,
    now: dt.datetime,
) -> str:
    """The step to carry with the answer to the kiosk's question (`kiosk`: who asked, e.g.
    "device-3" or "user-7")."""
    payload = {
        "k": kiosk,
        "v": venue_id,
        "w": _what(token, phone_tail, birth_year),
        "t": int(now.timestamp()),
    }
    return signing.dumps(payload, salt=_SALT, compress=False)


def step_check(
    step: str,
    *,
    kiosk: str,
    venue_id: int,
    token: str,
    phone_tail: str,
    birth_year: int | None,
    now: dt.datetime,
) -> None:
    """Refuse (KioskStepExpired) an answer without its step, with a forged one, one of another
    kiosk, venue or lookup, or one older than LEARNCITY_KIOSK_IDLE_SECONDS."""
    expired = KioskStepExpired(
        gettext("시간이 지나 처음 화면으로 돌아갑니다. 처음부터 다시 해 주세요")
    )
    try:
        payload = signing.loads((step or "")[:500], salt=_SALT)
    except signing.BadSignature:
        raise expired from None
    if not isinstance(payload, dict):
        raise expired
    issued = payload.get("t")
    if (
        payload.get("k") != kiosk
        or payload.get("v") != venue_id
        or payload.get("w") != _what(token, phone_tail, birth_year)
        or not isinstance(issued, int)
    ):
        raise expired
    age = now.timestamp() - issued
    if not -5 <= age <= settings.LEARNCITY_KIOSK_IDLE_SECONDS:
        raise expired
