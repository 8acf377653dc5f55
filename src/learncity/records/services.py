"""Writes of the learning record: taking completion events into the record (exactly once,
however often and however concurrently it runs), issuing and revoking credentials, and
closing an account at the person's request.

`records_sync` is called after completion runs (see docs/records.md) and by
`learncity records sync`; every event is consumed in the same transaction that writes its
record entry and credential, so a crash leaves the event for the next run."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.algorithms.records import SessionSpan, course_minutes
from learncity.attendance.record_feed import completion_event_consume, completion_event_schedule
from learncity.attendance.selectors import attendance_of_application, completion_events
from learncity.catalog.selectors import schedule_record_facts
from learncity.learners.access import Actor, Scope, allowed
from learncity.learners.erasure import learner_erase
from learncity.learners.selectors import learner_get, learner_id_of_user, password_matches
from learncity.records import credentials
from learncity.records.errors import ConfirmationRequired, Forbidden, NotFound
from learncity.records.keys import signing_key_problem
from learncity.records.models import Credential, RecordEntry

logger = logging.getLogger(__name__)
CONFIRM_WORDS = frozenset({"탈퇴", "delete"})


def _entry_from(event: dict[str, Any], now: dt.datetime) -> tuple[RecordEntry, str]:
    schedule_id = completion_event_schedule(event["id"])
    facts = schedule_record_facts(schedule_id) if schedule_id is not None else None
    if facts is None:
        raise NotFound(f"the schedule of completion event {event['id']} is gone")
    sessions = attendance_of_application(event["application_id"])
    minutes = course_minutes(
        (SessionSpan(s["id"], s["starts_at"], s["ends_at"], s["status"]) for s in sessions),
        {s["id"]: s["attendance"] for s in sessions if s["attendance"]},
    )
    completed_at = event["at"]
    entry = RecordEntry.objects.create(
        learner_id=event["learner_id"],
        completion_event_id=event["id"],
        application_id=event["application_id"],
        offer_id=event["offer_id"],
        programme_id=facts["programme_id"],
        institution_id=facts["institution_id"],
        district_code=facts["district_code"],
        title=facts["title"][:300],
        institution_name=facts["institution_name"][:300],
        category=facts["category"],
        middle_category=facts["middle_category"],
        start_date=facts["start_date"],
        end_date=facts["end_date"],
        completed_at=completed_at,
        year=timezone.localtime(completed_at).year,
        sessions_attended=event["attended"],
        sessions_counted=event["sessions"],
        attendance_percent=event["rate_percent"],
        threshold_percent=float((event.get("rule") or {}).get("threshold_percent", 80.0)),
        scheduled_minutes=minutes.scheduled,
        attended_minutes=minutes.attended,
        learning_account=facts["learning_account"],
        credit_bank=facts["credit_bank"],
    )
    return entry, facts["category_label"]


def records_sync(*, now: dt.datetime | None = None, batch: int = 500) -> dict[str, int]:
    """Take every unconsumed completion event into the learning record: one entry and one
    credential per event, the event marked consumed in the same transaction. A second run,
    or a concurrent one, finds nothing left to take. Without a usable signing key nothing is
    taken (the events wait, `waiting_for_key` counts them, a warning names the fix): a
    completion run on a page still succeeds, and no request ever makes a key."""
    now = now or timezone.now()
    counts = {"events": 0, "entries": 0, "credentials": 0, "skipped": 0}
    problem = signing_key_problem()
    if problem is not None:
        waiting = len(completion_events(unconsumed=True, limit=batch))
        if waiting:
            logger.warning("records sync: %d completion(s) wait: %s", waiting, problem)
        return {**counts, "waiting_for_key": waiting}
    while True:
        events = completion_events(unconsumed=True, limit=batch)
        for event in events:
            counts["events"] += 1
            try:
                with transaction.atomic():
                    if not completion_event_consume(event_id=event["id"], now=now):
                        counts["skipped"] += 1  # a concurrent run took it
                        continue
                    entry, label = _entry_from(event, now)
                    learner = learner_get(event["learner_id"]) or {"name": ""}
                    credentials.credential_issue(
                        entry=entry, learner_name=learner["name"], category_label=label, now=now
                    )
                counts["entries"] += 1
                counts["credentials"] += 1
            except IntegrityError:  # the entry exists (taken before): only mark the event
                completion_event_consume(event_id=event["id"], now=now)
                counts["skipped"] += 1
        if len(events) < batch:
            return counts


def credential_revoke(*, actor: Actor, credential_uuid: str, reason: str) -> bool:
    """Revoke a credential: managing staff of the institution that ran the course (its
    district's officer, a city administrator). True when newly revoked."""
    found = (
        Credential.objects.filter(uuid=credential_uuid)
        .values_list("entry__institution_id", "entry__district_code")
        .first()
    )
    if found is None:
        raise NotFound(f"no credential {credential_uuid}")
    institution_id, district_code = found
    scope = Scope(institution_id=institution_id, district_code=district_code or "")
    if not allowed(actor, "records.credential_revoke", scope):
        raise Forbidden(gettext("이 증명서를 폐지할 수 없습니다"))
    if not reason.strip():
        raise ConfirmationRequired(gettext("폐지 사유를 적어 주세요"))
    return credentials.credential_revoke(credential_uuid=credential_uuid, reason=reason.strip())


def account_erase(
    *, user_id: int, confirmation: str, password: str, now: dt.datetime | None = None
) -> dict[str, int]:
    """Close the person's account at their request: their credentials are revoked and the
    signed copies kept here are deleted, the identifying fields are erased (learners.erasure),
    and what statistics count (applications, attendance, completions, record hours) stays
    on the pseudonymous row. `confirmation` must be "탈퇴" or "delete", and `password` the
    account's current password (a borrowed session is not enough); otherwise nothing
    changes."""
    if confirmation.strip().lower() not in CONFIRM_WORDS:
        raise ConfirmationRequired(
            gettext("확인란에 '탈퇴'를 입력해 주세요"), details={"field": "confirmation"}
        )
    if not password_matches(user_id=user_id, password=password):
        raise ConfirmationRequired(
            gettext("비밀번호가 맞지 않습니다. 지금 쓰는 비밀번호를 입력해 주세요"),
            details={"field": "password"},
        )
    learner_id = learner_id_of_user(user_id)
    if learner_id is None:
        raise NotFound(gettext("이 계정에는 학습자 정보가 없습니다"))
    now = now or timezone.now()
    from learncity.attendance.erasure import checkin_codes_revoke_for_learner
    from learncity.notifications.services import outbox_forget

    with transaction.atomic():
        person = learner_get(learner_id) or {}
        revoked = Credential.objects.filter(learner_id=learner_id, revoked_at__isnull=True).update(
            revoked_at=now, revocation_reason="account closed"
        )
        Credential.objects.filter(learner_id=learner_id).update(jwt="")
        if revoked:
            credentials.status_list_cache_clear()
            transaction.on_commit(credentials.status_list_cache_clear)
        codes = checkin_codes_revoke_for_learner(learner_id=learner_id, now=now)
        # the outbox holds the contact and the texts (names of courses, check-in links)
        messages = outbox_forget(
            recipients=[str(person.get("phone") or ""), str(person.get("email") or "")], now=now
        )
        done = learner_erase(learner_id=learner_id, now=now)
    return {"credentials_revoked": revoked, "checkin_codes_revoked": codes, **messages, **done}
