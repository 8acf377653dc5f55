"""Where a venue is, from what is known about it: the best point and how precise it is.

In order of precision (issue 18):

1. a point: entered by staff on the map, loaded from a venue file, or found by a geocoder
   (decided by the caller; this module only checks that a point is a point in Korea);
2. the 읍·면·동 named by the address: the parenthesised reference part of a road address
   (`서울특별시 강남구 영동대로 22 (일원동)`) or the 동 of a lot-number address
   (`서울특별시 강남구 일원동 711`);
3. the 읍·면·동 named by the venue itself (`일원평생학습센터`, `역삼1동 주민센터`);
4. the district (시·군·구) of the address.

Addresses and names use the legal 동 (법정동: 일원동, 개포동), while the population and the
boundaries are of administrative 동 (행정동: 일원본동, 일원1동; 개포1동 … 개포4동). A legal 동
maps to the administrative 동 of its district with the same name, or with the same stem and
a number or 본 (일원동 → 일원본동, 일원1동, 일원2동; 신당동 → 신당제5동); when it maps to several,
the place is the mean of their centroids (the same point `search --near 일원동` stands on) and
the precision is still "neighbourhood": the legal 동 is known, not which of its parts.
What cannot be derived so (a legal 동 split across differently named administrative 동, such as
a 가 of an old city centre) stays at the district.

Pure Python, no Django: the caller passes the district's neighbourhoods with their centroids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from learncity.algorithms.korean_regions import normalise_name

EXACT = "exact"
NEIGHBOURHOOD = "neighbourhood"
DISTRICT = "district"
UNKNOWN = "unknown"
PRECISIONS = (EXACT, NEIGHBOURHOOD, DISTRICT, UNKNOWN)

# how the place was found (Venue.location_source)
FROM_STAFF = "staff"
FROM_VENUE_FILE = "venue_file"
FROM_GEOCODER = "geocoder"
FROM_ADDRESS = "address"
FROM_NAME = "name"
FROM_DISTRICT = "district"
SOURCES = (FROM_STAFF, FROM_VENUE_FILE, FROM_GEOCODER, FROM_ADDRESS, FROM_NAME, FROM_DISTRICT)
# a point someone set on purpose is never replaced by a guess
KEPT_SOURCES = (FROM_STAFF, FROM_VENUE_FILE, FROM_GEOCODER)

MAX_TEXT = 300  # longer addresses or names are cut here before reading
# Korea's mainland and islands (Marado 33.1 N … Dokdo 131.9 E), with a margin
KOREA_BOUNDS = (33.0, 38.9, 124.5, 132.0)


@dataclass(frozen=True, slots=True)
class Area:
    """An administrative 읍·면·동 of the venue's district."""

    code: str
    name: str
    centroid: tuple[float, float] | None  # (lat, lon)


@dataclass(frozen=True, slots=True)
class Located:
    precision: str  # exact / neighbourhood / district / unknown
    source: str  # one of SOURCES, "" when nothing is known
    label: str = ""  # the 동 read (일원동), or the district's name
    codes: tuple[str, ...] = ()  # the administrative 동 the place covers
    point: tuple[float, float] | None = None  # (lat, lon)

    @property
    def neighbourhood(self) -> str | None:
        """The one administrative 동, when the place is exactly one."""
        return self.codes[0] if len(self.codes) == 1 else None


_PARENS = re.compile(r"\(([^)]*)\)")
_SPLIT = re.compile(r"[\s,()\[\]/·]+")
_DONG_WORD = re.compile(r"^[가-힣0-9]{1,12}(?:동|가|읍|면|리)$")
_TRAILING = re.compile(r"^(?P<word>[가-힣0-9]+?(?:동|가|읍|면))(?:\d[\d-]*)?(?:번지)?$")
_NUMBERED = re.compile(r"^(?P<stem>[가-힣]+?)(?:본|제?\d+(?:[.·]\d+)*)(?P<suffix>동|가)$")


def is_point(lat: float, lon: float) -> bool:
    """A finite WGS84 latitude/longitude inside Korea's bounds."""
    south, north, west, east = KOREA_BOUNDS
    return (
        math.isfinite(lat) and math.isfinite(lon) and south <= lat <= north and west <= lon <= east
    )


def within(geometry: dict[str, Any], lat: float, lon: float, margin_m: float = 0.0) -> bool:
    """Whether the point lies in a GeoJSON (Multi)Polygon, or within `margin_m` of it."""
    import shapely
    from shapely.geometry import shape

    area = shape(geometry)
    point = shapely.Point(lon, lat)
    if area.contains(point):
        return True
    # degrees of latitude per metre: a margin of a few hundred metres, measured north-south
    return bool(area.distance(point) <= margin_m / 111_320.0)


