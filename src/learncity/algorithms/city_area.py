"""The area a deployment serves: which administrative areas an operator meant, and what lies
inside them. Pure: frozen dataclasses in, results out (no Django).

An operator names the city by 10-digit codes (or their 2- and 5-digit heads: `11` for
서울특별시, `11680` for 강남구) or by names: a full name (`서울특별시 강남구`), a name
(`강남구`), a name after short province words (`서울 강남구`, `경기 수원시 장안구`) or a name
without its level word (`강남` for 강남구, `부산` for 부산광역시). Only 시·도 and 시·군·구 may
be a city's area; a name that fits several areas (`중구`) is refused with the candidates, so
that the operator picks one by its full name or code.

A city is a set of such areas (a consortium: 부산광역시 and its districts, or three
neighbouring districts); what is inside is everything below any of them. Denominators count
each resident once: a 시 with 구 (수원시) counts through its 구, and an area inside another
chosen area adds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PROVINCE = "province"
DISTRICT = "district"
NEIGHBOURHOOD = "neighbourhood"
CITY_LEVELS = (PROVINCE, DISTRICT)
CITY_WITH_WARDS = "city_with_wards"

# the level words a name may be written without: 강남 -> 강남구, 부산 -> 부산광역시
_LEVEL_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "시", "도", "구", "군")
_CODE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class Area:
    code: str
    level: str  # province | district | neighbourhood
    name: str
    full_name: str
    parent_code: str | None = None
    kind: str = "plain"


@dataclass(frozen=True)
class AreaQueryError(ValueError):
    """Why a query names no single 시·도 or 시·군·구.

    reason: "empty" | "unknown" | "ambiguous" | "level" (a 읍·면·동 was named) | "bad_code".
    """

    query: str
    reason: str
    candidates: tuple[Area, ...] = field(default=())

    def __str__(self) -> str:
        listed = ", ".join(f"{a.full_name} ({a.code})" for a in self.candidates)
        return f"{self.reason}: {self.query!r}" + (f" [{listed}]" if listed else "")


def normalise(text: str) -> str:
    """NFC, one space between words, no spaces at the ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def expand_code(text: str) -> str | None:
    """`11` -> `1100000000`, `11680` -> `1168000000`, 10 digits as they are; else None."""
    if not _CODE.match(text):
        return None
    if len(text) == 2:
        return text + "0" * 8
    if len(text) == 5:
        return text + "0" * 5
    if len(text) == 10:
        return text
    return None


def _stem(name: str) -> str:
    for suffix in _LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _numberless(name: str) -> str:
    """일원1동, 일원본동 -> 일원동: the name people say for a numbered 읍·면·동."""
    return re.sub(r"(제?\d+|본)(?=[동읍면가]$)", "", name)


def resolve(query: str, areas: Sequence[Area]) -> Area:
    """The one 시·도 or 시·군·구 the query names, or AreaQueryError saying why not."""
    text = normalise(query)
    if not text:
        raise AreaQueryError(query, "empty")
    if _CODE.match(text):
        code = expand_code(text)
        if code is None:
            raise AreaQueryError(query, "bad_code")
        for area in areas:
            if area.code == code:
                if area.level not in CITY_LEVELS:
                    raise AreaQueryError(query, "level", (area,))
                return area
        raise AreaQueryError(query, "unknown")

    eligible = [a for a in areas if a.level in CITY_LEVELS]
    words = text.split(" ")

    def by_words(candidates: Iterable[Area]) -> list[Area]:
        found = []
        for area in candidates:
            full = normalise(area.full_name).split(" ")
            if words[-1] not in (area.name, _stem(area.name)) or len(words) > len(full):
                continue
            if all(any(part.startswith(word) for part in full[:-1]) for word in words[:-1]):
                found.append(area)
        return found

    def by_full_name() -> list[Area]:
        return [a for a in eligible if normalise(a.full_name) == text]

    def by_name() -> list[Area]:
        return [a for a in eligible if a.name == text]

    def by_short_words() -> list[Area]:
        return by_words(eligible) if len(words) > 1 else []

    def by_stem() -> list[Area]:
        return [a for a in eligible if len(text) >= 2 and _stem(a.name) == text]

    rules = (by_full_name, by_name, by_short_words, by_stem)
    for rule in rules:
        found = rule()
        if len(found) == 1:
            return found[0]
        if found:
            raise AreaQueryError(query, "ambiguous", tuple(sorted(found, key=lambda a: a.code)))
    below = [
        a
        for a in areas
        if a.level == NEIGHBOURHOOD
        and text in (a.name, _numberless(a.name), normalise(a.full_name))
    ]
    if below:
        raise AreaQueryError(query, "level", tuple(sorted(below, key=lambda a: a.code))[:10])
    raise AreaQueryError(query, "unknown")


def _ancestors(code: str, parents: dict[str, str | None]) -> list[str]:
    chain = []
    seen = {code}
    parent = parents.get(code)
    while parent and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        parent = parents.get(parent)
    return chain


def cover(chosen: Iterable[Area], areas: Sequence[Area]) -> tuple[Area, ...]:
    """The chosen areas without those inside another chosen one, once each, by code."""
    parents = {a.code: a.parent_code for a in areas}
    unique = {a.code: a for a in chosen}
    return tuple(
        sorted(
            (
                a
                for code, a in unique.items()
                if not any(up in unique for up in _ancestors(code, parents))
            ),
            key=lambda a: a.code,
        )
    )


@dataclass(frozen=True)
class Inside:
    """What lies in a city's area, by level (the chosen areas themselves included)."""

    codes: frozenset[str]  # every area inside, of any level
    provinces: frozenset[str]
    districts: frozenset[str]  # every 시·군·구 inside: 시 with 구 and their 구 too
    counted_districts: frozenset[str]  # the 시·군·구 that count residents once (no 시 with 구)
    neighbourhoods: frozenset[str]


def inside(chosen: Iterable[str], areas: Sequence[Area]) -> Inside:
    """Every area below (or equal to) one of the chosen codes."""
    wanted = set(chosen)
    parents = {a.code: a.parent_code for a in areas}
    within = [a for a in areas if a.code in wanted or wanted & set(_ancestors(a.code, parents))]
    codes = frozenset(a.code for a in within)
    districts = [a for a in within if a.level == DISTRICT]
    with_wards = {a.parent_code for a in districts if a.parent_code in codes}
    return Inside(
        codes=codes,
        provinces=frozenset(a.code for a in within if a.level == PROVINCE),
        districts=frozenset(a.code for a in districts),
        counted_districts=frozenset(
            a.code for a in districts if not (a.kind == CITY_WITH_WARDS and a.code in with_wards)
        ),
        neighbourhoods=frozenset(a.code for a in within if a.level == NEIGHBOURHOOD),
    )


def default_name(chosen: Sequence[Area]) -> str:
    """`서울특별시 강남구` for one area; for several, the first's full name and the others'
    names after a middle dot (`부산광역시 해운대구·수영구`)."""
    if not chosen:
        return ""
    first, *rest = chosen
    if not rest:
        return first.full_name
    return first.full_name + "·" + "·".join(a.name for a in rest)


# ------------------------------------------------------------------ colours


_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(text: str) -> str | None:
    """`#1a5` / `1A55FF` / `#1a55ff` -> `#1a55ff`; None when it is not a hex colour."""
    match = _HEX.match(text.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours, 1.0 to 21.0."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)
