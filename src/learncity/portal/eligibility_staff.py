"""The staff page of eligibility claims (issue 19, finding 2): /staff/eligibility. Staff find
the person as at the enrolment desk (a POST, rate-limited, written to the personal-data
access log), see what they declared, and verify a claim (how, what was seen, until when),
reject it with a reason, or ask the city's eligibility-check service. Each decision is one
learners.eligibility service call, which asks the access policy
(`learners.eligibility_verify`: the city anywhere, a district officer for people of their
area, an institution's staff at their institution's desk) and writes the claim's audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from learncity.catalog.selectors import institution_brief
from learncity.core.errors import LearncityError
from learncity.core.ratelimit import client_address
from learncity.learners import eligibility
from learncity.learners.access import Actor, holds_role_for, reach_of, requires
from learncity.learners.forms import Described
from learncity.learners.selectors import learner_get
from learncity.learners.services import desk_lookup_count, personal_data_access_record
from learncity.portal.staff import _actor, _refused, staff_page
from learncity.portal.staff_forms import LearnerLookupForm

ACTION = eligibility.VERIFY_ACTION


class ClaimDecisionForm(Described, forms.Form):
    """One decision on one claim: verify (method, note, valid until), reject (reason) or
    check with the service."""

    learner = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=eligibility.KIND_CHOICES, widget=forms.HiddenInput)
    institution = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    method = forms.ChoiceField(choices=eligibility.DESK_METHOD_CHOICES, required=False)
    evidence = forms.CharField(
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "본 서류의 종류만 적습니다 (예: 장애인 등록증). 번호는 적지 않습니다"
        ),
    )
    valid_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=200, required=False)


def _desk_institution(request: HttpRequest, actor: Actor) -> int | None:
    """The institution whose desk an institution's staff member works at: the one asked
    for (it must be theirs: the service refuses otherwise), or their only one."""
    text = request.POST.get("institution") or request.GET.get("institution") or ""
    if text.isdecimal() and len(text) < 12:
        return int(text)
    reach = reach_of(actor, ACTION)
    if not reach.everywhere and len(reach.institutions) == 1:
        return next(iter(reach.institutions))
    return None


def _page(
    request: HttpRequest,
    actor: Actor,
    *,
    lookup: LearnerLookupForm,
    learner_id: int | None = None,
    matches: int | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    reach = reach_of(actor, ACTION)
    institutions = [
        institution_brief(i) or {"id": i, "name": str(i)} for i in sorted(reach.institutions)
    ]
    found = None
    if learner_id is not None:
        person = learner_get(learner_id) or {}
        found = {
            "id": learner_id,
            "name": person.get("name", ""),
            "birth_year": person.get("birth_year"),
            "claims": eligibility.claims_of(learner_id),
            "audit": eligibility.claim_audit_of(learner_id, limit=20),
        }
    context = {
        "lookup": lookup,
        "found": found,
        "matches": matches,
        "error": error,
        "institutions": institutions,
        "institution": _desk_institution(request, actor),
        "methods": eligibility.DESK_METHOD_CHOICES,
        "today": dt.date.today().isoformat(),
    }
    return render(request, "portal/staff/eligibility.html", context, status=status)


def _log(
    request: HttpRequest, actor: Actor, learner_id: int | None, purpose: str, **extra: Any
) -> None:
    personal_data_access_record(
        actor=actor,
        what="eligibility",
        action=ACTION,
        purpose=purpose,
        address=client_address(request),
        learner_id=learner_id,
        **extra,
    )


@require_http_methods(["GET", "POST"])
@staff_page
@requires(ACTION)
def eligibility_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not holds_role_for(actor, ACTION):
        return _refused(
            request,
            eligibility.EligibilityForbidden(gettext("이 사람의 자격을 확인할 권한이 없습니다")),
        )
    if request.method == "GET":
        return _page(request, actor, lookup=LearnerLookupForm())
    what = request.POST.get("action", "find")
    if what in {"verify", "reject", "check"}:
        return _decide(request, actor, what)
    lookup = LearnerLookupForm(request.POST)
    if not lookup.is_valid():
        return _page(request, actor, lookup=lookup, status=422)
    try:
        desk_lookup_count(actor=actor)
    except LearncityError as exc:
        response = _refused(request, exc)
        response["Retry-After"] = str(exc.details.get("retry_after", 60))
        return response
    people = lookup.people()
    data = lookup.cleaned_data
    query = "phone" if data.get("phone") else "name_birth_year"
    if not data.get("phone") and data.get("phone_end"):
        query += "_phone_end"
    _log(
        request,
        actor,
        people[0]["id"] if len(people) == 1 else None,
        "eligibility lookup",
        query=query,
        matches=len(people),
    )
    if len(people) != 1:
        return _page(request, actor, lookup=lookup, matches=len(people))
    return _page(request, actor, lookup=LearnerLookupForm(), learner_id=people[0]["id"], matches=1)


def _decide(request: HttpRequest, actor: Actor, what: str) -> HttpResponse:
    form = ClaimDecisionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(str(m) for errors in form.errors.values() for m in errors)
        return _page(request, actor, lookup=LearnerLookupForm(), error=problems, status=422)
    data = form.cleaned_data
    learner_id, kind = int(data["learner"]), str(data["kind"])
    institution_id = data.get("institution") or _desk_institution(request, actor)
    try:
        if what == "verify":
            eligibility.eligibility_verify(
                actor=actor,
                learner_id=learner_id,
                kind=kind,
                method=str(data.get("method") or ""),
                evidence=str(data.get("evidence") or ""),
                valid_until=data.get("valid_until"),
                institution_id=institution_id,
            )
            messages.success(request, gettext("자격을 확인했습니다"))
        elif what == "reject":
            eligibility.eligibility_reject(
                actor=actor,
                learner_id=learner_id,
                kind=kind,
                reason=str(data.get("reason") or ""),
                institution_id=institution_id,
            )
            messages.success(request, gettext("확인하지 못함으로 기록했습니다"))
        else:
            done = eligibility.eligibility_check_with_service(
                actor=actor, learner_id=learner_id, kind=kind, institution_id=institution_id
            )
            if done is None:
                messages.warning(request, gettext("자격 확인 서비스가 확인해 주지 않았습니다"))
            else:
                messages.success(request, gettext("자격 확인 서비스로 확인했습니다"))
    except LearncityError as exc:
        if exc.http_status in {403, 404}:
            return _refused(request, exc)
        error = exc.message
        if exc.code == "eligibility_service_unavailable":  # its reason is technical (logged)
            error = gettext(
                "자격 확인 서비스를 지금 쓸 수 없습니다. 창구에서 서류를 보고 확인해 주세요"
            )
        return _page(
            request,
            actor,
            lookup=LearnerLookupForm(),
            learner_id=learner_id,
            error=error,
            status=exc.http_status,
        )
    _log(request, actor, learner_id, f"eligibility {what} {kind}")
    return _page(request, actor, lookup=LearnerLookupForm(), learner_id=learner_id)
