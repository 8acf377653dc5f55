"""The course classifier: rules, provider words, the naive Bayes model, and real accuracy."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms.classify import (
    AREA_OF_MIDDLE,
    AREAS,
    MIDDLE,
    CourseClassifier,
    Example,
    NaiveBayes,
    read_examples,
)

REPO = Path(__file__).resolve().parents[2]
TRAINING = REPO / "src/learncity/catalog/data"


def split_words(texts: list[str]) -> list[list[str]]:
    return [text.lower().split() for text in texts]


TOY = [
    Example("요가 필라테스", "culture_arts", "레저생활스포츠"),
    Example("수채화 드로잉", "culture_arts", "생활문화예술"),
    Example("생활 영어", "humanities", "기능적소양"),
    Example("역사 인문학", "humanities", "인문학적교양"),
    Example("바리스타 자격", "vocational", "자격인증"),
]


def test_naive_bayes_by_hand() -> None:
    model = NaiveBayes(["a", "b"], alpha=1.0).fit([["x"], ["y"], ["x", "z"]], ["a", "b", "a"])
    # vocabulary x, y, z; class a has 3 feature counts, b has 1
    assert model.scores(["x"])[0] > model.scores(["x"])[1]
    assert model.scores(["unknown"]) == [0.0, 0.0]
    assert model.explain(["x", "y"], "a") == ["x"]


def test_rules_win_and_say_so() -> None:
    model = CourseClassifier(TOY, split_words)
    prediction = model.predict("바리스타 2급 자격증 취득반")
    assert (prediction.area, prediction.middle, prediction.source) == (
        "vocational",
        "자격인증",
        "rule",
    )
    assert "자격증" in prediction.reason
    assert model.predict("중졸 검정고시 국어").middle == "중등학력보완"
    assert model.predict("TOEIC 700 완성").area == "vocational"
    assert model.predict("어르신 키오스크 사용법").area == "literacy"


def test_provider_word_sets_the_area_and_the_model_the_middle() -> None:
    model = CourseClassifier(TOY, split_words)
    prediction = model.predict("즐거운 필라테스", source_word="취미")
    assert prediction.area == "culture_arts" and prediction.source == "source_word"
    assert "취미" in prediction.reason
    assert model.predict("생활 영어", source_word="기타").source == "model"  # 기타 says nothing


def test_model_and_head_word() -> None:
    model = CourseClassifier(TOY, split_words)
    assert model.predict("역사 속 수채화").area == "culture_arts"  # the last word leads
    assert model.predict("수채화 속 역사").area == "humanities"
    nothing = model.predict("알 수 없는 제목")
    assert nothing.area == "" and nothing.confidence == 0.0


def test_display_prefixes_do_not_classify() -> None:
    model = CourseClassifier(TOY, split_words)
    assert model.predict("[역사관2] 수채화 드로잉 (A/6회)").area == "culture_arts"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=20))
def test_any_text_gets_a_valid_answer(title: str, word: str) -> None:
    prediction = CourseClassifier(TOY, split_words).predict(title, source_word=word)
    assert prediction.area in (*AREAS, "")
    assert prediction.area == "" or AREA_OF_MIDDLE[prediction.middle] == prediction.area
    assert 0.0 <= prediction.confidence <= 1.0


def test_training_files_are_valid_and_cover_every_middle_category() -> None:
    examples = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    examples += read_examples((TRAINING / "classifier_lexicon.tsv").read_text("utf-8"))
    covered = {e.middle for e in examples}
    assert covered == {m for middles in MIDDLE.values() for m in middles}
    assert len(examples) >= 1_500


def test_training_never_contains_an_evaluation_title() -> None:
    evaluation = read_examples((REPO / "bench/data/classification_eval.tsv").read_text("utf-8"))
    training = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    training += read_examples((TRAINING / "classifier_lexicon.tsv").read_text("utf-8"))
    assert not {e.title for e in evaluation} & {e.title for e in training}
    assert len(evaluation) >= 300


def test_bad_training_line_fails_loudly() -> None:
    with pytest.raises(ValueError, match="line 2"):
        read_examples("title\tarea\tmiddle\n요가\tculture_arts\t자격인증\n")


def test_accuracy_on_the_hand_labelled_real_titles() -> None:
    """The acceptance figure: at least 85% of 322 real titles in the right area."""
    from learncity.algorithms import korean_text

    training = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    training += read_examples((TRAINING / "classifier_lexicon.tsv").read_text("utf-8"))
    model = CourseClassifier(training, korean_text.shared().features_many)
    evaluation = read_examples((REPO / "bench/data/classification_eval.tsv").read_text("utf-8"))
    predicted = model.predict_many([e.title for e in evaluation])
    right = sum(p.area == e.area for p, e in zip(predicted, evaluation, strict=True))
    assert right / len(evaluation) >= 0.85
    assert model.predict_many([e.title for e in evaluation[:50]]) == predicted[:50]


def test_two_processes_answer_like_one() -> None:
    from learncity.algorithms import classify, korean_text

    training = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    model = CourseClassifier(training, korean_text.shared().features_many)
    titles = [f"수채화 드로잉 {n}" if n % 3 else f"생활 영어 {n}" for n in range(300)]
    original = classify.PARALLEL_FROM
    classify.PARALLEL_FROM = 100
    try:
        together = classify.predict_parallel(model, training, titles, workers=2)
    finally:
        classify.PARALLEL_FROM = original
    assert together == model.predict_many(titles)


def test_word_caches_overflowing_mid_batch_lose_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from learncity.algorithms import classify, korean_text

    monkeypatch.setattr(classify, "WORD_CACHE_LIMIT", 3)
    monkeypatch.setattr(korean_text, "CACHE_LIMIT", 3)
    morphemes = korean_text.Morphemes(lambda words: [[(w, "NNG")] for w in words])
    model = CourseClassifier(TOY, morphemes.features_many)
    titles = ["요가 필라테스", "수채화 드로잉", "생활 영어", "역사 인문학", "요가 역사 영어 수채화"]
    first = model.predict_many(titles)
    again = model.predict_many([*titles, "새로운 제목"])  # over the limit, with new words
    assert first == again[:5]
    assert [p.area for p in first[:4]] == [
        "culture_arts",
        "culture_arts",
        "humanities",
        "humanities",
    ]
