"""Walking access to learning: nearest venue, programmes within T minutes, coverage.

Two travel models share one interface (``TravelModel.reach``):

* ``StraightLine`` — great-circle distance x a detour factor, walked at a walking speed.
  Defaults: 4.8 km/h (80 m a minute; adult walking speeds measured in the field are 1.2–1.4 m/s,
  and 1.2 m/s ≈ 4.3 km/h is the usual design value for older walkers — configurable) and a
  detour (circuity) factor of 1.3 (network distance over straight-line distance is about 1.2–1.4
  in cities: Levinson & El-Geneidy 2009, Boeing 2019). With these, 15 minutes = 1,200 m on the
  street = about 923 m as the crow flies, close to the "15 minutes ≈ 1 km" used by Busan.
  Points are put on the unit sphere (x, y, z) and searched with a k-d tree, so the distance is
  exact anywhere (no projection error across the country).
* ``StreetNetwork`` — shortest paths on a walking graph (``osm.read_graph`` reads OpenStreetMap
  extracts or GraphML). Origins and venues are snapped to their nearest graph node; the snap
  is walked in a straight line (no detour) and added to the network distance.

``reach`` answers, for every origin: the minutes to the nearest venue (``inf`` when none can be
reached), which venue, and the sum of venue weights (e.g. programmes) reachable within T
minutes, plus how many venues. ``coverage`` turns that into shares of residents by group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from learncity.algorithms import walking

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_WALKING_SPEED_KMH = walking.WALKING_SPEED_KMH  # the one speed search also walks at
DEFAULT_DETOUR_FACTOR = walking.DETOUR_FACTOR
DEFAULT_MINUTES = 15.0
# walking times are compared with T within this tolerance (floating rounding only)
TOLERANCE_MIN = 1e-9


@dataclass(frozen=True)
class Points:
    """Coordinates in WGS84 degrees, as two float arrays of the same length."""

    lat: np.ndarray
    lon: np.ndarray

    @classmethod
    def of(cls, pairs: Sequence[tuple[float, float]]) -> Points:
        """From (lat, lon) pairs."""
        array = np.asarray(pairs, dtype=float).reshape(-1, 2)
        return cls(lat=array[:, 0].copy(), lon=array[:, 1].copy())

    def __post_init__(self) -> None:
        lat = np.asarray(self.lat, dtype=float)
        lon = np.asarray(self.lon, dtype=float)
        if lat.shape != lon.shape or lat.ndim != 1:
            raise ValueError("latitudes and longitudes must be two 1-d arrays of one length")
        if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
            raise ValueError("coordinates must be finite numbers")
        if (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
            raise ValueError("coordinates outside latitude ±90 / longitude ±180 (not WGS84?)")
        object.__setattr__(self, "lat", lat)
        object.__setattr__(self, "lon", lon)

    def __len__(self) -> int:
        return int(self.lat.shape[0])

    def unit_xyz(self) -> np.ndarray:
        """Points on the unit sphere, float64 (n, 3)."""
        lat = np.radians(self.lat)
        lon = np.radians(self.lon)
        cos_lat = np.cos(lat)
        return np.column_stack((cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)))


def chord_for_metres(metres: float) -> float:
    """Unit-sphere chord length of a great-circle distance in metres."""
    angle = min(metres / EARTH_RADIUS_M, math.pi)
    return 2.0 * math.sin(angle / 2.0)


def metres_for_chord(chord: np.ndarray) -> np.ndarray:
    """Great-circle metres of unit-sphere chord lengths (inf stays inf)."""
    with np.errstate(invalid="ignore"):
        result = 2.0 * EARTH_RADIUS_M * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    return np.where(np.isinf(chord), np.inf, result)


@dataclass(frozen=True)
class Reach:
    """Per origin: minutes to the nearest venue, which venue, and what lies within T."""

    minutes: np.ndarray  # float, inf when no venue can be reached
    nearest: np.ndarray  # int venue index, -1 when none
    reachable_weight: np.ndarray  # float: sum of weights of venues within T minutes
    reachable_venues: np.ndarray  # int: number of venues within T minutes
    limit_minutes: float


class TravelModel(Protocol):
    @property
    def name(self) -> str: ...

    def reach(
        self,
        origins: Points,
        venues: Points,
        *,
        minutes: float = DEFAULT_MINUTES,
        weights: np.ndarray | None = None,
    ) -> Reach: ...

    def cover_sets(
        self, demand: Points, candidates: Points, *, minutes: float
    ) -> list[np.ndarray]: ...


def _check_minutes(minutes: float) -> float:
    value = float(minutes)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
    return value


def _weights(weights: np.ndarray | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n, dtype=float)
    array = np.asarray(weights, dtype=float)
    if array.shape != (n,):
        raise ValueError(f"weights must have one value per venue ({n}), got shape {array.shape}")
    if not np.isfinite(array).all() or (array < 0).any():
        raise ValueError("weights must be finite numbers >= 0")
    return array


@dataclass(frozen=True)
class StraightLine:
    """Straight-line distance x detour factor at walking speed."""

    walking_speed_kmh: float = DEFAULT_WALKING_SPEED_KMH
    detour_factor: float = DEFAULT_DETOUR_FACTOR
    workers: int = -1
    name: str = field(default="straight-line", init=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.walking_speed_kmh) and self.walking_speed_kmh > 0):
            raise ValueError("walking speed must be a positive number of km/h")
        if not (math.isfinite(self.detour_factor) and self.detour_factor >= 1):
            raise ValueError("the detour factor must be a number >= 1")

    @property
    def metres_per_minute(self) -> float:
        return self.walking_speed_kmh * 1000.0 / 60.0

    def radius_m(self, minutes: float) -> float:
        """Straight-line metres reachable in ``minutes``."""
        return minutes * self.metres_per_minute / self.detour_factor

    def minutes_for_metres(self, metres: np.ndarray) -> np.ndarray:
        return np.asarray(metres) * self.detour_factor / self.metres_per_minute

    def reach(
        self,
        origins: Points,
        venues: Points,
        *,
        minutes: float = DEFAULT_MINUTES,
        weights: np.ndarray | None = None,
    ) -> Reach:
        limit = _check_minutes(minutes)
        w = _weights(weights, len(venues))
        n = len(origins)
        if len(venues) == 0 or n == 0:
            return Reach(
                minutes=np.full(n, np.inf),
                nearest=np.full(n, -1, dtype=np.int64),
                reachable_weight=np.zeros(n),
                reachable_venues=np.zeros(n, dtype=np.int64),
                limit_minutes=limit,
            )
        origin_xyz = origins.unit_xyz()
        tree = cKDTree(venues.unit_xyz())
        chord, nearest = tree.query(origin_xyz, k=1, workers=self.workers)
        walk = self.minutes_for_metres(metres_for_chord(chord))
        nearest = np.asarray(nearest, dtype=np.int64)
        # only origins with a venue within T can reach any: query the ball for those alone
        radius = chord_for_metres(self.radius_m(limit + TOLERANCE_MIN))
        within = np.flatnonzero(walk <= limit + TOLERANCE_MIN)
        reachable_weight = np.zeros(n)
        reachable_venues = np.zeros(n, dtype=np.int64)
        if within.size:
            if np.all(w == 1.0):
                counts = tree.query_ball_point(
                    origin_xyz[within], r=radius, return_length=True, workers=self.workers
                )
                reachable_venues[within] = counts
                reachable_weight[within] = counts
            else:
                lists = tree.query_ball_point(origin_xyz[within], r=radius, workers=self.workers)
                lengths = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
                flat = np.fromiter(
                    (i for x in lists for i in x), dtype=np.int64, count=int(lengths.sum())
                )
                owner = np.repeat(np.arange(len(lists)), lengths)
                reachable_venues[within] = lengths
                reachable_weight[within] = np.bincount(owner, weights=w[flat], minlength=len(lists))
        return Reach(
            minutes=walk,
            nearest=nearest,
            reachable_weight=reachable_weight,
            reachable_venues=reachable_venues,
            limit_minutes=limit,
        )

    def cover_sets(self, demand: Points, candidates: Points, *, minutes: float) -> list[np.ndarray]:
        """For each demand point, the candidate indices within ``minutes`` (sorted)."""
        limit = _check_minutes(minutes)
        if len(candidates) == 0:
            return [np.zeros(0, dtype=np.int64) for _ in range(len(demand))]
        tree = cKDTree(candidates.unit_xyz())
        radius = chord_for_metres(self.radius_m(limit + TOLERANCE_MIN))
        lists = tree.query_ball_point(demand.unit_xyz(), r=radius, workers=self.workers)
        return [np.array(sorted(x), dtype=np.int64) for x in lists]


@dataclass(frozen=True)
class WalkGraph:
    """A walking graph: node coordinates and undirected edges with lengths in metres."""

    lat: np.ndarray
    lon: np.ndarray
    edges: np.ndarray  # (m, 2) int node indices
    length_m: np.ndarray  # (m,) float

    def __post_init__(self) -> None:
        Points(self.lat, self.lon)  # validates the coordinates
        edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        length = np.asarray(self.length_m, dtype=float)
        n = len(self.lat)
        if length.shape != (edges.shape[0],):
            raise ValueError("one length per edge is needed")
        if edges.size and (edges.min() < 0 or edges.max() >= n):
            raise ValueError("an edge refers to a node that is not in the graph")
        if not np.isfinite(length).all() or (length < 0).any():
            raise ValueError("edge lengths must be finite numbers of metres >= 0")
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "length_m", length)

    @property
    def nodes(self) -> Points:
        return Points(self.lat, self.lon)

    def matrix(self) -> csr_matrix:
        n = len(self.lat)
        # keep the shortest of parallel edges; csr sums duplicates, so reduce first
        best: dict[tuple[int, int], float] = {}
        for (a, b), length in zip(self.edges.tolist(), self.length_m.tolist(), strict=True):
            if a == b:
                continue
            key = (a, b) if a < b else (b, a)
            if key not in best or length < best[key]:
                best[key] = length
        if not best:
            return csr_matrix((n, n))
        keys = np.array(list(best.keys()), dtype=np.int64)
        values = np.array(list(best.values()), dtype=float)
        # an explicit zero would be dropped by scipy (no edge): use a tiny length instead
        values = np.where(values == 0, 1e-12, values)
        rows = np.concatenate([keys[:, 0], keys[:, 1]])
        cols = np.concatenate([keys[:, 1], keys[:, 0]])
        return csr_matrix((np.concatenate([values, values]), (rows, cols)), shape=(n, n))


@dataclass(frozen=True)
class StreetNetwork:
    """Shortest walking paths on a graph, snapping to the nearest node in a straight line."""

    graph: WalkGraph
    walking_speed_kmh: float = DEFAULT_WALKING_SPEED_KMH
    name: str = field(default="street-network", init=False)

    def __post_init__(self) -> None:
        if len(self.graph.lat) == 0:
            raise ValueError("the street network has no nodes")
        if not (math.isfinite(self.walking_speed_kmh) and self.walking_speed_kmh > 0):
            raise ValueError("walking speed must be a positive number of km/h")

    @property
    def metres_per_minute(self) -> float:
        return self.walking_speed_kmh * 1000.0 / 60.0

    def _snap(self, points: Points) -> tuple[np.ndarray, np.ndarray]:
        tree = cKDTree(self.graph.nodes.unit_xyz())
        chord, index = tree.query(points.unit_xyz(), k=1)
        return np.asarray(index, dtype=np.int64), metres_for_chord(np.asarray(chord))

    def _distances(self, sources: np.ndarray, limit_m: float | None) -> np.ndarray:
        """Network metres from each source node to every node (rows), inf beyond limit."""
        matrix = self.graph.matrix()
        out = np.empty((len(sources), matrix.shape[0]))
        for start in range(0, len(sources), 256):
            chunk = sources[start : start + 256]
            out[start : start + len(chunk)] = dijkstra(
                matrix,
                directed=False,
                indices=chunk,
                limit=np.inf if limit_m is None else limit_m,
            ).reshape(len(chunk), -1)
        return out

    def reach(
        self,
        origins: Points,
        venues: Points,
        *,
        minutes: float = DEFAULT_MINUTES,
        weights: np.ndarray | None = None,
    ) -> Reach:
        limit = _check_minutes(minutes)
        w = _weights(weights, len(venues))
        n = len(origins)
        if len(venues) == 0 or n == 0:
            return Reach(
                minutes=np.full(n, np.inf),
                nearest=np.full(n, -1, dtype=np.int64),
                reachable_weight=np.zeros(n),
                reachable_venues=np.zeros(n, dtype=np.int64),
                limit_minutes=limit,
            )
        origin_node, origin_snap = self._snap(origins)
        venue_node, venue_snap = self._snap(venues)
        matrix = self.graph.matrix()
        best = np.full(n, np.inf)
        nearest = np.full(n, -1, dtype=np.int64)
        reachable_weight = np.zeros(n)
        reachable_venues = np.zeros(n, dtype=np.int64)
        for start in range(0, len(venues), 256):
            chunk = slice(start, min(start + 256, len(venues)))
            metres = dijkstra(matrix, directed=False, indices=venue_node[chunk]).reshape(
                -1, matrix.shape[0]
            )
            total = (metres[:, origin_node] + venue_snap[chunk, None] + origin_snap[None, :]) / (
                self.metres_per_minute
            )
            local = np.argmin(total, axis=0)
            local_best = total[local, np.arange(n)]
            better = local_best < best  # strict: the lower venue index wins a tie
            best = np.where(better, local_best, best)
            nearest = np.where(better, local + start, nearest)
            inside = total <= limit + TOLERANCE_MIN
            reachable_weight += (inside * w[chunk, None]).sum(axis=0)
            reachable_venues += inside.sum(axis=0)
        return Reach(
            minutes=best,
            nearest=nearest,
            reachable_weight=reachable_weight,
            reachable_venues=reachable_venues,
            limit_minutes=limit,
        )

    def cover_sets(self, demand: Points, candidates: Points, *, minutes: float) -> list[np.ndarray]:
        limit = _check_minutes(minutes)
        if len(candidates) == 0:
            return [np.zeros(0, dtype=np.int64) for _ in range(len(demand))]
        demand_node, demand_snap = self._snap(demand)
        cand_node, cand_snap = self._snap(candidates)
        limit_m = (limit + TOLERANCE_MIN) * self.metres_per_minute
        dist = self._distances(cand_node, limit_m) + cand_snap[:, None]
        total = dist[:, demand_node] + demand_snap[None, :]
        inside = total <= limit_m
        return [np.flatnonzero(inside[:, i]).astype(np.int64) for i in range(len(demand))]


@dataclass(frozen=True)
class CoverageRow:
    group: str
    residents: float
    residents_covered: float
    seniors: float
    seniors_covered: float
    children: float
    children_covered: float

    @staticmethod
    def _share(part: float, whole: float) -> float | None:
        return None if whole <= 0 else part / whole

    @property
    def residents_share(self) -> float | None:
        return self._share(self.residents_covered, self.residents)

    @property
    def seniors_share(self) -> float | None:
        return self._share(self.seniors_covered, self.seniors)

    @property
    def children_share(self) -> float | None:
        return self._share(self.children_covered, self.children)


def covered_mask(
    model: TravelModel,
    origins: Points,
    venues: Points,
    programmes: np.ndarray,
    *,
    minutes: float = DEFAULT_MINUTES,
    min_programmes: int = 1,
) -> tuple[np.ndarray, Reach]:
    """Origins within T minutes of a venue with at least ``min_programmes`` programmes."""
    programmes = _weights(programmes, len(venues))
    if min_programmes < 0:
        raise ValueError("min_programmes must be >= 0")
    keep = np.flatnonzero(programmes >= min_programmes)
    subset = Points(venues.lat[keep], venues.lon[keep])
    result = model.reach(origins, subset, minutes=minutes)
    covered = result.minutes <= result.limit_minutes + TOLERANCE_MIN
    nearest = np.where(result.nearest >= 0, keep[np.maximum(result.nearest, 0)], -1)
    return covered, Reach(
        minutes=result.minutes,
        nearest=nearest,
        reachable_weight=result.reachable_weight,
        reachable_venues=result.reachable_venues,
        limit_minutes=result.limit_minutes,
    )


def coverage(
    covered: np.ndarray,
    groups: Sequence[str],
    residents: np.ndarray,
    seniors: np.ndarray,
    children: np.ndarray,
) -> list[CoverageRow]:
    """Sum residents, seniors and children (covered and all) per group, groups sorted."""
    covered = np.asarray(covered, dtype=bool)
    arrays = [np.asarray(a, dtype=float) for a in (residents, seniors, children)]
    if any(a.shape != covered.shape for a in arrays) or len(groups) != covered.shape[0]:
        raise ValueError("one group, resident, senior and child count per origin is needed")
    totals: dict[str, list[float]] = {}
    for i, group in enumerate(groups):
        row = totals.setdefault(group, [0.0] * 6)
        for k, a in enumerate(arrays):
            row[2 * k] += a[i]
            if covered[i]:
                row[2 * k + 1] += a[i]
    return [CoverageRow(group, *values) for group, values in sorted(totals.items())]
