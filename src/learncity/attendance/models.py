"""Attendance: check-in codes, one mark per (session, application), completion rules and
completion events. The rows hang on enrolment's applications and offers and on the catalog's
sessions (foreign keys by model name; no model of another context is imported here).

The tables were enrollment's until the attendance context moved out of it (migrations
attendance 0001/0002: the state moved, then the tables were renamed, every row kept).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from learncity.core.models import TimeStampedModel


class CheckinToken(models.Model):
    """The QR code of a confirmed application. The token itself is never stored: it is
    HMAC-SHA256(check-in key, nonce) in base32 (160 bits, `LC` + 32 letters and digits), so
    that the learner's page can show the same code again; the row keeps the random nonce, the
    SHA-256 of the token (looked up at the kiosk) and its last four characters (for staff).
    Revoking sets `revoked_at`; one live token per application."""

    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.CASCADE, related_name="checkin_tokens"
    )
    nonce = models.CharField(max_length=32)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=4, help_text="the token's last four characters")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(revoked_at__isnull=True),
                name="checkin_token_one_live",
            )
        ]

    def __str__(self) -> str:
        return f"check-in token …{self.hint} of application {self.application_id}"


class KioskDevice(models.Model):
    """A tablet or PC paired as the check-in kiosk of one venue (issue 19, finding 7): it can
    check people in at that venue and do nothing else; it is signed in as nobody. Staff who
    manage the venue register it and get a pairing link valid for a few minutes; opening the
    link on the tablet stores the device's secret in a cookie. Only SHA-256 digests are kept
    (of the pairing code until it is used, of the secret after). Revoking sets `revoked_at`;
    a device unused for LEARNCITY_KIOSK_DEVICE_DAYS is refused as well."""

    venue = models.ForeignKey("catalog.Venue", on_delete=models.CASCADE, related_name="kiosks")
    name = models.CharField(max_length=100)
    pairing_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    secret_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"kiosk {self.name} at venue {self.venue_id}"


class Attendance(TimeStampedModel):
    """Whether a person came to one session: one row per (session, application), enforced by
    the database. A kiosk check-in writes present or late with its time; an instructor may
    mark any status by hand."""

    class Status(models.TextChoices):
        PRESENT = "present", "출석"
        LATE = "late", "지각"
        ABSENT = "absent", "결석"
        EXCUSED = "excused", "공결"

    class Method(models.TextChoices):
        QR = "qr", "QR"
        PHONE = "phone", "전화번호 뒷자리"
        MANUAL = "manual", "직접 입력"

    session = models.ForeignKey(
        "catalog.Session", on_delete=models.PROTECT, related_name="attendance"
    )
    application = models.ForeignKey(
        "enrollment.Application", on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(max_length=8, choices=Status.choices)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    method = models.CharField(max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recorded_attendance",
    )
    kiosk_device = models.ForeignKey(
        KioskDevice,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendance",
        help_text="the paired kiosk that recorded the check-in (no user then)",
    )
    request_key = models.CharField(  # noqa: DJ001 - NULL: no key, outside the unique index
        max_length=64, null=True, blank=True, help_text="the kiosk's idempotency id"
    )
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "application"], name="attendance_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "request_key"],
                condition=models.Q(request_key__isnull=False),
                name="attendance_request_once",
            ),
            models.UniqueConstraint(
                fields=["kiosk_device", "request_key"],
                condition=models.Q(request_key__isnull=False, kiosk_device__isnull=False),
                name="attendance_device_request_once",
            ),
        ]
        indexes = [models.Index(fields=["application", "status"], name="attendance_of_app")]

    def __str__(self) -> str:
        return f"{self.status} at session {self.session_id} (application {self.application_id})"


class CompletionRule(models.Model):
    """An offer's completion rule; an offer without one uses the default (80 %, excused
    sessions count as absences)."""

    class Excused(models.TextChoices):
        ABSENT = "absent", "결석으로 계산"
        ATTENDED = "attended", "출석으로 인정"
        EXCLUDED = "excluded", "회차에서 제외"

    offer = models.OneToOneField(
        "enrollment.Offer", on_delete=models.CASCADE, related_name="completion_rule"
    )
    threshold_percent = models.PositiveSmallIntegerField(default=80)
    excused = models.CharField(max_length=8, choices=Excused.choices, default=Excused.ABSENT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_percent__gte=1, threshold_percent__lte=100),
                name="completion_threshold_range",
            )
        ]

    def __str__(self) -> str:
        return f"completion at {self.threshold_percent}% for offer {self.offer_id}"


class CompletionEvent(models.Model):
    """A completed course (수료), emitted once per application (unique; written with INSERT
    ... ON CONFLICT DO NOTHING) and consumed by the learning record. Never updated."""

    application = models.OneToOneField(
        "enrollment.Application", on_delete=models.CASCADE, related_name="completion"
    )
    offer = models.ForeignKey(
        "enrollment.Offer", on_delete=models.CASCADE, related_name="completions"
    )
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="completions"
    )
    at = models.DateTimeField()
    attended = models.PositiveIntegerField()
    sessions = models.PositiveIntegerField()
    rate_percent = models.FloatField()
    rule = models.JSONField(default=dict)
    consumed_at = models.DateTimeField(
        null=True, blank=True, help_text="set by the learning record when it took the event"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"completion of application {self.application_id}"
