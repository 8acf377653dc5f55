"""The demo tells one story (issue 18): dated from the day it is loaded, every status the same
in search, on the programme page, in the API and in the quick link; its accounts sign in."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import timezone

from learncity.algorithms.registration import ACCEPTING
from learncity.catalog.models import Programme
from learncity.catalog.session_selectors import sessions_on
from learncity.demo.accounts import ROLES, demo_accounts_shown
from learncity.demo.city import MEETS_TODAY, PAST_SUFFIX, PAST_TERM, PROGRAMMES, STORY
from learncity.demo.load import demo_load
from learncity.enrollment.models import Offer
from learncity.enrollment.selectors import registration_status, registration_statuses
from learncity.learners.access import Actor, roles_of
from learncity.records.models import Credential, RecordEntry
from learncity.search.selectors import SearchParams, programme_search
from tests.clients import api_call

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_database", "keys")]


@pytest.fixture
def home(settings: Any, tmp_path: Path) -> Path:
    """The demo keeps its accounts in var/ (settings.LEARNCITY_VAR): a folder of the test's
    own."""
    settings.LEARNCITY_VAR = tmp_path
    return tmp_path


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _offers() -> list[dict[str, Any]]:
    return list(
        Offer.objects.order_by("id").values(
            "id", "programme_id", "method", "opens_at", "closes_at", "programme__title"
        )
    )


# a weekday, a new year's day (Friday), a Sunday at the end of February, a Saturday in spring
DAYS = [dt.date(2026, 12, 7), dt.date(2027, 1, 1), dt.date(2027, 2, 28), dt.date(2026, 3, 7)]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_the_demo_tells_one_story_whatever_the_day(home: Path, today: dt.date) -> None:
    now = _at(today, 10, 30)
    loaded = demo_load(data_dir=None, today=today, now=now)
    assert loaded["mode"] == "demo"
    programmes = len(PROGRAMMES) + len(PAST_TERM)
    assert loaded["programmes"] == programmes
    assert loaded["offers"] == programmes - STORY.count("unopened")
    # the course the institution's staff are to open: no window, meets today, takes nobody yet
    unopened = Programme.objects.get(title=PROGRAMMES[STORY.index("unopened")].title)
    assert registration_status(unopened.pk, today=today, now=now).state == "closed"

    # sessions today (the kiosk and the roster have something), one of them now
    todays = sessions_on(today)
    titles = {s.title for s in todays}
    assert {PROGRAMMES[i].title for i in MEETS_TODAY} <= titles
    assert any(s.starts_at <= now <= s.ends_at for s in todays), "no session is on now"

    statuses = registration_statuses(today=today, now=now)
    offers = _offers()
    by_title = {o["programme__title"]: o for o in offers}
    states = {o["programme__title"]: statuses[o["programme_id"]].state for o in offers}
    # applications are taken now, a lottery closes tomorrow, others open next week
    assert sum(1 for s in states.values() if s in ACCEPTING) >= 5
    lottery = [
        o
        for o in offers
        if o["method"] == "lottery" and statuses[o["programme_id"]].status == "open"
    ]
    assert [timezone.localtime(o["closes_at"]).date() for o in lottery] == [
        today + dt.timedelta(days=1)
    ]
    assert sorted(states.values()).count("upcoming") == 2
    assert "closing_soon" in states.values() and "closed" in states.values()
    # last term is over: ended, the demo learner completed it, with records and credentials
    for number in PAST_TERM:
        title = PROGRAMMES[number].title + PAST_SUFFIX
        assert states[title] == "ended"
        assert by_title[title]["closes_at"] < now
    story = loaded["story"]
    assert story["completions"] == len(PAST_TERM) == story["records"]
    assert RecordEntry.objects.count() == len(PAST_TERM) == Credential.objects.count()
    # no course of this term has ended, none of last term's is still going
    for programme_id, status in statuses.items():
        title = Programme.objects.get(pk=programme_id).title
        assert (status.state == "ended") == title.endswith(PAST_SUFFIX)


def test_loading_the_demo_twice_keeps_one_story(home: Path) -> None:
    today = dt.date(2026, 12, 7)
    demo_load(data_dir=None, today=today, now=_at(today, 9))
    first = {o["programme__title"]: (o["opens_at"], o["closes_at"]) for o in _offers()}
    records = RecordEntry.objects.count()
    # a week later, on the same database: the story loaded first stays, nothing is doubled
    later = today + dt.timedelta(days=7)
    again = demo_load(data_dir=None, today=later, now=_at(later, 9))
    assert {o["programme__title"]: (o["opens_at"], o["closes_at"]) for o in _offers()} == first
    assert again["offers"] == 0 and again["story"]["applications"] == 0
    assert RecordEntry.objects.count() == records == len(PAST_TERM)


def _page_state(client: Client, programme_id: int) -> str:
    body = client.get(f"/programmes/{programme_id}").content.decode()
    found = re.search(r'data-testid="registration" data-state="([a-z_]+)"', body)
    assert found, body[:2000]
    return found.group(1)


def test_search_page_api_and_quick_link_agree_on_every_demo_course(home: Path) -> None:
    demo_load(data_dir=None)  # today, by the real clock: what the pages use
    offers = _offers()
    assert len(offers) == len(PROGRAMMES) + len(PAST_TERM) - STORY.count("unopened")
    found = programme_search(SearchParams(per_page=100))
    cards = {card["id"]: card for card in found.results}
    client = Client()
    titles = dict(Programme.objects.values_list("pk", "title"))
    assert len(titles) == len(PROGRAMMES) + len(PAST_TERM)
    for pk, title in titles.items():  # every offer, and the course without one
        decided = registration_status(pk)
        card = cards[pk]
        assert (card["registration_status"], card["registration_state"]) == (
            decided.status,
            decided.state,
        ), title
        assert card["registration_days"] == decided.days
        assert _page_state(client, pk) == decided.state, title
        api = api_call(None, "get", f"/api/v1/programmes/{pk}").json()
        assert (api["registration_status"], api["registration_state"]) == (
            decided.status,
            decided.state,
        )
    # "지금 접수 중" on the home page lists exactly the offers that take applications now
    home_page = client.get("/").content.decode()
    link = re.search(r'href="([^"]*\?status=open)"', home_page)
    assert link, "no quick link to what is open now"
    quick = client.get(link.group(1).replace("&amp;", "&") + "&per_page=100")
    listed = {int(pk) for pk in re.findall(r'href="/programmes/(\d+)"', quick.content.decode())}
    accepting = {
        pk
        for pk in Programme.objects.values_list("pk", flat=True)
        if registration_status(pk).accepting
    }
    assert accepting and accepting <= {o["programme_id"] for o in offers}  # only offers take
    assert listed == accepting
    opened = programme_search(SearchParams(statuses=("open",), per_page=100))
    assert {card["id"] for card in opened.results} == accepting
    # the facet counts the same
    facet = {f["value"]: f["count"] for f in found.facets["status"]}
    assert facet["open"] == len(accepting)


def test_a_programme_page_shows_one_window_and_one_method(home: Path) -> None:
    demo_load(data_dir=None)
    lottery = next(o for o in _offers() if o["method"] == "lottery")
    body = Client().get(f"/programmes/{lottery['programme_id']}").content.decode()
    assert body.count("추첨") == 1 and "선착순" not in body
    assert "접수 기간" not in body  # the published window is not shown beside the offer's
    assert "교육부" not in body  # invented data is not credited to the national data
    assert 'data-testid="demo-banner"' in body


def test_the_demo_banner_is_on_every_page_and_the_demo_home_shows_the_accounts(
    home: Path,
) -> None:
    loaded = demo_load(data_dir=None)
    client = Client()
    for path in ("/", "/search?q=요가", "/accounts/login", "/accounts/signup", "/demo/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'data-testid="demo-banner"' in response.content.decode(), path
    body = client.get("/demo/").content.decode()
    for account in loaded["accounts"]:
        assert account["username"] in body and account["password"] in body
    assert "교육부" not in client.get("/search?q=요가").content.decode()


def test_the_printed_passwords_sign_in_with_their_roles(home: Path) -> None:
    loaded = demo_load(data_dir=None)
    printed = loaded["accounts"]
    assert [a["username"] for a in printed] == [name for name, _, _ in ROLES]
    assert demo_accounts_shown() == [
        {k: a[k] for k in ("username", "role", "password")} for a in printed
    ]
    for account in printed:
        user = authenticate(username=account["username"], password=account["password"])
        assert user is not None, account["username"]
        roles = roles_of(Actor(user.pk))
        if account["role"] == "citizen":
            assert not roles.grants
        else:
            assert account["role"] in {grant.role for grant in roles.grants}
        assert authenticate(username=account["username"], password="wrong-password") is None
    # through the sign-in page too
    admin = printed[0]
    client = Client()
    response = client.post(
        "/accounts/login", {"username": admin["username"], "password": admin["password"]}
    )
    assert response.status_code == 302
    # running the demo again gives new passwords: the old ones stop working
    again = demo_load(data_dir=None)
    assert authenticate(username=admin["username"], password=admin["password"]) is None
    assert authenticate(username=admin["username"], password=again["accounts"][0]["password"])
