"""Reading the course standard data in every published form, and refusing what it is not."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.course_source import Source, SourceError, canonical_field, records

GANGNAM = "courses/gangnam-2026-04.csv"
HEADER = "강좌명,교육시작일자,교육종료일자,운영기관명,수강료"


def cp949_safe(text: str) -> str:
    """What a CP949 export of the real file holds: 9 instructor names carry letters CP949 lacks
    (María, Anaïs), which such an export writes without their accents."""
    return "".join(
        ch
        if ch.isascii() or _encodable(ch)
        else unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or " "
        for ch in text
    )


def _encodable(ch: str) -> bool:
    try:
        ch.encode("cp949")
    except UnicodeEncodeError:
        return False
    return True


def read(data: bytes, name: str = "f.csv") -> tuple[list, Source]:
    source = Source(name)
    return list(records(io.BytesIO(data), source)), source


def test_canonical_field_names() -> None:
    assert canonical_field("강좌명") == "lctreNm"
    assert canonical_field(" 교육 종료시각 ") == "edcColseTime"
    assert canonical_field("\ufeff강좌명") == "lctreNm"
    assert canonical_field("LCTRENM") == "lctreNm"
    assert canonical_field("edcCloseTime") == "edcColseTime"
    assert canonical_field("instt_code") == "insttCode"
    assert canonical_field("비고") is None


@pytest.mark.shared_data
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp949"])
def test_real_file_in_each_encoding_reads_the_same(shared_data: Path, encoding: str) -> None:
    text = cp949_safe((shared_data / GANGNAM).read_text(encoding="utf-8-sig"))
    rows, source = read(text.encode(encoding))
    assert source.encoding == encoding
    assert source.format == "csv"
    assert len(rows) == 322
    assert not any(r.problem for r in rows)
    assert rows[0].fields["lctreNm"] == "평생교육 강사를 위한 장애 인권 감수성 향상 과정8"
    assert rows[0].raw["강좌명"] == rows[0].fields["lctreNm"]
    assert rows[0].line == 2 and rows[-1].line == 323
    assert source.unknown_columns == []


def _items() -> list[dict[str, str]]:
    return [
        {"lctreNm": "요가 교실", "edcStartDay": "2026-03-02", "operInstitutionNm": "가"},
        {"lctreNm": "영어 회화", "edcStartDay": "2026-03-03", "operInstitutionNm": "나"},
    ]


@pytest.mark.parametrize(
    "document",
    [
        {"response": {"header": {"resultCode": "00"}, "body": {"items": _items()}}},
        {"response": {"header": {"resultCode": "00"}, "body": {"items": {"item": _items()}}}},
        _items(),
        {"items": _items()},
    ],
)
def test_json_forms(document: object) -> None:
    rows, source = read(json.dumps(document, ensure_ascii=False).encode(), "page.json")
    assert source.format == "json"
    assert [r.fields["lctreNm"] for r in rows] == ["요가 교실", "영어 회화"]


def test_json_single_item_object_and_empty_pages() -> None:
    one = {"response": {"header": {"resultCode": "00"}, "body": {"items": {"item": _items()[0]}}}}
    rows, _ = read(json.dumps(one).encode(), "one.json")
    assert [r.fields["lctreNm"] for r in rows] == ["요가 교실"]
    nodata = {"response": {"header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"}}}
    assert read(json.dumps(nodata).encode(), "none.json")[0] == []
    empty = {"response": {"header": {"resultCode": "00"}, "body": {"items": ""}}}
    assert read(json.dumps(empty).encode(), "empty.json")[0] == []


def test_json_error_response_is_refused_with_its_message() -> None:
    error = {
        "response": {"header": {"resultCode": "30", "resultMsg": "SERVICE KEY IS NOT REGISTERED"}}
    }
    with pytest.raises(SourceError, match="30 SERVICE KEY"):
        read(json.dumps(error).encode(), "bad.json")


def test_json_lines_and_numbers_as_numbers() -> None:
    lines = "\n".join(json.dumps({**item, "psncpa": 20}) for item in _items())
    rows, source = read(lines.encode(), "rows.jsonl")
    assert source.format == "jsonl"
    assert rows[1].fields["psncpa"] == "20"


def test_json_item_that_is_not_an_object_is_a_problem_row() -> None:
    rows, _ = read(json.dumps([_items()[0], "oops", 3]).encode(), "list.json")
    assert [bool(r.problem) for r in rows] == [False, True, True]


def test_xml_response() -> None:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><response><header><resultCode>00</resultCode>'
        "</header><body><items><item><lctreNm>요가 &amp; 명상</lctreNm><edcStartDay>2026-03-02"
        "</edcStartDay></item><item><lctreNm>영어</lctreNm><psncpa/></item></items>"
        "<totalCount>2</totalCount></body></response>"
    )
    rows, source = read(xml.encode(), "page.xml")
    assert source.format == "xml"
    assert [r.fields["lctreNm"] for r in rows] == ["요가 & 명상", "영어"]
    assert rows[1].fields["psncpa"] == ""


def test_xml_entity_expansion_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        "<response><body><items><item><lctreNm>&lol;</lctreNm></item></items></body></response>"
    )
    with pytest.raises(SourceError, match="DOCTYPE or ENTITY"):
        read(bomb.encode(), "bomb.xml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"%PDF-1.7 ...", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
        ("이름,나이\n홍길동,30\n".encode(), "no column of the national course standard"),
        ("교육시작일자,운영기관명\n2026-01-01,가\n".encode(), "강좌명"),
        (b"\x80ab\xff" * 100, "neither UTF-8 nor CP949"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read(data)


def test_rows_with_extra_or_missing_fields_are_problem_rows_not_dropped() -> None:
    text = f"{HEADER},비고\n요가,2026-03-02,2026-03-30,가,0,메모\n영어,2026-03-02\n탁구,1,2,3,4,5,6,7\n"
    rows, source = read(text.encode())
    assert len(rows) == 3
    assert rows[0].problem == "" and rows[0].fields["lctreNm"] == "요가"
    assert "header has 6" in rows[1].problem and "truncated" in rows[1].problem
    assert "has 8 fields" in rows[2].problem
    assert rows[2].raw["(extra)"] == "6 | 7"
    assert source.unknown_columns == ["비고"]


def test_truncated_last_line_inside_quotes_is_a_problem_row() -> None:
    text = f'{HEADER}\n요가,2026-03-02,2026-03-30,가,0\n"영어 회화,2026-03-02,2026'
    rows, _ = read(text.encode())
    assert len(rows) == 2
    assert rows[0].problem == ""
    assert rows[1].problem  # counted, quarantined with a reason


def test_encoding_that_changes_part_way_is_refused() -> None:
    head = f"{HEADER}\n" + "요가,2026-03-02,2026-03-30,가,0\n" * 5000
    data = head.encode("utf-8") + "영어,2026-03-02,2026-03-30,나,0\n".encode("cp949")
    with pytest.raises(SourceError, match="changes encoding"):
        read(data)


def test_blank_lines_are_not_rows() -> None:
    rows, _ = read(f"\n{HEADER}\n\n요가,2026-03-02,2026-03-30,가,0\n,,,,\n".encode())
    assert len(rows) == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_either_read_or_refused_cleanly(data: bytes) -> None:
    try:
        rows, _ = read(data)
    except SourceError as exc:
        assert exc.reason
        return
    for row in rows:
        assert isinstance(row.fields, dict)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=8), max_size=20))
def test_any_csv_cells_are_accounted_for(cells: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    writer.writerows(cells)
    try:
        rows, _ = read(buffer.getvalue().encode())
    except SourceError:
        return
    nonblank = [c for c in cells if any(cell.strip() for cell in c)]
    assert len(rows) == len(nonblank)  # one record per written row, blank rows aside
    for row, written in zip(rows, nonblank, strict=True):
        if len(written) == 5:
            assert row.problem == "" and row.fields["lctreNm"] == written[0]
        else:
            assert "fields but the header has 5" in row.problem
