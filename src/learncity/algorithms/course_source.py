"""Read the national course standard data in every form it is published in.

CSV with the Korean headers (UTF-8, UTF-8 with BOM, CP949/EUC-KR), the OpenAPI JSON response
envelope (`response.body.items` as a list, as `{"item": [...]}` or as one object), the OpenAPI
XML response, and a plain JSON list (or JSON Lines) of records with the OpenAPI field names.
Every reader yields `Record`s: the line (or item number), the fields under their OpenAPI names,
and the original row exactly as read so that a quarantined row can be shown and re-tried.

A file that cannot be read at all raises `SourceError`; a row that is broken yields a record
with `problem` set, so it is quarantined and counted, never dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import IO, Any
from xml.etree import ElementTree as ET

# Korean CSV header -> OpenAPI field name (DOMAIN.md's table). The OpenAPI's own typo
# `edcColseTime` is the canonical name; spellings seen elsewhere are aliases.
KOREAN_HEADERS = {
    "강좌명": "lctreNm",
    "강사명": "instrctrNm",
    "교육시작일자": "edcStartDay",
    "교육종료일자": "edcEndDay",
    "교육시작시각": "edcStartTime",
    "교육종료시각": "edcColseTime",
    "강좌내용": "lctreCo",
    "교육대상구분": "edcTrgetType",
    "교육방법구분": "edcMthType",
    "운영요일": "operDay",
    "교육장소": "edcPlace",
    "강좌정원수": "psncpa",
    "수강료": "lctreCost",
    "교육장도로명주소": "edcRdnmadr",
    "운영기관명": "operInstitutionNm",
    "운영기관전화번호": "operPhoneNumber",
    "접수시작일자": "rceptStartDate",
    "접수종료일자": "rceptEndDate",
    "접수방법구분": "rceptMthType",
    "선정방법구분": "slctnMthType",
    "홈페이지주소": "homepageUrl",
    "직업능력개발훈련비지원강좌여부": "oadtCtLctreYn",
    "학점은행제평가(학점)인정여부": "pntBankAckestYn",
    "평생학습계좌제평가인정여부": "lrnAcnutAckestYn",
    "데이터기준일자": "referenceDate",
    "제공기관코드": "insttCode",
    "제공기관명": "insttNm",
}
FIELDS = tuple(dict.fromkeys(KOREAN_HEADERS.values()))
_ALIASES = {
    "edcclosetime": "edcColseTime",
    "edcendtime": "edcColseTime",
    "instt_code": "insttCode",
    "instt_nm": "insttNm",
    "insttcode": "insttCode",
}
REQUIRED = ("lctreNm",)  # without a title a file is not a course table

MAX_MEMBER_BYTES = 2 * 1024**3  # one file inside a .zip
MAX_JSON_BYTES = 128 * 1024**2  # JSON and XML are parsed whole: OpenAPI pages are small
_SNIFF = 64 * 1024

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long fields are reported, not fatal


class SourceError(ValueError):
    """The file cannot be read as course data; nothing from it is stored."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True, slots=True)
class Record:
    line: int  # CSV line where the row starts (header = 1) or 1-based item number
    fields: dict[str, str]
    raw: dict[str, str]
    problem: str = ""


@dataclass
class Source:
    """One readable unit: a file, or a member of a .zip."""

    name: str
    format: str = ""  # csv / json / xml
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)


def canonical_field(name: str) -> str | None:
    """A header or field name -> the OpenAPI name, or None when it is not a standard field."""
    plain = re.sub(r"\s+", "", name.replace("\ufeff", "")).strip("\"'")
    if plain in KOREAN_HEADERS:
        return KOREAN_HEADERS[plain]
    lowered = plain.lower()
    for known in FIELDS:
        if known.lower() == lowered:
            return known
    return _ALIASES.get(lowered)


# ----------------------------------------------------------------- format and encoding


