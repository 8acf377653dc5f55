"""Institutions, learning venues, programmes and their schedules.

The foundation keeps the core fields; the standard-data import extends them.
"""

from __future__ import annotations

from django.db import models

from learncity.core.models import TimeStampedModel


class Category(models.TextChoices):
    """평생교육 6진 분류 + 성인진로개발 (6 + 1 areas)."""

    LITERACY = "literacy", "기초문해교육"
    ACADEMIC = "academic", "학력보완교육"
    VOCATIONAL = "vocational", "직업능력교육"
    CULTURE_ARTS = "culture_arts", "문화예술교육"
    HUMANITIES = "humanities", "인문교양교육"
    CIVIC = "civic", "시민참여교육"
    CAREER = "career", "성인진로개발"


class Institution(TimeStampedModel):
    name = models.CharField(max_length=200)
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
    class Precision(models.TextChoices):
        EXACT = "exact", "정확한 위치"
        NEIGHBOURHOOD = "neighbourhood", "읍·면·동 중심점"
        DISTRICT = "district", "시·군·구 중심점"
        UNKNOWN = "unknown", "알 수 없음"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=200)
    road_address = models.CharField(max_length=300, blank=True, default="")
    district = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    precision = models.CharField(
        max_length=16, choices=Precision.choices, default=Precision.UNKNOWN
    )
    accessibility_notes = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

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
    target_groups = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.OFFLINE)
    fee_krw = models.PositiveIntegerField(default=0)
    instructor = models.CharField(max_length=100, blank=True, default="")
    source = models.CharField(max_length=40, default="import")

    class Meta:
        ordering = ["display_title"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def is_free(self) -> bool:
        return self.fee_krw == 0


class Schedule(TimeStampedModel):
    class Selection(models.TextChoices):
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
    selection = models.CharField(
        max_length=12, choices=Selection.choices, default=Selection.FIRST_COME
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="schedule_dates_ordered",
            )
        ]
