"""Writes of enrolment: offers, apply, cancel, waitlist promotion, accept/decline, the
lottery draw and its replay. Every state change is one transaction with its audit event.

No overbooking: a seat is taken only by a conditional UPDATE of the offer's counter
(`... WHERE general_taken < capacity - desk_seats`), inside the transaction that writes the
application, after the offer row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
IMMEDIATE transactions serialise writers). The lock also makes arrival order = the order in
which applications for one offer are written, so a first-come waitlist is in arrival order.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.algorithms import lottery
from learncity.catalog import sql as catalog_sql
from learncity.core import events, sql
from learncity.core.errors import DomainError, NotFound
from learncity.enrollment import locks, payments
from learncity.enrollment.events import NoShowsAsked, PlaceConfirmed, PlaceConfirming
from learncity.enrollment.models import LIVE, Application, AuditEvent, Offer
from learncity.learners import sql as learners_sql
from learncity.learners.access import Actor, Scope, allowed
from learncity.learners.selectors import LearnerFacts, household_proxy, learner_facts

# who may have the fee waived: the self-declared groups of a learner's profile
WAIVER_GROUPS = ("senior", "disability", "low_income", "multicultural")
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


class EnrollmentError(DomainError):
    code = "enrollment_error"


class WindowClosed(EnrollmentError):
    code = "window_closed"
    http_status = 409


class CourseEnded(EnrollmentError):
    """The course is over (its last day is before today): nobody may apply, whatever the
    offer's window says."""

    code = "course_ended"
    http_status = 409


class AlreadyApplied(EnrollmentError):
    code = "already_applied"
    http_status = 409


class NotEligible(EnrollmentError):
    code = "not_eligible"
    http_status = 409


class LimitReached(EnrollmentError):
    code = "limit_reached"
    http_status = 409


class IdempotencyConflict(EnrollmentError):
    code = "idempotency_conflict"
    http_status = 409


class Forbidden(EnrollmentError):
    code = "forbidden"
    http_status = 403


class OfferExists(EnrollmentError):
    code = "offer_exists"
    http_status = 409


class InvalidState(EnrollmentError):
    code = "invalid_state"
    http_status = 409


@dataclass(frozen=True)
class Applied:
    application_id: int
    status: str
    seat: str
    replayed: bool  # True when the idempotency key had been used for this same request


def _audit(
    actor: Actor | None, action: str, offer_id: int | None, app_id: int | None, **data: Any
) -> None:
    """Append one event (a plain INSERT: it is on the hot path of apply)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _AUDIT_INSERT,
            [
                connection.ops.adapt_datetimefield_value(timezone.now()),
                actor.user_id if actor else None,
                action,
                offer_id,
                app_id,
                connection.ops.adapt_json_value(data, None),
            ],
        )


# ------------------------------------------------------------------ notifications

# The learner's messages: Korean msgids, composed in the recipient's language (the learner's
# `language`, read with the phone and e-mail), whatever the language of the page that acted.
_MESSAGES = {
    "confirmed": (
        gettext_lazy("수강 확정"),
        gettext_lazy("{title}: 수강이 확정되었습니다. 출석 QR: {checkin}"),
    ),
    "waitlisted": (
        gettext_lazy("대기 등록"),
        gettext_lazy(
            "{title}: 대기자로 등록되었습니다. 자리가 나면 알려 드립니다."
            " 지금 순번은 '내 신청'에서 볼 수 있습니다."
        ),
    ),
    "pending": (
        gettext_lazy("추첨 신청 접수"),
        gettext_lazy("{title}: 추첨 신청이 접수되었습니다. 결과는 접수 마감 후 알려 드립니다."),
    ),
    "promoted": (
        gettext_lazy("추가 합격"),
        gettext_lazy("{title}: 자리가 났습니다. {deadline}까지 수락해 주세요."),
    ),
    "voucher_failed": (
        gettext_lazy("바우처 결제 실패"),
        gettext_lazy(
            "{title}: 수강은 확정되었지만 선택한 바우처로 결제하지 못했습니다 ({reason})."
            " 다른 방법으로 결제하거나 '내 신청'에서 다시 결제해 주세요."
        ),
    ),
    "drawn": (gettext_lazy("추첨 결과"), gettext_lazy("{title}: 추첨 결과 {result}.")),
}


def _notify(application_id: int, kind: str, **values: Any) -> None:
    """Queue the message for an application's learner in the current transaction."""
    from learncity.catalog.selectors import programme_title

    found = (
        Application.objects.filter(pk=application_id)
        .values_list("programme_id", "learner__phone", "learner__email", "learner__language")
        .first()
    )
    if found is not None:
        programme_id, phone, email, language = found
        contact = Contact(phone, email, language)
        _send(application_id, kind, contact, programme_title(programme_id), **values)


