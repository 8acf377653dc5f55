"""Every role against every state-changing page and API operation, generated from the access
policy: each request below is made by each staff account of the world (in scope of the
campus institution and its district, and out of it), by a citizen and anonymously, and is
allowed or refused (403; a sign-in redirect for pages, 401 for the API, when anonymous)
exactly as `learncity.algorithms.access_policy` says for the action the endpoint declares.

Each request runs in a savepoint that is rolled back, so every account meets the same state.
A case names the endpoint, the action it exercises, how to make the request, and whether
its object is the person's own; `test_every_state_changing_endpoint_has_a_case` fails for an
endpoint without one."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from learncity.analytics.models import DeliveryInput
from learncity.learners.access import Actor, Scope, actions_of, allowed, roles_of
from learncity.portal.staff_forms import offer_initial
from learncity.vouchers.models import FundedProject, ProjectExpense, VoucherProgramme
from tests.access.endpoints import state_changing_operations, state_changing_pages

WHO = (
    "city_admin",
    "auditor",
    "officer",
    "other_officer",
    "institution_staff",
    "instructor",
    "outsider",
    "other_instructor",
    "citizen",
    "anonymous",
)
OWNER = "citizen"  # the world's citizen is the learner of the application below
OWNER_PHONE = "01077778888"
YEAR = 2026

Things = Mapping[str, Any]


@dataclass(frozen=True)
class Case:
    """One request: `endpoint` is a page's URL name or an operation's "METHOD /path"."""

    endpoint: str
    action: str
    request: Callable[[Things], tuple[str, dict[str, Any]]]
    # whose own the object is: nobody's, the owner's (their application, their voucher), or
    # everyone's (the account of whoever asks)
    mine: str = "nobody"
    # for a page that narrows what it was asked to the person's scope instead of refusing:
    # whether the object asked for was changed
    changed: Callable[[Things], bool] | None = None
    label: str = ""

    @property
    def api(self) -> bool:
        return " /api/" in self.endpoint

    @property
    def id(self) -> str:
        return f"{self.endpoint}{'-' + self.label if self.label else ''}"


def post(path: str, body: dict[str, Any] | Callable[[Things], dict[str, Any]] | None = None) -> Any:
    """The request of a case: `path` with the {names} of the things filled in, and its body."""

    def request(t: Things) -> tuple[str, dict[str, Any]]:
        return path.format(**t), (body(t) if callable(body) else dict(body or {}))

    return request


def _offer_form(t: Things) -> dict[str, Any]:
    """The page's own starting values for the free schedule."""
    initial = offer_initial({"id": t["free_schedule"], "capacity": 10})
    return {
        key: timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, dt.datetime)
        else value
        for key, value in initial.items()
    }


def _mark(t: Things) -> dict[str, Any]:
    return {"application_id": t["application"], "status": "excused"}


def _desk(t: Things) -> dict[str, Any]:
    return {"learner": t["learner"], "channel": "desk", "idempotency_key": "access-desk-1"}


def _register(t: Things) -> dict[str, Any]:
    return {"action": "register", "institution": t["other_institution"]}


def _issue(t: Things) -> dict[str, Any]:
    return {"action": "issue", "learner": t["learner"], "idempotency_key": "access-iss-2"}


def _voucher_programme(t: Things) -> dict[str, Any]:
    period = {"period_start": f"{YEAR + 1}-01-01", "period_end": f"{YEAR + 1}-06-30"}
    return {"code": "access-2027", "name": "접근 시험 이용권", "kind": "city", "min_age": "0",
            "amount_krw": "50000", "district_code": t["district"], **period}  # fmt: skip


def _project(t: Things) -> dict[str, Any]:
    lines = {"line_1_name": "강사비", "line_1_category": "instructors", "line_1_amount": "2000"}
    return {"name": "접근 시험 사업", "amount_krw": "5000", "district_code": t["district"],
            "starts_on": f"{YEAR}-03-01", "ends_on": f"{YEAR}-12-31", **lines}  # fmt: skip


