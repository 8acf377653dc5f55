"""The annual evaluation report of a learning city (평생학습도시 연차 평가 보고서).

One model of the report (`report_build`), three renderings (`report_render`):

- HTML: standalone, inline CSS and SVG, no external resource (a browser, an archive, an
  e-mail attachment show it the same);
- PDF: the same HTML through WeasyPrint, with a Korean font installed by the system (Debian
  `fonts-nanum`); A4 with page numbers;
- XLSX: openpyxl, one sheet per table, a styled header row, numbers stored as numbers.

The report holds the delivery-system inputs officers enter (analytics.delivery), every
computed indicator with its definition, value and previous period (analytics.selectors),
maps (algorithms.svgmap over the regions' boundaries) and charts (Vega-Lite rendered to SVG
by vl-convert), the look-alike and satisfaction summaries, and the planning section when the
planning context provides one. Every section has the shape planning's `report_section` uses:
``{title, tables: [{title, columns, rows}], figures: [{title, svg}], notes}``.

The report is in one language, the active one when it is built (`translation.override` around
the call: the console's job records the page's, the command takes `--language`): every fixed
word through gettext (Korean msgids), the indicators' names and definitions picked from the
registry's two, the data (places, institutions, programmes) as it is."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext

from learncity.algorithms.spreadsheet import safe_text
from learncity.analytics import delivery, lookalike
from learncity.analytics.indicators import DIMENSIONS
from learncity.analytics.maps import areas_below, choropleth
from learncity.analytics.selectors import Filters, indicator_definitions, indicator_values
from learncity.analytics.survey import survey_results
from learncity.core.errors import DomainError

FORMATS = ("pdf", "xlsx", "html")
MAPPED = ("participation.rate", "supply.programmes_per_10k", "supply.seats_per_10k")
LANGUAGES = ("ko", "en")
FONT = "NanumGothic, 'Nanum Gothic', 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif"
SOURCES = (
    gettext_lazy("행정안전부 주민등록 인구통계 (읍·면·동별 연령별 인구)"),
    gettext_lazy("통계청 행정구역 경계 (KOSTAT 2018)"),
    gettext_lazy("교육부·국가평생교육진흥원 평생학습 강좌 표준데이터"),
    gettext_lazy("learncity 운영 자료 (수강신청, 출석, 수료, 만족도 조사)"),
)


Progress = Callable[[str, int], None]


class ReportInvalid(DomainError):
    code = "report_invalid"


def _year(year: Any) -> int:
    try:
        value = int(str(year))
    except ValueError:
        raise ReportInvalid(
            gettext("연도는 숫자여야 합니다: %(year)s") % {"year": repr(str(year)[:20])}
        ) from None
    if not 2000 <= value <= 2100:
        raise ReportInvalid(gettext("연도는 2000~2100 사이여야 합니다: %(year)s") % {"year": value})
    return value


def report_language(language: str) -> str:
    """The language a report can be written in ("ko" or "en"); anything else is refused."""
    if language not in LANGUAGES:
        raise ReportInvalid(
            gettext("보고서 언어는 ko, en 중 하나입니다: %(language)s")
            % {"language": repr(language[:20])}
        )
    return language


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _pick(korean: str, english: str) -> str:
    """One of the registry's two words: English when the report is, else Korean."""
    return english if _english() and english else korean


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": rows}


def _section(
    title: str,
    tables: list[dict[str, Any]] | None = None,
    figures: list[dict[str, Any]] | None = None,
    notes: str | list[str] = "",
) -> dict[str, Any]:
    return {"title": title, "tables": tables or [], "figures": figures or [], "notes": notes}


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return round(number, 4) if math.isfinite(number) else None


def _delivery_section(year: int, district_code: str | None) -> dict[str, Any]:
    entered = delivery.delivery_input_list(year)
    if district_code:
        entered = [d for d in entered if d.region_code == district_code]
    columns = [
        gettext("지역"),
        gettext("예산 (원)"),
        gettext("전담 인력"),
        gettext("협의회 개최"),
        gettext("조례"),
        gettext("학습동아리"),
        gettext("비고"),
    ]
    rows = [
        [
            d.region_code or gettext("시 전체"),
            d.budget_krw,
            d.staff_count,
            d.council_meetings,
            d.ordinances,
            d.study_groups,
            d.notes,
        ]
        for d in entered
    ]
    notes = gettext("담당자가 콘솔의 '추진체계 입력'에서 입력한 값입니다.")
    if not rows:
        notes = gettext("%(year)s년 추진체계 자료가 아직 입력되지 않았습니다.") % {"year": year}
    return _section(
        gettext("1. 평생학습 추진체계"),
        [_table(gettext("추진체계 투입"), columns, rows)],
        notes=notes,
    )


