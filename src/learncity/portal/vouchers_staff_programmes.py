"""Staff pages of voucher programmes (issue 7), for the city and district offices:

- /staff/vouchers/programmes: the voucher programmes an office may read (period, amount,
  vouchers issued, institutions registered) and a form to create one
  (vouchers.services.programme_create), paid from a funded project's budget line if chosen;
- /staff/vouchers/programmes/ID: the institutions registered to take the programme's
  vouchers, with forms to register (programme_register_institution) and unregister
  (programme_unregister_institution) one; and issuing a voucher to a learner found by mobile
  number, or by name and birth year (learners.selectors.learner_find: several matches are
  never guessed between), with an idempotency key in the form (voucher_issue).

What the office pages share (access, words, fields, refusals): learncity.portal.vouchers_staff.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from learncity.catalog.selectors import institution_names, institution_rows
from learncity.core.errors import LearncityError, NotFound
from learncity.core.ratelimit import client_address
from learncity.enrollment.selectors import mask_phone
from learncity.learners.access import Actor, Scope, allowed, requires
from learncity.learners.selectors import learner_get
from learncity.learners.services import desk_lookup_count, personal_data_access_record
from learncity.portal import vouchers_staff as office
from learncity.portal.staff_forms import LearnerLookupForm
from learncity.vouchers import selectors, services
from learncity.vouchers.errors import Forbidden

_CODE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")

# ------------------------------------------------------------------ forms


class ProgrammeForm(office.OfficeForm):
    refusal_fields = (
        ("budget line", "budget_line_id"),
        ("amount", "amount_krw"),
        ("kind", "kind"),
        ("period", "period_end"),
        ("group", "groups"),
    )
    code = forms.CharField(
        max_length=40,
        help_text=gettext_lazy("영문·숫자·_.- (예: lv-2026)"),
        error_messages={
            **office.required_messages(pgettext_lazy("field", "사업 코드")),
            "max_length": gettext_lazy("코드는 40자 이내입니다"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = office.name_field(pgettext_lazy("voucher programme", "사업 이름"))
    name_en = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": gettext_lazy("이름은 200자 이내입니다")},
    )
    kind = office.Word(
        choices=list(office.KIND_WORDS.items()),
        error_messages=office.required_messages(pgettext_lazy("field", "이용권 종류")),
    )
    amount_krw = office.number_field(
        pgettext_lazy("field", "1인당 지급액"), maximum=office.MAX_PROGRAMME_KRW
    )
    period_start = office.date_field(pgettext_lazy("field", "사용 시작일"))
    period_end = office.date_field(pgettext_lazy("field", "사용 마감일"))
    min_age = office.number_field(pgettext_lazy("field", "최소 나이"), minimum=0, maximum=150)
    max_age = office.number_field(
        pgettext_lazy("field", "최대 나이"), required=False, minimum=0, maximum=150
    )
    groups = office.Words(choices=list(office.GROUP_WORDS.items()), required=False)
    district_code = office.district_field()
    budget_line_id = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("— 없음"))],
        error_messages={"invalid_choice": gettext_lazy("목록의 예산 항목을 골라 주세요")},
    )

    def __init__(self, *args: Any, lines: list[tuple[int, str]] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["budget_line_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", gettext("— 없음")), *(lines or [])]

    def clean_code(self) -> str:
        code: str = (self.cleaned_data.get("code") or "").strip()
        if not _CODE.match(code):
            raise ValidationError(gettext("코드는 영문·숫자·_.- 2~40자입니다"))
        return code

    def programme_arguments(self) -> dict[str, Any]:
        """The arguments of vouchers.services.programme_create: the form's fields, one for
        one, cleaned."""
        return {name: self.cleaned_data[name] for name in self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and high < low:
            self.add_error(
                "max_age",
                gettext("최대 나이가 최소 나이보다 작습니다"),
            )
        return data


class RegisterForm(forms.Form):
    institution = forms.IntegerField(
        min_value=1,
        max_value=office.MAX_ID,
        error_messages={
            "required": gettext_lazy("기관을 골라 주세요"),
            "invalid": gettext_lazy("기관을 골라 주세요"),
            "min_value": gettext_lazy("기관을 골라 주세요"),
            "max_value": gettext_lazy("기관을 골라 주세요"),
        },
    )


class IssueForm(forms.Form):
    learner = forms.IntegerField(min_value=1, max_value=office.MAX_ID, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)


# ------------------------------------------------------------------ helpers


def _described(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "kind_words": office.words_of(office.KIND_WORDS, row["kind"]),
        "group_words": [office.words_of(office.GROUP_WORDS, g) for g in row["groups"] or []],
    }


def _programme_rows(actor: Actor) -> list[dict[str, Any]]:
    return [_described(row) for row in selectors.programme_rows_for_staff(actor)]


def _programme_get_for_staff(actor: Actor, programme_id: int) -> dict[str, Any]:
    return _described(selectors.programme_get_for_staff(actor, programme_id))


def _registered(programme_id: int) -> list[dict[str, Any]]:
    return selectors.programme_institutions(programme_id)


def _voucher_code(voucher_id: int | None) -> str:
    return selectors.voucher_code(voucher_id)


# ------------------------------------------------------------------ programmes


def _lines(actor: Actor) -> list[tuple[int, str]]:
    return selectors.budget_lines_for_staff(actor)


def _programmes_page(
    request: HttpRequest, actor: Actor, form: ProgrammeForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "rows": _programme_rows(actor),
        "form": form,
        "may_create": office.may_create(actor),
        "kinds": list(office.KIND_WORDS.items()),
        "groups": list(office.GROUP_WORDS.items()),
        "chosen_groups": form["groups"].value() or [],
    }
    return render(request, "portal/vouchers/staff/programmes.html", context, status=status)


@office.office_page
@requires("vouchers.programme_manage")
def programmes(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "GET":
        initial = {
            "kind": "city",
            "min_age": 0,
            **office.office_initial(actor, first="period_start", last="period_end"),
        }
        return _programmes_page(request, actor, ProgrammeForm(initial=initial, lines=_lines(actor)))
    form = ProgrammeForm(request.POST, lines=_lines(actor))
    if not form.is_valid():
        return _programmes_page(request, actor, form, status=422)
    try:
        made = services.programme_create(actor=actor, **form.programme_arguments())
    except LearncityError as exc:
        office.show_refusal(form, exc)
        return _programmes_page(request, actor, form, status=exc.http_status)
    except IntegrityError:
        code = form.cleaned_data["code"]
        form.add_error(
            "code",
            gettext("%(words)s: 코드 %(code)s는 이미 쓰이고 있습니다")
            % {"words": office.REFUSAL_WORDS["duplicate_code"], "code": repr(code)},
        )
        return _programmes_page(request, actor, form, status=409)
    messages.success(request, gettext("이용권 사업을 만들었습니다: %(name)s") % {"name": made.name})
    return redirect(reverse("portal:staff_voucher_programme", args=[made.pk]))


# ------------------------------------------------------------------ one programme


def _programme_page(
    request: HttpRequest,
    programme: dict[str, Any],
    *,
    register: RegisterForm | None = None,
    lookup: LearnerLookupForm | None = None,
    found: dict[str, Any] | None = None,
    matches: int | None = None,
    issue_error: str = "",
    register_error: str = "",
    status: int = 200,
) -> HttpResponse:
    registered = _registered(programme["id"])
    taken = {row["id"] for row in registered}
    issue_form = None
    if found is not None:
        found = {**found, "phone_masked": mask_phone(str(found["phone"] or ""))}
        issue_form = IssueForm(
            initial={"learner": found["id"], "idempotency_key": uuid.uuid4().hex}
        )
    context = {
        "programme": programme,
        "may_manage": allowed(
            office.actor_of(request),
            "vouchers.programme_manage",
            Scope(district_code=programme["district_code"]),
        ),
        "registered": registered,
        "choices": [row for row in institution_rows(limit=2000) if row["id"] not in taken],
        "register": register or RegisterForm(),
        "register_error": register_error,
        "lookup": lookup or LearnerLookupForm(),
        "found": found,
        "matches": matches,
        "issue_form": issue_form,
        "issue_error": issue_error,
    }
    return render(request, "portal/vouchers/staff/programme.html", context, status=status)


@office.office_page
@requires("vouchers.programme_manage")  # every POST action; the page itself: office readers
def programme(request: HttpRequest, actor: Actor, pk: int) -> HttpResponse:
    """POST action: register / unregister an institution, find a learner (a POST, so that
    phone numbers stay out of addresses and logs), issue the voucher to the one found."""
    try:
        found_programme = _programme_get_for_staff(actor, pk)
    except LearncityError as exc:
        return office.refused(request, exc)
    if request.method == "GET":
        return _programme_page(request, found_programme)
    action = request.POST.get("action", "")
    if action in ("register", "unregister"):
        return _programme_institution(request, actor, found_programme, action)
    if action == "issue":
        return _programme_issue(request, actor, found_programme)
    return _programme_find(request, actor, found_programme)


def _programme_institution(
    request: HttpRequest, actor: Actor, found: dict[str, Any], action: str
) -> HttpResponse:
    form = RegisterForm(request.POST)
    if not form.is_valid():
        return _programme_page(request, found, register=form, status=422)
    institution_id = form.cleaned_data["institution"]
    try:
        if action == "register":
            created = services.programme_register_institution(
                actor=actor, programme_id=found["id"], institution_id=institution_id
            )
        else:
            services.programme_unregister_institution(
                actor=actor, programme_id=found["id"], institution_id=institution_id
            )
    except LearncityError as exc:
        return _programme_page(
            request, found, register_error=office.refusal_message(exc), status=exc.http_status
        )
    name = institution_names([institution_id]).get(institution_id, str(institution_id))
    if action == "unregister":
        text = gettext("%(name)s: 사용기관 등록을 취소했습니다") % {"name": name}
    elif created:
        text = gettext("%(name)s: 사용기관으로 등록했습니다") % {"name": name}
    else:
        text = gettext("%(name)s: 이미 등록된 기관입니다") % {"name": name}
    messages.success(request, text)
    return redirect(reverse("portal:staff_voucher_programme", args=[found["id"]]))


def _programme_find(request: HttpRequest, actor: Actor, found: dict[str, Any]) -> HttpResponse:
    """Find the person to issue to: only those who may issue (an office reader may not turn
    a phone number into a name), counted with the desk lookups of the staff member, and
    recorded in the personal-data access log (ids and the kind of query only)."""
    if not allowed(actor, "vouchers.programme_manage", Scope(district_code=found["district_code"])):
        return office.refused(request, Forbidden(gettext("이용권을 지급할 권한이 없습니다")))
    lookup = LearnerLookupForm(request.POST)
    if not lookup.is_valid():
        return _programme_page(request, found, lookup=lookup, status=422)
    try:
        desk_lookup_count(actor=actor)  # per staff member; 429 before anyone is looked up
    except LearncityError as exc:
        response = office.refused(request, exc)
        response["Retry-After"] = str(exc.details.get("retry_after", 60))
        return response
    people = lookup.people()
    personal_data_access_record(
        actor=actor,
        what="voucher_holder",
        action="vouchers.programme_manage",
        purpose=f"voucher issue of programme {found['id']}",
        address=client_address(request),
        learner_id=people[0]["id"] if len(people) == 1 else None,
        query=lookup.query_kind(),
        matches=len(people),
    )
    if len(people) > 1:
        return _programme_page(request, found, lookup=lookup, matches=len(people), status=422)
    if not people:
        return _programme_page(request, found, lookup=lookup, matches=0, status=404)
    return _programme_page(request, found, lookup=lookup, found=people[0], matches=1)


def _programme_issue(request: HttpRequest, actor: Actor, found: dict[str, Any]) -> HttpResponse:
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _programme_page(
            request,
            found,
            issue_error=gettext("신청서를 다시 열어 주세요"),
            status=422,
        )
    data = form.cleaned_data
    person = learner_get(data["learner"])
    try:
        if person is None:
            raise NotFound(f"no learner {data['learner']}")
        done = services.voucher_issue(
            actor=actor,
            programme_id=found["id"],
            learner_id=data["learner"],
            idempotency_key=data["idempotency_key"],
        )
    except LearncityError as exc:
        return _programme_page(
            request, found, issue_error=office.refusal_message(exc), status=exc.http_status
        )
    code = _voucher_code(done.voucher_id)
    text = gettext("%(name)s (%(born)s): 이용권 %(code)s 지급 %(amount)s원") % {
        "name": person["name"],
        "born": person["birth_year"],
        "code": code,
        "amount": f"{done.amount_krw:,}",
    }
    if done.replayed:
        text = "이미 처리된 지급입니다 (already done) — " + text
    messages.success(request, text)
    return redirect(reverse("portal:staff_voucher_programme", args=[found["id"]]))


# ------------------------------------------------------------------ projects
