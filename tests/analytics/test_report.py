"""The annual evaluation report (learncity report): PDF through WeasyPrint with a Korean font
(the text read back with pypdf, the page count), XLSX read back with openpyxl (one sheet per
table, numbers as numbers), standalone HTML parsed (no external resource), the command line,
a district's report without other districts, and bad input; one language per report (Korean by
default, English under `translation.override("en")` and with `--language en`). On the real
Gangnam catalog and the real regions."""

from __future__ import annotations

import io
import itertools
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from typer.testing import CliRunner

from learncity.analytics.delivery import delivery_input_save
from learncity.analytics.report import ReportInvalid, report_build, report_render
from learncity.analytics.selectors import Filters, indicator_definitions, indicator_values
from learncity.cli import app
from learncity.learners.access import Actor
from learncity.learners.models import StaffRole

pytestmark = pytest.mark.django_db
GANGNAM = "1168000000"
SEOCHO = "1165000000"
TITLE = "2026년 평생학습도시 연차 평가 보고서"
TITLE_EN = "Learning city annual evaluation report 2026"
KOREAN_HEADINGS = (
    "1. 평생학습 추진체계",
    "8. 지역별 지도와 그림",
    "부록. 지표 정의",
    "차례",
    "출처",
)
ENGLISH_HEADINGS = (
    "1. Delivery system",
    "2. Indicators: Supply",
    "8. Maps and charts by area",
    "9. Look-alike programmes across institutions",
    "Appendix. Indicator definitions",
    "Contents",
    "Sources",
)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
_n = itertools.count(1)


@pytest.fixture
def entered(world: dict[str, Any]) -> None:
    user = User.objects.create_user(f"report-admin{next(_n)}", password="x-Report-2026")
    StaffRole.objects.create(user=user, role=StaffRole.Role.CITY_ADMIN)
    delivery_input_save(
        Actor(user.pk), 2026, None, budget_krw=1_250_000_000, staff_count=7,
        council_meetings=2, ordinances=1, study_groups=143,
    )  # fmt: skip
    delivery_input_save(Actor(user.pk), 2026, SEOCHO, study_groups=9)


def test_korean_fonts_are_installed() -> None:
    fc_list = shutil.which("fc-list")
    assert fc_list, "fontconfig is needed for the PDF report"
    fonts = subprocess.run([fc_list, ":lang=ko"], capture_output=True, text=True, check=True)
    assert fonts.stdout.strip(), "install a Korean font (Debian: fonts-nanum) for the PDF report"


def test_pdf_has_the_korean_text_and_pages(entered: None) -> None:
    from pypdf import PdfReader

    content = report_render(2026, "pdf")
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    assert 8 <= pages <= 80, pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = "".join(text.split())
    assert "".join(TITLE.split()) in flat
    definitions = {d.id: d for d in indicator_definitions()}
    for indicator_id in (
        "supply.programmes_per_10k",
        "participation.rate",
        "equity.gini.programmes",
    ):
        assert "".join(definitions[indicator_id].name_ko.split()) in flat, indicator_id
    assert "행정안전부" in flat and "통계청" in flat and "교육부" in flat  # sources named
    assert "1,250,000,000" in text or "1250000000" in flat  # the budget officers entered
    assert f"{pages}/{pages}" in flat  # page numbers "n / total" in the footer


