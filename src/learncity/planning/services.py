"""Planning use cases: the 15-minute learning zone and where the next learning centres go.

Nothing here writes: the figures are computed from the regions and the catalog on request
(a country's 3,600 neighbourhoods take well under a second). The travel model is the
straight line x detour at walking speed unless a street network file is given.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext, gettext_lazy

from learncity.algorithms import access, mclp, osm
from learncity.algorithms.svgmap import MapPoint, MapShape, render_map
from learncity.core.errors import DomainError, InputFileError
from learncity.planning import selectors
from learncity.planning.selectors import PLACED_NONE, PLACED_WORDS, Neighbourhood, VenuePlace
from learncity.regions.selectors import city_counted_districts, region_refs

SOURCE_NOTE = gettext_lazy(
    "인구: 행정안전부 주민등록 연령별 인구; 경계: 통계청 2018; "
    "강좌: 교육부 전국평생학습강좌표준데이터"
)


class PlanningError(DomainError):
    code = "planning_error"


@dataclass(frozen=True)
class Options:
    minutes: float = access.DEFAULT_MINUTES
    min_programmes: int = 1
    category: str | None = None
    target_group: str | None = None
    weekday: int | None = None  # ISO, 1 = Monday
    evening: bool = False
    walking_speed_kmh: float = access.DEFAULT_WALKING_SPEED_KMH
    detour_factor: float = access.DEFAULT_DETOUR_FACTOR
    network: str | None = None  # .osm / .osm.pbf / .graphml
    population_grid: str | None = None  # CSV lat,lon,residents[,seniors,children]
    districts: tuple[str, ...] = ()  # 시·군·구 codes; empty = all


@dataclass(frozen=True)
class NeighbourhoodAccess:
    code: str
    name: str
    district_code: str
    district_name: str
    lat: float | None
    lon: float | None
    residents: int
    seniors: int
    children: int
    minutes: float | None  # None: no venue reachable (or not placed)
    nearest_venue: str
    venues_within: int
    programmes_within: int
    covered: bool


@dataclass(frozen=True)
class DistrictCoverage:
    code: str
    name: str
    residents: int
    residents_covered: int
    seniors: int
    seniors_covered: int
    children: int
    children_covered: int
    venues: int

    def share(self, part: str) -> float | None:
        whole = getattr(self, part)
        return None if whole <= 0 else getattr(self, part + "_covered") / whole


@dataclass
class AccessResult:
    options: Options
    model: str
    neighbourhoods: list[NeighbourhoodAccess]
    districts: list[DistrictCoverage]
    venues: list[VenuePlace]
    not_placed: list[str] = field(default_factory=list)  # neighbourhoods without a centroid
    at_district_centroid: list[str] = field(default_factory=list)  # placed at their district's
    seconds: float = 0.0

    @property
    def totals(self) -> dict[str, Any]:
        def total(name: str) -> int:
            return sum(getattr(d, name) for d in self.districts)

        def share(part: str) -> float | None:
            whole = total(part)
            return None if whole == 0 else round(total(part + "_covered") / whole, 4)

        return {
            "residents": total("residents"),
            "residents_covered": total("residents_covered"),
            "residents_share": share("residents"),
            "seniors_share": share("seniors"),
            "children_share": share("children"),
        }


def _model(options: Options) -> access.TravelModel:
    try:
        if options.network:
            graph = osm.read_graph(options.network)
            return access.StreetNetwork(graph, walking_speed_kmh=options.walking_speed_kmh)
        return access.StraightLine(
            walking_speed_kmh=options.walking_speed_kmh, detour_factor=options.detour_factor
        )
    except osm.GraphReadError as error:
        refused = InputFileError(
            gettext("도로망 파일을 읽을 수 없습니다"), path=str(options.network)
        )
        refused.details["reason"] = str(error)  # the reader's words, for whoever fixes the file
        raise refused from None
    except ValueError as error:
        raise PlanningError(
            gettext("이동 모형 설정이 올바르지 않습니다"), details={"reason": str(error)}
        ) from None


def _check(options: Options) -> None:
    if not (math.isfinite(options.minutes) and 0 < options.minutes <= 240):
        raise PlanningError(gettext("도보 시간은 0분 초과 240분 이하여야 합니다"))
    if options.min_programmes < 0:
        raise PlanningError(gettext("최소 강좌 수는 0 이상이어야 합니다"))
    if options.weekday is not None and not 1 <= options.weekday <= 7:
        raise PlanningError(gettext("요일은 1(월)–7(일)입니다"))


@dataclass(frozen=True)
class GridCell:
    lat: float
    lon: float
    residents: float
    seniors: float
    children: float


def population_grid_read(path: str | Path) -> list[GridCell]:
    """A population grid: CSV with lat, lon, residents and optionally seniors, children."""
    file = Path(path)
    try:
        text = file.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(
            gettext("인구 격자 파일을 읽을 수 없습니다: %(error)s") % {"error": error},
            path=str(file),
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    needed = {"lat", "lon", "residents"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise InputFileError(
            gettext("인구 격자에는 lat, lon, residents 열이 있어야 합니다"),
            path=str(file),
        )
    cells = []
    for line, row in enumerate(reader, start=2):
        try:
            cell = GridCell(
                float(row["lat"]),
                float(row["lon"]),
                float(row["residents"]),
                float(row.get("seniors") or 0),
                float(row.get("children") or 0),
            )
        except (TypeError, ValueError):
            raise InputFileError(
                gettext("숫자가 아닌 값이 있습니다"), path=str(file), line=line
            ) from None
        values = (cell.lat, cell.lon, cell.residents, cell.seniors, cell.children)
        if not all(math.isfinite(v) for v in values) or min(values[2:]) < 0:
            raise InputFileError(
                gettext("값이 유효하지 않습니다"),
                path=str(file),
                line=line,
            )
        if abs(cell.lat) > 90 or abs(cell.lon) > 180:
            raise InputFileError(
                gettext("좌표가 위경도(WGS84)가 아닙니다"),
                path=str(file),
                line=line,
            )
        cells.append(cell)
    if not cells:
        raise InputFileError(gettext("인구 격자가 비어 있습니다"), path=str(file))
    return cells


def access_compute(options: Options | None = None) -> AccessResult:
    """Walking time to the nearest venue and programmes within T, per neighbourhood; coverage
    of residents, seniors and children per district."""
    options = options or Options()
    _check(options)
    started = time.perf_counter()
    model = _model(options)
    refs = region_refs()
    # no districts asked: the city's (`learncity city set`), so that every denominator is its
    # residents; every loaded district only when no city is set
    areas = selectors.neighbourhoods(
        district_codes=list(options.districts) or city_counted_districts(refs=refs), refs=refs
    )
    venues = selectors.venue_places(
        category=options.category,
        target_group=options.target_group,
        weekday=options.weekday,
        evening=options.evening,
        refs=refs,
    )
    placed_venues = [v for v in venues if v.lat is not None and v.lon is not None]
    qualifying = [v for v in placed_venues if v.programmes >= max(options.min_programmes, 1)]
    venue_points = access.Points.of([(v.lat, v.lon) for v in qualifying])  # type: ignore[misc]
    weights = np.array([v.programmes for v in qualifying], dtype=float)

    # a 읍·면·동 without a location of its own (no boundary matched) stands at its 시·군·구's
    # centroid, and is listed; one whose district has none either is left out and listed
    district_centroids = {ref.code: ref.centroid for ref in refs if ref.level == "district"}
    at_district = [
        a.code for a in areas if a.centroid is None and district_centroids.get(a.district_code)
    ]
    areas = [
        replace(a, centroid=district_centroids[a.district_code]) if a.code in at_district else a
        for a in areas
    ]
    placed_areas = [a for a in areas if a.centroid is not None]
    not_placed = [a.code for a in areas if a.centroid is None]
    origins = access.Points.of([a.centroid for a in placed_areas])  # type: ignore[misc]
    reach = model.reach(origins, venue_points, minutes=options.minutes, weights=weights)
    covered = reach.minutes <= options.minutes + access.TOLERANCE_MIN

    rows: list[NeighbourhoodAccess] = []
    for i, area in enumerate(placed_areas):
        minutes = float(reach.minutes[i])
        rows.append(
            NeighbourhoodAccess(
                code=area.code,
                name=area.name,
                district_code=area.district_code,
                district_name=area.district_name,
                lat=area.centroid[0] if area.centroid else None,
                lon=area.centroid[1] if area.centroid else None,
                residents=area.residents,
                seniors=area.seniors,
                children=area.children,
                minutes=round(minutes, 2) if math.isfinite(minutes) else None,
                nearest_venue=qualifying[int(reach.nearest[i])].name
                if reach.nearest[i] >= 0
                else "",
                venues_within=int(reach.reachable_venues[i]),
                programmes_within=round(float(reach.reachable_weight[i])),
                covered=bool(covered[i]),
            )
        )
    for area in areas:
        if area.centroid is None:
            rows.append(
                NeighbourhoodAccess(
                    area.code,
                    area.name,
                    area.district_code,
                    area.district_name,
                    None,
                    None,
                    area.residents,
                    area.seniors,
                    area.children,
                    None,
                    "",
                    0,
                    0,
                    False,
                )
            )
    rows.sort(key=lambda r: r.code)
    if options.population_grid:
        rows_for_coverage = _grid_rows(options, model, areas, venue_points, weights)
    else:
        rows_for_coverage = rows
    district_rows = _districts(rows_for_coverage, qualifying, areas)
    return AccessResult(
        options=options,
        model=model.name,
        neighbourhoods=rows,
        districts=district_rows,
        venues=venues,
        not_placed=not_placed,
        at_district_centroid=at_district,
        seconds=time.perf_counter() - started,
    )


def _grid_rows(
    options: Options,
    model: access.TravelModel,
    areas: list[Neighbourhood],
    venue_points: access.Points,
    weights: np.ndarray,
) -> list[NeighbourhoodAccess]:
    """Coverage from a population grid: each cell counted in the district of the nearest
    neighbourhood centroid (cells farther than 20 km from any are left out)."""
    assert options.population_grid is not None
    cells = population_grid_read(options.population_grid)
    points = access.Points.of([(c.lat, c.lon) for c in cells])
    placed = [a for a in areas if a.centroid is not None]
    if not placed:
        return []
    nearest_area = access.StraightLine(detour_factor=1.0).reach(
        points,
        access.Points.of([a.centroid for a in placed]),  # type: ignore[misc]
    )
    reach = model.reach(points, venue_points, minutes=options.minutes, weights=weights)
    rows = []
    for i, cell in enumerate(cells):
        index = int(nearest_area.nearest[i])
        if index < 0 or nearest_area.minutes[i] * 80 > 20_000:  # 80 m a minute at detour 1
            continue
        area = placed[index]
        minutes = float(reach.minutes[i])
        rows.append(
            NeighbourhoodAccess(
                code=f"grid:{i}",
                name=area.name,
                district_code=area.district_code,
                district_name=area.district_name,
                lat=cell.lat,
                lon=cell.lon,
                residents=round(cell.residents),
                seniors=round(cell.seniors),
                children=round(cell.children),
                minutes=minutes if math.isfinite(minutes) else None,
                nearest_venue="",
                venues_within=int(reach.reachable_venues[i]),
                programmes_within=round(float(reach.reachable_weight[i])),
                covered=bool(minutes <= options.minutes + access.TOLERANCE_MIN),
            )
        )
    return rows


def _districts(
    rows: Sequence[NeighbourhoodAccess], venues: list[VenuePlace], areas: list[Neighbourhood]
) -> list[DistrictCoverage]:
    names = {a.district_code: a.district_name for a in areas}
    totals: dict[str, list[int]] = {code: [0] * 6 for code in names}
    for row in rows:
        values = totals.setdefault(row.district_code, [0] * 6)
        for k, amount in enumerate((row.residents, row.seniors, row.children)):
            values[2 * k] += amount
            if row.covered:
                values[2 * k + 1] += amount
    venue_count: dict[str, int] = {}
    for venue in venues:
        venue_count[venue.district_code] = venue_count.get(venue.district_code, 0) + 1
    return [
        DistrictCoverage(
            code,
            names.get(code, code),
            values[0],
            values[1],
            values[2],
            values[3],
            values[4],
            values[5],
            venues=venue_count.get(code, 0),
        )
        for code, values in sorted(totals.items())
    ]


# ------------------------------------------------------------------ site planning


@dataclass(frozen=True)
class Candidate:
    name: str
    lat: float
    lon: float
    code: str = ""


def candidates_read(path: str | Path) -> list[Candidate]:
    """Candidate sites: CSV with name, lat, lon (e.g. public buildings)."""
    file = Path(path)
    try:
        text = file.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(
            gettext("후보지 파일을 읽을 수 없습니다: %(error)s") % {"error": error},
            path=str(file),
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"name", "lat", "lon"} <= set(reader.fieldnames):
        raise InputFileError(
            gettext("후보지 파일에는 name, lat, lon 열이 있어야 합니다"),
            path=str(file),
        )
    result = []
    for line, row in enumerate(reader, start=2):
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            raise InputFileError(
                gettext("좌표가 숫자가 아닙니다"), path=str(file), line=line
            ) from None
        if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
            raise InputFileError(
                gettext("좌표가 위경도(WGS84)가 아닙니다"),
                path=str(file),
                line=line,
            )
        result.append(Candidate(name=(row["name"] or "").strip() or f"#{line}", lat=lat, lon=lon))
    if not result:
        raise InputFileError(gettext("후보지가 없습니다"), path=str(file))
    return result


def participation_read(path: str | Path) -> dict[str, float]:
    """Participation rates per neighbourhood: CSV with code, rate (0–1 or a percentage)."""
    file = Path(path)
    try:
        reader = csv.DictReader(io.StringIO(file.read_text("utf-8-sig")))
        rows = list(reader)
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(
            gettext("참여율 파일을 읽을 수 없습니다: %(error)s") % {"error": error},
            path=str(file),
        ) from None
    if not reader.fieldnames or not {"code", "rate"} <= set(reader.fieldnames):
        raise InputFileError(
            gettext("참여율 파일에는 code, rate 열이 있어야 합니다"),
            path=str(file),
        )
    rates = {}
    for line, row in enumerate(rows, start=2):
        try:
            rate = float(row["rate"])
        except (TypeError, ValueError):
            raise InputFileError(
                gettext("참여율이 숫자가 아닙니다"), path=str(file), line=line
            ) from None
        if not math.isfinite(rate) or rate < 0:
            raise InputFileError(gettext("참여율이 유효하지 않습니다"), path=str(file), line=line)
        rates[(row["code"] or "").strip()] = rate
    return rates


@dataclass(frozen=True)
class SiteOptions:
    k: int = 5
    senior_weight: float = 1.0  # a senior counts as this many residents (demand_weights)
    low_participation_weight: float = 1.0  # multiplier for neighbourhoods below the median rate
    participation: dict[str, float] | None = None  # neighbourhood code -> participation rate
    candidates: str | None = None  # CSV; default: the neighbourhood centroids
    time_limit_s: float = 30.0


@dataclass
class SitesResult:
    access: AccessResult
    sites: list[dict[str, Any]]
    exact: mclp.Solution
    greedy: mclp.Solution
    gap: float
    demand_weight: float
    residents_newly_covered: int
    candidates: int


def demand_weights(
    rows: Sequence[NeighbourhoodAccess],
    *,
    senior_weight: float = 1.0,
    low_participation_weight: float = 1.0,
    participation: dict[str, float] | None = None,
) -> np.ndarray:
    """Weight of each neighbourhood not yet covered: residents + (senior_weight - 1) x seniors,
    times low_participation_weight where participation is below the median of those given."""
    median = float(np.median(list(participation.values()))) if participation else None
    weights = []
    for row in rows:
        if row.covered:
            weights.append(0.0)
            continue
        weight = row.residents + (senior_weight - 1.0) * row.seniors
        if participation and median is not None and participation.get(row.code, median) < median:
            weight *= low_participation_weight
        weights.append(max(weight, 0.0))
    return np.array(weights, dtype=float)


def sites_propose(
    options: Options | None = None,
    site_options: SiteOptions | None = None,
    *,
    computed: AccessResult | None = None,
) -> SitesResult:
    """Choose K new sites that newly cover the most (weighted) residents: exact and greedy.

    ``computed``: an access result for the same options without district filter, reused
    (the report computes the country once) and narrowed to ``options.districts``.
    """
    options = options or Options()
    site_options = site_options or SiteOptions()
    if not 1 <= site_options.k <= 200:
        raise PlanningError(gettext("K는 1–200이어야 합니다"))
    for value in (site_options.senior_weight, site_options.low_participation_weight):
        if not (math.isfinite(value) and 0 <= value <= 100):
            raise PlanningError(gettext("가중치는 0–100입니다"))
    if computed is not None:
        wanted = set(options.districts)
        result = AccessResult(
            options=options,
            model=computed.model,
            neighbourhoods=[
                r for r in computed.neighbourhoods if not wanted or r.district_code in wanted
            ],
            districts=[d for d in computed.districts if not wanted or d.code in wanted],
            venues=computed.venues,
            not_placed=computed.not_placed,
            at_district_centroid=computed.at_district_centroid,
            seconds=computed.seconds,
        )
    else:
        result = access_compute(options)
    model = _model(options)
    rows = [r for r in result.neighbourhoods if r.lat is not None and r.lon is not None]
    if site_options.candidates:
        candidates = candidates_read(site_options.candidates)
    else:
        candidates = [Candidate(r.name, r.lat, r.lon, r.code) for r in rows]  # type: ignore[arg-type]
    if not rows or not candidates:
        raise PlanningError(
            gettext("계획할 읍·면·동이나 후보지가 없습니다 (인구 자료를 먼저 불러오세요)")
        )
    demand = access.Points.of([(r.lat, r.lon) for r in rows])  # type: ignore[misc]
    points = access.Points.of([(c.lat, c.lon) for c in candidates])
    cover = model.cover_sets(demand, points, minutes=options.minutes)
    weights = demand_weights(
        rows,
        senior_weight=site_options.senior_weight,
        low_participation_weight=site_options.low_participation_weight,
        participation=site_options.participation,
    )
    comparison = mclp.compare(
        cover, weights, site_options.k, len(candidates), time_limit_s=site_options.time_limit_s
    )
    chosen = comparison.exact.chosen
    covers_of = {j: [i for i, c in enumerate(cover) if j in set(c.tolist())] for j in chosen}
    newly: set[int] = set()
    sites = []
    for rank, j in enumerate(chosen, start=1):
        gained = [i for i in covers_of[j] if weights[i] > 0]
        newly.update(gained)
        sites.append(
            {
                "rank": rank,
                "name": candidates[j].name,
                "code": candidates[j].code,
                "lat": round(candidates[j].lat, 6),
                "lon": round(candidates[j].lon, 6),
                "neighbourhoods_reached": [rows[i].code for i in gained],
                "residents_reached": int(sum(rows[i].residents for i in gained)),
            }
        )
    return SitesResult(
        access=result,
        sites=sites,
        exact=comparison.exact,
        greedy=comparison.greedy,
        gap=comparison.gap,
        demand_weight=float(weights.sum()),
        residents_newly_covered=int(sum(rows[i].residents for i in newly)),
        candidates=len(candidates),
    )


# ------------------------------------------------------------------ outputs


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def district_table(result: AccessResult) -> list[dict[str, Any]]:
    return [
        {
            "code": d.code,
            "name": d.name,
            "venues": d.venues,
            "residents": d.residents,
            "residents_covered": d.residents_covered,
            "residents_share": _share(d.share("residents")),
            "seniors": d.seniors,
            "seniors_covered": d.seniors_covered,
            "seniors_share": _share(d.share("seniors")),
            "children": d.children,
            "children_covered": d.children_covered,
            "children_share": _share(d.share("children")),
        }
        for d in result.districts
    ]


def venue_placement_table(result: AccessResult) -> list[dict[str, Any]]:
    """Venues not at their own coordinates, and how the computation placed them."""
    return [
        {
            "id": v.id,
            "name": v.name,
            "institution": v.institution,
            "placed": v.placed,
            "placed_ko": PLACED_WORDS[v.placed],
            "lat": v.lat,
            "lon": v.lon,
            "programmes": v.programmes,
        }
        for v in result.venues
        if v.placed != selectors.PLACED_EXACT
    ]


def access_json(result: AccessResult) -> dict[str, Any]:
    return {
        "minutes": result.options.minutes,
        "model": result.model,
        "walking_speed_kmh": result.options.walking_speed_kmh,
        "detour_factor": result.options.detour_factor if result.model == "straight-line" else None,
        "min_programmes": result.options.min_programmes,
        "filters": {
            "category": result.options.category,
            "target_group": result.options.target_group,
            "weekday": result.options.weekday,
            "evening": result.options.evening,
        },
        "population": "grid" if result.options.population_grid else "neighbourhood centroids",
        "totals": result.totals,
        "districts": district_table(result),
        "neighbourhoods": [asdict(n) for n in result.neighbourhoods],
        "venues_placed": venue_placement_table(result),
        "venues_not_placed": sum(1 for v in result.venues if v.placed == PLACED_NONE),
        "neighbourhoods_without_centroid": result.not_placed,
        "neighbourhoods_at_district_centroid": result.at_district_centroid,
        "seconds": round(result.seconds, 3),
    }


def sites_json(result: SitesResult) -> dict[str, Any]:
    return {
        "k": len(result.sites),
        "minutes": result.access.options.minutes,
        "candidates": result.candidates,
        "sites": result.sites,
        "residents_newly_covered": result.residents_newly_covered,
        "demand_weight": result.demand_weight,
        "exact": {
            "objective": result.exact.objective,
            "status": result.exact.status,
            "seconds": round(result.exact.seconds, 3),
            "bound": result.exact.bound,
            "solver_gap": result.exact.mip_gap,
            "chosen": list(result.exact.chosen),
        },
        "greedy": {
            "objective": result.greedy.objective,
            "seconds": round(result.greedy.seconds, 3),
            "chosen": list(result.greedy.chosen),
        },
        "gap": round(result.gap, 6),
    }


def access_geojson(result: AccessResult, sites: SitesResult | None = None) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    for row in result.neighbourhoods:
        if row.lat is None or row.lon is None:
            continue
        properties = asdict(row)
        properties["kind"] = "neighbourhood"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                "properties": properties,
            }
        )
    for venue in result.venues:
        if venue.lat is None or venue.lon is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [venue.lon, venue.lat]},
                "properties": {"kind": "venue", **asdict(venue)},
            }
        )
    for site in sites.sites if sites else []:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site["lon"], site["lat"]]},
                "properties": {"kind": "proposed_site", **site},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def access_csv(result: AccessResult) -> str:
    out = io.StringIO()
    rows = district_table(result)
    writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["code"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def neighbourhood_csv(result: AccessResult) -> str:
    out = io.StringIO()
    fields = list(NeighbourhoodAccess.__dataclass_fields__)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in result.neighbourhoods:
        writer.writerow(asdict(row))
    return out.getvalue()


def sites_csv(result: SitesResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "name", "code", "lat", "lon", "residents_reached", "neighbourhoods"])
    for site in result.sites:
        writer.writerow(
            [
                site["rank"],
                site["name"],
                site["code"],
                site["lat"],
                site["lon"],
                site["residents_reached"],
                " ".join(site["neighbourhoods_reached"]),
            ]
        )
    return out.getvalue()


def access_map(
    result: AccessResult,
    *,
    sites: SitesResult | None = None,
    district_code: str | None = None,
    href: str | None = None,
) -> str:
    """Neighbourhood centroids coloured by walking minutes, venues (and proposed sites) on top."""
    minutes = result.options.minutes
    rows = [
        r
        for r in result.neighbourhoods
        if r.lat is not None and (district_code is None or r.district_code == district_code)
    ]
    shapes = [
        MapShape(
            code=r.code,
            name=f"{r.district_name} {r.name}".strip(),
            geometry={"type": "Point", "coordinates": [r.lon, r.lat]},
            value=r.minutes,
            href=href.format(code=r.district_code) if href else None,
        )
        for r in rows
    ]
    keep = {r.district_code for r in rows}
    points = [
        MapPoint(v.lat, v.lon, f"{v.name} ({v.programmes}) · {PLACED_WORDS[v.placed]}")
        for v in result.venues
        if v.lat is not None
        and v.lon is not None
        and v.programmes > 0
        and (district_code is None or v.district_code in keep)
    ]
    for site in sites.sites if sites else []:
        points.append(
            MapPoint(
                site["lat"],
                site["lon"],
                gettext("제안 %(rank)s: %(name)s") % {"rank": site["rank"], "name": site["name"]},
                "site",
            )
        )
    half = minutes / 2
    return render_map(
        shapes,
        points,
        title=gettext("가장 가까운 학습 장소까지 도보 시간 (T = %(minutes)s분)")
        % {"minutes": f"{minutes:g}"},
        breaks=[half, minutes, 2 * minutes],
        reverse=True,
        class_labels=[
            gettext("%(n)s분 미만") % {"n": f"{half:g}"},
            gettext("%(low)s–%(high)s분") % {"low": f"{half:g}", "high": f"{minutes:g}"},
            gettext("%(low)s–%(high)s분") % {"low": f"{minutes:g}", "high": f"{2 * minutes:g}"},
            gettext("%(n)s분 이상") % {"n": f"{2 * minutes:g}"},
        ],
        legend_title=gettext("도보"),
        value_format="{:,.1f}",
        unit=gettext("분"),
        point_radius=3.0,
        id_prefix="planning-sites-" if sites else "planning-access-",
        legend_words={
            "no_data": gettext("자료 없음"),
            "venue": gettext("학습 장소"),
            "site": gettext("제안 입지"),
            "all": gettext("모두"),
        },
    )


def report_section(year: int | None = None) -> dict[str, Any]:
    """The annual report's section on the 15-minute learning zone (tables, a map, notes)."""
    result = access_compute(Options())
    districts = [d for d in result.districts if d.residents > 0]
    columns = [
        gettext("시·군·구"),
        gettext("학습 장소"),
        gettext("주민"),
        gettext("15분 내 주민"),
        gettext("어르신(65+) 15분 내"),
        gettext("아동(0–14) 15분 내"),
    ]

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}%"

    rows = [
        [
            d.name,
            d.venues,
            d.residents,
            pct(d.share("residents")),
            pct(d.share("seniors")),
            pct(d.share("children")),
        ]
        for d in districts
    ]
    tables = [
        {
            "title": gettext("시·군·구별 도보 15분 학습권 (읍·면·동 중심점 기준)"),
            "columns": columns,
            "rows": rows,
        }
    ]
    speed, detour = access.DEFAULT_WALKING_SPEED_KMH, access.DEFAULT_DETOUR_FACTOR
    radius = access.StraightLine().radius_m(15)
    notes = [
        gettext("도보 %(speed)s km/h, 우회계수 %(detour)s (직선 %(radius)s m)")
        % {"speed": f"{speed:g}", "detour": f"{detour:g}", "radius": f"{radius:.0f}"},
        gettext("주민은 읍·면·동 중심점에 있다고 봅니다"),
        gettext("좌표 없는 학습 장소 %(count)s곳은 읍·면·동 또는 시·군·구 중심점에 두었습니다")
        % {"count": sum(1 for v in result.venues if v.placed != "coordinates")},
        str(SOURCE_NOTE),
    ]
    figures = []
    venue_districts = sorted({v.district_code for v in result.venues if v.district_code})
    if venue_districts:
        try:
            proposal = sites_propose(
                Options(districts=tuple(venue_districts)),
                SiteOptions(k=5, time_limit_s=10),
                computed=result,
            )
        except PlanningError:
            proposal = None
        if proposal is not None:
            tables.append(
                {
                    "title": gettext("새 학습센터 입지 제안 (K = 5, 최대 커버링)"),
                    "columns": [
                        gettext("순위"),
                        gettext("후보지"),
                        gettext("새로 15분 내 주민"),
                    ],
                    "rows": [
                        [s["rank"], s["name"], s["residents_reached"]] for s in proposal.sites
                    ],
                }
            )
            notes.append(
                gettext("최적해 %(exact)s, 탐욕해 %(greedy)s (차이 %(gap)s)")
                % {
                    "exact": f"{proposal.exact.objective:,.0f}",
                    "greedy": f"{proposal.greedy.objective:,.0f}",
                    "gap": f"{100 * proposal.gap:.2f}%",
                }
            )
            figures.append(
                {
                    "title": gettext("도보 시간과 제안 입지"),
                    "svg": access_map(proposal.access, sites=proposal),
                }
            )
    if not figures:
        figures.append(
            {
                "title": gettext("가장 가까운 학습 장소까지 도보 시간"),
                "svg": access_map(result),
            }
        )
    return {
        "title": gettext("도보 15분 학습권과 학습센터 입지"),
        "year": year,
        "tables": tables,
        "figures": figures,
        "notes": notes,
    }


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
