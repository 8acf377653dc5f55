"""Enrolment on real schedules of the Gangnam catalog: first-come, waitlists, promotion,
idempotency, the lottery and its replay, permissions, and no overbooking under concurrency
on the database in use (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from typer.testing import CliRunner

from learncity.catalog.models import Institution, Programme, Schedule
from learncity.cli import app
from learncity.enrollment import services
from learncity.enrollment.models import Application, AuditEvent, Offer
from learncity.enrollment.selectors import seat_audit
from learncity.learners.access import Actor
from learncity.learners.models import HouseholdLink, Learner, StaffRole
from tests.concurrency import in_threads
from tests.enrollment.factories import CLOSE, NOW, OPEN, apply, course_running, offer
from tests.learners.factories import citizen, verified


def test_first_come_confirms_then_waitlists_and_cancel_promotes(db, world):
    o = offer(world, 0, capacity=2, accept_hours=24)
    people = [citizen() for _ in range(4)]
    results = [apply(p, a, o) for p, a in people]
    assert [r.status for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    out = services.cancel(actor=people[0][1], application_id=results[0].application_id, now=NOW)
    assert out["promoted"] == results[2].application_id
    promoted = Application.objects.get(pk=results[2].application_id)
    assert promoted.status == "offered"
    assert promoted.accept_by == NOW + dt.timedelta(hours=24)
    services.accept(actor=people[2][1], application_id=promoted.pk, now=NOW)
    assert Application.objects.get(pk=promoted.pk).status == "confirmed"
    # a second cancellation: the promoted person lets the time pass, the next one gets it
    services.cancel(actor=people[1][1], application_id=results[1].application_id, now=NOW)
    assert Application.objects.get(pk=results[3].application_id).status == "offered"
    assert services.expire_offers(now=NOW + dt.timedelta(hours=49)) == 1
    assert Application.objects.get(pk=results[3].application_id).status == "expired"
    audit = seat_audit()
    assert audit["overbooked"] == [] and audit["counter_mismatch"] == []
    actions = list(AuditEvent.objects.filter(offer_id=o.pk).values_list("action", flat=True))
    assert actions[:5] == [
        "offer_created",
        "applied_confirmed",
        "applied_confirmed",
        "applied_waitlisted",
        "applied_waitlisted",
    ]
    assert "promoted" in actions and "expired" in actions


def test_idempotent_retry_and_bad_inputs_change_nothing(db, world):
    o = offer(world, 1, capacity=5, per_person_limit=0)
    other = offer(world, 2, capacity=5)
    person, actor = citizen()
    first = apply(person, actor, o, key="retry-key-0001")
    again = apply(person, actor, o, key="retry-key-0001")
    assert again.application_id == first.application_id and again.replayed
    before = (Application.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.IdempotencyConflict):
        apply(person, actor, other, key="retry-key-0001")
    with pytest.raises(services.AlreadyApplied):
        apply(person, actor, o, key="retry-key-0002")
    with pytest.raises(services.EnrollmentError, match="idempotency key"):
        apply(person, actor, other, key="short")
    with pytest.raises(services.EnrollmentError, match="idempotency key"):
        apply(person, actor, other, key="'; DROP TABLE x; --")
    with pytest.raises(services.WindowClosed):
        apply(person, actor, other, key="late-key-0001", now=CLOSE + dt.timedelta(seconds=1))
    with pytest.raises(services.WindowClosed):
        apply(person, actor, other, key="early-key-001", now=OPEN - dt.timedelta(seconds=1))
    stranger, stranger_actor = citizen()
    with pytest.raises(services.Forbidden):  # a learner id that is not the caller's
        apply(person, stranger_actor, other, key="stranger-0001")
    with pytest.raises(services.NotFound):
        services.apply(actor=actor, offer_id=10**9, learner_id=person.pk, idempotency_key="k" * 10)
    assert (Application.objects.count(), AuditEvent.objects.count()) == before
    assert stranger.pk != person.pk


def test_eligibility_limits_and_households(db, world):
    seniors_only = offer(world, 3, eligible_tags=["senior"], term="2026-1", per_person_limit=1)
    young, young_actor = citizen(birth_year=1995)
    with pytest.raises(services.NotEligible):
        apply(young, young_actor, seniors_only)
    grandmother, grandmother_actor = citizen(birth_year=1950)
    # only a verified birth year counts
    with pytest.raises(services.NotEligible):
        apply(grandmother, grandmother_actor, seniors_only, key="unverified-grandma-1")
    verified(grandmother, "birth_year")
    # the grandson applies for her, with her consent recorded
    HouseholdLink.objects.create(proxy=young, member=grandmother, consented_at=NOW)
    result = apply(grandmother, young_actor, seniors_only, key="for-grandma-1")
    assert result.status == "confirmed"
    same_term = offer(world, 4, term="2026-1", per_person_limit=1)
    with pytest.raises(services.LimitReached):
        apply(grandmother, grandmother_actor, same_term)
    assert Application.objects.filter(learner=grandmother).count() == 1


def test_staff_desk_applications_use_the_reserved_seats_and_scope_is_enforced(db, world):
    institution_id = world["schedules"][5][2]
    o = offer(world, 5, capacity=3, desk_seats=1)
    staff = User.objects.create_user("desk-staff", password="x-Desk-2026")
    StaffRole.objects.create(
        user=staff, role=StaffRole.Role.INSTITUTION_STAFF, institution_id=institution_id
    )
    outsider = User.objects.create_user("other-staff", password="x-Other-2026")
    other_institution = Institution.objects.exclude(pk=institution_id).first()
    StaffRole.objects.create(
        user=outsider, role=StaffRole.Role.INSTITUTION_STAFF, institution=other_institution
    )
    auditor = User.objects.create_user("auditor", password="x-Audit-2026")
    StaffRole.objects.create(user=auditor, role=StaffRole.Role.AUDITOR)
    online = [citizen() for _ in range(3)]
    statuses = [apply(p, a, o).status for p, a in online]
    assert statuses == ["confirmed", "confirmed", "waitlisted"]  # one seat kept for the desk
    senior, _ = citizen(birth_year=1944)
    for who in (outsider, auditor):
        with pytest.raises(services.Forbidden):
            apply(senior, Actor(who.pk), o, key=f"desk-{who.pk}-0001", channel="desk")
        with pytest.raises(services.Forbidden):
            services.offer_create(
                actor=Actor(who.pk),
                schedule_id=world["schedules"][6][0],
                capacity=5,
                opens_at=OPEN,
                closes_at=CLOSE,
            )
    desk = apply(senior, Actor(staff.pk), o, key="desk-entry-0001", channel="phone")
    assert (desk.status, desk.seat) == ("confirmed", "desk")
    assert Offer.objects.get(pk=o.pk).desk_taken == 1
    assert seat_audit()["counter_mismatch"] == []


def test_lottery_draw_replay_and_waitlist_in_draw_order(db, world):
    o = offer(
        world,
        7,
        capacity=4,
        desk_seats=1,
        method="lottery",
        quotas=[{"name": "senior", "tag": "senior", "seats": 1}],
        priorities=["resident"],
    )
    people = [citizen(birth_year=1950 if i % 4 == 0 else 1985) for i in range(12)]
    for p, _ in people[::4]:
        verified(p, "birth_year")
    for p, a in people:
        assert apply(p, a, o).status == "pending"
    with pytest.raises(services.InvalidState, match="window closes"):
        services.lottery_draw(actor=world["admin"], offer_id=o.pk, now=NOW)
    drawn = services.lottery_draw(
        actor=world["admin"], offer_id=o.pk, seed="published-seed-17", now=CLOSE
    )
    assert drawn["selected"] == 4 and drawn["waitlisted"] == 8
    confirmed = Application.objects.filter(offer=o, status="confirmed")
    assert confirmed.count() == 4
    assert any("senior" in a.tags for a in confirmed)
    replay = services.lottery_replay(o.pk)
    assert replay["identical"] and replay["digest"] == drawn["digest"]
    waiting = list(Application.objects.filter(offer=o, status="waitlisted").order_by("queue", "id"))
    assert [str(a.pk) for a in waiting] == replay["waitlist"]
    with pytest.raises(services.InvalidState, match="already been drawn"):
        services.lottery_draw(actor=world["admin"], offer_id=o.pk, now=CLOSE)
    # a cancelled seat goes to the first of the draw's waitlist
    first = confirmed.exclude(seat="desk").first()
    assert first is not None
    out = services.cancel(actor=world["admin"], application_id=first.pk, now=CLOSE)
    assert out["promoted"] == waiting[0].pk
    # the CLI replays by schedule id, bit for bit
    result = CliRunner().invoke(app, ["lottery", "replay", str(o.schedule_id), "--json"])
    assert result.exit_code == 0, result.output
    assert '"identical": true' in result.output


def test_lottery_then_first_come_takes_the_rest_first_come(db, world):
    o = offer(world, 8, capacity=3, method="lottery_then_first_come")
    early = [citizen() for _ in range(2)]
    for p, a in early:
        assert apply(p, a, o).status == "pending"
    services.lottery_draw(actor=world["admin"], offer_id=o.pk, seed="s-8", now=NOW)
    late = [citizen() for _ in range(2)]
    assert [apply(p, a, o).status for p, a in late] == ["confirmed", "waitlisted"]


def test_audit_events_are_append_only(db, world):
    o = offer(world, 9)
    event = AuditEvent.objects.filter(offer_id=o.pk).first()
    assert event is not None
    event.action = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


# ------------------------------------------------------------------ concurrency


@pytest.mark.race
def test_no_overbooking_under_a_rush(committed, world):
    """24 people at once for 5 seats, each sending the same request twice (a retry), and 4
    of them also trying a second application with a new key: the database holds the line."""
    o = offer(world, 10, capacity=5)
    people = [citizen() for _ in range(24)]

    def rush(index: int) -> list[str]:
        person, actor = people[index]
        out = []
        for key in (f"rush-{index:04d}", f"rush-{index:04d}"):
            out.append(apply(person, actor, o, key=key).status)
        if index % 6 == 0:
            try:
                apply(person, actor, o, key=f"second-{index:04d}")
                out.append("second accepted")
            except services.AlreadyApplied:
                out.append("second refused")
        return out

    results = in_threads(len(people), rush)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert all("second accepted" not in r for r in results)
    apps = list(Application.objects.filter(offer=o).order_by("id"))
    assert len(apps) == 24  # one per person: retries and second tries added nothing
    confirmed = [a for a in apps if a.status == "confirmed"]
    waitlisted = [a for a in apps if a.status == "waitlisted"]
    assert len(confirmed) == 5 and len(waitlisted) == 19
    # arrival order: nobody who arrived later got a seat before someone earlier
    assert max(a.pk for a in confirmed) < min(a.pk for a in waitlisted)
    assert all(a.queue is None for a in waitlisted)  # first-come: queue = arrival (id)
    audit = seat_audit()
    assert audit["overbooked"] == [] and audit["counter_mismatch"] == []
    assert audit["duplicate_live_applications"] == 0

    # cancellations at once free seats that go, in order, to the queue
    def leave(index: int) -> Any:
        return services.cancel(
            actor=world["admin"],
            application_id=confirmed[index].pk,
            now=NOW,
        )

    in_threads(3, leave)
    offered = list(Application.objects.filter(offer=o, status="offered").order_by("id"))
    assert [a.pk for a in offered] == [a.pk for a in waitlisted[:3]]
    assert seat_audit()["overbooked"] == []


# ------------------------------------------------------------------ notifications


def test_notifications_are_queued_with_the_change_and_sent_once(db, world, tmp_path, settings):
    from learncity.notifications.models import OutboxMessage
    from learncity.notifications.services import FileSmsAdapter, send_due

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    o = offer(world, 11, capacity=1, accept_hours=24)
    first, first_actor = citizen()
    second, second_actor = citizen()
    no_phone, no_phone_actor = citizen()
    Learner.objects.filter(pk=no_phone.pk).update(phone=None, email="citizen@example.org")
    a = apply(first, first_actor, o)
    apply(second, second_actor, o)
    apply(no_phone, no_phone_actor, o)
    apply(first, first_actor, o)  # a retry queues nothing new
    kinds = list(OutboxMessage.objects.order_by("id").values_list("kind", "channel", "recipient"))
    assert kinds == [
        ("confirmed", "sms", first.phone),
        ("waitlisted", "sms", second.phone),
        ("waitlisted", "email", "citizen@example.org"),
    ]
    # the confirmation carries the place's check-in code (a link to its QR)
    from learncity.attendance.models import CheckinToken

    code = CheckinToken.objects.get(application_id=a.application_id, revoked_at__isnull=True)
    assert "/checkin/LC" in OutboxMessage.objects.get(kind="confirmed").body
    assert OutboxMessage.objects.get(kind="confirmed").body.count(code.hint) >= 1
    assert "대기자로 등록" in OutboxMessage.objects.get(recipient=second.phone).body
    with pytest.raises(services.AlreadyApplied):
        apply(first, first_actor, o, key="another-key-01")
    assert OutboxMessage.objects.count() == 3  # a refused request sends nothing
    services.cancel(actor=first_actor, application_id=a.application_id, now=NOW)
    promoted = OutboxMessage.objects.get(kind="promoted")
    assert promoted.recipient == second.phone and "2026-04-21 19:00" in promoted.body

    sms = FileSmsAdapter(tmp_path / "sms.log")

    class Broken:
        def send(self, message: Any) -> None:
            raise OSError("gateway down")

    failing = send_due(channel_adapters={"sms": Broken(), "email": Broken()}, limit=10)
    assert failing == {"sent": 0, "retried": 4, "failed": 0}
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    sent = send_due(channel_adapters={"sms": sms, "email": sms}, now=lambda: later)
    assert sent == {"sent": 4, "retried": 0, "failed": 0}
    assert send_due(channel_adapters={"sms": sms, "email": sms}, now=lambda: later)["sent"] == 0
    assert len((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()) == 4


@pytest.mark.race
def test_two_workers_never_send_the_same_message(committed, world, tmp_path):
    from learncity.notifications.services import FileSmsAdapter, queue, send_due

    for n in range(40):
        queue(
            kind="test",
            channel="sms",
            recipient=f"010{n:08d}",
            body="x",
            dedupe_key=f"test:{n}",
        )
    assert not queue(
        kind="test", channel="sms", recipient="01000000000", body="x", dedupe_key="test:0"
    )
    logs = [FileSmsAdapter(tmp_path / f"w{i}.log") for i in range(4)]
    counts = in_threads(4, lambda i: send_due(channel_adapters={"sms": logs[i]}))
    assert sum(c["sent"] for c in counts) == 40
    lines = []
    for log in logs:
        if log.path.exists():
            lines += log.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40 and len(set(lines)) == 40


@pytest.mark.race
def test_the_same_request_sent_at_once_is_one_application(committed, world):
    """A double click or a client retry racing its own first attempt: every copy gets the
    same application back, none is refused as a second application."""
    o = offer(world, 12, capacity=3)
    person, actor = citizen()

    def same(_: int) -> Any:
        return apply(person, actor, o, key="double-click-01")

    results = in_threads(8, same)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.application_id for r in results}) == 1
    assert sum(1 for r in results if not r.replayed) == 1
    assert Application.objects.filter(offer=o).count() == 1


def test_the_demo_opens_a_few_offers_once(db, world):
    from learncity.demo.offers import demo_offers_open

    Offer.objects.all().delete()
    # the real courses have ended by now: three are moved into the present, and the demo
    # opens offers on courses that have not ended only
    for schedule_id in Schedule.objects.order_by("id").values_list("id", flat=True)[:3]:
        course_running(schedule_id)
    assert demo_offers_open(3) == 3
    today = timezone.localdate()
    assert all(o.schedule.end_date >= today for o in Offer.objects.select_related("schedule"))
    assert demo_offers_open(3) == 0  # running the demo again adds none
    methods = sorted(Offer.objects.values_list("method", flat=True))
    assert methods == ["first_come", "first_come", "lottery"]
    assert all(o.opens_at < timezone.now() < o.closes_at for o in Offer.objects.all())
    # the published fee (a voucher can pay it); a demo voucher the offers' institutions take
    assert sorted(Offer.objects.values_list("fee_krw", flat=True)) == sorted(
        Programme.objects.filter(offers__isnull=False).values_list("fee_krw", flat=True)
    )
    from learncity.demo.offers import demo_vouchers_open
    from learncity.vouchers.models import FundedProject, RegisteredInstitution

    assert demo_vouchers_open() == {"voucher_programmes": 1, "projects": 3}
    assert demo_vouchers_open() == {"voucher_programmes": 0, "projects": 0}
    assert sorted(FundedProject.objects.values_list("amount_krw", flat=True)) == [
        27_000_000,
        30_000_000,
        50_000_000,
    ]
    assert set(RegisteredInstitution.objects.values_list("institution_id", flat=True)) == set(
        Offer.objects.values_list("institution_id", flat=True)
    )


def test_offer_refusals_name_their_fields_and_a_second_offer_is_a_conflict(db, world):
    schedule_id = world["schedules"][7][0]
    Offer.objects.filter(schedule_id=schedule_id).delete()
    with pytest.raises(services.EnrollmentError) as refused:
        services.offer_create(
            actor=world["admin"],
            schedule_id=schedule_id,
            capacity=0,
            desk_seats=-1,
            opens_at=CLOSE,
            closes_at=OPEN,
            method="raffle",
            fee_waiver_groups=["senior", "everyone"],
        )
    assert refused.value.http_status == 422
    assert set(refused.value.details["fields"]) == {
        "capacity",
        "desk_seats",
        "closes_at",
        "method",
        "fee_waiver_groups",
    }
    assert not Offer.objects.filter(schedule_id=schedule_id).exists()
    made = services.offer_create(
        actor=world["admin"],
        schedule_id=schedule_id,
        capacity=10,
        opens_at=OPEN,
        closes_at=CLOSE,
        fee_krw=30_000,
        fee_waiver_groups=["low_income", "senior", "low_income"],
    )
    assert Offer.objects.get(pk=made.pk).fee_waiver_groups == ["low_income", "senior"]
    with pytest.raises(services.OfferExists) as again:
        services.offer_create(
            actor=world["admin"],
            schedule_id=schedule_id,
            capacity=5,
            opens_at=OPEN,
            closes_at=CLOSE,
        )
    assert again.value.http_status == 409


@pytest.mark.race
def test_two_staff_opening_one_schedule_at_once_get_one_offer_and_a_conflict(committed, world):
    schedule_id = world["schedules"][8][0]
    Offer.objects.filter(schedule_id=schedule_id).delete()

    def open_it(n: int) -> str:
        try:
            services.offer_create(
                actor=world["admin"],
                schedule_id=schedule_id,
                capacity=5 + n,
                opens_at=OPEN,
                closes_at=CLOSE,
            )
            return "opened"
        except services.OfferExists:
            return "conflict"

    results = in_threads(6, open_it)
    assert sorted(results) == ["conflict"] * 5 + ["opened"]
    assert Offer.objects.filter(schedule_id=schedule_id).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="offer_created",
            offer_id__in=Offer.objects.filter(schedule_id=schedule_id).values("pk"),
        ).count()
        == 1
    )


def test_a_retry_gets_its_first_answer_even_after_the_rules_changed(db, world):
    """The first answer was lost on the way; the retry comes after the place made the person
    no longer a first-time learner and after the window closed: still the first answer."""
    o = offer(world, 9, capacity=3, eligible_tags=["first_time"])
    person, actor = citizen()
    first = apply(person, actor, o, key="lost-answer-01")
    assert first.status == "confirmed"
    again = apply(person, actor, o, key="lost-answer-01", now=CLOSE + dt.timedelta(hours=1))
    assert (again.application_id, again.status, again.replayed) == (
        first.application_id,
        "confirmed",
        True,
    )


def test_a_deactivated_account_s_api_token_no_longer_works(db, world):
    from learncity.learners.services import api_token_create, api_token_user

    person, _ = citizen()
    token = api_token_create(person.user_id)
    assert api_token_user(token) == (person.user_id, person.pk)
    User.objects.filter(pk=person.user_id).update(is_active=False)
    assert api_token_user(token) is None


def test_the_expire_command_passes_a_late_place_on_once(db, world):
    """`learncity offers expire` (issue 19, finding 11): an offered place not accepted by its
    deadline expires and goes to the next in the queue; run again, it changes nothing; a bad
    --now is refused with nothing changed."""
    import json

    from typer.testing import CliRunner

    from learncity.cli import app

    o = offer(world, 3, capacity=1, accept_hours=24)
    people = [citizen() for _ in range(3)]
    results = [apply(p, a, o) for p, a in people]
    services.cancel(actor=people[0][1], application_id=results[0].application_id, now=NOW)
    offered = Application.objects.get(pk=results[1].application_id)
    assert offered.status == "offered"
    runner = CliRunner()
    refused = runner.invoke(app, ["offers", "expire", "--now", "next tuesday"])
    assert refused.exit_code != 0 and "ISO 8601" in refused.output
    assert Application.objects.get(pk=offered.pk).status == "offered"
    early = runner.invoke(app, ["offers", "expire", "--now", NOW.isoformat(), "--json"])
    assert early.exit_code == 0 and json.loads(early.output)["expired"] == 0
    late = (NOW + dt.timedelta(hours=25)).isoformat()
    done = runner.invoke(app, ["offers", "expire", "--now", late, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["expired"] == 1
    assert Application.objects.get(pk=offered.pk).status == "expired"
    assert Application.objects.get(pk=results[2].application_id).status == "offered"
    again = runner.invoke(app, ["offers", "expire", "--now", late, "--json"])
    assert json.loads(again.output)["expired"] == 0
