"""Match Statistics Korea's 2018 boundaries to the Ministry of the Interior's areas of today.

The two sources use different code systems (KOSTAT census codes of 2/5/7 digits versus
10-digit administrative codes) and different years, so areas are matched by name inside
their province, with the province renames of 2023/2024 applied. Neighbourhoods are matched
by name inside the province and disambiguated by the 2018 district they belonged to, so a
district that gained wards (부천시, 2024) or moved province (군위군, 2023) still matches.

Every area of today ends with a status and, when it has no boundary of its own, a reason:

- ``exact``: same name in the same place;
- ``moved``: same name, found in another province than in 2018;
- ``merged``: today's area is the union of 2018 areas whose numbered names it unites
  (신당1동 + 신당2동 -> 신당동);
- ``renamed``: the only area of its district left unmatched on both sides (probable rename);
- ``split``: a numbered area (배곧1동) whose unnumbered predecessor (배곧동) existed in 2018:
  the predecessor's centroid is an approximate location, no boundary;
- ``unmatched``: no boundary, with the reason (branch office, new since 2018, ...).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from learncity.algorithms.korean_regions import (
    KOSTAT_PROVINCES,
    Level,
    current_province_name,
    is_branch_office,
    name_keys,
    normalise_name,
    stem,
    unnumbered,
)

EXACT = "exact"
MOVED = "moved"
MERGED = "merged"
RENAMED = "renamed"
SPLIT = "split"
UNMATCHED = "unmatched"

WITH_BOUNDARY = frozenset({EXACT, MOVED, MERGED, RENAMED})


@dataclass(frozen=True)
class Area:
    """An area of today (from the population file)."""

    code: str
    level: Level
    name: str
    full_name: str
    province_code: str
    district_code: str | None  # for neighbourhoods: the district (or ward) they belong to
    kind: str = "plain"


@dataclass(frozen=True)
class Feature:
    """A 2018 boundary feature."""

    index: int
    code: str  # KOSTAT code
    name: str


@dataclass(frozen=True)
class Match:
    area_code: str
    status: str
    features: tuple[int, ...] = ()  # feature indexes whose geometry (union) is the boundary
    reason: str = ""


@dataclass
class MatchResult:
    matches: dict[str, Match] = field(default_factory=dict)
    unused_features: dict[int, str] = field(default_factory=dict)  # index -> reason

    def count(self, status: str) -> int:
        return sum(1 for m in self.matches.values() if m.status == status)


def level_of_kostat_code(code: str) -> Level:
    if len(code) == 2:
        return Level.PROVINCE
    if len(code) == 5:
        return Level.DISTRICT
    if len(code) == 7:
        return Level.NEIGHBOURHOOD
    raise ValueError(f"KOSTAT code {code!r} has {len(code)} digits (expected 2, 5 or 7)")


def _province_map(areas: list[Area]) -> dict[str, str]:
    """KOSTAT province code -> today's province code."""
    by_name = {normalise_name(a.name): a.code for a in areas if a.level is Level.PROVINCE}
    by_full = {normalise_name(a.full_name): a.code for a in areas if a.level is Level.PROVINCE}
    mapping: dict[str, str] = {}
    for kostat, name in KOSTAT_PROVINCES.items():
        key = normalise_name(current_province_name(name))
        code = by_name.get(key) or by_full.get(key)
        if code:
            mapping[kostat] = code
    return mapping


def match_provinces(areas: list[Area], features: list[Feature]) -> MatchResult:
    result = MatchResult()
    provinces = [a for a in areas if a.level is Level.PROVINCE]
    by_name = {normalise_name(a.full_name): a for a in provinces}
    for feature in features:
        today = current_province_name(feature.name)
        area = by_name.get(normalise_name(today))
        if area is None:
            result.unused_features[feature.index] = f"no province named {today} today"
        elif area.code in result.matches:
            result.unused_features[feature.index] = f"{area.full_name} already matched"
        else:
            reason = "" if today == feature.name else f"renamed from {feature.name}"
            result.matches[area.code] = Match(area.code, EXACT, (feature.index,), reason)
    for area in provinces:
        if area.code not in result.matches:
            result.matches[area.code] = Match(
                area.code, UNMATCHED, reason="no 2018 province boundary of this name"
            )
    return result


def _local_name(area: Area, province_names: dict[str, str]) -> str:
    """`경기도 수원시 장안구` -> `수원시장안구` (the 2018 file's form)."""
    full = area.full_name
    province = province_names.get(area.province_code, "")
    if province and full.startswith(province):
        full = full[len(province) :]
    return normalise_name(full)