@dataclass(frozen=True)
class Contact:
    """Where and in what language a learner's messages go (learners' `language`: "ko"/"en")."""

    phone: str | None
    email: str
    language: str


def _send(application_id: int, kind: str, contact: Contact, title: str, **values: Any) -> None:
    """The message (phone first, else e-mail); each (application, kind, step) once."""
    step = values.get("step", "")
    sql.batch(
        _message(f"application:{application_id}:{kind}:{step}", kind, contact, title, **values)
    )


def _message(
    dedupe_key: str, kind: str, contact: Contact, title: str, **values: Any
) -> list[sql.Statement]:
    """The statement that queues a message to the learner (none without a contact), composed
    in the learner's language."""
    from learncity.notifications.services import queue_statement

    phone, email = contact.phone, contact.email
    if not (phone or email):
        return []
    subject, template = _MESSAGES[kind]
    with translation.override(contact.language):
        words = {key: str(value) for key, value in values.items()}
        subject_text = f"[learncity] {subject}"
        body = str(template).format(title=title, **words)
    return [
        queue_statement(
            kind=kind,
            channel="sms" if phone else "email",
            recipient=phone or email,
            subject=subject_text,
            body=body,
            dedupe_key=dedupe_key,
        )
    ]


# ------------------------------------------------------------------ offers


def offer_create(
    *,
    actor: Actor,
    schedule_id: int,
    capacity: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    method: str = Offer.Method.FIRST_COME,
    desk_seats: int = 0,
    quotas: list[dict[str, Any]] | None = None,
    priorities: list[str] | None = None,
    eligible_tags: list[str] | None = None,
    term: str = "",
    per_person_limit: int = 0,
    fee_krw: int = 0,
    fee_waiver_groups: list[str] | None = None,
    accept_hours: int = 48,
    as_of: dt.date | None = None,
) -> Offer:
    """An enrolment configuration for a schedule (one per schedule). Refusals name their
    fields in `details["fields"]` (field -> problem), so that a form shows each on its field.
    `as_of`: the day the offer is made, given by the pages and the API (today): a course
    that ended before it takes no offer. Loaders of earlier terms (the demo's last term)
    give the day the offer was made then, or nothing."""
    from learncity.catalog.selectors import schedule_owner

    owner = schedule_owner(schedule_id)
    if owner is None:
        raise NotFound(f"no schedule {schedule_id}")
    scope = Scope(institution_id=owner.institution_id, district_code=owner.district_code)
    if not allowed(actor, "enrollment.offer_manage", scope):
        raise Forbidden("you may not manage enrolment for this institution")
    if as_of is not None and owner.end_date is not None and owner.end_date < as_of:
        raise CourseEnded(
            _("이 강좌는 %(day)s에 끝났습니다. 끝난 강좌에는 수강신청을 열 수 없습니다.")
            % {"day": owner.end_date.isoformat()},
            details={"end_date": owner.end_date.isoformat()},
        )
    problems: dict[str, str] = {}
    if capacity < 1:
        problems["capacity"] = "capacity must be at least 1"
    if not 0 <= desk_seats <= capacity:
        problems["desk_seats"] = "desk seats must be between 0 and the capacity"
    if closes_at <= opens_at:
        problems["closes_at"] = "the window must close after it opens"
    if method not in Offer.Method.values:
        problems["method"] = f"method must be one of {', '.join(Offer.Method.values)}"
    if fee_krw < 0:
        problems["fee_krw"] = "the fee cannot be negative"
    waivers = list(dict.fromkeys(fee_waiver_groups or []))
    unknown = [group for group in waivers if group not in WAIVER_GROUPS]
    if unknown:
        problems["fee_waiver_groups"] = (
            f"fee waivers are for: {', '.join(WAIVER_GROUPS)} (not {', '.join(unknown)})"
        )
    checked_quotas: list[dict[str, Any]] = []
    for quota in quotas or []:
        try:
            checked_quotas.append(
                {"name": str(quota["name"]), "tag": str(quota["tag"]), "seats": int(quota["seats"])}
            )
        except (KeyError, TypeError, ValueError):
            problems["quotas"] = "each quota needs a name, a tag and a number of seats"
    if sum(int(q["seats"]) for q in checked_quotas) + desk_seats > capacity:
        problems.setdefault("quotas", "quotas and desk seats reserve more seats than the capacity")
    if problems:
        raise EnrollmentError("; ".join(problems.values()), details={"fields": problems})
    try:
        with transaction.atomic():
            if Offer.objects.filter(schedule_id=schedule_id).exists():
                raise OfferExists("this schedule already has an enrolment offer")
            offer = Offer.objects.create(
                schedule_id=schedule_id,
                programme_id=owner.programme_id,
                institution_id=owner.institution_id,
                district_code=owner.district_code,
                capacity=capacity,
                desk_seats=desk_seats,
                opens_at=opens_at,
                closes_at=closes_at,
                method=method,
                quotas=checked_quotas,
                priorities=list(priorities or []),
                eligible_tags=list(eligible_tags or []),
                term=term,
                per_person_limit=per_person_limit,
                fee_krw=fee_krw,
                fee_waiver_groups=waivers,
                accept_hours=accept_hours,
            )
            _audit(actor, "offer_created", offer.pk, None, capacity=capacity, method=method)
    except IntegrityError:
        if not Offer.objects.filter(schedule_id=schedule_id).exists():
            raise
        # two staff members opened the same schedule at once: the unique schedule wins
        raise OfferExists("this schedule already has an enrolment offer") from None
    return offer


