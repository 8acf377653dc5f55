"""Institutions, learning venues, programmes and their schedules; the import's bookkeeping.

A programme comes either from a person (source "manual"/"demo") or from the national course
standard data (source "standard"), identified there by `source_key` (algorithms/course_record).
"""

from __future__ import annotations

from django.db import models

from learncity.core.models import TimeStampedModel


class Category(models.TextChoices):
    """평생교육 6진 분류 + 성인진로개발 (6 + 1 areas)."""

    LITERACY = "literacy", "기초문해"
    ACADEMIC = "academic", "학력보완"
    VOCATIONAL = "vocational", "직업능력"
    CULTURE_ARTS = "culture_arts", "문화예술"
    HUMANITIES = "humanities", "인문교양"
    CIVIC = "civic", "시민참여"
    CAREER = "career", "성인진로개발"


MIDDLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "literacy": ("문자해득", "기초생활기술", "문해학습계좌"),
    "academic": ("초등학력보완", "중등학력보완", "고등학력보완"),
    "vocational": ("직업준비", "자격인증", "현직직무역량"),
    "culture_arts": ("레저생활스포츠", "생활문화예술", "문화예술향상"),
    "humanities": ("건강심성", "기능적소양", "인문학적교양"),
    "civic": ("시민책무성", "시민리더역량", "시민참여활동"),
    "career": ("성인진로개발",),
}


class CategorySource(models.TextChoices):
    NONE = "", "미분류"
    SOURCE_WORD = "source_word", "제공기관 분류어"
    RULE = "rule", "규칙"
    MODEL = "model", "학습 모델"
    OFFICER = "officer", "담당자 지정"
    MANUAL = "manual", "직접 입력"


class Institution(TimeStampedModel):
    """운영기관: the body that runs courses."""

    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=60, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    homepage = models.CharField(max_length=300, blank=True, default="")
    district = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=40, default="import")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "district"], name="institution_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Venue(TimeStampedModel):
    class LocationSource(models.TextChoices):
        STAFF = "staff", "담당자 지정"
        VENUE_FILE = "venue_file", "교육장 좌표 파일"
        GEOCODER = "geocoder", "주소 좌표 변환"
        ADDRESS = "address", "주소의 동"
        NAME = "name", "교육장 이름의 동"
        DISTRICT = "district", "시·군·구"
        NONE = "", "알 수 없음"

    class Precision(models.TextChoices):
        EXACT = "exact", "정확한 위치"
        NEIGHBOURHOOD = "neighbourhood", "읍·면·동 중심점"
        DISTRICT = "district", "시·군·구 중심점"
        UNKNOWN = "unknown", "알 수 없음"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=300)
    road_address = models.CharField(max_length=300, blank=True, default="")
    province = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    district = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address_note = models.CharField(
        max_length=300, blank=True, default="", help_text="why the address matched no region"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    precision = models.CharField(
        max_length=16, choices=Precision.choices, default=Precision.UNKNOWN
    )
    # how the point was found (algorithms/venue_location): a point set on purpose (staff on the
    # map, a venue file, a geocoder) is kept; a guess (address, name, district) is redone
    location_source = models.CharField(
        max_length=12, choices=LocationSource.choices, blank=True, default=""
    )
    location_label = models.CharField(
        max_length=100, blank=True, default="", help_text="the 동 or district the point stands for"
    )
    location_codes = models.JSONField(
        default=list, blank=True, help_text="the administrative 동 codes the place covers"
    )
    located_by = models.CharField(max_length=150, blank=True, default="")
    located_at = models.DateTimeField(null=True, blank=True)
    accessibility_notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name", "road_address"], name="venue_unique_place"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Programme(TimeStampedModel):
    class Mode(models.TextChoices):
        OFFLINE = "offline", "오프라인"
        ONLINE = "online", "온라인"
        HYBRID = "hybrid", "혼합"

    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="programmes"
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="programmes"
    )
    title = models.CharField(max_length=300, help_text="as published")
    display_title = models.CharField(max_length=300)
    description = models.TextField(blank=True, default="")
    category = models.CharField(max_length=16, choices=Category.choices, blank=True, default="")
    middle_category = models.CharField(max_length=20, blank=True, default="")
    category_confidence = models.FloatField(null=True, blank=True)
    category_source = models.CharField(
        max_length=12, choices=CategorySource.choices, blank=True, default=""
    )
    category_reason = models.CharField(max_length=300, blank=True, default="")
    source_category_word = models.CharField(
        max_length=40, blank=True, default="", help_text="the provider's own word, e.g. 미술/서예"
    )
    target_groups = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.OFFLINE)
    fee_krw = models.PositiveIntegerField(null=True, blank=True, help_text="null: not stated")
    credit_bank = models.BooleanField(null=True, blank=True, help_text="학점은행제 평가인정")
    learning_account = models.BooleanField(
        null=True, blank=True, help_text="평생학습계좌제 평가인정"
    )
    job_training = models.BooleanField(null=True, blank=True, help_text="직업능력개발훈련비 지원")
    instructor = models.CharField(max_length=100, blank=True, default="")
    homepage = models.CharField(max_length=300, blank=True, default="")
    source = models.CharField(max_length=40, default="import")
    source_key = models.CharField(max_length=32, null=True, blank=True, unique=True)
    content_hash = models.CharField(max_length=32, blank=True, default="")
    provider_code = models.CharField(max_length=40, blank=True, default="")
    provider_name = models.CharField(max_length=300, blank=True, default="")
    reference_date = models.DateField(null=True, blank=True, help_text="데이터기준일자")
    classified_hash = models.CharField(
        max_length=16, blank=True, default="", help_text="title+description the category is for"
    )

    class Meta:
        ordering = ["display_title"]
        indexes = [models.Index(fields=["category"], name="programme_category")]

    def __str__(self) -> str:
        return self.display_title

    @property
    def is_free(self) -> bool:
        return self.fee_krw == 0


