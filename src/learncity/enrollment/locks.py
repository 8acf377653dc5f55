"""The locking and seat-counting statements of enrolment, in one module (STYLE: each app keeps
its row-locking helpers together), written as plain SQL because they sit on the hot path of
registration day: an ORM query costs more to compile than SQLite or PostgreSQL take to run it,
and `core.sql.batch` sends several of them to PostgreSQL in one round trip.

- `lock_statement` reads the state that decides an application under the offer's row lock
  (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the transaction is IMMEDIATE, so the
  whole database is already locked for writing). Always run inside `transaction.atomic`, and
  first: every other statement of the transaction runs after the lock is held.
- A seat is only ever taken by one conditional UPDATE (`seat_take`, or the guarded
  `first_come_seat_statement` that also checks the window and the method), which cannot
  overbook whatever the caller believed about the counters; the CHECK constraints of the
  table refuse any counter beyond the capacity as a last line.
- `seat_release` gives a seat back, never below zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection

from learncity.core.sql import Outcome, Statement, batch
from learncity.enrollment.models import Application, Offer
from learncity.learners.sql import LEARNER

OFFER = Offer._meta.db_table
DESK: str = Application.Seat.DESK.value
GENERAL: str = Application.Seat.GENERAL.value
FIRST_COME: str = Offer.Method.FIRST_COME.value
THEN_FIRST_COME: str = Offer.Method.LOTTERY_THEN_FIRST_COME.value

_TAKE: dict[str, str] = {
    DESK: f"UPDATE {OFFER} SET desk_taken = desk_taken + 1"
    " WHERE id = %s AND desk_taken < desk_seats",
    GENERAL: f"UPDATE {OFFER} SET general_taken = general_taken + 1"
    " WHERE id = %s AND general_taken < capacity - desk_seats",
}
_RELEASE: dict[str, str] = {
    DESK: f"UPDATE {OFFER} SET desk_taken = desk_taken - 1 WHERE id = %s AND desk_taken > 0",
    GENERAL: f"UPDATE {OFFER} SET general_taken = general_taken - 1"
    " WHERE id = %s AND general_taken > 0",
}
# a general seat for an online first-come application: only while the window is open and
# the method takes seats in arrival order (first-come, or the remainder after a draw)
_TAKE_FIRST_COME = (
    _TAKE[GENERAL] + " AND opens_at <= %s AND %s <= closes_at"
    f" AND (method = '{FIRST_COME}' OR (method = '{THEN_FIRST_COME}' AND drawn_at IS NOT NULL))"
)
_LOCK = (
    "SELECT method, CASE WHEN drawn_at IS NULL THEN 0 ELSE 1 END, per_person_limit, term,"
    " CASE WHEN opens_at <= %s AND %s <= closes_at THEN 1 ELSE 0 END"
    f" FROM {OFFER} WHERE id = %s"
)


@dataclass(frozen=True)
class LockedOffer:
    """What decides an application, read under the offer's lock."""

    method: str
    drawn: bool
    per_person_limit: int
    term: str
    window_open: bool


def _stamp(now: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(now)


def lock_statement(offer_id: int, now: dt.datetime) -> Statement:
    """Lock the offer row until the transaction ends and read its deciding state."""
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return Statement(_LOCK + suffix, [_stamp(now), _stamp(now), offer_id], returns_rows=True)


def locked_offer(outcome: Outcome) -> LockedOffer | None:
    """The state read by `lock_statement`; None when there is no such offer."""
    if not outcome.rows:
        return None
    method, drawn, limit, term, window_open = outcome.rows[0]
    return LockedOffer(method, bool(drawn), int(limit), term, bool(window_open))


def learner_lock_statement(learner_id: int) -> Statement:
    """Lock the person's row until the transaction ends (a per-term limit counts their
    applications to every offer). Taken after the offer's lock, never before."""
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return Statement(f"SELECT id FROM {LEARNER} WHERE id = %s" + suffix, [learner_id], True)


def first_come_seat_statement(offer_id: int, now: dt.datetime) -> Statement:
    """Take a general seat if the offer is open, takes seats in arrival order and has one
    left (rowcount 1), else nothing (rowcount 0)."""
    return Statement(_TAKE_FIRST_COME, [offer_id, _stamp(now), _stamp(now)])


def seat_take(offer_id: int, seat: str) -> bool:
    """One seat of that pool (desk or general) if one is left."""
    return batch([Statement(_TAKE[seat], [offer_id])])[0].rowcount == 1


def seat_release(offer_id: int, seat: str) -> None:
    """Give a seat of that pool back (no-op for "" and never below zero)."""
    if seat in _RELEASE:
        batch([Statement(_RELEASE[seat], [offer_id])])