# ------------------------------------------------------------------ apply


def _learner(learner_id: int) -> LearnerFacts:
    found = learner_facts(learner_id)
    if found is None:
        raise NotFound(f"no learner {learner_id}")
    return found


def learner_tags(learner: LearnerFacts, offer: Offer, today: dt.date) -> list[str]:
    """What a person counts as for quotas, priorities and eligibility."""
    tags = []
    if learner.is_senior(today):
        tags.append("senior")
    if learner.disability:
        tags.append("disability")
    if learner.low_income:
        tags.append("low_income")
    if learner.multicultural:
        tags.append("multicultural")
    if offer.district_code and learner.district_code == offer.district_code:
        tags.append("resident")
    if not Application.objects.filter(learner_id=learner.id, status="confirmed").exists():
        tags.append("first_time")
    return tags


def _no_show_rule(learner_id: int, offer: Offer, tags: list[str], now: dt.datetime) -> list[str]:
    """A per-person rule fed by attendance: with LEARNCITY_NO_SHOW_LIMIT no-shows or more (held
    sessions of confirmed places, neither attended nor excused), an application carries none of
    this offer's priority tags (eligibility and reserved quotas stay), and is marked
    "no_show_limit" so that the draw, its replay and the staff see why. 0 turns it off."""
    from django.conf import settings

    limit = int(getattr(settings, "LEARNCITY_NO_SHOW_LIMIT", 0) or 0)
    # a tag that also fills a reserved quota stays: the quota is the person's, not a priority
    quota_tags = {str(quota.get("tag")) for quota in offer.quotas or []}
    priorities = set(offer.priorities or []) - quota_tags
    if not limit or not priorities & set(tags):
        return tags
    counts: dict[int, int] = events.ask(NoShowsAsked(learner_ids=(learner_id,), now=now))
    if counts.get(learner_id, 0) < limit:
        return tags
    return [tag for tag in tags if tag not in priorities] + ["no_show_limit"]


def _may_apply_for(actor: Actor, learner: LearnerFacts, offer: Offer, channel: str) -> bool:
    """Online: the policy's `enrollment.apply`, for oneself or a household member; at the
    desk or by telephone: `enrollment.desk_apply` (managing staff)."""
    if channel != Application.Channel.ONLINE:
        scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code)
        return allowed(actor, "enrollment.desk_apply", scope)
    own = learner.user_id == actor.user_id or household_proxy(
        user_id=actor.user_id, learner_id=learner.id
    )
    return allowed(actor, "enrollment.apply", Scope(own=own))


def _take_seat(offer_id: int, channel: str) -> str:
    """A seat, or "" when none is left: staff entries (phone, desk) take a reserved desk
    seat first, then a general one."""
    if channel != Application.Channel.ONLINE and locks.seat_take(offer_id, locks.DESK):
        return Application.Seat.DESK
    return Application.Seat.GENERAL if locks.seat_take(offer_id, locks.GENERAL) else ""


def _replay(actor: Actor, key: str, offer_id: int, learner_id: int) -> Applied | None:
    rows = Application.objects.filter(entered_by_id=actor.user_id, idempotency_key=key)
    for pk, offer, learner, status, seat in rows.values_list(
        "pk", "offer_id", "learner_id", "status", "seat"
    )[:1]:
        return _replayed(pk, offer, learner, status, seat, offer_id, learner_id)
    return None


def _replayed(  # noqa: PLR0917 - the row as read, then the request
    pk: int, offer: int, learner: int, status: str, seat: str, offer_id: int, learner_id: int
) -> Applied:
    if offer != offer_id or learner != learner_id:
        raise IdempotencyConflict(
            "this idempotency key was already used for another application; use a new key"
        )
    return Applied(pk, status, seat, replayed=True)


