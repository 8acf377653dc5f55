"""The staff pages of enrolment (/staff/...) with Django's test client, on real schedules of
the Gangnam catalog: who may see which page, every role against every state-changing POST
(open an offer, a desk application, cancel on behalf, draw the lottery), the desk lookup and
its double submit, the lists of an offer with its audit log, the replay panel, and hostile
input (unknown ids, negative capacity, a window that ends before it starts, odd phone
formats, 2,000-character names)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from learncity.catalog.models import Programme, Schedule
from learncity.enrollment import services
from learncity.enrollment.models import LIVE, Application, AuditEvent, Offer
from learncity.learners.access import Actor, Scope, allowed
from learncity.learners.models import Learner, StaffRole
from learncity.learners.services import learner_sign_up
from tests.enrollment.factories import course_running, open_now
from tests.learners.factories import STAFF_IN_AND_OUT_OF_SCOPE

PASSWORD = "Learn-city-2026!"
_phones = iter(range(30_000_000, 99_999_999, 7919))
MANAGERS = {"institution_staff", "district_officer", "city_admin"}
READERS = MANAGERS | {"instructor", "auditor"}
ROLES = [*STAFF_IN_AND_OUT_OF_SCOPE, "citizen", "anonymous"]
STAFF_ONLY = "직원만 볼 수 있는 페이지입니다"


@pytest.fixture
def campus(db: None, world: Mapping[str, Any]) -> dict[str, Any]:
    """The institution (and district) that runs the most real schedules, the ids of those
    schedules, and the world's other institution with one schedule of its own, no district
    (made inside the test's transaction)."""
    programme = Programme.objects.create(
        institution_id=world["other_institution"],
        title="다른 기관 강좌",
        display_title="다른 기관 강좌",
    )
    foreign = Schedule.objects.create(
        programme=programme, start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 6, 30)
    )
    schedules = list(world["campus_schedules"])
    assert len(schedules) >= 16, "the real catalog gives one institution many schedules"
    return {
        "institution": world["institution"],
        "district": world["district"],
        "schedules": schedules,
        "other_institution": world["other_institution"],
        "foreign_schedule": foreign.pk,
        "admin": world["admin"],
    }


