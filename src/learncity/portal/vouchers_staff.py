"""Staff pages of vouchers and funded projects (issue 7):

- /staff/vouchers/programmes: the voucher programmes an office may read (period, amount,
  vouchers issued, institutions registered) and a form to create one
  (vouchers.services.programme_create), paid from a funded project's budget line if chosen;
- /staff/vouchers/programmes/ID: the institutions registered to take the programme's
  vouchers, with forms to register (programme_register_institution) and unregister
  (programme_unregister_institution) one; and issuing a voucher to a learner found by mobile
  number, or by name and birth year (learners.selectors.learner_find: several matches are
  never guessed between), with an idempotency key in the form (voucher_issue);
- /staff/projects: the funded projects an office may read, linking their budget page, and a
  form to create one with up to six budget lines (project_create);
- /staff/projects/ID/expenses/new: record spending that is not voucher money on one of the
  project's budget lines (project_expense_record).

Each view parses (a Django form), reaches the programme or project through one access helper
(404 unknown, 403 not the office's), calls one service and renders; a refusal of the service
is shown on the form, on the field it concerns, with its status (403, 404, 409, 422). Who may
write is the services' decision (vouchers.permissions.may_manage_programme: a city
administrator, or a district officer for the district's own programmes and projects); these
pages only hide what an office may not read. Anonymous visitors are sent to sign in,
accounts without a staff role get 403, and so do staff outside the city and district offices
(instructors, institution staff).
"""

from __future__ import annotations

import datetime as dt
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
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from learncity.catalog.selectors import institution_names, institution_rows
from learncity.core.errors import LearncityError, NotFound
from learncity.enrollment.selectors import mask_phone
from learncity.learners.access import Actor
from learncity.learners.forms import Described
from learncity.learners.selectors import learner_find, learner_get, staff_roles_of
from learncity.portal.staff import staff_page
from learncity.portal.staff_forms import LearnerLookupForm
from learncity.vouchers import errors, permissions, selectors, services

MAX_ID = 2**63 - 1
MAX_PROGRAMME_KRW = 2_147_483_647  # the column holds no more
MAX_PROJECT_KRW = 10**15
LINE_COUNT = 6
OFFICES = (permissions.CITY_ADMIN, permissions.DISTRICT_OFFICER, permissions.AUDITOR)

REFUSAL_WORDS = {
    "forbidden": "이 이용권 사업·재정지원 사업을 관리할 권한이 없습니다",
    "not_found": "찾을 수 없습니다",
    "invalid_request": "입력한 값이 올바르지 않습니다",
    "invalid_amount": "금액이 올바르지 않습니다",
    "voucher_not_eligible": "이 사람은 이 이용권의 지급 대상이 아닙니다",
    "already_issued": "이 사람은 이미 이 사업의 이용권을 받았습니다",
    "voucher_expired": "이 사업의 기간이 끝났습니다",
    "idempotency_conflict": "이 양식은 이미 다른 요청에 쓰였습니다. 페이지를 새로 고쳐 주세요",
    "duplicate_code": "이미 쓰이고 있는 사업 코드입니다",
}
OFFICE_NEEDED = (
    "이용권 사업과 재정지원 사업은 시·구 담당자와 감사 담당자만 볼 수 있습니다"
    " / voucher programmes and funded projects are for the city and district offices"
)
KIND_WORDS: dict[str, tuple[str, str]] = {
    "national": ("국가 평생교육이용권", "National learning voucher"),
    "city": ("지자체 이용권", "City voucher"),
}
GROUP_WORDS: dict[str, tuple[str, str]] = {
    "senior": ("어르신 (65세 이상)", "Seniors (65 and over)"),
    "disability": ("장애인", "People with a disability"),
    "low_income": ("저소득층", "Low income"),
    "multicultural": ("다문화 가정", "Multicultural families"),
}
CATEGORY_WORDS: dict[str, tuple[str, str]] = {
    "vouchers": ("이용권 (학습비 지원)", "Vouchers (learning costs)"),
    "instructors": ("강사비", "Instructors"),
    "venues": ("시설·장소", "Venues"),
    "materials": ("교재·재료", "Materials"),
    "promotion": ("홍보", "Promotion"),
    "operations": ("운영", "Operations"),
}
_DISTRICT = re.compile(r"^\d{2,10}$")
_CODE = re.compile(r"^[A-Za-z0-9_.-]{2,40}$")


# ------------------------------------------------------------------ forms