_APP = Application._meta.db_table
_LIVE_SQL = ", ".join(f"'{status}'" for status in LIVE)
_AUDIT_INSERT = (
    f"INSERT INTO {AuditEvent._meta.db_table}"
    " (at, actor_id, action, offer_id, application_id, data) VALUES (%s, %s, %s, %s, %s, %s)"
)
# before the lock, in one query: the offer and its programme's title; the person; this same
# request before (same caller and key: a retry); a live application for the programme. One
# snapshot, so a retry racing its own first request is seen as the retry it is. The unique
# indexes allow at most one row of each join. The live application is found through the
# person's few applications: "+ 0" keeps both planners off the programme's index, which on
# registration day (a popular programme, statistics not yet gathered) would scan thousands.
_FACTS = (
    "SELECT o.programme_id, o.method, o.eligible_tags,"
    " COALESCE(NULLIF(p.display_title, ''), p.title), l.user_id, l.phone, l.email, l.language,"
    " m.id, m.offer_id, m.learner_id, m.status, m.seat, v.id,"
    " CASE WHEN o.opens_at <= %s AND %s <= o.closes_at THEN 1 ELSE 0 END, o.per_person_limit"
    f" FROM {Offer._meta.db_table} o JOIN {catalog_sql.PROGRAMME} p ON p.id = o.programme_id"
    f" LEFT JOIN {learners_sql.LEARNER} l ON l.id = %s"
    f" LEFT JOIN {_APP} m ON m.entered_by_id = %s AND m.idempotency_key = %s"
    f" LEFT JOIN {_APP} v ON v.learner_id = %s AND v.programme_id + 0 = o.programme_id"
    f" AND v.status IN ({_LIVE_SQL})"
    " WHERE o.id = %s"
)
_LIVE_IN_TERM = (
    f"SELECT COUNT(*) FROM {_APP} WHERE learner_id = %s AND term = %s AND status IN ({_LIVE_SQL})"
)
_INSERT = (
    f"INSERT INTO {_APP} (created_at, updated_at, offer_id, programme_id, learner_id,"
    " entered_by_id, channel, status, seat, idempotency_key, tags, term)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
# the audit event of the application just written, found by its unique (caller, key)
_AUDIT_APPLIED = (
    f"INSERT INTO {AuditEvent._meta.db_table}"
    " (at, actor_id, action, offer_id, application_id, data)"
    f" SELECT %s, %s, %s, %s, id, %s FROM {_APP} WHERE entered_by_id = %s AND idempotency_key = %s"
)


def _json_list(value: Any) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value or []]