KIOSK = {"phone_tail": "0000", "birth_year": "1901"}
SESSION = "/staff/sessions/{session}"
PROGRAMME = "/staff/vouchers/programmes/{voucher_programme}"
API = "/api/v1"

PAGES = [
    Case("set_language", "portal.language_set", post("/i18n/setlang/", {"language": "en"})),
    Case("portal:staff", "portal.navigate", post("/staff/")),
    Case("portal:signup", "learners.sign_up", post("/accounts/signup")),
    Case("portal:login", "learners.sign_in", post("/accounts/login")),
    Case("portal:logout", "learners.sign_out", post("/accounts/logout")),
    Case(
        "portal:password_reset",
        "learners.password_reset",
        post("/accounts/password-reset", {"identifier": "nobody@example.org"}),
    ),
    Case(
        "portal:password_reset_confirm",
        "learners.password_reset",
        post("/accounts/reset/MQ/set-password"),
    ),
    Case(
        "portal:credential_verify",
        "records.credential_verify",
        post("/credentials/verify", {"credential": "not a credential"}),
    ),
    Case("portal:survey", "analytics.survey_answer", post("/survey/unknown-token")),
    Case(
        "portal:apply",
        "enrollment.apply",
        post("/programmes/{programme}/apply", {"idempotency_key": "access-apply-1"}),
        mine="owner",
    ),
    *[
        Case(
            "portal:application_change",
            action,
            post("/me/applications/{application}/" + verb),
            mine="owner",
            label=verb,
        )
        for verb, action in (
            ("cancel", "enrollment.application_change"),
            ("reissue", "attendance.code_hold"),
        )
    ],
    Case(
        "portal:account_delete",
        "records.account_erase",
        post("/me/account/delete", {"confirmation": "not the words"}),
        mine="everyone",
    ),
    Case(
        "portal:my_message_language",
        "learners.message_language_set",
        post("/me/account/language", {"language": "en"}),
        mine="everyone",
    ),
    Case(
        "portal:staff_offer_new", "enrollment.offer_manage", post("/staff/offers/new", _offer_form)
    ),
    Case("portal:staff_offer_draw", "enrollment.lottery_draw", post("/staff/offers/{offer}/draw")),
    Case(
        "portal:staff_application_cancel",
        "enrollment.offer_manage",
        post("/staff/offers/{offer}/applications/{application}/cancel"),
    ),
    Case(
        "portal:staff_notices",
        "notices.manage",
        post("/staff/notices", lambda t: {"publisher": str(t["institution"]), "title": "공지"}),
    ),
    Case(
        "portal:staff_notice_withdraw",
        "notices.manage",
        post("/staff/notices/{notice}/withdraw"),
    ),
    Case(
        "portal:staff_payment_mark",
        "enrollment.payment_mark",
        post("/staff/offers/{offer}/applications/{application}/paid"),
    ),
    Case(
        "portal:staff_desk",
        "enrollment.desk_apply",
        post("/staff/offers/{offer}/desk", lambda t: {"action": "apply", **_desk(t)}),
    ),
    Case(
        "portal:staff_eligibility",
        "learners.eligibility_verify",
        post(
            "/staff/eligibility",
            lambda t: {
                "action": "verify",
                "learner": t["learner"],
                "kind": "district",
                "institution": t["institution"],
                "method": "document",
                "evidence": "주민등록표 확인",
                "valid_until": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            },
        ),
    ),
    Case(
        "portal:my_eligibility",
        "learners.eligibility_declare",
        post("/me/account/eligibility", {"low_income": "on"}),
        mine="everyone",
    ),
    Case(
        "portal:staff_venue_locate",
        "catalog.venue_locate",
        post("/staff/venues/{venue}/locate", {"action": "reset"}),
    ),
    Case(
        "portal:kiosk",
        "attendance.take",
        post("/kiosk/{venue}", {"request_key": "access-kiosk-1", **KIOSK}),
    ),
    Case(
        "portal:kiosk_checkins",
        "attendance.take",
        post("/kiosk/{venue}/checkins", {"request_key": "access-kiosk-2", **KIOSK}),
    ),
    Case("portal:kiosk_pair", "attendance.kiosk_pair", post("/kiosk/pair/not-a-pairing-code")),
    Case(
        "portal:staff_kiosks",
        "attendance.kiosk_manage",
        post("/staff/kiosks", lambda t: {"venue": str(t["venue"]), "name": "접근 시험"}),
    ),
    Case(
        "portal:staff_kiosk_revoke",
        "attendance.kiosk_manage",
        post("/staff/kiosks/{kiosk_device}/revoke"),
    ),
    Case("portal:staff_session_mark", "attendance.take", post(SESSION + "/attendance", _mark)),
    Case(
        "portal:staff_session_status",
        "attendance.session_manage",
        post(SESSION + "/status", {"status": "scheduled"}),
    ),
    Case(
        "portal:staff_session_completion",
        "attendance.completion_manage",
        post(SESSION + "/completion"),
    ),
    Case(
        "portal:staff_voucher_programmes",
        "vouchers.programme_manage",
        post("/staff/vouchers/programmes", _voucher_programme),
        changed=lambda t: VoucherProgramme.objects.filter(code="access-2027").exists(),
    ),
    *[
        Case("portal:staff_voucher_programme", action, post(PROGRAMME, body), label=label)
        for label, action, body in (
            ("register", "vouchers.programme_manage", _register),
            ("issue", "vouchers.programme_manage", _issue),
            ("find", "vouchers.programme_manage", {"action": "find", "phone": OWNER_PHONE}),
        )
    ],
    Case(
        "portal:staff_projects",
        "vouchers.project_manage",
        post("/staff/projects", _project),
        changed=lambda t: FundedProject.objects.filter(name="접근 시험 사업").exists(),
    ),
    Case(
        "portal:staff_project_expense_new",
        "vouchers.project_manage",
        post(
            "/staff/projects/{project}/expenses/new",
            lambda t: {"line": t["budget_line"], "amount_krw": "1000", "spent_on": f"{YEAR}-04-01"},
        ),
        changed=lambda t: ProjectExpense.objects.filter(line_id=t["budget_line"]).exists(),
    ),
    Case(
        "portal:staff_people",
        "learners.staff_manage",
        post(
            "/staff/people",
            {"action": "grant", "username": "world-citizen", "role": "auditor"},
        ),
    ),
    Case(
        "portal:staff_role_withdraw",
        "learners.staff_manage",
        post("/staff/people/roles/{staff_role}/withdraw"),
    ),
    Case(
        "portal:staff_invitation_revoke",
        "learners.staff_manage",
        post("/staff/people/invitations/{invitation}/revoke"),
    ),
    Case(
        "portal:invitation",
        "learners.invitation_accept",
        post("/accounts/invitation/not-a-token", {"username": "x", "password1": "y"}),
    ),
    Case(
        "portal:tokens",
        "learners.token_manage",
        post("/me/tokens", {"label": "matrix"}),
        mine="everyone",
    ),
    Case(
        "portal:token_revoke",
        "learners.token_manage",
        post("/me/tokens/{token_id}/revoke"),
        mine="owner",
    ),
    Case(
        "console:delivery",
        "analytics.delivery_enter",
        post(
            "/console/delivery/",
            lambda t: {
                "year": str(YEAR),
                "region": t["district"],
                "budget_krw": "1",
                "notes": "시험",
            },
        ),
        # an officer asking for another district is given their own: the one asked for is
        # left as it was
        changed=lambda t: DeliveryInput.objects.filter(
            year=YEAR, region_code=t["district"], notes="시험"
        ).exists(),
    ),
    Case(
        "console:report_jobs",
        "analytics.report_download",
        post(
            "/console/report/jobs/",
            lambda t: {"year": str(YEAR), "format": "html", "district": t["district"]},
        ),
    ),
]