def match_districts(areas: list[Area], features: list[Feature]) -> MatchResult:
    result = MatchResult()
    provinces = _province_map(areas)
    province_names = {a.code: a.full_name for a in areas if a.level is Level.PROVINCE}
    districts = [a for a in areas if a.level is Level.DISTRICT]
    in_province: dict[tuple[str, str], Area] = {}
    nationally: dict[str, list[Area]] = defaultdict(list)
    for area in districts:
        key = _local_name(area, province_names)
        in_province[(area.province_code, key)] = area
        nationally[key].append(area)
    for feature in features:
        key = normalise_name(feature.name)
        province = provinces.get(feature.code[:2])
        target: Area | None = in_province.get((province, key)) if province else None
        status = EXACT
        if target is None and len(nationally.get(key, [])) == 1:
            target, status = nationally[key][0], MOVED
        if target is None:
            result.unused_features[feature.index] = (
                f"no district named {feature.name} today (merged, renamed or split since 2018)"
            )
            continue
        if target.code in result.matches:
            result.unused_features[feature.index] = f"{target.full_name} already matched"
            continue
        reason = (
            "" if status == EXACT else f"was in {KOSTAT_PROVINCES.get(feature.code[:2])} in 2018"
        )
        result.matches[target.code] = Match(target.code, status, (feature.index,), reason)
    for area in districts:
        if area.code in result.matches:
            continue
        if area.kind == "branch_office" or is_branch_office(area.name):
            reason = "branch office (출장소): no territory of its own in the boundaries"
        elif area.kind == "city_with_wards":
            reason = "city with wards: its boundary is the union of its wards"
        else:
            reason = "not in the 2018 boundaries (created or renamed since 2018)"
        result.matches[area.code] = Match(area.code, UNMATCHED, reason=reason)
    return result


class _NameIndex:
    """Areas by every compare-form of their name, within a province and nationwide."""

    def __init__(self, areas: list[Area]) -> None:
        self.in_province: dict[tuple[str, str], list[Area]] = defaultdict(list)
        self.nationwide: dict[str, list[Area]] = defaultdict(list)
        for area in areas:
            for key in name_keys(area.name):
                self.in_province[(area.province_code, key)].append(area)
                self.nationwide[key].append(area)

    @staticmethod
    def _first(index: dict[Any, list[Area]], keys: list[Any]) -> list[Area]:
        for key in keys:
            found = index.get(key)
            if found:
                return list({a.code: a for a in found}.values())
        return []

    def find(self, province: str, name: str) -> list[Area]:
        return self._first(self.in_province, [(province, k) for k in name_keys(name)])

    def find_nationwide(self, name: str) -> list[Area]:
        return self._first(self.nationwide, list(name_keys(name)))


def _is_branch(area: Area) -> bool:
    return area.kind == "branch_office" or is_branch_office(area.name)


