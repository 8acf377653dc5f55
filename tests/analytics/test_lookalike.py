"""Look-alike programmes on the real Gangnam file: the detector's precision on the
hand-checked sample (tests/analytics/data/lookalike_pairs.tsv, labelled by reading the
pairs), the clusters the console shows, the district filter and bad thresholds."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest

from learncity.algorithms.lookalike import DEFAULT_THRESHOLD, precision_recall
from learncity.analytics.lookalike import lookalike_clusters, lookalike_pairs, lookalike_summary
from learncity.catalog.models import Programme
from learncity.catalog.selectors import programme_rows
from learncity.core.errors import DomainError

SAMPLE = Path(__file__).parent / "data" / "lookalike_pairs.tsv"
GANGNAM = "courses/gangnam-2026-04.csv"


def _squash(text: str) -> str:
    return re.sub(r"[\W_]", "", text)


def read_sample() -> list[dict[str, str]]:
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line]
    body = [line for line in lines if not line.startswith("#")]
    return list(csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def gangnam(world: Any, django_db_blocker: Any, shared_data: Path) -> dict[str, Any]:
    """The world's real catalog; each CSV line mapped to its programme id by (title,
    start date, start time), which is unique in the file."""
    path = shared_data / GANGNAM
    with django_db_blocker.unblock():
        rows = list(programme_rows())
    with path.open(encoding="utf-8-sig", newline="") as handle:
        source = list(csv.DictReader(handle))
    line_of = {
        (_squash(r["강좌명"]), r["교육시작일자"], r["교육시작시각"][:5]): n
        for n, r in enumerate(source, start=2)
    }
    programme_of_line = {
        line_of[
            (_squash(r["title"]), r["start_date"].isoformat(), r["start_time"].strftime("%H:%M"))
        ]: r["id"]
        for r in rows
    }
    return {"rows": rows, "programme_of_line": programme_of_line, "source": source}


def labelled(gangnam: dict[str, Any]) -> dict[tuple[int, int], bool]:
    ids = gangnam["programme_of_line"]
    labels: dict[tuple[int, int], bool] = {}
    for row in read_sample():
        a, b = sorted((ids[int(row["line_a"])], ids[int(row["line_b"])]))
        labels[(a, b)] = row["label"] == "1"
    return labels


def test_sample_is_at_least_100_distinct_pairs_of_the_real_file(gangnam: dict[str, Any]) -> None:
    sample = read_sample()
    assert len(sample) >= 100
    source = gangnam["source"]
    seen = set()
    for row in sample:
        a, b = int(row["line_a"]), int(row["line_b"])
        assert a < b and (a, b) not in seen
        seen.add((a, b))
        # the titles written in the sample are those of the file's lines (the file unchanged)
        assert _squash(source[a - 2]["강좌명"]) == _squash(row["title_a"])
        assert _squash(source[b - 2]["강좌명"]) == _squash(row["title_b"])
        assert row["label"] in {"0", "1"} and row["reason"]
    labels = [row["label"] for row in sample]
    assert labels.count("1") >= 30 and labels.count("0") >= 30  # both kinds well represented


@pytest.mark.django_db
def test_precision_on_the_hand_checked_sample(gangnam: dict[str, Any]) -> None:
    labels = labelled(gangnam)
    reported = {(p["a"], p["b"]) for p in lookalike_pairs()}
    precision, recall, judged, positives = precision_recall(reported, labels)
    print(f"threshold {DEFAULT_THRESHOLD}: precision {precision}, recall {recall}, "
          f"{judged} reported of {len(labels)} labelled, {positives} positives")  # fmt: skip
    assert judged >= 50
    assert precision is not None and precision >= 0.9
    assert recall is not None and recall >= 0.9  # measured 0.986 (docs/lookalike.md)


@pytest.mark.django_db
def test_a_lower_threshold_loses_precision_a_higher_one_recall(gangnam: dict[str, Any]) -> None:
    """The trade-off behind the default: 0.5 lets unrelated same-word titles in (체스교실 vs
    마술교실), 0.8 misses renamed copies (통기타(기초) vs 마음이 쉬어가는 통기타 클래스(기초))."""
    labels = labelled(gangnam)
    low = precision_recall({(p["a"], p["b"]) for p in lookalike_pairs(0.5)}, labels)
    high = precision_recall({(p["a"], p["b"]) for p in lookalike_pairs(0.8)}, labels)
    chosen = precision_recall({(p["a"], p["b"]) for p in lookalike_pairs()}, labels)
    assert low[0] is not None and chosen[0] is not None and low[0] < chosen[0]
    assert high[1] is not None and chosen[1] is not None and high[1] < chosen[1]


@pytest.mark.django_db
def test_clusters_cross_centres_with_institutions_and_districts(gangnam: dict[str, Any]) -> None:
    clusters = lookalike_clusters()
    assert clusters
    by_id = {r["id"]: r for r in gangnam["rows"]}
    sizes = [c["size"] for c in clusters]
    assert sizes == sorted(sizes, reverse=True)
    members = [p["programme_id"] for c in clusters for p in c["programmes"]]
    assert len(members) == len(set(members))  # a programme is in one cluster at most
    for cluster in clusters:
        assert cluster["size"] == len(cluster["programmes"]) >= 2
        assert cluster["providers"] >= 2  # never only one centre's own repeats
        assert DEFAULT_THRESHOLD <= cluster["min_similarity"] <= cluster["similarity"] <= 1.0
        assert cluster["id"] == min(p["programme_id"] for p in cluster["programmes"])
        assert cluster["institutions"] == ["서울특별시 강남구청"]
        for member in cluster["programmes"]:
            assert member["title"] == by_id[member["programme_id"]]["display_title"]
            assert member["district_code"] == by_id[member["programme_id"]]["district_code"]
    # the disability-awareness course for lifelong-education instructors, run at 대치 and 일원
    awareness = [
        c for c in clusters if any("장애 인권 감수성" in p["title"] for p in c["programmes"])
    ]
    assert len(awareness) == 1 and awareness[0]["size"] == 8
    # 민화 초급 and 중급 are a sequence: never in one cluster
    for cluster in clusters:
        titles = " ".join(p["title"] for p in cluster["programmes"])
        assert not ("민화" in titles and "초급" in titles and "중급" in titles)


@pytest.mark.django_db
def test_district_filter(gangnam: dict[str, Any]) -> None:
    everything = lookalike_clusters()
    codes = {code for c in everything for code in c["districts"]}
    assert codes  # the Gangnam venues were located with the real regions
    code = sorted(codes)[0]
    assert lookalike_clusters(district_code=code) == [
        c for c in everything if code in c["districts"]
    ]
    assert lookalike_clusters(district_code="1111000000") == []  # 종로구: none there


@pytest.mark.django_db
def test_summary(gangnam: dict[str, Any]) -> None:
    summary = lookalike_summary()
    assert summary["programmes"] == len(gangnam["rows"]) == 322
    assert summary["clusters"] == len(lookalike_clusters())
    assert 0 < summary["share_in_clusters"] < 1


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [0, -0.2, 1.5, float("nan")])
def test_bad_threshold_is_refused(bad: float) -> None:
    with pytest.raises(DomainError) as caught:
        lookalike_clusters(bad)
    assert caught.value.code == "invalid_threshold"


@pytest.mark.django_db
def test_empty_catalog_has_no_clusters() -> None:
    Programme.objects.all().delete()
    assert lookalike_clusters() == []
    assert lookalike_summary()["share_in_clusters"] is None
