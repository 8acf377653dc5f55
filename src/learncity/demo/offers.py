"""Demo enrolment: a few open offers, so that `make run` shows the apply form."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.utils import timezone

DEMO_ADMIN = "demo-city-admin"


def demo_offers_open(count: int = 6) -> int:
    """Open enrolment on a few real schedules so that the demo shows the apply form: first-come
    with the published capacity (20 when none is stated), one lottery; the window opened
    yesterday and closes in two weeks. Does nothing once any offer exists (running the demo
    again adds none); returns how many offers were opened."""
    import datetime as dt

    from django.contrib.auth.models import User
    from django.utils import timezone

    from learncity.catalog.selectors import course_brief, schedule_owner, schedules_without_offer
    from learncity.enrollment.selectors import offer_count
    from learncity.enrollment.services import offer_create
    from learncity.learners.access import Actor
    from learncity.learners.services import staff_role_grant

    if offer_count():
        return 0

    admin, created = User.objects.get_or_create(username=DEMO_ADMIN)
    if created:
        admin.set_unusable_password()
        admin.save(update_fields=["password"])
        staff_role_grant(user_id=admin.pk, role="city_admin")
    now = timezone.now()
    opened = 0
    for number, (schedule_id, capacity) in enumerate(schedules_without_offer(count)):
        owner = schedule_owner(schedule_id)
        course = course_brief(owner.programme_id) if owner is not None else None
        offer_create(
            actor=Actor(admin.pk),
            schedule_id=schedule_id,
            capacity=capacity if capacity and 0 < capacity <= 200 else 20,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=14),
            method="lottery" if number == count - 1 else "first_come",
            # the published fee (a voucher can pay it), waived for seniors and low income
            fee_krw=int(course["fee_krw"] or 0) if course else 0,
            fee_waiver_groups=["senior", "low_income"],
        )
        opened += 1
    return opened


def demo_sessions_expand() -> int:
    """Sessions for the schedules that have an offer (so that the kiosk and the roster have
    something to show); idempotent. Returns how many sessions were created."""
    from learncity.attendance.selectors import offer_schedule_ids
    from learncity.catalog.session_services import sessions_expand_many

    return sessions_expand_many(schedule_ids=offer_schedule_ids())["created"]


def demo_vouchers_open() -> dict[str, int]:
    """A city learning voucher for this year (KRW 100,000 for every adult; the institutions
    that take applications registered for it) and three funded projects like those of the
    issue (a KRW 50,000,000 national grant for a consortium, KRW 27,000,000 and 30,000,000
    for two district projects), the voucher paid from the first one's voucher line. Does
    nothing once any voucher programme exists."""
    import datetime as dt

    from django.contrib.auth.models import User
    from django.utils import timezone

    from learncity.enrollment.selectors import offer_institution_ids
    from learncity.learners.access import Actor
    from learncity.vouchers import services
    from learncity.vouchers.selectors import project_list, voucher_programme_count

    if voucher_programme_count():
        return {"voucher_programmes": 0, "projects": 0}
    admin = User.objects.filter(username=DEMO_ADMIN).first()
    if admin is None:
        return {"voucher_programmes": 0, "projects": 0}
    actor = Actor(admin.pk)
    year = timezone.localdate().year
    projects = []
    for name, funder, amount in (
        ("평생학습도시 컨소시엄 특성화 지원사업 (데모)", "교육부 · 국가평생교육진흥원", 50_000_000),
        ("구 평생학습 활성화 사업 A (데모)", "시 보조금", 27_000_000),
        ("구 평생학습 활성화 사업 B (데모)", "시 보조금", 30_000_000),
    ):
        projects.append(
            services.project_create(
                actor=actor,
                name=name,
                funder=funder,
                amount_krw=amount,
                starts_on=dt.date(year, 1, 1),
                ends_on=dt.date(year, 12, 31),
                lines=[
                    ("학습비 지원 (이용권)", "vouchers", amount * 6 // 10),
                    ("강사비", "instructors", amount * 3 // 10),
                    ("홍보", "promotion", amount // 10),
                ],
            )
        )
    voucher_line = projects[0].lines.order_by("id").first()
    programme = services.programme_create(
        actor=actor,
        code=f"demo-city-{year}",
        name=f"우리동네 배움 이용권 {year} (데모)",
        name_en=f"Neighbourhood learning voucher {year} (demo)",
        kind="city",
        amount_krw=100_000,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        min_age=19,
        budget_line_id=voucher_line.pk if voucher_line else None,
    )
    for institution_id in offer_institution_ids():
        services.programme_register_institution(
            actor=actor, programme_id=programme.pk, institution_id=institution_id
        )
    return {"voucher_programmes": 1, "projects": len(project_list())}


def demo_story_open(
    *, today: dt.date | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """The demo city's enrolment story, dated from `today`: an offer on every demo schedule
    but one (today's 한글교실, which the institution's staff open themselves), with the window
    and method its story says (demo.city.programme_plan: this term's courses
    open now, a lottery closing tomorrow, one closing in two days, two opening next week, one
    closed, last term's courses over); the sessions of every demo schedule; the demo learner
    confirmed on today's smartphone class and, last term, on two courses attended to the
    end, completed, in the learning record and with credentials. Needs the demo accounts
    (demo.accounts.demo_accounts_create) and the demo city loaded the same day."""
    from learncity.attendance.services import attendance_mark, completion_run
    from learncity.catalog.session_selectors import sessions_of_schedule
    from learncity.catalog.session_services import sessions_expand_many
    from learncity.demo.accounts import CITIZEN
    from learncity.demo.city import programme_plan
    from learncity.enrollment.selectors import offer_id_of_schedule
    from learncity.enrollment.services import apply, offer_create
    from learncity.learners.access import Actor
    from learncity.learners.selectors import learner_id_of_user
    from learncity.records.keys import signing_key_ensure
    from learncity.records.services import records_sync

    now = now or timezone.now()
    today = today or timezone.localdate(now)
    admin = User.objects.get(username=DEMO_ADMIN)
    instructor = User.objects.get(username="demo-instructor")
    citizen = User.objects.get(username=CITIZEN)
    learner_id = learner_id_of_user(citizen.pk)
    assert learner_id is not None
    counts = {"offers": 0, "sessions": 0, "applications": 0, "completions": 0, "records": 0}
    schedules: list[int] = []
    for item, story in programme_plan(today=today, now=now):
        schedule_id = _demo_schedule(story.title)
        if schedule_id is None:
            continue
        schedules.append(schedule_id)
        if story.kind == "unopened" or offer_id_of_schedule(schedule_id) is not None:
            continue  # the institution's staff open it (or the demo did before)
        offer = offer_create(
            actor=Actor(admin.pk),
            schedule_id=schedule_id,
            capacity=item.capacity or 20,
            opens_at=story.opens_at,
            closes_at=story.closes_at,
            method=item.selection,
            fee_krw=item.fee_krw,
            fee_waiver_groups=["senior", "low_income"],
            term=f"{story.start.year}-{1 if story.start.month <= 6 else 2}",
            as_of=timezone.localdate(story.opens_at),  # last term's offer, made back then
        )
        counts["offers"] += 1
        counts["sessions"] += sessions_expand_many(schedule_ids=[schedule_id])["created"]
        if story.kind == "past" or item is _today_class():
            # the demo learner applies while the window is open (the day after it opened)
            applied_at = min(story.opens_at + dt.timedelta(days=1), now)
            apply(
                actor=Actor(citizen.pk),
                offer_id=offer.pk,
                learner_id=learner_id,
                idempotency_key=f"demo-{offer.pk}-{learner_id}",
                now=applied_at,
            )
            counts["applications"] += 1
        if story.kind == "past":
            application_id = _application_of(offer.pk, learner_id)
            for session in sessions_of_schedule(schedule_id):
                attendance_mark(
                    actor=Actor(instructor.pk),
                    session_id=session.id,
                    application_id=application_id,
                    status="present",
                    now=session.ends_at,
                )
            done = completion_run(offer_id=offer.pk, now=now)
            counts["completions"] += done["emitted"]
    counts["sessions"] += sessions_expand_many(schedule_ids=schedules)["created"]
    # the demo learner's credentials want a signing key: made here by the command (as
    # `learncity migrate` does), never by a request
    signing_key_ensure()
    counts["records"] = records_sync(now=now)["entries"]
    return counts


def _today_class() -> object:
    from learncity.demo.city import MEETS_TODAY, PROGRAMMES

    return PROGRAMMES[MEETS_TODAY[0]]


def _demo_schedule(title: str) -> int | None:
    """The schedule of the demo course of that exact title."""
    from learncity.catalog.selectors import schedule_choices

    _, rows = schedule_choices(q=title, limit=50)
    return next((int(r["id"]) for r in rows if r["title"] == title), None)


def _application_of(offer_id: int, learner_id: int) -> int:
    from learncity.enrollment.selectors import offer_roster

    roster = offer_roster(offer_id)
    return next(int(r["id"]) for r in roster["confirmed"] if r["learner_id"] == learner_id)
