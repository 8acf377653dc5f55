"""The staff pages of voucher programmes and funded projects (issue 7): who sees which page,
each form's write, and each refusal shown with its status and nothing changed."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.learners.models import Learner, StaffRole
from learncity.vouchers import services
from learncity.vouchers.models import (
    Account,
    BudgetLine,
    FundedProject,
    LedgerTransaction,
    ProjectExpense,
    RegisteredInstitution,
    Voucher,
    VoucherProgramme,
)
from tests.clients import signed_in as client_of

from .factories import admin, institution, issued, person, programme, staff
from .factories import project as project_of

GANGNAM = "1168000000"
SEOCHO = "1165000000"
PROGRAMMES = "/staff/vouchers/programmes"
PROJECTS = "/staff/projects"


def _today() -> dt.date:
    return timezone.localdate()


def _period() -> dict[str, dt.date]:
    """A period around today, so that issuing is never refused for an ended period."""
    return {
        "period_start": _today() - dt.timedelta(days=30),
        "period_end": _today() + dt.timedelta(days=300),
    }


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    city = admin()
    place = institution("강남구평생학습관")
    other = institution("서초구민회관")
    made = programme(city, place, **_period())
    gangnam = programme(
        city, code="gn-2026", name="강남 이용권", district_code=GANGNAM, **_period()
    )
    seocho = programme(city, code="sc-2026", name="서초 이용권", district_code=SEOCHO, **_period())
    learner, citizen = person()
    project = project_of(
        city,
        "강남구 평생학습 사업",
        30_000_000,
        funder="교육부",
        district_code=GANGNAM,
        lines=[("강사비", "instructors", 10_000_000), ("이용권", "vouchers", 20_000_000)],
    )
    seocho_project = project_of(city, "서초구 학습 사업", 5_000_000, district_code=SEOCHO)
    return {
        "admin": city,
        "officer": staff(StaffRole.Role.DISTRICT_OFFICER, district_code=GANGNAM),
        "auditor": staff(StaffRole.Role.AUDITOR),
        "institution_staff": staff(StaffRole.Role.INSTITUTION_STAFF, institution=place),
        "citizen": citizen,
        "learner": learner,
        "place": place,
        "other": other,
        "programme": made,
        "gangnam": gangnam,
        "seocho": seocho,
        "project": project,
        "seocho_project": seocho_project,
        "instructors_line": project.lines.get(category="instructors"),
    }


def _text(response: Any) -> str:
    """The page as read (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def _pages(world: dict[str, Any]) -> list[str]:
    return [
        PROGRAMMES,
        f"{PROGRAMMES}/{world['programme'].pk}",
        PROJECTS,
        f"{PROJECTS}/{world['project'].pk}/expenses/new",
    ]


def _snapshot() -> tuple[int, ...]:
    return (
        VoucherProgramme.objects.count(),
        RegisteredInstitution.objects.count(),
        Voucher.objects.count(),
        LedgerTransaction.objects.count(),
        Account.objects.count(),
        FundedProject.objects.count(),
        BudgetLine.objects.count(),
        ProjectExpense.objects.count(),
    )


# ------------------------------------------------------------------ who sees the pages


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_every_page_renders_for_the_city_offices(world, who):
    client = client_of(world[who])
    headings = ["이용권 사업", "강남구평생학습관", "재정지원 사업", "지출 기록"]
    forms = ["programme-form", "register-form", "project-form", "expense-form"]
    for url, heading, form in zip(_pages(world), headings, forms, strict=True):
        page = client.get(url)
        assert page.status_code == 200, url
        text = _text(page)
        assert heading in text, url
        # the forms are offered to those who may write; an auditor reads
        assert (f'data-testid="{form}"' in text) == (who == "admin"), url
        assert ('data-testid="read-only"' in text) == (who == "auditor"), url
        if who == "admin":
            assert 'name="csrfmiddlewaretoken"' in text.split(f'data-testid="{form}"', 1)[1]
    english = client.get(f"{PROGRAMMES}?lang=en")
    assert "Create a voucher programme" in _text(english)
    assert "Learning voucher 2026" in _text(english)  # the programme's English name


def test_district_officer_sees_only_the_districts_programmes_and_projects(world):
    client = client_of(world["officer"])
    listing = _text(client.get(PROGRAMMES))
    assert "강남 이용권" in listing
    assert "서초 이용권" not in listing and "평생교육이용권 2026" not in listing
    assert 'value="1168000000"' in listing  # the create form starts with the district
    assert client.get(f"{PROGRAMMES}/{world['gangnam'].pk}").status_code == 200
    for other in (world["seocho"], world["programme"]):
        refused = client.get(f"{PROGRAMMES}/{other.pk}")
        assert refused.status_code == 403
        assert "권한이 없습니다" in _text(refused)
    projects = _text(client.get(PROJECTS))
    assert "강남구 평생학습 사업" in projects and "서초구 학습 사업" not in projects
    assert f'href="/staff/projects/{world["project"].pk}"' in projects
    assert client.get(f"{PROJECTS}/{world['project'].pk}/expenses/new").status_code == 200
    assert client.get(f"{PROJECTS}/{world['seocho_project'].pk}/expenses/new").status_code == 403


def test_anonymous_visitors_sign_in_and_others_are_refused(world):
    for url in _pages(world):
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
        for who in ("citizen", "institution_staff"):
            refused = client_of(world[who]).get(url)
            assert refused.status_code == 403, (who, url)
            assert 'data-testid="refusal"' in _text(refused)
        posted = client_of(world["citizen"]).post(url, {"name": "x"})
        assert posted.status_code == 403


def test_unknown_programme_and_project_are_404(world):
    client = client_of(world["admin"])
    assert client.get(f"{PROGRAMMES}/999999").status_code == 404
    assert client.get(f"{PROJECTS}/999999/expenses/new").status_code == 404


def test_list_shows_period_amount_issued_and_registered_counts(world):
    city = world["admin"]
    issued(city, world["programme"], world["learner"], now=timezone.now())
    services.programme_register_institution(
        actor=city, programme_id=world["programme"].pk, institution_id=world["other"].pk
    )
    page = _text(client_of(city).get(PROGRAMMES))
    row = re.search(rf'data-testid="programme-{world["programme"].pk}">(.*?)</tr>', page, re.S)
    assert row is not None
    cells = row.group(1)
    assert '<td class="num" data-testid="amount">350,000</td>' in cells
    assert '<td class="num" data-testid="issued">1</td>' in cells
    assert '<td class="num" data-testid="registered">2</td>' in cells
    assert world["programme"].period_end.strftime("%Y-%m-%d") in cells


def test_posts_without_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(pk=world["admin"].user_id))
    before = _snapshot()
    assert client.post(PROGRAMMES, _programme_form()).status_code == 403
    assert _snapshot() == before


