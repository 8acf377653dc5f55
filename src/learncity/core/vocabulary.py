"""The fixed words that come from data but are shown as interface: weekdays, target
groups, the 6 + 1 areas (catalog.models.Category) and their middle categories, 선착순/추첨.
Their Korean is the stored value (or the label) and the msgid, with a context per kind
(a weekday's 일 is not a day count); `{{ value|vocab:"group" }}`
(core.templatetags.bilingual) and `word()` show them in the page's language, anything
else (a title, a place) as it is.

tests/i18n checks that every target group, area and weekday the code knows is here.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

WEEKDAYS = {
    "월": pgettext_lazy("weekday", "월"),
    "화": pgettext_lazy("weekday", "화"),
    "수": pgettext_lazy("weekday", "수"),
    "목": pgettext_lazy("weekday", "목"),
    "금": pgettext_lazy("weekday", "금"),
    "토": pgettext_lazy("weekday", "토"),
    "일": pgettext_lazy("weekday", "일"),
}
TARGET_GROUPS = {
    "유아": pgettext_lazy("target group", "유아"),
    "초등": pgettext_lazy("target group", "초등"),
    "청소년": pgettext_lazy("target group", "청소년"),
    "청년/직장인": pgettext_lazy("target group", "청년/직장인"),
    "성인": pgettext_lazy("target group", "성인"),
    "어르신": pgettext_lazy("target group", "어르신"),
    "장애인": pgettext_lazy("target group", "장애인"),
    "외국인·다문화": pgettext_lazy("target group", "외국인·다문화"),
    "가족": pgettext_lazy("target group", "가족"),
    "전체": pgettext_lazy("target group", "전체"),
}
AREAS = {
    "literacy": pgettext_lazy("area", "기초문해"),
    "academic": pgettext_lazy("area", "학력보완"),
    "vocational": pgettext_lazy("area", "직업능력"),
    "culture_arts": pgettext_lazy("area", "문화예술"),
    "humanities": pgettext_lazy("area", "인문교양"),
    "civic": pgettext_lazy("area", "시민참여"),
    "career": pgettext_lazy("area", "성인진로개발"),
}
MIDDLE_CATEGORIES = {
    "문자해득": pgettext_lazy("area", "문자해득"),
    "기초생활기술": pgettext_lazy("area", "기초생활기술"),
    "문해학습계좌": pgettext_lazy("area", "문해학습계좌"),
    "초등학력보완": pgettext_lazy("area", "초등학력보완"),
    "중등학력보완": pgettext_lazy("area", "중등학력보완"),
    "고등학력보완": pgettext_lazy("area", "고등학력보완"),
    "직업준비": pgettext_lazy("area", "직업준비"),
    "자격인증": pgettext_lazy("area", "자격인증"),
    "현직직무역량": pgettext_lazy("area", "현직직무역량"),
    "레저생활스포츠": pgettext_lazy("area", "레저생활스포츠"),
    "생활문화예술": pgettext_lazy("area", "생활문화예술"),
    "문화예술향상": pgettext_lazy("area", "문화예술향상"),
    "건강심성": pgettext_lazy("area", "건강심성"),
    "기능적소양": pgettext_lazy("area", "기능적소양"),
    "인문학적교양": pgettext_lazy("area", "인문학적교양"),
    "시민책무성": pgettext_lazy("area", "시민책무성"),
    "시민리더역량": pgettext_lazy("area", "시민리더역량"),
    "시민참여활동": pgettext_lazy("area", "시민참여활동"),
    "미분류": pgettext_lazy("area", "미분류"),
}
SELECTION = {
    "선착순": pgettext_lazy("selection", "선착순"),
    "추첨": pgettext_lazy("selection", "추첨"),
    "미정": pgettext_lazy("selection", "미정"),
    "기타": pgettext_lazy("selection", "기타"),
}
TABLES: dict[str, Mapping[str, Promise]] = {
    "weekday": WEEKDAYS,
    "group": TARGET_GROUPS,
    "area": {
        **AREAS,
        "기초문해": AREAS["literacy"],
        "학력보완": AREAS["academic"],
        "직업능력": AREAS["vocational"],
        "문화예술": AREAS["culture_arts"],
        "인문교양": AREAS["humanities"],
        "시민참여": AREAS["civic"],
        "성인진로개발": AREAS["career"],
        **MIDDLE_CATEGORIES,
    },
    "selection": SELECTION,
}


def word(value: object, kind: str = "") -> str:
    """A vocabulary word (its Korean, or an area's code) in the active language, from the
    kind's table (any table when no kind is given); anything else unchanged."""
    text = "" if value is None else str(value)
    tables = [TABLES[kind]] if kind in TABLES else list(TABLES.values())
    for table in tables:
        if text in table:
            return str(table[text])
    return text
