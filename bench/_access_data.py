"""Real places for `learncity bench access`: every 읍·면·동 of the population file, placed.

Neighbourhoods come from the Ministry of the Interior's population file; each is placed at the
centroid of its 2018 Statistics Korea boundary, matched by the project's boundary matching
(name inside province and district). Areas without a boundary of their own (new since 2018,
branch offices, splits) are placed at the mean centroid of the placed areas of their district
(or, failing that, their province) plus a seeded jitter of up to ±0.01° — counted in `placed`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import shape

from learncity.algorithms import boundary_matching, population_file, topojson
from learncity.algorithms.korean_regions import Level

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("LEARNCITY_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
POPULATION = SHARED / "population" / "mois-age-by-dong-2025-05.csv"
BOUNDARIES = SHARED / "boundaries" / "kostat-2018-submunicipalities-topo-simple.json"


@dataclass(frozen=True)
class Neighbourhoods:
    codes: list[str]
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    placed: dict[str, int]  # how many were placed how


def _property(properties: dict[str, object], keys: tuple[str, ...]) -> str:
    for key in keys:
        if properties.get(key) not in (None, ""):
            return str(properties[key])
    return ""


def neighbourhoods(seed: int = 0) -> Neighbourhoods:
    parsed = population_file.parse(POPULATION.read_bytes())
    rows = [r for r in parsed.rows if r.level is Level.NEIGHBOURHOOD]
    areas = [
        boundary_matching.Area(
            code=r.code,
            level=Level.NEIGHBOURHOOD,
            name=r.name,
            full_name=r.full_name,
            province_code=r.code[:2] + "0" * 8,
            district_code=r.parent_code,
            kind=r.kind,
        )
        for r in rows
    ]
    decoded = topojson.features(topojson.load(BOUNDARIES.read_text("utf-8")))
    features, centroid = [], {}
    for item in decoded:
        code = _property(item.properties, ("code", "adm_cd", "EMD_CD"))
        name = _property(item.properties, ("name", "adm_nm", "EMD_KOR_NM")).split(" ")[-1]
        if item.geometry is None or item.problem:
            continue
        point = shapely.centroid(shape(item.geometry))
        centroid[item.index] = (point.y, point.x)
        features.append(boundary_matching.Feature(item.index, code, name))
    result = boundary_matching.match(areas, features, Level.NEIGHBOURHOOD)
    rng = np.random.default_rng(seed)
    lat = np.full(len(rows), np.nan)
    lon = np.full(len(rows), np.nan)
    placed = {"boundary": 0, "district_mean_jitter": 0, "province_mean_jitter": 0}
    for i, row in enumerate(rows):
        match = result.matches.get(row.code)
        parts = [centroid[f] for f in (match.features if match else ()) if f in centroid]
        if parts:
            lat[i] = float(np.mean([p[0] for p in parts]))
            lon[i] = float(np.mean([p[1] for p in parts]))
            placed["boundary"] += 1
    for key, width in (("district_mean_jitter", 5), ("province_mean_jitter", 2)):
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(row.code[:width], []).append(i)
        for i, row in enumerate(rows):
            if np.isnan(lat[i]):
                known = [j for j in groups[row.code[:width]] if not np.isnan(lat[j])]
                if known:
                    lat[i] = float(np.mean(lat[known])) + rng.uniform(-0.01, 0.01)
                    lon[i] = float(np.mean(lon[known])) + rng.uniform(-0.01, 0.01)
                    placed[key] += 1
    keep = ~np.isnan(lat)
    placed["not_placed"] = int((~keep).sum())
    return Neighbourhoods(
        codes=[r.code for r, k in zip(rows, keep, strict=True) if k],
        lat=lat[keep],
        lon=lon[keep],
        population=np.array([r.total for r in rows], dtype=float)[keep],
        placed=placed,
    )


def venues_around(places: Neighbourhoods, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """n venues resampled around real neighbourhoods, more where more people live (±~1.5 km)."""
    rng = np.random.default_rng(seed)
    weight = places.population / places.population.sum()
    pick = rng.choice(len(weight), size=n, p=weight)
    lat = places.lat[pick] + rng.normal(0, 0.008, n)
    lon = places.lon[pick] + rng.normal(0, 0.010, n)
    return lat, lon


def grid_points(places: Neighbourhoods, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A regular grid of about n points over the bounding box of Korea's neighbourhoods."""
    lat0, lat1 = float(places.lat.min()), float(places.lat.max())
    lon0, lon1 = float(places.lon.min()), float(places.lon.max())
    aspect = (lon1 - lon0) * np.cos(np.radians((lat0 + lat1) / 2)) / (lat1 - lat0)
    rows = round(np.sqrt(n / aspect))
    cols = int(np.ceil(n / rows))
    lat, lon = np.meshgrid(np.linspace(lat0, lat1, rows), np.linspace(lon0, lon1, cols))
    return lat.ravel()[:n].copy(), lon.ravel()[:n].copy()
