"""Demo enrolment: a few open offers, so that `make run` shows the apply form."""

from __future__ import annotations

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