# ------------------------------------------------------------------ create a programme


def _programme_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "code": "city-2027",
        "name": "시민 평생학습 이용권",
        "name_en": "Citizens' learning voucher",
        "kind": "city",
        "amount_krw": "200000",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "min_age": "19",
        "max_age": "",
        "groups": ["senior", "low_income"],
        "district_code": "",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_create_programme(world):
    client = client_of(world["admin"])
    response = client.post(PROGRAMMES, _programme_form())
    made = VoucherProgramme.objects.get(code="city-2027")
    assert response.status_code == 302
    assert response["Location"] == f"{PROGRAMMES}/{made.pk}"
    assert (made.name, made.name_en, made.kind, made.amount_krw) == (
        "시민 평생학습 이용권",
        "Citizens' learning voucher",
        "city",
        200_000,
    )
    assert (made.period_start, made.period_end) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert (made.min_age, made.max_age, made.groups, made.district_code) == (
        19,
        None,
        ["senior", "low_income"],
        "",
    )
    assert Account.objects.filter(owner_id=made.pk, kind__in=["funding", "lapsed"]).count() == 2
    followed = client.get(response["Location"])
    assert "이용권 사업을 만들었습니다" in _text(followed)


def test_district_officer_creates_the_districts_programme(world):
    client = client_of(world["officer"])
    response = client.post(PROGRAMMES, _programme_form(district_code=GANGNAM))
    assert response.status_code == 302
    assert VoucherProgramme.objects.get(code="city-2027").district_code == GANGNAM


