"""The lifelong learning record's arithmetic and the credential's encodings, without Django.

- hours of a completed course: the held sessions' length (schedule hours) and the length of
  the sessions the learner attended (present or late) — "schedule hours x attendance";
- totals of record lines by area (6 + 1), year and institution, and the accredited part
  (평생학습계좌제, 학점은행제);
- strict base64url (RFC 4648 §5, no padding, canonical: a changed padding bit is refused);
- the Bitstring Status List (W3C): a GZIP-compressed bitstring, multibase base64url, the
  first index in the left-most bit of the first byte.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ATTENDED = frozenset({"present", "late"})
HELD = "scheduled"
STATUS_LIST_SIZE = 131_072  # 16 KiB uncompressed: the specification's minimum (herd privacy)


@dataclass(frozen=True)
class SessionSpan:
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str  # scheduled (held), cancelled, holiday


@dataclass(frozen=True)
class Minutes:
    scheduled: int  # held sessions, whoever came
    attended: int  # the sessions this learner attended


def course_minutes(sessions: Iterable[SessionSpan], marks: Mapping[int, str]) -> Minutes:
    """Minutes of the held sessions, and of those the learner attended (present or late).
    Cancelled sessions and holidays count for nobody; an excused absence is not attendance."""
    scheduled = attended = 0
    for session in sessions:
        if session.status != HELD:
            continue
        length = max(0, int((session.ends_at - session.starts_at).total_seconds() // 60))
        scheduled += length
        if marks.get(session.id) in ATTENDED:
            attended += length
    return Minutes(scheduled, attended)


def hours(minutes: int) -> float:
    """Minutes as hours, to one decimal (the learning account counts hours)."""
    return round(minutes / 60, 1)


@dataclass(frozen=True)
class RecordLine:
    programme_id: int
    institution_id: int
    institution_name: str
    category: str  # one of the 6 + 1 areas, "" when not classified
    year: int
    attended_minutes: int
    learning_account: bool
    credit_bank: bool


@dataclass(frozen=True)
class Bucket:
    courses: int
    minutes: int

    @property
    def hours(self) -> float:
        return hours(self.minutes)


@dataclass(frozen=True)
class Totals:
    courses: int
    minutes: int
    learning_account_minutes: int
    credit_bank_minutes: int
    by_category: dict[str, Bucket] = field(default_factory=dict)
    by_year: dict[int, Bucket] = field(default_factory=dict)
    by_institution: dict[str, Bucket] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return hours(self.minutes)


def _add(buckets: dict[object, tuple[int, int]], key: object, minutes: int) -> None:
    courses, total = buckets.get(key, (0, 0))
    buckets[key] = (courses + 1, total + minutes)


def record_totals(lines: Iterable[RecordLine]) -> Totals:
    """Courses and minutes in all, by area, by year and by institution, and the minutes of
    accredited learning. Keys are sorted (areas and institutions by name, years ascending)."""
    courses = minutes = account = credit = 0
    categories: dict[object, tuple[int, int]] = {}
    years: dict[object, tuple[int, int]] = {}
    institutions: dict[object, tuple[int, int]] = {}
    for line in lines:
        courses += 1
        minutes += line.attended_minutes
        if line.learning_account:
            account += line.attended_minutes
        if line.credit_bank:
            credit += line.attended_minutes
        _add(categories, line.category, line.attended_minutes)
        _add(years, line.year, line.attended_minutes)
        _add(institutions, line.institution_name, line.attended_minutes)
    return Totals(
        courses,
        minutes,
        account,
        credit,
        {str(k): Bucket(*categories[k]) for k in sorted(categories, key=str)},
        {int(str(k)): Bucket(*years[k]) for k in sorted(years, key=lambda y: int(str(y)))},
        {str(k): Bucket(*institutions[k]) for k in sorted(institutions, key=str)},
    )


# ------------------------------------------------------------------ encodings


class EncodingError(ValueError):
    pass


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict: only the URL-safe alphabet, no padding, and canonical (re-encoding gives the
    same text), so that no two texts decode to the same bytes."""
    if not text or any(c not in _ALPHABET for c in text) or len(text) % 4 == 1:
        raise EncodingError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise EncodingError("not base64url") from exc
    if b64url_encode(data) != text:
        raise EncodingError("not canonical base64url")
    return data


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def status_list_encode(set_indices: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """The `encodedList` of a Bitstring Status List with these indices set."""
    bits = bytearray(size // 8)
    for index in set_indices:
        if not 0 <= index < size:
            raise EncodingError(f"index {index} outside the list of {size}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url_encode(gzip.compress(bytes(bits), mtime=0))


def status_list_decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise EncodingError("encodedList must be multibase base64url (prefix u)")
    try:
        return gzip.decompress(b64url_decode(encoded[1:]))
    except (OSError, EOFError) as exc:
        raise EncodingError("encodedList is not GZIP data") from exc


def status_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise EncodingError(f"index {index} outside the list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
