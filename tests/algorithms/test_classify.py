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
    accuracy,
    confusion,
    confusion_text,
    held_out,
    read_examples,
    read_labelled_csv,
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
    # the last word leads (요가, not 수채화: art-form words are a rule since issue 18)
    assert model.predict("역사 속 요가").area == "culture_arts"
    assert model.predict("요가 속 역사").area == "humanities"
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
    truth, answers = [e.area for e in evaluation], [p.area for p in predicted]
    score = accuracy(truth, answers)
    assert score >= 0.85, f"Gangnam {score:.3f}\n{confusion_text(confusion(truth, answers))}"
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


# ------------------------------------------------------------ issue 18: beyond Gangnam

SECOND = REPO / "bench/data/classification_second.csv"


@pytest.fixture(scope="module")
def real_model() -> CourseClassifier:
    from learncity.algorithms import korean_text

    training = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    training += read_examples((TRAINING / "classifier_lexicon.tsv").read_text("utf-8"))
    return CourseClassifier(training, korean_text.shared().features_many)


def test_second_set_is_valid_and_apart_from_training_and_gangnam() -> None:
    rows = read_labelled_csv(SECOND.read_text("utf-8"))
    assert len(rows) >= 200
    assert len({r.title for r in rows}) == len(rows)
    training = read_examples((TRAINING / "classifier_training.tsv").read_text("utf-8"))
    training += read_examples((TRAINING / "classifier_lexicon.tsv").read_text("utf-8"))
    gangnam = read_examples((REPO / "bench/data/classification_eval.tsv").read_text("utf-8"))
    assert not {r.title for r in rows} & ({e.title for e in training} | {e.title for e in gangnam})
    kinds = {r.provider_kind for r in rows}
    assert {"library", "welfare", "university", "district"} <= kinds
    assert all(r.source for r in rows)
    assert 0.4 < sum(held_out(r.title) for r in rows) / len(rows) < 0.6


def test_accuracy_on_the_second_set(real_model: CourseClassifier) -> None:
    """Acceptance (issue 18): at least 85% of the second set, scored with what a listing
    gives; the matrix is in the message when it fails."""
    rows = read_labelled_csv(SECOND.read_text("utf-8"))
    predicted = real_model.predict_many(
        [r.title for r in rows],
        [r.content for r in rows],
        [""] * len(rows),
        [r.provider for r in rows],
    )
    truth, answers = [r.area for r in rows], [p.area for p in predicted]
    score = accuracy(truth, answers)
    table = confusion_text(confusion(truth, answers))
    assert score >= 0.85, f"second set {score:.3f}\n{table}"
    # no area may be answered mostly wrongly (a systematic error hides in a good average)
    for area in set(truth):
        mine = [a for t, a in zip(truth, answers, strict=True) if t == area]
        assert sum(a == area for a in mine) / len(mine) >= 0.7, f"{area}\n{table}"


@pytest.mark.parametrize(
    ("title", "area"),
    [
        ("[여름방학] 초등 과학 실험 교실 (5~6학년)", "humanities"),
        ("어린이 글짓기 교실", "humanities"),
        ("영유아 책놀이 (24~36개월)", "humanities"),
        ("가족 도서관 데이 - 책 속 보물찾기", "humanities"),
        ("초등 그림책 읽기 모임", "humanities"),
        ("한글서예 (궁체)", "culture_arts"),
        ("한글 서예 교실", "culture_arts"),
        ("수채화캘리그라피", "culture_arts"),
        ("사군자", "culture_arts"),
        ("수묵담채화 초급", "culture_arts"),
        ("캘리그라피 지도사 자격증", "vocational"),
        ("학점은행제 사회복지학 - 인간행동과 사회환경", "academic"),
        ("고졸 검정고시 영어", "academic"),
        ("어르신 한글교실", "literacy"),
    ],
)
def test_the_systematic_errors_of_issue_18(
    real_model: CourseClassifier, title: str, area: str
) -> None:
    assert real_model.predict(title).area == area


def test_children_and_family_courses_are_never_academic(real_model: CourseClassifier) -> None:
    rows = read_labelled_csv(SECOND.read_text("utf-8"))
    young = [r for r in rows if any(w in r.title for w in ("어린이", "유아", "초등", "가족"))]
    assert len(young) >= 30
    answers = real_model.predict_many([r.title for r in young])
    wrong = [r.title for r, p in zip(young, answers, strict=True) if p.area == "academic"]
    assert wrong == []


def test_unclassified_only_when_nothing_points_anywhere() -> None:
    model = CourseClassifier(TOY, split_words)
    assert model.predict("알 수 없는 제목").area == ""
    from_content = model.predict("알 수 없는 제목", description="수채화 드로잉")
    assert from_content.area == "culture_arts"
    from_provider = model.predict("알 수 없는 제목", provider="○○구립 어린이도서관")
    assert (from_provider.area, from_provider.source) == ("humanities", "provider")
    assert "도서관" in from_provider.reason
    # the provider never overrides what the title says
    assert model.predict("요가 필라테스", provider="○○구립도서관").area == "culture_arts"
    assert model.predict("알 수 없는 제목", provider="○○주식회사").area == ""


ACADEMIC_TOY = [*TOY, Example("초등 수학 과학 보충", "academic", "초등학력보완")]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["초등", "수학", "과학", "보충", "요가", "영어", "놀이"]), max_size=5)
)
def test_academic_needs_school_equivalence_words(words: list[str]) -> None:
    """Hypothesis: without a word of school-equivalence study the answer is never 학력보완,
    whatever the school subjects; with one (here 검정고시, a rule) it always is."""
    model = CourseClassifier(ACADEMIC_TOY, split_words)
    title = " ".join(words)
    assert model.predict(title).area != "academic"
    assert model.predict(f"{title} 검정고시").area == "academic"


def test_art_rule_does_not_fire_inside_other_words() -> None:
    model = CourseClassifier(TOY, split_words)
    for title in (
        "도서예약 안내",
        "시민화합 토론회",
        "주민화합 한마당",
        "한국화학연구원 과학 특강",
    ):
        assert model.predict(title).source != "rule", title
    assert model.predict("전통 민화 그리기").source == "rule"
    assert model.predict("한국화 기초").source == "rule"
    assert model.predict("서예 교실").source == "rule"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "title,area\n요가,culture_arts\n",
        "title,content,provider,provider_kind,area,middle,source\n요가,,,,culture_arts,자격인증,x\n",
        "title,content,provider,provider_kind,area,middle,source\n,,,,humanities,건강심성,x\n",
        "title,content,provider,provider_kind,area,middle,source\n요가,,,,sport,,x\n",
    ],
)
def test_bad_labelled_csv_fails_loudly(text: str) -> None:
    with pytest.raises(ValueError):
        read_labelled_csv(text)


def test_confusion_counts_every_title() -> None:
    table = confusion(["humanities", "humanities", "academic"], ["humanities", "", "humanities"])
    assert table == {"학력보완": {"인문교양": 1}, "인문교양": {"인문교양": 1, "미분류": 1}}
    assert "미분류" in confusion_text(table)
    assert accuracy(["a", "b"], ["a", "c"]) == 0.5
    with pytest.raises(ValueError):
        accuracy(["a"], [])