def match_neighbourhoods(areas: list[Area], features: list[Feature]) -> MatchResult:
    result = MatchResult()
    provinces = _province_map(areas)
    neighbourhoods = [a for a in areas if a.level is Level.NEIGHBOURHOOD]
    index = _NameIndex(neighbourhoods)

    # Which of today's districts does each 2018 district (5-digit prefix) correspond to?
    # Vote with names unique in their province; where a whole 2018 district found nothing
    # (it moved province, like 군위군), vote with names unique nationwide.
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for feature in features:
        found = index.find(provinces.get(feature.code[:2], ""), feature.name)
        if len(found) == 1 and found[0].district_code:
            votes[feature.code[:5]][found[0].district_code] += 1
    silent = {f.code[:5] for f in features} - set(votes)
    for feature in features:
        if feature.code[:5] not in silent:
            continue
        found = index.find_nationwide(feature.name)
        if (
            len(found) == 1
            and found[0].district_code
            and not index.find(provinces.get(feature.code[:2], ""), feature.name)
        ):
            votes[feature.code[:5]][found[0].district_code] += 1

    taken: set[str] = set()
    for feature in features:
        district_votes = votes.get(feature.code[:5], Counter())
        candidates = index.find(provinces.get(feature.code[:2], ""), feature.name)
        status = EXACT
        if not candidates:
            candidates = [
                a for a in index.find_nationwide(feature.name) if a.district_code in district_votes
            ]
            status = MOVED
        if len(candidates) > 1:
            candidates = sorted(
                (c for c in candidates if district_votes.get(c.district_code or "", 0) > 0),
                key=lambda c: -district_votes[c.district_code or ""],
            )[:1]
        if district_votes and candidates and candidates[0].district_code not in district_votes:
            candidates = []  # same name, but in a district this 2018 district never became
        if not candidates:
            continue  # decided below, once every direct match is known
        area = candidates[0]
        if area.code in taken:
            result.unused_features[feature.index] = f"{area.full_name} already matched"
            continue
        taken.add(area.code)
        reason = "" if status == EXACT else "found in another province than in 2018"
        result.matches[area.code] = Match(area.code, status, (feature.index,), reason)

    used = {i for m in result.matches.values() for i in m.features}
    # 2018 features left over, by today's district they voted for.
    leftovers: dict[str, list[Feature]] = defaultdict(list)
    for feature in features:
        if feature.index in used or feature.index in result.unused_features:
            continue
        for district in votes.get(feature.code[:5], Counter()):
            leftovers[district].append(feature)
    by_index = {f.index: f for f in features}
    matched_by_name: dict[tuple[str, str], Feature] = {}
    for match in result.matches.values():
        for i in match.features:
            feature = by_index[i]
            for district in votes.get(feature.code[:5], Counter()):
                matched_by_name[(district, stem(feature.name))] = feature

    consumed: set[int] = set()
    pending = [a for a in neighbourhoods if a.code not in result.matches]
    open_areas: dict[str, set[str]] = defaultdict(set)
    for area in pending:
        if not _is_branch(area):
            open_areas[area.district_code or ""].add(area.code)

    def settle(area: Area, match: Match) -> None:
        result.matches[area.code] = match
        open_areas[area.district_code or ""].discard(area.code)
        consumed.update(match.features)

    for area in pending:
        if _is_branch(area):
            result.matches[area.code] = Match(
                area.code,
                UNMATCHED,
                reason="branch office (출장소): serves part of its 읍·면, no boundary of its own",
            )
            continue
        district = area.district_code or ""
        pool = [f for f in leftovers.get(district, []) if f.index not in consumed]
        # promoted or renamed suffix: 옥포면 (2018) -> 옥포읍 (today)
        same_stem = [f for f in pool if stem(f.name) == stem(area.name)]
        if len(same_stem) == 1:
            settle(
                area,
                Match(
                    area.code,
                    RENAMED,
                    (same_stem[0].index,),
                    f"renamed from {same_stem[0].name} (2018)",
                ),
            )
            continue
        # merged: 2018 had 신당1동 and 신당2동, today has 신당동
        parts = [
            f
            for f in pool
            if unnumbered(f.name) and stem(unnumbered(f.name) or "") == stem(area.name)
        ]
        if parts:
            names = ", ".join(f.name for f in parts)
            settle(
                area,
                Match(
                    area.code,
                    MERGED,
                    tuple(f.index for f in parts),
                    f"merged since 2018 from {names}; boundary is their union",
                ),
            )
            continue
        # split: 2018 had 배곧동 (or 오포읍), today has 배곧1동 and 배곧2동
        base = unnumbered(area.name)
        if base:
            predecessor = next((f for f in pool if stem(f.name) == stem(base)), None)
            predecessor = predecessor or matched_by_name.get((district, stem(base)))
            if predecessor is not None:
                result.matches[area.code] = Match(
                    area.code,
                    SPLIT,
                    (predecessor.index,),
                    f"split from {predecessor.name} (2018): its centroid is an approximate "
                    "location; no boundary of its own",
                )
                open_areas[district].discard(area.code)
                continue
        if len(pool) == 1 and len(open_areas[district]) == 1:
            settle(
                area,
                Match(
                    area.code,
                    RENAMED,
                    (pool[0].index,),
                    f"probably renamed from {pool[0].name} (2018): "
                    "the only area left on both sides",
                ),
            )
            continue
        if district not in {d for counter in votes.values() for d in counter}:
            reason = "its district has no neighbourhood boundaries in this file"
        else:
            left = ", ".join(sorted(f.name for f in pool)) or "none"
            reason = (
                "no 2018 neighbourhood of this name in its district "
                f"(new or renamed since 2018; 2018 names left unmatched there: {left})"
            )
        result.matches[area.code] = Match(area.code, UNMATCHED, reason=reason)

    used = {i for m in result.matches.values() for i in m.features}
    for feature in features:
        if feature.index not in used and feature.index not in result.unused_features:
            result.unused_features[feature.index] = (
                "no area of this name today (merged, renamed or abolished since 2018)"
            )
    return result


def match(areas: list[Area], features: list[Feature], level: Level) -> MatchResult:
    if level is Level.PROVINCE:
        return match_provinces(areas, features)
    if level is Level.DISTRICT:
        return match_districts(areas, features)
    return match_neighbourhoods(areas, features)
