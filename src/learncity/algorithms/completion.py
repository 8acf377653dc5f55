"""Completion (수료): does a learner's attendance meet a programme's rule?

Pure Python, no Django. The rule: at least `threshold_percent` of the sessions held
(cancelled and holiday sessions are not held) attended, where present and late count as
attended and an excused absence (공결) counts as the rule says: as an absence (default), as
attended, or not at all (the session leaves the count). Integer arithmetic only:
`attended * 100 >= threshold * counted`.

The count is over every held session of the schedule, including those still to come, so a
verdict of "completed" is final as soon as it is reached (nobody completes on a share of
the sessions so far), and "not completed" is final once the threshold cannot be reached any
more or the last session has ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

VERSION = "completion-v1"
HELD = "scheduled"
ATTENDED = frozenset({"present", "late"})
MARKS = frozenset({"present", "late", "absent", "excused"})

Excused = Literal["absent", "attended", "excluded"]
Verdict = Literal["completed", "not_completed", "in_progress"]


@dataclass(frozen=True)
class Rule:
    threshold_percent: int = 80
    excused: Excused = "absent"

    def __post_init__(self) -> None:
        if not 1 <= self.threshold_percent <= 100:
            raise ValueError("threshold_percent must be between 1 and 100")
        if self.excused not in ("absent", "attended", "excluded"):
            raise ValueError("excused must be absent, attended or excluded")


@dataclass(frozen=True)
class SessionFact:
    id: int
    status: str  # "scheduled" (held), "cancelled", "holiday"
    ended: bool


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    attended: int  # sessions that count as attended under the rule
    counted: int  # held sessions that count (excused ones leave when the rule excludes them)
    required: int  # the fewest attended sessions that complete
    remaining: int  # held sessions not ended yet
    no_shows: int  # ended held sessions with no mark or an absent mark (excused is not one)
    rate_percent: float  # attended / counted, 0 when nothing counts

    @property
    def completed(self) -> bool:
        return self.verdict == "completed"


def required_sessions(counted: int, threshold_percent: int) -> int:
    """The smallest n with n * 100 >= threshold * counted."""
    return -(-threshold_percent * counted // 100)


def evaluate(
    sessions: Iterable[SessionFact], marks: Mapping[int, str], rule: Rule = Rule()
) -> Outcome:
    """The verdict for one learner: `marks` maps session id -> present/late/absent/excused
    (sessions without a mark were not attended). Marks for sessions not held are ignored."""
    attended = counted = remaining = no_shows = 0
    for session in sessions:
        if session.status != HELD:
            continue
        mark = marks.get(session.id)
        if mark == "excused" and rule.excused == "excluded":
            continue
        counted += 1
        if mark in ATTENDED or (mark == "excused" and rule.excused == "attended"):
            attended += 1
            continue
        if not session.ended:
            remaining += 1
        elif mark != "excused":
            no_shows += 1
    required = required_sessions(counted, rule.threshold_percent)
    verdict: Verdict = "in_progress"
    if counted and attended >= required:
        verdict = "completed"
    elif counted and attended + remaining < required:
        verdict = "not_completed"  # cannot be reached any more (or everything has ended)
    rate = round(100 * attended / counted, 2) if counted else 0.0
    return Outcome(verdict, attended, counted, required, remaining, no_shows, rate)
