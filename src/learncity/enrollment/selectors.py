"""Reads of enrolment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from learncity.algorithms import registration
from learncity.algorithms.registration import RegistrationStatus
from learncity.core.errors import NotFound
from learncity.enrollment.models import LIVE, Application, AuditEvent, Offer
from learncity.learners.access import Actor, Reach, Roles, Scope, allowed, reach_of, roles_of
from learncity.search.events import RegistrationAsked


def offer_count() -> int:
    return Offer.objects.count()


def offer_id_of_schedule(schedule_id: int) -> int | None:
    found: int | None = (
        Offer.objects.filter(schedule_id=schedule_id).values_list("pk", flat=True).first()
    )
    return found


def seat_audit(exclude: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The invariants, read back from the database: schedules with more confirmed (or
    promoted) people than seats, counters that disagree with the applications, and people
    with more than one live application for a programme."""
    overbooked: list[int] = []
    counter_mismatch: list[int] = []
    for offer in Offer.objects.exclude(pk__in=exclude):
        holding = Application.objects.filter(offer=offer, status__in=("confirmed", "offered"))
        held = holding.count()
        if held > offer.capacity:
            overbooked.append(offer.pk)
        desk = holding.filter(seat=Application.Seat.DESK).count()
        if (offer.general_taken, offer.desk_taken) != (held - desk, desk):
            counter_mismatch.append(offer.pk)
    live: dict[tuple[int, int], int] = {}
    for programme_id, learner_id in Application.objects.filter(status__in=LIVE).values_list(
        "programme_id", "learner_id"
    ):
        live[(programme_id, learner_id)] = live.get((programme_id, learner_id), 0) + 1
    duplicates = sum(1 for n in live.values() if n > 1)
    return {
        "offers": Offer.objects.count(),
        "overbooked": overbooked,
        "counter_mismatch": counter_mismatch,
        "duplicate_live_applications": duplicates,
    }


_OFFER_FIELDS = (
    "id",
    "schedule_id",
    "programme_id",
    "capacity",
    "desk_seats",
    "general_taken",
    "desk_taken",
    "opens_at",
    "closes_at",
    "method",
    "drawn_at",
    "lottery_seed",
    "lottery_version",
    "lottery_digest",
)


