"""Refusals of check-in, attendance and completion, each with a stable code and the HTTP
status an interface answers with. Messages are Korean first, then English: the kiosk shows
them as they are."""

from __future__ import annotations

from learncity.core.errors import DomainError, NotFound
from learncity.enrollment.services import Forbidden, IdempotencyConflict, InvalidState

__all__ = [
    "AlreadyCheckedIn",
    "AttendanceError",
    "CheckinClosed",
    "CheckinNotOpen",
    "Forbidden",
    "IdempotencyConflict",
    "InvalidScanTime",
    "InvalidState",
    "KioskDeviceRefused",
    "KioskPairingRefused",
    "KioskStepExpired",
    "LookupLimit",
    "MoreDetailNeeded",
    "NoSessionNow",
    "NotConfirmed",
    "NotFound",
    "PersonNotFound",
    "SessionCancelled",
    "SessionChoiceNeeded",
    "TokenInvalid",
    "TokenRevoked",
    "WrongVenue",
]


class AttendanceError(DomainError):
    code = "attendance_error"


class TokenInvalid(AttendanceError):
    """Not a check-in code, or one this site never issued (forged)."""

    code = "checkin_token_invalid"
    http_status = 422


class TokenRevoked(AttendanceError):
    code = "checkin_token_revoked"
    http_status = 409


class WrongVenue(AttendanceError):
    code = "checkin_wrong_venue"
    http_status = 409


class NotConfirmed(AttendanceError):
    code = "checkin_not_confirmed"
    http_status = 409


class AlreadyCheckedIn(AttendanceError):
    code = "already_checked_in"
    http_status = 409


class NoSessionNow(AttendanceError):
    code = "no_session_now"
    http_status = 409


class SessionCancelled(AttendanceError):
    code = "session_cancelled"
    http_status = 409


class CheckinNotOpen(AttendanceError):
    code = "checkin_not_open"
    http_status = 409


class CheckinClosed(AttendanceError):
    code = "checkin_closed"
    http_status = 409


class PersonNotFound(AttendanceError):
    code = "person_not_found"
    http_status = 404


class LookupLimit(AttendanceError):
    """Too many phone-tail lookups from one kiosk (signed-in user and venue) in the window:
    details.retry_after says in how many seconds it opens again."""

    code = "kiosk_lookup_limit"
    http_status = 429


class MoreDetailNeeded(AttendanceError):
    """Several people share the phone tail and birth year: ask for the name, never guess."""

    code = "more_detail_needed"
    http_status = 409


class SessionChoiceNeeded(AttendanceError):
    """The person has more than one session open now: details.choices lists them."""

    code = "choose_session"
    http_status = 409


class InvalidScanTime(AttendanceError):
    code = "invalid_scan_time"
    http_status = 422


class KioskDeviceRefused(AttendanceError):
    """A kiosk cookie that is forged, revoked, unused for too long, or of another venue."""

    code = "kiosk_device_refused"
    http_status = 403


class KioskPairingRefused(AttendanceError):
    """A pairing code that is unknown, used before, revoked or past its minutes."""

    code = "kiosk_pairing_refused"
    http_status = 410


class KioskStepExpired(AttendanceError):
    """The name or class answered after the kiosk's idle time (or for another lookup): the
    person looked up was forgotten; start again."""

    code = "kiosk_step_expired"
    http_status = 409
