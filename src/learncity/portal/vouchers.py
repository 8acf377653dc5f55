"""Voucher pages: a learner's vouchers with balance and history (/me/vouchers), the staff
settlement report of an institution and month (/staff/vouchers/settlement, HTML and CSV)
and the budget of a funded project (/staff/projects/ID). Each view parses, authorises through
one access helper of vouchers.selectors and renders; refusals are shown with their 4xx
status in Korean and English."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from learncity.algorithms.spreadsheet import safe_cell
from learncity.core.error_words import refusal_text
from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, Roles, allowed, roles_of
from learncity.vouchers import errors, selectors

REFUSAL_WORDS = {
    "forbidden": gettext_lazy("볼 수 있는 권한이 없습니다"),
    "not_found": gettext_lazy("찾을 수 없습니다"),
    "invalid_request": gettext_lazy("요청 값이 올바르지 않습니다"),
}
STATUS_WORDS = {"active": gettext_lazy("사용 가능"), "expired": gettext_lazy("기간 만료")}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _refused(request: HttpRequest, exc: LearncityError) -> HttpResponse:
    error = refusal_text(REFUSAL_WORDS.get(exc.code) or gettext("처리할 수 없습니다"), exc.message)
    return render(
        request,
        "portal/vouchers/refused.html",
        {"error": error},
        status=exc.http_status,
    )


@login_required
@require_GET
def my_vouchers(request: HttpRequest) -> HttpResponse:
    vouchers = selectors.vouchers_of_user(_actor(request).user_id)
    for voucher in vouchers:
        voucher["status_words"] = STATUS_WORDS.get(voucher["status"], voucher["status"])
        voucher["history"] = selectors.voucher_history(voucher["id"])
    return render(request, "portal/vouchers/mine.html", {"vouchers": vouchers})


def _int(text: str) -> int | None:
    return int(text) if text.isdecimal() and len(text) < 18 else None


@login_required
@require_GET
def settlement(request: HttpRequest) -> HttpResponse:
    """?institution=ID&month=YYYY-MM (default: last month); &format=csv (UTF-8 with BOM) or
    &format=xlsx (an Excel workbook) to download it."""
    month = request.GET.get("month") or (
        timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    ).strftime("%Y-%m")
    institution_id = _int(request.GET.get("institution", ""))
    try:
        if not _MONTH.match(month):
            raise errors.InvalidRequest("the month is written YYYY-MM")
        if institution_id is None:
            roles = roles_of(_actor(request))
            rows = [
                row
                for row in selectors.settlement_institutions(month)
                if _may_read(roles, row["institution_id"])
            ]
            if not rows and not allowed(roles, "vouchers.settlement_read"):
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
    if request.GET.get("format") == "xlsx":
        return _xlsx(brief["name"], report)
    return render(
        request, "portal/vouchers/settlement.html", {"institution": brief, "report": report}
    )


def _may_read(roles: Roles, institution_id: int) -> bool:
    try:
        selectors.settlement_get_for_staff(roles, institution_id)
    except LearncityError:
        return False
    return True


_HEADER = [
    "거래번호 id",
    "일시 at",
    "구분 kind",
    "이용권 voucher",
    "사업 programme",
    "강좌 course",
    "항목 item",
    "신청 application",
    "신청 없음 no application",
    "금액 amount (KRW)",
]


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is kept as text (the guard of every
    export, algorithms.spreadsheet)."""
    return safe_cell(value)


def _settlement_rows(name: str, report: dict[str, Any]) -> list[list[Any]]:
    """The report as rows: a title row, the header, one row per movement, the totals."""
    rows: list[list[Any]] = [["기관 institution", name, "월 month", report["month"]], _HEADER]
    for row in report["rows"]:
        rows.append(
            [
                row["transaction_id"],
                timezone.localtime(row["at"]).replace(tzinfo=None, microsecond=0),
                row["kind"],
                row["voucher"],
                row["programme"],
                row["course"],
                row["item"],
                row["application_id"] or "",
                "확인 check" if row["without_application"] else "",
                row["amount_krw"],
            ]
        )
    rows.append(["결제 합계 redeemed", report["redeemed_krw"]])
    rows.append(["환불 합계 refunded", report["refunded_krw"]])
    rows.append(["순액 net", report["net_krw"]])
    rows.append(["신청 없는 결제 without application", report["without_application_krw"]])
    if report["settlement"]:
        rows.append(["정산 지급 paid", report["settlement"]["paid_krw"]])
        rows.append(["환수 recovered", report["settlement"]["recovered_krw"]])
    return [[_cell(value) for value in row] for row in rows]


def _filename(report: dict[str, Any], ext: str) -> str:
    return f"voucher-settlement-{report['institution_id']}-{report['month']}.{ext}"


def _csv(name: str, report: dict[str, Any]) -> HttpResponse:
    """UTF-8 with BOM, which Excel opens with Korean intact."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in _settlement_rows(name, report):
        writer.writerow([f"{v:%Y-%m-%d %H:%M}" if isinstance(v, dt.datetime) else v for v in row])
    return response


def _xlsx(name: str, report: dict[str, Any]) -> HttpResponse:
    """An Excel workbook: amounts as numbers (#,##0), times as dates, the header in bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    if sheet is None:  # a new workbook always has its first sheet
        sheet = book.create_sheet()
    sheet.title = report["month"]
    for row in _settlement_rows(name, report):
        sheet.append(row)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, int) and cell.column in (2, 10):
                cell.number_format = "#,##0"
    sheet.freeze_panes = "A3"
    for column, width in zip("ABCDEFGHIJ", (10, 17, 8, 14, 24, 30, 10, 10, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "xlsx")}"'
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
