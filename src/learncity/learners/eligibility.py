"""Eligibility claims (issue 19, finding 2): what a person declares about themselves (a birth
year that makes them a senior, where they live, a disability, low income, a multicultural
family) is a claim; it decides money (a fee waiver, a voucher) and priority (a lottery quota
or priority) only once staff have verified it — a document seen at the desk, a checked
administrative record, or the city's eligibility-check service (learners.eligibility_service)
— and until the verification's `valid_until`. The declared values on the learner row stay
for statistics (analytics, indicators).

Writes: eligibility_sync (the person's declarations become declared claims),
eligibility_verify, eligibility_reject, eligibility_check_with_service,
sensitive_consent_set. Reads: verified_eligibility, claims_of, claims_for_staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.errors import DomainError, NotFound
from learncity.learners.access import Actor, Scope, require
from learncity.learners.models import (
    Consent,
    EligibilityAudit,
    EligibilityClaim,
    Learner,
)
from learncity.learners.selectors import (
    VerifiedEligibility,
    verified_eligibility,
)

KINDS = tuple(EligibilityClaim.Kind.values)
__all__ = ["VerifiedEligibility", "verified_eligibility"]
VERIFY_ACTION = "learners.eligibility_verify"
KIND_CHOICES = list(EligibilityClaim.Kind.choices)
# what desk staff choose; "service" is set only by eligibility_check_with_service
DESK_METHOD_CHOICES = [
    (EligibilityClaim.Method.DOCUMENT.value, EligibilityClaim.Method.DOCUMENT.label),
    (EligibilityClaim.Method.RECORD.value, EligibilityClaim.Method.RECORD.label),
]
MAX_VALID_DAYS = 5 * 366  # a verification lasts at most about five years


class EligibilityError(DomainError):
    code = "eligibility_invalid"
    http_status = 422


class EligibilityForbidden(DomainError):
    code = "forbidden"
    http_status = 403


class NoClaim(DomainError):
    code = "not_found"
    http_status = 404


# ------------------------------------------------------------------ reads


def _decide(
    claim: EligibilityClaim,
    state: str,
    *,
    method: str = "",
    evidence: str = "",
    reason: str = "",
    by: int | None = None,
    at: dt.datetime | None = None,
    until: dt.date | None = None,
) -> None:
    """Put `claim` in `state` with every decision field set (what is not given is cleared:
    a new declaration or a rejection keeps no earlier verification) and save it."""
    claim.state = state
    claim.method, claim.evidence, claim.reason = method, evidence, reason
    claim.decided_by_id, claim.decided_at, claim.valid_until = by, at, until
    claim.save()


def _row(claim: EligibilityClaim, today: dt.date) -> dict[str, Any]:
    expired = (
        claim.state == EligibilityClaim.State.VERIFIED
        and claim.valid_until is not None
        and claim.valid_until < today
    )
    return {
        "id": claim.pk,
        "kind": claim.kind,
        "kind_words": claim.get_kind_display(),
        "value": claim.value,
        "state": "expired" if expired else claim.state,
        "state_words": gettext("확인 기한 지남") if expired else claim.get_state_display(),
        "counts": claim.state == EligibilityClaim.State.VERIFIED and not expired,
        "method": claim.method,
        "method_words": claim.get_method_display() if claim.method else "",
        "evidence": claim.evidence,
        "reason": claim.reason,
        "declared_at": claim.declared_at,
        "decided_at": claim.decided_at,
        "valid_until": claim.valid_until,
    }


def claims_of(learner_id: int, today: dt.date | None = None) -> list[dict[str, Any]]:
    """The person's claims in the order of KINDS (the account page and the staff page)."""
    today = today or timezone.localdate()
    claims = {c.kind: c for c in EligibilityClaim.objects.filter(learner_id=learner_id)}
    return [_row(claims[kind], today) for kind in KINDS if kind in claims]