def person(username: str, *, name: str = "김시민", birth_year: int = 1961, **kw: Any) -> Learner:
    return learner_sign_up(
        username=username,
        password=PASSWORD,
        name=name,
        birth_year=birth_year,
        phone=kw.pop("phone", None) or f"010{next(_phones)}",
        **kw,
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def staff(username: str, role: str, **scope: Any) -> Client:
    user = User.objects.create_user(username, password=PASSWORD)
    StaffRole.objects.create(user=user, role=role, **scope)
    return signed_in(user)


PREFIX = {
    "instructor": "in",
    "institution_staff": "is",
    "other_institution_staff": "os",
    "district_officer": "do",
    "other_district_officer": "od",
    "city_admin": "ca",
    "auditor": "au",
    "citizen": "ci",
}


def role_clients(campus: dict[str, Any], tag: str) -> dict[str, Client]:
    """A signed-in client per role (user name PREFIX-tag), and an anonymous one."""
    institution, district = campus["institution"], campus["district"]
    scopes: dict[str, tuple[str, dict[str, Any]]] = {
        "instructor": ("instructor", {"institution_id": institution}),
        "institution_staff": ("institution_staff", {"institution_id": institution}),
        "other_institution_staff": (
            "institution_staff",
            {"institution_id": campus["other_institution"]},
        ),
        "district_officer": ("district_officer", {"district_code": district}),
        "other_district_officer": ("district_officer", {"district_code": "99999"}),
        "city_admin": ("city_admin", {}),
        "auditor": ("auditor", {}),
    }
    clients = {
        role: staff(f"{PREFIX[role]}-{tag}", kind, **scope)
        for role, (kind, scope) in scopes.items()
    }
    clients["citizen"] = signed_in(person(f"ci-{tag}").user)
    clients["anonymous"] = Client()
    return clients


def open_offer(campus: dict[str, Any], index: int, **kw: Any) -> Offer:
    """An offer open now (two places) on the campus's index-th schedule."""
    kw.setdefault("capacity", 2)
    return open_now(campus["schedules"][index], actor=campus["admin"], **kw)


def closed_lottery(campus: dict[str, Any], index: int, entrants: int = 3) -> Offer:
    """A lottery whose window closed an hour ago, with `entrants` pending entries."""
    now = timezone.now()
    offer = open_offer(
        campus,
        index,
        capacity=2,
        method="lottery",
        opens_at=now - dt.timedelta(days=2),
        closes_at=now - dt.timedelta(hours=1),
    )
    for n in range(entrants):
        entrant = person(f"lot-{offer.pk}-{n}")
        services.apply(
            actor=Actor(entrant.user_id),
            offer_id=offer.pk,
            learner_id=entrant.pk,
            idempotency_key=f"lottery-{offer.pk}-{n}",
            now=now - dt.timedelta(days=1),
        )
    return offer


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def offer_form(schedule_id: int | str, **changes: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "schedule": schedule_id,
        "capacity": "10",
        "desk_seats": "2",
        "opens_at": local(now - dt.timedelta(hours=1)),
        "closes_at": local(now + dt.timedelta(days=7)),
        "method": "first_come",
        "term": "2026-1",
        "per_person_limit": "0",
        "fee_krw": "0",
        "accept_hours": "48",
    }
    data.update(changes)
    return data


def text(answer: Any) -> str:
    return str(answer.content.decode())


def key_of(answer: Any) -> str:
    found = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', text(answer))
    assert found, "the desk form carries an idempotency key"
    return found[1]


def is_login_redirect(answer: Any, path: str) -> bool:
    return answer.status_code == 302 and answer["Location"].startswith(
        "/accounts/login?next=" + path.replace("?", "%3F").replace("=", "%3D")
    )


# ------------------------------------------------------------------ who sees what


def test_each_role_sees_the_pages_it_may_and_no_more(db, world, campus):
    offer = open_offer(campus, 0, capacity=3, desk_seats=1)
    owner = person("owner-get")
    services.apply(
        actor=Actor(owner.user_id), offer_id=offer.pk, learner_id=owner.pk, idempotency_key="k" * 9
    )
    free = campus["schedules"][1]
    Offer.objects.filter(schedule_id=free).delete()
    course_running(free)  # the picker lists courses that have not ended
    pages = {
        "list": "/staff/offers",
        "detail": f"/staff/offers/{offer.pk}",
        "desk": f"/staff/offers/{offer.pk}/desk",
        "picker": "/staff/offers/new",
        "form": f"/staff/offers/new?schedule={free}",
        "replay": f"/staff/offers/{offer.pk}/replay",
    }
    for role, client in role_clients(campus, "get").items():
        answers = {name: client.get(path) for name, path in pages.items()}
        if role == "anonymous":
            for name, path in pages.items():
                assert is_login_redirect(answers[name], path), (role, name, answers[name])
            continue
        if role == "citizen":
            for name, answer in answers.items():
                assert answer.status_code == 403, (role, name)
                assert STAFF_ONLY in text(answer) and 'role="alert"' in text(answer)
            continue
        reader, manager = role in READERS, role in MANAGERS
        listing = text(answers["list"])
        assert answers["list"].status_code == 200, role
        assert (f'data-testid="offer-{offer.pk}"' in listing) == reader, role
        assert answers["detail"].status_code == (200 if reader else 403), role
        assert answers["replay"].status_code == (200 if reader else 403), role
        if reader:
            body = text(answers["detail"])
            assert owner.name in body and 'data-testid="application-' in body
            assert ('data-testid="desk-link"' in body) == manager, role
            assert ("/cancel" in body) == manager, role
            assert ("읽기 전용" in body) == (not manager), role
        else:
            assert "이 기관·지역의 수강신청을 관리할 권한이 없습니다" in text(answers["detail"])
            assert owner.name not in text(answers["detail"])
        assert answers["desk"].status_code == (200 if manager else 403), role
        assert answers["form"].status_code == (200 if manager else 403), role
        manages_something = manager or role.startswith("other_")
        assert answers["picker"].status_code == (200 if manages_something else 403), role
        if manager:
            assert 'data-testid="offer-form"' in text(answers["form"])
        if role in ("institution_staff", "district_officer"):
            assert f"?schedule={free}" in text(answers["picker"]), role
        if role.startswith("other_"):
            assert f"?schedule={free}" not in text(answers["picker"]), role


def test_the_list_is_exactly_what_can_read_allows(db, world, campus):
    """For each role, the listed offers are those permissions.can_read allows (here: one
    offer of the campus institution and one of another institution)."""
    ours = open_offer(campus, 0)
    other_schedule = campus["foreign_schedule"]
    Offer.objects.filter(schedule_id=other_schedule).delete()
    theirs = services.offer_create(
        actor=campus["admin"],
        schedule_id=other_schedule,
        capacity=1,
        opens_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(days=1),
    )
    for role, client in role_clients(campus, "list").items():
        if role == "anonymous":
            continue
        body = text(client.get("/staff/offers?page=1"))
        user = User.objects.get(username=f"{PREFIX[role]}-list")
        for offer in (ours, theirs):
            scope = Scope(institution_id=offer.institution_id, district_code=offer.district_code)
            expected = allowed(Actor(user.pk), "enrollment.offer_read", scope)
            assert (f'data-testid="offer-{offer.pk}"' in body) == expected, (role, offer.pk)


def test_list_filters_by_window_and_state_and_pages(db, world, campus):
    now = timezone.now()
    Offer.objects.all().delete()
    upcoming = open_offer(
        campus, 0, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2)
    )
    full = open_offer(campus, 1, capacity=1)
    waiting = []
    for n in range(2):
        who = person(f"filter-{n}")
        waiting.append(
            services.apply(
                actor=Actor(who.user_id),
                offer_id=full.pk,
                learner_id=who.pk,
                idempotency_key=f"filter-{n:04d}",
            )
        )
    assert [w.status for w in waiting] == ["confirmed", "waitlisted"]
    to_draw = closed_lottery(campus, 2, entrants=1)
    more = [open_offer(campus, 3 + n, capacity=5) for n in range(20)]
    admin = signed_in(User.objects.get(pk=campus["admin"].user_id))

    def listed(query: str) -> set[int]:
        answer = admin.get("/staff/offers" + query)
        assert answer.status_code == 200
        return {int(n) for n in re.findall(r'data-testid="offer-(\d+)"', text(answer))}

    everything = {upcoming.pk, full.pk, to_draw.pk, *(o.pk for o in more)}
    first, second = listed(""), listed("?page=2")
    assert len(first) == 20 and len(second) == 3 and first | second == everything
    assert listed("?page=99") == second  # past the end: the last page
    assert listed("?page=abc") == first
    assert listed("?window=upcoming") == {upcoming.pk}
    assert listed("?window=closed") == {to_draw.pk}
    assert listed("?state=waitlist") == {full.pk}
    assert listed("?state=to_draw") == {to_draw.pk}
    assert listed("?state=full&window=open") == {full.pk}
    assert len(listed("?window=nonsense&state=%3Cscript%3E")) == 20  # unknown filters: ignored
    row = text(admin.get("/staff/offers?state=waitlist"))
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["1", "1 / 1", "0 / 0", "1", "0"]  # capacity, general, desk, waiting, lottery
    assert "접수 중" in row and "선착순" in row
    english = text(admin.get("/staff/offers?state=waitlist&lang=en"))
    assert "Enrolment offers" in english and "First come, first served" in english


