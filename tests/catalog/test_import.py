"""`learncity import` on the real Gangnam file, its conversions, and hostile files."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from learncity.algorithms.course_source import KOREAN_HEADERS
from learncity.catalog import importer
from learncity.catalog.classification import programme_category_set
from learncity.catalog.importer import catalog_import, quarantine_fix, quarantine_retry
from learncity.catalog.models import Programme, ProgrammeHistory, QuarantinedRow, Schedule
from learncity.catalog.selectors import programme_rows, quarantine_list

# every test imports into an empty catalog (the world's is deleted inside the transaction)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]
GANGNAM = "courses/gangnam-2026-04.csv"
COUNTS = ("rows", "created", "updated", "unchanged", "quarantined")


def cp949_safe(text: str) -> str:
    """A CP949 export writes the 9 accented instructor names (María, Anaïs) without accents."""

    def fold(ch: str) -> str:
        try:
            ch.encode("cp949")
        except UnicodeEncodeError:
            return unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or " "
        return ch

    return "".join(fold(ch) for ch in text)


def real_text(shared_data: Path) -> str:
    return cp949_safe((shared_data / GANGNAM).read_text(encoding="utf-8-sig"))


def real_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_items(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{KOREAN_HEADERS[k]: v for k, v in row.items()} for row in rows]


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def counts(result: dict[str, Any]) -> tuple[int, ...]:
    return tuple(result[name] for name in COUNTS)


def snapshot() -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "id"} for row in programme_rows()]


def run(*paths: Path, classify: bool = False) -> dict[str, Any]:
    result = catalog_import(paths=list(paths), classify=classify)
    assert result["rows"] == sum(result[n] for n in COUNTS[1:])
    for item in result["files"]:
        assert item["rows"] == sum(item[n] for n in COUNTS[1:])
    return result


@pytest.mark.shared_data
def test_real_file_every_row_accounted_then_unchanged(
    real_regions: dict[str, Any], shared_data: Path
) -> None:
    first = run(shared_data / GANGNAM, classify=True)
    assert first["rows"] == 322
    assert first["created"] + first["quarantined"] == 322
    assert first["created"] == 322  # the real file is clean: nothing to quarantine
    assert first["district_resolved_share"] >= 0.98
    assert first["files"][0]["encoding"] == "utf-8-sig"
    assert Programme.objects.count() == Schedule.objects.count() == 322
    assert not Programme.objects.filter(category="").exclude(category_source="").exists()
    before = snapshot()
    second = run(shared_data / GANGNAM, classify=True)
    assert counts(second) == (322, 0, 0, 322, 0)
    assert second["classified"] == 0
    assert snapshot() == before
    rows = list(programme_rows())
    assert {row["sigungu"] for row in rows} == {"강남구"}
    assert {row["sido"] for row in rows} == {"서울특별시"}
    assert {row["institution"] for row in rows} == {"서울특별시 강남구청"}
    first_row = next(row for row in rows if row["title"].startswith("[논현2]스마트워크"))
    assert first_row["display_title"] == "스마트워크를 위한 노션 활용법"
    assert first_row["category"] in {"인문교양", "직업능력"}


@pytest.mark.shared_data
def test_conversions_import_to_the_same_catalog(
    real_regions: dict[str, Any], shared_data: Path, tmp_path: Path
) -> None:
    text = real_text(shared_data)
    items = as_items(real_rows(text))
    utf8 = write(tmp_path / "bom.csv", text, "utf-8-sig")
    assert counts(run(utf8)) == (322, 322, 0, 0, 0)
    before = snapshot()
    envelope = {
        "response": {
            "header": {"resultCode": "00", "resultMsg": "NORMAL SERVICE."},
            "body": {"items": items, "totalCount": len(items), "pageNo": 1, "numOfRows": 1000},
        }
    }
    nested = {"response": {"header": {"resultCode": "00"}, "body": {"items": {"item": items}}}}
    xml = io.StringIO()
    xml.write('<?xml version="1.0" encoding="UTF-8"?><response><header><resultCode>00')
    xml.write("</resultCode></header><body><items>")
    for item in items:
        xml.write("<item>")
        for key, value in item.items():
            escaped = value.replace("&", "&amp;").replace("<", "&lt;")
            xml.write(f"<{key}>{escaped}</{key}>")
        xml.write("</item>")
    xml.write("</items></body></response>")
    conversions = [
        write(tmp_path / "cp949.csv", text, "cp949"),
        write(tmp_path / "plain.csv", text, "utf-8"),
        write(tmp_path / "envelope.json", json.dumps(envelope, ensure_ascii=False)),
        write(tmp_path / "nested.json", json.dumps(nested, ensure_ascii=False)),
        write(tmp_path / "list.json", json.dumps(items, ensure_ascii=False)),
        write(tmp_path / "page.xml", xml.getvalue()),
    ]
    for path in conversions:
        result = run(path)
        assert counts(result) == (322, 0, 0, 322, 0), (path.name, result["files"])
    assert snapshot() == before


def test_changed_row_is_updated_and_its_previous_values_kept(tmp_path: Path) -> None:
    header = "강좌명,교육시작일자,교육종료일자,운영기관명,수강료,교육장소,강좌정원수"
    v1 = f"{header}\n요가 교실,2026-03-02,2026-05-30,가나구청,30000,A관,20\n영어,2026-03-03,2026-05-30,가나구청,0,B관,10\n"
    v2 = v1.replace("30000,A관,20", "35000,A관,25")
    assert counts(run(write(tmp_path / "v1.csv", v1))) == (2, 2, 0, 0, 0)
    yoga = Programme.objects.get(title="요가 교실")
    programme_category_set(
        programme_id=yoga.pk,
        category="culture_arts",
        middle_category="레저생활스포츠",
        officer="김",
    )
    assert counts(run(write(tmp_path / "v2.csv", v2), classify=True)) == (2, 0, 1, 1, 0)
    yoga.refresh_from_db()
    assert yoga.fee_krw == 35_000
    assert yoga.schedules.get().capacity == 25
    assert (yoga.category, yoga.category_source) == ("culture_arts", "officer")  # override kept
    change = ProgrammeHistory.objects.filter(programme=yoga, change="import").get()
    assert change.previous["fee_krw"] == 30_000
    assert change.previous["schedule.capacity"] == 20
    assert Programme.objects.count() == 2


def test_the_same_course_twice_in_one_file(tmp_path: Path) -> None:
    header = "강좌명,교육시작일자,교육종료일자,운영기관명"
    text = f"{header}\n요가,2026-03-02,2026-05-30,가\n요가,2026-03-02,2026-05-30,가\n"
    result = run(write(tmp_path / "twice.csv", text))
    assert counts(result) == (2, 1, 0, 0, 1)
    assert (
        "the same course as line 2" in result["files"][0]["quarantined_examples"][0]["reasons"][0]
    )
    again = run(write(tmp_path / "twice.csv", text))
    assert counts(again) == (2, 0, 0, 1, 1)
    assert QuarantinedRow.objects.filter(status="open").count() == 1  # seen again, not twice
    assert quarantine_retry()["quarantined"] == 1  # its twin is stored: it stays out


HEADER = "강좌명,교육시작일자,교육종료일자,운영기관명,수강료,강좌정원수,강좌내용,교육장도로명주소"
GOOD = "요가 교실,2026-03-02,2026-05-30,가나구청,0,20,요가,서울특별시 강남구 영동대로 1"


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.csv", b"", "empty"),
        ("binary.csv", bytes(range(256)) * 10, "binary"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "binary"),
        ("book.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "save it as CSV"),
        ("unknown.csv", "이름,전화\n홍길동,010\n".encode(), "no column of the national course"),
        ("latin1.csv", f"{HEADER}\n{GOOD}\n".encode() + b"caf\xe9\x80\xff\n", "UTF-8"),
        ("broken.json", b'{"response": {"body": {"items": [', "not valid JSON"),
        ("error.json", b'{"response":{"header":{"resultCode":"22","resultMsg":"LIMITED"}}}', "22"),
        ("broken.xml", b"<response><body><items><item><lctreNm>x</item>", "not well-formed"),
    ],
)
def test_unreadable_files_store_nothing_and_say_why(
    tmp_path: Path, name: str, data: bytes, error: str
) -> None:
    good = run(write(tmp_path / "good.csv", f"{HEADER}\n{GOOD}\n"))
    assert good["created"] == 1
    result = run(write(tmp_path / name, data), tmp_path / "good.csv")
    bad, fine = result["files"]
    assert error in bad["error"]
    assert counts(bad) == (0, 0, 0, 0, 0)
    assert result["errors"] == 1
    assert fine["unchanged"] == 1
    assert Programme.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("요가,2026-13-45,2026-05-30,가나구청,0,20,,", "not a calendar date"),
        ("요가,2026-03-02,2026-05-30,가나구청,0,-3,,", "negative capacity"),
        ("요가,2026-03-02,2026-05-30,가나구청,0,5000000,,", "not believable"),
        ("요가,2026-03-02,2026-05-30,가나구청,-100,20,,", "negative fee"),
        ("요가,2026-03-02,2026-05-30,가나구청,10000000000,20,,", "not believable"),
        ('"=HYPERLINK(""http://x"",""y"")",2026-03-02,2026-05-30,가나구청,0,20,,', "formula"),
        (f"요가,2026-03-02,2026-05-30,가나구청,0,20,{'가' * 102_400},", "102,400 characters"),
        ("요가,2026-03-02,2026-05-30", "fields but the header has 8"),
        ("요가,2026-03-02,2026-05-30,가나구청,0,20,,,,여분", "fields but the header has 8"),
    ],
)
def test_bad_rows_are_quarantined_with_the_original_kept(
    tmp_path: Path, row: str, reason: str
) -> None:
    result = run(write(tmp_path / "rows.csv", f"{HEADER}\n{GOOD}\n{row}\n"))
    assert counts(result) == (2, 1, 0, 0, 1)
    stored = QuarantinedRow.objects.get()
    assert any(reason in r for r in stored.reasons), stored.reasons
    assert stored.line == 3
    assert stored.raw["강좌명"] == next(csv.reader([row]))[0]
    listed = quarantine_list()
    assert listed["open"] == 1 and listed["rows"][0]["reasons"] == stored.reasons


def test_script_in_every_field_never_survives(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    row = ",".join(
        [
            f"요가{evil}",
            "2026-03-02",
            "2026-05-30",
            f"가나구청{evil}",
            "0",
            "20",
            evil,
            f"서울 {evil}",
        ]
    )
    result = run(write(tmp_path / "xss.csv", f"{HEADER}\n{row}\n"))
    assert result["created"] == 1
    programme = Programme.objects.select_related("institution", "venue").get()
    stored = [programme.title, programme.description, programme.institution.name]
    stored.append(programme.venue.road_address if programme.venue else "")
    assert not any("<" in value or "script" in value for value in stored)
    assert programme.title == "요가"


def test_truncated_last_line_is_quarantined_not_lost(tmp_path: Path) -> None:
    text = f"{HEADER}\n{GOOD}\n" + '"필라테스,2026-03-02,2026'
    result = run(write(tmp_path / "cut.csv", text))
    assert counts(result) == (2, 1, 0, 0, 1)


def test_a_crash_half_way_stores_nothing_and_a_rerun_does_not_double(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f"강좌 {n},2026-03-02,2026-05-30,가나구청,0,20,,서울특별시 강남구 1" for n in range(25)
    ]
    path = write(tmp_path / "big.csv", HEADER + "\n" + "\n".join(lines) + "\n")
    monkeypatch.setattr(importer, "CHUNK", 10)
    real_create = importer._FileImport._create
    calls = {"n": 0}

    def crash_on_second(self: Any, fresh: list[Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("database or disk is full")
        real_create(self, fresh)

    monkeypatch.setattr(importer._FileImport, "_create", crash_on_second)
    with pytest.raises(OperationalError, match="disk is full"):
        catalog_import(paths=[path], classify=False)
    assert Programme.objects.count() == 0
    monkeypatch.setattr(importer._FileImport, "_create", real_create)
    assert counts(run(path)) == (25, 25, 0, 0, 0)
    assert Programme.objects.count() == Schedule.objects.count() == 25


def test_folders_and_zip_archives(tmp_path: Path) -> None:
    folder = tmp_path / "provider"
    folder.mkdir()
    write(folder / "a.csv", f"{HEADER}\n{GOOD}\n")
    items = [
        {
            "lctreNm": "탁구",
            "edcStartDay": "2026-04-01",
            "edcEndDay": "2026-04-30",
            "operInstitutionNm": "가나구청",
        }
    ]
    write(folder / "b.json", json.dumps(items, ensure_ascii=False))
    write(folder / "readme.md", "not data")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("data/c.csv", f"{HEADER}\n{GOOD.replace('요가 교실', '합창')}\n")
        bundle.writestr("__MACOSX/._c.csv", b"\x00\x05junk")
        bundle.writestr("data/d.csv", b"")
    result = run(folder, archive)
    names = [Path(f["name"]).name for f in result["files"]]
    assert names == ["a.csv", "b.json", "c.csv", "d.csv"]
    assert result["created"] == 3
    assert "empty" in result["files"][3]["error"]
    assert set(Programme.objects.values_list("title", flat=True)) == {"요가 교실", "탁구", "합창"}


def test_quarantine_fix_and_retry(tmp_path: Path) -> None:
    path = write(
        tmp_path / "rows.csv",
        f"{HEADER}\n{GOOD}\n필라테스,2026-13-45,2026-05-30,가나구청,0,20,,\n",
    )
    assert counts(run(path)) == (2, 1, 0, 0, 1)
    row = QuarantinedRow.objects.get()
    assert quarantine_retry()["quarantined"] == 1  # nothing changed: still out
    quarantine_fix(row_id=row.pk, changes={"교육시작일자": "2026-03-13"})
    retried = quarantine_retry()
    assert (retried["created"], retried["quarantined"]) == (1, 0)
    row.refresh_from_db()
    assert row.status == "resolved"
    assert row.resolved_programme is not None
    assert row.raw["교육시작일자"] == "2026-13-45"  # the original is kept as read
    assert Programme.objects.count() == 2
    assert counts(run(path)) == (2, 0, 0, 1, 1)  # the file itself is still wrong


def test_fixed_file_resolves_its_old_quarantine(tmp_path: Path) -> None:
    bad = f"{HEADER}\n{GOOD}\n필라테스,2026-13-45,2026-05-30,가나구청,0,20,,\n"
    path = write(tmp_path / "rows.csv", bad)
    run(path)
    write(path, bad.replace("2026-13-45", "2026-03-13"))
    assert counts(run(path)) == (2, 1, 0, 1, 0)
    assert not QuarantinedRow.objects.filter(status="open").exists()


def test_a_refused_file_does_not_leave_stale_institutions_for_the_next(tmp_path: Path) -> None:
    """A rolled-back file's institutions must not be reused by the next file of the run."""
    head = f"{HEADER}\n" + "\n".join(
        f"강좌 {n},2026-03-02,2026-05-30,기관A,0,20,,서울특별시 강남구 1" for n in range(2500)
    )
    first = write(tmp_path / "a.csv", head.encode() + b"\n\xff\xfe broken,2026\n")
    second = write(
        tmp_path / "b.csv",
        f"{HEADER}\n탁구,2026-03-02,2026-05-30,기관B,0,20,,\n수영,2026-03-02,2026-05-30,기관A,0,20,,\n",
    )
    result = catalog_import(paths=[first, second], classify=False)
    assert "encoding" in result["files"][0]["error"]
    assert result["created"] == 2
    owners = dict(Programme.objects.values_list("title", "institution__name"))
    assert owners == {"탁구": "기관B", "수영": "기관A"}