@pytest.mark.parametrize(
    ("who", "changes", "status", "field", "words"),
    [
        ("admin", {"amount_krw": "0"}, 422, "amount_krw", "금액이 올바르지 않습니다"),
        ("admin", {"amount_krw": "-5000"}, 422, "amount_krw", "positive number of won"),
        ("admin", {"amount_krw": "만원"}, 422, "amount_krw", "숫자로 입력해 주세요"),
        (
            "admin",
            {"period_start": "2027-06-01", "period_end": "2027-05-31"},
            422,
            "period_end",
            "the period ends before it starts",
        ),
        ("admin", {"groups": ["senior", "aliens"]}, 422, "groups", "unknown groups ['aliens']"),
        ("admin", {"kind": "galactic"}, 422, "kind", "unknown programme kind"),
        ("admin", {"period_end": "2027-13-40"}, 422, "period_end", "YYYY-MM-DD"),
        ("admin", {"code": ""}, 422, "code", "사업 코드을(를) 입력해 주세요"),
        ("admin", {"max_age": "10", "min_age": "20"}, 422, "max_age", "최대 나이가"),
        ("admin", {"district_code": "gangnam"}, 422, "district_code", "숫자입니다"),
        ("officer", {"district_code": SEOCHO}, 403, None, "권한이 없습니다"),
        ("officer", {"district_code": ""}, 403, None, "권한이 없습니다"),
        ("auditor", {}, 403, None, "권한이 없습니다"),
        ("admin", {"code": "sc-2026"}, 409, "code", "이미 쓰이고 있는 사업 코드입니다"),
    ],
)
def test_programme_refusals_change_nothing(world, who, changes, status, field, words):
    before = _snapshot()
    response = client_of(world[who]).post(PROGRAMMES, _programme_form(**changes))
    assert response.status_code == status
    text = _text(response)
    assert words in text
    assert 'id="form-errors"' in text
    if field:
        assert f'id="id_{field}_error"' in text
        assert words in text.split(f'id="id_{field}_error"', 1)[1].split("</p>", 1)[0]
    assert _snapshot() == before


# ------------------------------------------------------------------ registered institutions


def test_register_and_unregister_an_institution(world):
    client = client_of(world["admin"])
    url = f"{PROGRAMMES}/{world['programme'].pk}"
    page = _text(client.get(url))
    assert f'<option value="{world["other"].pk}">서초구민회관</option>' in page
    response = client.post(url, {"action": "register", "institution": world["other"].pk})
    assert response.status_code == 302
    assert RegisteredInstitution.objects.filter(
        programme=world["programme"], institution=world["other"]
    ).exists()
    followed = _text(client.get(url))
    assert "서초구민회관: 사용기관으로 등록했습니다" in followed
    assert f'data-testid="registered-{world["other"].pk}"' in followed
    response = client.post(url, {"action": "unregister", "institution": world["place"].pk})
    assert response.status_code == 302
    assert list(
        RegisteredInstitution.objects.filter(programme=world["programme"]).values_list(
            "institution_id", flat=True
        )
    ) == [world["other"].pk]


def test_district_officer_registers_for_the_districts_programme(world):
    url = f"{PROGRAMMES}/{world['gangnam'].pk}"
    response = client_of(world["officer"]).post(
        url, {"action": "register", "institution": world["place"].pk}
    )
    assert response.status_code == 302
    assert RegisteredInstitution.objects.filter(programme=world["gangnam"]).count() == 1


@pytest.mark.parametrize(
    ("who", "institution", "status", "words"),
    [
        ("auditor", "place", 403, "권한이 없습니다"),
        ("admin", 987654, 404, "찾을 수 없습니다"),
        ("admin", "", 422, "기관을 골라 주세요"),
        ("admin", "abc", 422, "기관을 골라 주세요"),
    ],
)
def test_register_refusals_change_nothing(world, who, institution, status, words):
    before = _snapshot()
    value = world["other"].pk if institution == "place" else institution
    response = client_of(world[who]).post(
        f"{PROGRAMMES}/{world['programme'].pk}", {"action": "register", "institution": value}
    )
    assert response.status_code == status
    assert words in _text(response)
    assert _snapshot() == before
    unregistered = client_of(world["auditor"]).post(
        f"{PROGRAMMES}/{world['programme'].pk}",
        {"action": "unregister", "institution": world["place"].pk},
    )
    assert unregistered.status_code == 403
    assert _snapshot() == before


# ------------------------------------------------------------------ issue a voucher


def _find(client: Client, programme_id: int, **fields: Any) -> Any:
    return client.post(f"{PROGRAMMES}/{programme_id}", {"action": "find", **fields})


