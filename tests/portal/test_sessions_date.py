"""/staff/sessions shows the sessions of the day asked by `?date=` (a date picker on the
page; `?day=` from older links still works), with links to the day before and after; an
unreadable date says so and shows today (issue 18, item 7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.attendance.factories import course

pytestmark = pytest.mark.django_db


def instructor(world: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=world["instructor"].user_id))
    return client


def test_the_day_asked_by_the_date_picker(world: dict[str, Any], shared_data: Any) -> None:
    c = course(world, 5)
    session = c["sessions"][0]
    day = session.date
    client = instructor(world)
    page = client.get(f"/staff/sessions?date={day:%Y-%m-%d}").content.decode()
    assert f"/staff/sessions/{session.id}" in page
    assert f'<input id="session-date" type="date" name="date" value="{day:%Y-%m-%d}"' in page
    assert '<label for="session-date">' in page
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    assert f'href="?date={before:%Y-%m-%d}"' in page and f'href="?date={after:%Y-%m-%d}"' in page
    other_day = client.get(f"/staff/sessions?date={after:%Y-%m-%d}").content.decode()
    if all(s.date != after for s in c["sessions"]):
        assert f"/staff/sessions/{session.id}" not in other_day
    old_link = client.get(f"/staff/sessions?day={day:%Y-%m-%d}").content.decode()
    assert f"/staff/sessions/{session.id}" in old_link


@pytest.mark.parametrize("hostile", ["2026-99-99", "yesterday", "<script>", "9" * 300])
def test_an_unreadable_date_says_so_and_shows_today(
    world: dict[str, Any], shared_data: Any, hostile: str
) -> None:
    answer = instructor(world).get("/staff/sessions", {"date": hostile})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-testid="date-invalid"' in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
    assert "<script>" not in page.split("<main")[-1]


def test_no_date_is_today_without_a_warning(world: dict[str, Any], shared_data: Any) -> None:
    page = instructor(world).get("/staff/sessions").content.decode()
    assert 'data-testid="date-invalid"' not in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page