@pytest.mark.parametrize(
    ("document", "outcome"),
    [
        (
            [
                {
                    "lctreNm": "요가\u0000",
                    "edcStartDay": "2026-03-02",
                    "edcEndDay": "2026-03-09",
                    "operInstitutionNm": "가\ud800나",
                }
            ],
            "created",
        ),
        (
            [
                {
                    "lctreNm": ["요가"],
                    "edcStartDay": "2026-03-02",
                    "edcEndDay": "2026-03-09",
                    "operInstitutionNm": "가",
                }
            ],
            "quarantined",
        ),
        (
            [
                {
                    "lctreNm": "요가",
                    "edcStartDay": "2026-03-02",
                    "edcEndDay": "2026-03-09",
                    "operInstitutionNm": "가",
                    "psncpa": "9" * 5000,
                }
            ],
            "quarantined",
        ),
        (
            [
                {
                    "lctreNm": "요가",
                    "edcStartDay": "2026-03-02",
                    "edcEndDay": "2026-03-09",
                    "operInstitutionNm": "가",
                    "pntBankAckestYn": True,
                }
            ],
            "created",
        ),
    ],
)
def test_hostile_json_values(tmp_path: Path, document: list[dict[str, Any]], outcome: str) -> None:
    path = tmp_path / "items.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # \u0000, \ud800 as JSON escapes
    result = run(path)
    assert result[outcome] == 1, result["files"]
    for programme in Programme.objects.all():
        assert "\x00" not in programme.title and "\ud800" not in programme.institution.name


