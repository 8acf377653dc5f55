"""Record entries (one per completed course per learner, from one completion event), the
city's signing keys (public halves only: private keys live in files) and issued credentials."""

from __future__ import annotations

import uuid

from django.db import models


class RecordEntry(models.Model):
    """A completed course in the learner's record. Made once from a completion event
    (`completion_event_id` is unique); the programme's title, area, institution and
    accreditation are copied as they were at completion, so the record never changes when the
    catalog does."""

    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="record_entries"
    )
    completion_event_id = models.BigIntegerField(unique=True)
    application_id = models.BigIntegerField(unique=True)
    offer_id = models.BigIntegerField()
    programme_id = models.BigIntegerField()
    institution_id = models.BigIntegerField()
    district_code = models.CharField(max_length=10, blank=True, default="")
    title = models.CharField(max_length=300)
    institution_name = models.CharField(max_length=300)
    category = models.CharField(max_length=16, blank=True, default="")
    middle_category = models.CharField(max_length=20, blank=True, default="")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField()
    year = models.PositiveSmallIntegerField()
    sessions_attended = models.PositiveIntegerField()
    sessions_counted = models.PositiveIntegerField()
    attendance_percent = models.FloatField()
    threshold_percent = models.FloatField(default=80.0, help_text="the completion rule")
    scheduled_minutes = models.PositiveIntegerField()
    attended_minutes = models.PositiveIntegerField()
    learning_account = models.BooleanField(default=False, help_text="평생학습계좌제 평가인정")
    credit_bank = models.BooleanField(default=False, help_text="학점은행제 평가인정")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["completed_at", "id"]
        indexes = [models.Index(fields=["learner", "completed_at"])]

    def __str__(self) -> str:
        return f"record entry {self.pk} of learner {self.learner_id}"


class SigningKey(models.Model):
    """An Ed25519 key of the city. The public key stays here for ever, so that credentials
    signed before a rotation still verify; `retired_at` marks a key that signs no more."""

    key_id = models.CharField(max_length=64, unique=True)
    public_key = models.CharField(max_length=64, help_text="raw 32 bytes, base64url")
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"signing key {self.key_id}"


class Credential(models.Model):
    """An issued OpenBadgeCredential (VC-JWT). Its status list index is its primary key
    (list number pk // size + 1, index pk % size)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="credentials"
    )
    entry = models.OneToOneField(
        RecordEntry, on_delete=models.CASCADE, related_name="credential", null=True, blank=True
    )
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="credentials")
    jwt = models.TextField(help_text="the credential as signed (blank once the account is erased)")
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"credential {self.uuid}"


class IssuerIdentifier(models.Model):
    """An issuer id this city has issued credentials under (issue 19): the first one is the
    default issuer id for ever, so that a change of the public URL leaves earlier credentials
    verifying; `LEARNCITY_ISSUER_ID` names another one from the day it is set."""

    value = models.CharField(max_length=500, unique=True)
    first_used_at = models.DateTimeField()

    class Meta:
        ordering = ["first_used_at", "id"]

    def __str__(self) -> str:
        return f"issuer id {self.value}"
