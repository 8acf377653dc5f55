"""Look-alike programmes across providers (유사·중복 프로그램), for the console and the report.

A provider is an institution's centre: the institution and the first word of the venue's
name (`일원평생학습센터 라운지1` is still 일원평생학습센터). In the Gangnam file every course has
the same operating institution (서울특별시 강남구청) running five learning centres, so the
centres are what offers are copied between; across two institutions the provider differs
anyway. Same-provider repeats (과정1, 과정2 in one centre) are the centre's own schedule, not
copies, and are never reported.

Repeats (issue 18): one institution's course offered again — the next term, another cohort,
another of its centres — with the same title up to term and cohort words
(algorithms.lookalike.repeat_key) is a *repeat*, reported by `lookalike_repeats` and never a
look-alike. Within one institution, only different titles with the same content remain
look-alikes across its centres.

Tokens are Kiwi morphemes (the shared analyser of learncity.algorithms.korean_text) of the
display title (prefixes like `[논현2]` and session counts removed) and of the description
when it is one; a description that is only the source's category word (기타, 미술/서예 in the
national standard file) is left out, since it would pair unrelated courses of one area."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext

from learncity.algorithms import korean_text
from learncity.algorithms import lookalike as algorithm
from learncity.catalog.selectors import programme_rows

DEFAULT_THRESHOLD = algorithm.DEFAULT_THRESHOLD


def _provider(row: dict[str, Any]) -> tuple[Any, str]:
    venue = (row.get("venue") or "").strip()
    return (row.get("institution_id"), venue.split(" ")[0] if venue else "")


def _text(row: dict[str, Any]) -> str:
    """What is compared: the title without term and cohort words, and the description."""
    shown = row.get("display_title") or row.get("title") or ""
    title = algorithm.strip_term_words(shown) or shown
    description = (row.get("description") or "").strip()
    if description and description != (row.get("source_category_word") or ""):
        return f"{title} {description}"
    return title


def _documents(rows: list[dict[str, Any]]) -> list[algorithm.Doc]:
    features = korean_text.shared().features_many([_text(row) for row in rows])
    return [
        algorithm.Doc(
            row["id"],
            _provider(row),
            algorithm.canonical_tokens(tokens),
            institution=row.get("institution_id"),
            base=algorithm.repeat_key(row.get("display_title") or row.get("title") or ""),
        )
        for row, tokens in zip(rows, features, strict=True)
    ]


def _threshold(threshold: float | None) -> float:
    value = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if not 0.0 < value <= 1.0:
        from learncity.core.errors import DomainError

        error = DomainError(
            gettext("유사도 기준은 0보다 크고 1 이하여야 합니다: %(value)s") % {"value": value}
        )
        error.code = "invalid_threshold"
        raise error
    return value


def _member(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "programme_id": row["id"],
        "title": row.get("display_title") or row.get("title") or "",
        "institution_id": row.get("institution_id"),
        "institution": row.get("institution") or "",
        "venue": row.get("venue") or "",
        "district_code": row.get("district_code") or "",
        "district_name": row.get("sigungu") or "",
    }


def lookalike_pairs(
    threshold: float | None = None, *, rows: Iterable[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Every pair of programmes of different providers at or above the threshold, most
    similar first: {a, b, similarity} with programme ids a < b."""
    value = _threshold(threshold)
    found = list(programme_rows() if rows is None else rows)
    pairs = algorithm.similar_pairs(_documents(found), value)
    return [{"a": p.a, "b": p.b, "similarity": p.similarity} for p in pairs]


def lookalike_clusters(
    threshold: float | None = None, district_code: str | None = None
) -> list[dict[str, Any]]:
    """Clusters of look-alike programmes (connected components of the pairs), largest
    first. With a district: the clusters with at least one programme there (the other
    members, in other districts, show where the offer is copied from or to). Each cluster:
    id (its smallest programme id), size, similarity (mean over its pairs), min_similarity,
    institutions, districts, programmes [{programme_id, title, institution, venue,
    district_code, district_name}]."""
    value = _threshold(threshold)
    rows = list(programme_rows())
    by_id = {row["id"]: row for row in rows}
    pairs = algorithm.similar_pairs(_documents(rows), value)
    result: list[dict[str, Any]] = []
    for cluster in algorithm.clusters(pairs):
        members = [_member(by_id[key]) for key in cluster.keys]
        districts = sorted({m["district_code"] for m in members if m["district_code"]})
        if district_code and district_code not in districts:
            continue
        result.append(
            {
                "id": cluster.keys[0],
                "size": len(members),
                "similarity": cluster.similarity,
                "min_similarity": cluster.min_similarity,
                "providers": len({_provider(by_id[key]) for key in cluster.keys}),
                "institutions": sorted({m["institution"] for m in members}),
                "districts": districts,
                "programmes": members,
            }
        )
    return result


def lookalike_repeats(district_code: str | None = None) -> list[dict[str, Any]]:
    """One institution's courses offered again (another term, cohort or centre of its own),
    reported apart from look-alikes, largest first. With a district: the groups with a
    programme there. Each: id (smallest programme id), size, title (the title without term
    and cohort words), institution, centres, districts, programmes."""
    rows = list(programme_rows())
    by_id = {row["id"]: row for row in rows}
    docs = [
        algorithm.Doc(
            row["id"],
            _provider(row),
            (),
            institution=row.get("institution_id"),
            base=algorithm.repeat_key(row.get("display_title") or row.get("title") or ""),
        )
        for row in rows
    ]
    result: list[dict[str, Any]] = []
    for keys in algorithm.repeats(docs):
        members = [_member(by_id[key]) for key in keys]
        districts = sorted({m["district_code"] for m in members if m["district_code"]})
        if district_code and district_code not in districts:
            continue
        first = members[0]
        result.append(
            {
                "id": keys[0],
                "size": len(members),
                "title": algorithm.strip_term_words(first["title"]) or first["title"],
                "institution": first["institution"],
                "centres": len({_provider(by_id[key]) for key in keys}),
                "districts": districts,
                "programmes": members,
            }
        )
    return result


def lookalike_summary(threshold: float | None = None) -> dict[str, Any]:
    """Headline figures for the report: programmes, those in a look-alike cluster, clusters,
    and the repeats of one institution's own courses, counted apart."""
    clusters = lookalike_clusters(threshold)
    repeated = lookalike_repeats()
    total = sum(1 for _ in programme_rows())
    involved = sum(c["size"] for c in clusters)
    return {
        "threshold": _threshold(threshold),
        "programmes": total,
        "clusters": len(clusters),
        "programmes_in_clusters": involved,
        "share_in_clusters": involved / total if total else None,
        "repeat_groups": len(repeated),
        "programmes_repeated": sum(r["size"] for r in repeated),
    }