def offer_detail(offer_id: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = Offer.objects.filter(pk=offer_id).values(*_OFFER_FIELDS).first()
    return found


def applications_of(user_id: int) -> list[dict[str, Any]]:
    """Applications of the user's learner profile and of the household members the user
    may act for."""
    from django.db.models import Q

    from learncity.learners.selectors import household_member_ids

    members = household_member_ids(proxy_user_id=user_id)
    return [
        dict(row)
        for row in Application.objects.filter(
            Q(learner__user_id=user_id) | Q(learner_id__in=members)
        )
        .order_by("-id")
        .values(
            "id",
            "offer_id",
            "programme_id",
            "learner_id",
            "status",
            "seat",
            "channel",
            "accept_by",
            "created_at",
            schedule_id=F("offer__schedule_id"),
        )[:200]
    ]


def _current_offer_ids(
    programme_ids: list[int] | None, today: dt.date
) -> dict[int, dict[str, Any]]:
    """Each programme's current offer (the one its page, search and the API show): the first
    of its schedules, by start date, whose course is not over; when all are over, the last.
    Keyed by programme id; the values carry the facts the status needs."""
    offers = Offer.objects.all()
    if programme_ids is not None:
        # an id no row can have (a path of 20 digits) is no row, not an overflow in SQLite
        ids = [pk for pk in programme_ids if -(2**63) <= pk < 2**63]
        offers = offers.filter(programme_id__in=ids)
    rows = offers.order_by("programme_id", "schedule__start_date", "schedule_id").values(
        "id",
        "programme_id",
        "opens_at",
        "closes_at",
        "method",
        "capacity",
        "desk_seats",
        "general_taken",
        "drawn_at",
        end_date=F("schedule__end_date"),
    )
    chosen: dict[int, dict[str, Any]] = {}
    for row in rows:
        known = chosen.get(row["programme_id"])
        if known is None or known["end_date"] < today:
            chosen[row["programme_id"]] = dict(row)
    return chosen


def _status_of(row: dict[str, Any], now: dt.datetime, today: dt.date) -> RegistrationStatus:
    opens, closes = timezone.localtime(row["opens_at"]), timezone.localtime(row["closes_at"])
    return registration.offer_status(
        now=now,
        today=today,
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        opens_on=opens.date(),
        closes_on=closes.date(),
        course_end=row["end_date"],
        seats_left=row["capacity"] - row["desk_seats"] - row["general_taken"],
        first_come=row["method"] == Offer.Method.FIRST_COME,
    )


def moment_of(today: dt.date | None, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.date]:
    """(now, today) for a status: the real moment, or noon of another day asked for (search's
    `?today=`)."""
    now = now or timezone.now()
    if today is None or today == timezone.localdate(now):
        return now, timezone.localdate(now)
    noon = dt.datetime.combine(today, dt.time(12, 0))
    return timezone.make_aware(noon), today


def registration_statuses(
    *,
    programme_ids: list[int] | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict[int, RegistrationStatus]:
    """The registration status of every programme with an enrolment offer (of its current
    offer), by programme id: what search shows and filters on for those programmes."""
    if programme_ids is None and not _any_offer():
        return {}  # a catalogue without enrolment offers: every search asks, one cheap read
    now, today = moment_of(today, now)
    return {
        programme_id: _status_of(row, now, today)
        for programme_id, row in _current_offer_ids(programme_ids, today).items()
    }


_ANY_OFFER_SQL = f"SELECT 1 FROM {Offer._meta.db_table} LIMIT 1"  # noqa: S608 (our name)


def _any_offer() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_ANY_OFFER_SQL)
        return cursor.fetchone() is not None


def registration_asked(asked: RegistrationAsked) -> dict[int, RegistrationStatus]:
    """Search's question (learncity.search.events): the statuses the offers decide."""
    return registration_statuses(today=asked.today)


def registration_status(
    programme_id: int,
    *,
    published: dict[str, Any] | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RegistrationStatus:
    """THE registration status of a programme (issue 18, item 6): from its current enrolment
    offer when it has one (window, places, the course's last day), else from the window its
    source published (`published`: the catalog row with registration_start,
    registration_end, start_date and end_date; read when not given). Search, the programme
    page, the quick links and the API all show this."""
    from learncity.catalog.selectors import programme_rows

    now, today = moment_of(today, now)
    current = _current_offer_ids([programme_id], today).get(programme_id)
    if current is not None:
        return _status_of(current, now, today)
    if published is None:
        found = list(programme_rows(ids=[programme_id]))
        if not found:
            raise NotFound(f"no programme {programme_id}")
        published = found[0]
    return registration.published_status(
        today=today,
        start=published.get("registration_start"),
        end=published.get("registration_end"),
        course_start=published.get("start_date"),
        course_end=published.get("end_date"),
    )


def offer_of_programme(programme_id: int) -> dict[str, Any] | None:
    """The programme's current offer (its page shows it; see _current_offer_ids), if any."""
    current = _current_offer_ids([programme_id], timezone.localdate()).get(programme_id)
    if current is None:
        return None
    found: dict[str, Any] | None = (
        Offer.objects.filter(pk=current["id"])
        .values(
            *_OFFER_FIELDS,
            "accept_hours",
            "eligible_tags",
            "per_person_limit",
            "fee_krw",
            "fee_waiver_groups",
        )
        .first()
    )
    return found


def waitlist_position(application_id: int) -> int | None:
    """1 for the first in the queue of the application's offer; None when not waitlisted.
    The queue order is the one promotion uses (draw order, else arrival)."""
    from django.db.models.functions import Coalesce

    found = (
        Application.objects.filter(pk=application_id, status="waitlisted")
        .values_list("offer_id", flat=True)
        .first()
    )
    if found is None:
        return None
    queue = list(
        Application.objects.filter(offer_id=found, status="waitlisted")
        .order_by(Coalesce("queue", "id"), "id")
        .values_list("pk", flat=True)
    )
    return queue.index(application_id) + 1


# ------------------------------------------------------------------ what a learner may do now
# The flags the pages show are derived here, once, from the offer's and the application's
# state: the pages only render them.


def offer_for_applicants(
    programme_id: int, *, now: dt.datetime | None = None
) -> dict[str, Any] | None:
    """The offer a programme's page shows (offer_of_programme) with what follows from it now:
    `seats_left` (general places, never below 0; the desk places are not offered online) and
    `window` (upcoming, open, closed) with `window_open` and `window_upcoming`."""
    offer = offer_of_programme(programme_id)
    if offer is None:
        return None
    now = now or timezone.now()
    window = window_of(offer["opens_at"], offer["closes_at"], now)
    general = offer["capacity"] - offer["desk_seats"]
    status = registration_status(programme_id, now=now)
    return {
        **offer,
        "seats_left": max(general - offer["general_taken"], 0),
        "window": window,
        "registration": status,
        # an ended course takes no application, whatever its window says
        "window_open": status.accepting,
        "window_upcoming": status.state == "upcoming",
    }


def application_flags(row: dict[str, Any]) -> dict[str, Any]:
    """What the learner may do with an application (a row of applications_of) now:
    `may_cancel` a live one (pending, confirmed, waitlisted, offered), `may_answer` (accept or
    decline) a place offered, and its `position` on the waiting list (None when not waiting)."""
    status = row["status"]
    return {
        "position": waitlist_position(row["id"]) if status == "waitlisted" else None,
        "may_cancel": status in LIVE,
        "may_answer": status == "offered",
    }


def applications_with_flags(user_id: int) -> list[dict[str, Any]]:
    """applications_of(user_id), each row with its application_flags."""
    return [{**row, **application_flags(row)} for row in applications_of(user_id)]


def live_application_for_offer(
    user_id: int, *, offer_id: int, programme_id: int
) -> dict[str, Any] | None:
    """The user's (or a household member's) live application for the offer, with its flags;
    None after a cancellation (the apply form is back)."""
    for row in applications_of(user_id):
        mine = row["offer_id"] == offer_id and row["programme_id"] == programme_id
        if mine and row["status"] in LIVE:
            return {**row, **application_flags(row)}
    return None


# ------------------------------------------------------------------ staff reads

_MAX_ID = 2**63 - 1  # larger numbers are no row's id (and SQLite cannot bind them)


@dataclass(frozen=True)
class StaffScope:
    """What a user's staff roles reach, as filters: the access policy's enrolment rows
    (`enrollment.offer_read`, `enrollment.offer_manage`), for listing many offers in one
    query."""

    has_role: bool  # any staff role (the staff pages open)
    read: Reach
    manage: Reach

    @property
    def manages_any(self) -> bool:
        return self.manage.anywhere

    def may_manage(self, institution_id: int | None, district_code: str) -> bool:
        return self.manage.covers(Scope(institution_id=institution_id, district_code=district_code))


def staff_scope(actor: Actor | Roles) -> StaffScope:
    roles = actor if isinstance(actor, Roles) else roles_of(actor)
    return StaffScope(
        has_role=allowed(roles, "portal.staff_enter"),
        read=reach_of(roles, "enrollment.offer_read"),
        manage=reach_of(roles, "enrollment.offer_manage"),
    )


def _readable(scope: StaffScope) -> Q:
    if scope.read.everywhere:
        return Q()
    return Q(institution_id__in=scope.read.institutions) | Q(
        district_code__in=scope.read.all_districts
    )


def window_of(opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime) -> str:
    if now < opens_at:
        return "upcoming"
    return "open" if now <= closes_at else "closed"


OFFER_WINDOWS = ("upcoming", "open", "closed")
OFFER_STATES = ("seats_left", "full", "waitlist", "to_draw", "drawn")
_STAFF_FIELDS = (
    *_OFFER_FIELDS,
    "institution_id",
    "district_code",
    "programme__display_title",
    "programme__title",
    "institution__name",
)


def offer_page_for_staff(
    actor: Actor,
    *,
    window: str = "",
    state: str = "",
    page: int | str = 1,
    per_page: int = 20,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The offers the actor may read (the policy's `enrollment.offer_read`), newest window
    first, with seats taken, the waiting list and pending lottery entries counted; `window`
    (upcoming, open, closed) and `state` (seats_left, full, waitlist, to_draw, drawn)
    narrow the list."""
    from django.core.paginator import Paginator

    now = now or timezone.now()
    scope = staff_scope(actor)
    offers = Offer.objects.filter(_readable(scope)) if scope.has_role else Offer.objects.none()
    if window == "upcoming":
        offers = offers.filter(opens_at__gt=now)
    elif window == "open":
        offers = offers.filter(opens_at__lte=now, closes_at__gte=now)
    elif window == "closed":
        offers = offers.filter(closes_at__lt=now)
    seats_left = Q(general_taken__lt=F("capacity") - F("desk_seats")) | Q(
        desk_taken__lt=F("desk_seats")
    )
    offers = offers.annotate(
        waitlisted=Count("applications", filter=Q(applications__status="waitlisted")),
        pending=Count("applications", filter=Q(applications__status="pending")),
        offered=Count("applications", filter=Q(applications__status="offered")),
    )
    if state == "seats_left":
        offers = offers.filter(seats_left)
    elif state == "full":
        offers = offers.exclude(seats_left)
    elif state == "waitlist":
        offers = offers.filter(waitlisted__gt=0)
    elif state == "to_draw":
        offers = offers.exclude(method=Offer.Method.FIRST_COME).filter(drawn_at__isnull=True)
    elif state == "drawn":
        offers = offers.filter(drawn_at__isnull=False)
    rows = offers.order_by("-opens_at", "-id").values(
        *_STAFF_FIELDS, "waitlisted", "pending", "offered"
    )
    paginator = Paginator(rows, per_page)
    shown = paginator.get_page(page)
    return {
        "rows": [_staff_row(row, scope, now) for row in shown.object_list],
        "page": shown.number,
        "pages": paginator.num_pages,
        "total": paginator.count,
        "has_previous": shown.has_previous(),
        "has_next": shown.has_next(),
        "manages_any": scope.manages_any,
        "has_role": scope.has_role,
    }


def _staff_row(row: dict[str, Any], scope: StaffScope, now: dt.datetime) -> dict[str, Any]:
    return {
        **row,
        "title": row["programme__display_title"] or row["programme__title"],
        "institution": row["institution__name"],
        "window": window_of(row["opens_at"], row["closes_at"], now),
        "general_seats": row["capacity"] - row["desk_seats"],
        "may_manage": scope.may_manage(row["institution_id"], row["district_code"]),
    }


def offer_get_for_staff(
    actor: Actor, offer_id: int, *, manage: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The offer, for a staff page: NotFound when there is none, Forbidden unless the actor
    may read it (or, with `manage`, change it). The one access helper of the staff pages."""
    from learncity.enrollment.services import Forbidden

    now = now or timezone.now()
    matching = (
        Offer.objects.filter(pk=offer_id) if 0 < offer_id <= _MAX_ID else Offer.objects.none()
    )
    values = matching.values(
        *_STAFF_FIELDS,
        "term",
        "per_person_limit",
        "fee_krw",
        "fee_waiver_groups",
        "accept_hours",
        "quotas",
        "priorities",
        "eligible_tags",
        "schedule__start_date",
        "schedule__end_date",
        "schedule__start_time",
        "schedule__end_time",
        "schedule__weekdays",
        "schedule__place",
    ).first()
    found: dict[str, Any] | None = dict(values) if values is not None else None
    if found is None:
        raise NotFound(f"no offer {offer_id}")
    roles = roles_of(actor)
    scope = Scope(institution_id=found["institution_id"], district_code=found["district_code"])
    may_manage = allowed(roles, "enrollment.offer_manage", scope)
    if manage and not may_manage:
        raise Forbidden("you may not manage enrolment for this institution")
    if not may_manage and not allowed(roles, "enrollment.offer_read", scope):
        raise Forbidden("you may not see enrolment of this institution")
    row = _staff_row(found, staff_scope(roles), now)
    row["may_manage"] = may_manage
    return row


def offer_roster(offer_id: int) -> dict[str, Any]:
    """Everyone who applied to an offer, by status: confirmed, offered (with the deadline),
    the waiting list in the order promotion uses (position 1 first), pending lottery
    entries, and those who left (cancelled, declined, expired); and the counts."""
    from django.db.models.functions import Coalesce

    rows = Application.objects.filter(offer_id=offer_id).values(
        "id",
        "status",
        "seat",
        "channel",
        "tags",
        "created_at",
        "updated_at",
        "accept_by",
        "queue",
        "learner_id",
        "learner__name",
        "learner__birth_year",
        "learner__phone",
        "entered_by__username",
    )
    waitlist = [
        {**row, "position": n}
        for n, row in enumerate(
            rows.filter(status="waitlisted").order_by(Coalesce("queue", "id"), "id"), start=1
        )
    ]
    groups: dict[str, list[dict[str, Any]]] = {
        "confirmed": [dict(r) for r in rows.filter(status="confirmed").order_by("id")],
        "offered": [dict(r) for r in rows.filter(status="offered").order_by("accept_by", "id")],
        "waitlisted": waitlist,
        "pending": [dict(r) for r in rows.filter(status="pending").order_by("id")],
        "left": [
            dict(r)
            for r in rows.filter(status__in=("cancelled", "declined", "expired")).order_by(
                "-updated_at"
            )
        ],
    }
    for group in groups.values():
        for row in group:
            row["phone_masked"] = mask_phone(row["learner__phone"])
    counts = dict(
        Application.objects.filter(offer_id=offer_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {**groups, "counts": counts}


def mask_phone(phone: str | None) -> str:
    """010-****-5678: enough for staff to confirm a person on the telephone."""
    if not phone:
        return ""
    return f"{phone[:3]}-****-{phone[-4:]}"


def offer_audit_events(offer_id: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """The audit log of an offer (and its applications), oldest first, with who acted."""
    from django.contrib.auth import get_user_model

    events: list[dict[str, Any]] = [
        dict(event)
        for event in AuditEvent.objects.filter(offer_id=offer_id)
        .order_by("id")
        .values("id", "at", "actor_id", "action", "application_id", "data")[:limit]
    ]
    ids = {e["actor_id"] for e in events if e["actor_id"] is not None}
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    for event in events:
        event["actor"] = names.get(event["actor_id"], "") if event["actor_id"] else ""
    return events


def application_offer_id(application_id: int) -> int | None:
    if not 0 < application_id <= _MAX_ID:
        return None
    found: int | None = (
        Application.objects.filter(pk=application_id).values_list("offer_id", flat=True).first()
    )
    return found


def schedule_get_for_staff(actor: Actor, schedule_id: int) -> dict[str, Any]:
    """A schedule for opening enrolment on it: NotFound when there is none, Forbidden unless
    the actor manages the institution or district that runs it (`enrollment.offer_manage`),
    with the id of its offer when it has one already (`offer_id`)."""
    from learncity.catalog.selectors import schedule_choices, schedule_owner
    from learncity.enrollment.services import Forbidden

    owner = schedule_owner(schedule_id) if 0 < schedule_id <= _MAX_ID else None
    if owner is None:
        raise NotFound(f"no schedule {schedule_id}")
    scope = Scope(institution_id=owner.institution_id, district_code=owner.district_code)
    if not allowed(actor, "enrollment.offer_manage", scope):
        raise Forbidden("you may not manage enrolment for this institution")
    _, rows = schedule_choices(ids=[schedule_id], limit=1)
    return {**rows[0], "offer_id": offer_id_of_schedule(schedule_id)}


def schedules_for_staff(
    actor: Actor, *, q: str = "", page: int = 1, per_page: int = 20
) -> dict[str, Any]:
    """The schedules without an offer that the actor may open enrolment on, a page of them."""
    from learncity.catalog.selectors import schedule_choices

    reach = reach_of(actor, "enrollment.offer_manage")
    if not reach.anywhere:
        return {"rows": [], "total": 0, "page": 1, "pages": 1}
    everything = reach.everywhere

    def chosen(number: int) -> tuple[int, list[dict[str, Any]]]:
        return schedule_choices(
            institution_ids=None if everything else reach.institutions,
            district_codes=None if everything else reach.all_districts,
            without_offer=True,
            ending_from=timezone.localdate(),  # an ended course takes no offer
            q=q[:100],
            limit=per_page,
            offset=(number - 1) * per_page,
        )

    page = min(max(page, 1), 10**6)
    total, rows = chosen(page)
    pages = max((total + per_page - 1) // per_page, 1)
    if page > pages:  # past the end: the last page
        page = pages
        total, rows = chosen(page)
    return {"rows": rows, "total": total, "page": page, "pages": pages}


def offer_of_application(application_id: int) -> dict[str, Any] | None:
    """The offer's id, institution and fee of an application (None when there is none)."""
    found = (
        Application.objects.filter(pk=application_id)
        .values(
            offer_pk=F("offer_id"),
            institution_id=F("offer__institution_id"),
            fee_krw=F("offer__fee_krw"),
        )
        .first()
    )
    return dict(found) if found is not None else None


def offer_institution_ids() -> list[int]:
    """The institutions that take applications here (those with an offer)."""
    return sorted(set(Offer.objects.values_list("institution_id", flat=True)))


def offers_turning_for_staff(
    actor: Actor,
    *,
    within: dt.timedelta = dt.timedelta(days=7),
    limit: int = 10,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """For the staff home: the offers the actor may read (`enrollment.offer_read`) that open
    within `within` (soonest first), that close within it (soonest first), and those with a
    waiting list, each at most `limit`, with how many there are in all."""
    now = now or timezone.now()
    scope = staff_scope(actor)
    offers = Offer.objects.filter(_readable(scope)) if scope.has_role else Offer.objects.none()
    offers = offers.annotate(
        waitlisted=Count("applications", filter=Q(applications__status="waitlisted"))
    )
    fields = ("id", "programme__display_title", "programme__title", "institution__name")

    def rows(found: Any, order: str) -> dict[str, Any]:
        listed = [
            {
                **row,
                "title": row["programme__display_title"] or row["programme__title"],
                "institution": row["institution__name"],
            }
            for row in found.order_by(order, "id").values(
                *fields, "opens_at", "closes_at", "waitlisted"
            )[:limit]
        ]
        return {"count": found.count(), "rows": listed}

    soon = now + within
    return {
        "opening": rows(offers.filter(opens_at__gt=now, opens_at__lte=soon), "opens_at"),
        "closing": rows(
            offers.filter(opens_at__lte=now, closes_at__gte=now, closes_at__lte=soon), "closes_at"
        ),
        "waiting": rows(offers.filter(waitlisted__gt=0), "closes_at"),
    }
