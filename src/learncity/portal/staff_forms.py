"""Forms of the staff pages: open enrolment for a schedule, find a learner at the desk, and
apply for them. They parse and check what staff typed; the writes are
enrollment.services (offer_create, apply).

Messages are Korean and English ("한국어 / English"); fields with an error carry
`aria-invalid` and `aria-describedby` (learners.forms.Described).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from learncity.enrollment.services import WAIVER_GROUPS
from learncity.learners.access import Actor
from learncity.learners.forms import Described
from learncity.learners.selectors import learner_find
from learncity.learners.services import AccountError, normalise_phone

MAX_ID = 2**63 - 1

# what services.learner_tags gives a person; quotas, priorities and eligibility use them
TAGS: dict[str, tuple[str, str]] = {
    "resident": ("관내 거주자", "District residents"),
    "senior": ("어르신 (65세 이상)", "Seniors (65 and over)"),
    "first_time": ("첫 수강자", "First-time learners"),
    "disability": ("장애인", "People with a disability"),
    "low_income": ("저소득·바우처 대상", "Low income or voucher holders"),
    "multicultural": ("다문화 가정", "Multicultural families"),
}
METHODS: dict[str, tuple[str, str]] = {
    "first_come": ("선착순", "First come, first served"),
    "lottery": ("추첨", "Lottery"),
    "lottery_then_first_come": ("추첨 후 잔여석 선착순", "Lottery, then first come for the rest"),
}
CHANNELS: dict[str, tuple[str, str]] = {
    "desk": ("방문 접수", "At the desk"),
    "phone": ("전화 접수", "By telephone"),
}
PRIORITY_FIELDS = ("priority_1", "priority_2", "priority_3")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _messages(ko: str, en: str, **more: str) -> dict[str, str]:
    return {"required": f"{ko} / {en}", **more}


def _number(
    low: int, high: int, ko: str, en: str, *, required: bool = True, initial: int | None = None
) -> forms.IntegerField:
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        required=required,
        initial=initial,
        error_messages=_messages(
            ko,
            en,
            invalid="숫자로 입력해 주세요 / give a whole number",
            min_value=f"{low} 이상이어야 합니다 / at least {low}",
            max_value=f"{high:,} 이하여야 합니다 / at most {high:,}",
        ),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _moment(ko: str, en: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=DATETIME_FORMATS,
        error_messages=_messages(
            ko, en, invalid="날짜와 시각을 확인해 주세요 / give a date and a time"
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class OfferForm(Described, forms.Form):
    """What enrollment.services.offer_create takes, checked field by field so that every
    refusal names its field."""

    schedule = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    capacity = _number(1, 100_000, "정원을 입력해 주세요", "give the number of places")
    desk_seats = _number(0, 100_000, "", "", required=False, initial=0)
    opens_at = _moment("신청 시작 시각을 입력해 주세요", "give when applications open")
    closes_at = _moment("신청 마감 시각을 입력해 주세요", "give when applications close")
    method = forms.ChoiceField(
        choices=[(k, k) for k in METHODS],
        initial="first_come",
        error_messages=_messages(
            "선정 방법을 골라 주세요",
            "choose how places are given",
            invalid_choice="목록에서 선정 방법을 골라 주세요 / choose one of the methods",
        ),
    )
    quota_resident = _number(0, 100_000, "", "", required=False)
    quota_senior = _number(0, 100_000, "", "", required=False)
    quota_first_time = _number(0, 100_000, "", "", required=False)
    quota_disability = _number(0, 100_000, "", "", required=False)
    quota_low_income = _number(0, 100_000, "", "", required=False)
    quota_multicultural = _number(0, 100_000, "", "", required=False)
    priority_1 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    priority_2 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    priority_3 = forms.ChoiceField(required=False, choices=[("", ""), *((k, k) for k in TAGS)])
    eligible_tags = forms.MultipleChoiceField(
        required=False,
        choices=[(k, k) for k in TAGS],
        error_messages={"invalid_choice": "목록에서 골라 주세요 / choose from the list"},
    )
    fee_waiver_groups = forms.MultipleChoiceField(
        required=False,
        choices=[(k, k) for k in TAGS if k in WAIVER_GROUPS],
        error_messages={"invalid_choice": "목록에서 골라 주세요 / choose from the list"},
    )
    term = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "20자 이내로 입력해 주세요 / at most 20 characters"},
    )
    per_person_limit = _number(0, 100, "", "", required=False, initial=0)
    fee_krw = _number(0, 100_000_000, "", "", required=False, initial=0)
    accept_hours = _number(
        1, 720, "수락 기한을 시간으로 입력해 주세요", "give the hours to accept", initial=48
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PRIORITY_FIELDS:
            self.fields[name].error_messages["invalid_choice"] = (
                "목록에서 골라 주세요 / choose from the list"
            )

    @staticmethod
    def quota_fields() -> list[tuple[str, str]]:
        return [(f"quota_{tag}", tag) for tag in TAGS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        capacity, desk = data.get("capacity"), data.get("desk_seats") or 0
        if capacity is not None and desk > capacity:
            self.add_error(
                "desk_seats",
                f"현장·전화 할당석은 정원({capacity}) 이하여야 합니다"
                f" / desk seats must be between 0 and the capacity ({capacity})",
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error(
                "closes_at",
                "신청 마감은 시작보다 뒤여야 합니다 / applications must close after they open",
            )
        quotas = {tag: data.get(name) or 0 for name, tag in self.quota_fields()}
        used = [name for name, tag in self.quota_fields() if quotas[tag]]
        chosen = [data.get(name) or "" for name in PRIORITY_FIELDS]
        if data.get("method") == "first_come":
            for name in used:
                self.add_error(
                    name,
                    "할당 인원은 추첨 방식에서만 쓰입니다 / quotas apply to a lottery only",
                )
            for name, tag in zip(PRIORITY_FIELDS, chosen, strict=True):
                if tag:
                    self.add_error(
                        name,
                        "우선순위는 추첨 방식에서만 쓰입니다 / priorities apply to a lottery only",
                    )
        elif capacity is not None and used and sum(quotas.values()) + desk > capacity:
            self.add_error(
                used[0],
                f"할당 인원과 현장·전화 할당석의 합({sum(quotas.values()) + desk})이"
                f" 정원({capacity})보다 많습니다 / quotas and desk seats reserve more seats"
                " than the capacity",
            )
        seen: set[str] = set()
        for name, tag in zip(PRIORITY_FIELDS, chosen, strict=True):
            if tag and tag in seen and name not in self.errors:
                self.add_error(
                    name, "같은 우선순위를 두 번 골랐습니다 / this priority is already chosen"
                )
            seen.add(tag)
        return data

    def offer_arguments(self, actor: Actor) -> dict[str, Any]:
        """What enrollment.services.offer_create takes."""
        data = self.cleaned_data
        quotas = [
            {"name": TAGS[tag][0], "tag": tag, "seats": data[name]}
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


_DIGITS4 = RegexValidator(r"^\d{4}$", "숫자 네 자리로 입력해 주세요 / give four digits")


class LearnerLookupForm(Described, forms.Form):
    """Find the person at the desk or on the telephone: the mobile number, or the name and
    the birth year (with the last four digits of the number when several match)."""

    phone = forms.CharField(
        required=False,
        max_length=30,
        help_text="예: 010-1234-5678 / e.g. 010-1234-5678",
        error_messages={"max_length": "휴대전화 번호를 확인해 주세요 / check the mobile number"},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    name = forms.CharField(
        required=False,
        max_length=100,
        error_messages={"max_length": "이름은 100자 이내입니다 / at most 100 characters"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_year = forms.IntegerField(
        required=False,
        min_value=1900,
        max_value=2100,
        error_messages={
            "invalid": "태어난 해를 숫자 네 자리로 입력해 주세요 / give the year as four digits",
            "min_value": "1900년 이후여야 합니다 / the year must be 1900 or later",
            "max_value": "태어난 해를 확인해 주세요 / check the year",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    phone_end = forms.CharField(
        required=False,
        max_length=4,
        validators=[_DIGITS4],
        error_messages={"max_length": "숫자 네 자리로 입력해 주세요 / give four digits"},
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
            raise ValidationError(
                f"{this_year}년 이전이어야 합니다 / the year must be {this_year} or earlier"
            )
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("phone"):
            return data
        name = (data.get("name") or "").strip()
        if name and data.get("birth_year") is None:
            self.add_error(
                "birth_year", "이름과 함께 태어난 해를 입력해 주세요 / give the birth year too"
            )
        elif data.get("birth_year") is not None and not name:
            self.add_error("name", "태어난 해와 함께 이름을 입력해 주세요 / give the name too")
        elif not name:
            self.add_error(
                "phone",
                "휴대전화 번호나, 이름과 태어난 해를 입력해 주세요"
                " / give the mobile number, or the name and the birth year",
            )
        return data

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
                "같은 이름과 태어난 해의 사람이 여럿입니다. 휴대전화 번호 끝 네 자리나 전체 번호를"
                " 입력해 주세요 / several people have this name and birth year: give the last"
                " four digits of the mobile number, or the whole number",
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
            "신청할 사람을 다시 찾아 주세요 / find the person again",
        ),
    )
    channel = forms.ChoiceField(
        choices=[(k, k) for k in CHANNELS],
        initial="desk",
        error_messages=_messages(
            "접수 방법을 골라 주세요",
            "choose desk or telephone",
            invalid_choice="방문 또는 전화를 골라 주세요 / choose desk or telephone",
        ),
    )
    idempotency_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_.:-]{8,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": "페이지를 새로 고쳐 주세요 / reload the page",
            "invalid": "페이지를 새로 고쳐 주세요 / reload the page",
        },
    )
