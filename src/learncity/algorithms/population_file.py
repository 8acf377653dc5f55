"""Read the Ministry of the Interior's "age by area" population export (연령별 인구현황).

As published: CP949 (UTF-8 accepted too), every number quoted with thousands separators,
the area name ending with its 10-digit administrative code in parentheses, one column per
single year of age from 0 to "100세 이상". The whole file is validated before anything is
returned; the first problem raises `PopulationFileError` naming the line and the column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from learncity.algorithms.korean_regions import (
    Level,
    district_code_of,
    is_branch_office,
    level_of_code,
    province_code_of,
)

AREA_COLUMN = "행정구역"
OLDEST_AGE = 100  # the last column is "100세 이상" (100 and older)
MAX_COUNT = 2_147_483_647  # larger than any population, and the database column's limit
MAX_NAME = 100
MAX_FULL_NAME = 200

_HEADER = re.compile(r"^(?P<year>\d{4})년\s*(?P<month>\d{1,2})월_계_(?P<what>.+)$")
_AGE = re.compile(r"^(?P<age>\d+)세(?P<plus>\s*이상)?$")
_AREA = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\d{10})\)\s*$")
_NUMBER = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")


class PopulationFileError(ValueError):
    def __init__(self, reason: str, *, line: int | None = None, column: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


class RegionKind:
    PLAIN = "plain"
    CITY_WITH_WARDS = "city_with_wards"  # 시 whose population is the sum of its 구 rows
    WARD = "ward"  # 구 of a 시 (일반구)
    BRANCH_OFFICE = "branch_office"  # 출장소: an office, population usually 0


@dataclass(frozen=True)
class PopulationRow:
    line: int
    code: str
    full_name: str
    name: str
    level: Level
    total: int
    ages: tuple[int, ...]  # index = age, last = OLDEST_AGE and older
    parent_code: str | None = None
    kind: str = RegionKind.PLAIN


@dataclass(frozen=True)
class PopulationFile:
    period: str  # "YYYY-MM"
    rows: tuple[PopulationRow, ...]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def national_total(self) -> int:
        return sum(row.total for row in self.rows if row.level is Level.PROVINCE)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else CP949; anything else is refused."""
    if b"\x00" in data[:4096]:
        raise PopulationFileError(
            "the file contains NUL bytes (UTF-16 or binary?); save it as CP949 or UTF-8 CSV",
            line=1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PopulationFileError(
            f"neither CP949 nor UTF-8: undecodable byte 0x{data[exc.start]:02x}",
            line=line,
        ) from exc


def _parse_header(header: list[str]) -> tuple[str, int, dict[int, int]]:
    """Return (period, index of the total column, {age: column index})."""
    if not header or header[0].strip().lstrip("\ufeff") != AREA_COLUMN:
        found = header[0] if header else ""
        raise PopulationFileError(
            f"the first column must be {AREA_COLUMN!r}, found {found!r} "
            "(wrong encoding or not a population export?)",
            line=1,
            column=found or None,
        )
    period: str | None = None
    total_index: int | None = None
    ages: dict[int, int] = {}
    for index, raw in enumerate(header[1:], start=1):
        match = _HEADER.match(raw.strip())
        if not match:
            continue  # male/female columns (_남_ / _여_) and others are not needed
        this_period = f"{int(match.group('year')):04d}-{int(match.group('month')):02d}"
        if period is None:
            period = this_period
        elif this_period != period:
            raise PopulationFileError(
                f"columns of two periods ({period} and {this_period})",
                line=1,
                column=raw,
            )
        what = match.group("what").strip()
        if what == "총인구수":
            total_index = index
            continue
        age = _AGE.match(what)
        if age:
            value = int(age.group("age"))
            if value in ages:
                raise PopulationFileError(f"age {value} appears twice", line=1, column=raw)
            ages[value] = index
        elif "~" in what:
            raise PopulationFileError(
                "this export has age bands; export single years of age (1세 단위)",
                line=1,
                column=raw,
            )
    if period is None or total_index is None:
        raise PopulationFileError(
            "missing column 'YYYY년MM월_계_총인구수' (total population)", line=1
        )
    missing = [age for age in range(OLDEST_AGE + 1) if age not in ages]
    if missing:
        label = f"{period[:4]}년{period[5:]}월_계_{missing[0]}세" + (
            " 이상" if missing[0] == OLDEST_AGE else ""
        )
        raise PopulationFileError(
            f"missing column for age {missing[0]}"
            + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""),
            line=1,
            column=label,
        )
    return period, total_index, ages


def _number(cell: str, *, line: int, column: str) -> int:
    text = cell.strip()
    if not _NUMBER.match(text):
        raise PopulationFileError(f"not a whole number: {cell[:40]!r}", line=line, column=column)
    value = int(text.replace(",", ""))
    if value > MAX_COUNT:
        raise PopulationFileError(
            f"{value:,} is not a believable head count", line=line, column=column
        )
    return value