@pytest.mark.parametrize(
    "data",
    [b"[" * 100_000, b'{"items": [' + b"9" * 5000 + b"]}"],
)
def test_json_that_breaks_parsers_is_refused(tmp_path: Path, data: bytes) -> None:
    result = run(write(tmp_path / "deep.json", data))
    assert result["files"][0]["error"]
    assert result["rows"] == 0


@pytest.mark.parametrize(
    "title",
    [
        ' =HYPERLINK("http://x")',
        '<b>=HYPERLINK("http://x")</b>',
        "@SUM(A1:A2)",
        "+cmd|' /C calc'!A0",
    ],
)
def test_formulas_are_caught_after_cleaning(tmp_path: Path, title: str) -> None:
    row = ",".join(['"' + title.replace('"', '""') + '"', "2026-03-02", "2026-05-30", "가나구청"])
    result = run(write(tmp_path / "f.csv", f"{HEADER}\n{row},0,20,,\n"))
    assert result["quarantined"] == 1
    assert "formula" in result["files"][0]["quarantined_examples"][0]["reasons"][0]


def test_formula_in_description_and_script_in_homepage(tmp_path: Path) -> None:
    header = "강좌명,교육시작일자,교육종료일자,운영기관명,강좌내용,홈페이지주소"
    rows = [
        '요가,2026-03-02,2026-05-30,가,"=HYPERLINK(""http://evil"")",www.a.go.kr',
        "탁구,2026-03-02,2026-05-30,가,=== 강좌 소개 ===,http://a.com/<script>alert(1)</script>",
    ]
    result = run(write(tmp_path / "d.csv", header + "\n" + "\n".join(rows) + "\n"))
    assert (result["created"], result["quarantined"]) == (1, 1)
    table_tennis = Programme.objects.get()
    assert table_tennis.description == "=== 강좌 소개 ==="  # decoration, not a formula
    assert table_tennis.homepage == ""  # markup in a web address: not stored