def _key_in(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_issue_a_voucher_to_the_person_found_by_phone(world):
    client = client_of(world["admin"])
    learner = world["learner"]
    made = world["programme"]
    phone = f"{learner.phone[:3]}-{learner.phone[3:7]}-{learner.phone[7:]}"
    found = _find(client, made.pk, phone=phone)
    assert found.status_code == 200
    page = _text(found)
    assert learner.name in page and f"010-****-{learner.phone[-4:]}" in page
    assert learner.phone not in page  # masked
    assert Voucher.objects.count() == 0  # finding issues nothing
    key = _key_in(page)
    response = client.post(
        f"{PROGRAMMES}/{made.pk}",
        {"action": "issue", "learner": learner.pk, "idempotency_key": key},
    )
    assert response.status_code == 302
    voucher = Voucher.objects.get(programme=made, learner=learner)
    assert voucher.issued_krw == 350_000
    assert LedgerTransaction.objects.filter(kind="issue", voucher=voucher).count() == 1
    followed = _text(client.get(f"{PROGRAMMES}/{made.pk}"))
    assert f"이용권 {voucher.code} 지급 350,000원" in followed
    assert '<dd data-testid="issued">1</dd>' in followed
    # the same form sent twice (a double click): the earlier result, nothing more
    again = client.post(
        f"{PROGRAMMES}/{made.pk}",
        {"action": "issue", "learner": learner.pk, "idempotency_key": key},
    )
    assert again.status_code == 302
    assert "이미 처리된 지급입니다" in _text(client.get(f"{PROGRAMMES}/{made.pk}"))
    assert Voucher.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind="issue").count() == 1


def _namesake(learner: Learner) -> Learner:
    """Another person with the same name and birth year."""
    twin, _ = person(birth_year=learner.birth_year)
    twin.name = learner.name
    twin.save(update_fields=["name"])
    return twin


def test_issue_by_name_and_birth_year_with_the_last_digits(world):
    client = client_of(world["admin"])
    learner = world["learner"]
    twin = _namesake(learner)
    assert twin.phone[-4:] != learner.phone[-4:]
    found = _find(
        client,
        world["programme"].pk,
        name=learner.name,
        birth_year=learner.birth_year,
        phone_end=learner.phone[-4:],
    )
    assert found.status_code == 200
    assert f'name="learner" value="{learner.pk}"' in _text(found)


def _issue_post(world: dict[str, Any], who: str, learner: Learner, key: str) -> Any:
    return client_of(world[who]).post(
        f"{PROGRAMMES}/{world['programme'].pk}",
        {"action": "issue", "learner": learner.pk, "idempotency_key": key},
    )


def test_issue_refused_when_already_issued(world):
    issued(world["admin"], world["programme"], world["learner"], now=timezone.now())
    before = _snapshot()
    response = _issue_post(world, "admin", world["learner"], "second-issue-0001")
    assert response.status_code == 409
    assert "이미 이 사업의 이용권을 받았습니다" in _text(response)
    assert 'data-testid="refusal"' in _text(response)
    assert _snapshot() == before


def test_issue_refused_when_not_eligible(world):
    child, _ = person(birth_year=_today().year - 10)
    before = _snapshot()
    response = _issue_post(world, "admin", child, "child-issue-0001")
    assert response.status_code == 422
    assert "지급 대상이 아닙니다" in _text(response)
    assert "aged 19 and over" in _text(response)
    assert _snapshot() == before


@pytest.mark.parametrize("who", ["auditor", "officer"])
def test_issue_refused_for_a_role_that_may_not_manage(world, who):
    before = _snapshot()
    response = _issue_post(world, who, world["learner"], "forbidden-issue-01")
    # the officer cannot even open a city-wide programme; the auditor reads but may not issue
    assert response.status_code == 403
    assert "권한이 없습니다" in _text(response)
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"learner": "987654", "idempotency_key": "unknown-learner-1"}, 404, "찾을 수 없습니다"),
        ({"learner": "x", "idempotency_key": "bad-learner-0001"}, 422, "다시 열어 주세요"),
        ({"idempotency_key": "short"}, 422, "idempotency key"),
    ],
)
def test_issue_refused_for_bad_forms(world, fields, status, words):
    before = _snapshot()
    data = {"action": "issue", "learner": world["learner"].pk, **fields}
    response = client_of(world["admin"]).post(f"{PROGRAMMES}/{world['programme'].pk}", data)
    assert response.status_code == status
    assert words in _text(response)
    assert _snapshot() == before


def test_find_refuses_an_unknown_phone(world):
    before = _snapshot()
    response = _find(client_of(world["admin"]), world["programme"].pk, phone="010-5555-0000")
    assert response.status_code == 404
    assert 'data-testid="no-match"' in _text(response)
    assert 'data-testid="issue-form"' not in _text(response)
    assert _snapshot() == before


