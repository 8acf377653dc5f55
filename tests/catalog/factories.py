"""Catalog rows for tests that need a course of their own beside the world's real ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from learncity.catalog.models import Institution, Programme, Schedule
from tests.learners.factories import number


def institution(name: str = "", **fields: Any) -> Institution:
    return Institution.objects.create(name=name or f"평생학습관 {number()}", **fields)


def programme(place: Institution, title: str = "", **fields: Any) -> Programme:
    title = title or f"스마트폰 활용 {number()}"
    return Programme.objects.create(institution=place, title=title, display_title=title, **fields)


def weekly_schedule(
    course: Programme,
    *,
    start: dt.date = dt.date(2026, 3, 2),  # a Monday
    weeks: int = 5,
    weekday: int = 1,
    hours: tuple[dt.time, dt.time] = (dt.time(10, 0), dt.time(12, 0)),
    capacity: int = 20,
) -> Schedule:
    """Once a week (weekday 1 = Monday) for `weeks` weeks from `start`."""
    return Schedule.objects.create(
        programme=course,
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks - 1),
        weekdays=[weekday],
        start_time=hours[0],
        end_time=hours[1],
        capacity=capacity,
    )
