"""The personal-data access log (issue 19, finding 13): who among the staff read whose
personal data, what, why, when and from which address (PIPA access records), for auditors and
city administrators (`learners.access_log_read`), filtered by the staff member, the learner,
the kind of access and the days, newest first, 50 a page.

Reading the log is not itself recorded: the log holds ids and purposes, not a person's
data. Filters that are not what they claim (a learner id that is not a positive number, a
date that is not a date) are refused with 422 and no rows."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET

from learncity.learners.access import Actor, allowed, requires
from learncity.learners.selectors import ACCESS_WHAT_WORDS, access_log_page, user_id_by_name

ID_MAX = 2**63 - 1
QUERY_WORDS = {
    "phone": gettext_lazy("휴대전화 번호"),
    "name_birth_year": gettext_lazy("이름과 태어난 해"),
    "name_birth_year_phone_end": gettext_lazy("이름, 태어난 해, 번호 끝 네 자리"),
}


class AccessLogFilter(forms.Form):
    """The page's filters (all optional): a staff member by user name or number, a learner
    by number, the kind of access, the first and the last day."""

    staff = forms.CharField(
        required=False,
        max_length=150,
        label=gettext_lazy("직원 (사용자 이름 또는 번호)"),
        error_messages={"max_length": gettext_lazy("사용자 이름은 150자 이내입니다")},
    )
    learner = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        label=gettext_lazy("학습자 번호"),
        error_messages={
            "invalid": gettext_lazy("학습자 번호는 숫자입니다"),
            "min_value": gettext_lazy("학습자 번호는 1 이상입니다"),
            "max_value": gettext_lazy("학습자 번호가 너무 큽니다"),
        },
    )
    what = forms.ChoiceField(
        required=False,
        label=gettext_lazy("무엇을"),
        choices=[("", gettext_lazy("모두")), *ACCESS_WHAT_WORDS.items()],
        error_messages={"invalid_choice": gettext_lazy("목록에 있는 것을 골라 주세요")},
    )
    day_from = forms.DateField(
        required=False,
        label=gettext_lazy("시작일"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("날짜를 YYYY-MM-DD로 입력해 주세요")},
    )
    day_to = forms.DateField(
        required=False,
        label=gettext_lazy("종료일"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("날짜를 YYYY-MM-DD로 입력해 주세요")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("day_from"), data.get("day_to")
        if first is not None and last is not None and last < first:
            self.add_error("day_to", gettext("종료일은 시작일 이후여야 합니다"))
        return data


def _actor(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdecimal() and len(text) < 7 else 1


def _staff_id(text: str) -> int | None:
    """A staff member by number, else by exact user name; -1 (no rows) for nobody."""
    text = text.strip()
    if not text:
        return None
    if text.isdecimal() and len(text) < 19:
        return int(text)
    found = user_id_by_name(text)
    return -1 if found is None else found


@require_GET
@requires("learners.access_log_read")
def access_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not allowed(_actor(request), "learners.access_log_read"):
        return render(
            request,
            "portal/staff_admin/refused.html",
            {"error": gettext("이 페이지를 볼 권한이 없습니다")},
            status=403,
        )
    filters = AccessLogFilter(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        context = {"filters": filters, "rows": [], "total": 0, "page": 1, "pages": 1}
        return render(request, "portal/staff_admin/access_log.html", context, status=422)
    data = filters.cleaned_data if filters.is_bound else {}
    found = access_log_page(
        staff_id=_staff_id(data.get("staff") or ""),
        learner_id=data.get("learner"),
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
        what=data.get("what") or "",
        page=_page_number(request),
    )
    for row in found["rows"]:
        row["what_words"] = ACCESS_WHAT_WORDS.get(row["what"], row["what"])
        row["query_words"] = QUERY_WORDS.get(row["query"], row["query"])
    query = urlencode(
        [(name, str(value)) for name, value in data.items() if value not in (None, "")]
    )
    context = {**found, "filters": filters, "query": query}
    return render(request, "portal/staff_admin/access_log.html", context)
