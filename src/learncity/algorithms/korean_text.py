"""Korean morphemes for classification (and search): kiwipiepy behind a word cache.

Substring search fails on Korean (DOMAIN.md, the brief): `요가` inside `요가원` is fine, but
`인권` must find `장애인권` and `영어 회화` must equal `영어회화`. A morphological analyser
splits words into morphemes; kiwipiepy ships its model, so nothing is downloaded.

Speed: analysing a title takes Kiwi about 0.3 ms, but catalogue titles repeat their words
(강좌, 교실, 기초, 스마트폰 ...). Titles are split into words (어절) and each distinct word
is analysed once and cached; digits are split off first so `과정8` and `과정9` share `과정`.
Words are analysed alone, without their neighbours: for nouns and stems, which is all we
keep, the loss of context changes almost nothing, and it makes the cache possible.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

Analyse = Callable[[list[str]], list[list[tuple[str, str]]]]

# Tags kept as features: nouns, foreign words, hanja, roots, verb and adjective stems.
_NOUNS = frozenset({"NNG", "NNP", "NR", "XR", "SH"})
_STEMS = frozenset({"VV", "VA"})
_SPLIT = re.compile(r"(\d+)")
_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_LATIN = re.compile(r"[a-z][a-z0-9+#.]*")
CACHE_LIMIT = 500_000


def normalise(text: str) -> str:
    """NFKC (full-width Latin, compatibility jamo), lower case, one space between words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


class Morphemes:
    """Words -> morpheme features, with a cache per distinct word.

    `analyse` takes a batch of words and returns (form, tag) pairs for each; the default is
    Kiwi with two worker threads (both cores) created on first use.
    """

    def __init__(self, analyse: Analyse | None = None) -> None:
        self._analyse = analyse
        self._cache: dict[str, tuple[tuple[str, str], ...]] = {}
        self._lock = threading.Lock()

    def _analyser(self) -> Analyse:
        if self._analyse is None:
            self._analyse = kiwi_analyser()
        return self._analyse

    def words(self, text: str) -> list[str]:
        parts: list[str] = []
        for word in normalise(text).split(" "):
            parts.extend(p for p in _SPLIT.split(word) if p)
        return parts

    def features(self, text: str) -> list[str]:
        return self.features_many([text])[0]

    def features_many(self, texts: Sequence[str]) -> list[list[str]]:
        return [[form for form, _ in tagged] for tagged in self.tagged_many(texts)]

    def tagged_many(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        """Each text's kept morphemes as (form, kind); kind is noun, latin or stem."""
        split = [self.words(text) for text in texts]
        cache = self._cache
        if len(cache) > CACHE_LIMIT:
            with self._lock:
                cache.clear()  # before looking for what is missing, never in between
        missing = {w for words in split for w in words if w not in cache and not w.isdigit()}
        if missing:
            self._fill(sorted(missing))
        result: list[list[tuple[str, str]]] = []
        for words in split:
            tagged: list[tuple[str, str]] = []
            for word in words:
                if word.isdigit():
                    continue
                tagged.extend(cache.get(word, ()))
            result.append(tagged)
        return result

    def _fill(self, words: list[str]) -> None:
        analysed = self._analyser()(words)
        with self._lock:
            for word, tokens in zip(words, analysed, strict=True):
                self._cache[word] = _keep(word, tokens)


def _keep(word: str, tokens: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    kept: list[tuple[str, str]] = []
    for form, tag in tokens:
        if tag in _NOUNS:
            kept.append((form, "noun"))
        elif tag == "SL":
            kept.append((form.lower(), "latin"))
        elif tag in _STEMS and len(form) > 1:
            kept.append((form + "다", "stem"))
    if not kept:
        kept.extend((m.group(0), "latin") for m in _LATIN.finditer(word))
    return tuple(kept)


_KIWI: Any = None
_KIWI_LOCK = threading.Lock()


def kiwi_analyser(workers: int = 2) -> Analyse:
    """Kiwi (model shipped in the kiwipiepy-model wheel), loaded once per process."""
    global _KIWI  # noqa: PLW0603 - one analyser per process: the model takes 1.5 s to load
    with _KIWI_LOCK:
        if _KIWI is None:
            from kiwipiepy import Kiwi

            _KIWI = Kiwi(num_workers=workers)
    kiwi = _KIWI

    def analyse(words: list[str]) -> list[list[tuple[str, str]]]:
        return [[(t.form, t.tag) for t in tokens] for tokens in kiwi.tokenize(words)]

    return analyse


_SHARED: Morphemes | None = None


def shared() -> Morphemes:
    """The process-wide analyser with its word cache."""
    global _SHARED  # noqa: PLW0603
    if _SHARED is None:
        _SHARED = Morphemes()
    return _SHARED