def claim_audit_of(learner_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        EligibilityAudit.objects.filter(learner_id=learner_id)
        .order_by("-at", "-id")
        .values("at", "actor_label", "kind", "change", "before", "after", "detail")[:limit]
    )
    return [dict(row) for row in rows]


def has_sensitive_consent(learner_id: int) -> bool:
    return Consent.objects.filter(
        learner_id=learner_id, purpose=Consent.Purpose.SENSITIVE, withdrawn_at__isnull=True
    ).exists()


# ------------------------------------------------------------------ the person's declarations


def _snapshot(claim: EligibilityClaim | None) -> dict[str, Any]:
    if claim is None:
        return {}
    return {
        "state": claim.state,
        "value": claim.value,
        "method": claim.method,
        "valid_until": claim.valid_until.isoformat() if claim.valid_until else None,
    }


def _audit(
    *,
    actor: Actor | None,
    learner_id: int,
    kind: str,
    change: str,
    before: dict[str, Any],
    after: dict[str, Any],
    detail: str = "",
    now: dt.datetime,
) -> None:
    label = "" if actor is None else _username(actor.user_id)
    EligibilityAudit.objects.create(
        at=now,
        actor_id=actor.user_id if actor is not None else None,
        actor_label=label[:150],
        learner_id=learner_id,
        kind=kind,
        change=change,
        before=before,
        after=after,
        detail=detail[:200],
    )


def _username(user_id: int) -> str:
    from django.contrib.auth import get_user_model

    found = get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()
    return str(found or user_id)


def _declared_values(learner: Learner) -> dict[str, str]:
    """The claim each declared value makes; disability only with the sensitive consent."""
    values: dict[str, str] = {}
    if learner.birth_year:
        values["birth_year"] = str(learner.birth_year)
    if learner.district_code:
        values["district"] = learner.district_code
    if learner.disability and has_sensitive_consent(learner.pk):
        values["disability"] = "yes"
    if learner.low_income:
        values["low_income"] = "yes"
    if learner.multicultural:
        values["multicultural"] = "yes"
    return values


