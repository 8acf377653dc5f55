"""The pure look-alike detector: TF-IDF cosine, providers, levels, clusters, precision."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.lookalike import (
    Doc,
    Pair,
    canonical_tokens,
    clusters,
    cosine,
    different_levels,
    precision_recall,
    similar_pairs,
    vectors,
)


def doc(key: int, provider: str, text: str) -> Doc:
    return Doc(key, provider, canonical_tokens(text.split()))


def test_identical_titles_of_two_centres_pair_at_one() -> None:
    docs = [doc(1, "일원", "연필 드로잉"), doc(2, "개포", "연필 드로잉"), doc(3, "수서", "통기타")]
    assert similar_pairs(docs, 0.6) == [Pair(1, 2, 1.0)]


def test_one_providers_own_repeats_are_not_reported() -> None:
    docs = [doc(1, "일원", "연필 드로잉"), doc(2, "일원", "연필 드로잉")]
    assert similar_pairs(docs, 0.6) == []
    assert similar_pairs(docs, 0.6, across_providers=False) == [Pair(1, 2, 1.0)]


def test_hand_computed_cosine() -> None:
    """Three documents: a = {x, y}, b = {x, z}, c = {w}. n = 3; df(x) = 2, others 1.
    idf(x) = 1 + ln(4/3), idf(y) = idf(z) = 1 + ln(4/2). cos(a, b) = idf(x)^2 / (idf(x)^2 +
    idf(y)^2)."""
    docs = [Doc(1, "p", ("x", "y")), Doc(2, "q", ("x", "z")), Doc(3, "r", ("w",))]
    vx, vy = 1 + math.log(4 / 3), 1 + math.log(2)
    expected = vx**2 / (vx**2 + vy**2)
    vecs = vectors(docs)
    assert cosine(vecs[0], vecs[1]) == pytest.approx(expected)
    assert cosine(vecs[0], vecs[2]) == 0.0
    assert similar_pairs(docs, 0.3) == [Pair(1, 2, round(expected, 6))]
    assert similar_pairs(docs, round(expected, 6) + 0.001) == []


def test_repeated_words_count_sublinearly() -> None:
    vecs = vectors([Doc(1, "p", ("a", "a", "a", "a", "b")), Doc(2, "q", ("a", "b"))])
    assert 0.9 < cosine(vecs[0], vecs[1]) < 1.0


def test_levels_are_canonical_and_different_levels_never_pair() -> None:
    assert canonical_tokens(["영어", "초", "중급"]) == ("영어", "초급", "중급")
    assert canonical_tokens(["영어", "초중급"]) == ("영어", "초급", "중급")
    assert canonical_tokens(["입문", "기초", "심화", "중", "고급"]) == (
        "초급", "초급", "고급", "중급", "고급",
    )  # fmt: skip
    assert different_levels(("민화", "초급"), ("민화", "중급"))
    assert not different_levels(("민화", "초급", "중급"), ("민화", "중급"))
    assert not different_levels(("민화",), ("민화", "중급"))
    docs = [doc(1, "a", "행복 그림 민화 초급"), doc(2, "b", "행복 그림 민화 중급")]
    assert similar_pairs(docs, 0.1) == []


def test_clusters_are_connected_components() -> None:
    pairs = [Pair(1, 2, 0.9), Pair(2, 3, 0.7), Pair(5, 6, 1.0)]
    found = clusters(pairs)
    assert [c.keys for c in found] == [(1, 2, 3), (5, 6)]
    assert found[0].similarity == pytest.approx(0.8)
    assert found[0].min_similarity == 0.7
    assert clusters([]) == []


def test_empty_and_token_less_documents() -> None:
    assert similar_pairs([], 0.5) == []
    assert similar_pairs([Doc(1, "a", ()), Doc(2, "b", ())], 0.5) == []


@pytest.mark.parametrize("threshold", [0.0, -1.0, 1.01, float("nan")])
def test_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        similar_pairs([doc(1, "a", "x")], threshold)


def test_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="unique"):
        similar_pairs([doc(1, "a", "x"), doc(1, "b", "x")], 0.5)


def test_common_tokens_only_still_pair() -> None:
    """Titles made only of words every programme has are still compared."""
    docs = [doc(i, f"p{i}", "스마트폰 교실") for i in range(1, 11)]
    assert len(similar_pairs(docs, 0.9)) == 45


def test_a_pair_sharing_a_common_word_and_a_rare_one() -> None:
    """The prefix of each title holds its rare words; the pair is found through the rarest
    word both share even when one title's prefix is only that word."""
    docs = [doc(i, f"p{i}", "교실 강좌") for i in range(1, 40)]
    docs += [doc(100, "x", "교실 캘리그라피 강좌"), doc(101, "y", "교실 캘리그라피")]
    found = {(p.a, p.b) for p in similar_pairs(docs, 0.6)}
    assert (100, 101) in found