def sniff_format(head: bytes, name: str) -> str:
    """`csv`, `json`, `xml` or `zip`; SourceError for binary and spreadsheet files."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(
            "an Excel 97-2003 (.xls) workbook: save it as CSV (UTF-8) and import that"
        )
    if head.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")):
        raise SourceError("a binary file (PDF, image or gzip), not course data")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        if b"\x00" in head:
            raise SourceError("a binary file (it contains NUL bytes), not CSV, JSON or XML")
        text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    stripped = text.lstrip()
    if not stripped:
        raise SourceError("the file is empty")
    if stripped[0] in "[{":
        return "json"
    if stripped[0] == "<":
        return "xml"
    suffix = PurePath(name).suffix.lower()
    if suffix in {".json", ".xml"}:
        raise SourceError(f"a {suffix} file that does not start like {suffix[1:].upper()}")
    return "csv"


def sniff_encoding(head: bytes) -> str:
    """`utf-8-sig`, `utf-16`, `utf-8` or `cp949`: the first that decodes the sample cleanly."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "cp949"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            decoder.decode(head, final=False)  # a character cut at the sample's end is fine
        except UnicodeDecodeError:
            continue
        return encoding
    raise SourceError("the text is neither UTF-8 nor CP949 (EUC-KR): re-save it as UTF-8")


# ----------------------------------------------------------------- CSV


def _unique_names(header: list[str]) -> list[str]:
    """`강좌명, 강좌명` -> `강좌명, 강좌명 (2)`: the original row keeps every cell."""
    seen: Counter[str] = Counter()
    names = []
    for name in header:
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _csv_records(stream: IO[str], source: Source) -> Iterator[Record]:
    reader = csv.reader(stream, strict=False)
    header: list[str] | None = None
    raw_names: list[str] = []
    columns: list[str | None] = []
    width = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise SourceError(
                    f"the header line cannot be read as CSV ({exc})", line=line
                ) from None
            yield Record(line, {}, {"line": f"(unreadable: {exc})"}, f"not a CSV row: {exc}")
            continue
        except UnicodeDecodeError as exc:
            raise SourceError(
                f"the text changes encoding part-way (near line {line}): {exc.reason}; "
                "re-save the whole file as UTF-8",
                line=line,
            ) from None
        if not row or all(not cell.strip() for cell in row):
            continue  # a blank line is not a row
        if header is None:
            header = [cell.strip() for cell in row]
            header[0] = header[0].removeprefix("\ufeff")
            columns = [canonical_field(cell) for cell in header]
            known = {c for c in columns if c}
            if not known:
                raise SourceError(
                    "no column of the national course standard was found "
                    f"(first headers: {', '.join(h[:20] for h in header[:5])}); "
                    "expected Korean headers such as 강좌명, 교육시작일자"
                )
            missing = [f for f in REQUIRED if f not in known]
            if missing:
                raise SourceError(
                    f"the required column 강좌명 (title) is missing; found {header[:8]}"
                )
            source.unknown_columns = [h for h, c in zip(header, columns, strict=True) if c is None]
            seen: set[str] = set()
            for name, column in zip(header, columns, strict=True):
                if column and column in seen:
                    source.warnings.append(f"column {name!r} appears twice; the first is used")
                if column:
                    seen.add(column)
            width = len(header)
            raw_names = _unique_names(header)
            continue
        raw = dict(zip(raw_names, row, strict=False))
        if len(row) != width:
            extra = row[width:]
            if len(row) > width:
                raw["(extra)"] = " | ".join(extra)
                problem = f"the row has {len(row)} fields but the header has {width}"
            else:
                problem = (
                    f"the row has {len(row)} fields but the header has {width} "
                    "(a cut-off or truncated line?)"
                )
            yield Record(line, {}, raw, problem)
            continue
        fields: dict[str, str] = {}
        for column, cell in zip(columns, row, strict=True):
            if column and column not in fields:
                fields[column] = cell
        yield Record(line, fields, raw)
    if header is None:
        raise SourceError("the file has no header line (it is empty)")


