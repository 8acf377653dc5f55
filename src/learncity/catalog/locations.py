"""Where venues are (issue 18): the best place known for each, with its precision.

Order (algorithms/venue_location): a point set on purpose (staff on the map, a venue file, a
geocoder, when one is configured: catalog/geocoding.py) — else the 읍·면·동 named by the
address or by the venue's name, mapped to its administrative 동 — else the district's
centroid. A point set on purpose is never replaced by a guess; `venues_locate` redoes the
guesses (after regions were loaded, or when the rules improve) and reports every venue.

Who may set a point is asked by the page (portal/venues_staff.py, `catalog.venue_locate`);
these functions keep the rows right.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from learncity.algorithms import venue_location as vl
from learncity.algorithms.korean_address import AddressIndex
from learncity.algorithms.korean_address import Area as AddressArea
from learncity.algorithms.search_text import distance_m
from learncity.catalog.geocoding import Geocoder, GeocoderError
from learncity.catalog.models import Venue
from learncity.core.errors import DomainError, InputFileError, NotFound
from learncity.regions.selectors import RegionRef, region_geometries, region_refs

# a geocoded point farther than this from its district's centroid is the wrong place (the
# largest 시·군 of Korea are about 40 km across)
GEOCODE_MAX_FROM_DISTRICT_M = 40_000
STAFF_MARGIN_M = 300  # a point set on the map may lie this far outside the district's outline
MAX_VENUE_FILE_BYTES = 20 * 1024 * 1024


class LocationError(DomainError):
    code = "venue_location_invalid"


class Locator:
    """The regions, once, to place many venues; a geocoder's answers remembered per address."""

    def __init__(self, refs: list[RegionRef] | None = None, geocoder: Geocoder | None = None):
        refs = region_refs() if refs is None else refs
        self.by_code = {r.code: r for r in refs}
        self.region_ids = {r.code: r.id for r in refs}
        self.codes_by_id = {r.id: r.code for r in refs}
        self.areas: dict[str, list[vl.Area]] = {}
        for ref in refs:
            if ref.level != "neighbourhood" or not ref.parent_code:
                continue
            area = vl.Area(ref.code, ref.name, ref.centroid)
            self.areas.setdefault(ref.parent_code, []).append(area)
            parent = self.by_code.get(ref.parent_code)
            if parent is not None and parent.parent_code in self.by_code:
                grand = self.by_code[parent.parent_code]
                if grand.level == "district":  # a ward's 동 is also its city's
                    self.areas.setdefault(grand.code, []).append(area)
        self.geocoder = geocoder
        self.geocoded: dict[str, vl.Located | None] = {}
        self.notes: Counter[str] = Counter()
        self._index: AddressIndex | None = None

    def guess(
        self, *, address: str, name: str, district_code: str | None, neighbourhood_code: str | None
    ) -> vl.Located:
        district = self.by_code.get(district_code or "")
        if neighbourhood_code is None and address.strip() and district is not None:
            neighbourhood_code = self.address_index().resolve(address).neighbourhood
        return vl.locate(
            address=address,
            name=name,
            areas=self.areas.get(district_code or "", []),
            district_name=district.name if district else "",
            district_centroid=district.centroid if district else None,
            address_neighbourhood=neighbourhood_code,
        )

    def address_index(self) -> AddressIndex:
        if self._index is None:
            self._index = AddressIndex(
                [
                    AddressArea(r.code, r.level, r.name, r.full_name, r.parent_code, r.kind)
                    for r in self.by_code.values()
                ]
            )
        return self._index

    def geocode(self, address: str, district_code: str | None) -> vl.Located | None:
        """The geocoder's point for an address, or None (none configured, nothing found, or
        the service failed: said in `notes`, never raised)."""
        if self.geocoder is None or not address.strip():
            return None
        if address in self.geocoded:
            return self.geocoded[address]
        found: vl.Located | None = None
        try:
            point = self.geocoder.locate(address)
        except GeocoderError as error:
            self.notes[f"geocoder: {error.message[:120]}"] += 1
            point = None
        if point is not None:
            district = self.by_code.get(district_code or "")
            far = (
                district is not None
                and district.centroid is not None
                and distance_m(point.latitude, point.longitude, *district.centroid)
                > GEOCODE_MAX_FROM_DISTRICT_M
            )
            if far:
                self.notes["geocoder: a point far from the address's district (not used)"] += 1
            else:
                label = point.matched or address
                found = vl.Located(
                    vl.EXACT, vl.FROM_GEOCODER, label[:100], (), (point.latitude, point.longitude)
                )
        elif self.geocoder is not None:
            self.notes["geocoder: no result"] += 1
        self.geocoded[address] = found
        return found

    def place(
        self, *, address: str, name: str, district_code: str | None, neighbourhood_code: str | None
    ) -> vl.Located:
        return self.geocode(address, district_code) or self.guess(
            address=address,
            name=name,
            district_code=district_code,
            neighbourhood_code=neighbourhood_code,
        )

    def fields(self, located: vl.Located, *, by: str) -> dict[str, Any]:
        """The venue's columns for a place (its neighbourhood only when it is one 동)."""
        point = located.point
        values: dict[str, Any] = {
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "precision": located.precision,
            "location_source": located.source,
            "location_label": located.label[:100],
            "location_codes": list(located.codes),
            "located_by": by[:150],
            "located_at": timezone.now(),
        }
        if located.neighbourhood:
            values["neighbourhood_id"] = self.region_ids.get(located.neighbourhood)
        return values