class Schedule(TimeStampedModel):
    class Selection(models.TextChoices):
        NOT_STATED = "", "미정"
        FIRST_COME = "first_come", "선착순"
        LOTTERY = "lottery", "추첨"
        OTHER = "other", "기타"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="schedules")
    start_date = models.DateField()
    end_date = models.DateField()
    weekdays = models.JSONField(default=list, help_text="ISO weekdays, 1 = Monday")
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="null: not stated")
    registration_start = models.DateField(null=True, blank=True)
    registration_end = models.DateField(null=True, blank=True)
    application_methods = models.JSONField(
        default=list, blank=True, help_text="online / visit / phone / email / fax / post / other"
    )
    selection = models.CharField(
        max_length=12, choices=Selection.choices, blank=True, default=Selection.FIRST_COME
    )
    place = models.CharField(max_length=300, blank=True, default="", help_text="room as published")

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="schedule_dates_ordered",
            )
        ]


class ImportRun(models.Model):
    """One `learncity import`: its files and the fate of every row."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    paths = models.JSONField(default=list)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class ImportFile(models.Model):
    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=500)
    format = models.CharField(max_length=8, blank=True, default="")
    encoding = models.CharField(max_length=12, blank=True, default="")
    sha256 = models.CharField(max_length=64, blank=True, default="")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    quarantined = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class QuarantinedRow(models.Model):
    """A row that was not stored, kept as read with the reasons, until a retry stores it."""

    class Status(models.TextChoices):
        OPEN = "open", "보류 중"
        RESOLVED = "resolved", "해결됨"

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="quarantine")
    file_name = models.CharField(max_length=500)
    line = models.PositiveIntegerField()
    raw = models.JSONField(help_text="the original row, header -> cell, as read")
    fields = models.JSONField(default=dict, help_text="the same cells under OpenAPI names")
    reasons = models.JSONField(default=list)
    raw_hash = models.CharField(max_length=32, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)
    resolved_programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.file_name}, line {self.line}"


class ProgrammeHistory(models.Model):
    """The values a re-import replaced: nothing an update overwrites is lost."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="history")
    file = models.ForeignKey(
        ImportFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    change = models.CharField(max_length=16, default="import")
    previous = models.JSONField(help_text="field -> value before the change")

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.change} of programme {self.programme_id} at {self.changed_at:%Y-%m-%d}"


class Session(TimeStampedModel):
    """One dated meeting of a schedule (회차), made by `session_services.sessions_expand` from
    the schedule's dates, weekdays and times. Staff mark a session cancelled (휴강) or a holiday
    (공휴일); attendance (enrollment.Attendance) is recorded per session. Times are aware
    (stored in UTC, meant in Asia/Seoul); a schedule without stated times gives all-day
    sessions (`all_day`: from midnight to midnight, never "late")."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "예정"
        CANCELLED = "cancelled", "휴강"
        HOLIDAY = "holiday", "공휴일·휴관"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    all_day = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["schedule_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="session_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="session_times_ordered",
            ),
        ]
        indexes = [models.Index(fields=["date", "status"], name="session_day")]

    def __str__(self) -> str:
        return f"session {self.date} of schedule {self.schedule_id}"