OPERATIONS = [
    Case(
        f"POST {API}/applications",
        "enrollment.apply",
        post(
            API + "/applications",
            lambda t: {"offer_id": t["offer"], "idempotency_key": "api-apply-1"},
        ),
        mine="owner",
        label="online",
    ),
    Case(
        f"POST {API}/applications",
        "enrollment.desk_apply",
        post(
            API + "/applications",
            lambda t: {
                "offer_id": t["offer"],
                "learner_id": t["learner"],
                "channel": "desk",
                "idempotency_key": "api-desk-1",
            },
        ),
        label="desk",
    ),
    *[
        Case(
            f"POST {API}/applications/{{application_id}}/{verb}",
            "enrollment.application_change",
            post(API + "/applications/{application}/" + verb),
            mine="owner",
        )
        for verb in ("cancel", "accept", "decline")
    ],
    Case(
        f"POST {API}/applications/{{application_id}}/voucher-payment",
        "enrollment.application_change",
        post(
            API + "/applications/{application}/voucher-payment",
            lambda t: {
                "voucher_id": t["voucher"],
                "amount_krw": 1000,
                "idempotency_key": "api-voucher-pay-1",
            },
        ),
        mine="owner",
    ),
    Case(
        f"POST {API}/offers",
        "enrollment.offer_manage",
        post(
            API + "/offers",
            lambda t: {
                "schedule_id": t["free_schedule"],
                "capacity": 10,
                "opens_at": timezone.now().isoformat(),
                "closes_at": (timezone.now() + dt.timedelta(days=3)).isoformat(),
            },
        ),
    ),
    Case(
        f"POST {API}/offers/{{offer_id}}/draw",
        "enrollment.lottery_draw",
        post(API + "/offers/{offer}/draw"),
    ),
    Case(
        f"POST {API}/venues/{{venue_id}}/checkins",
        "attendance.take",
        post(
            API + "/venues/{venue}/checkins",
            {"request_key": "api-kiosk-1", **KIOSK, "birth_year": 1901},
        ),
    ),
    Case(
        f"POST {API}/sessions/{{session_id}}/attendance",
        "attendance.take",
        post(API + "/sessions/{session}/attendance", _mark),
    ),
    Case(
        f"POST {API}/sessions/{{session_id}}/status",
        "attendance.session_manage",
        post(API + "/sessions/{session}/status", {"status": "scheduled"}),
    ),
    Case(
        f"POST {API}/offers/{{offer_id}}/completion",
        "attendance.completion_manage",
        post(API + "/offers/{offer}/completion"),
    ),
    *[
        Case(
            f"POST {API}/applications/{{application_id}}/checkin-code/{verb}",
            "attendance.code_hold",
            post(API + "/applications/{application}/checkin-code/" + verb),
            mine="owner",
        )
        for verb in ("reissue", "revoke")
    ],
    Case(
        f"POST {API}/vouchers/{{voucher_id}}/payments",
        "vouchers.redeem",
        post(
            API + "/vouchers/{voucher}/payments",
            lambda t: {
                "institution_id": t["institution"],
                "course_id": t["programme"],
                "amount_krw": 1000,
                "idempotency_key": "api-redeem-1",
            },
        ),
        mine="owner",
    ),
    Case(
        f"POST {API}/voucher-payments/{{payment_id}}/refund",
        "vouchers.refund",
        post(
            API + "/voucher-payments/{redemption}/refund",
            {"units_by_month": [4], "units_elapsed": 0, "idempotency_key": "api-refund-1"},
        ),
    ),
    Case(
        f"POST {API}/credentials/verify",
        "records.credential_verify",
        post(API + "/credentials/verify", {"credential": "not a credential"}),
    ),
]

