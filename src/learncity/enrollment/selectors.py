"""Reads of enrolment."""

from __future__ import annotations

from typing import Any

from learncity.enrollment.models import LIVE, Application, Offer


def offer_count() -> int:
    return Offer.objects.count()


def offer_id_of_schedule(schedule_id: int) -> int | None:
    found: int | None = (
        Offer.objects.filter(schedule_id=schedule_id).values_list("pk", flat=True).first()
    )
    return found


def seat_audit(exclude: frozenset[int] = frozenset()) -> dict[str, Any]:
    """The invariants, read back from the database: schedules with more confirmed (or
    promoted) people than seats, counters that disagree with the applications, and people
    with more than one live application for a programme."""
    overbooked: list[int] = []
    counter_mismatch: list[int] = []
    for offer in Offer.objects.exclude(pk__in=exclude):
        holding = Application.objects.filter(offer=offer, status__in=("confirmed", "offered"))
        held = holding.count()
        if held > offer.capacity:
            overbooked.append(offer.pk)
        desk = holding.filter(seat=Application.Seat.DESK).count()
        if (offer.general_taken, offer.desk_taken) != (held - desk, desk):
            counter_mismatch.append(offer.pk)
    live: dict[tuple[int, int], int] = {}
    for programme_id, learner_id in Application.objects.filter(status__in=LIVE).values_list(
        "programme_id", "learner_id"
    ):
        live[(programme_id, learner_id)] = live.get((programme_id, learner_id), 0) + 1
    duplicates = sum(1 for n in live.values() if n > 1)
    return {
        "offers": Offer.objects.count(),
        "overbooked": overbooked,
        "counter_mismatch": counter_mismatch,
        "duplicate_live_applications": duplicates,
    }


_OFFER_FIELDS = (
    "id",
    "schedule_id",
    "programme_id",
    "capacity",
    "desk_seats",
    "general_taken",
    "desk_taken",
    "opens_at",
    "closes_at",
    "method",
    "drawn_at",
    "lottery_seed",
    "lottery_version",
    "lottery_digest",
)


def offer_detail(offer_id: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = Offer.objects.filter(pk=offer_id).values(*_OFFER_FIELDS).first()
    return found


def applications_of(user_id: int) -> list[dict[str, Any]]:
    """Applications of the user's learner profile and of the household members the user
    may act for."""
    from django.db.models import Q

    from learncity.learners.models import HouseholdLink

    members = HouseholdLink.objects.filter(
        proxy__user_id=user_id, withdrawn_at__isnull=True
    ).values_list("member_id", flat=True)
    return [
        dict(row)
        for row in Application.objects.filter(
            Q(learner__user_id=user_id) | Q(learner_id__in=members)
        )
        .order_by("-id")
        .values(
            "id",
            "offer_id",
            "programme_id",
            "learner_id",
            "status",
            "seat",
            "channel",
            "accept_by",
            "created_at",
        )[:200]
    ]


def offer_of_programme(programme_id: int) -> dict[str, Any] | None:
    """The offer of the programme's first schedule (the one its page shows), if any."""
    found: dict[str, Any] | None = (
        Offer.objects.filter(programme_id=programme_id)
        .order_by("schedule_id")
        .values(*_OFFER_FIELDS, "accept_hours", "eligible_tags", "per_person_limit")
        .first()
    )
    return found


def waitlist_position(application_id: int) -> int | None:
    """1 for the first in the queue of the application's offer; None when not waitlisted.
    The queue order is the one promotion uses (draw order, else arrival)."""
    from django.db.models.functions import Coalesce

    found = (
        Application.objects.filter(pk=application_id, status="waitlisted")
        .values_list("offer_id", flat=True)
        .first()
    )
    if found is None:
        return None
    queue = list(
        Application.objects.filter(offer_id=found, status="waitlisted")
        .order_by(Coalesce("queue", "id"), "id")
        .values_list("pk", flat=True)
    )
    return queue.index(application_id) + 1