def test_xlsx_has_one_sheet_per_table_with_numbers(entered: None) -> None:
    from openpyxl import load_workbook

    report = report_build(2026)
    book = load_workbook(io.BytesIO(report_render(2026, "xlsx")))
    tables = sum(len(section["tables"]) for section in report["sections"])
    assert len(book.sheetnames) == 1 + tables
    assert book.sheetnames[0] == "표지"
    assert book["표지"]["A1"].value == TITLE
    delivery = book[book.sheetnames[1]]
    assert delivery["A2"].font.bold
    rows = list(delivery.iter_rows(min_row=3, values_only=True))
    city = next(r for r in rows if r[0] == "시 전체")
    assert city[1] == 1_250_000_000 and isinstance(city[1], int)
    assert next(r for r in rows if r[0] == SEOCHO)[5] == 9
    supply = book[book.sheetnames[2]]
    values = {r[0]: r[1] for r in supply.iter_rows(min_row=3, values_only=True)}
    definitions = {d.id: d for d in indicator_definitions()}
    expected = indicator_values(Filters(year=2026), ids=["supply.programmes_per_10k"])[0].value
    got = values[definitions["supply.programmes_per_10k"].name_ko]
    assert isinstance(got, float) and got == pytest.approx(expected, rel=1e-3)


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.svgs = 0
        self.tables = 0
        self.text: list[str] = []
        self.fixed: list[str] = []  # the words of headings, captions, lists: never data
        self._open: list[str] = []
        self._in_svg = 0  # a map's tooltips name its areas: data
        self.prose: list[str] = []  # all but the drawings

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.svgs += tag == "svg"
        self.tables += tag == "table"
        self._in_svg += tag == "svg"
        if tag in ("title", "h1", "h2", "h3", "th", "figcaption", "li") and not self._in_svg:
            self._open.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(f"{tag} {name}={value}")
            if tag == "link":
                self.external.append(f"link {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        self._in_svg -= tag == "svg"
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self._in_svg:
            self.prose.append(data)
        if self._open:
            self.fixed.append(data)


def test_html_is_standalone_with_maps_and_charts(entered: None) -> None:
    html = report_render(2026, "html").decode("utf-8")
    parser = _Resources()
    parser.feed(html)
    assert parser.external == []
    assert "<script" not in html
    assert parser.svgs >= 2  # at least a map and a chart
    assert parser.tables >= 9
    text = " ".join(parser.text)
    assert html.startswith('<!doctype html>\n<html lang="ko">')
    assert TITLE in text and TITLE_EN not in text  # one language
    assert all(heading in text for heading in KOREAN_HEADINGS)
    assert "대리지표" in text
    assert "도보 15분 학습권" in text  # planning's section (learncity.planning.services)
    assert not any(heading in text for heading in ENGLISH_HEADINGS)


def test_the_english_html_has_english_words_around_the_data(entered: None) -> None:
    with translation.override("en"):
        html = report_render(2026, "html").decode("utf-8")
    assert html.startswith('<!doctype html>\n<html lang="en">')
    parser = _Resources()
    parser.feed(html)
    text = " ".join(parser.text)
    assert TITLE_EN in text and TITLE not in text
    assert all(heading in text for heading in ENGLISH_HEADINGS), text[:2000]
    assert "The 15-minute learning zone and sites for learning centres" in text  # planning's
    assert not any(heading in text for heading in KOREAN_HEADINGS)
    # headings, column names, captions, contents and sources: no Korean word at all
    korean = [words for words in parser.fixed if HANGUL.search(words)]
    assert korean == []
    # the indicators by their English names, never their Korean ones
    for definition in indicator_definitions():
        assert definition.name_en in text, definition.id
        if HANGUL.search(definition.name_ko):
            assert definition.name_ko not in html, definition.id
    prose = " ".join(parser.prose)
    for words in ("행정안전부", "통계청", "교육부", "대리지표", "자료 없음", "시 전체"):
        assert words not in prose, words


def test_the_english_pdf_and_xlsx(entered: None) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    with translation.override("en"):
        pdf = report_render(2026, "pdf")
        book = load_workbook(io.BytesIO(report_render(2026, "xlsx")))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    for heading in (TITLE_EN, *ENGLISH_HEADINGS, "Ministry of the Interior and Safety"):
        assert "".join(heading.split()) in flat, heading
    for heading in (TITLE, *KOREAN_HEADINGS, "행정안전부", "대리지표"):
        assert "".join(heading.split()) not in flat, heading
    assert book.sheetnames[0] == "Cover" and book["Cover"]["A1"].value == TITLE_EN
    delivery = book[book.sheetnames[1]]
    assert delivery["A1"].value == "Delivery-system inputs"
    header = [cell.value for cell in delivery[2]]
    assert header[0] == "Area" and not any(HANGUL.search(str(cell)) for cell in header)
    city = next(
        r for r in delivery.iter_rows(min_row=3, values_only=True) if r[0] == "The whole city"
    )
    assert city[1] == 1_250_000_000 and isinstance(city[1], int)
    supply = book[book.sheetnames[2]]
    definitions = {d.id: d for d in indicator_definitions()}
    names = {r[0]: r[1] for r in supply.iter_rows(min_row=3, values_only=True)}
    assert isinstance(names[definitions["supply.programmes_per_10k"].name_en], float)


def test_a_districts_report_holds_no_other_district(entered: None) -> None:
    report = report_build(2026, district_code=GANGNAM)
    cells = [
        str(cell)
        for section in report["sections"]
        if not section["title"].startswith("부록")
        for table in section["tables"]
        for row in table["rows"]
        for cell in row
    ]
    assert SEOCHO not in cells  # Seocho's delivery inputs are not in Gangnam's report
    assert "서초구" not in cells
    titles = [section["title"] for section in report["sections"]]
    assert not any("도보 15분" in title for title in titles)  # planning's covers every district
    regions = [c for c in cells if c.isdigit() and len(c) == 10]
    assert regions and all(code.startswith("11680") for code in regions)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "2026", "--format", "docx"], "pdf, xlsx"),
        (["--year", "1800", "--format", "html"], "2000"),
        (["--year", "2026", "--format", "html", "--district", "gangnam"], "'gangnam'"),
        (["--year", "2026", "--format", "html", "--language", "xx"], "ko, en"),
    ],
)
def test_bad_input_is_refused(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "report.out"
    result = CliRunner().invoke(app, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()
    with pytest.raises(ReportInvalid):
        report_render(2026, "odt")


def test_command_writes_each_format(tmp_path: Path, entered: None) -> None:
    for fmt, magic in (("html", b"<!doctype html>"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        out = tmp_path / f"r.{fmt}"
        result = CliRunner().invoke(
            app, ["report", "--year", "2026", "--format", fmt, "--out", str(out), "--json"]
        )
        assert result.exit_code == 0, result.output
        assert out.read_bytes().startswith(magic)
        assert f'"format": "{fmt}"' in result.output


def test_command_writes_the_language_asked_for(tmp_path: Path, entered: None) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(
        app, ["report", "--year", "2026", "--format", "html", "--out", str(out), "--language", "en"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and TITLE_EN in html and TITLE not in html
    refused = CliRunner().invoke(
        app, ["report", "--year", "2026", "--format", "html", "--out", str(out), "--language", "xx"]
    )
    assert refused.exit_code == 2
    assert "error:" in refused.output and "'xx'" in refused.output and "ko, en" in refused.output


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_every_formula_start_is_kept_as_text_in_the_xlsx(text: str) -> None:
    """The annual report's XLSX uses the guard of every export (issue 19, finding 17): `-`,
    tab and carriage return included, as the settlement always did."""
    from learncity.analytics.report import _cell

    assert _cell(text) == "'" + text
    assert _cell(-3) == -3 and _cell("요가") == "요가"
