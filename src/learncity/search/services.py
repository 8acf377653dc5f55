"""Writes of the search context: keep the index in step with the catalog.

`search_index()` runs after every import (and by `learncity search index`). It reads the
catalog through its selector, re-tokenises only the programmes whose indexed content
changed (a hash of everything the index holds), removes documents of programmes that are
gone, and keeps the vocabulary of "did you mean" counted. Re-running it changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction

from learncity.algorithms import korean_text, search_text
from learncity.algorithms.course_fields import TARGET_GROUPS
from learncity.catalog.selectors import programme_rows
from learncity.regions.selectors import region_refs_by_code
from learncity.search.models import SearchDocument, SearchState, SearchTerm

Progress = Callable[[int], None]
BATCH = 2_000


def _hash(row: dict[str, Any], where: tuple[Any, ...]) -> str:
    keys = (
        "title",
        "display_title",
        "description",
        "source_category_word",
        "institution",
        "venue",
        "place",
        "category_code",
        "mode",
        "fee_krw",
        "credit_bank",
        "learning_account",
        "target_groups",
        "weekdays",
        "start_time",
        "start_date",
        "registration_start",
        "registration_end",
    )
    payload = json.dumps([row.get(k) for k in keys] + list(where), default=str, ensure_ascii=False)
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


class _Centroids:
    """Region centroids for venues without coordinates (cached per run)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[float, float] | None] = {}

    def prime(self, codes: Iterable[str]) -> None:
        missing = [c for c in set(codes) if c and c not in self._known]
        if missing:
            found = {ref.code: ref.centroid for ref in region_refs_by_code(missing)}
            for code in missing:
                self._known[code] = found.get(code)

    def get(self, code: str | None) -> tuple[float, float] | None:
        return self._known.get(code) if code else None


def _place(row: dict[str, Any], centroids: _Centroids) -> tuple[float | None, float | None, str]:
    if row.get("latitude") is not None and row.get("longitude") is not None:
        return row["latitude"], row["longitude"], row.get("location_precision") or "exact"
    for code, precision in (
        (row.get("neighbourhood_code"), "neighbourhood"),
        (row.get("district_code"), "district"),
    ):
        point = centroids.get(code)
        if point is not None:
            return point[0], point[1], precision
    return None, None, "unknown"


def _document(
    row: dict[str, Any], where: tuple[float | None, float | None, str], tagger: Any
) -> SearchDocument:
    tokens = search_text.document(
        row["title"] or "",
        [
            row.get("description") or "",
            row.get("source_category_word") or "",
            row.get("institution") or "",
            row.get("venue") or "",
            row.get("place") or "",
        ],
        tagger,
    )
    start_time = row.get("start_time")
    return SearchDocument(
        programme_id=row["id"],
        terms=tokens.terms,
        grams=tokens.grams,
        body=tokens.body,
        indexed_hash=_hash(row, where),
        district_code=row.get("district_code") or "",
        neighbourhood_code=row.get("neighbourhood_code") or "",
        latitude=where[0],
        longitude=where[1],
        location_precision=where[2],
        weekday_mask=search_text.weekday_mask(row.get("weekdays") or ()),
        slot_mask=search_text.time_slot(start_time),
        group_mask=search_text.set_mask(row.get("target_groups") or (), TARGET_GROUPS),
        category=row.get("category_code") or "",
        mode=row.get("mode") or "",
        fee_krw=row.get("fee_krw"),
        credit_bank=bool(row.get("credit_bank")),
        learning_account=bool(row.get("learning_account")),
        voucher_eligible=False,  # vouchers do not exist yet (issue 7): the filter is ready
        start_date=row.get("start_date"),
        registration_start=row.get("registration_start"),
        registration_end=row.get("registration_end"),
    )


_FIELDS = [
    f.name
    for f in SearchDocument._meta.concrete_fields
    if f.name not in {"programme"}  # the key
]


