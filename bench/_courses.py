"""The bench course file: the 322 real rows of ../shared/data/courses/gangnam-2026-04.csv
resampled with a fixed seed to any number of rows. Each title gets a cohort suffix
(`(123기)`) so that every row is a distinct course. With `spread=True` each row is moved to
one of Seoul's 25 districts (the district in its road address and institution name is
replaced), so that district filters and "near" select part of a city-sized catalog instead
of all of it.
"""

from __future__ import annotations

import csv
import os
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("LEARNCITY_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
SEED = 20_261_123
SOURCE_DISTRICT = "강남구"
SEOUL_DISTRICTS = [
    "종로구",
    "중구",
    "용산구",
    "성동구",
    "광진구",
    "동대문구",
    "중랑구",
    "성북구",
    "강북구",
    "도봉구",
    "노원구",
    "은평구",
    "서대문구",
    "마포구",
    "양천구",
    "강서구",
    "구로구",
    "금천구",
    "영등포구",
    "동작구",
    "관악구",
    "서초구",
    "강남구",
    "송파구",
    "강동구",
]


def real_rows() -> tuple[list[str], list[list[str]]]:
    with (SHARED / "courses" / "gangnam-2026-04.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def build_file(path: Path, rows: int, *, spread: bool = False) -> None:
    header, body = real_rows()
    address = header.index("교육장도로명주소")
    institution = header.index("운영기관명")
    chooser = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number in range(1, rows + 1):
            row = list(body[chooser.randrange(len(body))])
            row[0] = f"{row[0]} ({number}기)"
            if spread:
                district = SEOUL_DISTRICTS[chooser.randrange(len(SEOUL_DISTRICTS))]
                for column in (address, institution):
                    row[column] = row[column].replace(SOURCE_DISTRICT, district)
            writer.writerow(row)
