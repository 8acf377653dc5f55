"""Staff pages of funded projects (issue 7), for the city and district offices:

- /staff/projects: the funded projects an office may read, linking their budget page, and a
  form to create one with up to six budget lines (vouchers.services.project_create);
- /staff/projects/ID/expenses/new: record spending that is not voucher money on one of the
  project's budget lines (project_expense_record).

What the office pages share (access, words, fields, refusals): learncity.portal.vouchers_staff.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from learncity.core.errors import LearncityError
from learncity.learners.access import Actor, Scope, allowed, requires
from learncity.learners.forms import Described
from learncity.portal import vouchers_staff as office
from learncity.portal.staff import staff_page
from learncity.vouchers import selectors, services

# ------------------------------------------------------------------ forms


class LineFields:
    """The names of one budget line's three fields in ProjectForm."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.name = f"line_{index}_name"
        self.category = f"line_{index}_category"
        self.amount = f"line_{index}_amount"


LINES = [LineFields(i) for i in range(1, office.LINE_COUNT + 1)]


class ProjectForm(office.OfficeForm):
    refusal_fields = (
        ("ends before", "ends_on"),
        ("project's amount", "amount_krw"),
        ("add up", "amount_krw"),
    )
    name = office.name_field(pgettext_lazy("funded project", "사업 이름"))
    funder = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": gettext_lazy("200자 이내입니다")},
    )
    amount_krw = office.number_field(
        pgettext_lazy("field", "사업비"), maximum=office.MAX_PROJECT_KRW
    )
    starts_on = office.date_field(pgettext_lazy("field", "시작일"))
    ends_on = office.date_field(pgettext_lazy("field", "종료일"))
    district_code = office.district_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for line in LINES:
            self.fields[line.name] = forms.CharField(
                required=False,
                max_length=200,
                error_messages={"max_length": gettext("200자 이내입니다")},
            )
            self.fields[line.category] = office.Word(
                required=False,
                choices=[("", "—"), *office.CATEGORY_WORDS.items()],
            )
            self.fields[line.amount] = office.number_field(
                format_lazy(gettext_lazy("{index}번 항목 금액"), index=line.index),
                required=False,
                maximum=office.MAX_PROJECT_KRW,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for line in LINES:
            name = (data.get(line.name) or "").strip()
            category = data.get(line.category) or ""
            amount = data.get(line.amount)
            if line.amount in self.errors or not (name or category or amount is not None):
                continue
            if not name:
                self.add_error(line.name, gettext("항목 이름을 입력해 주세요"))
            if not category:
                self.add_error(line.category, gettext("항목 구분을 골라 주세요"))
            if amount is None:
                self.add_error(line.amount, gettext("항목 금액을 입력해 주세요"))
        return data

    def project_arguments(self) -> dict[str, Any]:
        """The arguments of vouchers.services.project_create, from the cleaned form."""
        data = self.cleaned_data
        fields = ("name", "funder", "amount_krw", "starts_on", "ends_on", "district_code")
        return {**{name: data[name] for name in fields}, "lines": self.lines()}

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
    refusal_fields = (("amount", "amount_krw"), ("budget line", "line"))
    line = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": gettext_lazy("예산 항목을 골라 주세요"),
            "invalid_choice": (gettext_lazy("이 사업의 예산 항목을 골라 주세요")),
        },
    )
    amount_krw = office.number_field(pgettext_lazy("field", "금액"), maximum=office.MAX_PROJECT_KRW)
    spent_on = office.date_field(pgettext_lazy("field", "지출일"))
    memo = forms.CharField(
        required=False,
        max_length=300,
        error_messages={"max_length": gettext_lazy("300자 이내입니다")},
    )

    def __init__(self, *args: Any, lines: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["line"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—")] + [
            (str(line["id"]), f"{line['name']} ({line['category_words']})") for line in lines
        ]


# ------------------------------------------------------------------ pages


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
        "may_create": office.may_create(actor),
        "categories": list(office.CATEGORY_WORDS.items()),
    }
    return render(request, "portal/vouchers/staff/projects.html", context, status=status)


@office.office_page
@requires("vouchers.project_manage")
def projects(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "GET":
        initial = office.office_initial(actor, first="starts_on", last="ends_on")
        return _projects_page(request, actor, ProjectForm(initial=initial))
    form = ProjectForm(request.POST)
    if not form.is_valid():
        return _projects_page(request, actor, form, status=422)
    try:
        made = services.project_create(actor=actor, **form.project_arguments())
    except LearncityError as exc:
        office.show_refusal(form, exc)
        return _projects_page(request, actor, form, status=exc.http_status)
    messages.success(request, gettext("사업을 만들었습니다: %(name)s") % {"name": made.name})
    return redirect(reverse("portal:project_budget", args=[made.pk]))


@require_http_methods(["GET", "POST"])
@staff_page
@requires("vouchers.project_manage")
def expense_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = office.actor_of(request)
    try:
        selectors.project_get_for_staff(actor, pk)
    except LearncityError as exc:
        return office.refused(request, exc)
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
        office.show_refusal(form, exc)
        return _expense_page(request, budget, form, status=exc.http_status)
    messages.success(
        request,
        gettext("지출을 기록했습니다: %(amount)s원") % {"amount": f"{data['amount_krw']:,}"},
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
            "may_manage": allowed(
                office.actor_of(request),
                "vouchers.project_manage",
                Scope(district_code=budget["district_code"]),
            ),
            "has_lines": any(line["category"] != "vouchers" for line in budget["lines"]),
        },
        status=status,
    )