# ------------------------------------------------------------------ every role, every POST


def test_every_role_against_every_state_changing_post(db, world, campus):
    """Allowed (the institution's staff, the district's officer, the city administrator)
    and forbidden (everyone else: 403, anonymous: sign in) for opening an offer, a desk
    application, cancelling on behalf and drawing the lottery; nothing changes when refused."""
    offer = open_offer(campus, 0, capacity=30, desk_seats=10)
    owner = person("owner-post")
    admin = campus["admin"]
    schedules = iter(campus["schedules"][1:])
    lotteries = iter([12, 13, 14, 15])  # one more each time a manager draws
    lottery = closed_lottery(campus, next(lotteries))
    for role, client in role_clients(campus, "post").items():
        allowed = role in MANAGERS

        def refused(answer: Any, path: str, role: str = role) -> bool:
            if role == "anonymous":
                return is_login_redirect(answer, path)
            return answer.status_code == 403

        # open an offer for a schedule of the institution
        schedule_id = next(schedules)
        Offer.objects.filter(schedule_id=schedule_id).delete()
        course_running(schedule_id)  # an ended course takes no offer
        answer = client.post("/staff/offers/new", offer_form(schedule_id))
        opened = Offer.objects.filter(schedule_id=schedule_id).first()
        if allowed:
            assert answer.status_code == 302 and opened is not None, (role, text(answer))
            assert answer["Location"] == f"/staff/offers/{opened.pk}"
            assert (opened.capacity, opened.desk_seats, opened.term) == (10, 2, "2026-1")
        else:
            assert refused(answer, "/staff/offers/new") and opened is None, role

        # a desk application for the owner
        desk = f"/staff/offers/{offer.pk}/desk"
        body = {"action": "apply", "learner": owner.pk, "channel": "desk"}
        answer = client.post(desk, {**body, "idempotency_key": f"desk-{role}"})
        made = Application.objects.filter(offer=offer, learner=owner, status__in=LIVE).first()
        if allowed:
            assert answer.status_code == 302 and answer["Location"] == desk, role
            assert made is not None and (made.channel, made.seat) == ("desk", "desk"), role
            assert made.entered_by.username.endswith("-post")
            services.cancel(actor=admin, application_id=made.pk)
        else:
            assert refused(answer, desk) and made is None, role

        # cancel the owner's own application on their behalf
        own = services.apply(
            actor=Actor(owner.user_id),
            offer_id=offer.pk,
            learner_id=owner.pk,
            idempotency_key=f"own-{role}",
        )
        path = f"/staff/offers/{offer.pk}/applications/{own.application_id}/cancel"
        answer = client.post(path)
        status = Application.objects.get(pk=own.application_id).status
        if allowed:
            assert answer.status_code == 302 and status == "cancelled", role
        else:
            assert refused(answer, path) and status == "confirmed", role
            services.cancel(actor=admin, application_id=own.application_id)

        # draw the lottery (closed window, three entries)
        path = f"/staff/offers/{lottery.pk}/draw"
        answer = client.post(path)
        drawn = Offer.objects.get(pk=lottery.pk)
        if allowed:
            assert answer.status_code == 302 and drawn.drawn_at is not None, role
            assert drawn.general_taken == 2 and drawn.lottery_digest
            lottery = closed_lottery(campus, next(lotteries))
        else:
            assert refused(answer, path) and drawn.drawn_at is None, role
            assert not AuditEvent.objects.filter(offer_id=lottery.pk, action="lottery_drawn")
    assert Offer.objects.get(pk=offer.pk).desk_taken == 0
    assert Offer.objects.get(pk=offer.pk).general_taken == 0