def test_find_never_guesses_between_two_people(world):
    learner = world["learner"]
    _namesake(learner)
    before = _snapshot()
    response = _find(
        client_of(world["admin"]), world["programme"].pk, name=learner.name, birth_year="1980"
    )
    assert response.status_code == 422
    text = _text(response)
    assert 'data-testid="several"' in text
    assert "같은 이름과 태어난 해의 사람이 여럿입니다" in text
    assert 'id="id_phone_end_error"' in text
    assert 'data-testid="issue-form"' not in text and 'name="learner"' not in text
    assert _snapshot() == before


def test_find_refuses_a_malformed_phone(world):
    response = _find(client_of(world["admin"]), world["programme"].pk, phone="12-34")
    assert response.status_code == 422
    assert 'id="id_phone_error"' in _text(response)


# ------------------------------------------------------------------ funded projects


def _project_form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "2027 평생학습도시 특성화 사업",
        "funder": "국가평생교육진흥원",
        "amount_krw": "50000000",
        "starts_on": "2027-03-01",
        "ends_on": "2027-12-31",
        "district_code": "",
        "line_1_name": "강사비",
        "line_1_category": "instructors",
        "line_1_amount": "20000000",
        "line_2_name": "학습비 지원",
        "line_2_category": "vouchers",
        "line_2_amount": "25000000",
    }
    form.update(changes)
    return form


def test_create_project_with_budget_lines(world):
    client = client_of(world["admin"])
    response = client.post(PROJECTS, _project_form())
    made = FundedProject.objects.get(name="2027 평생학습도시 특성화 사업")
    assert response.status_code == 302
    assert response["Location"] == f"{PROJECTS}/{made.pk}"
    assert (made.funder, made.amount_krw, made.starts_on, made.ends_on, made.district_code) == (
        "국가평생교육진흥원",
        50_000_000,
        dt.date(2027, 3, 1),
        dt.date(2027, 12, 31),
        "",
    )
    assert list(made.lines.values_list("name", "category", "amount_krw")) == [
        ("강사비", "instructors", 20_000_000),
        ("학습비 지원", "vouchers", 25_000_000),
    ]
    assert "사업을 만들었습니다" in _text(client.get(response["Location"]))
    assert "2027 평생학습도시 특성화 사업" in _text(client.get(PROJECTS))


def test_district_officer_creates_the_districts_project(world):
    response = client_of(world["officer"]).post(
        PROJECTS,
        _project_form(district_code=GANGNAM, line_2_name="", line_2_category="", line_2_amount=""),
    )
    assert response.status_code == 302
    made = FundedProject.objects.get(name="2027 평생학습도시 특성화 사업")
    assert made.district_code == GANGNAM and made.lines.count() == 1


@pytest.mark.parametrize(
    ("who", "changes", "status", "field", "words"),
    [
        ("admin", {"amount_krw": "-1"}, 422, "amount_krw", "project's amount"),
        (
            "admin",
            {"line_2_amount": "40000000"},
            422,
            "amount_krw",
            "add up to more than the project's amount",
        ),
        (
            "admin",
            {"starts_on": "2027-12-31", "ends_on": "2027-03-01"},
            422,
            "ends_on",
            "the project ends before it starts",
        ),
        ("admin", {"line_2_category": "fireworks"}, 422, None, "unknown budget categories"),
        ("admin", {"line_2_name": ""}, 422, "line_2_name", "항목 이름을 입력해 주세요"),
        ("admin", {"line_1_amount": ""}, 422, "line_1_amount", "항목 금액을 입력해 주세요"),
        ("admin", {"name": ""}, 422, "name", "사업 이름을(를) 입력해 주세요"),
        ("officer", {"district_code": SEOCHO}, 403, None, "권한이 없습니다"),
        ("auditor", {}, 403, None, "권한이 없습니다"),
    ],
)
def test_project_refusals_change_nothing(world, who, changes, status, field, words):
    before = _snapshot()
    response = client_of(world[who]).post(PROJECTS, _project_form(**changes))
    assert response.status_code == status
    text = _text(response)
    assert words in text
    if field:
        assert words in text.split(f'id="id_{field}_error"', 1)[1].split("</p>", 1)[0]
    assert _snapshot() == before


# ------------------------------------------------------------------ expenses


