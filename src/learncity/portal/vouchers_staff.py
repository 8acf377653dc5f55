"""Staff pages of vouchers and funded projects (issue 7), for the city and district offices:

- vouchers_staff_programmes: /staff/vouchers/programmes (the voucher programmes an office
  may read, and a form to create one, paid from a funded project's budget line if chosen)
  and /staff/vouchers/programmes/ID (registering institutions, issuing a voucher to a
  learner found by mobile number, or by name and birth year);
- vouchers_staff_projects: /staff/projects (the funded projects an office may read, and a
  form to create one with up to six budget lines) and /staff/projects/ID/expenses/new
  (spending that is not voucher money on one of the project's budget lines).

This module holds what both share: the words of the pages, the form fields, who counts as an
office (the access policy's `vouchers.office_read`), and how a refusal is shown.

Each view parses (a Django form), reaches the programme or project through one access helper
(404 unknown, 403 not the office's), calls one service and renders; a refusal of the service
is shown on the form, on the field it concerns, with its status (403, 404, 409, 422). Who may
write is the services' decision (the access policy's `vouchers.programme_manage` and
`vouchers.project_manage`: a city administrator, or a district officer for the district's own
programmes and projects); these
pages only hide what an office may not read. Anonymous visitors are sent to sign in,
accounts without a staff role get 403, and so do staff outside the city and district offices
(instructors, institution staff).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, holds_role_for, reach_of
from learncity.learners.forms import Described
from learncity.portal.staff import staff_page
from learncity.vouchers import errors

MAX_ID = 2**63 - 1
MAX_PROGRAMME_KRW = 2_147_483_647  # the column holds no more
MAX_PROJECT_KRW = 10**15
LINE_COUNT = 6

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


# ------------------------------------------------------------------ forms


class Words(forms.MultipleChoiceField):
    """Checkboxes whose values the service checks (an unknown value is its refusal)."""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")


class Word(forms.ChoiceField):
    """A choice whose value the service checks."""

    def validate(self, value: Any) -> None:
        if self.required and value in self.empty_values:
            raise ValidationError(self.error_messages["required"], code="required")


def required_messages(ko: str, en: str) -> dict[str, str]:
    return {"required": f"{ko}을(를) 입력해 주세요 / give the {en}"}


def number_field(
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


def date_field(ko: str, en: str) -> forms.DateField:
    return forms.DateField(
        error_messages={
            "required": f"{ko}을(를) 입력해 주세요 / give the {en}",
            "invalid": f"{ko}을(를) YYYY-MM-DD로 입력해 주세요 / write the {en} as YYYY-MM-DD",
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def district_field() -> forms.CharField:
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


def clean_district(text: str) -> str:
    text = (text or "").strip()
    if text and not _DISTRICT.match(text):
        raise ValidationError("시·군·구 코드는 숫자입니다 / the district code is digits")
    return text


def name_field(en: str) -> forms.CharField:
    """The name (사업 이름) of a voucher programme or a funded project."""
    return forms.CharField(
        max_length=200,
        error_messages={
            **required_messages("사업 이름", en),
            "max_length": "이름은 200자 이내입니다 / at most 200 characters",
        },
    )


class OfficeForm(Described, forms.Form):
    """A form of the office pages that creates a programme or a project: its `name` without
    the spaces around it, and its `district_code` (empty: city-wide) checked."""

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()

    def clean_district_code(self) -> str:
        return clean_district(self.cleaned_data.get("district_code") or "")


# ------------------------------------------------------------------ helpers


def actor_of(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def refusal_message(exc: LearncityError) -> str:
    korean = REFUSAL_WORDS.get(exc.code, "처리할 수 없습니다")
    return f"{korean} / {exc.message}"


def refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    return render(
        request,
        "portal/vouchers/staff/refused.html",
        {"error": refusal_message(exc)},
        status=exc.http_status,
    )


def is_office(actor: Actor) -> bool:
    """A city administrator, a district officer or an auditor: the offices of the pages
    (the roles of `vouchers.office_read`, wherever they are held)."""
    return holds_role_for(actor, "vouchers.office_read")


def may_create(actor: Actor) -> bool:
    """Whether to offer the create forms (a city administrator, a district officer: the
    roles of `vouchers.programme_manage`); the service decides each request."""
    return holds_role_for(actor, "vouchers.programme_manage")


def office_district(actor: Actor) -> str:
    """A district officer's district (a city administrator: "")."""
    reach = reach_of(actor, "vouchers.programme_manage")
    if reach.everywhere or not reach.districts:
        return ""
    return min(reach.districts)


def show_refusal(form: forms.Form, exc: LearncityError) -> None:
    """The refusal on the first field whose keyword its message carries (the form's
    `refusal_fields`: (keyword, field) in order), else above the form."""
    text = exc.message.lower()
    for keyword, field in getattr(form, "refusal_fields", ()):
        if keyword in text and field in form.fields:
            form.add_error(field, refusal_message(exc))
            return
    form.add_error(None, refusal_message(exc))


def words_of(table: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
    return table.get(key, (key, key))


# ------------------------------------------------------------------ programme reads


def office_page(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """A page of the offices (GET and POST): anonymous visitors sign in, accounts without a
    staff role and staff outside the offices get 403; the view is called with the actor."""

    @require_http_methods(["GET", "POST"])
    @staff_page
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = actor_of(request)
        if not is_office(actor):
            return refused(request, errors.Forbidden(OFFICE_NEEDED))
        return view(request, actor, *args, **kwargs)

    return page


def office_initial(actor: Actor, *, first: str, last: str) -> dict[str, Any]:
    """A create form's defaults: the current year (its first day in the field `first`, its
    last in `last`) and the officer's own district."""
    today = timezone.localdate()
    return {
        first: dt.date(today.year, 1, 1),
        last: dt.date(today.year, 12, 31),
        "district_code": office_district(actor),
    }
