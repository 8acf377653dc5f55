"""Normalise the fields of the national lifelong-learning course standard data.

(전국평생학습강좌표준데이터, see DOMAIN.md.) Each parser takes the text as published and
returns a clean value, or raises `FieldError` with a reason a person can act on. Empty and
placeholder values become None ("not stated"), never a guess.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

MAX_FEE_KRW = 100_000_000  # a course dearer than ₩100M is a typo, not a course
MAX_CAPACITY = 100_000


class FieldError(ValueError):
    pass


# ----------------------------------------------------------------- weekdays

_DAY = {"월": 1, "화": 2, "수": 3, "목": 4, "금": 5, "토": 6, "일": 7}
_ENGLISH_DAY = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DAY_WORD = re.compile(r"([월화수목금토일])(?:요일)?")
_RANGE = re.compile(r"([월화수목금토일])(?:요일)?\s*[~\-–〜]\s*([월화수목금토일])(?:요일)?")


def weekdays(text: str | None) -> frozenset[int] | None:
    """`화요일+목요일` -> {2, 4}; `월~금`, `주5일`, `평일` -> {1..5}; `주말` -> {6, 7}.

    ISO numbers (1 = Monday). None when nothing is stated; FieldError when text is there
    but names no day.
    """
    if text is None or not text.strip():
        return None
    value = text.strip().lower()
    days: set[int] = set()
    if "매일" in value or "주7일" in value.replace(" ", ""):
        return frozenset(range(1, 8))
    if "주5일" in value.replace(" ", "") or "평일" in value:
        days.update(range(1, 6))
    if "주말" in value:
        days.update((6, 7))
    for start, end in _RANGE.findall(value):
        first, last = _DAY[start], _DAY[end]
        span = range(first, last + 1) if first <= last else [*range(first, 8), *range(1, last + 1)]
        days.update(span)
    value = _RANGE.sub(" ", value)
    # phrases whose 일 means "day", not Sunday: 주5일, 평일, 매일, 3일간
    value = re.sub(r"주\s*\d\s*일|평일|주말|매일|\d+\s*일", " ", value)
    for word in _DAY_WORD.findall(value):
        days.add(_DAY[word])
    for word, number in _ENGLISH_DAY.items():
        if word in value:
            days.add(number)
    if not days:
        raise FieldError(f"names no weekday: {text.strip()[:40]!r}")
    return frozenset(days)


# ----------------------------------------------------------------- dates, times

_DATE_FORMS = [
    re.compile(r"^(?P<y>\d{4})\s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<d>\d{1,2})\.?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    re.compile(r"^(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일$"),
]


def parse_date(text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    value = re.sub(r"\s*\([월화수목금토일]\)$", "", value)  # 2026-03-02(월)
    value = value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", value) else value
    for form in _DATE_FORMS:
        match = form.match(value)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError as exc:
                raise FieldError(f"not a calendar date: {text.strip()!r} ({exc})") from None
    raise FieldError(f"not a date: {text.strip()[:40]!r} (expected YYYY-MM-DD)")


_TIME_FORMS = [
    re.compile(r"^(?P<h>\d{1,2})\s*:\s*(?P<m>\d{2})(?::\d{2})?$"),
    re.compile(r"^(?P<h>\d{2})(?P<m>\d{2})$"),
    re.compile(r"^(?P<h>\d{1,2})\s*시(?:\s*(?P<m>\d{1,2})\s*분)?$"),
]


def parse_time(text: str | None) -> dt.time | None:
    if text is None or not text.strip():
        return None
    value = text.strip()
    afternoon = value.startswith(("오후", "PM", "pm"))
    value = re.sub(r"^(오전|오후|AM|PM|am|pm)\s*", "", value)
    for form in _TIME_FORMS:
        match = form.match(value)
        if match:
            hour, minute = int(match["h"]), int(match["m"] or 0)
            if afternoon and hour < 12:
                hour += 12
            if hour == 24 and minute == 0:
                return dt.time(23, 59)
            try:
                return dt.time(hour, minute)
            except ValueError:
                raise FieldError(f"not a time of day: {text.strip()!r}") from None
    raise FieldError(f"not a time: {text.strip()[:40]!r} (expected HH:MM)")


# ----------------------------------------------------------------- numbers, flags

_FREE_WORDS = ("무료", "없음", "free", "무상")


def parse_fee(text: str | None) -> int | None:
    """KRW: `72,000`, `72000원`, `3만원`, `무료` -> 0. None when not stated."""
    if text is None or not text.strip():
        return None
    value = text.strip().lower().replace(" ", "")
    if any(word in value for word in _FREE_WORDS):
        return 0
    match = re.match(
        r"^(?:₩|krw)?(?P<n>-?[\d,]{1,20}(?:\.\d{1,6})?)(?P<unit>만)?(?:원|krw)?$", value
    )
    if not match:
        raise FieldError(f"not an amount in KRW: {text.strip()[:40]!r}")
    number = float(match["n"].replace(",", ""))
    if match["unit"]:
        number *= 10_000
    if number < 0:
        raise FieldError(f"negative fee: {text.strip()!r}")
    if number > MAX_FEE_KRW:
        raise FieldError(f"fee over ₩{MAX_FEE_KRW:,} is not believable: {text.strip()!r}")
    return round(number)


def parse_capacity(text: str | None) -> int | None:
    """Seats; `0`, empty and `-` mean "not stated" (None)."""
    if text is None or text.strip() in {"", "-", "0", "미정", "제한없음"}:
        return None
    value = text.strip().replace(",", "").removesuffix("명")
    if not re.fullmatch(r"-?\d{1,15}", value):
        raise FieldError(f"not a number of seats: {text.strip()[:40]!r}")
    number = int(value)
    if number < 0:
        raise FieldError(f"negative capacity: {text.strip()!r}")
    if number > MAX_CAPACITY:
        raise FieldError(f"capacity over {MAX_CAPACITY:,} is not believable: {text.strip()!r}")
    return number or None


def parse_flag(text: str | None) -> bool | None:
    if text is None or not text.strip():
        return None
    value = text.strip().upper()
    if value in {"Y", "YES", "예", "O", "TRUE", "1"}:
        return True
    if value in {"N", "NO", "아니오", "X", "FALSE", "0"}:
        return False
    raise FieldError(f"not Y/N: {text.strip()[:20]!r}")


# ----------------------------------------------------------------- text


class _TextExtractor(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "iframe"})
    _BREAK = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self._BREAK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(text: str | None, *, limit: int = 20_000) -> str:
    """HTML or text -> plain text: no tags, scripts, styles or entities survive."""
    if not text:
        return ""
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    value = html.unescape("".join(extractor.parts))
    value = value.replace("<", "‹").replace(">", "›")  # a stray bracket is never markup again
    value = _CONTROL.sub("", value).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in value.splitlines()]
    value = "\n".join(line for line in lines if line)
    return value[:limit]


_PREFIX = re.compile(r"^\s*(?:\[[^\]]{1,20}\]|【[^】]{1,20}】|<[^>]{1,20}>)\s*")
_SESSIONS = re.compile(r"\s*\((?:[A-Za-z가-힣]\s*/\s*)?\d+\s*회\)\s*$")


def display_title(title: str) -> str:
    """`[논현2] 캘리그라피 (B/6회)` -> `캘리그라피`: prefixes and session counts removed."""
    if "<" in title or "&" in title or _CONTROL.search(title):
        clean = plain_text(title, limit=500).replace("\n", " ")
    else:
        clean = " ".join(title.split())[:500]
    value = clean
    previous = None
    while previous != value:
        previous = value
        value = _PREFIX.sub("", value)
    value = _SESSIONS.sub("", value).strip()
    return value or clean.strip()


# ----------------------------------------------------------------- target groups

TARGET_GROUPS = (
    "유아",
    "초등",
    "청소년",
    "청년/직장인",
    "성인",
    "어르신",
    "장애인",
    "외국인·다문화",
    "가족",
    "전체",
)
_GROUP_WORDS: list[tuple[str, str]] = [
    ("유아", "유아"),
    ("영유아", "유아"),
    ("어린이", "초등"),
    ("아동", "초등"),
    ("초등", "초등"),
    ("중학", "청소년"),
    ("고등", "청소년"),
    ("청소년", "청소년"),
    ("학생", "청소년"),
    ("청년", "청년/직장인"),
    ("직장인", "청년/직장인"),
    ("대학", "청년/직장인"),
    ("성인", "성인"),
    ("중장년", "성인"),
    ("신중년", "성인"),
    ("어르신", "어르신"),
    ("노인", "어르신"),
    ("시니어", "어르신"),
    ("장애", "장애인"),
    ("외국인", "외국인·다문화"),
    ("다문화", "외국인·다문화"),
    ("이주", "외국인·다문화"),
    ("가족", "가족"),
    ("부모", "가족"),
    ("전체", "전체"),
    ("누구나", "전체"),
    ("제한없음", "전체"),
    ("주민", "전체"),
    ("시민", "전체"),
]


def target_groups(text: str | None) -> tuple[str, ...]:
    """Free text -> the controlled vocabulary, in vocabulary order; unknown words dropped."""
    if not text:
        return ()
    value = text.replace(" ", "")
    for school in ("초등", "중", "고등", "대"):
        value = value.replace(f"{school}학생", f"{school}학")
    found = {group for word, group in _GROUP_WORDS if word in value}
    return tuple(group for group in TARGET_GROUPS if group in found)