def parse(data: bytes) -> PopulationFile:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PopulationFileError("the file is empty", line=1) from None
    except csv.Error as exc:
        raise PopulationFileError(f"not a CSV file: {exc}", line=1) from None
    period, total_index, age_index = _parse_header(header)
    rows: list[PopulationRow] = []
    seen: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                where = header[len(cells)] if len(cells) < len(header) else f"cell {len(cells)}"
                raise PopulationFileError(
                    f"{len(cells)} cells where the header has {len(header)}",
                    line=line,
                    column=where,
                )
            area = _AREA.match(cells[0].strip())
            if not area:
                raise PopulationFileError(
                    f"area {cells[0]!r} does not end with a 10-digit code in parentheses",
                    line=line,
                    column=AREA_COLUMN,
                )
            code = area.group("code")
            if code in seen:
                raise PopulationFileError(
                    f"code {code} appears twice (first on line {seen[code]})",
                    line=line,
                    column=AREA_COLUMN,
                )
            seen[code] = line
            full_name = " ".join(area.group("name").split())
            if len(full_name) > MAX_FULL_NAME or len(full_name.split(" ")[-1]) > MAX_NAME:
                raise PopulationFileError(
                    f"area name longer than {MAX_FULL_NAME} characters (or {MAX_NAME} for "
                    "its last part)",
                    line=line,
                    column=AREA_COLUMN,
                )
            total = _number(cells[total_index], line=line, column=header[total_index])
            ages = tuple(
                _number(cells[age_index[age]], line=line, column=header[age_index[age]])
                for age in range(OLDEST_AGE + 1)
            )
            if sum(ages) != total:
                raise PopulationFileError(
                    f"total {total:,} differs from the sum of ages {sum(ages):,}",
                    line=line,
                    column=header[total_index],
                )
            rows.append(
                PopulationRow(
                    line=line,
                    code=code,
                    full_name=full_name,
                    name=full_name.split(" ")[-1] if full_name else code,
                    level=level_of_code(code),
                    total=total,
                    ages=ages,
                )
            )
    except csv.Error as exc:
        raise PopulationFileError(f"broken CSV: {exc}", line=reader.line_num) from None
    if not rows:
        raise PopulationFileError("the file has a header but no data rows", line=2)
    linked = link_hierarchy(rows)
    counts = {
        "rows": len(linked),
        "provinces": sum(1 for r in linked if r.level is Level.PROVINCE),
        "districts": sum(1 for r in linked if r.level is Level.DISTRICT),
        "neighbourhoods": sum(1 for r in linked if r.level is Level.NEIGHBOURHOOD),
    }
    return PopulationFile(period=period, rows=tuple(linked), counts=counts)


def link_hierarchy(
    rows: list[PopulationRow], known_codes: frozenset[str] = frozenset()
) -> list[PopulationRow]:
    """Give each row its parent code and kind.

    A neighbourhood belongs to the district with its first five digits. A 시 with 구
    (수원시) is a district row whose 구 rows carry its name as a prefix (경기도 수원시 장안구)
    and that has no neighbourhoods of its own; its 구 are wards with the 시 as parent.
    Parents missing from the file fall back to `known_codes` (already loaded), then to the
    province, then to none.
    """
    by_code = {row.code: row for row in rows}
    codes = set(by_code) | set(known_codes)
    districts = [row for row in rows if row.level is Level.DISTRICT]
    has_neighbourhoods = {row.code[:5] for row in rows if row.level is Level.NEIGHBOURHOOD}
    by_full_name = {row.full_name: row for row in districts}
    ward_parent: dict[str, str] = {}
    for row in districts:
        parts = row.full_name.split(" ")
        if len(parts) >= 3 and not is_branch_office(row.name):
            city = by_full_name.get(" ".join(parts[:-1]))
            if city is not None and city.code[:5] not in has_neighbourhoods:
                ward_parent[row.code] = city.code
    cities = set(ward_parent.values())

    linked: list[PopulationRow] = []
    for row in rows:
        parent: str | None
        if row.level is Level.PROVINCE:
            parent, kind = None, RegionKind.PLAIN
        elif row.level is Level.DISTRICT:
            parent = ward_parent.get(row.code) or province_code_of(row.code)
            if row.code in ward_parent:
                kind = RegionKind.WARD
            elif row.code in cities:
                kind = RegionKind.CITY_WITH_WARDS
            elif is_branch_office(row.name):
                kind = RegionKind.BRANCH_OFFICE
            else:
                kind = RegionKind.PLAIN
        else:
            parent = district_code_of(row.code)
            kind = RegionKind.BRANCH_OFFICE if is_branch_office(row.name) else RegionKind.PLAIN
            if parent not in codes:
                parent = province_code_of(row.code)
        if parent is not None and parent not in codes:
            parent = None
        linked.append(
            PopulationRow(
                line=row.line,
                code=row.code,
                full_name=row.full_name,
                name=row.name,
                level=row.level,
                total=row.total,
                ages=row.ages,
                parent_code=parent,
                kind=kind,
            )
        )
    return linked