def test_posts_need_csrf_and_gets_change_nothing(db, world, campus):
    offer = open_offer(campus, 0)
    lottery = closed_lottery(campus, 1)
    admin = User.objects.get(pk=campus["admin"].user_id)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin)
    assert strict.post(f"/staff/offers/{lottery.pk}/draw").status_code == 403
    assert strict.post("/staff/offers/new", offer_form(campus["schedules"][2])).status_code == 403
    assert Offer.objects.get(pk=lottery.pk).drawn_at is None
    plain = signed_in(admin)
    assert plain.get(f"/staff/offers/{lottery.pk}/draw").status_code == 405
    entry = Application.objects.filter(offer=lottery).first()
    cancel = f"/staff/offers/{lottery.pk}/applications/{entry.pk}/cancel"
    assert plain.get(cancel).status_code == 405
    assert Application.objects.get(pk=entry.pk).status == "pending"
    assert Offer.objects.get(pk=lottery.pk).drawn_at is None
    assert not Application.objects.filter(offer=offer).exists()


# ------------------------------------------------------------------ opening an offer


def test_opening_an_offer_names_each_bad_field(db, world, campus):
    client = staff("open-staff", "institution_staff", institution_id=campus["institution"])
    schedule_id = campus["schedules"][3]
    course_running(schedule_id)  # an ended course takes no offer
    Offer.objects.filter(schedule_id=schedule_id).delete()
    now = timezone.now()
    cases = [
        ({"capacity": "-5"}, "capacity", "1 이상이어야 합니다"),
        ({"capacity": "abc"}, "capacity", "숫자로 입력해 주세요"),
        ({"capacity": "5", "desk_seats": "6"}, "desk_seats", "정원(5) 이하여야 합니다"),
        (
            {"opens_at": local(now + dt.timedelta(days=2)), "closes_at": local(now)},
            "closes_at",
            "신청 마감은 시작보다 뒤여야 합니다",
        ),
        ({"closes_at": "next tuesday"}, "closes_at", "날짜와 시각을 확인해 주세요"),
        ({"method": "auction"}, "method", "목록에서 선정 방법을 골라 주세요"),
        ({"quota_senior": "3"}, "quota_senior", "추첨 방식에서만 쓰입니다"),
        (
            {"method": "lottery", "quota_senior": "5", "quota_resident": "4"},
            "quota_resident",
            "정원(10)보다 많습니다",
        ),
        (
            {"method": "lottery", "priority_1": "senior", "priority_2": "senior"},
            "priority_2",
            "같은 우선순위를 두 번 골랐습니다",
        ),
        ({"eligible_tags": ["wizard"]}, "eligible_tags", "목록에서 골라 주세요"),
        ({"term": "x" * 2000}, "term", "20자 이내"),
        ({"accept_hours": "0"}, "accept_hours", "1 이상이어야 합니다"),
        ({"fee_krw": "-1"}, "fee_krw", "0 이상이어야 합니다"),
        ({"fee_waiver_groups": ["everyone"]}, "fee_waiver_groups", "목록에서 골라 주세요"),
    ]
    for changes, field, message in cases:
        answer = client.post("/staff/offers/new", offer_form(schedule_id, **changes))
        body = text(answer)
        assert answer.status_code == 422, (changes, answer.status_code)
        assert f'id="id_{field}_error"' in body and message in body, (changes, field)
        assert 'aria-invalid="true"' in body and 'id="form-errors"' in body
        assert not Offer.objects.filter(schedule_id=schedule_id).exists()
    # unknown, malformed and foreign schedules
    assert client.post("/staff/offers/new", offer_form(10**12)).status_code == 404
    assert client.get("/staff/offers/new?schedule=999999999").status_code == 404
    assert client.get("/staff/offers/new?schedule=abc").status_code == 422
    assert client.get("/staff/offers/new?schedule=-3").status_code == 422
    assert client.get("/staff/offers/new?schedule=" + "9" * 40).status_code == 422
    foreign = campus["foreign_schedule"]
    answer = client.post("/staff/offers/new", offer_form(foreign))
    assert answer.status_code == 403 and not Offer.objects.filter(schedule_id=foreign).exists()
    # a lottery with quotas and priorities, then the same schedule again: 409
    answer = client.post(
        "/staff/offers/new",
        offer_form(
            schedule_id,
            method="lottery",
            quota_senior="2",
            quota_resident="3",
            priority_1="disability",
            priority_2="first_time",
            eligible_tags=["resident", "senior"],
            per_person_limit="2",
            fee_krw="30000",
            fee_waiver_groups=["low_income", "senior"],
            accept_hours="24",
        ),
    )
    assert answer.status_code == 302
    made = Offer.objects.get(schedule_id=schedule_id)
    assert made.method == "lottery" and made.desk_seats == 2
    assert made.quotas == [
        {"name": "관내 거주자", "tag": "resident", "seats": 3},
        {"name": "어르신 (65세 이상)", "tag": "senior", "seats": 2},
    ]
    assert made.priorities == ["disability", "first_time"]
    assert made.eligible_tags == ["resident", "senior"]
    assert (made.per_person_limit, made.fee_krw, made.accept_hours) == (2, 30000, 24)
    assert sorted(made.fee_waiver_groups) == ["low_income", "senior"]
    shown = text(client.get(answer["Location"]))
    assert "수강신청을 열었습니다" in shown and "수강신청 열림" in shown  # message, audit
    again = client.post("/staff/offers/new", offer_form(schedule_id))
    assert again.status_code == 409 and f"/staff/offers/{made.pk}" in text(again)
    assert client.get(f"/staff/offers/new?schedule={schedule_id}").status_code == 409


