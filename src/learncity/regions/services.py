"""Writes of the regions context: population and boundary loads.

Each load is all-or-nothing: the whole file is parsed and validated first, then written
inside one transaction, so a bad file leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from learncity.algorithms import boundary_matching, city_area, geometry, topojson
from learncity.algorithms.korean_regions import Level
from learncity.algorithms.population_file import (
    PopulationFile,
    PopulationFileError,
    PopulationRow,
    link_hierarchy,
)
from learncity.algorithms.population_file import parse as parse_population
from learncity.core.bulk import rows_insert
from learncity.core.errors import InputFileError
from learncity.regions.errors import (
    CityAreaAmbiguous,
    CityAreaEmpty,
    CityAreaLevel,
    CityAreaUnknown,
    CitySettingError,
)
from learncity.regions.models import (
    BoundaryLoad,
    City,
    CityArea,
    PopulationByAge,
    PopulationSnapshot,
    Region,
    RegionPopulation,
)

MOIS_SOURCE = "행정안전부 주민등록 인구통계 (Ministry of the Interior and Safety)"
KOSTAT_SOURCE = "통계청 SGIS 경계 (Statistics Korea) 2018"
_BATCH = 5000


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise InputFileError("is a directory, not a file", path=str(path)) from None
    except OSError as exc:
        raise InputFileError(f"cannot be read: {exc.strerror}", path=str(path)) from None


# ---------------------------------------------------------------- population


def population_load(*, path: Path) -> dict[str, Any]:
    """Load a population file (Ministry of the Interior's age-by-area export)."""
    data = _read(path)
    try:
        parsed = parse_population(data)
    except PopulationFileError as exc:
        raise InputFileError(exc.reason, path=str(path), line=exc.line, column=exc.column) from None
    digest = hashlib.sha256(data).hexdigest()
    existing = PopulationSnapshot.objects.filter(period=parsed.period).first()
    if existing is not None and existing.file_sha256 == digest:
        return _population_summary(parsed, status="unchanged", file_name=str(path))
    population_store(
        parsed=parsed,
        source=MOIS_SOURCE,
        file_name=path.name,
        file_sha256=digest,
        region_source=Region.Source.MOIS,
    )
    return _population_summary(parsed, status="loaded", file_name=str(path))


def _population_summary(parsed: PopulationFile, *, status: str, file_name: str) -> dict[str, Any]:
    return {
        "file": file_name,
        "status": status,
        "period": parsed.period,
        "rows": parsed.counts["rows"],
        "provinces": parsed.counts["provinces"],
        "districts": parsed.counts["districts"],
        "neighbourhoods": parsed.counts["neighbourhoods"],
        "population": parsed.national_total,
    }


@transaction.atomic
def population_store(
    *,
    parsed: PopulationFile,
    source: str,
    file_name: str,
    file_sha256: str,
    region_source: str,
) -> PopulationSnapshot:
    """Upsert the areas of a parsed file and replace the snapshot of its period."""
    existing = {
        r.code: r
        for r in Region.objects.select_for_update().only(
            "code", "level", "kind", "name", "full_name", "source", "parent_id"
        )
    }
    rows = link_hierarchy(list(parsed.rows), known_codes=frozenset(existing))
    regions = _regions_upsert(rows, existing=existing, source=region_source)

    PopulationSnapshot.objects.filter(period=parsed.period).delete()
    snapshot = PopulationSnapshot.objects.create(
        period=parsed.period,
        source=source,
        file_name=file_name,
        file_sha256=file_sha256,
        rows=len(rows),
        total=parsed.national_total,
    )
    totals = RegionPopulation.objects.bulk_create(
        [RegionPopulation(snapshot=snapshot, region=regions[r.code], total=r.total) for r in rows],
        batch_size=_BATCH,
    )
    by_code = {t.region.code: t.pk for t in totals}
    _ages_insert(
        (by_code[row.code], age, count) for row in rows for age, count in enumerate(row.ages)
    )
    return snapshot


def _ages_insert(values: Iterable[tuple[int, int, int]]) -> None:
    """Insert (region_population_id, age, count) rows in bulk (core.bulk)."""
    rows_insert(PopulationByAge._meta.db_table, ("region_population_id", "age", "count"), values)


def _regions_upsert(
    rows: list[PopulationRow], *, existing: dict[str, Region], source: str
) -> dict[str, Region]:
    fields = ("level", "kind", "name", "full_name", "source")
    to_create: list[Region] = []
    to_update: list[Region] = []
    for row in rows:
        values = {
            "level": str(row.level),
            "kind": row.kind,
            "name": row.name,
            "full_name": row.full_name,
            "source": source,
        }
        region = existing.get(row.code)
        if region is None:
            to_create.append(Region(code=row.code, **values))
        elif any(getattr(region, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(region, f, v)
            to_update.append(region)
    Region.objects.bulk_create(to_create, batch_size=_BATCH)
    Region.objects.bulk_update(to_update, fields, batch_size=_BATCH)
    regions = {r.code: r for r in Region.objects.filter(code__in=[row.code for row in rows])}
    reparent: list[Region] = []
    for row in rows:
        region = regions[row.code]
        parent_id = regions[row.parent_code].pk if row.parent_code in regions else None
        if parent_id is None and row.parent_code in existing:
            parent_id = existing[row.parent_code].pk
        if region.parent_id != parent_id:
            region.parent_id = parent_id
            reparent.append(region)
    Region.objects.bulk_update(reparent, ["parent"], batch_size=_BATCH)
    return regions


# ---------------------------------------------------------------- boundaries

_CODE_KEYS = ("code", "adm_cd", "ADM_CD", "adm_cd2", "SIG_CD", "CTPRVN_CD", "EMD_CD")
_NAME_KEYS = ("name", "adm_nm", "ADM_NM", "SIG_KOR_NM", "CTP_KOR_NM", "EMD_KOR_NM")


@dataclass(frozen=True)
class _Feature:
    index: int
    code: str
    name: str
    area: geometry.Area | None
    problem: str | None
    dropped_rings: int = 0


def _property(properties: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def boundaries_load(*, path: Path) -> dict[str, Any]:
    """Load one TopoJSON boundary file and match its areas to the loaded regions."""
    data = _read(path)
    digest = hashlib.sha256(data).hexdigest()
    previous = BoundaryLoad.objects.filter(file_sha256=digest).order_by("-loaded_at").first()
    latest_population = PopulationSnapshot.objects.order_by("-loaded_at").first()
    if (
        previous is not None
        and latest_population is not None
        and previous.loaded_at > latest_population.loaded_at
        and not BoundaryLoad.objects.filter(
            level=previous.level, loaded_at__gt=previous.loaded_at
        ).exists()
    ):
        return {**previous.report, "file": str(path), "status": "unchanged"}

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"not UTF-8 (TopoJSON is UTF-8): undecodable byte at offset {exc.start}",
            path=str(path),
        ) from None
    try:
        topology = topojson.load(text)
        decoded = topojson.features(topology)
    except topojson.TopoJSONError as exc:
        raise InputFileError(str(exc), path=str(path)) from None
    if not decoded:
        raise InputFileError("the topology has no features", path=str(path))

    features: list[_Feature] = []
    for item in decoded:
        code = _property(item.properties, _CODE_KEYS)
        name = _property(item.properties, _NAME_KEYS).split(" ")[-1]
        problem = item.problem
        area = None
        if not code.isdecimal() or len(code) not in (2, 5, 7, 10):
            problem = problem or f"no usable area code in properties ({code!r})"
        if problem is None and item.geometry is not None:
            try:
                area = geometry.build_area(item.geometry)
            except (ValueError, TypeError) as exc:
                problem = f"invalid geometry: {exc}"
        features.append(_Feature(item.index, code, name, area, problem, item.dropped_rings))

    lengths = Counter(len(f.code) for f in features if f.problem is None)
    if not lengths:
        raise InputFileError(
            "no feature has both an area code and a usable geometry", path=str(path)
        )
    code_length = lengths.most_common(1)[0][0]
    with transaction.atomic():
        report = _boundaries_apply(features, code_length=code_length)
        report["file"] = str(path)
        report["status"] = "loaded"
        BoundaryLoad.objects.create(
            file_name=path.name,
            file_sha256=digest,
            level=report["level"],
            features=len(features),
            report=report,
        )
    return report


def _area_of(region: Region) -> boundary_matching.Area:
    district_code = None
    if region.level == Region.Level.NEIGHBOURHOOD and region.parent is not None:
        district_code = region.parent.code
    return boundary_matching.Area(
        code=region.code,
        level=Level(region.level),
        name=region.name,
        full_name=region.full_name,
        province_code=region.code[:2] + "0" * 8,
        district_code=district_code,
        kind=region.kind,
    )


def _boundaries_apply(features: list[_Feature], *, code_length: int) -> dict[str, Any]:
    regions = {
        r.code: r
        for r in Region.objects.select_for_update(of=("self",))
        .select_related("parent")
        .only("code", "level", "kind", "name", "full_name", "parent__code")
    }
    usable = [f for f in features if f.problem is None and len(f.code) == code_length]
    rejected = {
        f.index: (f.problem or f"code has {len(f.code)} digits, the file's codes {code_length}")
        for f in features
        if f not in usable
    }
    if code_length == 10:
        level = Level(
            Counter(str(regions[f.code].level) for f in usable if f.code in regions).most_common(1)[
                0
            ][0]
            if any(f.code in regions for f in usable)
            else "neighbourhood"
        )
        result = boundary_matching.MatchResult()
        for f in usable:
            if f.code in regions:
                result.matches[f.code] = boundary_matching.Match(f.code, "exact", (f.index,))
            else:
                result.unused_features[f.index] = "no loaded area has this administrative code"
        for region in regions.values():
            if region.level == level and region.code not in result.matches:
                result.matches[region.code] = boundary_matching.Match(
                    region.code, "unmatched", reason="no feature with this administrative code"
                )
    else:
        level = boundary_matching.level_of_kostat_code("0" * code_length)
        areas = [_area_of(r) for r in regions.values()]
        if not any(a.level is level for a in areas):
            raise InputFileError(
                f"no {level} areas are loaded yet: load a population file first",
                path="(boundaries)",
            )
        result = boundary_matching.match(
            areas,
            [boundary_matching.Feature(f.index, f.code, f.name) for f in usable],
            level,
        )
    by_index = {f.index: f for f in features}

    changed: list[Region] = []
    statuses: Counter[str] = Counter()
    unmatched: list[dict[str, str]] = []
    for code, found in result.matches.items():
        match = found
        region = regions[code]
        parts = [by_index[i] for i in match.features]
        _boundary_clear(region)
        region.boundary_status = match.status
        region.boundary_note = match.reason
        region.boundary_source = KOSTAT_SOURCE if code_length != 10 else "boundary file"
        region.boundary_codes = ",".join(p.code for p in parts)
        if match.status in boundary_matching.WITH_BOUNDARY and parts:
            areas_geo = [p.area for p in parts if p.area is not None]
            if len(areas_geo) == 1:
                _boundary_set(region, areas_geo[0], Region.LocationPrecision.BOUNDARY)
            else:
                try:
                    merged = geometry.build_area(
                        geometry.union_geojson([a.geometry for a in areas_geo])
                    )
                    _boundary_set(region, merged, Region.LocationPrecision.BOUNDARY)
                except ValueError as exc:
                    match = boundary_matching.Match(
                        code, boundary_matching.UNMATCHED, reason=f"{match.reason}; but {exc}"
                    )
                    region.boundary_status, region.boundary_note = match.status, match.reason
        elif match.status == boundary_matching.SPLIT and parts and parts[0].area is not None:
            region.centroid_lat, region.centroid_lon = parts[0].area.centroid
            region.location_precision = Region.LocationPrecision.APPROXIMATE
        if match.status == boundary_matching.UNMATCHED:
            unmatched.append({"code": code, "name": region.full_name, "reason": match.reason})
        statuses[match.status] += 1
        changed.append(region)
    _regions_save_boundaries(changed)
    derived = regions_boundaries_derive()

    unused = [
        {"code": by_index[i].code, "name": by_index[i].name, "reason": reason}
        for i, reason in sorted({**rejected, **result.unused_features}.items())
    ]
    repaired = [
        {"code": f.code, "name": f.name, "reason": _repair_note(f)}
        for f in features
        if f.area is not None and (f.area.repaired or f.dropped_rings)
    ]
    total = len(result.matches)
    located = sum(statuses[s] for s in (*boundary_matching.WITH_BOUNDARY, boundary_matching.SPLIT))
    explained = sum(1 for u in unmatched if u["reason"])
    return {
        "level": str(level),
        "features": len(features),
        "areas": total,
        "matched": sum(statuses[s] for s in boundary_matching.WITH_BOUNDARY),
        "approximate": statuses[boundary_matching.SPLIT],
        "unmatched": statuses[boundary_matching.UNMATCHED],
        "statuses": dict(sorted(statuses.items())),
        "located_share": round(located / total, 4) if total else 0.0,
        "explained_share": round((located + explained) / total, 4) if total else 0.0,
        "derived_unions": derived,
        "unmatched_areas": unmatched,
        "unused_features": unused,
        "repaired_features": repaired,
    }


def _repair_note(feature: _Feature) -> str:
    notes = []
    if feature.dropped_rings:
        notes.append(f"dropped {feature.dropped_rings} ring(s) collapsed by simplification")
    if feature.area is not None and feature.area.repaired:
        notes.append(f"made valid ({feature.area.repaired})")
    return "; ".join(notes)


def _boundary_clear(region: Region) -> None:
    region.boundary_geojson = ""
    region.centroid_lat = region.centroid_lon = region.area_km2 = None
    region.location_precision = Region.LocationPrecision.NONE


def _boundary_set(region: Region, area: geometry.Area, precision: str) -> None:
    region.boundary_geojson = json.dumps(area.geometry, separators=(",", ":"))
    region.centroid_lat, region.centroid_lon = area.centroid
    region.area_km2 = area.area_km2
    region.location_precision = precision


_BOUNDARY_FIELDS = [
    "boundary_geojson",
    "centroid_lat",
    "centroid_lon",
    "area_km2",
    "location_precision",
    "boundary_status",
    "boundary_source",
    "boundary_codes",
    "boundary_note",
]


def _regions_save_boundaries(regions: list[Region]) -> None:
    """One UPDATE per area through executemany: Django's bulk_update builds a CASE per field
    and row, which costs seconds for a few thousand areas."""
    if not regions:
        return
    table = connection.ops.quote_name(Region._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in _BOUNDARY_FIELDS)
    sql = f"UPDATE {table} SET {columns} WHERE id = %s"  # noqa: S608 (names are ours)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[getattr(r, f) for f in _BOUNDARY_FIELDS] + [r.pk] for r in regions]
        )


def regions_boundaries_derive() -> int:
    """Give a district without a boundary of its own the union of its parts.

    A 시 with 구 is the union of its 구; a 구 created after 2018 (부천시 원미구, 2024) is
    the union of its 읍·면·동 when every one of them has a boundary.
    """
    derived: list[Region] = []
    # wards first, so that a 시 whose 구 are themselves unions can follow in the same load
    for kind in (Region.Kind.WARD, Region.Kind.PLAIN, Region.Kind.CITY_WITH_WARDS):
        derived.extend(_boundaries_derive_kind(kind))
    return len(derived)


def _boundaries_derive_kind(kind: str) -> list[Region]:
    candidates = {
        r.pk: r
        for r in Region.objects.filter(
            level=Region.Level.DISTRICT, boundary_geojson="", kind=kind
        ).defer("boundary_geojson")
    }
    parts = Region.objects.filter(parent_id__in=list(candidates)).exclude(
        kind=Region.Kind.BRANCH_OFFICE
    )
    lacking = set(parts.filter(boundary_geojson="").values_list("parent_id", flat=True))
    having = set(parts.exclude(boundary_geojson="").values_list("parent_id", flat=True))
    ready = having - lacking
    shapes: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ready}
    for parent_id, text in parts.filter(parent_id__in=ready).values_list(
        "parent_id", "boundary_geojson"
    ):
        shapes[parent_id].append(json.loads(text))
    derived: list[Region] = []
    for pk, geometries in shapes.items():
        region = candidates[pk]
        try:
            area = geometry.build_area(geometry.union_geojson(geometries))
        except ValueError:
            continue  # its parts keep their boundaries; the district stays without one
        _boundary_set(region, area, Region.LocationPrecision.UNION)
        region.boundary_status = "union"
        region.boundary_note = f"union of its {len(geometries)} parts"
        derived.append(region)
    _regions_save_boundaries(derived)
    return derived


def region_boundary_set(*, code: str, geojson: dict[str, Any], source: str) -> Region:
    """Set one area's boundary directly (demo content, hand corrections)."""
    region = Region.objects.get(code=code)
    area = geometry.build_area(geojson)
    _boundary_set(region, area, Region.LocationPrecision.BOUNDARY)
    region.boundary_status = "exact"
    region.boundary_source = source
    region.save(update_fields=_BOUNDARY_FIELDS)
    return region


# ---------------------------------------------------------------- the city

EMBLEM_MAX_BYTES = 256 * 1024
MIN_CONTRAST = 4.5  # WCAG AA for text: links in the colour on white, white on buttons


def _emblem_type(data: bytes) -> str | None:
    """The emblem's content type from its first bytes (PNG, JPEG, GIF, WebP or SVG)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if re.search(r"<svg[\s>]", text[:4096]):
        return "image/svg+xml"
    return None


def _checked_emblem(data: bytes) -> tuple[bytes, str]:
    if not data:
        raise CitySettingError(_("상징 그림 파일이 비어 있습니다."), details={"field": "emblem"})
    if len(data) > EMBLEM_MAX_BYTES:
        raise CitySettingError(
            _("상징 그림은 %(limit)d KB 이하여야 합니다 (이 파일은 %(size)d KB).")
            % {"limit": EMBLEM_MAX_BYTES // 1024, "size": -(-len(data) // 1024)},
            details={"field": "emblem"},
        )
    kind = _emblem_type(data)
    if kind is None:
        raise CitySettingError(
            _("상징 그림은 PNG, JPEG, GIF, WebP 또는 SVG 파일이어야 합니다."),
            details={"field": "emblem"},
        )
    if kind == "image/svg+xml" and re.search(
        rb"<script|javascript:|\son\w+\s*=|<foreignObject", data, flags=re.IGNORECASE
    ):
        raise CitySettingError(
            _("SVG 상징 그림에 스크립트나 이벤트 속성이 있으면 안 됩니다."),
            details={"field": "emblem"},
        )
    return data, kind


def _checked_colour(text: str) -> str:
    colour = city_area.parse_colour(text)
    if colour is None:
        raise CitySettingError(
            _("색은 #1a5fb4처럼 16진수 여섯 자리로 적어 주세요: %(value)s") % {"value": text},
            details={"field": "colour"},
        )
    ratio = city_area.contrast_ratio(colour, "#ffffff")
    if ratio < MIN_CONTRAST:
        raise CitySettingError(
            _(
                "흰 바탕과의 명암비가 %(ratio).1f:1이라 읽기 어려운 색입니다: %(colour)s "
                "(%(minimum).1f:1 이상이어야 합니다). 더 진한 색을 골라 주세요."
            )
            % {"colour": colour, "ratio": ratio, "minimum": MIN_CONTRAST},
            details={"field": "colour", "ratio": round(ratio, 2)},
        )
    return colour


def _checked_name(text: str, field: str) -> str:
    name = city_area.normalise(text)
    if not name or len(name) > 100:
        raise CitySettingError(
            _("도시 이름은 1자 이상 100자 이하여야 합니다."), details={"field": field}
        )
    return name


def _resolved(queries: Sequence[str], areas: list[city_area.Area]) -> list[city_area.Area]:
    if not queries:
        raise CityAreaEmpty(
            _("도시의 지역을 하나 이상 적어 주세요 (코드 또는 시·도, 시·군·구 이름).")
        )
    chosen = [_resolved_one(query, areas) for query in queries]
    return list(city_area.cover(chosen, areas))


def _absorbed(
    queries: Sequence[str], kept: list[city_area.Area], areas: list[city_area.Area]
) -> list[dict[str, str]]:
    """Areas named that lie inside another one named (`city set 서울특별시 강남구` without
    quotes names 서울특별시 and 강남구: the city is then all of 서울특별시), to say so."""
    by_code = {a.code: a for a in areas}
    parents = {a.code: a.parent_code for a in areas}
    kept_codes = {a.code for a in kept}
    found = []
    for query in queries:
        area = _resolved_one(query, areas)
        if area.code in kept_codes:
            continue
        parent = parents.get(area.code)
        while parent and parent not in kept_codes:
            parent = parents.get(parent)
        if parent:
            found.append(
                {
                    "code": area.code,
                    "full_name": area.full_name,
                    "inside": by_code[parent].full_name,
                }
            )
    return found


def _resolved_one(query: str, areas: list[city_area.Area]) -> city_area.Area:
    """One area by code or name; each way of not finding it is its own error."""
    try:
        return city_area.resolve(query, areas)
    except city_area.AreaQueryError as error:
        candidates = [{"code": a.code, "full_name": a.full_name} for a in error.candidates]
        listed = ", ".join(f"{a.full_name} ({a.code})" for a in error.candidates)
        details = {"query": query, "candidates": candidates}
        if error.reason == "empty":
            raise CityAreaEmpty(
                _("빈 지역 이름이 있습니다. 코드나 시·도, 시·군·구 이름을 적어 주세요."),
                details=details,
            ) from None
        if error.reason == "ambiguous":
            raise CityAreaAmbiguous(
                _(
                    "이 이름에 맞는 지역이 여럿입니다: %(query)s → %(candidates)s. "
                    "시·도를 붙인 이름이나 코드로 하나를 골라 주세요."
                )
                % {"query": query, "candidates": listed},
                details=details,
            ) from None
        if error.reason == "level":
            raise CityAreaLevel(
                _(
                    "읍·면·동은 도시의 지역이 될 수 없습니다: %(query)s → %(candidates)s. "
                    "시·도나 시·군·구를 적어 주세요."
                )
                % {"query": query, "candidates": listed},
                details=details,
            ) from None
        if error.reason == "bad_code":
            raise CityAreaUnknown(
                _(
                    "지역 코드가 아닙니다: %(query)s. 코드는 2자리(시·도), "
                    "5자리(시·군·구) 또는 10자리 숫자입니다."
                )
                % {"query": query},
                details=details,
            ) from None
        raise CityAreaUnknown(
            _(
                "불러온 지역에 이런 시·도나 시·군·구가 없습니다: %(query)s. "
                "`learncity regions summary`로 불러온 지역을 확인해 주세요."
            )
            % {"query": query},
            details=details,
        ) from None


def city_set(
    *,
    areas: Sequence[str] | None = None,
    name: str | None = None,
    name_en: str | None = None,
    colour: str | None = None,
    emblem: bytes | None = None,
    remove_emblem: bool = False,
    demo: bool | None = None,
) -> dict[str, Any]:
    """Set the city this deployment serves: its areas (codes or names of 시·도 and 시·군·구;
    several make a consortium), and optionally its name, English name, colour and emblem.

    Without `areas`, an existing city keeps its areas and only the other settings change.
    Changing the areas without a name names the city after them (`서울특별시 강남구`).
    Everything is checked before anything is written.
    """
    from learncity.regions.selectors import areas_of, region_refs

    with transaction.atomic():
        city = City.objects.select_for_update().prefetch_related("areas").first()
        chosen: list[city_area.Area] | None = None
        absorbed: list[dict[str, str]] = []
        if areas is not None or city is None:
            known = areas_of(region_refs())
            chosen = _resolved(list(areas or []), known)
            absorbed = _absorbed(list(areas or []), chosen, known)
        new_name = _checked_name(name, "name") if name is not None else None
        new_name_en = (
            (_checked_name(name_en, "name_en") if name_en.strip() else "")
            if name_en is not None
            else None
        )
        new_colour = (
            (_checked_colour(colour) if colour.strip() else "") if colour is not None else None
        )
        new_emblem = _checked_emblem(emblem) if emblem is not None else None

        if city is None:
            city = City(name="")
        if (
            chosen is not None
            and new_name is None
            and (not city.pk or {a.code for a in chosen} != {a.code for a in city.areas.all()})
        ):
            new_name = city_area.default_name(chosen)
            if new_name_en is None:
                new_name_en = ""  # the old English name was another area's
        if new_name is not None:
            city.name = new_name
        if new_name_en is not None:
            city.name_en = new_name_en
        if new_colour is not None:
            city.colour = new_colour
        if new_emblem is not None:
            city.emblem, city.emblem_type = new_emblem
        elif remove_emblem:
            city.emblem, city.emblem_type = b"", ""
        if demo is not None:
            city.is_demo = demo
        city.save()
        if chosen is not None:
            CityArea.objects.filter(city=city).delete()
            CityArea.objects.bulk_create(
                CityArea(city=city, code=a.code, full_name=a.full_name) for a in chosen
            )
    from learncity.regions.selectors import city_show

    # `absorbed`: areas named inside another one named, which add nothing (said by the command)
    return {**city_show(), "absorbed": absorbed}


def city_clear() -> dict[str, Any]:
    """Forget the city: every loaded area counts again, and pages say to set one."""
    with transaction.atomic():
        deleted, _counts = City.objects.all().delete()
    return {"cleared": deleted > 0}