class _Words(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks (an unknown value is its refusal)."""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class _Word(forms.ChoiceField):
    """A choice whose value the service checks."""

    def validate(self, value: Any) -> None:
        if self.required and value in self.empty_values:
            raise ValidationError(self.error_messages["required"], code="required")


def _required(ko: str, en: str) -> dict[str, str]:
    return {"required": f"{ko}을(를) 입력해 주세요 / give the {en}"}


def _number(
    ko: str, en: str, *, required: bool = True, minimum: int | None = None, maximum: int
) -> forms.IntegerField:
    messages_ = {
        "required": f"{ko}을(를) 입력해 주세요 / give the {en}",
        "invalid": f"{ko}은(는) 숫자로 입력해 주세요 / the {en} is a whole number",
        "max_value": f"{ko}이(가) 너무 큽니다 / the {en} is too large",
        "min_value": f"{ko}을(를) 확인해 주세요 / check the {en}",
    }
    return forms.IntegerField(
        required=required,
        min_value=minimum,
        max_value=maximum,
        error_messages=messages_,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _date(ko: str, en: str) -> forms.DateField:
    return forms.DateField(
        error_messages={
            "required": f"{ko}을(를) 입력해 주세요 / give the {en}",
            "invalid": f"{ko}을(를) YYYY-MM-DD로 입력해 주세요 / write the {en} as YYYY-MM-DD",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _district_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=10,
        help_text=(
            "시·군·구 코드 10자리 (예: 1168000000 강남구). 비우면 시 전체"
            " / the district's 10-digit code (e.g. 1168000000 Gangnam); empty: city-wide"
        ),
        error_messages={"max_length": "코드는 10자리 이내입니다 / at most 10 digits"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _clean_district(text: str) -> str:
    text = (text or "").strip()
    if text and not _DISTRICT.match(text):
        raise ValidationError("시·군·구 코드는 숫자입니다 / the district code is digits")
    return text


class ProgrammeForm(Described, forms.Form):
    code = forms.CharField(
        max_length=40,
        help_text="영문·숫자·_.- (예: lv-2026) / letters, digits and _.- (e.g. lv-2026)",
        error_messages={
            **_required("사업 코드", "programme code"),
            "max_length": "코드는 40자 이내입니다 / at most 40 characters",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    name = forms.CharField(
        max_length=200,
        error_messages={
            **_required("사업 이름", "programme name"),
            "max_length": "이름은 200자 이내입니다 / at most 200 characters",
        },
    )
    name_en = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "이름은 200자 이내입니다 / at most 200 characters"},
    )
    kind = _Word(
        choices=[(k, v[0]) for k, v in KIND_WORDS.items()],
        error_messages=_required("이용권 종류", "kind of voucher"),
    )
    amount_krw = _number("1인당 지급액", "amount per person", maximum=MAX_PROGRAMME_KRW)
    period_start = _date("사용 시작일", "first day")
    period_end = _date("사용 마감일", "last day")
    min_age = _number("최소 나이", "minimum age", minimum=0, maximum=150)
    max_age = _number("최대 나이", "maximum age", required=False, minimum=0, maximum=150)
    groups = _Words(choices=[(k, v[0]) for k, v in GROUP_WORDS.items()], required=False)
    district_code = _district_field()
    budget_line_id = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "— 없음 / none —")],
        error_messages={
            "invalid_choice": "목록의 예산 항목을 골라 주세요 / choose a budget line from the list"
        },
    )

    def __init__(self, *args: Any, lines: list[tuple[int, str]] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        field = self.fields["budget_line_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "— 없음 / none —"), *(lines or [])]

    def clean_code(self) -> str:
        code: str = (self.cleaned_data.get("code") or "").strip()
        if not _CODE.match(code):
            raise ValidationError(
                "코드는 영문·숫자·_.- 2~40자입니다 / 2 to 40 letters, digits or _.-"
            )
        return code

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()

    def clean_district_code(self) -> str:
        return _clean_district(self.cleaned_data.get("district_code") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and high < low:
            self.add_error(
                "max_age",
                "최대 나이가 최소 나이보다 작습니다 / the maximum age is below the minimum",
            )
        return data


class LineFields:
    """The names of one budget line's three fields in ProjectForm."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.name = f"line_{index}_name"
        self.category = f"line_{index}_category"
        self.amount = f"line_{index}_amount"


LINES = [LineFields(i) for i in range(1, LINE_COUNT + 1)]


class ProjectForm(Described, forms.Form):
    name = forms.CharField(
        max_length=200,
        error_messages={
            **_required("사업 이름", "project name"),
            "max_length": "이름은 200자 이내입니다 / at most 200 characters",
        },
    )
    funder = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "200자 이내입니다 / at most 200 characters"},
    )
    amount_krw = _number("사업비", "project's amount", maximum=MAX_PROJECT_KRW)
    starts_on = _date("시작일", "first day")
    ends_on = _date("종료일", "last day")
    district_code = _district_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in LINES:
            self.fields[line.name] = forms.CharField(
                required=False,
                max_length=200,
                error_messages={"max_length": "200자 이내입니다 / at most 200 characters"},
            )
            self.fields[line.category] = _Word(
                required=False,
                choices=[("", "—"), *((k, v[0]) for k, v in CATEGORY_WORDS.items())],
            )
            self.fields[line.amount] = _number(
                f"{line.index}번 항목 금액",
                f"amount of line {line.index}",
                required=False,
                maximum=MAX_PROJECT_KRW,
            )

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()

    def clean_district_code(self) -> str:
        return _clean_district(self.cleaned_data.get("district_code") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for line in LINES:
            name = (data.get(line.name) or "").strip()
            category = data.get(line.category) or ""
            amount = data.get(line.amount)
            if line.amount in self.errors or not (name or category or amount is not None):
                continue
            if not name:
                self.add_error(line.name, "항목 이름을 입력해 주세요 / give the line's name")
            if not category:
                self.add_error(
                    line.category, "항목 구분을 골라 주세요 / choose the line's category"
                )
            if amount is None:
                self.add_error(line.amount, "항목 금액을 입력해 주세요 / give the line's amount")
        return data

    def lines(self) -> list[tuple[str, str, int]]:
        data = self.cleaned_data
        return [
            ((data.get(line.name) or "").strip(), data[line.category], data[line.amount])
            for line in LINES
            if (data.get(line.name) or "").strip()
        ]

    def line_rows(self) -> list[tuple[int, Any, Any, Any]]:
        return [
            (line.index, self[line.name], self[line.category], self[line.amount]) for line in LINES
        ]


class ExpenseForm(Described, forms.Form):
    line = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "예산 항목을 골라 주세요 / choose the budget line",
            "invalid_choice": (
                "이 사업의 예산 항목을 골라 주세요 / choose one of the project's lines"
            ),
        },
    )
    amount_krw = _number("금액", "amount", maximum=MAX_PROJECT_KRW)
    spent_on = _date("지출일", "day of the spending")
    memo = forms.CharField(
        required=False,
        max_length=300,
        error_messages={"max_length": "300자 이내입니다 / at most 300 characters"},
    )

    def __init__(self, *args: Any, lines: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [
            (str(line["id"]), f"{line['name']} ({line['category_words']})") for line in lines
        ]


class RegisterForm(forms.Form):
    institution = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "required": "기관을 골라 주세요 / choose the institution",
            "invalid": "기관을 골라 주세요 / choose the institution",
            "min_value": "기관을 골라 주세요 / choose the institution",
            "max_value": "기관을 골라 주세요 / choose the institution",
        },
    )


