"""The pure search text module: tokens, query expressions, did-you-mean, place and time."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import access, search_text
from learncity.algorithms.korean_text import Morphemes

SAFE_TOKEN = re.compile(r"^[가-힣a-z0-9]+$")


def fake_tagger(texts):
    """A stand-in analyser: every run of Hangul/Latin letters is a noun (no Kiwi needed)."""
    return [[(w, "noun") for w in re.findall(r"[가-힣a-z]+", t.lower())] for t in texts]


def test_bigrams_make_two_syllable_words_and_compound_parts_match():
    assert search_text.bigrams("요가") == ("요가",)
    assert search_text.bigrams("스마트폰") == ("스마", "마트", "트폰")
    grams = search_text.grams("장애 인권 감수성")
    # spaces are taken out, so 장애인권 as one word and 장애 인권 share their bigrams
    assert grams == search_text.grams("장애인권감수성")
    assert "인권" in grams


def test_query_expressions_are_made_of_safe_tokens_only():
    query = search_text.parse_query('"영어" NEAR(회화) OR * AND -- ; DROP', fake_tagger)
    for clause in query.clauses:  # the engine's query is built term by term from these
        assert SAFE_TOKEN.match(clause.term)
        assert all(SAFE_TOKEN.match(g) for g in clause.grams)
    assert not any(c.term in {"near", "or", "and", "drop"} and "(" in c.term for c in query.clauses)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_any_query_string_parses_to_safe_clauses(text):
    query = search_text.parse_query(text, fake_tagger)
    assert len(query.clauses) <= search_text.MAX_CLAUSES
    assert len(query.text) <= search_text.MAX_QUERY_CHARS
    for clause in query.clauses:
        assert SAFE_TOKEN.match(clause.term)
        assert all(SAFE_TOKEN.match(g) for g in clause.grams)


def test_noise_words_are_not_required_unless_alone():
    query = search_text.parse_query("요리 강좌", fake_tagger)
    assert [c.term for c in query.clauses] == ["요리"]
    assert query.dropped == ("강좌",)
    assert [c.term for c in search_text.parse_query("강좌", fake_tagger).clauses] == ["강좌"]


def test_stems_are_not_required_when_there_is_a_noun():
    tagger = Morphemes(
        lambda words: [
            [("일본어", "NNP")] if w == "일본어" else [("배우", "VV"), ("고", "EC")] for w in words
        ]
    ).tagged_many
    query = search_text.parse_query("일본어 배우고", tagger)
    assert [c.term for c in query.clauses] == ["일본어"]


def test_jamo_and_did_you_mean():
    assert search_text.jamo("가") == "\u1100\u1161"
    vocabulary = {"피아노": 24, "요가": 3, "요리": 30, "수채화": 5}
    assert search_text.suggest("피아너", vocabulary) == "피아노"
    assert search_text.suggest("요거", vocabulary) == "요가"
    assert search_text.suggest("수체화", vocabulary) == "수채화"
    assert search_text.suggest("피아노", vocabulary) is None  # known: nothing to suggest
    assert search_text.suggest("컴퓨터", vocabulary) is None  # nothing near


@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_is_symmetric_and_zero_on_itself(a, b):
    assert search_text.edit_distance(a, a) == 0
    assert search_text.edit_distance(a, b, 30) == search_text.edit_distance(b, a, 30)


@given(st.floats(min_value=1, max_value=120))
def test_walking_radius_and_minutes_are_inverse(minutes):
    radius = search_text.walking_radius_m(minutes)
    assert abs(search_text.walking_minutes(radius) - minutes) < 1e-6


def test_fifteen_minutes_on_foot():
    # issue 18: search walks at planning's 4.8 km/h (algorithms/walking): 80 m a minute;
    # 15 minutes = 1,200 m of street = 923 m in a straight line
    assert search_text.WALKING_KMH == access.DEFAULT_WALKING_SPEED_KMH == 4.8
    assert round(search_text.walking_radius_m(15)) == 923
    seoul_city_hall, gangnam_station = (37.5663, 126.9779), (37.4979, 127.0276)
    assert 8_000 < search_text.distance_m(*seoul_city_hall, *gangnam_station) < 9_000


@given(
    st.floats(min_value=-80, max_value=80),
    st.floats(min_value=-179, max_value=179),
    st.floats(min_value=10, max_value=20_000),
)
def test_bounding_box_holds_the_circle(lat, lon, metres):
    lat0, lat1, lon0, lon1 = search_text.bounding_box(lat, lon, metres)
    assert lat0 < lat < lat1 and lon0 < lon < lon1
    assert search_text.distance_m(lat, lon, lat1, lon) >= metres * 0.999


def test_time_slots_weekdays_and_registration():
    assert search_text.time_slot(dt.time(9, 30)) == search_text.MORNING
    assert search_text.time_slot(dt.time(13, 0)) == search_text.AFTERNOON
    assert search_text.time_slot(dt.time(19, 0)) == search_text.EVENING
    assert search_text.time_slot(None) == 0
    assert search_text.weekday_mask([1, 3]) == 0b101
    assert search_text.weekday_mask([0, 8]) == 0
    today = dt.date(2026, 4, 10)
    reg = search_text.registration
    assert reg(today, dt.date(2026, 4, 20), dt.date(2026, 4, 30)) == search_text.Registration(
        "upcoming", 10
    )
    assert reg(today, dt.date(2026, 4, 1), dt.date(2026, 4, 12)).status == "open"
    assert reg(today, dt.date(2026, 3, 1), dt.date(2026, 3, 12)).status == "closed"
    assert reg(today, None, None, dt.date(2026, 5, 1)).status == "unknown"
    assert reg(today, None, None, dt.date(2026, 3, 1)).status == "closed"


def test_metrics():
    assert search_text.recall_at([1, 2, 3], {1, 3}) == 1.0
    assert search_text.recall_at([9, 8], {1}) == 0.0
    assert search_text.recall_at([], set()) == 1.0
    assert search_text.recall_at([1], set()) == 0.0
    assert search_text.ndcg_at([1, 2], {1, 2}) == 1.0
    assert 0 < search_text.ndcg_at([2, 1], {1}) < 1


@given(st.lists(st.integers(0, 30), max_size=15, unique=True), st.sets(st.integers(0, 30)))
def test_metrics_are_between_zero_and_one(ranked, relevant):
    assert 0.0 <= search_text.recall_at(ranked, relevant) <= 1.0
    assert 0.0 <= search_text.ndcg_at(ranked, relevant) <= 1.0 + 1e-9


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=40),
            st.lists(
                st.sampled_from(["요가 교실", "강남구청", "", "영어 회화 기초", "Excel"]),
                max_size=5,
            ),
        ),
        max_size=8,
    )
)
def test_the_memo_of_repeated_texts_changes_no_document(programmes):
    memo: search_text.Memo = {}
    for title, others in programmes:
        plain = search_text.document(title, others, fake_tagger)
        assert search_text.document(title, others, fake_tagger, memo) == plain


def test_synonyms_are_data_and_a_listed_word_is_one_clause():
    groups = search_text.read_synonyms(["# a comment", "Canva\t캔바", "엑셀\tExcel\t", ""])
    assert groups["canva"] == ("캔바",) and groups["캔바"] == ("canva",)
    assert groups["excel"] == ("엑셀",)
    query = search_text.parse_query("챗GPT 배우기", fake_tagger)
    assert query.clauses[0].term == "챗gpt"  # not 챗 + gpt
    assert "chatgpt" in search_text.synonyms()["챗gpt"]
    for word in ("스마트폰", "핸드폰", "휴대폰"):
        assert set(search_text.synonyms()[word]) >= {"스마트폰", "핸드폰", "휴대폰"} - {word}
