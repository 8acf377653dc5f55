"""Administrative areas, their population by single year of age, and their boundaries."""

from __future__ import annotations

from django.db import models

from learncity.core.models import TimeStampedModel


class Region(TimeStampedModel):
    class Level(models.TextChoices):
        PROVINCE = "province", "시·도"
        DISTRICT = "district", "시·군·구"
        NEIGHBOURHOOD = "neighbourhood", "읍·면·동"

    class Kind(models.TextChoices):
        PLAIN = "plain", "일반"
        CITY_WITH_WARDS = "city_with_wards", "구를 둔 시"
        WARD = "ward", "일반구"
        BRANCH_OFFICE = "branch_office", "출장소"

    class Source(models.TextChoices):
        MOIS = "mois", "행정안전부 주민등록 인구통계"
        DEMO = "demo", "데모 도시 (가상)"

    class LocationPrecision(models.TextChoices):
        BOUNDARY = "boundary", "own boundary"
        UNION = "union", "union of its parts"
        APPROXIMATE = "approximate", "predecessor's centroid"
        NONE = "none", "unknown"

    code = models.CharField(max_length=10, unique=True, help_text="10-digit administrative code")
    level = models.CharField(max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PLAIN)
    name = models.CharField(max_length=100)
    full_name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MOIS)

    boundary_geojson = models.TextField(blank=True, default="")
    centroid_lat = models.FloatField(null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    area_km2 = models.FloatField(null=True, blank=True)
    location_precision = models.CharField(
        max_length=12, choices=LocationPrecision.choices, default=LocationPrecision.NONE
    )
    boundary_status = models.CharField(max_length=12, blank=True, default="")
    boundary_source = models.CharField(max_length=100, blank=True, default="")
    boundary_codes = models.TextField(blank=True, default="")
    boundary_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["province", "district", "neighbourhood"]),
                name="region_level_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(centroid_lat__isnull=True, centroid_lon__isnull=True)
                    | models.Q(
                        centroid_lat__gte=-90,
                        centroid_lat__lte=90,
                        centroid_lon__gte=-180,
                        centroid_lon__lte=180,
                    )
                ),
                name="region_centroid_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"


class PopulationSnapshot(models.Model):
    """One load of a population file: a reference month from one source."""

    period = models.CharField(max_length=7, unique=True, help_text="YYYY-MM")
    source = models.CharField(max_length=200)
    file_name = models.CharField(max_length=300, blank=True, default="")
    file_sha256 = models.CharField(max_length=64, blank=True, default="")
    rows = models.PositiveIntegerField()
    total = models.BigIntegerField(help_text="national total: the sum of the province rows")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period"]

    def __str__(self) -> str:
        return f"population {self.period}"


class RegionPopulation(models.Model):
    snapshot = models.ForeignKey(
        PopulationSnapshot, on_delete=models.CASCADE, related_name="regions"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="populations")
    total = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "region"], name="one_total_per_snapshot"),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="population_total_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.total}"


class PopulationByAge(models.Model):
    """Residents of one single year of age; age 100 means 100 and older."""

    region_population = models.ForeignKey(
        RegionPopulation, on_delete=models.CASCADE, related_name="ages"
    )
    age = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_population", "age"], name="one_count_per_age"),
            models.CheckConstraint(condition=models.Q(age__lte=100), name="age_lte_100"),
        ]

    def __str__(self) -> str:
        return f"age {self.age}: {self.count}"


class BoundaryLoad(models.Model):
    """One load of a boundary file, with its full match report."""

    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    level = models.CharField(max_length=16, choices=Region.Level.choices)
    features = models.PositiveIntegerField()
    report = models.JSONField(default=dict)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.level})"


class City(TimeStampedModel):
    """The city this deployment serves: one row, its name, colours and emblem, and the areas
    (`CityArea`) it covers. No row: no city set yet (every loaded area counts)."""

    singleton = models.PositiveSmallIntegerField(default=1, unique=True, editable=False)
    name = models.CharField(max_length=100, help_text="shown in the header: 서울특별시 강남구")
    name_en = models.CharField(max_length=100, blank=True, default="")
    colour = models.CharField(max_length=7, blank=True, default="", help_text="#rrggbb")
    emblem = models.BinaryField(blank=True, default=b"")
    emblem_type = models.CharField(max_length=40, blank=True, default="")
    is_demo = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(singleton=1), name="city_single_row"),
        ]

    def __str__(self) -> str:
        return self.name


class CityArea(models.Model):
    """One 시·도 or 시·군·구 of the city (a consortium has several). Kept by code, so that
    reloading the regions keeps the city."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=10)
    full_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["city", "code"], name="city_area_once"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"
