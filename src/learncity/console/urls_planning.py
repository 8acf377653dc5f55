"""The planning pages of the console (issue 9)."""

from django.urls import path

from learncity.console import planning

urlpatterns = [
    path("planning/", planning.coverage, name="planning_coverage"),
    path("planning/sites/", planning.sites, name="planning_sites"),
]