# ----------------------------------------------------------------- JSON and XML


_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def safe_text(text: str) -> str:
    """No NUL, no C0 control characters but tab and newlines, no lone surrogates: what a
    database column, a JSON document and a web page can all hold."""
    return _UNSAFE.sub("", text) if _UNSAFE.search(text) else text


def _item_fields(item: dict[str, Any]) -> tuple[dict[str, str], dict[str, str], str]:
    """Fields under their OpenAPI names, the item as read, and a problem if any."""
    fields: dict[str, str] = {}
    raw: dict[str, str] = {}
    nested: list[str] = []
    for key, value in item.items():
        name = safe_text(str(key))[:200]
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "Y" if value else "N"
        elif isinstance(value, str):
            text = safe_text(value)
        elif isinstance(value, int | float):
            text = str(value)
        else:  # an object or a list where the standard has one value
            text = safe_text(json.dumps(value, ensure_ascii=False))[:2000]
            nested.append(name)
        raw[name] = text
        column = canonical_field(name)
        if column and column not in fields:
            fields[column] = text
    problem = ""
    if nested:
        problem = f"fields hold a list or an object instead of one value: {', '.join(nested[:5])}"
    elif not fields:
        problem = "the item has no field of the course standard"
    return fields, raw, problem


def _items_from_envelope(document: Any) -> list[Any]:
    """The records of an OpenAPI response, a `{"items": ...}` body, or a plain list."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise SourceError("JSON that is neither a list of records nor an OpenAPI response")
    response = document.get("response", document)
    if not isinstance(response, dict):
        raise SourceError("`response` is not an object")
    header = response.get("header")
    if isinstance(header, dict):
        code = str(header.get("resultCode", "00")).strip()
        if code == "03":
            return []  # NODATA_ERROR: an empty page
        if code not in {"00", "0", ""}:
            message = str(header.get("resultMsg", ""))[:200]
            raise SourceError(f"the OpenAPI response reports an error: {code} {message}".strip())
    body = response.get("body", response)
    if not isinstance(body, dict):
        raise SourceError("`response.body` is not an object")
    if "items" not in body:
        if any(canonical_field(str(k)) for k in body):
            return [body]  # one record on its own
        raise SourceError("no `items` in the JSON: not an OpenAPI course response")
    items = body["items"]
    if items in (None, "", {}):
        return []
    if isinstance(items, dict):
        items = items.get("item", items) if "item" in items else [items]
        if items in (None, ""):
            return []
    if isinstance(items, dict):
        return [items]
    if not isinstance(items, list):
        raise SourceError("`items` is neither a list nor an object")
    return items


def _json_records(text: str, source: Source) -> Iterator[Record]:
    try:
        document = json.loads(text)
    except RecursionError:
        raise SourceError("JSON nested too deeply to be course data") from None
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines[:5]):
            yield from _json_lines_records(lines, source)
            return
        raise SourceError(
            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", line=exc.lineno
        ) from None
    except ValueError as exc:  # e.g. a number with thousands of digits
        raise SourceError(f"not usable JSON: {str(exc)[:200]}") from None
    for number, item in enumerate(_items_from_envelope(document), start=1):
        if not isinstance(item, dict):
            yield Record(number, {}, {"item": str(item)[:500]}, "the item is not an object")
            continue
        fields, raw, problem = _item_fields(item)
        yield Record(number, fields if not problem else {}, raw, problem)


def _json_lines_records(lines: list[str], source: Source) -> Iterator[Record]:
    source.format = "jsonl"
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, {}, {"line": safe_text(line[:2000])}, f"not valid JSON: {exc.msg}")
            continue
        except (ValueError, RecursionError) as exc:
            yield Record(number, {}, {"line": safe_text(line[:2000])}, f"not usable JSON: {exc}")
            continue
        if not isinstance(item, dict):
            yield Record(number, {}, {"line": line[:2000]}, "the line is not a JSON object")
            continue
        fields, raw, problem = _item_fields(item)
        yield Record(number, fields if not problem else {}, raw, problem)


_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _xml_records(text: str, source: Source) -> Iterator[Record]:
    if _DTD.search(text[:_SNIFF]) or "<!ENTITY" in text:
        raise SourceError("XML with a DOCTYPE or ENTITY declaration is refused (entity expansion)")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DTD reaches the parser (checked above)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise SourceError(f"not well-formed XML: {exc}", line=line) from None
    code = root.findtext("./header/resultCode") or root.findtext(".//resultCode")
    if code is not None and code.strip() == "03":
        return
    if code is not None and code.strip() not in {"00", "0", ""}:
        message = (root.findtext(".//resultMsg") or "").strip()[:200]
        raise SourceError(f"the OpenAPI response reports an error: {code.strip()} {message}")
    items = root.findall(".//items/item")
    if not items:
        items = [root] if root.tag == "item" else root.findall(".//item")
    if not items and not root.findall(".//items"):
        raise SourceError("no <items> in the XML: not an OpenAPI course response")
    for number, element in enumerate(items, start=1):
        item = {child.tag: (child.text or "") for child in element}
        fields, raw, problem = _item_fields(item)
        yield Record(number, fields if not problem else {}, raw, problem)


# ----------------------------------------------------------------- files and archives


def _text(data: bytes, source: Source) -> str:
    source.encoding = sniff_encoding(data[:_SNIFF])
    try:
        return data.decode(source.encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"the text is not {source.encoding} throughout (byte {exc.start}): re-save as UTF-8"
        ) from None


def records(stream: IO[bytes], source: Source) -> Iterator[Record]:
    """Records of one file (not an archive); the stream must be seekable or fresh."""
    head = stream.read(_SNIFF)
    source.format = sniff_format(head, source.name)
    if source.format == "zip":
        raise SourceError("a .zip inside a .zip is not read; unpack the outer archive")
    if source.format == "csv":
        source.encoding = sniff_encoding(head)
        rest = io.BufferedReader(_Prefixed(head, stream))
        lines = io.TextIOWrapper(rest, encoding=source.encoding, newline="")
        yield from _csv_records(lines, source)
        return
    data = head + stream.read(MAX_JSON_BYTES + 1 - len(head))
    if len(data) > MAX_JSON_BYTES:
        raise SourceError(
            f"{source.format.upper()} over {MAX_JSON_BYTES // 1024**2} MB is not read whole; "
            "split it into pages"
        )
    text = _text(data, source)
    if source.format == "json":
        yield from _json_records(text, source)
    else:
        yield from _xml_records(text, source)


class _Prefixed(io.RawIOBase):
    """A stream that replays the sniffed head before the rest of the underlying stream."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


KNOWN_SUFFIXES = frozenset({".csv", ".json", ".jsonl", ".xml", ".txt", ".zip"})


def zip_members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    """Members worth reading: no folders, no macOS resource forks, no hidden files."""
    for info in archive.infolist():
        name = PurePath(info.filename)
        if info.is_dir() or "__MACOSX" in name.parts or name.name.startswith("."):
            continue
        if name.suffix.lower() not in KNOWN_SUFFIXES:
            continue  # a README or a picture beside the data, as in a folder
        if info.file_size > MAX_MEMBER_BYTES:
            raise SourceError(f"{info.filename} unpacks to {info.file_size:,} bytes: too large")
        if info.compress_size and info.file_size / info.compress_size > 1000:
            raise SourceError(f"{info.filename} unpacks 1000 times larger: refused (zip bomb?)")
        yield info


def member_name(info: zipfile.ZipInfo) -> str:
    """Member names in Korean archives are often CP949 without the UTF-8 flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("cp949")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename
