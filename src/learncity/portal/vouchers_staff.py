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
from collections.abc import Callable, Mapping
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from learncity.core.error_words import refusal_text
from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, holds_role_for, reach_of
from learncity.learners.forms import Described
from learncity.portal.staff import staff_page
from learncity.vouchers import errors

MAX_ID = 2**63 - 1
MAX_PROGRAMME_KRW = 2_147_483_647  # the column holds no more
MAX_PROJECT_KRW = 10**15
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LINE_COUNT = 6

REFUSAL_WORDS = {
    "forbidden": gettext_lazy("이 이용권 사업·재정지원 사업을 관리할 권한이 없습니다"),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "invalid_request": gettext_lazy("입력한 값이 올바르지 않습니다"),
    "invalid_amount": gettext_lazy("금액이 올바르지 않습니다"),
    "voucher_not_eligible": gettext_lazy("이 사람은 이 이용권의 지급 대상이 아닙니다"),
    "already_issued": gettext_lazy("이 사람은 이미 이 사업의 이용권을 받았습니다"),
    "voucher_expired": gettext_lazy("이 사업의 기간이 끝났습니다"),
    "idempotency_conflict": gettext_lazy(
        "이 양식은 이미 다른 요청에 쓰였습니다. 페이지를 새로 고쳐 주세요"
    ),
    "duplicate_code": gettext_lazy("이미 쓰이고 있는 사업 코드입니다"),
}
OFFICE_NEEDED = gettext_lazy(
    "이용권 사업과 재정지원 사업은 시·구 담당자와 감사 담당자만 볼 수 있습니다"
)
KIND_WORDS: dict[str, Promise] = {
    "national": gettext_lazy("국가 평생교육이용권"),
    "city": gettext_lazy("지자체 이용권"),
}
GROUP_WORDS: dict[str, Promise] = {
    "senior": gettext_lazy("어르신 (65세 이상)"),
    "disability": pgettext_lazy("People with a disability", "장애인"),
    "low_income": gettext_lazy("저소득층"),
    "multicultural": pgettext_lazy("Multicultural families", "다문화 가정"),
}
CATEGORY_WORDS: dict[str, Promise] = {
    "vouchers": gettext_lazy("이용권 (학습비 지원)"),
    "instructors": gettext_lazy("강사비"),
    "venues": gettext_lazy("시설·장소"),
    "materials": gettext_lazy("교재·재료"),
    "promotion": gettext_lazy("홍보"),
    "operations": gettext_lazy("운영"),
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


def _about(words: StrOrPromise, field: StrOrPromise) -> StrOrPromise:
    """A message about a field, in the page's language when it is shown."""
    return format_lazy(words, field=field)


def required_messages(field: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"required": _about(gettext_lazy("{field}을(를) 입력해 주세요"), field)}


def number_field(
    field: StrOrPromise, *, required: bool = True, minimum: int | None = None, maximum: int
) -> forms.IntegerField:
    messages_ = {
        **required_messages(field),
        "invalid": _about(gettext_lazy("{field}은(는) 숫자로 입력해 주세요"), field),
        "max_value": _about(gettext_lazy("{field}이(가) 너무 큽니다"), field),
        "min_value": _about(gettext_lazy("{field}을(를) 확인해 주세요"), field),
    }
    return forms.IntegerField(
        required=required,
        min_value=minimum,
        max_value=maximum,
        error_messages=messages_,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def date_field(field: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        error_messages={
            **required_messages(field),
            "invalid": _about(gettext_lazy("{field}을(를) YYYY-MM-DD로 입력해 주세요"), field),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def district_field() -> forms.CharField:
    return forms.CharField(
        required=False,
        max_length=10,
        help_text=gettext_lazy("시·군·구 코드 10자리 (예: 1168000000 강남구). 비우면 시 전체"),
        error_messages={"max_length": gettext_lazy("코드는 10자리 이내입니다")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def clean_district(text: str) -> str:
    text = (text or "").strip()
    if text and not _DISTRICT.match(text):
        raise ValidationError(gettext("시·군·구 코드는 숫자입니다"))
    return text


def name_field(field: StrOrPromise) -> forms.CharField:
    """The name (사업 이름) of a voucher programme or a funded project."""
    return forms.CharField(
        max_length=200,
        error_messages={
            **required_messages(field),
            "max_length": gettext_lazy("이름은 200자 이내입니다"),
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
    """The refusal in the page's language (one without words of its own: the service's
    message after a general one)."""
    return refusal_text(REFUSAL_WORDS.get(exc.code) or gettext("처리할 수 없습니다"), exc.message)


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


def words_of(table: Mapping[str, Promise], key: str) -> Promise | str:
    return table.get(key, key)


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
            return refused(request, errors.Forbidden(str(OFFICE_NEEDED)))
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