class IssueForm(forms.Form):
    learner = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(max_length=100, widget=forms.HiddenInput)


# ------------------------------------------------------------------ helpers


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _message(exc: LearncityError) -> str:
    korean = REFUSAL_WORDS.get(exc.code, "처리할 수 없습니다")
    return f"{korean} / {exc.message}"


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    return render(
        request,
        "portal/vouchers/staff/refused.html",
        {"error": _message(exc)},
        status=exc.http_status,
    )


def _office(actor: Actor) -> bool:
    """A city administrator, a district officer or an auditor: the offices of the pages."""
    return any(role in OFFICES for role, _, _ in staff_roles_of(actor.user_id))


def _may_create(actor: Actor) -> bool:
    """Whether to offer the create forms (a city administrator, a district officer); the
    service decides each request."""
    writers = (permissions.CITY_ADMIN, permissions.DISTRICT_OFFICER)
    return any(role in writers for role, _, _ in staff_roles_of(actor.user_id))


def _office_district(actor: Actor) -> str:
    """A district officer's district (a city administrator: "")."""
    roles = staff_roles_of(actor.user_id)
    if any(role == permissions.CITY_ADMIN for role, _, _ in roles):
        return ""
    for role, _, district in roles:
        if role == permissions.DISTRICT_OFFICER and district:
            return district
    return ""


