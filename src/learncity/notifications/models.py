"""The outbox: messages written in the same transaction as the change they announce (so a
message exists exactly when its change was committed), then sent by `learncity outbox send`.
"""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "이메일"
        SMS = "sms", "문자"

    class Status(models.TextChoices):
        PENDING = "pending", "대기"
        SENDING = "sending", "보내는 중"
        SENT = "sent", "보냄"
        FAILED = "failed", "실패 (재시도 끝)"

    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40, help_text="confirmed, waitlisted, promoted ...")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    dedupe_key = models.CharField(
        max_length=120, unique=True, help_text="one message per event and recipient, ever"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} ({self.status})"
