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

    from learncity.catalog.selectors import schedules_without_offer
    from learncity.enrollment.permissions import Actor
    from learncity.enrollment.selectors import offer_count
    from learncity.enrollment.services import offer_create
    from learncity.learners.models import StaffRole

    if offer_count():
        return 0

    admin, created = User.objects.get_or_create(username=DEMO_ADMIN)
    if created:
        admin.set_unusable_password()
        admin.save(update_fields=["password"])
        StaffRole.objects.create(user=admin, role=StaffRole.Role.CITY_ADMIN)
    now = timezone.now()
    opened = 0
    for number, (schedule_id, capacity) in enumerate(schedules_without_offer(count)):
        offer_create(
            actor=Actor(admin.pk),
            schedule_id=schedule_id,
            capacity=capacity if capacity and 0 < capacity <= 200 else 20,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=14),
            method="lottery" if number == count - 1 else "first_come",
        )
        opened += 1
    return opened


def demo_sessions_expand() -> int:
    """Sessions for the schedules that have an offer (so that the kiosk and the roster have
    something to show); idempotent. Returns how many sessions were created."""
    from learncity.catalog.session_services import sessions_expand_many
    from learncity.enrollment.attendance_selectors import offer_schedule_ids

    return sessions_expand_many(schedule_ids=offer_schedule_ids())["created"]