def search_index(*, progress: Progress | None = None) -> dict[str, int]:
    """Bring the index in line with the catalog. Returns counts: indexed (new or changed),
    unchanged, removed, terms (size of the vocabulary)."""
    tagger = korean_text.shared().tagged_many
    centroids = _Centroids()
    known = dict(SearchDocument.objects.values_list("programme_id", "indexed_hash"))
    seen: set[int] = set()
    counts = {"indexed": 0, "unchanged": 0, "removed": 0}
    term_delta: Counter[str] = Counter()
    page: list[dict[str, Any]] = []

    def flush(rows: list[dict[str, Any]]) -> None:
        centroids.prime(
            [r.get("neighbourhood_code") or "" for r in rows]
            + [r.get("district_code") or "" for r in rows]
        )
        fresh: list[SearchDocument] = []
        changed: list[SearchDocument] = []
        for row in rows:
            seen.add(row["id"])
            where = _place(row, centroids)
            before = known.get(row["id"])
            if before is not None and before == _hash(row, where):
                counts["unchanged"] += 1
                continue
            document = _document(row, where, tagger)
            (fresh if before is None else changed).append(document)
        with transaction.atomic():
            if changed:
                old = dict(
                    SearchDocument.objects.filter(
                        programme_id__in=[d.programme_id for d in changed]
                    ).values_list("programme_id", "terms")
                )
                # the vocabulary of did-you-mean is the titles' morphemes
                for document in changed:
                    term_delta.subtract(set(old.get(document.programme_id, "").split()))
                SearchDocument.objects.bulk_update(changed, _FIELDS, batch_size=500)
            SearchDocument.objects.bulk_create(fresh, batch_size=500)
        for document in fresh + changed:
            term_delta.update(set(document.terms.split()))
        counts["indexed"] += len(fresh) + len(changed)
        if progress is not None:
            progress(len(rows))

    try:
        for row in programme_rows(batch=BATCH):
            page.append(row)
            if len(page) >= BATCH:
                flush(page)
                page = []
        flush(page)
    except BaseException:
        if counts["indexed"]:  # batches that were written before the failure
            index_changed()
        raise

    gone = [pk for pk in known if pk not in seen]
    with transaction.atomic():
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            for terms in SearchDocument.objects.filter(programme_id__in=chunk).values_list(
                "terms", flat=True
            ):
                term_delta.subtract(set(terms.split()))
            SearchDocument.objects.filter(programme_id__in=chunk).delete()
        counts["removed"] = len(gone)
        _apply_terms(term_delta)
        if counts["indexed"] or counts["removed"]:
            index_changed()
    counts["terms"] = SearchTerm.objects.count()
    return counts


def index_changed() -> None:
    """Tell every search process that the index changed (they rebuild their filter table
    at their next search). Call it inside the transaction that changed the index."""
    state, _ = SearchState.objects.get_or_create(pk=1)
    state.generation = uuid.uuid4().hex
    state.save(update_fields=["generation", "changed_at"])


def _apply_terms(delta: Counter[str]) -> None:
    changes = {term: n for term, n in delta.items() if n and len(term) <= 64}
    if not changes:
        return
    existing: dict[str, int] = {}
    names = list(changes)
    for start in range(0, len(names), 500):
        existing.update(
            SearchTerm.objects.filter(term__in=names[start : start + 500]).values_list(
                "term", "documents"
            )
        )
    update: list[SearchTerm] = []
    create: list[SearchTerm] = []
    for term, n in changes.items():
        if term in existing:
            update.append(SearchTerm(term=term, documents=max(0, existing[term] + n)))
        elif n > 0:
            create.append(SearchTerm(term=term, documents=n))
    SearchTerm.objects.bulk_update(update, ["documents"], batch_size=500)
    SearchTerm.objects.bulk_create(create, batch_size=500)
    SearchTerm.objects.filter(documents=0).delete()