def test_record_an_expense(world):
    client = client_of(world["officer"])
    url = f"{PROJECTS}/{world['project'].pk}/expenses/new"
    page = _text(client.get(url))
    line = world["instructors_line"]
    assert f'<option value="{line.pk}">강사비 (강사비)</option>' in page
    voucher_line = world["project"].lines.get(category="vouchers")
    assert f'<option value="{voucher_line.pk}"' not in page  # vouchers are spent by payments
    response = client.post(
        url,
        {"line": line.pk, "amount_krw": "1200000", "spent_on": "2026-03-31", "memo": "3월 강사비"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PROJECTS}/{world['project'].pk}"
    expense = ProjectExpense.objects.get()
    assert (expense.line_id, expense.amount_krw, expense.spent_on, expense.memo) == (
        line.pk,
        1_200_000,
        dt.date(2026, 3, 31),
        "3월 강사비",
    )
    budget = _text(client.get(response["Location"]))
    assert "지출을 기록했습니다" in budget and "1,200,000" in budget
    assert f'href="{url}" data-testid="record-expense"' in budget  # the budget page links here


@pytest.mark.parametrize(
    ("who", "changes", "status", "field", "words"),
    [
        ("admin", {"amount_krw": "0"}, 422, "amount_krw", "금액이 올바르지 않습니다"),
        ("admin", {"amount_krw": "-300"}, 422, "amount_krw", "positive number of won"),
        ("admin", {"spent_on": "어제"}, 422, "spent_on", "YYYY-MM-DD"),
        ("admin", {"line": "other-project"}, 422, "line", "이 사업의 예산 항목을 골라 주세요"),
        ("admin", {"line": "voucher-line"}, 422, "line", "이 사업의 예산 항목을 골라 주세요"),
        ("auditor", {}, 403, None, "권한이 없습니다"),
    ],
)
def test_expense_refusals_change_nothing(world, who, changes, status, field, words):
    form = {"line": world["instructors_line"].pk, "amount_krw": "5000", "spent_on": "2026-04-01"}
    form.update(changes)
    if form["line"] == "other-project":
        form["line"] = world["seocho_project"].lines.get().pk
    if form["line"] == "voucher-line":
        form["line"] = world["project"].lines.get(category="vouchers").pk
    before = _snapshot()
    url = f"{PROJECTS}/{world['project'].pk}/expenses/new"
    response = client_of(world[who]).post(url, form)
    assert response.status_code == status
    text = _text(response)
    assert words in text
    if field:
        assert words in text.split(f'id="id_{field}_error"', 1)[1].split("</p>", 1)[0]
    assert _snapshot() == before


def test_expense_of_another_districts_project_is_refused(world):
    before = _snapshot()
    line = world["seocho_project"].lines.get()
    response = client_of(world["officer"]).post(
        f"{PROJECTS}/{world['seocho_project'].pk}/expenses/new",
        {"line": line.pk, "amount_krw": "5000", "spent_on": "2026-04-01"},
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_expense_page_of_a_project_with_only_voucher_lines(world):
    only_vouchers = project_of(
        world["admin"], "이용권만 있는 사업", 1_000_000, lines=[("학습비", "vouchers", 1_000_000)]
    )
    page = client_of(world["admin"]).get(f"{PROJECTS}/{only_vouchers.pk}/expenses/new")
    assert page.status_code == 200
    assert 'data-testid="no-lines"' in _text(page)
    assert 'data-testid="expense-form"' not in _text(page)


def test_staff_nav_links_the_pages(world):
    page = _text(client_of(world["admin"]).get("/staff/offers"))
    assert f'href="{PROGRAMMES}"' in page


def test_a_programme_is_paid_from_a_projects_budget_line(world):
    client = client_of(world["admin"])
    assert client.post(PROJECTS, _project_form()).status_code == 302
    project = FundedProject.objects.get(name="2027 평생학습도시 특성화 사업")
    line = project.lines.get(category="vouchers")
    page = _text(client.get(PROGRAMMES))
    assert "2027 평생학습도시 특성화 사업 — 학습비 지원" in page
    refused = client.post(PROGRAMMES, _programme_form(budget_line_id="999999"))
    assert refused.status_code == 422 and "예산 항목" in _text(refused)
    assert not VoucherProgramme.objects.filter(code="city-2027").exists()
    assert client.post(PROGRAMMES, _programme_form(budget_line_id=str(line.pk))).status_code == 302
    made = VoucherProgramme.objects.get(code="city-2027")
    assert (made.budget_line_id, made.project_id) == (line.pk, project.pk)
    budget = _text(client.get(f"{PROJECTS}/{project.pk}"))
    assert "시민 평생학습 이용권" in budget
