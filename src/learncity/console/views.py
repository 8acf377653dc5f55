"""The console's analytics pages (/console/...): dashboard, indicators with drill-down
(city → district → neighbourhood → programme), look-alike programmes, satisfaction, the
delivery inputs officers enter, and the annual report's download.

Each view parses the filters, narrows them to the staff member's scope (the access policy's
`console.view`, analytics.selectors.ConsoleScope: 403 outside it), calls the analytics
selectors and renders. Every table sorts by a query
parameter (`sort_<table>`) and downloads as CSV (`?csv=<table>`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from learncity.analytics import delivery, lookalike, report_jobs, survey
from learncity.analytics.indicators import DIMENSIONS
from learncity.analytics.maps import choropleth
from learncity.analytics.selectors import (
    ConsoleForbidden,
    ConsoleScope,
    Filters,
    console_scope,
    indicator_definitions,
    indicator_drilldown_for,
    indicator_values,
)
from learncity.console.choices import console_choices, district_choices, district_code_of
from learncity.console.tables import Column, Table, bar_chart, csv_response
from learncity.core.errors import DomainError
from learncity.learners.access import Actor, Scope, requires

HEADLINE = (
    "participation.rate",
    "supply.programmes_per_10k",
    "supply.seats_per_10k",
    "supply.venues_per_10k",
    "operations.fill_rate",
    "operations.completion_rate",
    "operations.no_show_rate",
    "supply.free_share",
    "equity.gini.programmes",
    "equity.gini.participation",
)
LEVELS = ("district", "neighbourhood", "programme")
STAFF_ONLY = gettext_lazy("직원만 볼 수 있는 페이지입니다")
_TERM = re.compile(r"^[0-9A-Za-z가-힣_-]{1,20}$")


class FilterInvalid(Exception):
    pass


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "console/refused.html", {"error": message}, status=status)


def console_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous: sign in first. Without a staff role: 403. The scope rides on the request;
    a filter outside it is a 403, a malformed one a 422."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        pk: Any = request.user.pk
        scope = console_scope(Actor(int(pk)))
        if not scope.has_role:
            return _refused(request, str(STAFF_ONLY), 403)
        try:
            return view(request, scope, *args, **kwargs)
        except ConsoleForbidden as exc:
            return _refused(request, str(exc), 403)
        except FilterInvalid as exc:
            return _refused(request, str(exc), 422)
        except DomainError as exc:
            return _refused(request, exc.message, exc.http_status)

    return guarded


def _int(request: HttpRequest, name: str, low: int, high: int) -> int | None:
    text = request.GET.get(name, "").strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 9 or not low <= int(text) <= high:
        raise FilterInvalid(_out_of_range(name, low, high, text))
    return int(text)


def _out_of_range(name: str, low: int, high: int, text: str) -> str:
    return gettext("%(name)s: %(low)s~%(high)s 사이의 숫자여야 합니다: %(value)s") % {
        "name": name,
        "low": low,
        "high": high,
        "value": repr(text[:20]),
    }


def _one_of(name: str, choices: Iterable[str]) -> str:
    return gettext("%(name)s: %(choices)s 중 하나여야 합니다") % {
        "name": name,
        "choices": ", ".join(choices),
    }


def parse_filters(request: HttpRequest, scope: ConsoleScope) -> Filters:
    """Year (default this year), term, month, district, institution from the query string,
    narrowed to the scope."""
    year = _int(request, "year", 2000, 2100) or timezone.localdate().year
    month = _int(request, "month", 1, 12)
    term = request.GET.get("term", "").strip() or None
    if term is not None and not _TERM.match(term):
        raise FilterInvalid(
            gettext("term: 학기 값이 올바르지 않습니다: %(value)s") % {"value": repr(term[:20])}
        )
    district = request.GET.get("district", "").strip() or None
    if district is not None and not district.isdecimal() and len(district) <= 40:
        district = district_code_of(district, scope) or district  # a name: its code
    if district is not None and (not district.isdecimal() or len(district) > 10):
        raise FilterInvalid(
            gettext("district: 시·군·구 코드가 아닙니다: %(value)s")
            % {"value": repr(district[:20])}
        )
    institution = _int(request, "institution", 1, 10**12)
    district, institution = scope.narrow(district, institution)
    return Filters(
        year=year, term=term, month=month, district_code=district, institution_id=institution
    )


def _query(filters: Filters, **extra: Any) -> str:
    params = {
        "year": filters.year,
        "term": filters.term,
        "month": filters.month,
        "district": filters.district_code,
        "institution": filters.institution_id,
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _respond(
    request: HttpRequest, template: str, context: dict[str, Any], tables: list[Table]
) -> HttpResponse:
    """CSV when `?csv=<table>` names one of the page's tables; otherwise the page with each
    table sorted by its `sort_<name>` parameter."""
    wanted = request.GET.get("csv")
    if wanted:
        for table in tables:
            if table.name == wanted:
                return csv_response(table.sorted_by(request.GET.get(f"sort_{table.name}", "")))
        return _refused(
            request, gettext("알 수 없는 표입니다: %(value)s") % {"value": repr(wanted[:40])}, 404
        )
    context["tables"] = {
        table.name: table.sorted_by(request.GET.get(f"sort_{table.name}", "")) for table in tables
    }
    context["query"] = request.GET.urlencode()
    return render(request, template, context)


def _change(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None:
        return None
    return value - previous


def _filters_context(filters: Filters, scope: ConsoleScope) -> dict[str, Any]:
    choices = console_choices(scope, district_code=filters.district_code)
    return {
        "filters": filters,
        "scope": scope,
        "filter_query": _query(filters),
        "months": range(1, 13),
        "districts": sorted(scope.districts),
        "district_choices": choices.districts,
        "institution_choices": choices.institutions,
    }


@require_GET
@console_page
def dashboard(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    filters = parse_filters(request, scope)
    definitions = {d.id: d for d in indicator_definitions()}
    wanted = [i for i in HEADLINE if i in definitions]
    values = {v.id: v for v in indicator_values(filters, ids=wanted)}
    headline = [i for i in wanted if i in values]
    rows = []
    links = {}
    for index, indicator_id in enumerate(headline):
        d, v = definitions[indicator_id], values[indicator_id]
        rows.append(
            {
                "id": d.id,
                "name": _name(d),
                "value": v.value,
                "previous": v.previous,
                "change": _change(v.value, v.previous),
                "unit": _unit(d),
            }
        )
        links[index] = reverse("console:indicator", args=[d.id]) + "?" + _query(filters)
    headline_table = Table(
        "headline",
        "주요 지표",
        "Headline indicators",
        [
            Column("name", "지표", "indicator"),
            Column("value", "값", "value", numeric=True, digits=2),
            Column("previous", "전년 동기", "previous period", numeric=True, digits=2),
            Column("change", "증감", "change", numeric=True, digits=2),
            Column("unit", "단위", "unit"),
        ],
        rows,
        links,
    )
    focus = headline[0] if headline else None
    level = "neighbourhood" if filters.district_code else "district"
    map_svg, chart, by_region = "", "", None
    if focus:
        d = definitions[focus]
        if level == "district" and len(scope.visible_breakdown(values[focus].breakdown, level)) < 2:
            level = "neighbourhood"  # data in one district only: show its neighbourhoods
        region_rows = [
            {
                "region_code": r.region_code,
                "region_name": r.region_name,
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
            }
            for r in scope.visible_breakdown(values[focus].breakdown, level)
        ]
        by_region = _region_table("regions", d, region_rows, filters, level)
        map_svg = _map(d, region_rows)
        chart = bar_chart(
            region_rows, label="region_name", value="value", title=_name(d), unit=_unit(d)
        )
    context = {
        **_filters_context(filters, scope),
        "focus": definitions.get(focus) if focus else None,
        "focus_name": _name(definitions[focus]) if focus else "",
        "map_svg": map_svg,
        "chart": chart,
        "level": level,
        "report_jobs": report_jobs.report_jobs_of(actor=_actor_of(request))
        if scope.reach("analytics.report_download").anywhere
        else [],
    }
    tables = [headline_table] + ([by_region] if by_region else [])
    return _respond(request, "console/analytics/dashboard.html", context, tables)


def _words(ko: str, en: str) -> str:
    """Korean, or English when the page is in English (pairs kept by the definitions)."""
    return en if get_language() == "en" else ko


def _name(definition: Any) -> str:
    return _words(definition.name_ko, definition.name_en)


def _unit(definition: Any) -> str:
    ko = getattr(definition, "unit_ko", definition.unit)
    en = getattr(definition, "unit_en", definition.unit)
    return _words(str(ko), str(en))


def _region_table(
    name: str, definition: Any, rows: list[dict[str, Any]], filters: Filters, level: str
) -> Table:
    links = {}
    if level == "district":
        for index, row in enumerate(rows):
            links[index] = (
                reverse("console:indicator", args=[definition.id])
                + "?"
                + _query(filters, level="neighbourhood", parent=row["region_code"])
            )
    elif level == "neighbourhood":
        for index, row in enumerate(rows):
            links[index] = (
                reverse("console:indicator", args=[definition.id])
                + "?"
                + _query(filters, level="programme", parent=row["region_code"])
            )
    return Table(
        name,
        f"{definition.name_ko} · {'시·군·구별' if level == 'district' else '읍·면·동별'}",
        f"{definition.name_en} by {level}",
        [
            Column("region_name", "지역", "area"),
            Column("region_code", "코드", "code"),
            Column("value", "값", "value", numeric=True, digits=2),
            Column("numerator", "분자", "numerator", numeric=True, digits=0),
            Column("denominator", "분모", "denominator", numeric=True, digits=0),
        ],
        rows,
        links,
    )


def _map(definition: Any, rows: list[dict[str, Any]]) -> str:
    """The choropleth of the rows. Its areas are not links: svgmap draws the map as one
    role="img", and links inside an image are nested interactive controls (axe-core, serious);
    the table under the map carries the drill-down links."""
    return choropleth(
        rows,
        title=_name(definition),
        legend_title=_unit(definition),
    )


@require_GET
@console_page
def indicator_list(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    filters = parse_filters(request, scope)
    values = {v.id: v for v in indicator_values(filters)}
    rows, links = [], {}
    for index, d in enumerate(indicator_definitions()):
        v = values.get(d.id)
        rows.append(
            {
                "dimension": _words(*DIMENSIONS.get(d.dimension, (d.dimension, d.dimension))),
                "id": d.id,
                "name": _name(d),
                "value": v.value if v else None,
                "previous": v.previous if v else None,
                "change": _change(v.value, v.previous) if v else None,
                "unit": _unit(d),
                "proxy": gettext("대리지표") if d.proxy else "",
            }
        )
        links[index] = reverse("console:indicator", args=[d.id]) + "?" + _query(filters)
    table = Table(
        "indicators",
        "전체 지표",
        "All indicators",
        [
            Column("dimension", "영역", "dimension"),
            Column("name", "지표", "indicator"),
            Column("value", "값", "value", numeric=True, digits=2),
            Column("previous", "전년 동기", "previous period", numeric=True, digits=2),
            Column("change", "증감", "change", numeric=True, digits=2),
            Column("unit", "단위", "unit"),
            Column("proxy", "대리지표", "proxy"),
        ],
        rows,
        links,
    )
    return _respond(
        request,
        "console/analytics/indicators.html",
        _filters_context(filters, scope),
        [table],
    )


_DRILL_LABELS = {
    "region_code": ("코드", "code", False),
    "region_name": ("지역", "area", False),
    "level": ("수준", "level", False),
    "programme_id": ("강좌 번호", "programme id", False),
    "title": ("강좌명", "programme", False),
    "institution": ("기관", "institution", False),
    "institution_name": ("기관", "institution", False),
    "value": ("값", "value", True),
    "numerator": ("분자", "numerator", True),
    "denominator": ("분모", "denominator", True),
    # rows of the district known only by their 구: the 동's value is then unknown
    "unlocated": ("동 미상 (구만 앎)", "no 동 known", True),
}


@require_GET
@console_page
def indicator_detail(request: HttpRequest, scope: ConsoleScope, indicator_id: str) -> HttpResponse:
    filters = parse_filters(request, scope)
    definition = {d.id: d for d in indicator_definitions()}.get(indicator_id)
    if definition is None:
        return _refused(
            request, gettext("알 수 없는 지표입니다: %(id)s") % {"id": repr(indicator_id[:60])}, 404
        )
    level = request.GET.get("level", "district")
    if level not in LEVELS:
        raise FilterInvalid(_one_of("level", LEVELS))
    parent = request.GET.get("parent", "").strip() or None
    if parent is not None and (not parent.isdecimal() or len(parent) > 10):
        raise FilterInvalid(
            gettext("parent: 지역 코드가 아닙니다: %(value)s") % {"value": repr(parent[:20])}
        )
    detail = indicator_drilldown_for(scope, indicator_id, filters, level=level, parent=parent)
    value, rows = detail.value, detail.rows
    context = {
        **_filters_context(filters, scope),
        "definition": definition,
        "definition_name": _name(definition),
        "value": value,
        "change": _change(value.value, value.previous) if value else None,
        "level": detail.level,
        "parent": detail.parent,
        "crumbs": _crumbs(scope, indicator_id, filters, detail.parent),
        "map_svg": _map(definition, rows) if detail.level in REGION_LEVELS and rows else "",
        "chart": _drill_chart(definition, rows, detail.level),
    }
    table = _drill_table(definition, rows, filters, detail.level)
    return _respond(request, "console/analytics/indicator.html", context, [table])


REGION_LEVELS = ("district", "neighbourhood")


def _drill_table(
    definition: Any, rows: list[dict[str, Any]], filters: Filters, level: str
) -> Table:
    keys = [k for k in _DRILL_LABELS if any(k in row for row in rows)] or ["value"]
    columns = [
        Column(
            k,
            _DRILL_LABELS[k][0],
            _DRILL_LABELS[k][1],
            numeric=_DRILL_LABELS[k][2],
            digits=2 if k == "value" else 0,
        )
        for k in keys
        if k != "level"
    ]
    if level in REGION_LEVELS:
        table = _region_table("drilldown", definition, rows, filters, level)
        table.columns = columns
        return table
    return Table(
        "drilldown",
        f"{definition.name_ko} · 세부",
        f"{definition.name_en}: detail",
        columns,
        rows,
    )


def _drill_chart(definition: Any, rows: list[dict[str, Any]], level: str) -> str:
    if not rows:
        return ""
    return bar_chart(
        rows,
        label="region_name" if level in REGION_LEVELS else "title",
        value="value",
        title=_name(definition),
        unit=_unit(definition),
    )


def _crumbs(
    scope: ConsoleScope, indicator_id: str, filters: Filters, parent: str | None
) -> list[tuple[str, str]]:
    city = (
        reverse("console:indicator", args=[indicator_id]) + "?" + _query(filters, level="district")
    )
    crumbs = [(gettext("시 전체"), city)] if scope.city else []
    if parent:
        crumbs.append((parent, ""))
    return crumbs


@require_GET
@console_page
def lookalikes(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    filters = parse_filters(request, scope)
    threshold_text = request.GET.get("threshold", "").strip()
    threshold: float | None = None
    if threshold_text:
        try:
            threshold = float(threshold_text)
        except ValueError:
            threshold = -1.0
        if not 0.0 < threshold <= 1.0:
            raise FilterInvalid(
                gettext("threshold: 0보다 크고 1 이하여야 합니다: %(value)s")
                % {"value": repr(threshold_text[:20])}
            )
    clusters = lookalike.lookalike_clusters(
        threshold=threshold, district_code=filters.district_code
    )
    clusters = scope.visible_clusters(clusters)
    rows = []
    for cluster in clusters:
        for programme in cluster["programmes"]:
            rows.append(
                {
                    "cluster": cluster["id"],
                    "size": cluster["size"],
                    "similarity": cluster["similarity"],
                    "programme_id": programme.get("programme_id"),
                    "title": programme.get("title"),
                    "institution": programme.get("institution"),
                    "district_name": programme.get("district_name"),
                    "district_code": programme.get("district_code"),
                }
            )
    table = Table(
        "lookalikes",
        "유사 강좌 묶음",
        "Look-alike programme clusters",
        [
            Column("cluster", "묶음", "cluster"),
            Column("size", "강좌 수", "programmes", numeric=True, digits=0),
            Column("similarity", "유사도", "similarity", numeric=True, digits=2),
            Column("programme_id", "강좌 번호", "programme id"),
            Column("title", "강좌명", "title"),
            Column("institution", "기관", "institution"),
            Column("district_name", "시·군·구", "district"),
        ],
        rows,
    )
    # one institution's own courses offered again (issue 18): reported apart, never look-alikes
    repeats = scope.visible_clusters(
        lookalike.lookalike_repeats(district_code=filters.district_code)
    )
    repeat_table = Table(
        "repeats",
        "같은 기관의 반복 개설",
        "Repeats of an institution's own course",
        [
            Column("group", "묶음", "group"),
            Column("size", "개설 수", "runs", numeric=True, digits=0),
            Column("centres", "센터 수", "centres", numeric=True, digits=0),
            Column("programme_id", "강좌 번호", "programme id"),
            Column("title", "강좌명", "title"),
            Column("institution", "기관", "institution"),
            Column("venue", "장소", "venue"),
        ],
        [
            {
                "group": group["id"],
                "size": group["size"],
                "centres": group["centres"],
                "programme_id": programme.get("programme_id"),
                "title": programme.get("title"),
                "institution": programme.get("institution"),
                "venue": programme.get("venue"),
            }
            for group in repeats
            for programme in group["programmes"]
        ],
    )
    context = {
        **_filters_context(filters, scope),
        "clusters": clusters,
        "repeats": repeats,
        "threshold": threshold_text,
    }
    return _respond(request, "console/analytics/lookalikes.html", context, [table, repeat_table])


SURVEY_GROUPS = {
    "programme": gettext_lazy("강좌별"),
    "institution": gettext_lazy("기관별"),
    "category": gettext_lazy("영역별"),
    "group": gettext_lazy("대상 집단별"),
}


@require_GET
@console_page
def survey_page(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    filters = parse_filters(request, scope)
    group_by = request.GET.get("group_by", "category")
    if group_by not in SURVEY_GROUPS:
        raise FilterInvalid(_one_of("group_by", SURVEY_GROUPS))
    results = survey.survey_results(group_by, filters)
    columns = [
        Column("label", "구분", "group"),
        Column("invited", "발송", "invited", numeric=True, digits=0),
        Column("responded", "응답", "responded", numeric=True, digits=0),
        Column("response_rate", "응답률", "response rate", numeric=True, digits=3),
    ]
    for item in survey.ITEMS:
        ko, en = ITEM_WORDS.get(item, (item, item))
        columns.append(Column(f"mean_{item}", ko, en, numeric=True, digits=2))
    table = Table(
        "survey", "만족도 조사 결과", "Satisfaction survey results", columns, list(results)
    )
    comments = survey.survey_comments(filters, limit=50)
    comment_table = Table(
        "comments",
        "의견 (개인정보 가림)",
        "Comments (personal data masked)",
        [
            Column("date", "날짜", "date"),
            Column("programme", "강좌", "programme"),
            Column("comment", "의견", "comment"),
        ],
        [{k: (str(v) if v is not None else "") for k, v in c.items()} for c in comments],
    )
    context = {
        **_filters_context(filters, scope),
        "group_by": group_by,
        "groups": SURVEY_GROUPS,
    }
    return _respond(request, "console/analytics/survey.html", context, [table, comment_table])


ITEM_WORDS = {
    "overall": ("전반적 만족도", "overall"),
    "content": ("내용", "content"),
    "instructor": ("강사", "instructor"),
    "venue": ("장소·접근성", "venue"),
    "recommend": ("추천 의향", "would recommend"),
}
DELIVERY_FIELDS = (
    ("budget_krw", "평생학습 예산 (원)", "lifelong learning budget (KRW)"),
    ("staff_count", "전담 인력 (명)", "full-time staff"),
    ("council_meetings", "평생학습협의회 개최 (회)", "council meetings"),
    ("ordinances", "평생학습 조례 (건)", "ordinances"),
    ("study_groups", "학습동아리 (개)", "study groups"),
)


@require_http_methods(["GET", "POST"])
@console_page
@requires("analytics.delivery_enter")
def delivery_page(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    readable = scope.reach("analytics.delivery_read")
    if not readable.anywhere:
        raise ConsoleForbidden(gettext("추진체계 자료는 시·구 담당자만 봅니다"))
    source = request.POST if request.method == "POST" else request.GET
    year_text = source.get("year", "") or str(timezone.localdate().year)
    if not year_text.isdecimal() or not 2000 <= int(year_text) <= 2100:
        raise FilterInvalid(_out_of_range("year", 2000, 2100, year_text))
    year = int(year_text)
    region = source.get("region", "").strip()
    if not readable.everywhere and region not in readable.districts:
        region = min(readable.districts)
    errors: list[str] = []
    if request.method == "POST":
        pk: Any = request.user.pk
        fields = {name: request.POST.get(name, "") for name, _, _ in DELIVERY_FIELDS}
        fields["notes"] = request.POST.get("notes", "")
        try:
            delivery.delivery_input_save(Actor(int(pk)), year, region or None, **fields)
        except delivery.DeliveryInputForbidden as exc:
            return _refused(request, exc.message, 403)
        except delivery.DeliveryInputInvalid as exc:
            errors.append(exc.message)
        else:
            messages.success(request, gettext("저장했습니다"))
            return redirect(
                reverse("console:delivery") + "?" + urlencode({"year": year, "region": region})
            )
    current = delivery.delivery_input_get(year, region or None)
    entered = [
        d
        for d in delivery.delivery_input_list(year)
        if readable.covers(Scope(district_code=d.region_code or ""))
    ]
    table = Table(
        "delivery",
        f"{year}년 추진체계 투입",
        f"Delivery inputs {year}",
        [Column("region_code", "지역", "scope")]
        + [Column(name, ko, en, numeric=True, digits=0) for name, ko, en in DELIVERY_FIELDS]
        + [Column("notes", "비고", "notes")],
        [{**d.as_dict(), "region_code": d.region_code or gettext("시 전체")} for d in entered],
    )
    may_enter = scope.may("analytics.delivery_enter", Scope(district_code=region))
    context = {
        "scope": scope,
        "year": year,
        "region": region,
        "current": current,
        "fields": [
            (name, ko, en, request.POST.get(name) if errors else getattr(current, name))
            for name, ko, en in DELIVERY_FIELDS
        ],
        "notes": request.POST.get("notes") if errors else current.notes,
        "errors": errors,
        "may_enter": may_enter,
        "districts": sorted(scope.districts),
        "district_choices": (choices := district_choices(scope)),
        "region_name": dict(choices).get(region, region),
    }
    response = _respond(request, "console/analytics/delivery.html", context, [table])
    if errors:
        response.status_code = 422
    return response


REPORT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


@require_GET
@console_page
def report_download(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    """The annual report of the scope: the city for city staff, their district for a district
    officer. Institution staff get no report (it is the city's evaluation)."""
    from learncity.analytics.report import report_render

    if not scope.reach("analytics.report_download").anywhere:
        raise ConsoleForbidden(gettext("연차 보고서는 시·구 담당자만 받습니다"))
    year = _int(request, "year", 2000, 2100) or timezone.localdate().year
    fmt = request.GET.get("format", "pdf")
    if fmt not in REPORT_TYPES:
        raise FilterInvalid(gettext("형식은 pdf, xlsx, html 중 하나입니다"))
    district = None if scope.city else scope.narrow(request.GET.get("district") or None, None)[0]
    content = report_render(year, fmt, district_code=district)
    response = HttpResponse(content, content_type=REPORT_TYPES[fmt])
    name = f"learncity-report-{year}{'-' + district if district else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ------------------------------------------------------------------ the report in the background


def _actor_of(request: HttpRequest) -> Actor:
    pk: Any = request.user.pk
    return Actor(int(pk))


@require_http_methods(["POST"])
@console_page
@requires("analytics.report_download")
def report_job_request(request: HttpRequest, scope: ConsoleScope) -> HttpResponse:
    """Queue the annual report (year, format; a district officer's is their district's) and
    go to its page, which shows the progress until the file is ready."""
    year_text = request.POST.get("year", "").strip() or str(timezone.localdate().year)
    if not year_text.isdecimal() or not 2000 <= int(year_text) <= 2100:
        raise FilterInvalid(gettext("연도는 2000~2100 사이의 숫자여야 합니다"))
    fmt = request.POST.get("format", "pdf")
    if fmt not in REPORT_TYPES:
        raise FilterInvalid(gettext("형식은 pdf, xlsx, html 중 하나입니다"))
    district = request.POST.get("district", "").strip() or None
    if district is not None and not district.isdecimal():
        district = district_code_of(district, scope) or district
    if not scope.city:
        district = scope.narrow(district, None)[0]
    try:
        job = report_jobs.report_job_request(
            actor=_actor_of(request),
            year=int(year_text),
            fmt=fmt,
            district_code=district,
            language=get_language() or "ko",
        )
    except report_jobs.ReportJobForbidden as exc:
        return _refused(request, exc.message, 403)
    return redirect(reverse("console:report_job", args=[job.id]), permanent=False)


@require_GET
@console_page
def report_job_page(request: HttpRequest, scope: ConsoleScope, job_id: int) -> HttpResponse:
    """The job's progress; HTMX polls its status block every second until it is done."""
    job = report_jobs.report_job_get(actor=_actor_of(request), job_id=job_id)
    names = dict(district_choices(scope))
    context = {
        "job": job,
        "scope": scope,
        "district_name": names.get(job.district_code, job.district_code),
    }
    if request.headers.get("HX-Request"):
        return render(request, "console/analytics/_report_job.html", context)
    return render(request, "console/analytics/report_job.html", context)


@require_GET
@console_page
def report_job_download(request: HttpRequest, scope: ConsoleScope, job_id: int) -> HttpResponse:
    content, content_type, name = report_jobs.report_job_file(
        actor=_actor_of(request), job_id=job_id
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