# ------------------------------------------------------------------ desk and telephone


def test_desk_finds_by_phone_in_any_format_and_a_double_submit_is_one_application(
    db,
    world,
    campus,
):
    offer = open_offer(campus, 4, capacity=2, desk_seats=1)
    kim = person("desk-kim", name="김영희", birth_year=1950, phone="010-2345-6789")
    client = staff("desk-staff", "institution_staff", institution_id=campus["institution"])
    desk = f"/staff/offers/{offer.pk}/desk"
    page = client.get(desk)
    assert page.status_code == 200 and 'data-testid="desk-find"' in text(page)
    for typed in ("010-2345-6789", "+82 10 2345 6789", "(010) 2345.6789", " 01023456789 "):
        found = client.post(desk, {"action": "find", "phone": typed})
        assert found.status_code == 200, typed
        assert 'data-testid="found-name">김영희<' in text(found), typed
        shown = text(found).split('data-testid="found"', 1)[1].split("</section>", 1)[0]
        assert "010-****-6789" in shown and "01023456789" not in shown
    found = client.post(desk, {"action": "find", "phone": "+82 10 2345 6789"})
    key = key_of(found)
    assert key != key_of(client.post(desk, {"action": "find", "phone": "01023456789"}))
    body = {"action": "apply", "learner": kim.pk, "channel": "phone", "idempotency_key": key}
    first = client.post(desk, body)
    second = client.post(desk, body)
    assert first.status_code == second.status_code == 302
    made = Application.objects.get(offer=offer)
    assert (made.channel, made.seat, made.status) == ("phone", "desk", "confirmed")
    assert Offer.objects.get(pk=offer.pk).desk_taken == 1
    shown = text(client.get(desk))  # both messages, the second one a retry
    assert "김영희 (1950): 수강 확정 (현장·전화 할당석)" in shown
    assert "이미 접수된 신청입니다" in shown and shown.count(f"신청 {made.pk}번") == 2
    # a new key for the same person: refused with a readable message and 409
    refused = client.post(desk, {**body, "idempotency_key": "another-key-1"})
    assert refused.status_code == 409
    assert "이 사람은 이미 이 강좌에 신청했습니다" in text(refused)
    assert Application.objects.filter(offer=offer).count() == 1


def test_desk_seats_then_general_then_the_waiting_list(db, world, campus):
    offer = open_offer(campus, 5, capacity=2, desk_seats=1)
    client = staff("desk-seats", "district_officer", district_code=campus["district"])
    desk = f"/staff/offers/{offer.pk}/desk"
    people = [person(f"seat-{n}", name=f"박{n}") for n in range(3)]
    for n, who in enumerate(people):
        answer = client.post(
            desk,
            {
                "action": "apply",
                "learner": who.pk,
                "channel": "desk",
                "idempotency_key": f"s{n}" * 5,
            },
        )
        assert answer.status_code == 302
    shown = text(client.get(desk))
    assert "박0 (1961): 수강 확정 (현장·전화 할당석)" in shown
    assert "박1 (1961): 수강 확정 (일반석)" in shown
    assert "박2 (1961): 대기 1번" in shown
    detail = text(client.get(f"/staff/offers/{offer.pk}"))
    waitlist = detail[detail.index('data-testid="waitlisted"') :]
    assert re.search(
        r'data-testid="position">1</td>\s*<td>\d+</td>\s*<th scope="row">박2<', waitlist
    )
    assert "방문·전화 접수" in waitlist  # the desk tag
    assert 'data-testid="general-seats">1 / 1<' in detail
    assert 'data-testid="desk-seats">1 / 1<' in detail


