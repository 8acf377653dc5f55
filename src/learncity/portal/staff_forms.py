"""Forms of the staff pages: open enrolment for a schedule, find a learner at the desk, and
apply for them. They parse and check what staff typed; the writes are
enrollment.services (offer_create, apply).

Messages are Korean and English ("한국어 / English"); fields with an error carry
`aria-invalid` and `aria-describedby` (learners.forms.Described).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from learncity.enrollment.services import WAIVER_GROUPS
from learncity.learners.access import Actor
from learncity.learners.forms import Described
from learncity.learners.selectors import learner_find
from learncity.learners.services import AccountError, normalise_phone

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_ID = 2**63 - 1


def _korean(words: Promise) -> str:
    """Words as stored (a quota's name is data, kept in Korean whatever the page's language)."""
    with translation.override("ko"):
        return str(words)


# what services.learner_tags gives a person; quotas, priorities and eligibility use them
TAGS: dict[str, Promise] = {
    "resident": gettext_lazy("관내 거주자"),
    "senior": gettext_lazy("어르신 (65세 이상)"),
    "first_time": gettext_lazy("첫 수강자"),
    "disability": pgettext_lazy("People with a disability", "장애인"),
    "low_income": pgettext_lazy("Low income or voucher holders", "저소득·바우처 대상"),
    "multicultural": pgettext_lazy("Multicultural families", "다문화 가정"),
}
METHODS: dict[str, Promise] = {
    "first_come": gettext_lazy("선착순"),
    "lottery": gettext_lazy("추첨"),
    "lottery_then_first_come": gettext_lazy("추첨 후 잔여석 선착순"),
}
CHANNELS: dict[str, Promise] = {
    "desk": gettext_lazy("방문 접수"),
    "phone": gettext_lazy("전화 접수"),
}
PRIORITY_FIELDS = ("priority_1", "priority_2", "priority_3")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _messages(required: StrOrPromise, **more: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"required": required, **more}


def _number(
    low: int,
    high: int,
    missing: StrOrPromise = "",
    *,
    required: bool = True,
    initial: int | None = None,
) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        required=required,
        initial=initial,
        error_messages=_messages(
            missing,
            invalid=gettext_lazy("숫자로 입력해 주세요"),
            min_value=gettext_lazy("%(limit_value)s 이상이어야 합니다"),
            max_value=gettext_lazy("%(limit_value)s 이하여야 합니다"),
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _moment(missing: StrOrPromise) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=DATETIME_FORMATS,
        error_messages=_messages(missing, invalid=gettext_lazy("날짜와 시각을 확인해 주세요")),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class OfferForm(Described, forms.Form):
    """What enrollment.services.offer_create takes, checked field by field so that every
    refusal names its field."""

    schedule = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    capacity = _number(1, 100_000, gettext_lazy("정원을 입력해 주세요"))
    desk_seats = _number(0, 100_000, required=False, initial=0)
    opens_at = _moment(gettext_lazy("신청 시작 시각을 입력해 주세요"))
    closes_at = _moment(gettext_lazy("신청 마감 시각을 입력해 주세요"))
    method = forms.ChoiceField(
        choices=[(k, k) for k in METHODS],
        initial="first_come",
        error_messages=_messages(
            gettext_lazy("선정 방법을 골라 주세요"),
            invalid_choice=gettext_lazy("목록에서 선정 방법을 골라 주세요"),
        ),
    )
    quota_resident = _number(0, 100_000, required=False)
    quota_senior = _number(0, 100_000, required=False)
    quota_first_time = _number(0, 100_000, required=False)
    quota_disability = _number(0, 100_000, required=False)
    quota_low_income = _number(0, 100_000, required=False)
    quota_multicultural = _number(0, 100_000, required=False)
    priority_1 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    priority_2 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    priority_3 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    eligible_tags = forms.MultipleChoiceField(
        required=False,
        choices=[(k, k) for k in TAGS],
        error_messages={"invalid_choice": gettext_lazy("목록에서 골라 주세요")},
    )
    fee_waiver_groups = forms.MultipleChoiceField(
        required=False,
        choices=[(k, k) for k in TAGS if k in WAIVER_GROUPS],
        error_messages={"invalid_choice": gettext_lazy("목록에서 골라 주세요")},
    )
    term = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": gettext_lazy("20자 이내로 입력해 주세요")},
    )
    per_person_limit = _number(0, 100, required=False, initial=0)
    fee_krw = _number(0, 100_000_000, required=False, initial=0)
    accept_hours = _number(1, 720, gettext_lazy("수락 기한을 시간으로 입력해 주세요"), initial=48)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRIORITY_FIELDS:
            self.fields[name].error_messages["invalid_choice"] = gettext("목록에서 골라 주세요")

    @staticmethod
    def quota_fields() -> list[tuple[str, str]]:
        return [(f"quota_{tag}", tag) for tag in TAGS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        capacity, desk = data.get("capacity"), data.get("desk_seats") or 0
        if capacity is not None and desk > capacity:
            self.add_error(
                "desk_seats",
                gettext("현장·전화 할당석은 정원(%(capacity)s) 이하여야 합니다")
                % {"capacity": capacity},
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error(
                "closes_at",
                gettext("신청 마감은 시작보다 뒤여야 합니다"),
            )
        quotas = {tag: data.get(name) or 0 for name, tag in self.quota_fields()}
        used = [name for name, tag in self.quota_fields() if quotas[tag]]
        chosen = [data.get(name) or "" for name in PRIORITY_FIELDS]
        if data.get("method") == "first_come":
            for name in used:
                self.add_error(
                    name,
                    gettext("할당 인원은 추첨 방식에서만 쓰입니다"),
                )
            for name, tag in zip(PRIORITY_FIELDS, chosen, strict=True):
                if tag:
                    self.add_error(
                        name,
                        gettext("우선순위는 추첨 방식에서만 쓰입니다"),
                    )
        elif capacity is not None and used and sum(quotas.values()) + desk > capacity:
            self.add_error(
                used[0],
                gettext(
                    "할당 인원과 현장·전화 할당석의 합(%(sum)s)이 정원(%(capacity)s)보다 많습니다"
                )
                % {"sum": sum(quotas.values()) + desk, "capacity": capacity},
            )
        seen: set[str] = set()
        for name, tag in zip(PRIORITY_FIELDS, chosen, strict=True):
            if tag and tag in seen and name not in self.errors:
                self.add_error(name, gettext("같은 우선순위를 두 번 골랐습니다"))
            seen.add(tag)
        return data

    def offer_arguments(self, actor: Actor) -> dict[str, Any]:
        """What enrollment.services.offer_create takes."""
        data = self.cleaned_data
        quotas = [
            {"name": _korean(TAGS[tag]), "tag": tag, "seats": data[name]}
            for name, tag in self.quota_fields()
            if data.get(name)
        ]
        return {
            "actor": actor,
            "schedule_id": data["schedule"],
            "capacity": data["capacity"],
            "desk_seats": data.get("desk_seats") or 0,
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "method": data["method"],
            "quotas": quotas,
            "priorities": [data[n] for n in PRIORITY_FIELDS if data.get(n)],
            "eligible_tags": list(data.get("eligible_tags") or []),
            "term": data.get("term") or "",
            "per_person_limit": data.get("per_person_limit") or 0,
            "fee_krw": data.get("fee_krw") or 0,
            "fee_waiver_groups": list(data.get("fee_waiver_groups") or []),
            "accept_hours": data["accept_hours"],
        }


def offer_initial(schedule: dict[str, Any], now: dt.datetime | None = None) -> dict[str, Any]:
    """A starting point: the schedule's published capacity, applications from the next
    full hour for a week."""
    now = timezone.localtime(now or timezone.now())
    opens = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return {
        "schedule": schedule["id"],
        "capacity": schedule.get("capacity") or "",
        "desk_seats": 0,
        "opens_at": opens,
        "closes_at": opens + dt.timedelta(days=7),
        "method": "first_come",
        "per_person_limit": 0,
        "fee_krw": 0,
        "accept_hours": 48,
    }


# the service's problems (English, joined by "; ") and the field each belongs to
# the fields of offer_create's refusals (details["fields"]) on the form, in Korean first
SERVICE_FIELDS: dict[str, tuple[str | None, str]] = {
    "capacity": ("capacity", "정원은 1명 이상이어야 합니다"),
    "desk_seats": ("desk_seats", "현장·전화 할당석은 0부터 정원까지입니다"),
    "closes_at": ("closes_at", "신청 마감은 시작보다 뒤여야 합니다"),
    "method": ("method", "목록에서 선정 방법을 골라 주세요"),
    "quotas": ("quota_resident", "할당 인원을 확인해 주세요 (할당과 현장석의 합은 정원 이하)"),
    "fee_krw": ("fee_krw", "수강료를 확인해 주세요"),
    "fee_waiver_groups": ("fee_waiver_groups", "감면 대상을 목록에서 골라 주세요"),
}


def add_service_problems(form: OfferForm, message: str, fields: dict[str, str]) -> None:
    """Show a refusal of offer_create on the fields it names (the rest above the form)."""
    if not fields:
        form.add_error(None, message)
    for name, problem in fields.items():
        field, korean = SERVICE_FIELDS.get(name, (None, ""))
        form.add_error(field, f"{korean} / {problem}" if korean else problem)


_DIGITS4 = RegexValidator(r"^\d{4}$", gettext_lazy("숫자 네 자리로 입력해 주세요"))


class LearnerLookupForm(Described, forms.Form):
    """Find the person at the desk or on the telephone: the mobile number, or the name and
    the birth year (with the last four digits of the number when several match)."""

    phone = forms.CharField(
        required=False,
        max_length=30,
        help_text=gettext_lazy("예: 010-1234-5678"),
        error_messages={"max_length": gettext_lazy("휴대전화 번호를 확인해 주세요")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    name = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": gettext_lazy("이름은 100자 이내입니다")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_year = forms.IntegerField(
        required=False,
        min_value=1900,
        max_value=2100,
        error_messages={
            "invalid": gettext_lazy("태어난 해를 숫자 네 자리로 입력해 주세요"),
            "min_value": gettext_lazy("1900년 이후여야 합니다"),
            "max_value": gettext_lazy("태어난 해를 확인해 주세요"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    phone_end = forms.CharField(
        required=False,
        max_length=4,
        validators=[_DIGITS4],
        error_messages={"max_length": gettext_lazy("숫자 네 자리로 입력해 주세요")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        text: str = self.cleaned_data.get("phone") or ""
        if not text.strip():
            return ""
        try:
            return normalise_phone(text)
        except AccountError as exc:
            raise ValidationError(exc.message) from None

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        this_year = timezone.localdate().year
        if year is not None and year > this_year:
            raise ValidationError(gettext("%(year)s년 이전이어야 합니다") % {"year": this_year})
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("phone"):
            return data
        name = (data.get("name") or "").strip()
        if name and data.get("birth_year") is None:
            self.add_error("birth_year", gettext("이름과 함께 태어난 해를 입력해 주세요"))
        elif data.get("birth_year") is not None and not name:
            self.add_error("name", gettext("태어난 해와 함께 이름을 입력해 주세요"))
        elif not name:
            self.add_error(
                "phone",
                gettext("휴대전화 번호나, 이름과 태어난 해를 입력해 주세요"),
            )
        return data

    def query_kind(self) -> str:
        """What a valid form searched by, for the access log: "phone", "name_birth_year" or
        "name_birth_year_phone_end" (the kind only, never the value typed)."""
        data = self.cleaned_data
        if data.get("phone"):
            return "phone"
        return "name_birth_year_phone_end" if data.get("phone_end") else "name_birth_year"

    def people(self) -> list[dict[str, Any]]:
        """The learners a valid form names (learners.selectors.learner_find). Several are
        never guessed between: the form then asks for the mobile number, or its last four
        digits, on the field that would tell them apart."""
        data = self.cleaned_data
        found = learner_find(
            phone=data["phone"],
            name=data.get("name") or "",
            birth_year=data.get("birth_year"),
            phone_end=data.get("phone_end") or "",
        )
        if len(found) > 1:
            self.add_error(
                "phone_end" if not data.get("phone_end") else "phone",
                gettext(
                    "같은 이름과 태어난 해의 사람이 여럿입니다."
                    " 휴대전화 번호 끝 네 자리나 전체 번호를 입력해 주세요"
                ),
            )
        return found


class DeskApplyForm(Described, forms.Form):
    """The application staff enter for the person found: the channel and a key generated
    into the form, so a double submit is answered as the same application."""

    learner = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            gettext_lazy("신청할 사람을 다시 찾아 주세요"),
        ),
    )
    channel = forms.ChoiceField(
        choices=[(k, k) for k in CHANNELS],
        initial="desk",
        error_messages=_messages(
            gettext_lazy("접수 방법을 골라 주세요"),
            invalid_choice=gettext_lazy("방문 또는 전화를 골라 주세요"),
        ),
    )
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_.:-]{8,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": gettext_lazy("페이지를 새로 고쳐 주세요"),
            "invalid": gettext_lazy("페이지를 새로 고쳐 주세요"),
        },
    )