def apply(
    *,
    actor: Actor,
    offer_id: int,
    learner_id: int,
    idempotency_key: str,
    channel: str = Application.Channel.ONLINE,
    now: dt.datetime | None = None,
    voucher_id: int | None = None,
    voucher_krw: int = 0,
) -> Applied:
    """Apply for an offer. First-come confirms or waitlists at once; a lottery offer keeps
    the application pending until the draw. With `voucher_id`, `voucher_krw` won of the fee
    are paid with that learning voucher when the place is confirmed (enrollment.payments). A
    retried request with the same idempotency key returns the first answer and changes
    nothing.

    What does not decide a seat (who the person is, may the caller act for them, are they
    eligible, did they apply before) is read before the offer is locked, so that the locked
    part (on SQLite: the write lock of the whole database) is as short as it can be; the
    statements are plain SQL (enrollment.locks and the constants above) because this is
    the hot path of registration day."""
    now = now or timezone.now()
    if not _KEY.match(idempotency_key or ""):
        raise EnrollmentError("idempotency key: 8 to 64 letters, digits or - _ . :")
    if channel not in Application.Channel.values:
        raise EnrollmentError(f"channel must be one of {', '.join(Application.Channel.values)}")
    stamp = connection.ops.adapt_datetimefield_value(now)
    facts = sql.one(
        _FACTS, [stamp, stamp, learner_id, actor.user_id, idempotency_key, learner_id, offer_id]
    )
    if facts is None:
        raise NotFound(f"no offer {offer_id}")
    (programme_id, method, eligible_raw, title, user_id, phone, email, language) = facts[:8]
    if user_id is None:
        raise NotFound(f"no learner {learner_id}")
    # a retry gets its first answer whatever changed since (the key is the caller's own)
    mine, live, window_open, limit_seen = facts[8:13], facts[13], facts[14], facts[15]
    if mine[0] is not None:
        return _replayed(mine[0], mine[1], mine[2], mine[3], mine[4], offer_id, learner_id)
    if not window_open:
        raise _window_closed(offer_id)  # before the lock; the lock checks again
    eligible = _json_list(eligible_raw)
    tags: list[str] = []
    own = channel == Application.Channel.ONLINE and user_id == actor.user_id
    if not own or eligible or method != Offer.Method.FIRST_COME:
        # the rarer paths (a proxy or staff, eligibility, lottery tags) read the models
        offer_row = Offer.objects.get(pk=offer_id)
        learner = _learner(learner_id)
        if not own and not _may_apply_for(actor, learner, offer_row, channel):
            raise Forbidden("you may not apply for this person through this channel")
        if eligible or method != Offer.Method.FIRST_COME:
            tags = learner_tags(learner, offer_row, timezone.localtime(now).date())
        if eligible and not set(eligible) & set(tags):
            raise NotEligible(
                f"this programme is for: {', '.join(eligible)}", details={"tags": tags}
            )
        tags = _no_show_rule(learner_id, offer_row, tags, now)
    if channel != Application.Channel.ONLINE:
        tags.append("desk")
    fee = 0
    if voucher_id is not None:
        # a voucher that could never pay is refused before anything is taken
        fee = payments.check(
            learner=_learner(learner_id),
            offer=Offer.objects.get(pk=offer_id),
            voucher_id=voucher_id,
            amount=voucher_krw,
            now=now,
        )
    # a course that is over takes nobody, whatever its window says (issue 18)
    _refuse_ended(offer_id, timezone.localtime(now).date())
    # fast answers outside the lock (the unique indexes below are the guarantee)
    if live is not None:
        raise AlreadyApplied("this person already has an application for this programme")
    online = channel == Application.Channel.ONLINE
    try:
        with transaction.atomic():
            # the locked part: one round trip takes the lock and, online, a first-come seat
            # if there is one; a refusal below rolls it all back
            first = [locks.lock_statement(offer_id, now)]
            if limit_seen:
                # a per-term limit counts the person's applications to other offers too:
                # their row is locked (after the offer's, always in that order)
                first.append(locks.learner_lock_statement(learner_id))
            if online:
                first.append(locks.first_come_seat_statement(offer_id, now))
            outcomes = sql.batch(first)
            offer = locks.locked_offer(outcomes[0])
            if offer is None:
                raise NotFound(f"no offer {offer_id}")
            if not offer.window_open:
                raise _window_closed(offer_id)
            if offer.per_person_limit and not limit_seen:
                # the limit was set a moment ago: lock the person now
                sql.batch([locks.learner_lock_statement(learner_id)])
            if offer.per_person_limit:
                live_count = sql.one(_LIVE_IN_TERM, [learner_id, offer.term])
                if live_count is not None and live_count[0] >= offer.per_person_limit:
                    raise LimitReached(
                        f"at most {offer.per_person_limit} applications per person this term"
                    )
            if offer.method == Offer.Method.LOTTERY and offer.drawn:
                raise WindowClosed("the lottery has been drawn")
            drawn_first = offer.method == Offer.Method.LOTTERY or (
                offer.method == Offer.Method.LOTTERY_THEN_FIRST_COME and not offer.drawn
            )
            if online:
                seat = Application.Seat.GENERAL.value if outcomes[-1].rowcount == 1 else ""
            else:
                seat = "" if drawn_first else _take_seat(offer_id, channel)
            status = "pending" if drawn_first else ("confirmed" if seat else "waitlisted")
            # a confirmed place gets its check-in code (QR link) in the same batch
            code: list[sql.Statement] = []
            message: dict[str, str] = {}
            if status == "confirmed":
                confirming = PlaceConfirming(
                    entered_by_id=actor.user_id, idempotency_key=idempotency_key, now=now
                )
                for addition in events.publish(confirming):
                    code.extend(addition.statements)
                    message.update(addition.message_values)
            # a second live application or a reused key fails here (unique indexes) and
            # the whole transaction, seat included, rolls back
            written = sql.batch(
                [
                    _insert_statement(
                        actor,
                        offer_id,
                        programme_id,
                        learner_id,
                        channel,
                        status,
                        seat,
                        idempotency_key,
                        tags,
                        offer.term,
                        now,
                    ),
                    sql.Statement(
                        _AUDIT_APPLIED,
                        [
                            connection.ops.adapt_datetimefield_value(now),
                            actor.user_id,
                            f"applied_{status}",
                            offer_id,
                            connection.ops.adapt_json_value(
                                {"channel": channel, "seat": seat}, None
                            ),
                            actor.user_id,
                            idempotency_key,
                        ],
                    ),
                    *code,
                    *_message(
                        f"apply:{actor.user_id}:{idempotency_key}",
                        status,
                        Contact(phone, email, language),
                        title,
                        **{"checkin": "", **message},
                    ),
                ]
            )
            applied = Applied(int(written[0].rows[0][0]), status, seat, replayed=False)
            if voucher_id is not None:
                # a refusal here (the balance went short a moment ago) refuses the whole apply
                Application.objects.filter(pk=applied.application_id).update(
                    voucher_choice_id=voucher_id, voucher_choice_krw=voucher_krw
                )
                if status == "confirmed":
                    payments.pay(
                        actor=actor,
                        application_id=applied.application_id,
                        learner_id=learner_id,
                        offer=Offer.objects.get(pk=offer_id),
                        fee=fee,
                        voucher_id=voucher_id,
                        amount=voucher_krw,
                        idempotency_key=f"apply:{actor.user_id}:{idempotency_key}",
                        now=now,
                    )
    except IntegrityError:
        # a concurrent request won a race: the same key (a retry) or a second application
        return _earlier(actor, idempotency_key, offer_id, learner_id)
    return applied


