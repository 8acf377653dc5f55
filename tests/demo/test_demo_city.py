"""The demo city: deterministic, consistent, labelled, and loadable twice."""

from __future__ import annotations

import pytest

from learncity.catalog.models import Programme, Schedule, Venue
from learncity.demo.city import PAST_TERM, PROGRAMMES, demo_city_load
from learncity.regions.models import PopulationSnapshot, Region, RegionPopulation
from learncity.search import engine, indexer

# the demo city loads into an empty database (the world's rows are deleted inside the
# transaction; the regions stay)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database")]


def test_demo_city_is_consistent_and_idempotent() -> None:
    first = demo_city_load()
    second = demo_city_load()
    # ten courses this term and, for the demo learner's record, two of them last term
    courses = len(PROGRAMMES) + len(PAST_TERM)
    assert courses == 12
    found = indexer.refresh()
    assert found.count(found.searcher(), engine.DOCUMENTS) == courses  # the world's are gone
    assert {k: v for k, v in first.items() if k != "search"} == {
        k: v for k, v in second.items() if k != "search"
    }
    assert first["regions"] == 1 + 4 + 15
    assert first["programmes"] == courses and first["institutions"] == 4
    demo = Region.objects.filter(source="demo")
    assert demo.count() == 20
    snapshot = PopulationSnapshot.objects.get(period="2025-05")
    totals = dict(
        RegionPopulation.objects.filter(snapshot=snapshot, region__in=demo).values_list(
            "region__code", "total"
        )
    )
    province = totals["9900000000"]
    assert province == first["population"]
    assert province == sum(v for c, v in totals.items() if c[5:] != "00000")
    assert Schedule.objects.filter(programme__source="demo").count() == courses
    # every demo neighbourhood and district has a place on the map
    assert not demo.exclude(level="province").filter(centroid_lat__isnull=True).exists()
    assert set(Venue.objects.values_list("precision", flat=True)) == {"neighbourhood"}
    assert all(p.display_title for p in Programme.objects.all())
