"""The search index: one flat row per programme with its tokens and everything filters need.

Full text lives in the engine: on SQLite an FTS5 table `search_fts` kept in step with this
table by triggers (external content); on PostgreSQL a generated `vector` tsvector column with
a GIN index. Both are created by migration 0002 for the engine in use.
"""

from __future__ import annotations

from django.db import models


class SearchDocument(models.Model):
    programme = models.OneToOneField(
        "catalog.Programme",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_document",
    )
    terms = models.TextField(help_text="the title's Kiwi morphemes, space-separated")
    grams = models.TextField(help_text="the title's character bigrams, space-separated")
    body = models.TextField(help_text="morphemes and bigrams of the other fields")
    indexed_hash = models.CharField(max_length=32)
    district_code = models.CharField(max_length=10, blank=True, default="", db_index=True)
    neighbourhood_code = models.CharField(max_length=10, blank=True, default="", db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_precision = models.CharField(max_length=16, default="unknown")
    weekday_mask = models.PositiveSmallIntegerField(default=0)
    slot_mask = models.PositiveSmallIntegerField(default=0)
    group_mask = models.PositiveIntegerField(default=0)
    category = models.CharField(max_length=16, blank=True, default="")
    mode = models.CharField(max_length=8, blank=True, default="")
    fee_krw = models.PositiveIntegerField(null=True, blank=True)
    credit_bank = models.BooleanField(default=False)
    learning_account = models.BooleanField(default=False)
    voucher_eligible = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    registration_start = models.DateField(null=True, blank=True)
    registration_end = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["start_date"], name="search_doc_start"),
            models.Index(fields=["category"], name="search_doc_category"),
            models.Index(fields=["latitude", "longitude"], name="search_doc_point"),
        ]

    def __str__(self) -> str:
        return f"search document {self.pk}"


class SearchTerm(models.Model):
    """Known terms and how many documents hold them: the vocabulary of "did you mean"."""

    term = models.CharField(max_length=64, primary_key=True)
    documents = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.term


class SearchState(models.Model):
    """One row: a token that changes whenever the index changes, so that every search
    process knows when to rebuild its in-memory filter table (a fresh random token, not a
    counter, so that a rolled-back change can never be mistaken for a later one)."""

    generation = models.CharField(max_length=32, default="")
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"search index generation {self.generation}"
