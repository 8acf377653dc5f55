"""Check-in, attendance and completion endpoints of the JSON API v1 (issue 6).

- `POST /venues/{venue_id}/checkins`: the kiosk (staff who take attendance at the venue);
- `GET /sessions/today`, `GET /sessions/{id}/roster`: instructors and staff (auditors read);
- `POST /sessions/{id}/attendance`: an instructor's mark; `POST /sessions/{id}/status`:
  cancelled / holiday (managing staff);
- `POST /offers/{id}/completion`: run completion now (managing staff);
- `GET|POST /applications/{id}/checkin-code[/reissue|/revoke]`: the learner's QR code.

Authentication as for enrolment (session + CSRF, or `Authorization: Bearer lc_...`).
Refusals are JSON `{code, message, details}` with the status of the error
(learncity.attendance.errors), answered by the API's one error handler.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Router, Schema, Status

from learncity.api.auth import AUTH, actor_of
from learncity.api.v1 import REFUSALS
from learncity.attendance import selectors, services
from learncity.attendance.checkin_code import checkin_qr_svg
from learncity.core.ratelimit import client_address
from learncity.learners.access import requires
from learncity.learners.services import personal_data_access_record
from learncity.records.services import records_sync

router = Router(tags=["attendance (출석·수료)"], auth=AUTH)


class CheckinIn(Schema):
    request_key: str = Field(
        ..., min_length=8, max_length=64, description="made by the kiosk per scan; resend it as is"
    )
    token: str | None = Field(None, max_length=300, description="what the QR code carries")
    phone_tail: str = Field("", max_length=8, description="last four digits of the phone")
    birth_year: int | None = Field(None, ge=1900, le=2100)
    name: str = Field("", max_length=100, description="when several people match")
    session_id: int | None = Field(None, ge=1, description="the choice among today's classes")
    scanned_at: dt.datetime | None = Field(
        None, description="when the kiosk took it (offline queue); default now"
    )


class CheckinOut(Schema):
    attendance_id: int
    application_id: int
    session_id: int
    status: str
    method: str
    checked_in_at: dt.datetime
    title: str
    room: str
    venue_name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    learner_name: str
    replayed: bool


@router.post("/venues/{venue_id}/checkins", response={200: CheckinOut, 201: CheckinOut, **REFUSALS})
@requires("attendance.take")
def checkin_create(request: HttpRequest, venue_id: int, body: CheckinIn) -> Any:
    """Check a person in at the venue: by QR token, or by phone tail + birth year (then name
    or session choice when asked). 201 new; 200 a resend of the same request_key."""
    done = services.checkin_record(actor=actor_of(request), venue_id=venue_id, **body.dict())
    return Status(200 if done.replayed else 201, asdict(done))


class SessionOut(Schema):
    id: int
    schedule_id: int
    programme_id: int
    institution_id: int
    venue_id: int | None
    venue_name: str
    date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    all_day: bool
    status: str
    note: str
    title: str
    room: str


class SessionTodayOut(SessionOut):
    enrolled: int
    attended: int


@router.get("/sessions/today", response={200: list[SessionTodayOut], **REFUSALS})
def sessions_today(
    request: HttpRequest, day: dt.date | None = None, venue_id: int | None = None
) -> Any:
    """Today's sessions (or `day`'s) the caller may see a roster of."""
    return selectors.sessions_today(actor=actor_of(request), day=day, venue_id=venue_id)


class RosterLearnerOut(Schema):
    application_id: int
    learner_id: int
    name: str
    birth_year: int
    phone_tail: str
    attendance: str | None
    checked_in_at: dt.datetime | None
    method: str | None
    note: str


class RosterOut(Schema):
    session: SessionOut
    learners: list[RosterLearnerOut]
    counts: dict[str, int]


@router.get("/sessions/{session_id}/roster", response={200: RosterOut, **REFUSALS})
def session_roster(request: HttpRequest, session_id: int) -> Any:
    """A session's enrolled learners and their attendance (instructors, staff, auditors);
    each read leaves one record in the personal-data access log."""
    actor = actor_of(request)
    roster = selectors.session_roster(actor=actor, session_id=session_id)
    personal_data_access_record(
        actor=actor,
        what="roster",
        action="attendance.roster_read",
        purpose=f"API: roster of session {session_id}",
        address=client_address(request),
        matches=len(roster["learners"]),
    )
    return roster


class MarkIn(Schema):
    application_id: int = Field(..., ge=1)
    status: Literal["present", "late", "absent", "excused"]
    note: str = Field("", max_length=300)


class MarkOut(Schema):
    attendance_id: int
    session_id: int
    application_id: int
    status: str
    was: str | None
    note: str


@router.post("/sessions/{session_id}/attendance", response={200: MarkOut, **REFUSALS})
@requires("attendance.take")
def attendance_mark(request: HttpRequest, session_id: int, body: MarkIn) -> Any:
    """Mark a learner by hand (the institution's instructors and managing staff)."""
    return services.attendance_mark(actor=actor_of(request), session_id=session_id, **body.dict())


class SessionStatusIn(Schema):
    status: Literal["scheduled", "cancelled", "holiday"]
    note: str = Field("", max_length=300)


class SessionStatusOut(Schema):
    session_id: int
    status: str
    was: str
    note: str


@router.post("/sessions/{session_id}/status", response={200: SessionStatusOut, **REFUSALS})
@requires("attendance.session_manage")
def session_status(request: HttpRequest, session_id: int, body: SessionStatusIn) -> Any:
    """Mark a session cancelled (휴강), a holiday, or scheduled again (managing staff)."""
    return services.session_mark(actor=actor_of(request), session_id=session_id, **body.dict())


class CompletionOut(Schema):
    offers: int
    evaluated: int
    completed: int
    emitted: int
    not_completed: int
    in_progress: int


@router.post("/offers/{offer_id}/completion", response={200: CompletionOut, **REFUSALS})
@requires("attendance.completion_manage")
def completion_run(request: HttpRequest, offer_id: int) -> Any:
    """Evaluate completion now; emits each completion event once (managing staff)."""
    done = services.completion_run(offer_id=offer_id, actor=actor_of(request))
    records_sync()  # completions reach the learning record and its credential at once
    return done


class CodeOut(Schema):
    application_id: int
    token: str
    hint: str
    link: str
    created_at: dt.datetime


@router.get("/applications/{application_id}/checkin-code", response={200: CodeOut, **REFUSALS})
def checkin_code(request: HttpRequest, application_id: int) -> Any:
    """The check-in code of a confirmed application (its learner, household, staff)."""
    return asdict(services.checkin_code_get(actor=actor_of(request), application_id=application_id))


@router.get(
    "/applications/{application_id}/checkin-code.svg",
    response={200: str, **REFUSALS},
    openapi_extra={"responses": {200: {"content": {"image/svg+xml": {}}}}},
)
def checkin_code_svg(request: HttpRequest, application_id: int) -> Any:
    """The check-in code as a QR image (SVG)."""
    code = services.checkin_code_get(actor=actor_of(request), application_id=application_id)
    return HttpResponse(checkin_qr_svg(code.token), content_type="image/svg+xml")


@router.post(
    "/applications/{application_id}/checkin-code/reissue", response={200: CodeOut, **REFUSALS}
)
@requires("attendance.code_hold")
def checkin_code_reissue(request: HttpRequest, application_id: int) -> Any:
    """Revoke the code and issue a new one (a lost card): the old one is refused."""
    return asdict(
        services.checkin_code_reissue(actor=actor_of(request), application_id=application_id)
    )


class RevokedOut(Schema):
    application_id: int
    revoked: int


@router.post(
    "/applications/{application_id}/checkin-code/revoke", response={200: RevokedOut, **REFUSALS}
)
@requires("attendance.code_hold")
def checkin_code_revoke(request: HttpRequest, application_id: int) -> Any:
    """Revoke the code without a new one."""
    revoked = services.checkin_code_revoke(actor=actor_of(request), application_id=application_id)
    return {"application_id": application_id, "revoked": revoked}


def install(api: NinjaAPI) -> None:
    """Mount these endpoints on the API (config/urls.py calls it once)."""
    api.add_router("/", router)