CASES = PAGES + OPERATIONS


@pytest.fixture
def things(db: None, world: Mapping[str, Any], shared_data: Any) -> dict[str, Any]:
    """On top of the world (its courses come from the real Gangnam file, hence
    `shared_data`): an open first-come offer on a schedule of the campus institution
    (sessions expanded) with the world citizen's confirmed application, a schedule without
    an offer, a voucher programme of the district with a voucher and a payment, and a funded
    project of the district with a budget line."""
    from learncity.attendance.services import kiosk_device_register, schedule_sessions_expand
    from learncity.catalog.models import Schedule
    from learncity.catalog.session_selectors import sessions_of_schedule
    from learncity.enrollment import services as enrolment
    from learncity.learners.models import Learner
    from learncity.learners.services import api_token_create
    from learncity.vouchers import services as vouchers
    from learncity.vouchers.models import BudgetLine
    from tests.enrollment.factories import course_running

    admin = world["city_admin"]
    campus = list(
        Schedule.objects.filter(
            pk__in=world["campus_schedules"], programme__venue__isnull=False
        ).select_related("programme")
    )
    assert len(campus) >= 2, "the campus institution runs courses at its venues"
    used, free = campus[0], campus[1]
    course_running(used.pk)  # an ended course takes nobody (issue 18): moved into the present
    now = timezone.now()
    offer = enrolment.offer_create(
        actor=admin,
        schedule_id=used.pk,
        capacity=30,
        desk_seats=5,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=7),
    )
    schedule_sessions_expand(actor=admin, schedule_id=used.pk)
    sessions = sessions_of_schedule(used.pk)
    assert sessions, "the schedule has sessions"
    owner = Learner.objects.create(
        user=world["users"][OWNER], name="접근시험", birth_year=1960, phone=OWNER_PHONE
    )
    applied = enrolment.apply(
        actor=world[OWNER], offer_id=offer.pk, learner_id=owner.pk, idempotency_key="access-own-1"
    )
    assert applied.status == "confirmed"
    district = str(offer.district_code)
    Learner.objects.filter(pk=owner.pk).update(district_code=district)  # a resident
    from tests.learners.factories import verified

    verified(owner, "district", by=admin)  # a verified resident (issue 19: vouchers read it)
    programme = vouchers.programme_create(
        actor=admin,
        code="access-voucher",
        name="평생교육이용권 (시험)",
        name_en="Learning voucher (test)",
        kind="city",
        amount_krw=100_000,
        period_start=dt.date(now.year, 1, 1),
        period_end=dt.date(now.year, 12, 31),
        min_age=0,
        district_code=district,
    )
    vouchers.programme_register_institution(
        actor=admin, programme_id=programme.pk, institution_id=offer.institution_id
    )
    voucher = vouchers.voucher_issue(
        actor=admin, programme_id=programme.pk, learner_id=owner.pk, idempotency_key="access-iss-1"
    ).voucher_id
    paid = vouchers.voucher_redeem(  # the holder pays (issue 19: staff need an application)
        actor=world[OWNER], voucher_id=voucher, institution_id=offer.institution_id,
        amount=10_000, idempotency_key="access-redeem-0", course_id=used.programme_id,
    )  # fmt: skip
    project = vouchers.project_create(
        actor=admin,
        name="접근 시험 재정지원",
        amount_krw=2_000_000,
        starts_on=dt.date(now.year, 1, 1),
        ends_on=dt.date(now.year, 12, 31),
        lines=[("강사비", "instructors", 1_000_000)],
        district_code=district,
    )
    users = world["users"]
    from learncity.learners import staff_services
    from learncity.learners.models import ApiToken, StaffRole
    from learncity.notices.services import notice_publish

    tokens = {who: api_token_create(users[who].pk) for who in WHO if who != "anonymous"}
    invitation, _link = staff_services.staff_invite(
        actor=None, email="invitee@example.org", scope=staff_services.RoleScope("auditor")
    )
    return {
        "offer": offer.pk,
        "programme": used.programme_id,
        "venue": used.programme.venue_id,
        "session": sessions[0].id,
        "free_schedule": free.pk,
        "institution": offer.institution_id,
        "other_institution": world["other_institution"],
        "district": district,
        "learner": owner.pk,
        "phone": owner.phone,
        "application": applied.application_id,
        "voucher_programme": programme.pk,
        "voucher": voucher,
        "redemption": paid.transaction_id,
        "project": project.pk,
        "budget_line": BudgetLine.objects.get(project=project).pk,
        "tokens": tokens,
        "staff_role": StaffRole.objects.filter(user=users["instructor"]).values_list(
            "pk", flat=True
        )[0],
        "invitation": invitation.pk,
        "notice": notice_publish(
            actor=admin, title="접근 시험 공지", institution_id=offer.institution_id
        ).pk,
        "token_id": ApiToken.objects.get(user=users[OWNER], label="").pk,
        "kiosk_device": kiosk_device_register(
            actor=admin, venue_id=used.programme.venue_id, name="접근 시험 키오스크"
        ).device_id,
    }


