"""The pure completion rule (algorithms/completion.py): hand-counted cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.completion import Rule, SessionFact, evaluate, required_sessions


def sessions(
    n: int, ended: int | None = None, cancelled: tuple[int, ...] = ()
) -> list[SessionFact]:
    ended = n if ended is None else ended
    return [
        SessionFact(i, "cancelled" if i in cancelled else "scheduled", i < ended) for i in range(n)
    ]


def test_eighty_percent_by_hand():
    ten = sessions(10)
    eight = dict.fromkeys(range(7), "present") | {7: "late"}
    out = evaluate(ten, eight)
    assert (out.verdict, out.attended, out.counted, out.required, out.no_shows) == (
        "completed",
        8,
        10,
        8,
        2,
    )
    assert out.rate_percent == 80.0
    seven = dict.fromkeys(range(7), "present") | {7: "absent"}
    out = evaluate(ten, seven)
    assert (out.verdict, out.attended, out.no_shows) == ("not_completed", 7, 3)


def test_cancelled_sessions_leave_the_count_and_excused_follows_the_rule():
    # 12 planned, 2 cancelled: 10 held; 7 present, 1 excused
    facts = sessions(12, cancelled=(10, 11))
    marks = dict.fromkeys(range(7), "present") | {7: "excused", 10: "present"}
    assert evaluate(facts, marks).verdict == "not_completed"  # excused = absent: 7/10
    attended = evaluate(facts, marks, Rule(80, "attended"))
    assert (attended.verdict, attended.attended, attended.counted) == ("completed", 8, 10)
    excluded = evaluate(facts, marks, Rule(80, "excluded"))
    # 7 of 9: 77.8 % < 80
    assert (excluded.verdict, excluded.counted, excluded.required) == ("not_completed", 9, 8)
    assert evaluate(facts, marks, Rule(70, "excluded")).verdict == "completed"
    assert evaluate(facts, marks).no_shows == 2  # 8, 9 (7 is excused, not a no-show)


def test_in_progress_until_reached_or_out_of_reach():
    facts = sessions(10, ended=5)
    assert evaluate(facts, dict.fromkeys(range(5), "present")).verdict == "in_progress"
    assert evaluate(facts, {0: "present"}).verdict == "not_completed"  # 1 + 5 < 8
    assert evaluate(facts, dict.fromkeys(range(8), "present")).verdict == "completed"  # early
    assert evaluate([], {}).verdict == "in_progress"
    assert evaluate(sessions(3, cancelled=(0, 1, 2)), {}).verdict == "in_progress"


def test_bad_rules_are_refused():
    with pytest.raises(ValueError, match="threshold"):
        Rule(0)
    with pytest.raises(ValueError, match="excused"):
        Rule(80, "sometimes")  # type: ignore[arg-type]


facts_strategy = st.lists(
    st.tuples(st.sampled_from(["scheduled", "cancelled", "holiday"]), st.booleans()),
    max_size=40,
)
mark_strategy = st.sampled_from([None, "present", "late", "absent", "excused"])


@given(
    facts_strategy,
    st.data(),
    st.integers(1, 100),
    st.sampled_from(["absent", "attended", "excluded"]),
)
def test_properties(raw, data, threshold, excused):
    facts = [SessionFact(i, status, ended) for i, (status, ended) in enumerate(raw)]
    marks = {}
    for fact in facts:
        mark = data.draw(mark_strategy)
        if mark:
            marks[fact.id] = mark
    rule = Rule(threshold, excused)
    out = evaluate(facts, marks, rule)
    held = [f for f in facts if f.status == "scheduled"]
    assert out.counted <= len(held)
    assert 0 <= out.attended <= out.counted
    assert out.required == required_sessions(out.counted, threshold)
    # completed exactly when the integer rule holds
    assert out.completed == (out.counted > 0 and out.attended * 100 >= threshold * out.counted)
    # marks on sessions that were not held change nothing
    only_held = {k: v for k, v in marks.items() if facts[k].status == "scheduled"}
    assert evaluate(facts, only_held, rule) == out
    # one more present mark never turns a completion into a non-completion
    for fact in held:
        if marks.get(fact.id) not in ("present", "late"):
            more = evaluate(facts, {**marks, fact.id: "present"}, rule)
            assert more.attended >= out.attended
            if out.completed:
                assert more.completed
            break
    # everything ended: no verdict stays in progress when something counts
    if held and all(f.ended for f in facts) and out.counted:
        assert out.verdict in ("completed", "not_completed")
    # the no-shows are ended held sessions without a mark or with an absent mark
    expected = sum(1 for f in held if f.ended and marks.get(f.id) in (None, "absent"))
    assert out.no_shows == expected
