"""The one walking model that search ("near me") and planning (coverage) share.

4.8 km/h is 80 m a minute: adult walking speeds measured in the field are 1.2–1.4 m/s, and
1.2 m/s ≈ 4.3 km/h is the usual design value for older walkers (planning lets an analyst
choose a slower speed for a run). Streets are longer than the straight line: the detour
(circuity) factor of 1.3 is the usual urban figure (network over straight-line distance is
about 1.2–1.4 in cities: Levinson & El-Geneidy 2009, Boeing 2019). With both, 15 minutes on
foot is 1,200 m of street, about 923 m as the crow flies.

Before issue 18 search walked at 4.5 km/h and planning at 4.8 km/h, so a venue could be
"within 15 minutes" on the map of coverage and not in the search. Pure Python, no Django.
"""

from __future__ import annotations

WALKING_SPEED_KMH = 4.8
DETOUR_FACTOR = 1.3


def metres_per_minute(speed_kmh: float = WALKING_SPEED_KMH) -> float:
    return speed_kmh * 1000 / 60


def minutes_for(straight_metres: float, *, speed_kmh: float = WALKING_SPEED_KMH) -> float:
    """Minutes on foot for a straight-line distance: × the detour factor at the speed."""
    return straight_metres * DETOUR_FACTOR / metres_per_minute(speed_kmh)


def straight_radius_m(minutes: float, *, speed_kmh: float = WALKING_SPEED_KMH) -> float:
    """The straight-line radius reachable in `minutes` on foot."""
    return minutes * metres_per_minute(speed_kmh) / DETOUR_FACTOR