def eligibility_sync(*, learner_id: int, now: dt.datetime | None = None) -> None:
    """Make the learner's claims match what they declared (the learner row): a new or
    changed value is a `declared` claim (a verification of the old value is dropped), a
    value no longer declared withdraws its claim. Called by sign-up and the account page
    inside their transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        learner = Learner.objects.select_for_update().get(pk=learner_id)
        wanted = _declared_values(learner)
        claims = {
            c.kind: c
            for c in EligibilityClaim.objects.select_for_update()
            .filter(learner_id=learner_id)
            .order_by("id")
        }
        for kind in KINDS:
            claim, value = claims.get(kind), wanted.get(kind)
            if value is None:
                if claim is not None:
                    before = _snapshot(claim)
                    claim.delete()
                    if kind == "disability":  # sensitive: no trail of it stays
                        EligibilityAudit.objects.filter(
                            learner_id=learner_id, kind="disability"
                        ).delete()
                    else:
                        _audit(
                            actor=None,
                            learner_id=learner_id,
                            kind=kind,
                            change="withdrawn",
                            before=before,
                            after={},
                            now=now,
                        )
                continue
            if claim is not None and claim.value == value:
                continue
            before = _snapshot(claim)
            claim = claim or EligibilityClaim(learner_id=learner_id, kind=kind)
            claim.value = value
            claim.declared_at = now
            _decide(claim, EligibilityClaim.State.DECLARED)
            _audit(
                actor=None,
                learner_id=learner_id,
                kind=kind,
                change="declared",
                before=before,
                after=_snapshot(claim),
                now=now,
            )


def sensitive_consent_set(
    *, learner_id: int, granted: bool, now: dt.datetime | None = None
) -> None:
    """Grant or withdraw the consent to process sensitive information (PIPA art. 23: the
    disability). Withdrawing it erases the declared disability and its claim and trail."""
    now = now or timezone.now()
    with transaction.atomic():
        current = Consent.objects.filter(
            learner_id=learner_id, purpose=Consent.Purpose.SENSITIVE, withdrawn_at__isnull=True
        )
        if granted:
            if not current.exists():
                Consent.objects.create(learner_id=learner_id, purpose=Consent.Purpose.SENSITIVE)
            return
        current.update(withdrawn_at=now)
        Learner.objects.filter(pk=learner_id).update(disability=False, updated_at=now)
        eligibility_sync(learner_id=learner_id, now=now)


def eligibility_declare(
    *,
    actor: Actor,
    district_code: str,
    disability: bool,
    low_income: bool,
    multicultural: bool,
    sensitive_consent: bool,
    now: dt.datetime | None = None,
) -> None:
    """The account page: the person changes what they declare about themselves. A
    disability is kept only with the sensitive-information consent ticked; unticking it
    withdraws that consent and erases the disability."""
    require(
        actor,
        "learners.eligibility_declare",
        Scope(own=True),
        refusal=EligibilityForbidden(gettext("자격 정보를 바꿀 수 없습니다")),
    )
    now = now or timezone.now()
    learner_id = Learner.objects.filter(user_id=actor.user_id).values_list("pk", flat=True).first()
    if learner_id is None:
        raise NotFound(gettext("이 계정에는 학습자 정보가 없습니다"))
    with transaction.atomic():
        sensitive_consent_set(learner_id=learner_id, granted=sensitive_consent, now=now)
        Learner.objects.filter(pk=learner_id).update(
            district_code=district_code,
            disability=disability and sensitive_consent,
            low_income=low_income,
            multicultural=multicultural,
            updated_at=now,
        )
        eligibility_sync(learner_id=learner_id, now=now)


# ------------------------------------------------------------------ staff decisions


def _claim_for_staff(
    actor: Actor, learner_id: int, kind: str, institution_id: int | None
) -> EligibilityClaim:
    """The claim, locked, after the access policy allowed the actor: city administrators
    anywhere, district officers for people who declared a district in their area, an
    institution's staff at that institution's desk (`institution_id`)."""
    if kind not in KINDS:
        raise EligibilityError(f"kind must be one of {', '.join(KINDS)}")
    district = Learner.objects.filter(pk=learner_id).values_list("district_code", flat=True).first()
    if district is None:
        raise NotFound(f"no learner {learner_id}")
    require(
        actor,
        "learners.eligibility_verify",
        Scope(institution_id=institution_id, district_code=district),
        refusal=EligibilityForbidden(gettext("이 사람의 자격을 확인할 권한이 없습니다")),
    )
    if Learner.objects.filter(pk=learner_id, user_id=actor.user_id).exists():
        raise EligibilityForbidden(gettext("자기 자신의 자격은 확인할 수 없습니다"))
    claim = (
        EligibilityClaim.objects.select_for_update()
        .filter(learner_id=learner_id, kind=kind)
        .first()
    )
    if claim is None:
        raise NoClaim(gettext("이 사람은 이 자격을 신고하지 않았습니다"))
    return claim


def _valid_until(valid_until: dt.date | None, today: dt.date) -> dt.date:
    if valid_until is None:
        raise EligibilityError(gettext("확인이 유효한 마지막 날을 정해 주세요"))
    if valid_until < today:
        raise EligibilityError(gettext("유효 기한은 오늘이나 그 뒤여야 합니다"))
    if valid_until > today + dt.timedelta(days=MAX_VALID_DAYS):
        raise EligibilityError(gettext("유효 기한은 5년을 넘을 수 없습니다"))
    return valid_until


def eligibility_verify(
    *,
    actor: Actor,
    learner_id: int,
    kind: str,
    method: str,
    evidence: str,
    valid_until: dt.date | None,
    institution_id: int | None = None,
    expected_value: str | None = None,
    now: dt.datetime | None = None,
) -> EligibilityClaim:
    """Staff verify a declared claim: how (a document seen, an administrative record, the
    eligibility service), what was seen (a note, never a copy or an ID number), until when."""
    now = now or timezone.now()
    if method not in EligibilityClaim.Method.values:
        raise EligibilityError(f"method must be one of {', '.join(EligibilityClaim.Method)}")
    note = " ".join((evidence or "").split())
    if len(note) > 200:
        raise EligibilityError(gettext("확인 내용은 200자 이내로 적어 주세요"))
    until = _valid_until(valid_until, timezone.localtime(now).date())
    with transaction.atomic():
        claim = _claim_for_staff(actor, learner_id, kind, institution_id)
        if expected_value is not None and claim.value != expected_value:
            raise EligibilityError(gettext("확인하는 사이에 신고한 내용이 바뀌었습니다"))
        before = _snapshot(claim)
        _decide(
            claim,
            EligibilityClaim.State.VERIFIED,
            method=method,
            evidence=note,
            by=actor.user_id,
            at=now,
            until=until,
        )
        _audit(
            actor=actor,
            learner_id=learner_id,
            kind=kind,
            change="verified",
            before=before,
            after=_snapshot(claim),
            detail="" if kind == "disability" else note,
            now=now,
        )
    return claim


def eligibility_reject(
    *,
    actor: Actor,
    learner_id: int,
    kind: str,
    reason: str,
    institution_id: int | None = None,
    now: dt.datetime | None = None,
) -> EligibilityClaim:
    """Staff could not verify the claim (the reason is shown to the person)."""
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 200:
        raise EligibilityError(gettext("확인하지 못한 이유를 200자 이내로 적어 주세요"))
    with transaction.atomic():
        claim = _claim_for_staff(actor, learner_id, kind, institution_id)
        before = _snapshot(claim)
        _decide(claim, EligibilityClaim.State.REJECTED, reason=reason, by=actor.user_id, at=now)
        _audit(
            actor=actor,
            learner_id=learner_id,
            kind=kind,
            change="rejected",
            before=before,
            after=_snapshot(claim),
            detail=reason,
            now=now,
        )
    return claim


def eligibility_check_with_service(
    *,
    actor: Actor,
    learner_id: int,
    kind: str,
    institution_id: int | None = None,
    now: dt.datetime | None = None,
) -> EligibilityClaim | None:
    """Ask the city's eligibility-check service (LEARNCITY_ELIGIBILITY_URL) about the
    claim; when it confirms, the claim is verified with method "service" until the date it
    gives. None when it does not confirm (nothing changes). The service is asked outside
    any transaction; the claim is re-read under its lock before it is written."""
    from learncity.learners.eligibility_service import EligibilityQuery, eligibility_service

    now = now or timezone.now()
    with transaction.atomic():  # authorise and read the claim before asking anyone
        claim = _claim_for_staff(actor, learner_id, kind, institution_id)
        learner = Learner.objects.get(pk=learner_id)
        query = EligibilityQuery(
            kind=kind,
            value=claim.value,
            name=learner.name,
            birth_year=learner.birth_year,
            identity_token=learner.identity_token or "",
        )
    answer = eligibility_service().check(query)
    if not answer.confirmed:
        return None
    today = timezone.localtime(now).date()
    until = answer.valid_until or today + dt.timedelta(days=365)
    until = min(until, today + dt.timedelta(days=MAX_VALID_DAYS))
    return eligibility_verify(
        actor=actor,
        learner_id=learner_id,
        kind=kind,
        method=EligibilityClaim.Method.SERVICE,
        evidence=gettext("자격 확인 서비스 응답 %(reference)s")
        % {"reference": answer.reference[:60]},
        valid_until=until,
        institution_id=institution_id,
        expected_value=query.value,
        now=now,
    )