def kept(venue: Venue) -> bool:
    """A point set on purpose (or exact coordinates from before sources were recorded) is
    never replaced by a guess."""
    return venue.location_source in vl.KEPT_SOURCES or venue.precision == vl.EXACT


def _same_place(venue: Venue, values: dict[str, Any]) -> bool:
    return all(
        getattr(venue, key) == value
        for key, value in values.items()
        if key not in {"located_at", "located_by"}
    )


@dataclass
class LocateReport:
    venues: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    @property
    def by_precision(self) -> dict[str, int]:
        return dict(Counter(v["precision"] for v in self.venues))

    @property
    def by_source(self) -> dict[str, int]:
        return dict(Counter(v["source"] or "none" for v in self.venues))

    def as_dict(self) -> dict[str, Any]:
        return {
            "venues": self.venues,
            "count": len(self.venues),
            "changed": self.changed,
            "by_precision": self.by_precision,
            "by_source": self.by_source,
            "notes": self.notes,
        }


def _row(venue: Venue, codes_by_id: dict[int, str], changed: bool) -> dict[str, Any]:
    return {
        "id": venue.pk,
        "name": venue.name,
        "institution": venue.institution.name,
        "road_address": venue.road_address,
        "district_code": codes_by_id.get(venue.district_id or 0, ""),
        "precision": venue.precision,
        "source": venue.location_source,
        "label": venue.location_label,
        "codes": list(venue.location_codes or []),
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "changed": changed,
    }


def venues_locate(*, geocoder: Geocoder | None = None, dry_run: bool = False) -> LocateReport:
    """Place every venue whose point is a guess (again), keep the points set on purpose, and
    report each venue's precision and how it was found."""
    locator = Locator(geocoder=geocoder)
    report = LocateReport()
    with transaction.atomic():
        for venue in Venue.objects.select_related("institution").order_by("id"):
            changed = False
            if not kept(venue):
                district = locator.codes_by_id.get(venue.district_id or 0)
                located = locator.place(
                    address=venue.road_address,
                    name=venue.name,
                    district_code=district,
                    neighbourhood_code=None,  # the address is read again
                )
                values = locator.fields(located, by="learncity venues locate")
                if not _same_place(venue, values):
                    changed = True
                    report.changed += 1
                    for key, value in values.items():
                        setattr(venue, key, value)
                    if not dry_run:
                        venue.save()
            report.venues.append(_row(venue, locator.codes_by_id, changed))
        if dry_run:
            transaction.set_rollback(True)
    report.notes = dict(locator.notes)
    return report