def test_quarantine_entries_belong_to_their_file(tmp_path: Path) -> None:
    bad = f"{HEADER}\n필라테스,2026-13-45,2026-05-30,가나구청,0,20,,\n"
    first, second = write(tmp_path / "a.csv", bad), write(tmp_path / "b.csv", bad)
    result = run(first, second)
    assert result["quarantined"] == 2
    assert QuarantinedRow.objects.filter(status="open").count() == 2
    write(first, bad.replace("2026-13-45", "2026-03-02"))
    run(first)
    assert list(
        QuarantinedRow.objects.filter(status="open").values_list("file_name", flat=True)
    ) == [str(second)]


def test_the_same_file_twice_in_one_command_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", f"{HEADER}\n{GOOD}\n")
    result = run(path, tmp_path, tmp_path / "." / "a.csv")
    assert len(result["files"]) == 1 and result["rows"] == 1


def test_zip_members_that_are_not_data_are_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("README.md", "설명")
        bundle.writestr("logo.png", b"\x89PNG\r\n\x1a\n")
        bundle.writestr("courses.csv", f"{HEADER}\n{GOOD}\n")
    result = run(archive)
    assert [Path(f["name"]).name for f in result["files"]] == ["courses.csv"]
    assert result["errors"] == 0 and result["created"] == 1


