"""Delivery-system inputs of the annual report (추진체계 투입): budget, full-time staff,
council meetings, ordinances and study groups that officers enter per year, for the city
(region code "") or one district. The platform cannot count these; the report shows them
next to the computed indicators.

Who may enter them (the access policy's `analytics.delivery_enter`): a city administrator
for the city and any district, a district officer for their own district. Everyone else is
refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from learncity.analytics.models import DeliveryInput
from learncity.core.errors import DomainError
from learncity.learners.access import Actor, Scope, require

YEAR_MIN = 2000
YEAR_MAX = 2100
COUNTS = ("budget_krw", "staff_count", "council_meetings", "ordinances", "study_groups")
FIELDS = (*COUNTS, "notes")
NOTES_MAX = 4000
# PositiveBigIntegerField and PositiveIntegerField limits shared by SQLite and PostgreSQL.
_LIMITS = {"budget_krw": 2**63 - 1, **dict.fromkeys(COUNTS[1:], 2**31 - 1)}


class DeliveryInputInvalid(DomainError):
    code = "delivery_input_invalid"


class DeliveryInputForbidden(DomainError):
    code = "forbidden"
    http_status = 403


@dataclass(frozen=True)
class Delivery:
    year: int
    region_code: str
    budget_krw: int
    staff_count: int
    council_meetings: int
    ordinances: int
    study_groups: int
    notes: str
    entered_by_id: int | None
    updated_at: Any
    entered: bool  # False: nothing entered yet, every number is 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "region_code": self.region_code,
            **{name: getattr(self, name) for name in FIELDS},
            "entered_by_id": self.entered_by_id,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "entered": self.entered,
        }


def _year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            year = int(str(year).strip())
        except ValueError:
            raise DeliveryInputInvalid(
                gettext("연도는 숫자여야 합니다: %(year)s") % {"year": repr(year)},
                details={"field": "year"},
            ) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise DeliveryInputInvalid(
            gettext("연도는 %(low)s~%(high)s 사이여야 합니다: %(year)s")
            % {"low": YEAR_MIN, "high": YEAR_MAX, "year": year},
            details={"field": "year"},
        )
    return int(year)


def _region(region_code: str | None) -> str:
    code = (region_code or "").strip()
    if code and (not code.isdecimal() or len(code) > 10):
        raise DeliveryInputInvalid(
            gettext("지역 코드가 올바르지 않습니다: %(code)s") % {"code": repr(code[:20])},
            details={"field": "region_code"},
        )
    return code


def _count(name: str, value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        text = str(value).strip().replace(",", "")
        if not text.lstrip("-").isdecimal():
            raise DeliveryInputInvalid(
                gettext("%(field)s: 0 이상의 정수를 입력해 주세요: %(value)s")
                % {"field": name, "value": repr(str(value)[:40])},
                details={"field": name},
            )
        value = int(text)
    if value < 0:
        raise DeliveryInputInvalid(
            gettext("%(field)s: 음수는 입력할 수 없습니다: %(value)s")
            % {"field": name, "value": value},
            details={"field": name},
        )
    if value > _LIMITS[name]:
        raise DeliveryInputInvalid(
            gettext("%(field)s: 값이 너무 큽니다: %(value)s") % {"field": name, "value": value},
            details={"field": name},
        )
    return int(value)


def delivery_input_get(year: int, region_code: str | None = None) -> Delivery:
    """The inputs of a year for the city (None or "") or a district; zeros with
    `entered=False` when nothing was entered."""
    year = _year(year)
    code = _region(region_code)
    row = DeliveryInput.objects.filter(year=year, region_code=code).first()
    if row is None:
        return Delivery(year, code, 0, 0, 0, 0, 0, "", None, None, entered=False)
    return Delivery(
        year,
        code,
        row.budget_krw,
        row.staff_count,
        row.council_meetings,
        row.ordinances,
        row.study_groups,
        row.notes,
        row.entered_by_id,
        row.updated_at,
        entered=True,
    )


def delivery_input_list(year: int) -> list[Delivery]:
    """Every scope entered for a year: the city first, then districts by code."""
    year = _year(year)
    codes = DeliveryInput.objects.filter(year=year).values_list("region_code", flat=True)
    return [delivery_input_get(year, code) for code in sorted(codes)]


def delivery_input_save(
    actor: Actor, year: int, region_code: str | None, **fields: Any
) -> Delivery:
    """Enter or correct the inputs of a year and scope (fields not given keep their value).
    Numbers are whole and not negative; a comma as thousands separator is accepted."""
    year = _year(year)
    code = _region(region_code)
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise DeliveryInputInvalid(
            gettext("알 수 없는 항목입니다: %(fields)s") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    require(
        actor,
        "analytics.delivery_enter",
        Scope(district_code=code),
        refusal=DeliveryInputForbidden(gettext("이 지역의 추진체계 자료를 입력할 권한이 없습니다")),
    )
    values: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "notes":
            notes = str(value or "").strip()
            if len(notes) > NOTES_MAX:
                raise DeliveryInputInvalid(
                    gettext("비고는 %(max)s자까지 쓸 수 있습니다") % {"max": NOTES_MAX},
                    details={"field": "notes"},
                )
            values["notes"] = notes
        else:
            values[name] = _count(name, value)
    with transaction.atomic():
        row, _ = DeliveryInput.objects.select_for_update().get_or_create(
            year=year, region_code=code
        )
        for name, value in values.items():
            setattr(row, name, value)
        row.entered_by_id = actor.user_id
        row.save()
    return delivery_input_get(year, code)
