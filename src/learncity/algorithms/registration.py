"""A schedule's registration status: the one decision that search, the programme page, the
quick links and the API all show (issue 18: "search marks it 마감 while the page takes the
application").

Pure: the callers read the facts (enrollment.selectors.registration_status reads them from
an offer when the schedule has one, else from the published window) and this module decides.

States, with the coarse status that search filters on (`status`: upcoming, open, closed,
unknown — the values of `?status=`):

- `upcoming` (upcoming): the window opens later;
- `open` (open): applications are taken now and places are left (or a lottery takes entries);
- `closing_soon` (open): open, and the window closes within CLOSING_SOON_DAYS days;
- `waitlist` (open): open, first come, every place taken: an application joins the waiting
  list;
- `closed` (closed): the window is over (or no window is known and the course has started);
- `ended` (closed): the course is over (its last day is before today): nobody may apply,
  whatever the window says;
- `unknown` (unknown): no window is known and the course has not started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STATES = ("upcoming", "open", "closing_soon", "waitlist", "closed", "ended", "unknown")
COARSE = {
    "upcoming": "upcoming",
    "open": "open",
    "closing_soon": "open",
    "waitlist": "open",
    "closed": "closed",
    "ended": "closed",
    "unknown": "unknown",
}
ACCEPTING = frozenset({"open", "closing_soon", "waitlist"})
CLOSING_SOON_DAYS = 2  # closes today, tomorrow or the day after


@dataclass(frozen=True)
class RegistrationStatus:
    state: str  # one of STATES
    days: int | None  # upcoming: days until it opens; accepting: days until it closes

    @property
    def status(self) -> str:
        """The coarse status (upcoming, open, closed, unknown) that search filters on."""
        return COARSE[self.state]

    @property
    def accepting(self) -> bool:
        return self.state in ACCEPTING


def _accepting(days_left: int | None, *, waitlist: bool) -> RegistrationStatus:
    if waitlist:
        return RegistrationStatus("waitlist", days_left)
    if days_left is not None and days_left <= CLOSING_SOON_DAYS:
        return RegistrationStatus("closing_soon", days_left)
    return RegistrationStatus("open", days_left)


def offer_status(
    *,
    now: dt.datetime,
    today: dt.date,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    closes_on: dt.date,
    opens_on: dt.date,
    course_end: dt.date | None,
    seats_left: int,
    first_come: bool,
) -> RegistrationStatus:
    """The status of a schedule with an enrolment offer: `now` against the offer's window
    (`opens_on`/`closes_on`: the window's local dates, for the day counts), the course's last
    day against `today`, and the places left of a first-come offer."""
    if course_end is not None and course_end < today:
        return RegistrationStatus("ended", None)
    if now < opens_at:
        return RegistrationStatus("upcoming", max((opens_on - today).days, 0))
    if now > closes_at:
        return RegistrationStatus("closed", None)
    return _accepting(max((closes_on - today).days, 0), waitlist=first_come and seats_left <= 0)


def published_status(
    *,
    today: dt.date,
    start: dt.date | None,
    end: dt.date | None,
    course_start: dt.date | None,
    course_end: dt.date | None,
) -> RegistrationStatus:
    """The status of a schedule without an offer, from the window its source published
    (applications are taken by the institution). A course that is over is `ended` once the
    window is over too (or none is known)."""
    if start is None and end is None:
        if course_start is not None and today > course_start:
            ended = course_end is not None and course_end < today
            return RegistrationStatus("ended" if ended else "closed", None)
        return RegistrationStatus("unknown", None)
    if start is not None and today < start:
        return RegistrationStatus("upcoming", (start - today).days)
    if end is not None and today > end:
        ended = course_end is not None and course_end < today
        return RegistrationStatus("ended" if ended else "closed", None)
    return _accepting((end - today).days if end is not None else None, waitlist=False)
