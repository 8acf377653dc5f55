import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0002_standard_import"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "programme",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="catalog.programme",
                    ),
                ),
                ("terms", models.TextField(help_text="the title's Kiwi morphemes, space-separated")),
                ("grams", models.TextField(help_text="the title's character bigrams, space-separated")),
                ("body", models.TextField(help_text="morphemes and bigrams of the other fields")),
                ("indexed_hash", models.CharField(max_length=32)),
                ("district_code", models.CharField(blank=True, db_index=True, default="", max_length=10)),
                ("neighbourhood_code", models.CharField(blank=True, db_index=True, default="", max_length=10)),
                ("latitude", models.FloatField(blank=True, null=True)),
                ("longitude", models.FloatField(blank=True, null=True)),
                ("location_precision", models.CharField(default="unknown", max_length=16)),
                ("weekday_mask", models.PositiveSmallIntegerField(default=0)),
                ("slot_mask", models.PositiveSmallIntegerField(default=0)),
                ("group_mask", models.PositiveIntegerField(default=0)),
                ("category", models.CharField(blank=True, default="", max_length=16)),
                ("mode", models.CharField(blank=True, default="", max_length=8)),
                ("fee_krw", models.PositiveIntegerField(blank=True, null=True)),
                ("credit_bank", models.BooleanField(default=False)),
                ("learning_account", models.BooleanField(default=False)),
                ("voucher_eligible", models.BooleanField(default=False)),
                ("start_date", models.DateField(blank=True, null=True)),
                ("registration_start", models.DateField(blank=True, null=True)),
                ("registration_end", models.DateField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["start_date"], name="search_doc_start"),
                    models.Index(fields=["category"], name="search_doc_category"),
                    models.Index(fields=["latitude", "longitude"], name="search_doc_point"),
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("term", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("documents", models.PositiveIntegerField(default=0)),
            ],
        ),
    ]
