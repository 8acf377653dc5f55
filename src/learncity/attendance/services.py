"""Writes of check-in, attendance and completion (issue 6): sessions marked by staff, QR
check-in codes, the kiosk's check-in, instructors' marks, completion events and reminders.
Reads are in attendance_selectors; refusals in attendance_errors.

Invariants held by the database, not by Python: one attendance row per (session,
application) and one per (kiosk user, request key); one live check-in code per
application; one completion event per application. Check-in writes with INSERT ... ON
CONFLICT DO NOTHING and answers a lost race as "already checked in"; completion inserts each
event in a savepoint and takes an IntegrityError as "emitted before" — so repeated and
concurrent runs never emit twice. Messages go through the outbox with a dedupe key, in the
transaction of the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, pgettext

from learncity.algorithms import completion
from learncity.attendance.checkin_code import (
    checkin_link,
    code_new,
    digest_of,
    nonce_new,
    token_of,
    token_parse,
)
from learncity.attendance.errors import (
    AlreadyCheckedIn,
    AttendanceError,
    CheckinClosed,
    CheckinNotOpen,
    Forbidden,
    IdempotencyConflict,
    InvalidScanTime,
    InvalidState,
    KioskDeviceRefused,
    KioskPairingRefused,
    LookupLimit,
    MoreDetailNeeded,
    NoSessionNow,
    NotConfirmed,
    NotFound,
    PersonNotFound,
    SessionCancelled,
    SessionChoiceNeeded,
    TokenInvalid,
    TokenRevoked,
    WrongVenue,
)
from learncity.attendance.events import CompletionEmitted
from learncity.attendance.models import (
    Attendance,
    CheckinToken,
    CompletionEvent,
    CompletionRule,
    KioskDevice,
)
from learncity.attendance.selectors import mask_name
from learncity.catalog import sql as catalog_sql
from learncity.catalog.selectors import schedule_owner
from learncity.catalog.session_selectors import (
    SessionRow,
    schedule_last_end,
    session_get,
    sessions_of_schedule,
    sessions_on,
)
from learncity.catalog.session_services import (
    Expanded,
    session_status_set,
    sessions_expand,
)
from learncity.core import events, sql
from learncity.enrollment import sql as enrollment_sql
from learncity.enrollment.models import Application, AuditEvent, Offer
from learncity.learners import sql as learners_sql
from learncity.learners.access import Actor, Scope, allowed, roles_from_rows
from learncity.learners.selectors import household_proxy, learners_by_phone_among

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


def _audit(
    actor: Actor | None, action: str, offer_id: int | None, app_id: int | None, **data: Any
) -> None:
    AuditEvent.objects.create(
        actor_id=actor.user_id if actor else None,
        action=action,
        offer_id=offer_id,
        application_id=app_id,
        data=data,
    )


def _hhmm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


# ------------------------------------------------------------------ sessions


def schedule_sessions_expand(*, actor: Actor | None, schedule_id: int) -> Expanded:
    """Expand a schedule into sessions (staff who manage it; None: the system, e.g. the CLI).
    Idempotent; keeps staff marks (see catalog.session_services.sessions_expand)."""
    if actor is not None:
        owner = schedule_owner(schedule_id)
        if owner is None:
            raise NotFound(f"no schedule {schedule_id}")
        scope = Scope(institution_id=owner.institution_id, district_code=owner.district_code)
        if not allowed(actor, "attendance.session_manage", scope):
            raise Forbidden("you may not manage this schedule's sessions")
    return sessions_expand(schedule_id=schedule_id)


def session_mark(*, actor: Actor, session_id: int, status: str, note: str = "") -> dict[str, Any]:
    """Mark a session cancelled (휴강) or a holiday, or scheduled again: staff who manage the
    institution (institution staff, the district's officer, a city administrator)."""
    session = session_get(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    scope = Scope(institution_id=session.institution_id, district_code=session.district_code)
    if not allowed(actor, "attendance.session_manage", scope):
        raise Forbidden("you may not change this session")
    with transaction.atomic():
        was = session_status_set(session_id=session_id, status=status, note=note)
        _audit(actor, "session_marked", None, None, session=session_id, status=status, was=was)
    return {"session_id": session_id, "status": status, "was": was, "note": note.strip()}


# ------------------------------------------------------------------ check-in codes


@dataclass(frozen=True)
class IssuedCode:
    application_id: int
    token: str  # what the QR code carries; show it to its owner only
    hint: str
    link: str  # the page that shows the code (for messages)
    created_at: dt.datetime


def _may_hold_code(actor: Actor, application: Application, offer: Offer) -> bool:
    """The policy's `attendance.code_hold`: its own (the learner, or a household proxy while
    the link is not withdrawn) or staff whose role covers the offer now. Who entered the
    application is an audit fact, never a permission (issue 19, finding 6)."""
    own = actor.user_id == application.learner.user_id or household_proxy(
        user_id=actor.user_id, learner_id=application.learner_id
    )
    scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code, own=own)
    return allowed(actor, "attendance.code_hold", scope)


def _application_for(actor: Actor | None, application_id: int) -> Application:
    application = (
        Application.objects.select_related("learner", "offer").filter(pk=application_id).first()
    )
    if application is None:
        raise NotFound(f"no application {application_id}")
    if actor is not None and not _may_hold_code(actor, application, application.offer):
        raise Forbidden("this application is not yours")
    return application


def _issue(application_id: int) -> CheckinToken:
    """A new live token row (the caller has revoked the old one in this transaction)."""
    nonce = nonce_new()
    token = token_of(nonce)
    return CheckinToken.objects.create(
        application_id=application_id, nonce=nonce, digest=digest_of(token), hint=token[-4:]
    )


def checkin_code_statement(
    *, entered_by_id: int, idempotency_key: str, now: dt.datetime
) -> tuple[sql.Statement, str]:
    """The first live code of an application being written in the current transaction,
    found by its unique (entered_by, idempotency key), as a statement for the writer's own
    batch (enrolment's apply: the code costs no extra round trip), and the link to put in
    its confirmation message."""
    nonce, token = code_new()
    statement = sql.Statement(
        f"INSERT INTO {CheckinToken._meta.db_table}"
        " (application_id, nonce, digest, hint, created_at)"
        f" SELECT id, %s, %s, %s, %s FROM {enrollment_sql.APPLICATION}"
        " WHERE entered_by_id = %s AND idempotency_key = %s",
        [
            nonce,
            digest_of(token),
            token[-4:],
            connection.ops.adapt_datetimefield_value(now),
            entered_by_id,
            idempotency_key,
        ],
    )
    return statement, checkin_link(token)


def _issued(row: CheckinToken) -> IssuedCode:
    token = token_of(row.nonce)
    return IssuedCode(row.application_id, token, row.hint, checkin_link(token), row.created_at)


def _current(application_id: int) -> IssuedCode:
    """The live code of a confirmed application, issued on first use. A concurrent first
    use loses on the unique index (one live code) and reads the winner's."""
    row = CheckinToken.objects.filter(
        application_id=application_id, revoked_at__isnull=True
    ).first()
    if row is None or digest_of(token_of(row.nonce)) != row.digest:
        # none yet, or the check-in key changed since: a code no kiosk would accept
        try:
            with transaction.atomic():
                if row is not None:
                    CheckinToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
                row = _issue(application_id)
        except IntegrityError:
            row = CheckinToken.objects.get(application_id=application_id, revoked_at__isnull=True)
    return _issued(row)


def checkin_code_get(*, actor: Actor, application_id: int) -> IssuedCode:
    """The check-in code of a confirmed application for its holder (the learner's page, a
    printed card): the same code every time until it is revoked or re-issued."""
    application = _application_for(actor, application_id)
    if application.status != "confirmed":
        raise NotConfirmed(gettext("출석 코드는 수강이 확정된 신청에만 있습니다"))
    return _current(application_id)


def checkin_code_reissue(*, actor: Actor, application_id: int) -> IssuedCode:
    """Revoke the live code (a lost card, a shared screenshot) and issue a new one; the old
    one is refused at the kiosk from now on."""
    application = _application_for(actor, application_id)
    if application.status != "confirmed":
        raise NotConfirmed(gettext("출석 코드는 수강이 확정된 신청에만 있습니다"))
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=application_id).first()
        CheckinToken.objects.filter(application_id=application_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        row = _issue(application_id)
        _audit(actor, "checkin_code_issued", application.offer_id, application_id, hint=row.hint)
    return _issued(row)


def checkin_code_revoke(*, actor: Actor, application_id: int) -> int:
    """Revoke the live code without a new one; returns how many were revoked (0 or 1)."""
    application = _application_for(actor, application_id)
    with transaction.atomic():
        revoked = CheckinToken.objects.filter(
            application_id=application_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked:
            _audit(actor, "checkin_code_revoked", application.offer_id, application_id)
    return revoked


def checkin_message_line(*, application_id: int) -> str:
    """One line for a confirmation message: the link to the page with the check-in code.
    For enrollment.services._send (kind "confirmed"): it issues the code in the current
    transaction on first use. Empty when the application is not confirmed."""
    confirmed = Application.objects.filter(pk=application_id, status="confirmed").exists()
    if not confirmed:
        return ""
    code = _current(application_id)
    return gettext("출석 QR: %(link)s") % {"link": code.link}


def checkin_code_send(*, application_id: int) -> bool:
    """Queue a message with the check-in link of a confirmed application (once per code:
    the dedupe key names the code). False when nothing was queued."""
    from learncity.catalog.selectors import programme_title
    from learncity.notifications.services import queue

    found = (
        Application.objects.filter(pk=application_id, status="confirmed")
        .values_list("programme_id", "learner__phone", "learner__email", "learner__language")
        .first()
    )
    if found is None:
        return False
    programme_id, phone, email, language = found
    with transaction.atomic():
        code = _current(application_id)
        # composed in the learner's language, whatever the page that confirmed the place
        with translation.override(language):
            subject = "[learncity] " + gettext("출석 QR 코드")
            body = gettext("%(title)s: 출석할 때 이 QR 코드를 보여 주세요. %(link)s") % {
                "title": programme_title(programme_id),
                "link": code.link,
            }
        return queue(
            kind="checkin_code",
            channel="sms" if phone else "email",
            recipient=phone or email,
            subject=subject,
            body=body,
            dedupe_key=f"application:{application_id}:checkin_code:{digest_of(code.token)[:16]}",
        )


# ------------------------------------------------------------------ check-in


@dataclass(frozen=True)
class CheckinResult:
    attendance_id: int
    application_id: int
    session_id: int
    status: str  # present or late
    method: str  # qr or phone
    checked_in_at: dt.datetime
    title: str
    room: str
    venue_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    learner_name: str  # masked: 김*수
    replayed: bool  # the same request (idempotency key) was recorded before


@dataclass(frozen=True)
class _Candidate:
    application_id: int
    schedule_id: int
    learner_name: str


def _window(session: SessionRow) -> tuple[dt.datetime, dt.datetime]:
    if session.all_day:
        return session.starts_at, session.ends_at
    opens = session.starts_at - dt.timedelta(minutes=settings.LEARNCITY_CHECKIN_OPENS_BEFORE)
    closes = session.ends_at + dt.timedelta(minutes=settings.LEARNCITY_CHECKIN_CLOSES_AFTER)
    return opens, closes


def _scan_time(scanned_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When the person was at the kiosk: now, or the time a kiosk's offline queue recorded
    (not in the future, not older than LEARNCITY_CHECKIN_QUEUE_MAX minutes)."""
    if scanned_at is None:
        return now
    if timezone.is_naive(scanned_at):
        raise InvalidScanTime("scanned_at needs a time zone (e.g. 2026-04-20T09:58:00+09:00)")
    if scanned_at > now + dt.timedelta(minutes=2):
        raise InvalidScanTime("scanned_at is in the future: check the kiosk's clock")
    if scanned_at < now - dt.timedelta(minutes=settings.LEARNCITY_CHECKIN_QUEUE_MAX):
        raise InvalidScanTime(
            gettext(
                "이 출석 기록은 %(minutes)s분보다 오래되어 받을 수 없습니다. "
                "담당자가 직접 입력해 주세요."
            )
            % {"minutes": settings.LEARNCITY_CHECKIN_QUEUE_MAX}
        )
    return scanned_at


# The kiosk's hot path (`learncity bench checkin`): each check-in is a handful of plain SQL
# statements, because compiling an ORM query cost more than the database took to run it
# (as for apply: enrollment.locks, core.sql). They read what the ORM queries they replace
# read, along the same relations (a code's application, its offer's schedule, that
# schedule's sessions); datetimes are written as the ORM writes them (UTC) and read back
# aware.

_CODE_SQL = (
    "SELECT t.revoked_at, t.application_id, a.status, o.schedule_id, p.venue_id, l.name"
    " FROM attendance_checkintoken t"
    f" JOIN {enrollment_sql.APPLICATION} a ON a.id = t.application_id"
    f" JOIN {enrollment_sql.OFFER} o ON o.id = a.offer_id"
    f" JOIN {catalog_sql.PROGRAMME} p ON p.id = a.programme_id"
    f" JOIN {learners_sql.LEARNER} l ON l.id = a.learner_id"
    " WHERE t.digest = %s"
)
_SESSIONS_SQL = catalog_sql.SESSION_ROWS + (
    " WHERE s.date = %s AND s.schedule_id IN ({}) ORDER BY s.starts_at, s.id"
)
# the day's sessions of the schedule a code is for (in the same round trip as the code)
_SESSIONS_OF_CODE_SQL = catalog_sql.SESSION_ROWS + (
    " WHERE s.date = %s AND s.schedule_id = (SELECT o.schedule_id"
    " FROM attendance_checkintoken t"
    f" JOIN {enrollment_sql.APPLICATION} a ON a.id = t.application_id"
    f" JOIN {enrollment_sql.OFFER} o ON o.id = a.offer_id WHERE t.digest = %s)"
    " ORDER BY s.starts_at, s.id"
)
_VENUE_SQL = catalog_sql.VENUE_OWNER
_ROLES_SQL = learners_sql.ROLES_OF_USER
# no join: PostgreSQL plans a join longer than it runs this, and a resend is rare
_REPLAY_SQL = (
    "SELECT id, application_id, session_id, status, method, checked_in_at, request_key,"
    " recorded_by_id, kiosk_device_id FROM attendance_attendance"
    " WHERE recorded_by_id = %s AND request_key = %s"
)
_DEVICE_REPLAY_SQL = (
    "SELECT id, application_id, session_id, status, method, checked_in_at, request_key,"
    " recorded_by_id, kiosk_device_id FROM attendance_attendance"
    " WHERE kiosk_device_id = %s AND request_key = %s"
)
# a paired kiosk, read again in the check-in's round trip: revoked since the page? refused
_DEVICE_SQL = "SELECT venue_id, revoked_at, paired_at FROM attendance_kioskdevice WHERE id = %s"
_PERSON_SQL = (
    f"SELECT l.name, l.phone, l.birth_year FROM {enrollment_sql.APPLICATION} a"
    f" JOIN {learners_sql.LEARNER} l ON l.id = a.learner_id WHERE a.id = %s"
)
_INSERT_SQL = (
    "INSERT INTO attendance_attendance (created_at, updated_at, session_id, application_id,"
    " status, checked_in_at, method, recorded_by_id, kiosk_device_id, request_key, note)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '') ON CONFLICT DO NOTHING RETURNING id"
)


def _to_db(moment: dt.datetime) -> Any:
    """A datetime as the ORM writes it (UTC; on SQLite the same text the ORM stores)."""
    return connection.ops.adapt_datetimefield_value(moment)


def _from_db(value: Any) -> Any:
    """A datetime read by plain SQL, aware (SQLite gives it naive in UTC, or as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def _by_token(found: tuple[Any, ...] | None, venue_id: int) -> _Candidate:
    """The candidate of a code (what _CODE_SQL read for it), or the refusal."""
    if found is None:
        raise TokenInvalid(gettext("등록되지 않은 출석 코드입니다"))
    revoked_at, application_id, status, schedule_id, code_venue, name = found
    if revoked_at is not None:
        raise TokenRevoked(gettext("사용이 중지된 코드입니다. 새 코드를 받아 주세요"))
    if code_venue != venue_id:
        raise WrongVenue(
            gettext("다른 교육장의 수업 코드입니다"),
            details={"application_id": application_id},
        )
    if status != "confirmed":
        raise NotConfirmed(gettext("수강이 확정되지 않았습니다"))
    return _Candidate(application_id, schedule_id, name)


def _session_rows(rows: list[tuple[Any, ...]]) -> list[SessionRow]:
    out = []
    for row in rows:
        (pk, schedule, programme, institution, district, venue, venue_name, day) = row[:8]
        (starts, ends, all_day, status, note, display, title, place) = row[8:]
        out.append(
            SessionRow(
                pk,
                schedule,
                programme,
                institution,
                district or "",
                venue,
                venue_name or "",
                day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)),
                _from_db(starts),
                _from_db(ends),
                bool(all_day),
                status,
                note,
                display or title,
                place or venue_name or "",
            )
        )
    return out


def _sessions_on(schedule_ids: list[int], day: dt.date) -> list[SessionRow]:
    """The sessions of these schedules on one (local) date, earliest first: what
    catalog.session_selectors.sessions_of_schedules_on returns, in one plain query."""
    if not schedule_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _SESSIONS_SQL.format(", ".join(["%s"] * len(schedule_ids))),
            [connection.ops.adapt_datefield_value(day), *schedule_ids],
        )
        return _session_rows(cursor.fetchall())


@dataclass(frozen=True)
class _Lookup:
    """What a check-in reads before it decides, in one round trip (core.sql.batch)."""

    venue: tuple[Any, ...] | None  # (institution_id, district code)
    roles: list[tuple[Any, ...]]  # the staff member's roles; for a device, its row
    replay: tuple[Any, ...] | None  # the row of an earlier scan with this request key
    code: tuple[Any, ...] | None  # what _CODE_SQL reads for the token (None: no token)
    sessions: list[SessionRow] | None  # the day's sessions of the code's schedule


def _lookup(
    kiosk: _Kiosk, venue_id: int, request_key: str, digest: str | None, day: dt.date
) -> _Lookup:
    if kiosk.device_id is not None:
        who = [
            sql.Statement(_DEVICE_SQL, [kiosk.device_id], returns_rows=True),
            sql.Statement(_DEVICE_REPLAY_SQL, [kiosk.device_id, request_key], returns_rows=True),
        ]
    else:
        who = [
            sql.Statement(_ROLES_SQL, [kiosk.user_id], returns_rows=True),
            sql.Statement(_REPLAY_SQL, [kiosk.user_id, request_key], returns_rows=True),
        ]
    statements = [sql.Statement(_VENUE_SQL, [venue_id], returns_rows=True), *who]
    if digest is not None:
        statements += [
            sql.Statement(_CODE_SQL, [digest], returns_rows=True),
            sql.Statement(
                _SESSIONS_OF_CODE_SQL,
                [connection.ops.adapt_datefield_value(day), digest],
                returns_rows=True,
            ),
        ]
    outcomes = sql.batch(statements)
    first = [outcome.rows[0] if outcome.rows else None for outcome in outcomes]
    return _Lookup(
        venue=first[0],
        roles=outcomes[1].rows,
        replay=first[2],
        code=first[3] if digest is not None else None,
        sessions=_session_rows(outcomes[4].rows) if digest is not None else None,
    )


@dataclass(frozen=True)
class _Kiosk:
    """Who takes the check-in: a signed-in staff member (user_id) or a paired kiosk device
    (device_id, signed in as nobody)."""

    user_id: int | None
    device_id: int | None

    @property
    def key(self) -> str:
        """The kiosk in rate-limit keys: per device, or per staff member."""
        return f"device-{self.device_id}" if self.device_id is not None else str(self.user_id)


# The kiosk's lookups by phone tail (issue 19, finding 12): at most LIMIT per WINDOW seconds
# per kiosk (the paired device, or the signed-in user, at the venue), counted in Django's
# cache (the configured shared store); settings LEARNCITY_KIOSK_LOOKUP_LIMIT and
# LEARNCITY_KIOSK_LOOKUP_WINDOW.
KIOSK_LOOKUP_LIMIT = 120  # a 10-minute rush at one kiosk: `bench checkin` needs ~30
KIOSK_LOOKUP_WINDOW = 600


def _lookup_allowed(kiosk: _Kiosk, venue_id: int, now: dt.datetime) -> None:
    """Count one phone-tail lookup of the kiosk; past the limit, refuse (429) until the
    window turns."""
    from django.core.cache import cache

    limit = int(getattr(settings, "LEARNCITY_KIOSK_LOOKUP_LIMIT", KIOSK_LOOKUP_LIMIT))
    window = int(getattr(settings, "LEARNCITY_KIOSK_LOOKUP_WINDOW", KIOSK_LOOKUP_WINDOW))
    moment = int(now.timestamp())
    key = f"learncity:kiosk-lookup:{kiosk.key}:{venue_id}:{moment // window}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this lookup opens a new count
        cache.set(key, 1, timeout=window)
        count = 1
    if count > limit:
        raise LookupLimit(
            gettext("조회가 너무 많습니다. 잠시 후 다시 시도하거나 담당자에게 문의해 주세요"),
            details={"retry_after": window - moment % window},
        )


def _by_phone(
    phone_tail: str, birth_year: int | None, name: str, venue_id: int, day: dt.date
) -> tuple[list[_Candidate], list[SessionRow]]:
    """The candidates of the one person with this phone tail and birth year (and name) among
    those confirmed at the venue with a class there today, and those classes. Every miss is
    the same refusal (person_not_found): nobody with that tail, or nobody of them confirmed
    here today; several people (asking for the name) only when all are confirmed here."""
    tail = re.sub(r"\D", "", phone_tail or "")
    if len(tail) != 4 or birth_year is None or not 1900 <= birth_year <= 2100:
        raise AttendanceError(gettext("전화번호 뒤 네 자리와 태어난 해를 입력해 주세요"))
    today = sessions_on(day, venue_id=venue_id)
    rows = list(
        Application.objects.filter(
            status="confirmed",
            programme__venue_id=venue_id,
            offer__schedule_id__in={s.schedule_id for s in today},
        ).values_list("pk", "offer__schedule_id", "learner_id")
    )
    found = learners_by_phone_among(
        learner_ids={learner for _, _, learner in rows},
        phone_tail=tail,
        birth_year=birth_year,
        name=name.strip(),
    )
    if not found:
        raise PersonNotFound(gettext("일치하는 분이 없습니다"))
    if len(found) > 1:
        # never guess between people: one more detail, else staff
        raise MoreDetailNeeded(
            gettext("같은 번호와 생년의 분이 여러 명입니다. 이름을 입력해 주세요")
            if not name.strip()
            else gettext("여러 명이 일치합니다. 담당자에게 문의해 주세요"),
            details={"ask_for": "name" if not name.strip() else "staff"},
        )
    learner_id, learner_name = found[0]
    candidates = [
        _Candidate(pk, schedule_id, learner_name)
        for pk, schedule_id, learner in rows
        if learner == learner_id
    ]
    mine = {c.schedule_id for c in candidates}
    return candidates, [s for s in today if s.schedule_id in mine]


def _choice_out(session: SessionRow, application_id: int, at: dt.datetime) -> dict[str, Any]:
    opens, closes = _window(session)
    return {
        "session_id": session.id,
        "application_id": application_id,
        "title": session.title,
        "room": session.room,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "status": session.status,
        "open_now": session.status == "scheduled" and opens <= at <= closes,
    }


def _pick(
    candidates: list[_Candidate],
    at: dt.datetime,
    session_id: int | None,
    sessions: list[SessionRow] | None = None,
) -> tuple[_Candidate, SessionRow]:
    """The one session to check in to, or the refusal that says why there is none."""
    by_schedule = {c.schedule_id: c for c in candidates}
    day = timezone.localtime(at).date()
    today = _sessions_on(list(by_schedule), day) if sessions is None else sessions
    if session_id is not None:
        today = [s for s in today if s.id == session_id]
    if not today:
        raise NoSessionNow(gettext("오늘 이 교육장에 수업이 없습니다"))
    open_now: list[SessionRow] = []
    cancelled_now: list[SessionRow] = []
    for session in today:
        opens, closes = _window(session)
        if opens <= at <= closes:
            (open_now if session.status == "scheduled" else cancelled_now).append(session)
    if len(open_now) == 1:
        return by_schedule[open_now[0].schedule_id], open_now[0]
    if len(open_now) > 1:
        raise SessionChoiceNeeded(
            gettext("오늘 수업이 여러 개입니다. 하나를 고르세요"),
            details={
                "choices": [
                    _choice_out(s, by_schedule[s.schedule_id].application_id, at) for s in open_now
                ]
            },
        )
    if cancelled_now:
        session = cancelled_now[0]
        said = (
            gettext("%(title)s: 오늘 수업은 휴강입니다")
            if session.status == "cancelled"
            else gettext("%(title)s: 오늘은 휴일이라 수업이 없습니다")
        ) % {"title": session.title}
        raise SessionCancelled(
            said + (f" ({session.note})" if session.note else ""),
            details={"session_id": session.id, "status": session.status},
        )
    later = [s for s in today if s.status == "scheduled" and _window(s)[0] > at]
    if later:
        first = min(later, key=lambda s: s.starts_at)
        opens = _window(first)[0]
        raise CheckinNotOpen(
            gettext("%(title)s: 출석은 %(opens)s부터입니다 (수업 %(starts)s)")
            % {"title": first.title, "opens": _hhmm(opens), "starts": _hhmm(first.starts_at)},
            details={"session_id": first.id, "opens_at": opens.isoformat()},
        )
    held = [s for s in today if s.status == "scheduled"]
    if held:
        last = max(held, key=lambda s: s.ends_at)
        raise CheckinClosed(
            gettext("%(title)s: 오늘 수업은 %(ends)s에 끝났습니다")
            % {"title": last.title, "ends": _hhmm(last.ends_at)},
            details={"session_id": last.id},
        )
    session = today[0]
    raise SessionCancelled(
        gettext("%(title)s: 오늘 수업은 휴강입니다") % {"title": session.title},
        details={"session_id": session.id, "status": session.status},
    )


def _result(row: dict[str, Any], session: SessionRow, name: str, replayed: bool) -> CheckinResult:
    return CheckinResult(
        attendance_id=row["id"],
        application_id=row["application_id"],
        session_id=session.id,
        status=row["status"],
        method=row["method"],
        checked_in_at=row["checked_in_at"],
        title=session.title,
        room=session.room,
        venue_name=session.venue_name,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        learner_name=mask_name(name),
        replayed=replayed,
    )


_ROW = (
    "id",
    "application_id",
    "session_id",
    "status",
    "method",
    "checked_in_at",
    "request_key",
    "recorded_by_id",
    "kiosk_device_id",
    "application__learner__name",
    "application__learner__phone",
    "application__learner__birth_year",
)


def _replay(
    found: tuple[Any, ...] | None,
    *,
    venue_id: int,
    token: str | None,
    phone_tail: str,
    birth_year: int | None,
) -> CheckinResult | None:
    if found is None:
        return None
    person = sql.one(_PERSON_SQL, [found[1]])
    row = dict(zip(_ROW, (*found, *(person or ("", "", None))), strict=True))
    row["checked_in_at"] = _from_db(row["checked_in_at"])
    session = session_get(row["session_id"])
    same = session is not None and session.venue_id == venue_id
    if same and token is not None:
        parsed = token_parse(token)
        same = (
            parsed is not None
            and CheckinToken.objects.filter(
                digest=digest_of(parsed), application_id=row["application_id"]
            ).exists()
        )
    elif same:
        phone = row["application__learner__phone"] or ""
        same = (
            phone.endswith(re.sub(r"\D", "", phone_tail or "x"))
            and birth_year == row["application__learner__birth_year"]
        )
    if not same or session is None:
        raise IdempotencyConflict(
            "this request id was already used for another check-in; send a new one"
        )
    return _result(row, session, row["application__learner__name"], replayed=True)


def checkin_record(
    *,
    actor: Actor | None = None,
    device_id: int | None = None,
    venue_id: int,
    request_key: str,
    token: str | None = None,
    phone_tail: str = "",
    birth_year: int | None = None,
    name: str = "",
    session_id: int | None = None,
    scanned_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CheckinResult:
    """Check a person in at a venue's kiosk, by QR token or by the last four digits of the
    phone number and the year of birth (then `name` when several people match, and
    `session_id` when the person has several classes open now). Records present, or late
    after LEARNCITY_CHECKIN_LATE_AFTER minutes. `request_key` (8-64 characters, made by the
    kiosk per scan) makes a resend from an offline queue harmless: the same key answers the
    first result with `replayed`; `scanned_at` is when the person was at the kiosk.

    Refusals (attendance_errors): checkin_token_invalid (malformed or forged),
    checkin_token_revoked, checkin_wrong_venue, checkin_not_confirmed, already_checked_in
    (with the time), no_session_now, session_cancelled, checkin_not_open (with the time it
    opens), checkin_closed, person_not_found, more_detail_needed, choose_session (with the
    choices), invalid_scan_time, forbidden, not_found, idempotency_conflict,
    kiosk_device_refused (a paired kiosk revoked, unpaired or of another venue).

    Taken by `actor` (a signed-in staff member) or by `device_id` (a paired kiosk: only at
    its own venue; the row records the device, no user), never both."""
    if (actor is None) == (device_id is None):
        raise ValueError("checkin_record takes an actor or a device, one of them")
    kiosk = _Kiosk(actor.user_id if actor else None, device_id)
    now = now or timezone.now()
    if not _KEY.match(request_key or ""):
        raise AttendanceError("request_key: 8 to 64 letters, digits or - _ . :")
    at = _scan_time(scanned_at, now)
    parsed = token_parse(token) if token is not None and token.strip() else None
    if not 0 < venue_id <= 2**63 - 1:  # no row's id (and SQLite cannot bind it: a 500)
        raise NotFound(f"no venue {venue_id}")
    found = _lookup(
        kiosk,
        venue_id,
        request_key,
        digest_of(parsed) if parsed is not None else None,
        timezone.localtime(at).date(),
    )
    if found.venue is None:
        raise NotFound(f"no venue {venue_id}")
    if kiosk.device_id is not None:
        device = found.roles[0] if found.roles else None
        if device is None or device[0] != venue_id or device[1] is not None or device[2] is None:
            raise KioskDeviceRefused(gettext("이 교육장의 키오스크가 아닙니다"))
    else:
        venue = Scope(institution_id=found.venue[0], district_code=found.venue[1] or "")
        if not allowed(roles_from_rows(found.roles), "attendance.take", venue):
            raise Forbidden("you may not take attendance at this venue")
    replayed = _replay(
        found.replay,
        venue_id=venue_id,
        token=token,
        phone_tail=phone_tail,
        birth_year=birth_year,
    )
    if replayed is not None:
        return replayed
    sessions = None
    if token is not None and token.strip():
        if parsed is None:
            raise TokenInvalid(gettext("출석 코드가 아닙니다"))
        candidates = [_by_token(found.code, venue_id)]
        sessions = found.sessions
        method = Attendance.Method.QR
    elif phone_tail:
        _lookup_allowed(kiosk, venue_id, now)
        candidates, sessions = _by_phone(
            phone_tail, birth_year, name, venue_id, timezone.localtime(at).date()
        )
        method = Attendance.Method.PHONE
    else:
        raise AttendanceError("send a token, or phone_tail and birth_year")
    if not candidates:
        raise NoSessionNow(gettext("오늘 이 교육장에 수업이 없습니다"))
    candidate, session = _pick(candidates, at, session_id, sessions)
    late_after = session.starts_at + dt.timedelta(minutes=settings.LEARNCITY_CHECKIN_LATE_AFTER)
    status = "late" if not session.all_day and at > late_after else "present"
    with transaction.atomic():
        added = sql.one(
            _INSERT_SQL,
            [
                _to_db(now),
                _to_db(now),
                session.id,
                candidate.application_id,
                status,
                _to_db(at),
                method,
                kiosk.user_id,
                kiosk.device_id,
                request_key,
            ],
        )
        inserted = added is not None
        if not inserted:
            # a hand mark without a time (absent, excused) becomes the check-in
            inserted = bool(
                Attendance.objects.filter(
                    session_id=session.id,
                    application_id=candidate.application_id,
                    checked_in_at__isnull=True,
                    status__in=("absent", "excused"),
                ).update(
                    status=status,
                    checked_in_at=at,
                    method=method,
                    recorded_by_id=kiosk.user_id,
                    kiosk_device_id=kiosk.device_id,
                    request_key=request_key,
                    updated_at=now,
                )
            )
    if added is not None:  # the row is what was inserted: no need to read it back
        done = {
            "id": added[0],
            "application_id": candidate.application_id,
            "status": status,
            "method": method,
            "checked_in_at": at,
        }
        return _result(done, session, candidate.learner_name, replayed=False)
    row = (
        Attendance.objects.filter(session_id=session.id, application_id=candidate.application_id)
        .values(*_ROW)
        .first()
    )
    if row is None:  # the key was taken by a concurrent request for another check-in
        raise IdempotencyConflict("this request id was already used for another check-in")
    if not inserted:
        if (
            row["request_key"] == request_key
            and row["recorded_by_id"] == kiosk.user_id
            and row["kiosk_device_id"] == kiosk.device_id
        ):
            return _result(row, session, candidate.learner_name, replayed=True)
        when = row["checked_in_at"]
        said = (
            gettext("%(at)s에 이미 출석했습니다") % {"at": _hhmm(when)}
            if when
            else (gettext("이미 출석으로 기록되어 있습니다"))
        )
        raise AlreadyCheckedIn(
            f"{session.title}: {said}",
            details={
                "checked_in_at": when.isoformat() if when else None,
                "at": _hhmm(when) if when else None,
                "status": row["status"],
                "session_id": session.id,
                "title": session.title,
                "room": session.room,
            },
        )
    return _result(row, session, candidate.learner_name, replayed=False)


def checkin_bare(*, session_id: int, application_id: int, request_key: str) -> bool:
    """Only the attendance insert (ON CONFLICT DO NOTHING), in its own transaction: the floor
    that `learncity bench checkin` compares checkin_record against; never used otherwise."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO attendance_attendance (created_at, updated_at, session_id,"
            " application_id, status, checked_in_at, method, recorded_by_id, request_key,"
            " note) VALUES (%s, %s, %s, %s, 'present', %s, 'qr', NULL, %s, '')"
            " ON CONFLICT DO NOTHING",
            [now, now, session_id, application_id, now, request_key],
        )
        return bool(cursor.rowcount == 1)


# ------------------------------------------------------------------ instructors' marks


def attendance_mark(
    *,
    actor: Actor,
    session_id: int,
    application_id: int,
    status: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Mark a learner present, late, absent or excused (공결) by hand: the institution's
    instructors and managing staff; auditors read only. A kiosk check-in keeps its time; the
    mark changes the status. Returns the row as the roster shows it."""
    now = now or timezone.now()
    if status not in Attendance.Status.values:
        raise AttendanceError(f"status must be one of {', '.join(Attendance.Status.values)}")
    if len(note) > 300:
        raise AttendanceError("the note is at most 300 characters")
    session = session_get(session_id)
    if session is None:
        raise NotFound(f"no session {session_id}")
    scope = Scope(institution_id=session.institution_id, district_code=session.district_code)
    if not allowed(actor, "attendance.take", scope):
        raise Forbidden("you may not take attendance for this session")
    if session.status != "scheduled":
        raise SessionCancelled("this session is cancelled: there is no attendance to take")
    found = (
        Application.objects.filter(pk=application_id)
        .values_list("offer_id", "offer__schedule_id", "status")
        .first()
    )
    if found is None or found[1] != session.schedule_id:
        raise NotFound(f"application {application_id} is not enrolled in this session's course")
    offer_id, _, app_status = found
    if (
        app_status != "confirmed"
        and not Attendance.objects.filter(
            session_id=session_id, application_id=application_id
        ).exists()
    ):
        raise NotConfirmed("this application is not confirmed")
    for _ in range(2):
        try:
            with transaction.atomic():
                row = (
                    Attendance.objects.select_for_update()
                    .filter(session_id=session_id, application_id=application_id)
                    .first()
                )
                was = row.status if row else None
                if row is None:
                    row = Attendance.objects.create(
                        session_id=session_id,
                        application_id=application_id,
                        status=status,
                        method=Attendance.Method.MANUAL,
                        recorded_by_id=actor.user_id,
                        note=note.strip(),
                    )
                else:
                    Attendance.objects.filter(pk=row.pk).update(
                        status=status,
                        recorded_by_id=actor.user_id,
                        note=note.strip(),
                        updated_at=now,
                    )
                _audit(
                    actor,
                    "attendance_marked",
                    offer_id,
                    application_id,
                    session=session_id,
                    status=status,
                    was=was,
                )
            break
        except IntegrityError:  # a kiosk check-in won the race: mark over it
            continue
    else:
        raise InvalidState("the attendance changed while marking: try again")
    return {
        "attendance_id": row.pk,
        "session_id": session_id,
        "application_id": application_id,
        "status": status,
        "was": was,
        "note": note.strip(),
    }


# ------------------------------------------------------------------ completion


def completion_rule_set(
    *, actor: Actor, offer_id: int, threshold_percent: int = 80, excused: str = "absent"
) -> dict[str, Any]:
    """Set an offer's completion rule (managing staff)."""
    offer = Offer.objects.filter(pk=offer_id).first()
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code)
    if not allowed(actor, "attendance.completion_manage", scope):
        raise Forbidden("you may not change this offer's completion rule")
    try:
        completion.Rule(threshold_percent, excused)  # type: ignore[arg-type]
    except ValueError as exc:
        raise AttendanceError(str(exc)) from None
    with transaction.atomic():
        CompletionRule.objects.update_or_create(
            offer_id=offer_id, defaults={"threshold_percent": threshold_percent, "excused": excused}
        )
        _audit(
            actor,
            "completion_rule_set",
            offer_id,
            None,
            threshold_percent=threshold_percent,
            excused=excused,
        )
    return {"offer_id": offer_id, "threshold_percent": threshold_percent, "excused": excused}


def completion_rule_of(offer_id: int) -> completion.Rule:
    found = (
        CompletionRule.objects.filter(offer_id=offer_id)
        .values_list("threshold_percent", "excused")
        .first()
    )
    return completion.Rule(found[0], found[1]) if found else completion.Rule()  # type: ignore[arg-type]


def _complete_offer(offer_id: int, schedule_id: int, now: dt.datetime) -> dict[str, int]:
    rule = completion_rule_of(offer_id)
    facts = [
        completion.SessionFact(s.id, s.status, s.ends_at <= now)
        for s in sessions_of_schedule(schedule_id)
    ]
    applications = list(
        Application.objects.filter(offer_id=offer_id, status="confirmed").values_list(
            "pk", "learner_id"
        )
    )
    marks: dict[int, dict[int, str]] = {pk: {} for pk, _ in applications}
    for application_id, session_id, status in Attendance.objects.filter(
        application_id__in=list(marks)
    ).values_list("application_id", "session_id", "status"):
        marks[application_id][session_id] = status
    counts = {"evaluated": 0, "completed": 0, "emitted": 0, "not_completed": 0, "in_progress": 0}
    described = {
        "version": completion.VERSION,
        "threshold_percent": rule.threshold_percent,
        "excused": rule.excused,
    }
    for application_id, learner_id in applications:
        outcome = completion.evaluate(facts, marks[application_id], rule)
        counts["evaluated"] += 1
        counts[outcome.verdict] += 1
        if not outcome.completed:
            continue
        try:
            with transaction.atomic():  # a savepoint: a duplicate is refused by the unique index
                event = CompletionEvent.objects.create(
                    application_id=application_id,
                    offer_id=offer_id,
                    learner_id=learner_id,
                    at=now,
                    attended=outcome.attended,
                    sessions=outcome.counted,
                    rate_percent=outcome.rate_percent,
                    rule=described,
                )
            counts["emitted"] += 1
            # who follows a completion (analytics: the satisfaction survey's invitation) does
            # so in this transaction, once, as the event itself is written once
            events.publish(
                CompletionEmitted(
                    completion_id=event.pk,
                    application_id=application_id,
                    offer_id=offer_id,
                    learner_id=learner_id,
                    at=now,
                )
            )
        except IntegrityError:
            pass  # emitted before (or by a concurrent run): never twice
    return counts


def completion_run(
    *, offer_id: int | None = None, actor: Actor | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Evaluate completion and emit a CompletionEvent for each newly completed learner,
    exactly once per application however often and however concurrently it runs. With an
    offer: that offer, on demand (managing staff; None is the system). Without: every offer
    whose last held session has ended. Before the end only those who already reached the
    threshold of all held sessions complete."""
    now = now or timezone.now()
    if offer_id is not None:
        offer = (
            Offer.objects.filter(pk=offer_id)
            .values_list("schedule_id", "institution_id", "district_code")
            .first()
        )
        if offer is None:
            raise NotFound(f"no offer {offer_id}")
        scope = Scope(institution_id=offer[1], district_code=offer[2])
        if actor is not None and not allowed(actor, "attendance.completion_manage", scope):
            raise Forbidden("you may not run completion for this offer")
        offers = [(offer_id, offer[0])]
    else:
        pairs = list(Offer.objects.order_by("id").values_list("pk", "schedule_id"))
        ended = schedule_last_end(schedule for _, schedule in pairs)
        offers = [
            (pk, schedule) for pk, schedule in pairs if schedule in ended and ended[schedule] <= now
        ]
    totals = {
        "offers": 0,
        "evaluated": 0,
        "completed": 0,
        "emitted": 0,
        "not_completed": 0,
        "in_progress": 0,
    }
    for pk, schedule_id in offers:
        with transaction.atomic():
            counts = _complete_offer(pk, schedule_id, now)
        totals["offers"] += 1
        for name, value in counts.items():
            totals[name] += value
    return totals


# ------------------------------------------------------------------ reminders


def reminders_queue(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue a reminder (SMS, else e-mail) the day before each held session to every
    confirmed learner who consented to notifications. One message per (session,
    application) ever — the outbox's dedupe key — so running it twice sends nothing twice.
    `learncity outbox send` delivers them."""
    from learncity.notifications.services import queue

    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    sessions = [s for s in sessions_on(tomorrow, limit=100_000) if s.status == "scheduled"]
    by_schedule: dict[int, list[SessionRow]] = {}
    for session in sessions:
        by_schedule.setdefault(session.schedule_id, []).append(session)
    counts = {"sessions": len(sessions), "queued": 0, "already": 0}
    people = (
        Application.objects.filter(offer__schedule_id__in=list(by_schedule), status="confirmed")
        .filter(
            learner__consents__purpose="notifications", learner__consents__withdrawn_at__isnull=True
        )
        .values_list(
            "pk", "offer__schedule_id", "learner__phone", "learner__email", "learner__language"
        )
        .distinct()
    )
    with transaction.atomic():
        for application_id, schedule_id, phone, email, language in people:
            for session in by_schedule[schedule_id]:
                # composed in the learner's language
                with translation.override(language):
                    subject = "[learncity] " + gettext("내일 수업")
                    body = gettext(
                        "%(title)s: 내일(%(date)s) %(when)s %(room)s 수업이 있습니다."
                    ) % {
                        "title": session.title,
                        "date": f"{session.date:%m/%d}",
                        "when": pgettext("all day", "종일")
                        if session.all_day
                        else _hhmm(session.starts_at),
                        "room": session.room,
                    }
                queued = queue(
                    kind="session_reminder",
                    channel="sms" if phone else "email",
                    recipient=phone or email,
                    subject=subject,
                    body=body,
                    dedupe_key=f"reminder:{session.id}:{application_id}",
                )
                counts["queued" if queued else "already"] += 1
    return counts


# ------------------------------------------------------------------ paired kiosks (finding 7)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class KioskPairing:
    device_id: int
    venue_id: int
    name: str
    code: str  # the one-time pairing code: shown once to the staff member, never stored
    expires_at: dt.datetime


@dataclass(frozen=True)
class PairedKiosk:
    device_id: int
    venue_id: int
    secret: str  # for the tablet's cookie only: the database keeps its SHA-256


def _kiosk_venue_scope(venue_id: int) -> Scope:
    from learncity.catalog.session_selectors import venue_owner

    venue = venue_owner(venue_id)
    if venue is None:
        raise NotFound(f"no venue {venue_id}")
    return Scope(institution_id=venue.institution_id, district_code=venue.district_code)


def kiosk_device_register(
    *, actor: Actor, venue_id: int, name: str, now: dt.datetime | None = None
) -> KioskPairing:
    """Register a tablet as a venue's kiosk (staff who manage the venue: its institution's
    staff, the district's officer, a city administrator): a pairing code valid for
    LEARNCITY_KIOSK_PAIRING_MINUTES, once. Audited."""
    now = now or timezone.now()
    name = " ".join((name or "").split())[:100]
    if not name:
        raise AttendanceError(gettext("키오스크 이름을 입력해 주세요 (예: 1층 입구)"))
    if not allowed(actor, "attendance.kiosk_manage", _kiosk_venue_scope(venue_id)):
        raise Forbidden(gettext("이 교육장의 키오스크를 관리할 권한이 없습니다"))
    code = secrets.token_urlsafe(18)
    expires_at = now + dt.timedelta(minutes=settings.LEARNCITY_KIOSK_PAIRING_MINUTES)
    with transaction.atomic():
        device = KioskDevice.objects.create(
            venue_id=venue_id,
            name=name,
            pairing_digest=_digest(code),
            pairing_expires_at=expires_at,
            created_by_id=actor.user_id,
        )
        _audit(actor, "kiosk_registered", None, None, device=device.pk, venue=venue_id, name=name)
    return KioskPairing(device.pk, venue_id, name, code, expires_at)


def kiosk_device_pair(*, code: str, now: dt.datetime | None = None) -> PairedKiosk:
    """Pair the tablet that opened a pairing link: the code works once, before it expires,
    while the device is not revoked; the answer's secret goes into the tablet's cookie.
    One conditional UPDATE: two tablets opening the same link, only one is paired."""
    now = now or timezone.now()
    code = (code or "").strip()[:64]
    if not code:
        raise KioskPairingRefused(gettext("연결 링크가 맞지 않거나 이미 쓰였거나 만료되었습니다"))
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        found = (
            KioskDevice.objects.filter(
                pairing_digest=_digest(code),
                pairing_expires_at__gt=now,
                paired_at__isnull=True,
                revoked_at__isnull=True,
            )
            .values_list("pk", "venue_id")
            .first()
        )
        changed = (
            KioskDevice.objects.filter(pk=found[0], paired_at__isnull=True).update(
                pairing_digest=None,
                pairing_expires_at=None,
                secret_digest=_digest(secret),
                paired_at=now,
                last_seen_at=now,
            )
            if found
            else 0
        )
        if not changed or found is None:
            raise KioskPairingRefused(
                gettext("연결 링크가 맞지 않거나 이미 쓰였거나 만료되었습니다")
            )
        _audit(None, "kiosk_paired", None, None, device=found[0], venue=found[1])
    return PairedKiosk(found[0], found[1], secret)


def kiosk_device_revoke(*, actor: Actor, device_id: int, now: dt.datetime | None = None) -> bool:
    """Revoke a kiosk (a stolen tablet, one taken out of use): refused from its next
    request. False when it was revoked before. Audited."""
    now = now or timezone.now()
    venue_id = KioskDevice.objects.filter(pk=device_id).values_list("venue_id", flat=True).first()
    if venue_id is None:
        raise NotFound(f"no kiosk {device_id}")
    if not allowed(actor, "attendance.kiosk_manage", _kiosk_venue_scope(venue_id)):
        raise Forbidden(gettext("이 교육장의 키오스크를 관리할 권한이 없습니다"))
    with transaction.atomic():
        revoked = KioskDevice.objects.filter(pk=device_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id, pairing_digest=None
        )
        if revoked:
            _audit(actor, "kiosk_revoked", None, None, device=device_id, venue=venue_id)
    return bool(revoked)


def kiosk_device_seen(*, secret: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The paired kiosk whose cookie carries `secret` ({id, venue_id, name}), its use noted
    (at most every few minutes); KioskDeviceRefused when the secret is unknown (forged, or
    of a device paired again), the device revoked, or unused for LEARNCITY_KIOSK_DEVICE_DAYS."""
    now = now or timezone.now()
    refused = KioskDeviceRefused(
        gettext("이 기기는 키오스크로 연결되어 있지 않습니다. 담당자가 다시 연결해 주세요")
    )
    secret = (secret or "").strip()
    if not 20 <= len(secret) <= 100:
        raise refused
    found = (
        KioskDevice.objects.filter(secret_digest=_digest(secret), paired_at__isnull=False)
        .values_list("pk", "venue_id", "name", "revoked_at", "last_seen_at", "paired_at")
        .first()
    )
    if found is None:
        raise refused
    pk, venue_id, name, revoked_at, last_seen_at, paired_at = found
    seen: dt.datetime = last_seen_at or paired_at or now
    if revoked_at is not None or seen < now - dt.timedelta(
        days=settings.LEARNCITY_KIOSK_DEVICE_DAYS
    ):
        raise refused
    if seen < now - dt.timedelta(minutes=5):
        KioskDevice.objects.filter(pk=pk).update(last_seen_at=now)
    return {"id": pk, "venue_id": venue_id, "name": name}
