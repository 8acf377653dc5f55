"""Enrolment: offers (a schedule's enrolment configuration and its seat counters),
applications, and the append-only audit log.

Seats are counted in the offer row: `general_taken` and `desk_taken` change only in
conditional UPDATEs inside the transaction that changes an application's status
(services.py), so that no race can confirm more people than the capacity.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from learncity.core.models import TimeStampedModel


class Offer(TimeStampedModel):
    class Method(models.TextChoices):
        FIRST_COME = "first_come", "선착순"
        LOTTERY = "lottery", "추첨"
        LOTTERY_THEN_FIRST_COME = "lottery_then_first_come", "추첨 후 잔여석 선착순"

    schedule = models.OneToOneField(
        "catalog.Schedule", on_delete=models.CASCADE, related_name="offer"
    )
    programme = models.ForeignKey(
        "catalog.Programme", on_delete=models.CASCADE, related_name="offers"
    )
    institution = models.ForeignKey(
        "catalog.Institution", on_delete=models.CASCADE, related_name="offers"
    )
    district_code = models.CharField(max_length=10, blank=True, default="")
    capacity = models.PositiveIntegerField()
    desk_seats = models.PositiveIntegerField(
        default=0, help_text="reserved for applications taken by staff (phone, desk)"
    )
    general_taken = models.PositiveIntegerField(default=0)
    desk_taken = models.PositiveIntegerField(default=0)
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    method = models.CharField(max_length=24, choices=Method.choices, default=Method.FIRST_COME)
    quotas = models.JSONField(
        default=list, blank=True, help_text='lottery quotas: [{"name", "tag", "seats"}]'
    )
    priorities = models.JSONField(
        default=list, blank=True, help_text="lottery priority tags, highest first"
    )
    eligible_tags = models.JSONField(
        default=list, blank=True, help_text="who may apply (any of these tags); empty: everyone"
    )
    term = models.CharField(max_length=20, default="", blank=True, help_text="e.g. 2026-1")
    per_person_limit = models.PositiveSmallIntegerField(
        default=0, help_text="at most N live applications per person in the term (0: no limit)"
    )
    fee_krw = models.PositiveIntegerField(default=0)
    fee_waiver_groups = models.JSONField(default=list, blank=True)
    accept_hours = models.PositiveSmallIntegerField(
        default=48, help_text="how long a promoted person has to accept"
    )
    lottery_seed = models.CharField(max_length=64, blank=True, default="")
    lottery_version = models.CharField(max_length=20, blank=True, default="")
    lottery_digest = models.CharField(max_length=64, blank=True, default="")
    drawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(desk_seats__lte=models.F("capacity")),
                name="offer_desk_within_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    general_taken__lte=models.F("capacity") - models.F("desk_seats")
                ),
                name="offer_general_within_seats",
            ),
            models.CheckConstraint(
                condition=models.Q(desk_taken__lte=models.F("desk_seats")),
                name="offer_desk_within_seats",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="offer_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.pk}"


LIVE = ("pending", "confirmed", "waitlisted", "offered")


class Application(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "추첨 대기"
        CONFIRMED = "confirmed", "확정"
        WAITLISTED = "waitlisted", "대기"
        OFFERED = "offered", "추가 합격 (수락 대기)"
        CANCELLED = "cancelled", "취소"
        DECLINED = "declined", "포기"
        EXPIRED = "expired", "수락 기한 지남"

    class Channel(models.TextChoices):
        ONLINE = "online", "온라인"
        DESK = "desk", "방문"
        PHONE = "phone", "전화"

    class Seat(models.TextChoices):
        NONE = "", "없음"
        GENERAL = "general", "일반"
        DESK = "desk", "현장·전화 할당"

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="applications")
    programme = models.ForeignKey(
        "catalog.Programme", on_delete=models.CASCADE, related_name="applications"
    )
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="applications"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="entered_applications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(max_length=12, choices=Status.choices)
    seat = models.CharField(max_length=8, choices=Seat.choices, blank=True, default="")
    idempotency_key = models.CharField(max_length=64)
    tags = models.JSONField(default=list, blank=True, help_text="lottery tags at application")
    term = models.CharField(max_length=20, default="", blank=True)
    accept_by = models.DateTimeField(null=True, blank=True)
    voucher_choice_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="the voucher chosen at apply, paid when the place is confirmed",
    )
    voucher_choice_krw = models.PositiveIntegerField(
        default=0,
        db_default=0,  # the apply's plain INSERT leaves it out
        help_text="how much of the fee the chosen voucher pays (what was paid: the ledger)",
    )
    queue = models.BigIntegerField(
        null=True, blank=True, help_text="waitlist order: arrival (first-come) or draw order"
    )
    desk_paid_krw = models.PositiveIntegerField(
        default=0,
        db_default=0,  # the apply's plain INSERT leaves it out
        help_text="paid at the institution's desk (cash or card), as its staff marked it",
    )
    desk_paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entered_by", "idempotency_key"], name="application_idempotency"
            ),
            models.UniqueConstraint(
                fields=["programme", "learner"],
                condition=models.Q(status__in=LIVE),
                name="application_one_live_per_programme",
            ),
        ]
        indexes = [models.Index(fields=["offer", "status", "id"], name="application_queue")]

    def __str__(self) -> str:
        return f"application {self.pk} ({self.status})"


class AuditEvent(models.Model):
    """Append-only: every state change of an offer or an application. Never updated or
    deleted by the application (save refuses an update; there is no delete path). Ids are
    plain numbers so that the log outlives the rows it describes."""

    at = models.DateTimeField(auto_now_add=True)
    # plain ids, not foreign keys: the log outlives what it describes
    actor_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=40)
    offer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    application_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.action} at {self.at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)
