"""Load the real public data from ../shared/data: population, boundaries and courses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from learncity.catalog.importer import catalog_import
from learncity.demo.city_setting import real_city_set
from learncity.regions import services as region_services
from learncity.search.services import search_index

POPULATION = "population/mois-age-by-dong-2025-05.csv"
COURSES = "courses"
BOUNDARIES = [
    "boundaries/kostat-2018-provinces-topo-simple.json",
    "boundaries/kostat-2018-municipalities-topo-simple.json",
    "boundaries/kostat-2018-submunicipalities-topo-simple.json",
]


def real_regions_load(data_dir: Path) -> dict[str, Any]:
    population = region_services.population_load(path=data_dir / POPULATION)
    boundaries = []
    for name in BOUNDARIES:
        report = region_services.boundaries_load(path=data_dir / name)
        boundaries.append(
            {
                key: report[key]
                for key in (
                    "file",
                    "level",
                    "features",
                    "areas",
                    "matched",
                    "approximate",
                    "unmatched",
                    "located_share",
                    "explained_share",
                )
            }
        )
    courses = None
    if (data_dir / COURSES).is_dir():
        report = catalog_import(paths=[data_dir / COURSES])
        courses = {k: report[k] for k in ("rows", "created", "updated", "unchanged", "quarantined")}
    return {
        "mode": "real",
        "city": real_city_set(),
        "data_dir": str(data_dir),
        "population": population,
        "boundaries": boundaries,
        "courses": courses,
        "search": search_index(),
    }
