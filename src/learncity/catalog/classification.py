"""Writes of the catalog's classification: the import's second step, and the officer's override.

The model is trained, on first use in a process, from the examples the team keeps in
`catalog/data/` (titles with their area and middle category, plus a keyword lexicon).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from django.db import connection, transaction

from learncity.algorithms import korean_text
from learncity.algorithms.classify import (
    MIDDLE,
    CourseClassifier,
    Example,
    Prediction,
    predict_parallel,
    read_examples,
)
from learncity.catalog.models import CategorySource, Programme, ProgrammeHistory
from learncity.core.errors import DomainError, NotFound

TRAINING_FILES = ("classifier_training.tsv", "classifier_lexicon.tsv")
BATCH = 100_000


def training_examples() -> list[Example]:
    examples: list[Example] = []
    folder = resources.files("learncity.catalog") / "data"
    for name in TRAINING_FILES:
        item = folder / name
        if item.is_file():
            examples.extend(read_examples(item.read_text(encoding="utf-8")))
    return examples


@cache
def classifier() -> CourseClassifier:
    return CourseClassifier(training_examples(), korean_text.shared().features_many)


def predictions(
    titles: Sequence[str],
    descriptions: Sequence[str] | None = None,
    source_words: Sequence[str] | None = None,
    *,
    providers: Sequence[str] | None = None,
    workers: int | None = None,
) -> list[Prediction]:
    """Classify many titles, on every core when there are enough of them."""
    return predict_parallel(
        classifier(),
        training_examples(),
        titles,
        descriptions,
        source_words,
        providers=providers,
        workers=workers or min(os.cpu_count() or 1, 4),
    )


def text_hash(title: str, description: str, source_word: str) -> str:
    text = "\x1f".join((title, description[:300], source_word))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def programmes_classify(*, all_programmes: bool = False) -> int:
    """Classify programmes whose text changed since they were last classified.

    Officer overrides and categories entered by hand are never touched. Returns how many
    programmes were classified.
    """
    queryset = Programme.objects.exclude(
        category_source__in=[CategorySource.OFFICER, CategorySource.MANUAL]
    )
    if not all_programmes:
        queryset = queryset.filter(classified_hash="")
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    table = connection.ops.quote_name(Programme._meta.db_table)
    sql = (
        f"UPDATE {table} SET category = %s, middle_category = %s, "  # noqa: S608
        "category_confidence = %s, category_source = %s, category_reason = %s, "
        "classified_hash = %s WHERE id = %s AND category_source NOT IN ('officer', 'manual')"
    )
    for start in range(0, len(ids), BATCH):
        rows = list(
            Programme.objects.filter(id__in=ids[start : start + BATCH]).values_list(
                "id", "title", "description", "source_category_word", "provider_name"
            )
        )
        predicted = predictions(
            [r[1] for r in rows],
            [r[2] for r in rows],
            [r[3] for r in rows],
            providers=[r[4] for r in rows],
        )
        values = [
            (
                p.area,
                p.middle,
                p.confidence,
                p.source,
                p.reason[:300],
                text_hash(title, description, word),
                pk,
            )
            for (pk, title, description, word, _), p in zip(rows, predicted, strict=True)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, values)
    return len(ids)


@transaction.atomic
def programme_category_set(
    *, programme_id: int, category: str, middle_category: str = "", officer: str
) -> Programme:
    """An officer's decision: kept over the model's and over every later re-import."""
    if category not in MIDDLE:
        raise DomainError(
            f"unknown category {category!r}; use one of {', '.join(MIDDLE)}",
            details={"category": category},
        )
    if middle_category and middle_category not in MIDDLE[category]:
        raise DomainError(
            f"{middle_category!r} is not a middle category of {category}: "
            f"{', '.join(MIDDLE[category])}",
            details={"middle_category": middle_category},
        )
    programme = Programme.objects.select_for_update().filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(f"no programme {programme_id}")
    previous: dict[str, Any] = {
        "category": programme.category,
        "middle_category": programme.middle_category,
        "category_confidence": programme.category_confidence,
        "category_source": programme.category_source,
        "category_reason": programme.category_reason,
    }
    programme.category = category
    programme.middle_category = middle_category
    programme.category_confidence = 1.0
    programme.category_source = CategorySource.OFFICER
    programme.category_reason = f"담당자 지정: {officer}"[:300]
    programme.save()
    ProgrammeHistory.objects.create(programme=programme, change="category", previous=previous)
    return programme
