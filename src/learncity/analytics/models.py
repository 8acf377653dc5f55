"""Tables of the analytics context: the post-course satisfaction survey (만족도 조사) and the
delivery-system inputs that officers enter for the annual evaluation report (추진체계 투입).

The survey keeps what its results are grouped by on the invitation itself (programme,
institution, district, category, the learner's groups at completion), so that results stay
the same when the person closes their account: erasure unlinks the learner and drops the
free-text comment, the ratings stay as anonymous aggregates (docs/survey.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

ITEMS = ("overall", "content", "instructor", "venue", "recommend")


class SurveyInvitation(models.Model):
    """One invitation per completion (수료), written when the completion is emitted. The link
    carries a random token; only its SHA-256 digest is stored."""

    completion_id = models.BigIntegerField(unique=True, help_text="enrollment CompletionEvent")
    application_id = models.BigIntegerField()
    programme_id = models.BigIntegerField(db_index=True)
    institution_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    district_code = models.CharField(max_length=10, blank=True, default="")
    category = models.CharField(max_length=16, blank=True, default="")
    learner_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="null once the person closed the account"
    )
    groups = models.JSONField(
        default=list, blank=True, help_text="senior, disability, low_income, multicultural"
    )
    course_start = models.DateField(
        null=True, blank=True, help_text="the course's first day: the period it belongs to"
    )
    channel = models.CharField(
        max_length=8, blank=True, default="", help_text="sms, email; empty: no contact, not sent"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=4, help_text="the token's last characters")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["created_at"], name="analytics_inv_created")]

    def __str__(self) -> str:
        return f"survey invitation for completion {self.completion_id}"


class SurveyResponse(models.Model):
    """The answers to one invitation: five items on a 5-point scale and an optional comment.
    One response per invitation (the one-to-one key); never shows who answered."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    overall = models.PositiveSmallIntegerField(help_text="전반적 만족도, 1-5")
    content = models.PositiveSmallIntegerField(help_text="내용, 1-5")
    instructor = models.PositiveSmallIntegerField(help_text="강사, 1-5")
    venue = models.PositiveSmallIntegerField(help_text="장소·접근성, 1-5")
    recommend = models.PositiveSmallIntegerField(help_text="추천 의향, 1-5")
    comment = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{item}__gte": 1}) & Q(**{f"{item}__lte": 5}),
                name=f"analytics_response_{item}_1_5",
            )
            for item in ITEMS
        ]

    def __str__(self) -> str:
        return f"survey response {self.pk}"


class DeliveryInput(models.Model):
    """Delivery-system inputs (추진체계) of one year for the city (region_code "") or one
    district (its code): what officers enter, not what the platform can count."""

    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(
        max_length=10, blank=True, default="", help_text="empty: the whole city"
    )
    budget_krw = models.PositiveBigIntegerField(default=0, help_text="평생학습 예산 (원)")
    staff_count = models.PositiveIntegerField(default=0, help_text="평생학습 전담 인력")
    council_meetings = models.PositiveIntegerField(default=0, help_text="평생학습협의회 개최")
    ordinances = models.PositiveIntegerField(default=0, help_text="평생학습 조례")
    study_groups = models.PositiveIntegerField(default=0, help_text="학습동아리")
    notes = models.TextField(blank=True, default="")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "region_code"], name="analytics_delivery_once")
        ]

    def __str__(self) -> str:
        return f"delivery inputs {self.year} {self.region_code or 'city'}"


class ReportJob(models.Model):
    """One annual report asked for in the console and built in the background (a thread of
    the server that took the request, or `learncity report-jobs`): queued → running → done
    with the file, or failed with the reason. The file is kept in the row, so any server
    worker can hand it out."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    format = models.CharField(max_length=4, help_text="pdf, xlsx, html")
    district_code = models.CharField(
        max_length=10, blank=True, default="", help_text="empty: the whole city"
    )
    language = models.CharField(max_length=8, default="ko")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent, 0-100")
    step = models.CharField(max_length=40, blank=True, default="", help_text="the step now")
    error = models.TextField(blank=True, default="", help_text="why it failed")
    content = models.BinaryField(blank=True, default=b"")
    file_name = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="analytics_reportjob_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="analytics_reportjob_progress_100"
            ),
            models.CheckConstraint(
                condition=Q(format__in=["pdf", "xlsx", "html"]),
                name="analytics_reportjob_format",
            ),
        ]

    def __str__(self) -> str:
        return f"report job {self.pk} ({self.year} {self.format}, {self.status})"