def test_duplicate_headers_keep_every_cell_of_the_original(tmp_path: Path) -> None:
    text = (
        "강좌명,교육시작일자,교육종료일자,운영기관명,강좌명\n요가,2026-13-45,2026-05-30,가,둘째\n"
    )
    result = run(write(tmp_path / "dup.csv", text))
    assert result["quarantined"] == 1
    assert "appears twice" in " ".join(result["files"][0]["warnings"])
    raw = QuarantinedRow.objects.get().raw
    assert raw["강좌명"] == "요가" and raw["강좌명 (2)"] == "둘째"


def test_venues_stored_before_the_regions_are_linked_later(
    no_regions: None, tmp_path: Path
) -> None:
    from learncity.regions.models import Region

    path = write(tmp_path / "a.csv", f"{HEADER}\n{GOOD}\n")
    assert counts(run(path)) == (1, 1, 0, 0, 0)
    venue = Programme.objects.get().venue
    assert venue is not None and venue.district_id is None
    province = Region.objects.create(
        code="1100000000", level="province", name="서울특별시", full_name="서울특별시"
    )
    Region.objects.create(
        code="1168000000",
        level="district",
        name="강남구",
        full_name="서울특별시 강남구",
        parent=province,
    )
    assert counts(run(path)) == (1, 0, 0, 1, 0)
    venue.refresh_from_db()
    assert venue.district is not None and venue.district.name == "강남구"