def test_desk_lookup_asks_for_more_and_never_guesses(db, world, campus):
    offer = open_offer(campus, 6)
    first = person("twin-1", name="이민수", birth_year=1948, phone="010-3000-1111")
    person("twin-2", name="이민수", birth_year=1948, phone="010-3000-2222")
    client = staff("lookup-staff", "city_admin")
    desk = f"/staff/offers/{offer.pk}/desk"
    several = client.post(desk, {"action": "find", "name": "이민수", "birth_year": "1948"})
    body = text(several)
    assert several.status_code == 200 and 'data-testid="several"' in body
    assert 'data-testid="found"' not in body and 'name="learner"' not in body
    assert 'id="id_phone_end_error"' in body and "끝 네 자리" in body
    narrowed = client.post(
        desk, {"action": "find", "name": " 이민수 ", "birth_year": "1948", "phone_end": "1111"}
    )
    assert f'name="learner" value="{first.pk}"' in text(narrowed)
    nobody = client.post(desk, {"action": "find", "name": "없는사람", "birth_year": "1990"})
    assert nobody.status_code == 200 and 'data-testid="no-match"' in text(nobody)
    hostile = [
        ({"name": "가" * 2000, "birth_year": "1948"}, "name", "100자 이내"),
        ({"phone": "12345"}, "phone", "휴대전화 번호를 확인해 주세요"),
        ({"phone": "1" * 2000}, "phone", "휴대전화 번호를 확인해 주세요"),
        ({"phone": "010-1234-5678<script>"}, "phone", "휴대전화 번호를 확인해 주세요"),
        ({"name": "이민수"}, "birth_year", "태어난 해를 입력해"),
        ({"birth_year": "1948"}, "name", "이름을 입력해"),
        ({"name": "이민수", "birth_year": "2099"}, "birth_year", "년 이전이어야 합니다"),
        ({"name": "이민수", "birth_year": "3000"}, "birth_year", "태어난 해를 확인해 주세요"),
        ({"name": "이민수", "birth_year": "9" * 40}, "birth_year", "태어난 해를 확인해 주세요"),
        ({"name": "이민수", "birth_year": "1948", "phone_end": "12a4"}, "phone_end", "네 자리"),
        ({}, "phone", "휴대전화 번호나, 이름과 태어난 해를 입력해 주세요"),
    ]
    for data, field, message in hostile:
        answer = client.post(desk, {"action": "find", **data})
        page = text(answer)
        assert answer.status_code == 422, data
        assert f'id="id_{field}_error"' in page and message in page, (data, field)
        assert "<script>" not in page.split("<main", 1)[1].replace("<script src=", "")
    # apply with a forged learner id, a missing key, a bad channel: no application
    for data, status in [
        ({"learner": 10**12, "channel": "desk", "idempotency_key": "forged-0001"}, 404),
        ({"learner": first.pk, "channel": "desk"}, 422),
        ({"learner": first.pk, "channel": "online", "idempotency_key": "online-0001"}, 422),
        ({"learner": "-1", "channel": "desk", "idempotency_key": "negative-01"}, 422),
    ]:
        answer = client.post(desk, {"action": "apply", **data})
        assert answer.status_code == status, (data, answer.status_code)
        assert 'role="alert"' in text(answer)
    assert not Application.objects.filter(offer=offer).exists()


def test_desk_refusals_have_their_status(db, world, campus):
    now = timezone.now()
    early = open_offer(
        campus, 7, opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=2)
    )
    client = staff("refusal-staff", "institution_staff", institution_id=campus["institution"])
    who = person("refused-1")
    answer = client.post(
        f"/staff/offers/{early.pk}/desk",
        {"action": "apply", "learner": who.pk, "channel": "desk", "idempotency_key": "early-0001"},
    )
    assert answer.status_code == 409 and "지금은 신청 기간이 아닙니다" in text(answer)
    seniors = open_offer(campus, 8, eligible_tags=["senior"])
    young = person("young-1", birth_year=2000)
    answer = client.post(
        f"/staff/offers/{seniors.pk}/desk",
        {"action": "apply", "learner": young.pk, "channel": "desk", "idempotency_key": "young-001"},
    )
    assert answer.status_code == 409 and "신청 대상이 아닙니다" in text(answer)
    assert client.get("/staff/offers/999999999/desk").status_code == 404
    assert client.post("/staff/offers/999999999/desk", {"action": "find"}).status_code == 404
    assert not Application.objects.exists()


# ------------------------------------------------------------------ one offer: lists, cancel