def _refused(case: Case, who: str, response: Any) -> bool:
    if who == "anonymous":
        if case.api:
            return bool(response.status_code == 401)
        location = response.get("Location", "")
        return response.status_code == 302 and location.startswith("/accounts/login")
    return bool(response.status_code == 403)


def _send(case: Case, who: str, t: Things, world: Mapping[str, Any]) -> Any:
    path, data = case.request(t)
    if case.api:
        headers = {} if who == "anonymous" else {"HTTP_AUTHORIZATION": f"Bearer {t['tokens'][who]}"}
        client = Client(HTTP_HOST="127.0.0.1")
        return client.post(path, json.dumps(data), content_type="application/json", **headers)
    client = Client()
    if who != "anonymous":
        client.force_login(world["users"][who])
    return client.post(path, data)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_role_as_the_policy_says(
    case: Case, things: dict[str, Any], world: Mapping[str, Any]
) -> None:
    scope = Scope(institution_id=things["institution"], district_code=things["district"])
    for who in WHO:
        actor = None if who == "anonymous" else Actor(world["users"][who].pk)
        own = Scope(
            institution_id=scope.institution_id,
            district_code=scope.district_code,
            own=case.mine == "everyone" or (case.mine == "owner" and who == OWNER),
        )
        expected = allowed(roles_of(actor), case.action, own)
        with transaction.atomic():
            response = _send(case, who, things, world)
            changed = case.changed(things) if case.changed is not None else None
            transaction.set_rollback(True)
        body = response.content[:300]
        if changed is not None:
            assert changed == expected, (case.id, who, response.status_code, body)
        else:
            refused = _refused(case, who, response)
            assert refused != expected, (case.id, who, response.status_code, body)


def test_every_state_changing_endpoint_has_a_case(db: None, world: Mapping[str, Any]) -> None:
    """A new page or API operation that changes anything needs its case above (and its
    declared actions each a case of their own)."""

    def signed_in() -> Client:
        client = Client()
        client.force_login(world["users"]["citizen"])
        return client

    declared = {page.name: actions_of(page.view) for page in state_changing_pages(signed_in)}
    declared |= {
        f"{op.method.upper()} {op.path}": actions_of(op.view) for op in state_changing_operations()
    }
    covered: dict[str, set[str]] = {}
    for case in CASES:
        covered.setdefault(case.endpoint, set()).add(case.action)
    assert sorted(set(declared) - set(covered)) == [], "endpoints without a case"
    assert sorted(set(covered) - set(declared)) == [], "cases of endpoints that change nothing"
    for endpoint, actions in declared.items():
        assert covered[endpoint] == set(actions), (endpoint, actions, covered[endpoint])
