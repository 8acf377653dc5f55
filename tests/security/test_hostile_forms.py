"""Hostile input against every form of the site (issue 19, acceptance).

The list of forms is not kept by hand: every URL pattern outside the API is fuzzed (one test
each, from the URL resolver: tests/access/endpoints.py). Its field names come from the form
the page itself renders (every <input>, <select> and <textarea> of its POST forms, asked as
the city administrator and as the citizen) and from the request that the access matrix makes
of it (tests/access/test_matrix.py, which fails for a state-changing page without one), plus
names nobody expects. Hypothesis then posts, urlencoded by hand (so that invalid UTF-8 gets
through as a browser could send it), values that are the right ones, one of the select's
options, or hostile (NUL, lone surrogates, right-to-left marks, 100,000 characters, SQL and
HTML, numbers beyond 64 bits, impossible dates), sometimes twice under one name, with a path
whose words and numbers may be hostile too, as nobody, the citizen or each staff role.

Each post runs in a savepoint rolled back after it. Asserted: no answer is 5xx, and a refused
post (4xx, a sign-in redirect, or a page answered again with its errors) left the database
as it was (tests/security/hostile.py). CSRF is off for the fuzz (the test client's default);
`test_a_post_without_the_csrf_token_is_refused` checks the real check on a few forms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.access.endpoints import Page, pages
from tests.access.test_matrix import PAGES as MATRIX
from tests.access.test_matrix import WHO
from tests.security import hostile

ALL_PAGES = pages()
STATE_CHANGING = {case.endpoint for case in MATRIX}
# a page the matrix knows changes something gets the full share; the others (they answer 405
# to POST) a few requests, to prove it
WEIGHTS = {page.name: 1.0 if page.name in STATE_CHANGING else 0.1 for page in ALL_PAGES}
REFUSED_MARKERS = (b'role="alert"', b'aria-invalid="true"', b'class="field-error"')
NUMBERS = ["0", "1", "-1", "2147483648", "9223372036854775808", "9" * 30]


class _Forms(HTMLParser):
    """The names (and offered values) of the fields of a page's POST forms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, set[str]] = {}
        self.in_post = False
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.in_post = found.get("method", "").lower() == "post"
        elif self.in_post and tag in ("input", "select", "textarea", "button"):
            name = found.get("name", "")
            if name and name != "csrfmiddlewaretoken":
                values = self.fields.setdefault(name, set())
                if found.get("value"):
                    values.add(found["value"])
                self.select = name if tag == "select" else None
        elif tag == "option" and self.select and found.get("value"):
            self.fields[self.select].add(found["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_post = False
        elif tag == "select":
            self.select = None


def _client(who: str, sessions: Mapping[str, str]) -> Client:
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[who]
    return client


def _route_path(page: Page, segments: list[str]) -> str:
    """The page's route with its <converter:name> parts replaced, in order, by `segments`."""
    parts = iter(segments)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", lambda _: next(parts), page.route)


def _converters(page: Page) -> list[str]:
    return [m.group(1) or "str" for m in re.finditer(r"<(?:(\w+):)?\w+>", page.route)]


def _segment(converter: str) -> st.SearchStrategy[str]:
    if converter == "int":
        return st.sampled_from(NUMBERS[:2] + NUMBERS[3:])
    return hostile.text().filter(bool).map(lambda s: quote(s.encode("utf-8", "surrogatepass")))


def _encode(pairs: list[tuple[str, str]]) -> str:
    def one(value: str) -> str:
        return quote(value.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{one(k)}={one(v)}" for k, v in pairs)


def _refused(response: Any, page_name: str) -> bool:
    status = response.status_code
    if 400 <= status < 500:
        return True
    if status in (301, 302, 303):
        return str(response.get("Location", "")).startswith("/accounts/login") and (
            page_name != "portal:login"
        )
    return status == 200 and any(marker in response.content for marker in REFUSED_MARKERS)


@pytest.fixture
def sessions(target: Mapping[str, Any], world: Mapping[str, Any]) -> dict[str, str]:
    """A signed-in session for every person (made before the fuzz: each post then meets the
    same sessions, even after one of them signed out in a savepoint rolled back)."""
    made = {}
    for who in WHO:
        if who != "anonymous":
            client = Client()
            client.force_login(world["users"][who])
            made[who] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return made


@pytest.mark.parametrize("page", ALL_PAGES, ids=[p.name or p.route for p in ALL_PAGES])
def test_hostile_posts_to_every_form(
    page: Page, target: dict[str, Any], sessions: dict[str, str], record_property: Any
) -> None:
    cases = [case for case in MATRIX if case.endpoint == page.name]
    requests = [case.request(target) for case in cases]  # (path, seed body)
    if not requests:
        segments = ["1" if c == "int" else "x" for c in _converters(page)]
        requests = [(_route_path(page, segments), {})]
    fields: dict[str, set[str]] = {}
    for path, body in requests:
        for name, value in body.items():
            fields.setdefault(name, set()).add(str(value))
        for who in ("city_admin", "citizen"):
            parser = _Forms()
            response = _client(who, sessions).get(path)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                parser.feed(response.content.decode("utf-8", "replace"))
            for name, values in parser.fields.items():
                fields.setdefault(name, set()).update(values)
    names = sorted(fields)
    tally = hostile.Tally()
    base = hostile.fingerprint()
    errors: list[str] = target["errors"]
    total_weight = sum(WEIGHTS.values())

    def value(name: str) -> st.SearchStrategy[str]:
        offered = sorted(fields.get(name, ())) or ["x"]
        return st.one_of(st.sampled_from(offered), hostile.text(), st.sampled_from(NUMBERS))

    @st.composite
    def body(draw: Any) -> list[tuple[str, str]]:
        pairs = []
        for name in names:
            if draw(st.integers(0, 5)) == 0:
                continue  # left out
            pairs += [(name, draw(value(name))) for _ in range(draw(st.integers(1, 2)))]
        extra = draw(
            st.lists(st.one_of(st.sampled_from(hostile.HOSTILE_NAMES), hostile.text()), max_size=2)
        )
        return pairs + [(name, draw(hostile.text())) for name in extra]

    @hypothesis_settings(
        max_examples=hostile.share("pages", 1, WEIGHTS[page.name], total_weight),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every failure is listed
        suppress_health_check=list(HealthCheck),
    )
    @given(
        request=st.sampled_from(requests),
        who=st.sampled_from(WHO),
        pairs=body(),
        segments=st.one_of(
            st.none(), st.tuples(*[_segment(c) for c in _converters(page)]).map(list)
        ),
    )
    def one(
        request: tuple[str, dict[str, Any]], who: str, pairs: list[tuple[str, str]], segments: Any
    ) -> None:
        path = request[0] if segments is None else _route_path(page, segments)
        seen = len(errors)
        with transaction.atomic():
            response = _client(who, sessions).post(
                path, _encode(pairs), content_type="application/x-www-form-urlencoded"
            )
            status = response.status_code
            tally.count(status)
            shown = f"{status} POST {path[:200]} as {who}: {_encode(pairs)[:400]}"
            if status >= 500:
                tally.server_errors.append(shown + "\n" + "".join(errors[seen:])[-1500:])
            elif _refused(response, page.name):
                try:
                    changed = hostile.difference(base, hostile.fingerprint())
                except DatabaseError as error:
                    changed = {"the transaction is broken": str(error)[:200]}
                if changed:
                    tally.changed_on_refusal.append(f"{shown}: {changed}")
            transaction.set_rollback(True)

    one()
    tally.record(record_property, "forms")
    tally.verdict()


CSRF_FORMS = [
    ("anonymous", "/accounts/login", {"username": "world-citizen", "password": "x"}),
    ("anonymous", "/accounts/signup", {"name": "가", "phone": "01012345678"}),
    ("citizen", "/me/account/delete", {"confirmation": "탈퇴"}),
    ("city_admin", "/me/tokens", {"label": "csrf"}),
    ("anonymous", "/i18n/setlang/", {"language": "en"}),
]


@pytest.mark.parametrize(("who", "path", "data"), CSRF_FORMS, ids=[p for _, p, _ in CSRF_FORMS])
def test_a_post_without_the_csrf_token_is_refused(
    who: str, path: str, data: dict[str, str], target: Any, sessions: dict[str, str]
) -> None:
    client = Client(enforce_csrf_checks=True)
    if who != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[who]
    before = hostile.fingerprint()
    response = client.post(path, data)
    assert response.status_code == 403, (path, response.status_code)
    assert hostile.difference(before, hostile.fingerprint()) == {}