def test_offer_page_lists_queue_offered_cancelled_and_the_audit_log(db, world, campus):
    offer = open_offer(campus, 9, capacity=1, accept_hours=24)
    people = [person(f"queue-{n}", name=f"최{n}") for n in range(3)]
    applied = [
        services.apply(
            actor=Actor(p.user_id), offer_id=offer.pk, learner_id=p.pk, idempotency_key=f"q-{n:06d}"
        )
        for n, p in enumerate(people)
    ]
    assert [a.status for a in applied] == ["confirmed", "waitlisted", "waitlisted"]
    client = staff("queue-staff", "institution_staff", institution_id=campus["institution"])
    page = client.get(f"/staff/offers/{offer.pk}")
    body = text(page)
    waitlist = body[body.index('id="waitlisted-heading"') : body.index('id="left-heading"')]
    assert waitlist.index("최1") < waitlist.index("최2")
    assert re.findall(r'data-testid="position">(\d+)<', waitlist) == ["1", "2"]
    assert 'data-testid="count-confirmed"><dt>수강 확정</dt><dd>1<' in body
    assert 'data-testid="count-waitlisted"><dt>대기</dt><dd>2<' in body
    # cancel the confirmed one on behalf: the first in the queue is offered the place
    answer = client.post(
        f"/staff/offers/{offer.pk}/applications/{applied[0].application_id}/cancel"
    )
    assert answer.status_code == 302
    after = text(client.get(answer["Location"]))
    assert f"신청 {applied[0].application_id}번을 취소했습니다" in after
    assert f"신청 {applied[1].application_id}번)에게 자리를 제안했습니다" in after
    offered = after[after.index('id="offered-heading"') : after.index('id="waitlisted-heading"')]
    deadline = timezone.localtime(Application.objects.get(pk=applied[1].application_id).accept_by)
    assert "최1" in offered and f"{deadline:%Y-%m-%d %H:%M}" in offered
    left = after[after.index('id="left-heading"') : after.index('id="audit-heading"')]
    assert "최0" in left and "취소" in left
    audit = after[after.index('data-testid="audit"') :]
    for words in ("수강신청 열림", "신청 · 확정", "신청 · 대기", "취소", "추가 합격 제안"):
        assert words in audit, words
    assert "queue-staff" in audit  # who cancelled
    # cancelling again is a conflict; another offer's application, unknown ids: 404
    again = client.post(f"/staff/offers/{offer.pk}/applications/{applied[0].application_id}/cancel")
    assert again.status_code == 409 and "지금 상태에서는 할 수 없습니다" in text(again)
    other = open_offer(campus, 10)
    wrong = client.post(f"/staff/offers/{other.pk}/applications/{applied[2].application_id}/cancel")
    assert wrong.status_code == 404
    assert Application.objects.get(pk=applied[2].application_id).status == "waitlisted"
    assert client.post(f"/staff/offers/{offer.pk}/applications/999999999/cancel").status_code == 404
    huge = "99999999999999999999999"
    assert client.get(f"/staff/offers/{huge}").status_code == 404
    assert client.post(f"/staff/offers/{offer.pk}/applications/{huge}/cancel").status_code == 404
    assert client.get("/staff/offers/999999999").status_code == 404
    assert "찾을 수 없습니다" in text(client.get("/staff/offers/999999999"))


def test_draw_and_replay_on_the_offer_page(db, world, campus):
    now = timezone.now()
    offer = open_offer(
        campus, 11, capacity=2, method="lottery", closes_at=now + dt.timedelta(days=1)
    )
    for n in range(4):
        entrant = person(f"draw-{n}", name=f"정{n}")
        services.apply(
            actor=Actor(entrant.user_id),
            offer_id=offer.pk,
            learner_id=entrant.pk,
            idempotency_key=f"draw-{n:05d}",
        )
    manager = staff("draw-staff", "institution_staff", institution_id=campus["institution"])
    auditor = staff("draw-auditor", "auditor")
    page = text(manager.get(f"/staff/offers/{offer.pk}"))
    assert 'data-testid="draw"' not in page and "추첨은 신청 마감 뒤에 합니다" in page
    early = manager.post(f"/staff/offers/{offer.pk}/draw")
    assert early.status_code == 409 and "the lottery is drawn when the window closes" in text(early)
    assert Offer.objects.get(pk=offer.pk).drawn_at is None
    Offer.objects.filter(pk=offer.pk).update(closes_at=now - dt.timedelta(minutes=1))
    assert 'data-testid="draw"' in text(manager.get(f"/staff/offers/{offer.pk}"))
    assert 'data-testid="draw"' not in text(auditor.get(f"/staff/offers/{offer.pk}"))
    drawn = manager.post(f"/staff/offers/{offer.pk}/draw")
    assert drawn.status_code == 302
    offer.refresh_from_db()
    shown = text(manager.get(drawn["Location"]))
    assert "추첨했습니다: 당첨 2명, 대기 2명" in shown
    assert offer.lottery_seed in shown and offer.lottery_digest in shown
    assert 'data-testid="draw"' not in shown
    twice = manager.post(f"/staff/offers/{offer.pk}/draw")
    assert twice.status_code == 409 and "already been drawn" in text(twice)
    # the replay panel: auditors may verify too (a read)
    for client in (manager, auditor):
        replay = client.get(f"/staff/offers/{offer.pk}/replay")
        body = text(replay)
        assert replay.status_code == 200
        assert "일치: 기록된 추첨과 결과가 똑같습니다" in body
        assert body.count(offer.lottery_digest) >= 3  # offer, replayed, recorded
    Offer.objects.filter(pk=offer.pk).update(lottery_digest="0" * 64)
    tampered = text(auditor.get(f"/staff/offers/{offer.pk}/replay"))
    assert "불일치: 기록된 추첨과 결과가 다릅니다" in tampered
    first_come = open_offer(campus, 12)
    none = manager.get(f"/staff/offers/{first_come.pk}/replay")
    assert none.status_code == 200 and "has no lottery draw to replay" in text(none)
    nothing = manager.post(f"/staff/offers/{first_come.pk}/draw")
    assert nothing.status_code == 409 and "nothing to draw" in text(nothing)


def test_the_account_menu_links_the_staff_area_for_staff_only(db, world, campus):
    # issue 18: the menu leads staff to their staff home (which links the offers)
    member = staff("menu-staff", "auditor")
    assert 'href="/staff/home"' in text(member.get("/"))
    citizen = Client()
    user = User.objects.create_user("menu-citizen", password="x-Menu-2026")
    citizen.force_login(user)
    assert 'href="/staff/home"' not in text(citizen.get("/"))
    assert 'href="/staff/home"' not in text(Client().get("/"))


