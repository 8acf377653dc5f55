"""Facts about Korea's administrative areas that the algorithms need.

Codes: the Ministry of the Interior's 10-digit administrative codes (행정기관코드,
`SSGGGDDDRR`: 시·도, 시·군·구, 읍·면·동, 리) and Statistics Korea's census codes
(2 / 5 / 7 digits) are different code systems. Province names changed since 2018
(강원도 → 강원특별자치도 in 2023, 전라북도 → 전북특별자치도 in 2024).
"""

from __future__ import annotations

import re
from enum import StrEnum


class Level(StrEnum):
    PROVINCE = "province"  # 시·도
    DISTRICT = "district"  # 시·군·구
    NEIGHBOURHOOD = "neighbourhood"  # 읍·면·동


LEVEL_KOREAN = {
    Level.PROVINCE: "시·도",
    Level.DISTRICT: "시·군·구",
    Level.NEIGHBOURHOOD: "읍·면·동",
}


def level_of_code(code: str) -> Level:
    """Level of a 10-digit administrative code."""
    if code[2:] == "00000000":
        return Level.PROVINCE
    if code[5:] == "00000":
        return Level.DISTRICT
    return Level.NEIGHBOURHOOD


def province_code_of(code: str) -> str:
    return code[:2] + "0" * 8


def district_code_of(code: str) -> str:
    return code[:5] + "0" * 5


# Province names as they stood in 2018 (Statistics Korea's boundaries) -> name today.
PROVINCE_RENAMES = {
    "강원도": "강원특별자치도",
    "전라북도": "전북특별자치도",
}

# Statistics Korea's 2-digit province codes (census code system, 2018).
KOSTAT_PROVINCES = {
    "11": "서울특별시",
    "21": "부산광역시",
    "22": "대구광역시",
    "23": "인천광역시",
    "24": "광주광역시",
    "25": "대전광역시",
    "26": "울산광역시",
    "29": "세종특별자치시",
    "31": "경기도",
    "32": "강원도",
    "33": "충청북도",
    "34": "충청남도",
    "35": "전라북도",
    "36": "전라남도",
    "37": "경상북도",
    "38": "경상남도",
    "39": "제주특별자치도",
}

_DOTS = re.compile(r"[\s·ㆍ‧・.,]")
_ORDINAL = re.compile(r"제(?=\d)")


def normalise_name(name: str) -> str:
    """Compare-form of an area name: no spaces, no middle dots.

    종로1·2·3·4가동 = 종로1.2.3.4가동.
    """
    return _DOTS.sub("", name).strip()


def name_keys(name: str) -> tuple[str, ...]:
    """Every compare-form of a name, most literal first.

    The Ministry of the Interior writes an ordinal 제 before a number (창신제1동) where
    Statistics Korea does not (창신1동); 홍제1동 must still not become 홍1동 on its own, so
    the form without 제 is a second key, not a replacement.
    """
    plain = normalise_name(name)
    without = _ORDINAL.sub("", plain)
    return (plain,) if without == plain else (plain, without)


def stem(name: str) -> str:
    """`옥포면` -> `옥포`: the name without its level suffix (읍, 면, 동, 가)."""
    plain = _ORDINAL.sub("", normalise_name(name))
    return plain[:-1] if len(plain) > 1 and plain[-1] in "읍면동가" else plain


def current_province_name(name: str) -> str:
    return PROVINCE_RENAMES.get(name, name)


_NUMBERED = re.compile(r"^(?P<base>.+?)제?\d+(?P<suffix>[동가])$")


def unnumbered(name: str) -> str | None:
    """`배곧1동` -> `배곧동`, `신당제5동` -> `신당동`; None when the name carries no number."""
    match = _NUMBERED.match(_ORDINAL.sub("", normalise_name(name)))
    if not match:
        return None
    return match.group("base") + ("동" if match.group("suffix") == "동" else "가")


def is_branch_office(name: str) -> bool:
    return "출장소" in name
