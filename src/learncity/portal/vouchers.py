"""Voucher pages: a learner's vouchers with balance and history (/me/vouchers), the staff
settlement report of an institution and month (/staff/vouchers/settlement, HTML and CSV)
and the budget of a funded project (/staff/projects/ID). Each view parses, authorises through
one access helper of vouchers.selectors and renders; refusals are shown with their 4xx
status in Korean and English."""

from __future__ import annotations

import csv
import datetime as dt
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from learncity.core.errors import LearncityError
from learncity.enrollment.permissions import Actor
from learncity.vouchers import errors, selectors

REFUSAL_WORDS = {
    "forbidden": "볼 수 있는 권한이 없습니다",
    "not_found": "찾을 수 없습니다",
    "invalid_request": "요청 값이 올바르지 않습니다",
}
STATUS_WORDS = {"active": ("사용 가능", "Active"), "expired": ("기간 만료", "Expired")}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    korean = REFUSAL_WORDS.get(exc.code, "처리할 수 없습니다")
    return render(
        request,
        "portal/vouchers/refused.html",
        {"error": f"{korean} / {exc.message}"},
        status=exc.http_status,
    )


@login_required
@require_GET
def my_vouchers(request: HttpRequest) -> HttpResponse:
    vouchers = selectors.vouchers_of_user(_actor(request).user_id)
    for voucher in vouchers:
        voucher["status_words"] = STATUS_WORDS.get(voucher["status"], (voucher["status"],) * 2)
        voucher["history"] = selectors.voucher_history(voucher["id"])
    return render(request, "portal/vouchers/mine.html", {"vouchers": vouchers})


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 18 else None


@login_required
@require_GET
def settlement(request: HttpRequest) -> HttpResponse:
    """?institution=ID&month=YYYY-MM (default: last month); &format=csv for a spreadsheet
    (UTF-8 with BOM, which Excel opens with Korean intact)."""
    month = request.GET.get("month") or (
        timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    ).strftime("%Y-%m")
    institution_id = _int(request.GET.get("institution", ""))
    try:
        if not _MONTH.match(month):
            raise errors.InvalidRequest("the month is written YYYY-MM")
        if institution_id is None:
            rows = [
                row
                for row in selectors.settlement_institutions(month)
                if _may_read(request, row["institution_id"])
            ]
            if not rows and not _reads_all(request):
                raise errors.Forbidden("the settlement report is for staff")
            return render(
                request,
                "portal/vouchers/settlement_overview.html",
                {"month": month, "rows": rows},
            )
        brief = selectors.settlement_get_for_staff(_actor(request), institution_id)
    except LearncityError as exc:
        return _refused(request, exc)
    report = selectors.settlement_report(institution_id, month)
    if request.GET.get("format") == "csv":
        return _csv(brief["name"], report)
    return render(
        request, "portal/vouchers/settlement.html", {"institution": brief, "report": report}
    )


def _may_read(request: HttpRequest, institution_id: int) -> bool:
    try:
        selectors.settlement_get_for_staff(_actor(request), institution_id)
    except LearncityError:
        return False
    return True


def _reads_all(request: HttpRequest) -> bool:
    from learncity.vouchers.permissions import may_read_project

    return may_read_project(_actor(request), "")


def _csv(name: str, report: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"voucher-settlement-{report['institution_id']}-{report['month']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["기관 institution", name, "월 month", report["month"]])
    writer.writerow(
        [
            "거래번호 id",
            "일시 at",
            "구분 kind",
            "이용권 voucher",
            "사업 programme",
            "강좌 course",
            "항목 item",
            "신청 application",
            "금액 amount (KRW)",
        ]
    )
    for row in report["rows"]:
        writer.writerow(
            [
                row["transaction_id"],
                timezone.localtime(row["at"]).strftime("%Y-%m-%d %H:%M"),
                row["kind"],
                row["voucher"],
                row["programme"],
                row["course"],
                row["item"],
                row["application_id"] or "",
                row["amount_krw"],
            ]
        )
    writer.writerow(["결제 합계 redeemed", report["redeemed_krw"]])
    writer.writerow(["환불 합계 refunded", report["refunded_krw"]])
    writer.writerow(["순액 net", report["net_krw"]])
    if report["settlement"]:
        writer.writerow(["정산 지급 paid", report["settlement"]["paid_krw"]])
        writer.writerow(["환수 recovered", report["settlement"]["recovered_krw"]])
    return response


@login_required
@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    """A funded project's budget: spend per line, cost per learner and per completed hour
    (hours from the learning record)."""
    try:
        selectors.project_get_for_staff(_actor(request), pk)
    except LearncityError as exc:
        return _refused(request, exc)
    budget = selectors.project_budget(pk)
    return render(request, "portal/vouchers/project.html", {"budget": budget})
