"""Classify a course into the 6 + 1 areas of 평생교육 and their middle categories.

Transparent on purpose: an officer must see why a course landed where it did.

1. **Rules** (`RULES`): a few unambiguous words decide alone (자격증 → 직업능력/자격인증,
   검정고시 → 학력보완, 한글교실 → 기초문해 ...), the placement rules of DOMAIN.md.
2. **The provider's own word** (the Gangnam file's 강좌내용: 미술/서예, 디지털, 영어 ...)
   decides the area when it maps to one (`SOURCE_WORDS`); the model picks the middle category.
3. **A multinomial naive Bayes model** over Korean morphemes (algorithms/korean_text), trained
   on examples the team wrote (catalog/data/classifier_training.tsv). Its reason is the
   morphemes that weighed most for the chosen area.

No Django here: examples in, predictions out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import add

from learncity.algorithms.course_fields import display_title

AREAS = ("literacy", "academic", "vocational", "culture_arts", "humanities", "civic", "career")
AREA_KOREAN = {
    "literacy": "기초문해",
    "academic": "학력보완",
    "vocational": "직업능력",
    "culture_arts": "문화예술",
    "humanities": "인문교양",
    "civic": "시민참여",
    "career": "성인진로개발",
}
MIDDLE = {
    "literacy": ("문자해득", "기초생활기술", "문해학습계좌"),
    "academic": ("초등학력보완", "중등학력보완", "고등학력보완"),
    "vocational": ("직업준비", "자격인증", "현직직무역량"),
    "culture_arts": ("레저생활스포츠", "생활문화예술", "문화예술향상"),
    "humanities": ("건강심성", "기능적소양", "인문학적교양"),
    "civic": ("시민책무성", "시민리더역량", "시민참여활동"),
    "career": ("성인진로개발",),
}
AREA_OF_MIDDLE = {middle: area for area, middles in MIDDLE.items() for middle in middles}

# (words any of which decides, area, middle). Checked in order on the compact title.
RULES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("검정고시",), "academic", ""),
    (("학점은행", "독학사", "시간제등록", "학위취득"), "academic", "고등학력보완"),
    (
        (
            "자격증",
            "자격과정",
            "자격취득",
            "자격준비",
            "기능사",
            "지도사",
            "토익",
            "toeic",
            "토플",
            "toefl",
            "opic",
            "컴활",
            "요양보호사",
            "자격시험",
        ),
        "vocational",
        "자격인증",
    ),
    (("창업", "재취업", "취업준비", "구직"), "vocational", "직업준비"),
    (("재직자", "직무역량"), "vocational", "현직직무역량"),
    # art-form vocabulary: a brush or a craft decides before 한글 does (한글서예 is calligraphy),
    # after the licence words (캘리그라피 자격증 is vocational). Compounds the analyser does not
    # split (수채화캘리그라피) are caught here too.
    (
        (
            "서예",
            "캘리그라피",
            "캘리그래피",
            "사군자",
            "수묵",
            "수채화",
            "민화",
            "문인화",
            "한국화",
            "동양화",
            "서양화",
            "유화",
            "아크릴화",
            "소묘",
            "크로키",
            "드로잉",
            "전각",
            "도예",
            "도자기",
            "공예",
        ),
        "culture_arts",
        "생활문화예술",
    ),
    (("한글교실", "성인문해", "문해교실", "한글배우기", "한글공부"), "literacy", "문자해득"),
    (("키오스크",), "literacy", "기초생활기술"),
    (
        ("인생2막", "인생이모작", "경력설계", "생애설계", "은퇴설계", "진로설계"),
        "career",
        "성인진로개발",
    ),
    (("인권", "성평등", "양성평등", "기후위기", "탄소중립"), "civic", "시민책무성"),
    (("마을활동가", "퍼실리테이터"), "civic", "시민리더역량"),
    (("자원봉사", "학습동아리"), "civic", "시민참여활동"),
)
_RULE_OF = {word: index for index, (words, _, _) in enumerate(RULES) for word in words}
# a rule word inside a longer, unrelated word: 도서예약 is not 서예, 시민화합 not 민화,
# 한국화학 not 한국화. Characters that may not stand before / after the word.
_NOT_AFTER = {"서예": "도", "민화": "국시주"}
_NOT_BEFORE = {"한국화": "학", "동양화": "학", "서양화": "학"}


def _pattern(word: str) -> str:
    if word.isascii():  # a Latin word must stand alone: `opic` is not inside `topic`
        return rf"(?<![a-z]){re.escape(word)}(?![a-z])"
    before = f"(?<![{_NOT_AFTER[word]}])" if word in _NOT_AFTER else ""
    after = f"(?![{_NOT_BEFORE[word]}])" if word in _NOT_BEFORE else ""
    return before + re.escape(word) + after


_RULE_WORDS = re.compile("|".join(_pattern(w) for w in sorted(_RULE_OF, key=len, reverse=True)))
# DOMAIN.md keeps 학력보완 for school-equivalence study: the model may answer it only when the
# text names such study. A children's course (초등 과학 실험, 어린이 글짓기) is not one.
ACADEMIC_MARKERS = re.compile(
    "검정고시|학점|학력|졸업|독학사|학위|교과|내신|수능|고입|대입|초졸|중졸|고졸|편입|시간제등록"
)
ACADEMIC_LEVEL = (("초졸", "초등학력보완"), ("중졸", "중등학력보완"), ("고졸", "고등학력보완"))

# The provider's own category words -> (area, middle or "").
SOURCE_WORDS: dict[str, tuple[str, str]] = {
    "미술/서예": ("culture_arts", "생활문화예술"),
    "미술": ("culture_arts", "생활문화예술"),
    "서예": ("culture_arts", "생활문화예술"),
    "악기": ("culture_arts", "생활문화예술"),
    "음악": ("culture_arts", "생활문화예술"),
    "요리": ("culture_arts", "생활문화예술"),
    "취미": ("culture_arts", "생활문화예술"),
    "도자기/공예": ("culture_arts", "생활문화예술"),
    "공예": ("culture_arts", "생활문화예술"),
    "사진": ("culture_arts", "생활문화예술"),
    "문화예술": ("culture_arts", ""),
    "운동": ("culture_arts", "레저생활스포츠"),
    "스포츠": ("culture_arts", "레저생활스포츠"),
    "체육": ("culture_arts", "레저생활스포츠"),
    "댄스": ("culture_arts", "레저생활스포츠"),
    "영어": ("humanities", "기능적소양"),
    "일본어": ("humanities", "기능적소양"),
    "중국어": ("humanities", "기능적소양"),
    "기타외국어": ("humanities", "기능적소양"),
    "외국어": ("humanities", "기능적소양"),
    "디지털": ("humanities", "기능적소양"),
    "컴퓨터": ("humanities", "기능적소양"),
    "인문/독서": ("humanities", "인문학적교양"),
    "인문교양": ("humanities", ""),
    "인문": ("humanities", "인문학적교양"),
    "건강": ("humanities", "건강심성"),
    "시민참여": ("civic", ""),
    "직업능력": ("vocational", ""),
    "기초문해": ("literacy", ""),
    "학력보완": ("academic", ""),
    "성인진로개발": ("career", "성인진로개발"),
}


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    area: str
    middle: str


@dataclass(frozen=True, slots=True)
class Prediction:
    area: str
    middle: str
    confidence: float
    source: str  # rule / source_word / model / provider / "" (nothing to go on)
    reason: str


Featurise = Callable[[Sequence[str]], list[list[str]]]
HEAD_WEIGHT = 2.0
WORD_CACHE_LIMIT = 500_000

# Words every kind of course uses (levels, formats, times of day): they carry no area.
STOPWORDS = frozenset(
    [
        "교실",
        "기초",
        "초급",
        "중급",
        "고급",
        "입문",
        "심화",
        "과정",
        "클래스",
        "특강",
        "강좌",
        "강의",
        "프로그램",
        "함께",
        "배우다",
        "하다",
        "저녁",
        "오전",
        "오후",
        "야간",
        "주말",
        "평일",
        "회",
        "급",
        "초",
        "중",
        "기",
        "반",
        "편",
        "차",
        "강",
        "부",
        "단계",
        "기본",
        "완성",
        "실전",
        "첫걸음",
        "누구",
        "나",
        "우리",
        "모두",
        "이야기",
        "시간",
        "즐겁다",
        "쉽다",
        "재미있다",
        "알다",
        "만나다",
        "되다",
        "있다",
        "위하다",
        "class",
        "part",
        "시즌",
        "상반기",
        "하반기",
        "신규",
        "온라인",
        "오프라인",
        # who a course is for says nothing of its area: 초등 과학 is science, 어린이 합창 singing
        "초등",
        "초등학생",
        "학년",
        "저학년",
        "고학년",
        "어린이",
        "유아",
        "영유아",
        "아동",
        "키즈",
        "청소년",
        "아카데미",
        "교육",
    ]
)

# The provider's own name, when nothing else says anything: a library's course is about
# reading, a health centre's about health. (substring of the name, area, middle), first wins.
PROVIDER_WORDS: tuple[tuple[str, str, str], ...] = (
    ("여성인력개발", "vocational", "직업준비"),
    ("일자리", "vocational", "직업준비"),
    ("자원봉사", "civic", "시민참여활동"),
    ("50플러스", "career", "성인진로개발"),
    ("보건소", "humanities", "건강심성"),
    ("가족센터", "humanities", "건강심성"),
    ("건강가정", "humanities", "건강심성"),
    ("육아종합", "humanities", "건강심성"),
    ("도서관", "humanities", "인문학적교양"),
    ("박물관", "humanities", "인문학적교양"),
    ("미술관", "culture_arts", "문화예술향상"),
    ("문화원", "culture_arts", "생활문화예술"),
    ("체육", "culture_arts", "레저생활스포츠"),
)


def useful(features: list[str]) -> list[str]:
    return [f for f in features if f not in STOPWORDS and not (len(f) == 1 and f.isascii())]


class NaiveBayes:
    """Multinomial naive Bayes with add-alpha smoothing and uniform class priors.

    The training examples are not a sample of real catalogues (the team wrote them to cover
    every middle category), so their class frequencies must not become priors.
    """

    def __init__(self, classes: Sequence[str], alpha: float = 0.5) -> None:
        self.classes = tuple(classes)
        self.alpha = alpha
        self.weights: dict[str, tuple[float, ...]] = {}
        self.unknown: tuple[float, ...] = ()

    def fit(self, documents: Sequence[list[str]], labels: Sequence[str]) -> NaiveBayes:
        counts: dict[str, Counter[str]] = {c: Counter() for c in self.classes}
        for features, label in zip(documents, labels, strict=True):
            counts[label].update(set(features))
        vocabulary = sorted({f for c in counts.values() for f in c})
        size = len(vocabulary)
        totals = {c: sum(counts[c].values()) for c in self.classes}
        logs: dict[str, list[float]] = defaultdict(list)
        for feature in vocabulary:
            for c in self.classes:
                probability = (counts[c][feature] + self.alpha) / (totals[c] + self.alpha * size)
                logs[feature].append(math.log(probability))
        self.weights = {f: tuple(v) for f, v in logs.items()}
        self.unknown = tuple(
            math.log(self.alpha / (totals[c] + self.alpha * size)) for c in self.classes
        )
        # what a known feature adds over an unseen one: the only part a document's score needs
        self.delta = {
            f: tuple(w - u for w, u in zip(v, self.unknown, strict=True))
            for f, v in self.weights.items()
        }
        return self

    def scores(self, features: list[str]) -> list[float]:
        total = [0.0] * len(self.classes)
        delta = self.delta
        for feature in set(features):
            values = delta.get(feature)
            if values is not None:
                total = list(map(add, total, values))
        return total

    def explain(self, features: list[str], label: str, top: int = 3) -> list[str]:
        """The known features that favour `label` most over the average class."""
        i = self.classes.index(label)
        weighed = []
        for feature in set(features):
            weights = self.weights.get(feature)
            if weights is not None:
                weighed.append((weights[i] - sum(weights) / len(weights), feature))
        weighed.sort(reverse=True)
        return [feature for lift, feature in weighed[:top] if lift > 0]


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


class CourseClassifier:
    def __init__(self, examples: Sequence[Example], featurise: Featurise) -> None:
        self.featurise = featurise
        documents = [useful(d) for d in featurise([_title(e.title) for e in examples])]
        self.areas = NaiveBayes(AREAS).fit(documents, [e.area for e in examples])
        middles = sorted(AREA_OF_MIDDLE)
        self.middles = NaiveBayes(middles).fit(documents, [e.middle for e in examples])
        self.examples = len(examples)
        self._words: dict[str, list[str]] = {}  # a title's word -> its useful morphemes

    def predict(
        self, title: str, description: str = "", source_word: str = "", provider: str = ""
    ) -> Prediction:
        return self.predict_many([title], [description], [source_word], [provider])[0]

    def predict_many(
        self,
        titles: Sequence[str],
        descriptions: Sequence[str] | None = None,
        source_words: Sequence[str] | None = None,
        providers: Sequence[str] | None = None,
    ) -> list[Prediction]:
        """`providers` (the institutions' names) speak only when title and content say
        nothing the model knows."""
        descriptions = descriptions or [""] * len(titles)
        source_words = source_words or [""] * len(titles)
        providers = providers or [""] * len(titles)
        cleaned = [_title(title) for title in titles]
        words = [text.split() for text in cleaned]
        extra = [
            description[:300] if description and description != word else ""
            for description, word in zip(descriptions, source_words, strict=True)
        ]
        known = self._words
        if len(known) > WORD_CACHE_LIMIT:
            known.clear()  # before looking for what is missing, so nothing goes missing later
        missing = list({w for ws in words for w in ws if w not in known})
        if missing:
            for word, features in zip(missing, self.featurise(missing), strict=True):
                known[word] = useful(features)
        per_word = [[known[w] for w in ws] for ws in words]
        texts = [text for text in extra if text]
        analysed = iter(self.featurise(texts)) if texts else iter(())
        per_extra = [useful(next(analysed)) if text else [] for text in extra]
        return [
            self._one(title, parts, more, word, provider=provider, description=description)
            for title, parts, more, word, provider, description in zip(
                titles, per_word, per_extra, source_words, providers, extra, strict=True
            )
        ]

    def _one(
        self,
        title: str,
        parts: list[list[str]],
        extra: list[str],
        source_word: str,
        *,
        provider: str = "",
        description: str = "",
    ) -> Prediction:
        features = [f for part in parts for f in part] + extra
        compact = title.replace(" ", "").lower()
        hits = _RULE_WORDS.findall(compact)
        if hits:
            hit = min(hits, key=_RULE_OF.__getitem__)  # the earlier rule wins
            _, area, middle = RULES[_RULE_OF[hit]]
            if area == "academic" and not middle:
                middle = next((m for w, m in ACADEMIC_LEVEL if w in compact), "고등학력보완")
            label = f"{AREA_KOREAN[area]}/{middle}"
            return Prediction(area, middle, 0.95, "rule", f"규칙: '{hit}' → {label}")
        mapped = SOURCE_WORDS.get(source_word.strip().replace(" ", ""))
        if mapped is not None:
            area, middle = mapped
            if not middle:
                head = next((part for part in reversed(parts) if part), [])
                middle = self._middle(features, area, head)
            return Prediction(
                area,
                middle,
                0.9,
                "source_word",
                f"제공기관 분류어 '{source_word.strip()}' → {AREA_KOREAN[area]}",
            )
        if not any(f in self.areas.delta for f in features):
            name = provider.replace(" ", "")
            for word, area, middle in PROVIDER_WORDS:
                if word in name:
                    label = f"{AREA_KOREAN[area]}/{middle}"
                    return Prediction(
                        area, middle, 0.5, "provider", f"제공기관 '{provider.strip()}' → {label}"
                    )
            return Prediction("", "", 0.0, "", "분류할 단서가 없음 (no known word)")
        # Korean titles are head-final: the last word that says something names the subject
        # (마음을 담은 색연필화 is a drawing course), so it counts HEAD_WEIGHT times.
        head = next((part for part in reversed(parts) if part), [])
        scores = self.areas.scores(features)
        for i, value in enumerate(self.areas.scores(head)):
            scores[i] += (HEAD_WEIGHT - 1) * value
        probabilities = _softmax(scores)
        allowed: Sequence[int] = range(len(AREAS))
        if not ACADEMIC_MARKERS.search(compact + description.replace(" ", "")):
            allowed = [i for i in allowed if AREAS[i] != "academic"]
        best = max(allowed, key=probabilities.__getitem__)
        area = AREAS[best]
        middle = self._middle(features, area, head)
        words = self.areas.explain(features, area)
        reason = "모델: " + (", ".join(words) if words else "약한 단서")
        return Prediction(area, middle, round(probabilities[best], 3), "model", reason[:300])

    def _middle(self, features: list[str], area: str, head: list[str] | None = None) -> str:
        options = MIDDLE[area]
        if len(options) == 1:
            return options[0]
        scores = self.middles.scores(features)
        for i, value in enumerate(self.middles.scores(head or [])):
            scores[i] += (HEAD_WEIGHT - 1) * value
        index = {c: i for i, c in enumerate(self.middles.classes)}
        return max(options, key=lambda m: scores[index[m]])


def _title(title: str) -> str:
    """Without provider prefixes (`[일원2]`) and session counts (`(B/6회)`), which name
    places and cohorts, not subjects."""
    return display_title(title)


def read_examples(text: str) -> list[Example]:
    """`title<TAB>area<TAB>middle` lines after a header; checked, so a typo fails loudly."""
    examples: list[Example] = []
    for number, line in enumerate(text.splitlines()[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 3 or parts[1] not in MIDDLE or AREA_OF_MIDDLE.get(parts[2]) != parts[1]:
            raise ValueError(f"line {number}: expected title, area, middle: {line[:60]!r}")
        examples.append(Example(parts[0], parts[1], parts[2]))
    return examples


@dataclass(frozen=True, slots=True)
class Labelled:
    """A title labelled by hand, with what a listing says beside it."""

    title: str
    area: str
    middle: str
    content: str = ""
    provider: str = ""
    provider_kind: str = ""
    source: str = ""


LABELLED_COLUMNS = ("title", "content", "provider", "provider_kind", "area", "middle", "source")


def read_labelled_csv(text: str) -> list[Labelled]:
    """The second test set's CSV (LABELLED_COLUMNS); checked, so a typo fails loudly."""
    import csv
    import io

    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != LABELLED_COLUMNS:
        raise ValueError(f"expected columns {', '.join(LABELLED_COLUMNS)}")
    rows: list[Labelled] = []
    for number, row in enumerate(reader, start=2):
        area, middle = row["area"], row["middle"]
        if not row["title"].strip() or area not in MIDDLE or AREA_OF_MIDDLE.get(middle) != area:
            raise ValueError(f"line {number}: expected title and a valid area/middle: {row}")
        rows.append(
            Labelled(
                title=row["title"],
                area=area,
                middle=middle,
                content=row["content"],
                provider=row["provider"],
                provider_kind=row["provider_kind"],
                source=row["source"],
            )
        )
    return rows


def held_out(title: str) -> bool:
    """Half of a labelled set, fixed by the title's hash: the half not looked at while the
    rules and the lexicon were tuned."""
    import hashlib

    return hashlib.blake2b(title.encode(), digest_size=1).digest()[0] % 2 == 1


def accuracy(truth: Sequence[str], answers: Sequence[str]) -> float:
    if len(truth) != len(answers):
        raise ValueError("truth and answers differ in length")
    return sum(t == a for t, a in zip(truth, answers, strict=True)) / len(truth) if truth else 0.0


def confusion(truth: Sequence[str], answers: Sequence[str]) -> dict[str, dict[str, int]]:
    """{true area: {answered area: count}} in Korean area names, 미분류 for no answer."""
    table: dict[str, dict[str, int]] = {}
    for t, a in zip(truth, answers, strict=True):
        row = table.setdefault(AREA_KOREAN.get(t, t), {})
        name = AREA_KOREAN.get(a, "미분류") if a else "미분류"
        row[name] = row.get(name, 0) + 1
    order = [*AREA_KOREAN.values(), "미분류"]
    return {
        k: dict(sorted(v.items(), key=lambda item: order.index(item[0])))
        for k, v in sorted(table.items(), key=lambda item: order.index(item[0]))
    }


def confusion_text(table: dict[str, dict[str, int]]) -> str:
    """The confusion matrix as aligned text: rows the truth, columns the answers."""
    order = [*AREA_KOREAN.values(), "미분류"]
    columns = [c for c in order if any(c in row for row in table.values())]
    lines = ["truth \\ answer".ljust(10) + "".join(c[:6].rjust(8) for c in columns)]
    for name, row in table.items():
        lines.append(name.ljust(10) + "".join(str(row.get(c, 0)).rjust(8) for c in columns))
    return "\n".join(lines)


# ----------------------------------------------------------------- both cores

PARALLEL_FROM = 40_000  # below this, starting processes costs more than it saves
_CHILD: CourseClassifier | None = None


def _child_start(examples: list[Example]) -> None:
    """A worker process trains its own model (a second or two) from the same examples."""
    global _CHILD  # noqa: PLW0603 - one model per worker process
    from learncity.algorithms import korean_text

    _CHILD = CourseClassifier(examples, korean_text.shared().features_many)


def _child_predict(
    batch: tuple[list[str], list[str], list[str], list[str]],
) -> list[Prediction]:
    assert _CHILD is not None
    return _CHILD.predict_many(*batch)


def predict_parallel(
    model: CourseClassifier,
    examples: Sequence[Example],
    titles: Sequence[str],
    descriptions: Sequence[str] | None = None,
    source_words: Sequence[str] | None = None,
    *,
    providers: Sequence[str] | None = None,
    workers: int = 2,
) -> list[Prediction]:
    """`model.predict_many`, spread over `workers` processes for large batches.

    Processes are started fresh ("spawn": Kiwi's threads do not survive fork) and train the
    same model from `examples`; the answers equal `model.predict_many`'s, in order.
    """
    descriptions = list(descriptions or [""] * len(titles))
    source_words = list(source_words or [""] * len(titles))
    providers = list(providers or [""] * len(titles))
    if workers < 2 or len(titles) < PARALLEL_FROM:
        return model.predict_many(titles, descriptions, source_words, providers)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = 10_000
    batches = [
        (
            list(titles[i : i + size]),
            descriptions[i : i + size],
            source_words[i : i + size],
            providers[i : i + size],
        )
        for i in range(0, len(titles), size)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_child_start,
        initargs=(list(examples),),
    ) as pool:
        return [p for part in pool.map(_child_predict, batches) for p in part]