def _show_refusal(form: forms.Form, exc: LearncityError, fields: list[tuple[str, str]]) -> None:
    """The refusal on the first field whose keyword its message carries, else above the
    form."""
    text = exc.message.lower()
    for keyword, field in fields:
        if keyword in text and field in form.fields:
            form.add_error(field, _message(exc))
            return
    form.add_error(None, _message(exc))


def _words(table: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
    return table.get(key, (key, key))


# ------------------------------------------------------------------ programme reads


def _described(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "kind_words": _words(KIND_WORDS, row["kind"]),
        "group_words": [_words(GROUP_WORDS, g) for g in row["groups"] or []],
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
        "may_create": _may_create(actor),
        "kinds": [(k, *v) for k, v in KIND_WORDS.items()],
        "groups": [(k, *v) for k, v in GROUP_WORDS.items()],
        "chosen_groups": form["groups"].value() or [],
    }
    return render(request, "portal/vouchers/staff/programmes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page
def programmes(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not _office(actor):
        return _refused(request, errors.Forbidden(OFFICE_NEEDED))
    if request.method == "GET":
        today = timezone.localdate()
        initial = {
            "kind": "city",
            "min_age": 0,
            "period_start": dt.date(today.year, 1, 1),
            "period_end": dt.date(today.year, 12, 31),
            "district_code": _office_district(actor),
        }
        return _programmes_page(request, actor, ProgrammeForm(initial=initial, lines=_lines(actor)))
    form = ProgrammeForm(request.POST, lines=_lines(actor))
    if not form.is_valid():
        return _programmes_page(request, actor, form, status=422)
    data = form.cleaned_data
    try:
        made = services.programme_create(
            actor=actor,
            code=data["code"],
            name=data["name"],
            name_en=data["name_en"],
            kind=data["kind"],
            amount_krw=data["amount_krw"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            min_age=data["min_age"],
            max_age=data["max_age"],
            groups=data["groups"],
            district_code=data["district_code"],
            budget_line_id=data["budget_line_id"],
        )
    except LearncityError as exc:
        _show_refusal(
            form,
            exc,
            [
                ("budget line", "budget_line_id"),
                ("amount", "amount_krw"),
                ("kind", "kind"),
                ("period", "period_end"),
                ("group", "groups"),
            ],
        )
        return _programmes_page(request, actor, form, status=exc.http_status)
    except IntegrityError:
        form.add_error(
            "code",
            f"{REFUSAL_WORDS['duplicate_code']} / the code {data['code']!r} is already used",
        )
        return _programmes_page(request, actor, form, status=409)
    messages.success(
        request, f"이용권 사업을 만들었습니다 / the voucher programme is created: {made.name}"
    )
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
        "may_manage": permissions.may_manage_programme(_actor(request), programme["district_code"]),
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


@require_http_methods(["GET", "POST"])
@staff_page
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    """POST action: register / unregister an institution, find a learner (a POST, so that
    phone numbers stay out of addresses and logs), issue the voucher to the one found."""
    actor = _actor(request)
    if not _office(actor):
        return _refused(request, errors.Forbidden(OFFICE_NEEDED))
    try:
        found_programme = _programme_get_for_staff(actor, pk)
    except LearncityError as exc:
        return _refused(request, exc)
    if request.method == "GET":
        return _programme_page(request, found_programme)
    action = request.POST.get("action", "")
    if action in ("register", "unregister"):
        return _programme_institution(request, actor, found_programme, action)
    if action == "issue":
        return _programme_issue(request, actor, found_programme)
    return _programme_find(request, found_programme)


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
        return _programme_page(request, found, register_error=_message(exc), status=exc.http_status)
    name = institution_names([institution_id]).get(institution_id, str(institution_id))
    if action == "unregister":
        text = f"{name}: 사용기관 등록을 취소했습니다 / no longer registered"
    elif created:
        text = f"{name}: 사용기관으로 등록했습니다 / registered"
    else:
        text = f"{name}: 이미 등록된 기관입니다 / already registered"
    messages.success(request, text)
    return redirect(reverse("portal:staff_voucher_programme", args=[found["id"]]))


def _programme_find(request: HttpRequest, found: dict[str, Any]) -> HttpResponse:
    lookup = LearnerLookupForm(request.POST)
    if not lookup.is_valid():
        return _programme_page(request, found, lookup=lookup, status=422)
    data = lookup.cleaned_data
    people = learner_find(
        phone=data["phone"],
        name=data.get("name") or "",
        birth_year=data.get("birth_year"),
        phone_end=data.get("phone_end") or "",
    )
    if len(people) > 1:
        lookup.add_error(
            "phone_end" if not data.get("phone_end") else "phone",
            "같은 이름과 태어난 해의 사람이 여럿입니다. 휴대전화 번호 끝 네 자리나 전체 번호를"
            " 입력해 주세요 / several people have this name and birth year: give the last four"
            " digits of the mobile number, or the whole number",
        )
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
            issue_error="신청서를 다시 열어 주세요 / reload the page and try again",
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
        return _programme_page(request, found, issue_error=_message(exc), status=exc.http_status)
    code = _voucher_code(done.voucher_id)
    text = (
        f"{person['name']} ({person['birth_year']}): 이용권 {code} 지급"
        f" {done.amount_krw:,}원 / voucher {code} issued, {done.amount_krw:,} won"
    )
    if done.replayed:
        text = "이미 처리된 지급입니다 (already done) — " + text
    messages.success(request, text)
    return redirect(reverse("portal:staff_voucher_programme", args=[found["id"]]))


# ------------------------------------------------------------------ projects


def _project_rows(actor: Actor) -> list[dict[str, Any]]:
    rows = []
    for row in selectors.project_list():
        try:
            project = selectors.project_get_for_staff(actor, row["id"])
        except LearncityError:
            continue
        rows.append(
            {
                **row,
                "funder": project.funder,
                "district_code": project.district_code,
                "starts_on": project.starts_on,
                "ends_on": project.ends_on,
            }
        )
    return rows


def _projects_page(
    request: HttpRequest, actor: Actor, form: ProjectForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "rows": _project_rows(actor),
        "form": form,
        "may_create": _may_create(actor),
        "categories": [(k, *v) for k, v in CATEGORY_WORDS.items()],
    }
    return render(request, "portal/vouchers/staff/projects.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_page
def projects(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not _office(actor):
        return _refused(request, errors.Forbidden(OFFICE_NEEDED))
    if request.method == "GET":
        today = timezone.localdate()
        initial = {
            "starts_on": dt.date(today.year, 1, 1),
            "ends_on": dt.date(today.year, 12, 31),
            "district_code": _office_district(actor),
        }
        return _projects_page(request, actor, ProjectForm(initial=initial))
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return _projects_page(request, actor, form, status=422)
    data = form.cleaned_data
    try:
        made = services.project_create(
            actor=actor,
            name=data["name"],
            funder=data["funder"],
            amount_krw=data["amount_krw"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            district_code=data["district_code"],
            lines=form.lines(),
        )
    except LearncityError as exc:
        _show_refusal(
            form,
            exc,
            [
                ("ends before", "ends_on"),
                ("project's amount", "amount_krw"),
                ("add up", "amount_krw"),
            ],
        )
        return _projects_page(request, actor, form, status=exc.http_status)
    messages.success(request, f"사업을 만들었습니다 / the project is created: {made.name}")
    return redirect(reverse("portal:project_budget", args=[made.pk]))


@require_http_methods(["GET", "POST"])
@staff_page
def expense_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        selectors.project_get_for_staff(actor, pk)
    except LearncityError as exc:
        return _refused(request, exc)
    budget = selectors.project_budget(pk)
    lines = [line for line in budget["lines"] if line["category"] != "vouchers"]
    if request.method == "GET":
        form = ExpenseForm(lines=lines, initial={"spent_on": timezone.localdate()})
        return _expense_page(request, budget, form)
    form = ExpenseForm(request.POST, lines=lines)
    if not form.is_valid():
        return _expense_page(request, budget, form, status=422)
    data = form.cleaned_data
    try:
        services.project_expense_record(
            actor=actor,
            line_id=data["line"],
            amount_krw=data["amount_krw"],
            spent_on=data["spent_on"],
            memo=(data["memo"] or "").strip(),
        )
    except LearncityError as exc:
        _show_refusal(form, exc, [("amount", "amount_krw"), ("budget line", "line")])
        return _expense_page(request, budget, form, status=exc.http_status)
    messages.success(
        request,
        f"지출을 기록했습니다 / the spending is recorded: {data['amount_krw']:,}원 (won)",
    )
    return redirect(reverse("portal:project_budget", args=[pk]))


def _expense_page(
    request: HttpRequest, budget: dict[str, Any], form: ExpenseForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/vouchers/staff/expense_new.html",
        {
            "budget": budget,
            "form": form,
            "may_manage": permissions.may_manage_programme(
                _actor(request), budget["district_code"]
            ),
            "has_lines": any(line["category"] != "vouchers" for line in budget["lines"]),
        },
        status=status,
    )
