"""The MOIS population export parser: exact figures on a hand-made file and on the real one."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.korean_regions import Level
from learncity.algorithms.population_file import (
    OLDEST_AGE,
    PopulationFileError,
    RegionKind,
    parse,
)

PERIOD = "2025년05월"
HEADER = [
    "행정구역",
    f"{PERIOD}_계_총인구수",
    f"{PERIOD}_계_연령구간인구수",
    *[f"{PERIOD}_계_{age}세" for age in range(OLDEST_AGE)],
    f"{PERIOD}_계_100세 이상",
]


def _ages(total: int) -> list[int]:
    ages = [0] * (OLDEST_AGE + 1)
    ages[30] = total - total // 3
    ages[70] = total // 3
    return ages


def _csv(rows: list[tuple[str, int]], *, encoding: str = "cp949") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADER)
    for name, total in rows:
        writer.writerow([name, f"{total:,}", f"{total:,}", *[f"{n:,}" for n in _ages(total)]])
    return out.getvalue().encode(encoding)


SMALL = [
    ("서울특별시  (1100000000)", 3_000),
    ("서울특별시 종로구 (1111000000)", 3_000),
    ("서울특별시 종로구 사직동(1111053000)", 1_200),
    ("서울특별시 종로구 창신제1동(1111061500)", 1_800),
    ("경기도  (4100000000)", 5_000),
    ("경기도 수원시 (4111000000)", 5_000),
    ("경기도 수원시 장안구 (4111100000)", 5_000),
    ("경기도 수원시 장안구 파장동(4111152000)", 5_000),
    ("경기도 송탄출장소 (4122200000)", 0),
]


def test_small_file_counts_hierarchy_and_kinds() -> None:
    parsed = parse(_csv(SMALL))
    assert parsed.period == "2025-05"
    assert parsed.counts == {"rows": 9, "provinces": 2, "districts": 4, "neighbourhoods": 3}
    assert parsed.national_total == 8_000
    by_code = {row.code: row for row in parsed.rows}
    assert by_code["1111053000"].parent_code == "1111000000"
    assert by_code["1111053000"].level is Level.NEIGHBOURHOOD
    assert by_code["1111053000"].ages[30] == 800 and by_code["1111053000"].ages[70] == 400
    assert by_code["4111000000"].kind == RegionKind.CITY_WITH_WARDS
    assert by_code["4111100000"].kind == RegionKind.WARD
    assert by_code["4111100000"].parent_code == "4111000000"
    assert by_code["4111152000"].parent_code == "4111100000"
    assert by_code["4122200000"].kind == RegionKind.BRANCH_OFFICE
    assert by_code["4122200000"].parent_code == "4100000000"
    assert by_code["1100000000"].full_name == "서울특별시"
    assert by_code["1111061500"].name == "창신제1동"


def test_utf8_with_bom_is_accepted() -> None:
    assert parse(b"\xef\xbb\xbf" + _csv(SMALL, encoding="utf-8")).counts["rows"] == 9


@pytest.mark.parametrize(
    ("data", "line", "column", "message"),
    [
        (_csv(SMALL).decode("cp949").encode("utf-16"), 1, None, "NUL bytes"),
        (b"\xff\xfe\xfa garbage \x80\x81", 1, None, "neither CP949 nor UTF-8"),
        (
            _csv(SMALL).replace(f'"{PERIOD}_계_57세",'.encode("cp949"), b""),
            1,
            f"{PERIOD}_계_57세",
            "missing column for age 57",
        ),
        (_csv(SMALL).replace(b'"3,000"', b'"3,0x0"', 1), 2, f"{PERIOD}_계_총인구수", "not a whole"),
        (
            _csv([*SMALL, ("서울특별시 종로구 사직동(1111053000)", 10)]),
            11,
            "행정구역",
            "code 1111053000 appears twice (first on line 4)",
        ),
        (
            _csv(SMALL).replace(b'"1,200","1,200"', b'"1,201","1,200"'),
            4,
            f"{PERIOD}_계_총인구수",
            "differs from the sum of ages",
        ),
        (_csv([("종로구 사직동", 10)]), 2, "행정구역", "10-digit code in parentheses"),
    ],
    ids=["utf16", "binary", "missing-column", "non-numeric", "duplicate-code", "sum", "no-code"],
)
def test_bad_files_name_line_and_column(
    data: bytes, line: int, column: str | None, message: str
) -> None:
    with pytest.raises(PopulationFileError) as caught:
        parse(data)
    assert message in caught.value.reason
    assert caught.value.line == line
    assert caught.value.column == column


def test_age_band_export_is_refused_with_advice() -> None:
    header = ",".join(['"행정구역"', f'"{PERIOD}_계_총인구수"', f'"{PERIOD}_계_0~9세"'])
    with pytest.raises(PopulationFileError, match="single years of age"):
        parse(header.encode("cp949") + b"\r\n")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=101, max_size=101))
def test_any_age_vector_round_trips(ages: list[int]) -> None:
    total = sum(ages)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(HEADER)
    writer.writerow(
        ["세종특별자치시  (3600000000)", f"{total:,}", f"{total:,}", *[f"{a:,}" for a in ages]]
    )
    parsed = parse(out.getvalue().encode("cp949"))
    assert parsed.rows[0].ages == tuple(ages)
    assert parsed.national_total == total


@pytest.mark.shared_data
def test_real_file_counts(shared_data: Path) -> None:
    parsed = parse((shared_data / "population" / "mois-age-by-dong-2025-05.csv").read_bytes())
    assert parsed.period == "2025-05"
    assert parsed.counts == {
        "rows": 3910,
        "provinces": 17,
        "districts": 277,
        "neighbourhoods": 3616,
    }
    assert parsed.national_total == 51_169_148
    assert parsed.national_total == sum(r.total for r in parsed.rows if r.level is Level.PROVINCE)
    # each province equals the sum of its neighbourhoods (no row counted twice or lost)
    for province in (r for r in parsed.rows if r.level is Level.PROVINCE):
        assert province.total == sum(
            r.total
            for r in parsed.rows
            if r.level is Level.NEIGHBOURHOOD and r.code[:2] == province.code[:2]
        )
    kinds = {r.code: r.kind for r in parsed.rows}
    assert sum(1 for k in kinds.values() if k == RegionKind.CITY_WITH_WARDS) == 12
    assert kinds["4374500000"] == RegionKind.PLAIN  # 증평군 is no ward of 영동군
    assert sum(1 for r in parsed.rows if r.total == 0) == 15


def test_absurd_head_count_is_refused_with_line_and_column() -> None:
    data = _csv(SMALL).replace(b'"1,200","1,200"', b'"3,000,001,200","3,000,001,200"')
    with pytest.raises(PopulationFileError) as caught:
        parse(data)
    assert caught.value.line == 4
    assert caught.value.column == f"{PERIOD}_계_총인구수"
    assert "not a believable head count" in caught.value.reason


def test_overlong_area_name_is_refused() -> None:
    with pytest.raises(PopulationFileError, match="area name longer") as caught:
        parse(_csv([(f"서울특별시 종로구 {'가' * 250}(1111051500)", 10)]))
    assert caught.value.column == "행정구역"


def test_short_row_names_the_first_missing_column() -> None:
    data = _csv(SMALL).replace(b',"0"\r\n', b"\r\n", 1)
    with pytest.raises(PopulationFileError, match="cells where the header has") as caught:
        parse(data)
    assert caught.value.column == f"{PERIOD}_계_100세 이상"
