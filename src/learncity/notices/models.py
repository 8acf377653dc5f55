"""Notices (공지사항): what the city publishes to everyone and what an institution publishes
about its courses. A notice is withdrawn, never deleted, so that what was said stays known."""

from __future__ import annotations

from django.db import models

from learncity.core.models import TimeStampedModel


class Notice(TimeStampedModel):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    # the publisher: an institution, or the city itself (null)
    institution = models.ForeignKey(
        "catalog.Institution",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    published_at = models.DateTimeField()
    # plain ids: the notice outlives an account
    published_by_id = models.BigIntegerField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["institution", "withdrawn_at"], name="notice_current")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="notice_has_a_title"),
        ]

    def __str__(self) -> str:
        return f"notice {self.pk}"
