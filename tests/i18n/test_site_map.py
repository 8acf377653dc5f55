"""Every page of the site map rendered in English, by a person of the right role, shows no
Korean interface text.

The rule for data (documented in docs/testing.md): text that the database holds — a
title, an institution, a venue or its address, a place name, a person's name, the city's
name — is data and may stay Korean; so may an element marked `lang="ko"` (Korean on
purpose: the language switch, an example query, a data span a template marks). Text is cut
at separators (· , / ( ) : and the like); every piece that holds Hangul must be one of the
database's values (or a piece of one cut the same way). Anything else with Hangul is
interface text that missed the catalogue.

The site map is SITE_MAP below; `test_the_site_map_covers_every_page` fails when a URL
pattern is neither in it nor in NOT_PAGES (files, JSON, POST-only actions, redirects).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from tests.access.endpoints import pages
from tests.clients import signed_in

HANGUL = re.compile("[\uac00-\ud7a3]")
SEPARATORS = re.compile(r"\s*(?:[·|,/()\[\]{}:;–—~<>“”\"'=+*#…→←✓]|\s-\s|\n)\s*")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr", "param"}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

# name of the URL pattern -> (who looks at it, its path from the things made for the test)
Path = Callable[[Mapping[str, Any]], str]
SITE_MAP: dict[str, tuple[str, Path]] = {
    # citizens' pages
    "portal:home": ("anonymous", lambda t: "/"),
    "portal:search": ("anonymous", lambda t: "/search?q=AI&weekday=1&free=1"),
    "portal:programme": ("citizen", lambda t: f"/programmes/{t['programme']}"),
    "portal:institution": ("anonymous", lambda t: f"/institutions/{t['institution']}"),
    "portal:venue": ("anonymous", lambda t: f"/venues/{t['venue']}"),
    "portal:signup": ("anonymous", lambda t: "/accounts/signup"),
    "portal:login": ("anonymous", lambda t: "/accounts/login"),
    "portal:password_reset": ("anonymous", lambda t: "/accounts/password-reset"),
    "portal:password_reset_sent": ("anonymous", lambda t: "/accounts/password-reset/sent"),
    "portal:password_reset_confirm": ("anonymous", lambda t: "/accounts/reset/MQ/bad-token"),
    "portal:my_applications": ("citizen", lambda t: "/me/applications"),
    "portal:checkin_code": ("citizen", lambda t: "/checkin/not-a-real-token-000000"),
    "portal:my_record": ("citizen", lambda t: "/me/record"),
    "portal:account_delete": ("citizen", lambda t: "/me/account/delete"),
    "portal:my_account": ("citizen", lambda t: "/me/account"),
    "portal:my_vouchers": ("citizen", lambda t: "/me/vouchers"),
    "portal:credential_verify": ("anonymous", lambda t: "/credentials/verify"),
    "portal:survey": ("anonymous", lambda t: "/survey/not-a-real-token-000000"),
    "portal:privacy": ("anonymous", lambda t: "/privacy"),
    "portal:invitation": ("anonymous", lambda t: "/accounts/invitation/not-a-real-token"),
    "demo_home": ("anonymous", lambda t: "/demo/"),
    "error:404": ("anonymous", lambda t: "/no-such-page"),
    "error:403": ("citizen", lambda t: "/staff/offers"),
    # staff pages
    "portal:staff_home": ("city_admin", lambda t: "/staff/home"),
    "portal:staff_people": ("city_admin", lambda t: "/staff/people"),
    "portal:staff_quarantine": ("city_admin", lambda t: "/staff/imports/quarantine"),
    "portal:tokens": ("city_admin", lambda t: "/me/tokens"),
    "portal:staff_access_log": ("auditor", lambda t: f"/staff/access-log?learner={t['learner']}"),
    "portal:staff_offers": ("city_admin", lambda t: "/staff/offers"),
    "portal:staff_offer_new": (
        "city_admin",
        lambda t: f"/staff/offers/new?schedule={t['free_schedule']}",
    ),
    "portal:staff_offer": ("city_admin", lambda t: f"/staff/offers/{t['offer']}"),
    "portal:staff_offer_replay": ("city_admin", lambda t: f"/staff/offers/{t['offer']}/replay"),
    "portal:application_change": (
        "citizen",
        lambda t: f"/me/applications/{t['application']}/card",  # the check-in card (GET)
    ),
    "portal:staff_desk": ("city_admin", lambda t: f"/staff/offers/{t['offer']}/desk"),
    "portal:staff_eligibility": ("city_admin", lambda t: "/staff/eligibility"),
    "portal:staff_venues": ("city_admin", lambda t: "/staff/venues"),
    "portal:staff_venue_locate": ("city_admin", lambda t: f"/staff/venues/{t['venue']}/locate"),
    "portal:staff_notices": ("city_admin", lambda t: "/staff/notices"),
    "portal:kiosk": ("institution_staff", lambda t: f"/kiosk/{t['venue']}"),
    "portal:staff_kiosks": ("institution_staff", lambda t: "/staff/kiosks"),
    "portal:kiosk_pair": ("anonymous", lambda t: "/kiosk/pair/not-a-real-code-000000"),
    "portal:staff_sessions": ("instructor", lambda t: f"/staff/sessions?day={t['day']}"),
    "portal:staff_session": ("instructor", lambda t: f"/staff/sessions/{t['session']}"),
    "portal:staff_session_sheet": ("instructor", lambda t: f"/staff/sessions/{t['session']}/sheet"),
    "portal:learner_record": ("city_admin", lambda t: f"/records/learners/{t['learner']}"),
    "portal:voucher_settlement": ("city_admin", lambda t: "/staff/vouchers/settlement"),
    "portal:staff_voucher_programmes": ("city_admin", lambda t: "/staff/vouchers/programmes"),
    "portal:staff_voucher_programme": (
        "city_admin",
        lambda t: f"/staff/vouchers/programmes/{t['voucher_programme']}",
    ),
    "portal:staff_projects": ("city_admin", lambda t: "/staff/projects"),
    "portal:project_budget": ("city_admin", lambda t: f"/staff/projects/{t['project']}"),
    "portal:staff_project_expense_new": (
        "city_admin",
        lambda t: f"/staff/projects/{t['project']}/expenses/new",
    ),
    # the console
    "console:dashboard": ("city_admin", lambda t: "/console/"),
    "console:indicators": ("city_admin", lambda t: "/console/indicators/"),
    "console:indicator": ("city_admin", lambda t: f"/console/indicators/{t['indicator']}/"),
    "console:lookalikes": ("city_admin", lambda t: "/console/lookalikes/"),
    "console:survey": ("city_admin", lambda t: "/console/survey/"),
    "console:delivery": ("city_admin", lambda t: "/console/delivery/"),
    "console:report_job": ("city_admin", lambda t: "/console/report/jobs/2147483647/"),
    "console:planning_coverage": ("city_admin", lambda t: "/console/planning/"),
    "console:planning_sites": ("city_admin", lambda t: "/console/planning/sites/"),
}

# URL patterns that are not pages to read: files, JSON, HTMX fragments of data, redirects
# and actions that answer a POST only (their result pages are in the site map).
NOT_PAGES = {
    "set_language": "POST: the language switch",
    "portal:programme_ics": "an iCalendar file",
    "portal:apply": "POST: applying (the result is the programme page)",
    "portal:health": "JSON readiness",
    "portal:city_emblem": "an image",
    "portal:neighbourhood_options": "an HTMX fragment of place names (data)",
    "portal:logout": "POST: signing out",
    "portal:staff": "a redirect to the staff home",
    "portal:landing": "a redirect after sign-in",
    "portal:staff_offer_draw": "POST: drawing the lottery",
    "portal:staff_application_cancel": "POST",
    "portal:staff_payment_mark": "POST",
    "portal:kiosk_checkins": "JSON: a paired kiosk's check-in (kiosk.js)",
    "portal:staff_kiosk_revoke": "POST: revoking a kiosk",
    "portal:staff_session_mark": "POST",
    "portal:staff_session_status": "POST",
    "portal:staff_session_completion": "POST",
    "portal:staff_role_withdraw": "POST",
    "portal:staff_invitation_revoke": "POST",
    "portal:staff_notice_withdraw": "POST",
    "portal:token_revoke": "POST",
    "portal:my_message_language": "POST: the language of one's messages (portal:my_account)",
    "portal:my_eligibility": "POST: what one declares about oneself (portal:my_account)",
    "portal:transcript": "a PDF or JSON file",
    "portal:my_data": "JSON",
    "portal:credential_download": "a credential file",
    "portal:learner_transcript": "a PDF or JSON file",
    "portal:credential_issuer": "JSON",
    "portal:credential_key": "JSON",
    "portal:credential_status": "JSON",
    "console:report": "a report file",
    "console:report_jobs": "POST: starts a report (its page: console:report_job)",
    "console:report_job_file": "a report file",
}


class _Text(HTMLParser):
    """The text a reader meets: text nodes and the attributes read aloud or shown, without
    scripts, styles and elements marked lang="ko"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.chunks: list[str] = []

    def _hidden(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skip = tag in ("script", "style", "template") or (found.get("lang") or "") == "ko"
        if not (skip or self._hidden()):
            self.chunks += [str(found[a]) for a in ATTRIBUTES if found.get(a)]
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.chunks.append(str(found["value"]))
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.chunks.append(data)


def _pieces(text: str) -> list[str]:
    return [p.strip() for p in SEPARATORS.split(text) if p and p.strip()]


def _data() -> set[str]:
    """Every text value the database holds that has Hangul, whole and cut in pieces."""
    from django.apps import apps
    from django.db import models

    values: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith(("learncity.", "django.contrib.auth")):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            found = model._default_manager.exclude(**{field.attname: ""}).values_list(
                field.attname, flat=True
            )
            for value in found.distinct().iterator():
                if value and HANGUL.search(value):
                    values.add(value.strip())
                    values.update(_pieces(value))
    return values


def _is_data(piece: str, data: set[str]) -> bool:
    """The piece is a value of the database, or its words with Hangul each are (a place
    name after "e.g."), or it is one with words without Hangul around it (a date after a
    title)."""
    if piece in data:
        return True
    words = piece.split()
    korean = [w for w in words if HANGUL.search(w)]
    if all(w in data for w in korean):
        return True
    first = next(i for i, w in enumerate(words) if HANGUL.search(w))
    last = max(i for i, w in enumerate(words) if HANGUL.search(w))
    return " ".join(words[first : last + 1]) in data


def korean_interface_text(html: str, data: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return sorted(
        {
            piece
            for chunk in parser.chunks
            if chunk.strip() not in data
            for piece in _pieces(chunk)
            if HANGUL.search(piece) and not _is_data(piece, data)
        }
    )


@pytest.fixture
def things(db, world):
    from learncity.analytics.selectors import indicator_definitions
    from learncity.catalog.models import Schedule
    from learncity.enrollment.models import Offer
    from tests.attendance.factories import course, enrol
    from tests.vouchers import factories as vouchers

    made = course(world, 0)
    learner, citizen, application = enrol(made)
    session = made["sessions"][0]
    taken = set(Offer.objects.values_list("schedule_id", flat=True))
    free = Schedule.objects.exclude(pk__in=taken).order_by("id").values_list("id", flat=True)[0]
    admin = world["city_admin"]
    return {
        "citizen": citizen,
        "learner": learner.pk,
        "application": application,
        "programme": made["offer"].schedule.programme_id,
        "offer": made["offer"].pk,
        "free_schedule": free,
        "venue": made["venue_id"],
        "institution": world["institution"],
        "session": session.id,
        "day": session.date.isoformat() if hasattr(session, "date") else "",
        "voucher_programme": vouchers.programme(admin).pk,
        "project": vouchers.project(admin, "평생학습 지원사업", 1_000_000).pk,
        "indicator": indicator_definitions()[0].id,
    }


def _client(who: str, world: Mapping[str, Any], things: Mapping[str, Any]) -> Client:
    if who == "anonymous":
        return Client()
    return signed_in(things["citizen"] if who == "citizen" else world[who])


def test_the_site_map_covers_every_page():
    names = {page.name for page in pages()}
    missing = sorted(names - set(SITE_MAP) - set(NOT_PAGES))
    assert missing == [], f"pages neither in SITE_MAP nor in NOT_PAGES: {missing}"
    gone = sorted((set(SITE_MAP) | set(NOT_PAGES)) - names - {"error:404", "error:403"})
    assert gone == [], f"listed but no longer a URL pattern: {gone}"


def test_every_page_in_english_has_no_korean_interface_text(world, things):
    data = _data()
    found: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    for name, (who, path) in SITE_MAP.items():
        client = _client(who, world, things)
        address = path(things)
        joiner = "&" if "?" in address else "?"
        response = client.get(f"{address}{joiner}lang=en", follow=True)
        statuses[name] = response.status_code
        if not response["Content-Type"].startswith("text/html"):
            found[name] = [f"not a page: {response['Content-Type']}"]
            continue
        korean = korean_interface_text(response.content.decode(), data)
        if korean:
            found[name] = korean
    assert [n for n, s in statuses.items() if s >= 500] == []
    assert found == {}, "\n".join(f"{name}: {words}" for name, words in found.items())


def test_the_rule_strips_data_and_marked_spans_only():
    data = {"강남구평생학습관", "요가 교실", "강남구"}
    html = (
        "<main><h1>Programme</h1><p>요가 교실 · 강남구평생학습관 (강남구)</p>"
        '<a lang="ko" href="?lang=ko">한국어</a><input placeholder="e.g. 일원동" lang="ko">'
        '<script>var x = "신청";</script><button title="신청">Apply</button><p>접수 중</p></main>'
    )
    assert korean_interface_text(html, data) == ["신청", "접수 중"]