def _venue(venue_id: int) -> Venue:
    venue = Venue.objects.select_for_update().filter(pk=venue_id).first()
    if venue is None:
        raise NotFound(f"no venue {venue_id}")
    return venue


def _district_geometry(venue: Venue) -> dict[str, Any] | None:
    if venue.district_id is None:
        return None
    refs = [r for r in region_refs() if r.id == venue.district_id]
    if not refs:
        return None
    found = region_geometries([refs[0].code]).get(refs[0].code)
    if found is None or found[1].get("type") == "Point":
        return None
    return found[1]


def venue_point_set(*, venue_id: int, latitude: float, longitude: float, by: str) -> Venue:
    """A point set by staff on the map (or typed): inside Korea and, when the district's
    outline is known, inside it (within STAFF_MARGIN_M)."""
    if not vl.is_point(latitude, longitude):
        raise LocationError("the point must be a latitude and longitude inside Korea")
    with transaction.atomic():
        venue = _venue(venue_id)
        outline = _district_geometry(venue)
        if outline is not None and not vl.within(outline, latitude, longitude, STAFF_MARGIN_M):
            raise LocationError("the point lies outside the venue's district")
        venue.latitude, venue.longitude = latitude, longitude
        venue.precision = Venue.Precision.EXACT
        venue.location_source = Venue.LocationSource.STAFF
        venue.location_label = ""
        venue.location_codes = []
        venue.located_by, venue.located_at = by[:150], timezone.now()
        venue.save()
    return venue


def venue_neighbourhood_set(*, venue_id: int, code: str, by: str) -> Venue:
    """Staff say which 동 the venue is in (its point: that 동's centroid)."""
    with transaction.atomic():
        venue = _venue(venue_id)
        locator = Locator()
        district = locator.codes_by_id.get(venue.district_id or 0, "")
        areas = {a.code: a for a in locator.areas.get(district, [])}
        area = areas.get(code)
        if area is None or area.centroid is None:
            raise LocationError("choose a 동 of the venue's district that has a known place")
        located = vl.Located(
            vl.NEIGHBOURHOOD, vl.FROM_STAFF, area.name, (area.code,), area.centroid
        )
        for key, value in locator.fields(located, by=by).items():
            setattr(venue, key, value)
        venue.save()
    return venue


def venue_location_reset(*, venue_id: int, by: str) -> Venue:
    """Forget a point set on purpose: the venue is placed from its address and name again."""
    with transaction.atomic():
        venue = _venue(venue_id)
        locator = Locator()
        located = locator.guess(
            address=venue.road_address,
            name=venue.name,
            district_code=locator.codes_by_id.get(venue.district_id or 0),
            neighbourhood_code=None,
        )
        for key, value in locator.fields(located, by=by).items():
            setattr(venue, key, value)
        venue.save()
    return venue


# ------------------------------------------------------------------ a venue file

_COLUMNS = {
    "name": ("name", "venue", "교육장", "교육장명", "장소", "장소명", "교육장소", "시설명"),
    "address": ("address", "road_address", "주소", "도로명주소", "교육장도로명주소", "소재지"),
    "institution": ("institution", "기관", "기관명", "운영기관명"),
    "latitude": ("latitude", "lat", "위도", "y"),
    "longitude": ("longitude", "lon", "lng", "경도", "x"),
}


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = raw.strip().lstrip("\ufeff").lower()
        for field_name, names in _COLUMNS.items():
            if key in names and field_name not in found:
                found[field_name] = index
    return found


def _norm(text: str) -> str:
    return "".join(text.split())