def address_dong_words(address: str) -> list[str]:
    """The 동·가·읍·면 words an address names, most reliable first: the parenthesised
    reference part of a road address, then the words of a lot-number address."""
    text = address[:MAX_TEXT]
    found: list[str] = []
    for part in _PARENS.findall(text):
        for word in _SPLIT.split(part):
            if _DONG_WORD.match(word):
                found.append(word)
    for word in _SPLIT.split(_PARENS.sub(" ", text)):
        match = _TRAILING.match(word)
        if match and not word.endswith(("로", "길")):
            found.append(match.group("word"))
    return list(dict.fromkeys(found))


def stem_of(name: str) -> str:
    """The legal 동's stem of an administrative 동's name: 일원본동 → 일원, 개포1동 → 개포,
    신당제5동 → 신당, 압구정동 → 압구정, 종로1·2·3·4가동 → 종로; 읍 and 면 keep their name
    without the suffix (양평읍 → 양평)."""
    plain = normalise_name(name)
    match = _NUMBERED.match(plain)
    if match:
        return match.group("stem")
    composite = re.match(r"^(?P<stem>[가-힣]+?)[\d.·]+가동$", plain)
    if composite:
        return composite.group("stem")
    return plain[:-1] if len(plain) > 1 and plain[-1] in "동읍면가" else plain


def administrative_for(word: str, areas: Sequence[Area]) -> list[Area]:
    """The administrative 동 a legal 동 (or an administrative one) names in the district:
    the one of the same name, else those of the same stem with a number or 본."""
    key = normalise_name(word)
    exact = [a for a in areas if normalise_name(a.name) == key]
    if exact:
        return exact
    if not key.endswith("동") or len(key) < 2:
        return []
    stem = key[:-1]
    return [
        a
        for a in areas
        if (match := _NUMBERED.match(normalise_name(a.name))) and match.group("stem") == stem
    ]


def name_dong(name: str, areas: Sequence[Area]) -> tuple[str, list[Area]] | None:
    """The 동 a venue's name begins with or names: `일원평생학습센터` → 일원동, `역삼1동
    주민센터` → 역삼1동. Stems shorter than two syllables are not read (too many false
    friends); the longest stem wins."""
    words = [w for w in _SPLIT.split(name[:MAX_TEXT]) if w]
    for word in words:  # a word that is itself a 동's name: 역삼1동, 일원동
        if _DONG_WORD.match(word) and not word.endswith("리"):
            found = administrative_for(word, areas)
            if found:
                return word, found
    stems = sorted({stem_of(a.name) for a in areas}, key=len, reverse=True)
    for word in words:
        for stem in stems:
            if len(stem) >= 2 and word.startswith(stem):
                legal = stem + "동"
                found = administrative_for(legal, areas) or [
                    a for a in areas if stem_of(a.name) == stem
                ]
                return (legal if found and len(found) > 1 else found[0].name), found
    return None


def mean_point(points: Iterable[tuple[float, float] | None]) -> tuple[float, float] | None:
    known = [p for p in points if p is not None]
    if not known:
        return None
    return (sum(p[0] for p in known) / len(known), sum(p[1] for p in known) / len(known))


def locate(
    *,
    address: str,
    name: str,
    areas: Sequence[Area],
    district_name: str = "",
    district_centroid: tuple[float, float] | None = None,
    address_neighbourhood: str | None = None,
) -> Located:
    """The best place that the address and the name give (no point: that is the caller's).

    `areas` are the administrative 동 of the venue's district (empty when the district is
    unknown); `address_neighbourhood` a code the address index already resolved."""
    by_code = {a.code: a for a in areas}
    if address_neighbourhood and address_neighbourhood in by_code:
        area = by_code[address_neighbourhood]
        if area.centroid is not None:
            return Located(NEIGHBOURHOOD, FROM_ADDRESS, area.name, (area.code,), area.centroid)
    for word in address_dong_words(address or ""):
        found = [a for a in administrative_for(word, areas) if a.centroid is not None]
        if found:
            return _neighbourhood(word, found, FROM_ADDRESS)
    named = name_dong(name or "", areas)
    if named is not None:
        label, found = named
        found = [a for a in found if a.centroid is not None]
        if found:
            return _neighbourhood(label, found, FROM_NAME)
    if district_centroid is not None:
        return Located(DISTRICT, FROM_DISTRICT, district_name, (), district_centroid)
    return Located(UNKNOWN, "", district_name)


def _neighbourhood(label: str, found: list[Area], source: str) -> Located:
    found = sorted(found, key=lambda a: a.code)
    if len(found) == 1:
        label = found[0].name
    return Located(
        NEIGHBOURHOOD,
        source,
        label,
        tuple(a.code for a in found),
        mean_point(a.centroid for a in found),
    )
