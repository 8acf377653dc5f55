"""Road addresses -> 시·도, 시·군·구 and (when the address names one) 읍·면·동.

A Korean road address starts with its province and district (`서울특별시 강남구 영동대로 57길 7`,
`경기도 수원시 장안구 ...`, `세종특별자치시 한누리대로 2130`); a neighbourhood appears only in
the optional reference part `(역삼동)` or in a lot-number address (`... 양평읍 ...`). Provinces
are also written short (서울, 경기, 충북) or under their former names (강원도, 전라북도).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from learncity.algorithms.korean_regions import normalise_name, unnumbered


@dataclass(frozen=True, slots=True)
class Area:
    code: str
    level: str  # province / district / neighbourhood
    name: str
    full_name: str
    parent_code: str | None
    kind: str = "plain"  # plain / city_with_wards / ward / branch_office


@dataclass(frozen=True, slots=True)
class Resolution:
    province: str | None = None
    district: str | None = None
    neighbourhood: str | None = None
    note: str = ""  # why something did not resolve


_SUFFIXES = ("특별자치시", "특별자치도", "특별시", "광역시", "도")


def province_aliases(name: str) -> set[str]:
    """`충청북도` -> {충청북도, 충북}; `서울특별시` -> {서울특별시, 서울, 서울시}."""
    aliases = {name}
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            short = name[: -len(suffix)]
            aliases |= {short, short + "시" if suffix != "도" else short + "도"}
            if suffix == "도" and len(short) == 3:  # 충청북 -> 충북, 경상남 -> 경남
                aliases.add(short[0] + short[2])
            break
    if name == "강원특별자치도":
        aliases |= {"강원도", "강원"}
    if name == "전북특별자치도":
        aliases |= {"전라북도", "전북"}
    if name == "제주특별자치도":
        aliases |= {"제주도", "제주"}
    return aliases


_TOKEN = re.compile(r"[\s,]+")
_PARENS = re.compile(r"\(([^)]*)\)")


class AddressIndex:
    def __init__(self, areas: list[Area]) -> None:
        self.provinces: dict[str, str] = {}
        self.districts: dict[str, dict[str, str]] = defaultdict(dict)  # province -> name -> code
        self.anywhere: dict[str, set[str]] = defaultdict(set)  # district name -> codes
        self.neighbourhoods: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.children: dict[str, int] = defaultdict(int)
        by_code = {area.code: area for area in areas}
        for area in areas:
            if area.level == "province":
                for alias in province_aliases(area.name):
                    self.provinces[alias] = area.code
        for area in areas:
            if area.level != "district" or area.kind == "branch_office":
                continue
            province = self._province_of(area, by_code)
            if province is None:
                continue
            self.children[province] += 1
            province_name = by_code[province].full_name
            local = area.full_name.removeprefix(province_name).strip() or area.name
            for key in {normalise_name(local), normalise_name(area.name)}:
                if area.kind == "ward" and key == normalise_name(area.name):
                    continue  # a ward alone (`장안구`) is ambiguous; its city makes it unique
                self.districts[province].setdefault(key, area.code)
                self.anywhere[key].add(area.code)
        for area in areas:
            if area.level != "neighbourhood" or area.parent_code is None:
                continue
            district = area.parent_code
            names = {normalise_name(area.name)}
            plain = unnumbered(area.name)
            if plain:
                names.add(normalise_name(plain))
            for name in names:
                self.neighbourhoods[district][name].add(area.code)
            parent = by_code.get(district)
            if parent is not None and parent.parent_code in by_code:
                grand = by_code[parent.parent_code]
                if grand.level == "district":  # a ward's neighbourhood is also the city's
                    for name in names:
                        self.neighbourhoods[grand.code][name].add(area.code)

    @staticmethod
    def _province_of(area: Area, by_code: dict[str, Area]) -> str | None:
        current: Area | None = area
        while current is not None and current.level != "province":
            current = by_code.get(current.parent_code or "")
        return current.code if current else None

    def resolve(self, address: str) -> Resolution:
        text = address.strip()
        if not text:
            return Resolution(note="no address")
        reference = " ".join(_PARENS.findall(text))
        tokens = [t for t in _TOKEN.split(_PARENS.sub(" ", text)) if t]
        if not tokens:
            return Resolution(note="no address")
        province = self.provinces.get(tokens[0])
        rest = tokens[1:] if province else tokens
        district: str | None = None
        if province:
            table = self.districts.get(province, {})
            if len(rest) >= 2 and normalise_name(rest[0] + rest[1]) in table:
                district = table[normalise_name(rest[0] + rest[1])]
                rest = rest[2:]
            elif rest and normalise_name(rest[0]) in table:
                district = table[normalise_name(rest[0])]
                rest = rest[1:]
            elif self.children.get(province) == 1:
                district = next(iter(table.values()))  # 세종특별자치시: one district
            else:
                first = rest[0] if rest else ""
                return Resolution(province, note=f"no district {first!r} in this province")
        else:
            for size in (2, 1):
                if len(rest) >= size:
                    codes = self.anywhere.get(normalise_name("".join(rest[:size])), set())
                    if len(codes) == 1:
                        district = next(iter(codes))
                        province = district[:2] + "0" * 8
                        rest = rest[size:]
                        break
                    if len(codes) > 1:
                        names = len(codes)
                        return Resolution(
                            note=f"{rest[0]!r} names {names} districts; the province is missing"
                        )
            if district is None:
                return Resolution(note=f"no province or district in {text[:40]!r}")
        return Resolution(province, district, self._neighbourhood(district, rest, reference))

    def _neighbourhood(self, district: str, rest: list[str], reference: str) -> str | None:
        names = self.neighbourhoods.get(district)
        if not names:
            return None
        candidates = [t for t in _TOKEN.split(reference) if t] + rest[:2]
        for token in candidates:
            key = normalise_name(token)
            if not key.endswith(("동", "읍", "면", "가")):
                continue
            codes = names.get(key)
            if codes and len(codes) == 1:
                return next(iter(codes))
        return None
