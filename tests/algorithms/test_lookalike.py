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
    is_repeat,
    precision_recall,
    repeat_key,
    repeats,
    similar_pairs,
    strip_term_words,
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


# ------------------------------------------------------------ repeats (issue 18)


def course(key: int, institution: str, centre: str, title: str) -> Doc:
    return Doc(
        key,
        (institution, centre),
        canonical_tokens(strip_term_words(title).replace("(", " ").replace(")", " ").split()),
        institution=institution,
        base=repeat_key(title),
    )


@pytest.mark.parametrize(
    ("title", "base"),
    [
        # real titles of the Gangnam file (after the catalog's display_title)
        (
            "평생교육 강사를 위한 장애 인권 감수성 향상 과정8",
            "평생교육 강사를 위한 장애 인권 감수성 향상 과정",
        ),
        (
            "평생교육 강사를 위한 장애 인권 감수성 향상 과정4 [5. 13(수) 오후 7시/대치]",
            "평생교육 강사를 위한 장애 인권 감수성 향상 과정",
        ),
        ("한번에 끝내는 자산관리 (입문) C", "한번에 끝내는 자산관리 (입문)"),
        ("한국외대와 함께하는 일본어 초급Ⅳ", "한국외대와 함께하는 일본어 초급"),
        ("목요 피아노 (C)", "목요 피아노"),
        # the term and cohort words of other listings
        ("영어회화 2기 (오전)", "영어회화"),
        ("2026 봄학기 수채화", "수채화"),
        ("상반기 노래교실(화)", "노래교실"),
        ("파워포인트 II", "파워포인트"),
        ("요가 제3기 (저녁)", "요가"),
        ("하반기 민화(월·수)", "민화"),
        # what is not a term word stays
        ("스페인어 초급", "스페인어 초급"),
        ("민화 중급", "민화 중급"),
        ("토익 700", "토익 700"),
        ("AI 활용", "AI 활용"),
        ("3D 프린팅", "3D 프린팅"),
    ],
)
def test_term_and_cohort_words_are_stripped(title: str, base: str) -> None:
    assert strip_term_words(title) == base


def test_one_institutions_repeats_are_repeats_not_lookalikes() -> None:
    docs = [
        course(1, "강남구청", "일원", "연필 드로잉"),
        course(2, "강남구청", "개포", "연필 드로잉"),  # another of its centres
        course(3, "강남구청", "일원", "연필 드로잉 2기"),  # the next term
        course(4, "서초구청", "서초", "연필 드로잉"),  # another institution: a look-alike
        course(5, "강남구청", "수서", "연필 드로잉 중급"),  # another level: neither
        course(6, "강남구청", "수서", "기초 연필 드로잉 클래스"),  # another course, same content
    ]
    assert repeats(docs) == [(1, 2, 3)]
    found = {(p.a, p.b) for p in similar_pairs(docs, 0.6)}
    assert {(1, 4), (2, 4), (3, 4)} <= found
    assert not {(1, 2), (1, 3), (2, 3)} & found
    assert (5, 6) not in found  # 초급 (기초) and 중급: a sequence
    # one institution, another course with the same content, at another centre: a look-alike
    assert (1, 6) in {(p.a, p.b) for p in similar_pairs(docs, 0.4)}


def test_without_an_institution_nothing_is_a_repeat() -> None:
    a = Doc(1, "일원", ("연필", "드로잉"), base="연필드로잉")
    b = Doc(2, "개포", ("연필", "드로잉"), base="연필드로잉")
    assert not is_repeat(a, b)
    assert repeats([a, b]) == []
    assert similar_pairs([a, b], 0.6) == [Pair(1, 2, 1.0)]
    empty = Doc(3, "수서", (), institution="x", base="")
    assert not is_repeat(empty, Doc(4, "일원", (), institution="x", base=""))


TERM_WORDS = st.sampled_from(
    ["1기", "2기", "제3기", "봄학기", "가을학기", "상반기", "하반기", "(오전)", "(오후)", "(저녁)",
     "Ⅱ", "III", "2026", "2026년", "(A)", "(B/6회)", "[5. 13(수)/대치]", "(화)"]
)  # fmt: skip
BASE_WORDS = st.sampled_from(
    ["연필", "드로잉", "수채화", "영어", "회화", "요가", "민화", "초급", "중급", "스마트폰", "활용", "AI"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(BASE_WORDS, min_size=1, max_size=4), st.lists(TERM_WORDS, min_size=1, max_size=3))
def test_a_title_with_term_words_stripped_equals_the_base(
    base_words: list[str], terms: list[str]
) -> None:
    base = " ".join(base_words)
    for title in (f"{base} {' '.join(terms)}", f"{' '.join(terms)} {base}"):
        assert strip_term_words(title) == strip_term_words(base)
        assert repeat_key(title) == repeat_key(base)
    assert strip_term_words(strip_term_words(base)) == strip_term_words(base)  # idempotent


@st.composite
def institutions_catalogue(draw: st.DrawFn) -> list[Doc]:
    size = draw(st.integers(min_value=0, max_value=14))
    docs = []
    for key in range(size):
        words = draw(st.lists(BASE_WORDS, min_size=1, max_size=3))
        terms = draw(st.lists(TERM_WORDS, max_size=1))
        docs.append(
            course(
                key,
                draw(st.sampled_from(["강남구청", "서초구청"])),
                draw(st.sampled_from(["일원", "개포", "수서"])),
                " ".join(words + terms),
            )
        )
    return docs


@settings(max_examples=150, deadline=None)
@given(institutions_catalogue(), st.floats(min_value=0.3, max_value=1.0), st.randoms())
def test_a_repeat_is_never_a_lookalike_and_both_are_symmetric(
    docs: list[Doc], threshold: float, rng: random.Random
) -> None:
    by_key = {d.key: d for d in docs}
    pairs = similar_pairs(docs, threshold)
    for pair in pairs:
        assert not is_repeat(by_key[pair.a], by_key[pair.b])
    for a in docs:
        for b in docs:
            assert is_repeat(a, b) == is_repeat(b, a)
    groups = repeats(docs)
    grouped = [key for group in groups for key in group]
    assert len(grouped) == len(set(grouped))  # a programme repeats one course at most
    for group in groups:
        assert all(is_repeat(by_key[group[0]], by_key[k]) for k in group[1:])
    shuffled = docs[:]
    rng.shuffle(shuffled)
    assert similar_pairs(shuffled, threshold) == pairs
    assert repeats(shuffled) == groups