def _confirmed(application_id: int) -> None:
    """A place confirmed after the waiting list or a draw: the contexts above are told in
    this transaction (attendance sends the check-in code as its own message)."""
    events.publish(PlaceConfirmed(application_id=application_id))


def _insert_statement(  # noqa: PLR0917 - the columns of one application
    actor: Actor,
    offer_id: int,
    programme_id: int,
    learner_id: int,
    channel: str,
    status: str,
    seat: str,
    key: str,
    tags: list[str],
    term: str,
    now: dt.datetime,
) -> sql.Statement:
    stamp = connection.ops.adapt_datetimefield_value(now)
    return sql.Statement(
        _INSERT,
        [
            stamp,
            stamp,
            offer_id,
            programme_id,
            learner_id,
            actor.user_id,
            channel,
            status,
            seat,
            key,
            connection.ops.adapt_json_value(tags, None),
            term,
        ],
        returns_rows=True,
    )


def _refuse_ended(offer_id: int, today: dt.date) -> None:
    """CourseEnded when the offer's course had its last day before `today`."""
    last_day = (
        Offer.objects.filter(pk=offer_id).values_list("schedule__end_date", flat=True).first()
    )
    if last_day is not None and last_day < today:
        raise CourseEnded(
            _("이 강좌는 %(day)s에 끝났습니다. 끝난 강좌에는 신청할 수 없습니다.")
            % {"day": last_day.isoformat()},
            details={"end_date": last_day.isoformat()},
        )


def _window_closed(offer_id: int) -> WindowClosed:
    window = Offer.objects.values_list("opens_at", "closes_at").get(pk=offer_id)
    opens, closes = (timezone.localtime(t) for t in window)
    return WindowClosed(
        f"applications are taken from {opens:%Y-%m-%d %H:%M} to {closes:%Y-%m-%d %H:%M}"
    )


def _earlier(actor: Actor, key: str, offer_id: int, learner_id: int) -> Applied:
    """The answer to a request that finds an application before it: its own first answer
    (a retry), or a refusal."""
    replayed = _replay(actor, key, offer_id, learner_id)
    if replayed is not None:
        return replayed
    raise AlreadyApplied("this person already has an application for this programme")


# ------------------------------------------------------------------ cancel, promote


def _promote(offer: Offer, seat: str, now: dt.datetime, actor: Actor | None) -> int | None:
    """Offer a freed seat to the first in the queue (desk seats to desk/phone applications
    only); the promoted person must accept within the offer's accept_hours."""
    queue = Application.objects.filter(offer=offer, status="waitlisted")
    if seat == Application.Seat.DESK:
        queue = queue.exclude(channel=Application.Channel.ONLINE)
    nxt = queue.order_by(Coalesce("queue", "id"), "id").first()
    if nxt is None or not locks.seat_take(offer.pk, seat):
        return None
    deadline = now + dt.timedelta(hours=offer.accept_hours)
    Application.objects.filter(pk=nxt.pk).update(
        status="offered", seat=seat, accept_by=deadline, updated_at=now
    )
    _audit(actor, "promoted", offer.pk, nxt.pk, seat=seat, accept_by=deadline.isoformat())
    local = timezone.localtime(deadline)
    _notify(nxt.pk, "promoted", deadline=f"{local:%Y-%m-%d %H:%M}", step=deadline.isoformat())
    return nxt.pk


