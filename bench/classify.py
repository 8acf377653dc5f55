"""Benchmark: classification accuracy on the hand-labelled evaluation set.

    learncity bench classify [--json]

`bench/data/classification_eval.tsv` holds 322 real titles of the Gangnam file
(../shared/data/courses/gangnam-2026-04.csv), each labelled by hand from DOMAIN.md's
definitions (titles and labels only). The classifier is trained on the team's own examples
(src/learncity/catalog/data/), never on these titles.

Figures: accuracy from the title alone (the headline: what the model knows), accuracy when the
provider's own category word is also given (what the import stores for this file), accuracy
of the middle category, the confusion matrix, and, as the same-run baseline, the accuracy of
always answering the most common area and of the provider words alone.

JSON keys: titles, accuracy, middle_accuracy, distinct_courses, accuracy_distinct_courses,
accuracy_with_source_word, source_word_only_accuracy, majority_baseline_accuracy, confusion,
per_area, titles_per_s.
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from learncity.algorithms.classify import AREA_KOREAN, AREAS, SOURCE_WORDS, read_examples
from learncity.algorithms.course_fields import display_title
from learncity.catalog.classification import classifier

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("LEARNCITY_SHARED_DATA") or HERE.parent.parent / "shared" / "data")


def run() -> dict[str, Any]:
    examples = read_examples((HERE / "data" / "classification_eval.tsv").read_text("utf-8"))
    titles = [e.title for e in examples]
    model = classifier()
    started = time.perf_counter()
    predicted = model.predict_many(titles)
    elapsed = time.perf_counter() - started
    truth = [e.area for e in examples]
    accuracy = _share(p.area == t for p, t in zip(predicted, truth, strict=True))
    middle = _share(p.middle == e.middle for p, e in zip(predicted, examples, strict=True))
    # cohorts repeat a course (`[논현1] 요가`, `[논현2] 요가`): also count each course once
    distinct: dict[str, bool] = {}
    for p, e in zip(predicted, examples, strict=True):
        distinct.setdefault(display_title(re.sub(r"\d+", "", e.title)), p.area == e.area)

    words = _source_words(titles)
    with_words = model.predict_many(titles, [""] * len(titles), words)
    accuracy_with_words = _share(p.area == t for p, t in zip(with_words, truth, strict=True))
    word_only = _share(
        SOURCE_WORDS.get(w, ("", ""))[0] == t for w, t in zip(words, truth, strict=True)
    )
    majority = Counter(truth).most_common(1)[0][1] / len(truth)

    confusion = {
        AREA_KOREAN[a]: {
            AREA_KOREAN.get(b, "미분류"): n
            for b in [*AREAS, ""]
            if (
                n := sum(1 for p, t in zip(predicted, truth, strict=True) if t == a and p.area == b)
            )
        }
        for a in AREAS
        if a in truth
    }
    per_area = {
        AREA_KOREAN[a]: {
            "n": truth.count(a),
            "recall": round(
                _share(p.area == a for p, t in zip(predicted, truth, strict=True) if t == a), 3
            ),
        }
        for a in AREAS
        if a in truth
    }
    return {
        "titles": len(titles),
        "accuracy": round(accuracy, 4),
        "middle_accuracy": round(middle, 4),
        "distinct_courses": len(distinct),
        "accuracy_distinct_courses": round(_share(distinct.values()), 4),
        "accuracy_with_source_word": round(accuracy_with_words, 4),
        "source_word_only_accuracy": round(word_only, 4),
        "majority_baseline_accuracy": round(majority, 4),
        "ratio_to_majority_baseline": round(accuracy / majority, 2),
        "confusion": confusion,
        "per_area": per_area,
        "training_examples": model.examples,
        "titles_per_s": round(len(titles) / elapsed),
    }


def _share(values: Any) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def _source_words(titles: list[str]) -> list[str]:
    """The provider's 강좌내용 word for each title, from the real file when it is present."""
    path = SHARED / "courses" / "gangnam-2026-04.csv"
    if not path.is_file():
        return [""] * len(titles)
    with path.open(encoding="utf-8-sig") as handle:
        by_title = {row["강좌명"]: row["강좌내용"] for row in csv.DictReader(handle)}
    return [by_title.get(title, "") for title in titles]