def _decode(data: bytes, path: str) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputFileError("not UTF-8 or CP949 text", path=path)


def venues_load(*, path: Path) -> dict[str, Any]:
    """Points of venues from a CSV (name, address, latitude, longitude; optional institution;
    Korean headers too: 교육장명, 주소, 위도, 경도, 운영기관명). A row matches the venues of that
    name (spaces aside; and of that address and institution when given); each gets the point
    with precision "exact". Rows that match nothing, several places, or hold no valid point
    are reported with their line, and change nothing."""
    name = str(path)
    try:
        data = path.read_bytes()[: MAX_VENUE_FILE_BYTES + 1]
    except OSError as error:
        raise InputFileError(f"cannot be read: {error.strerror or error}", path=name) from error
    if len(data) > MAX_VENUE_FILE_BYTES:
        raise InputFileError("larger than 20 MB", path=name)
    reader = csv.reader(io.StringIO(_decode(data, name)))
    header = next(reader, None)
    if not header:
        raise InputFileError("empty file", path=name)
    columns = _header_map(header)
    missing = [c for c in ("name", "latitude", "longitude") if c not in columns]
    if missing:
        raise InputFileError(f"no column for {', '.join(missing)}", path=name, line=1)
    venues = list(Venue.objects.select_related("institution").order_by("id"))
    report: dict[str, Any] = {"rows": 0, "located": 0, "venues": 0, "problems": []}
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            report["rows"] += 1
            problem = _load_row(
                row, columns=columns, venues=venues, line=line, file_name=name, report=report
            )
            if problem:
                report["problems"].append({"line": line, "problem": problem})
    return report


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    index = columns.get(key)
    return row[index].strip()[: vl.MAX_TEXT] if index is not None and index < len(row) else ""


def _load_row(
    row: list[str],
    *,
    columns: dict[str, int],
    venues: Iterable[Venue],
    line: int,
    file_name: str,
    report: dict[str, Any],
) -> str:
    venue_name = _cell(row, columns, "name")
    if not venue_name:
        return "no venue name"
    try:
        lat = float(_cell(row, columns, "latitude"))
        lon = float(_cell(row, columns, "longitude"))
    except ValueError:
        return "latitude and longitude must be numbers"
    if not (math.isfinite(lat) and math.isfinite(lon)) or not vl.is_point(lat, lon):
        return f"({lat}, {lon}) is not a latitude and longitude inside Korea"
    address = _norm(_cell(row, columns, "address"))
    institution = _norm(_cell(row, columns, "institution"))
    wanted = _norm(venue_name)
    matches = [
        v
        for v in venues
        if _norm(v.name).startswith(wanted)  # 일원평생학습센터 covers 일원평생학습센터 라운지1
        and (not address or _norm(v.road_address) == address)
        and (not institution or _norm(v.institution.name) == institution)
    ]
    exact = {(_norm(v.road_address), v.institution_id) for v in matches if _norm(v.name) == wanted}
    # the venue of that name, and the rooms of the same building stored as venues of their own
    # (`일원평생학습센터 라운지1`); without one of that very name, every venue it begins
    chosen = [v for v in matches if (_norm(v.road_address), v.institution_id) in exact] or matches
    if not chosen:
        return f"no venue called {venue_name[:60]!r}" + (" at that address" if address else "")
    if len({(_norm(v.road_address), v.institution_id) for v in chosen}) > 1:
        return f"{venue_name[:60]!r} names venues at several addresses: give the address"
    now = timezone.now()
    for venue in chosen:
        venue.latitude, venue.longitude = lat, lon
        venue.precision = Venue.Precision.EXACT
        venue.location_source = Venue.LocationSource.VENUE_FILE
        venue.location_label, venue.location_codes = "", []
        venue.located_by, venue.located_at = f"{Path(file_name).name}:{line}"[:150], now
        venue.save()
    report["located"] += 1
    report["venues"] += len(chosen)
    return ""