# ------------------------------------------------------------------ the access log (issue 19, 13)


def _stored_anywhere(value: str) -> bool:
    """Whether `value` is held in any column of any access-log entry."""
    from learncity.learners.models import PersonalDataAccess

    rows = PersonalDataAccess.objects.values_list(
        "staff_id", "role", "learner_id", "what", "query", "matches", "purpose", "address"
    )
    return any(value in str(cell) for row in rows for cell in row)


def test_each_desk_lookup_is_logged_with_ids_and_never_the_number_typed(db, world, campus):
    from learncity.learners.models import PersonalDataAccess

    offer = open_offer(campus, 6, capacity=2, desk_seats=1)
    lee = person("log-lee", name="이순자", birth_year=1948, phone="010-3456-7890")
    user = User.objects.create_user("log-desk", password=PASSWORD)
    StaffRole.objects.create(
        user=user, role="institution_staff", institution_id=campus["institution"]
    )
    client = signed_in(user)
    desk = f"/staff/offers/{offer.pk}/desk"
    assert PersonalDataAccess.objects.count() == 0
    client.get(desk)  # the empty form reads nobody
    assert PersonalDataAccess.objects.count() == 0
    found = client.post(desk, {"action": "find", "phone": "010-3456-7890"}, REMOTE_ADDR="10.0.0.7")
    assert 'data-testid="found-name">이순자<' in text(found)
    missed = client.post(desk, {"action": "find", "phone": "010-9999-0001"})
    assert 'data-testid="no-match"' in text(missed)
    by_name = client.post(desk, {"action": "find", "name": "이순자", "birth_year": "1948"})
    assert by_name.status_code == 200
    entries = list(
        PersonalDataAccess.objects.order_by("id").values_list(
            "staff_id", "role", "learner_id", "what", "query", "matches", "purpose", "address"
        )
    )
    purpose = f"desk application for offer {offer.pk}"
    assert entries == [
        (user.pk, "institution_staff", lee.pk, "desk_lookup", "phone", 1, purpose, "10.0.0.7"),
        (user.pk, "institution_staff", None, "desk_lookup", "phone", 0, purpose, "127.0.0.1"),
        (
            user.pk,
            "institution_staff",
            lee.pk,
            "desk_lookup",
            "name_birth_year",
            1,
            purpose,
            "127.0.0.1",
        ),
    ]
    for typed in ("01034567890", "3456-7890", "34567890", "01099990001", "99990001", "이순자"):
        assert not _stored_anywhere(typed), typed
    # an invalid form looks nobody up and logs nothing
    assert client.post(desk, {"action": "find", "phone": "12"}).status_code == 422
    assert PersonalDataAccess.objects.count() == 3


def test_the_desk_lookup_limit_answers_429_and_looks_nobody_up(db, world, campus, settings):
    from django.core.cache import cache

    from learncity.learners.models import PersonalDataAccess

    cache.clear()
    settings.LEARNCITY_DESK_LOOKUP_LIMIT = 2
    offer = open_offer(campus, 7, capacity=2, desk_seats=1)
    person("limit-park", name="박영수", birth_year=1955, phone="010-4567-8901")
    client = staff("limit-desk", "institution_staff", institution_id=campus["institution"])
    desk = f"/staff/offers/{offer.pk}/desk"
    for _ in range(2):
        assert client.post(desk, {"action": "find", "phone": "010-4567-8901"}).status_code == 200
    refused = client.post(desk, {"action": "find", "phone": "010-4567-8901"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "사람 찾기를 너무 많이 했습니다" in text(refused)
    assert "박영수" not in text(refused) and "8901" not in text(refused)
    assert PersonalDataAccess.objects.count() == 2  # the refused lookup read nobody
    # another staff member has a count of their own
    other = staff("limit-desk-2", "institution_staff", institution_id=campus["institution"])
    assert other.post(desk, {"action": "find", "phone": "010-4567-8901"}).status_code == 200
    cache.clear()


def test_a_staff_view_of_a_learner_record_is_logged_and_ones_own_is_not(db, world, campus):
    from learncity.learners.models import PersonalDataAccess

    owner = person("record-owner", name="최민지", birth_year=1990)
    auditor = User.objects.create_user("record-auditor", password=PASSWORD)
    StaffRole.objects.create(user=auditor, role="auditor")
    page = signed_in(auditor).get(f"/records/learners/{owner.pk}", REMOTE_ADDR="192.0.2.4")
    assert page.status_code == 200
    entries = list(
        PersonalDataAccess.objects.values_list("staff_id", "role", "learner_id", "what", "address")
    )
    assert entries == [(auditor.pk, "auditor", owner.pk, "learner_record", "192.0.2.4")]
    # the learner's own record, by either address, is not another person's data
    mine = signed_in(owner.user)
    assert mine.get("/me/record").status_code == 200
    assert mine.get(f"/records/learners/{owner.pk}").status_code == 200
    # refused reads are not reads: nothing is logged
    stranger = signed_in(person("record-stranger").user)
    assert stranger.get(f"/records/learners/{owner.pk}").status_code == 403
    assert PersonalDataAccess.objects.count() == 1
