"""Reads of enrolment."""

from __future__ import annotations

from typing import Any

from learncity.enrollment.models import LIVE, Application, Offer


def offer_id_of_schedule(schedule_id: int) -> int | None:
    found: int | None = (
        Offer.objects.filter(schedule_id=schedule_id).values_list("pk", flat=True).first()
    )
    return found


def seat_audit() -> dict[str, Any]:
    """The invariants, read back from the database: schedules with more confirmed (or
    promoted) people than seats, counters that disagree with the applications, and people
    with more than one live application for a programme."""
    overbooked: list[int] = []
    counter_mismatch: list[int] = []
    for offer in Offer.objects.all():
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