def _indicator_sections(
    year: int, district_code: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    filters = Filters(year=year, district_code=district_code)
    definitions = indicator_definitions()
    values = {v.id: v for v in indicator_values(filters)}
    sections = []
    columns = [
        pgettext("Indicator", "지표"),
        gettext("값"),
        gettext("전년"),
        gettext("증감"),
        gettext("단위"),
        gettext("대리지표"),
    ]
    proxy_mark = pgettext("yes", "예")
    for number, (dimension, (ko, en)) in enumerate(DIMENSIONS.items(), start=2):
        name = _pick(ko, en)
        rows = []
        for d in definitions:
            if d.dimension != dimension:
                continue
            v = values.get(d.id)
            value = _number(v.value) if v else None
            previous = _number(v.previous) if v else None
            change = None if value is None or previous is None else round(value - previous, 4)
            rows.append(
                [
                    _pick(d.name_ko, d.name_en),
                    value,
                    previous,
                    change,
                    _pick(d.unit_ko, d.unit_en),
                    proxy_mark if d.proxy else "",
                ]
            )
        notes = ""
        if dimension in ("outcome", "unesco"):
            notes = gettext(
                "대리지표: 연구가 말하는 성과·구성요소를 플랫폼 자료로 계산할 수 있도록 "
                "learncity가 정의한 값입니다 (부록의 산식 참조)."
            )
        sections.append(
            _section(
                gettext("%(number)s. 지표: %(dimension)s") % {"number": number, "dimension": name},
                [_table(gettext("%(dimension)s 지표") % {"dimension": name}, columns, rows)],
                notes=notes,
            )
        )
    return sections, values


def _figures(values: dict[str, Any], district_code: str | None) -> dict[str, Any]:
    import vl_convert

    definitions = {d.id: d for d in indicator_definitions()}
    level = "neighbourhood" if district_code else "district"
    if level == "district":
        # a city whose data covers one district is shown by its neighbourhoods
        covered = {r.region_code for v in values.values() for r in v.breakdown if r.level == level}
        if len(covered) < 2:
            level = "neighbourhood"
    figures = []
    tables = []
    below = areas_below([district_code]) if district_code else frozenset()
    for indicator_id in MAPPED:
        d, v = definitions.get(indicator_id), values.get(indicator_id)
        if d is None or v is None:
            continue
        rows = [
            {"region_code": r.region_code, "region_name": r.region_name, "value": r.value}
            for r in v.breakdown
            if r.level == level
            and (
                not district_code
                or r.region_code[:5] == district_code[:5]
                or r.region_code in below
            )
        ]
        if not rows:
            continue
        name, unit = _pick(d.name_ko, d.name_en), _pick(d.unit_ko, d.unit_en)
        svg = choropleth(rows, title=name, legend_title=unit, width=440)
        if svg:
            title = gettext("%(indicator)s 지도") % {"indicator": name}
            figures.append({"title": title, "svg": svg})
        top = sorted((r for r in rows if r["value"] is not None), key=lambda r: -float(r["value"]))[
            :25
        ]
        if top:
            spec = {
                "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
                "title": name,
                "width": 440,
                "height": {"step": 16},
                "data": {"values": [{"area": r["region_name"], "value": r["value"]} for r in top]},
                "mark": {"type": "bar", "color": "#21918c"},
                "encoding": {
                    "y": {"field": "area", "type": "nominal", "sort": "-x", "title": None},
                    "x": {"field": "value", "type": "quantitative", "title": unit},
                },
                "config": {"font": "NanumGothic"},
            }
            svg = vl_convert.vegalite_to_svg(spec, vl_version="6.4")
            figures.append(
                {
                    "title": gettext("%(indicator)s 상위 지역") % {"indicator": name},
                    "svg": _strip_xml(svg),
                }
            )
        by_level = (
            gettext("%(indicator)s · 읍·면·동별")
            if level == "neighbourhood"
            else gettext("%(indicator)s · 시·군·구별")
        )
        tables.append(
            _table(
                by_level % {"indicator": name},
                [gettext("코드"), gettext("지역"), gettext("값")],
                [[r["region_code"], r["region_name"], _number(r["value"])] for r in rows],
            )
        )
    return _section(
        gettext("8. 지역별 지도와 그림"),
        tables,
        figures,
        notes=gettext("지도는 오프라인으로 그렸습니다 (웹 지도 타일 없음)."),
    )


def _strip_xml(svg: str) -> str:
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


def _lookalike_section(district_code: str | None) -> dict[str, Any]:
    summary = lookalike.lookalike_summary()
    clusters = lookalike.lookalike_clusters(district_code=district_code)
    rows = [
        [
            c["id"],
            c["size"],
            round(float(c["similarity"]), 3),
            ", ".join(c["institutions"])[:200],
            c["programmes"][0]["title"] if c["programmes"] else "",
        ]
        for c in clusters[:30]
    ]
    share = summary.get("share_in_clusters")
    return _section(
        gettext("9. 기관 간 유사 강좌"),
        [
            _table(
                gettext("요약"),
                [pgettext("Item", "항목"), gettext("값")],
                [
                    [gettext("유사도 기준"), summary["threshold"]],
                    [gettext("전체 강좌"), summary["programmes"]],
                    [gettext("유사 묶음"), summary["clusters"]],
                    [gettext("묶음에 속한 강좌"), summary["programmes_in_clusters"]],
                    [gettext("비율"), _number(share)],
                    [gettext("같은 기관의 반복 개설 묶음"), summary["repeat_groups"]],
                    [gettext("반복 개설 강좌"), summary["programmes_repeated"]],
                ],
            ),
            _table(
                gettext("큰 묶음 (최대 30)"),
                [
                    gettext("묶음"),
                    gettext("강좌 수"),
                    gettext("유사도"),
                    gettext("기관"),
                    gettext("예시 강좌"),
                ],
                rows,
            ),
        ],
        notes=gettext(
            "제목과 소개글의 형태소 유사도로 찾은 후보입니다; 복사 여부는 담당자가 판단합니다."
        ),
    )


def _survey_section(year: int, district_code: str | None) -> dict[str, Any] | None:
    results = survey_results("category", Filters(year=year, district_code=district_code))
    items = ("overall", "content", "instructor", "venue", "recommend")
    rows = []
    for row in results:
        rows.append(
            [
                row.get("label") or row.get("key"),
                row.get("invited"),
                row.get("responded"),
                _number(row.get("response_rate")),
            ]
            + [_number(row.get(f"mean_{item}", row.get(item))) for item in items]
        )
    return _section(
        gettext("10. 수료 후 만족도"),
        [
            _table(
                gettext("영역별 만족도 (5점 척도)"),
                [
                    gettext("영역"),
                    gettext("발송"),
                    gettext("응답"),
                    gettext("응답률"),
                    gettext("전반"),
                    pgettext("Content", "내용"),
                    gettext("강사"),
                    pgettext("Venue", "장소"),
                    gettext("추천"),
                ],
                rows,
            )
        ],
    )


def _planning_section(year: int) -> dict[str, Any] | None:
    # planning stands below analytics; imported here, when a report is built, because it
    # loads the routing and optimisation libraries the other pages never need
    from learncity.planning.services import report_section

    section: dict[str, Any] | None = report_section(year=year)
    return section


def _appendix() -> dict[str, Any]:
    proxy_mark = pgettext("yes", "예")
    rows = [
        [
            d.id,
            _pick(d.name_ko, d.name_en),
            _pick(d.definition_ko, d.definition_en),
            d.formula,
            proxy_mark if d.proxy else "",
        ]
        for d in indicator_definitions()
    ]
    return _section(
        gettext("부록. 지표 정의"),
        [
            _table(
                gettext("지표 정의와 산식"),
                [
                    gettext("번호"),
                    pgettext("Indicator", "지표"),
                    gettext("정의"),
                    gettext("산식"),
                    gettext("대리지표"),
                ],
                rows,
            )
        ],
    )


def _city(district_code: str | None) -> dict[str, Any]:
    """The city the report is of (`learncity city set`): its name, areas and residents, its
    emblem as a data: address for the cover; and the district's name when one is asked."""
    import base64

    from learncity.regions.selectors import city_brand, city_emblem, city_scope, region_ref_get

    brand = city_brand()
    scope = city_scope() if brand.is_set else None
    emblem = city_emblem() if brand.has_emblem else None
    district = region_ref_get(code=district_code) if district_code else None
    return {
        "name": brand.name_in("en" if _english() else "ko"),
        "areas": list(scope.area_names) if scope else [],
        "population": scope.population if scope else None,
        "district_name": district.full_name if district else "",
        "emblem": (
            f"data:{emblem[1]};base64,{base64.b64encode(emblem[0]).decode('ascii')}"
            if emblem
            else ""
        ),
    }


def _no_progress(step: str, percent: int) -> None:
    return None


def report_build(
    year: int, *, district_code: str | None = None, progress: Progress = _no_progress
) -> dict[str, Any]:
    """The report's content for a year, for the whole city or one district. `progress`
    hears each step's name and how far the whole report is (percent) before it starts."""
    year = _year(year)
    if district_code is not None and (not district_code.isdecimal() or len(district_code) > 10):
        raise ReportInvalid(
            gettext("시·군·구 코드가 아닙니다: %(code)s") % {"code": repr(district_code[:20])}
        )
    progress("delivery", 5)
    sections = [_delivery_section(year, district_code)]
    progress("indicators", 10)
    indicator_sections, values = _indicator_sections(year, district_code)
    sections += indicator_sections
    progress("maps", 30)
    sections.append(_figures(values, district_code))
    progress("lookalikes", 45)
    sections.append(_lookalike_section(district_code))
    progress("survey", 55)
    survey_section = _survey_section(year, district_code)
    if survey_section:
        sections.append(survey_section)
    # planning's section covers every district of the city: in the city's report only
    progress("planning", 60)
    planning_section = _planning_section(year) if district_code is None else None
    if planning_section:
        sections.append({"tables": [], "figures": [], "notes": "", **planning_section})
    sections.append(_appendix())
    city = _city(district_code)
    scope = gettext("시 전체")
    if district_code:
        scope = gettext("시·군·구 %(code)s") % {"code": district_code}
    if city["district_name"]:
        scope = f"{city['district_name']} ({scope})"
    elif city["name"] and not district_code:
        scope = city["name"]
    demo = _is_demo()
    return {
        "year": year,
        "district_code": district_code,
        "language": "en" if _english() else "ko",
        "city": city,
        "title": gettext("%(year)s년 평생학습도시 연차 평가 보고서") % {"year": year},
        "scope": scope,
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "sections": sections,
        # invented data is never credited to the national sources (issue 18)
        "demo": demo,
        "sources": [str(source) for source in (DEMO_SOURCES if demo else SOURCES)],
    }


DEMO_SOURCES = (
    gettext_lazy("데모 도시 (가상 데이터): 지역, 인구, 기관, 강좌, 사람은 모두 지어낸 것입니다"),
)


def _is_demo() -> bool:
    """The report is of the demo city (the city set is the demo, or demo areas are loaded)."""
    from learncity.regions.selectors import city_brand, region_count

    return city_brand().is_demo or region_count(source="demo") > 0


def render_html(report: dict[str, Any]) -> str:
    return render_to_string("analytics/report/report.html", {"report": report, "font": FONT})


def render_pdf(report: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=render_html(report)).write_pdf()
    return pdf


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def render_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = gettext("표지")
    cover.append([report["title"]])
    cover.append([report["scope"]])
    cover.append([gettext("작성: %(when)s") % {"when": report["generated_at"]}])
    cover.append([])
    if report.get("demo"):
        cover.append([gettext("데모: 가상 데이터로 만든 보고서입니다. 실제 도시가 아닙니다.")])
    cover.append([gettext("출처")])
    for source in report["sources"]:
        cover.append([source])
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 60
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="2C728E")
    used: set[str] = {cover.title}
    for section in report["sections"]:
        for index, table in enumerate(section["tables"], start=1):
            name = _sheet_name(f"{section['title']} {index}", used)
            sheet = book.create_sheet(name)
            sheet.append([table["title"]])
            sheet["A1"].font = Font(bold=True)
            sheet.append(list(table["columns"]))
            for cell in sheet[2]:
                cell.font = header_font
                cell.fill = header_fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for row in table["rows"]:
                sheet.append([_cell(value) for value in row])
            sheet.freeze_panes = "A3"
            for position, column in enumerate(table["columns"], start=1):
                letter = sheet.cell(row=2, column=position).column_letter
                sheet.column_dimensions[letter].width = min(60, max(10, len(str(column)) + 4))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub(" ", title).strip()[:28] or gettext("표")
    name, n = base, 2
    while name in used:
        name = f"{base[:26]} {n}"
        n += 1
    used.add(name)
    return name


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return safe_text(str(value))  # the guard every export uses (- tab CR too)


def report_render(
    year: int, fmt: str, *, district_code: str | None = None, progress: Progress = _no_progress
) -> bytes:
    """The report as bytes in one of FORMATS (`progress` as in report_build; the rendering
    is the last step, from 70 %)."""
    if fmt not in FORMATS:
        raise ReportInvalid(
            gettext("형식은 pdf, xlsx, html 중 하나입니다: %(format)s") % {"format": repr(fmt[:20])}
        )
    report = report_build(year, district_code=district_code, progress=progress)
    progress("render", 70)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(report)
    return render_xlsx(report)


def report_write(
    year: int, fmt: str, out: Path, *, district_code: str | None = None, language: str = "ko"
) -> Path:
    """Write the report in `language` ("ko" or "en") to `out` (the command line's)."""
    with translation.override(report_language(language)):
        content = report_render(year, fmt, district_code=district_code)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return out