def _may_act_on(actor: Actor, application: Application, offer: Offer) -> bool:
    """The policy's `enrollment.application_change`: its own (the learner, or a household
    proxy while the link is not withdrawn) or staff whose role covers the offer now. Who
    entered the application is an audit fact, never a permission (issue 19, finding 6)."""
    own = actor.user_id == application.learner.user_id or household_proxy(
        user_id=actor.user_id, learner_id=application.learner_id
    )
    scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code, own=own)
    return allowed(actor, "enrollment.application_change", scope)


def _locked(application_id: int, actor: Actor) -> tuple[Application, Offer]:
    application = Application.objects.select_related("learner").filter(pk=application_id).first()
    if application is None:
        raise NotFound(f"no application {application_id}")
    offer = Offer.objects.select_for_update().get(pk=application.offer_id)
    application = Application.objects.select_related("learner").get(pk=application_id)
    if not _may_act_on(actor, application, offer):
        raise Forbidden("this application is not yours to change")
    return application, offer


def cancel(*, actor: Actor, application_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Cancel a live application; a freed seat goes to the next in the queue."""
    now = now or timezone.now()
    with transaction.atomic():
        application, offer = _locked(application_id, actor)
        if application.status not in LIVE:
            raise InvalidState(f"the application is already {application.status}")
        seat = application.seat if application.status in ("confirmed", "offered") else ""
        Application.objects.filter(pk=application.pk).update(
            status="cancelled", seat="", updated_at=now
        )
        _audit(actor, "cancelled", offer.pk, application.pk, was=application.status)
        refunds = []
        if application.status == "confirmed":
            refunds = payments.refund_on_leave(application.pk, offer, now)
            for refund in refunds:
                _audit(actor, "voucher_refunded", offer.pk, application.pk, **refund)
        promoted = None
        if seat:
            locks.seat_release(offer.pk, seat)
            promoted = _promote(offer, seat, now, actor)
    return {"cancelled": application.pk, "promoted": promoted, "refunds": refunds}


def accept(*, actor: Actor, application_id: int, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    with transaction.atomic():
        application, offer = _locked(application_id, actor)
        if application.status != "offered":
            raise InvalidState("only a promoted application can be accepted")
        if application.accept_by is not None and now > application.accept_by:
            raise InvalidState("the time to accept has passed")
        Application.objects.filter(pk=application.pk).update(status="confirmed", updated_at=now)
        _audit(actor, "accepted", offer.pk, application.pk)
        _confirmed(application.pk)
        payments.pay_on_confirm(application, offer, now, actor)
    return "confirmed"


def decline(*, actor: Actor, application_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    with transaction.atomic():
        application, offer = _locked(application_id, actor)
        if application.status != "offered":
            raise InvalidState("only a promoted application can be declined")
        Application.objects.filter(pk=application.pk).update(
            status="declined", seat="", updated_at=now
        )
        _audit(actor, "declined", offer.pk, application.pk)
        locks.seat_release(offer.pk, application.seat)
        promoted = _promote(offer, application.seat, now, actor)
    return {"declined": application.pk, "promoted": promoted}


def expire_offers(*, now: dt.datetime | None = None) -> int:
    """Promotions not accepted in time expire and pass to the next in the queue."""
    now = now or timezone.now()
    expired = 0
    late = Application.objects.filter(status="offered", accept_by__lt=now).values_list(
        "pk", "offer_id"
    )
    for application_id, offer_id in list(late):
        with transaction.atomic():
            offer = Offer.objects.select_for_update().get(pk=offer_id)
            application = Application.objects.get(pk=application_id)
            if application.status != "offered":
                continue
            Application.objects.filter(pk=application_id).update(
                status="expired", seat="", updated_at=now
            )
            _audit(None, "expired", offer_id, application_id)
            locks.seat_release(offer_id, application.seat)
            _promote(offer, application.seat, now, None)
            expired += 1
    return expired


# ------------------------------------------------------------------ lottery


def _lottery_inputs(offer: Offer) -> tuple[list[lottery.Quota], list[str]]:
    quotas = []
    if offer.desk_seats:
        quotas.append(lottery.Quota("desk", "desk", offer.desk_seats))
    quotas.extend(lottery.Quota(q["name"], q["tag"], int(q["seats"])) for q in offer.quotas)
    return quotas, list(offer.priorities)


def lottery_draw(
    *, actor: Actor | None, offer_id: int, seed: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Draw the pending applications of a lottery offer once its window has closed."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None:
            raise NotFound(f"no offer {offer_id}")
        scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code)
        if actor is not None and not allowed(actor, "enrollment.lottery_draw", scope):
            raise Forbidden("you may not draw this lottery")
        if offer.method == Offer.Method.FIRST_COME:
            raise InvalidState("this offer is first-come: there is nothing to draw")
        if offer.drawn_at is not None:
            raise InvalidState("the lottery has already been drawn; replay it instead")
        if now < offer.closes_at and offer.method == Offer.Method.LOTTERY:
            raise InvalidState("the lottery is drawn when the window closes")
        pending = list(
            Application.objects.filter(offer=offer, status="pending")
            .select_related("learner")
            .order_by("id")
        )
        by_id = {a.pk: a for a in pending}
        applicants = [lottery.Applicant(str(a.pk), frozenset(a.tags)) for a in pending]
        quotas, priorities = _lottery_inputs(offer)
        seed = seed or secrets.token_hex(16)
        result = lottery.draw(
            applicants, offer.capacity, seed, quotas=quotas, priorities=priorities
        )
        # seat accounting: desk-quota seats are desk seats; a desk seat that no desk
        # application took went to the general draw, and is still counted as a desk seat
        # (if it frees, it returns to the desk quota)
        desk = general = 0
        general_seats = offer.capacity - offer.desk_seats
        for drawn in result.selected:
            if drawn.seat != "desk" and general < general_seats:
                seat, general = Application.Seat.GENERAL, general + 1
            else:
                seat, desk = Application.Seat.DESK, desk + 1
            Application.objects.filter(pk=int(drawn.id)).update(
                status="confirmed", seat=seat, updated_at=now
            )
            _notify(int(drawn.id), "drawn", result=gettext_lazy("당첨"))
            _confirmed(int(drawn.id))
            if by_id[int(drawn.id)].voucher_choice_id:
                payments.pay_on_confirm(by_id[int(drawn.id)], offer, now, None)
        for position, waiting in enumerate(result.waitlist):
            Application.objects.filter(pk=int(waiting)).update(
                status="waitlisted", queue=position - len(result.waitlist), updated_at=now
            )
            _notify(
                int(waiting),
                "drawn",
                result=format_lazy(gettext_lazy("대기 {number}번"), number=position + 1),
            )
        Offer.objects.filter(pk=offer.pk).update(
            general_taken=general,
            desk_taken=desk,
            drawn_at=now,
            lottery_seed=seed,
            lottery_version=result.version,
            lottery_digest=result.digest(),
        )
        _audit(
            actor,
            "lottery_drawn",
            offer.pk,
            None,
            version=result.version,
            seed=seed,
            capacity=offer.capacity,
            applicants=[[a.id, sorted(a.tags)] for a in applicants],
            quotas=[[q.name, q.tag, q.seats] for q in quotas],
            priorities=priorities,
            selected=[[d.id, d.seat] for d in result.selected],
            waitlist=list(result.waitlist),
            digest=result.digest(),
        )
    return {
        "offer": offer.pk,
        "seed": seed,
        "version": result.version,
        "digest": result.digest(),
        "selected": len(result.selected),
        "waitlisted": len(result.waitlist),
    }


def lottery_replay(offer_id: int) -> dict[str, Any]:
    """Re-draw a lottery from its published inputs; `identical` says whether the result is
    the recorded one, bit for bit."""
    event = (
        AuditEvent.objects.filter(offer_id=offer_id, action="lottery_drawn").order_by("id").last()
    )
    if event is None:
        raise NotFound(f"offer {offer_id} has no lottery draw to replay")
    data = event.data
    if data["version"] != lottery.VERSION:
        raise InvalidState(
            f"the draw used {data['version']}; this release replays {lottery.VERSION}"
        )
    again = lottery.draw(
        [lottery.Applicant(i, frozenset(tags)) for i, tags in data["applicants"]],
        int(data["capacity"]),
        data["seed"],
        quotas=[lottery.Quota(n, t, int(s)) for n, t, s in data["quotas"]],
        priorities=data["priorities"],
    )
    recorded = Offer.objects.filter(pk=offer_id).values_list("lottery_digest", flat=True).first()
    same = (
        again.digest() == data["digest"] == recorded
        and [[d.id, d.seat] for d in again.selected] == data["selected"]
        and list(again.waitlist) == data["waitlist"]
    )
    return {
        "offer": offer_id,
        "version": again.version,
        "seed": data["seed"],
        "digest": again.digest(),
        "recorded_digest": recorded,
        "identical": same,
        "selected": [[d.id, d.seat] for d in again.selected],
        "waitlist": list(again.waitlist),
    }


def seat_take_bare(offer_id: int) -> bool:
    """Only the conditional seat update, in its own transaction: the floor that
    `learncity bench rush` compares apply() against (never used by the service itself)."""
    with transaction.atomic():
        return locks.seat_take(offer_id, locks.GENERAL)
