"""The names of regions' tables, for the plain SQL of the contexts above it (catalog's session
rows, analytics' snapshot): another context's SQL reads these tables only through the names
published here, never by writing `regions_...` itself (tests/architecture/test_sql_tables.py)."""

from __future__ import annotations

from learncity.core.sql import table
from learncity.regions.models import PopulationByAge, PopulationSnapshot, Region, RegionPopulation

REGION = table(Region)
POPULATION_SNAPSHOT = table(PopulationSnapshot)
REGION_POPULATION = table(RegionPopulation)
POPULATION_BY_AGE = table(PopulationByAge)