def test_precision_recall() -> None:
    labels = {(1, 2): True, (3, 4): False, (5, 6): True}
    assert precision_recall({(1, 2), (3, 4), (7, 8)}, labels) == (0.5, 0.5, 2, 2)
    assert precision_recall(set(), labels) == (None, 0.0, 0, 2)
    assert precision_recall({(1, 2)}, {}) == (None, None, 0, 0)


WORDS = ["영어", "회화", "초급", "중급", "드로잉", "연필", "요가", "스마트폰", "ai", "교실", "과정",
         "강좌", "강좌", "강좌", "교실", "교실", "캘리그라피", "우쿨렐레", "노션", "민화"]  # fmt: skip
documents = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.lists(st.sampled_from(WORDS), min_size=0, max_size=6),
    ),
    min_size=0,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.floats(min_value=0.05, max_value=1.0), st.randoms(use_true_random=False))
def test_pairs_do_not_depend_on_order_and_respect_the_rules(
    items: list[tuple[str, list[str]]], threshold: float, rnd: random.Random
) -> None:
    docs = [Doc(i + 1, p, canonical_tokens(t)) for i, (p, t) in enumerate(items)]
    pairs = similar_pairs(docs, threshold)
    shuffled = docs[:]
    rnd.shuffle(shuffled)
    assert similar_pairs(shuffled, threshold) == pairs
    by_key = {d.key: d for d in docs}
    vecs = dict(zip([d.key for d in docs], vectors(docs), strict=True))
    for pair in pairs:
        assert pair.a < pair.b
        assert by_key[pair.a].provider != by_key[pair.b].provider
        assert not different_levels(by_key[pair.a].tokens, by_key[pair.b].tokens)
        assert threshold - 1e-6 <= pair.similarity <= 1.0
    # exhaustive check: every qualifying pair is found (prefix filtering misses none)
    expected = set()
    for i, x in enumerate(docs):
        for y in docs[i + 1 :]:
            if x.provider == y.provider or different_levels(x.tokens, y.tokens):
                continue
            if cosine(vecs[x.key], vecs[y.key]) >= threshold - 1e-12:
                expected.add((x.key, y.key))
    assert {(p.a, p.b) for p in pairs} == expected
    found = clusters(pairs)
    keys = [k for c in found for k in c.keys]
    assert len(keys) == len(set(keys))
    assert set(keys) == {k for p in pairs for k in (p.a, p.b)}


@settings(max_examples=100, deadline=None)
@given(documents)
def test_vectors_have_unit_norm_and_cosine_is_bounded(items: list[tuple[str, list[str]]]) -> None:
    docs = [Doc(i, p, tuple(t)) for i, (p, t) in enumerate(items)]
    vecs = vectors(docs)
    for d, v in zip(docs, vecs, strict=True):
        if d.tokens:
            assert sum(w * w for w in v.values()) == pytest.approx(1.0)
        else:
            assert v == {}
    for u in vecs:
        for v in vecs:
            assert -1e-9 <= cosine(u, v) <= 1.0 + 1e-9
