"""The enrolment lottery (추첨): a reproducible draw with reserved quotas and priorities.

Published with every draw: the algorithm version, the seed, the applicants (opaque ids with
their tags) and the result. Anyone can re-run `draw` with those and get the same result, bit
for bit: the order of the applicants is a hash of (seed, id), so it depends neither on the
order in which the applicants are given nor on the machine.

Algorithm `lottery-v1`:
1. Every applicant gets a ticket: the SHA-256 of ``f"{seed}:{id}"`` read as a number; a
   lower ticket draws earlier.
2. Reserved quotas, in the order given: each quota takes, in ticket order, the applicants
   not yet drawn who hold its tag, up to its seats. Seats a quota cannot fill go back to
   the general pool.
3. General seats: the remaining applicants, ordered by priority tier (the position of the
   first priority tag they hold in the given priority list; no priority tag = last tier),
   then by ticket, fill the seats left.
4. Everyone not drawn is waitlisted in that same order (tier, ticket).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

VERSION = "lottery-v1"


@dataclass(frozen=True, slots=True)
class Applicant:
    id: str  # opaque: an application id, never a name
    tags: frozenset[str] = frozenset()  # desk, resident, senior, first_time ...


@dataclass(frozen=True, slots=True)
class Quota:
    name: str
    tag: str  # who may take these seats
    seats: int


@dataclass(frozen=True, slots=True)
class Drawn:
    id: str
    seat: str  # the quota's name, or "general"


@dataclass(frozen=True, slots=True)
class Draw:
    version: str
    seed: str
    capacity: int
    selected: tuple[Drawn, ...]
    waitlist: tuple[str, ...]

    def digest(self) -> str:
        """A short fingerprint of the result, to publish beside it."""
        payload = json.dumps(
            {
                "version": self.version,
                "seed": self.seed,
                "capacity": self.capacity,
                "selected": [[d.id, d.seat] for d in self.selected],
                "waitlist": list(self.waitlist),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class LotteryError(ValueError):
    """The draw's inputs are not acceptable (the message says which)."""


def ticket(seed: str, applicant_id: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{applicant_id}".encode()).digest(), "big")


def _check(applicants: Sequence[Applicant], capacity: int, quotas: Sequence[Quota]) -> None:
    if capacity < 0:
        raise LotteryError("capacity must not be negative")
    ids = [a.id for a in applicants]
    if len(set(ids)) != len(ids):
        raise LotteryError("an applicant appears twice")
    if any(q.seats < 0 for q in quotas):
        raise LotteryError("a quota's seats must not be negative")
    if sum(q.seats for q in quotas) > capacity:
        raise LotteryError("the quotas reserve more seats than the capacity")
    if len({q.name for q in quotas}) != len(quotas) or any(q.name == "general" for q in quotas):
        raise LotteryError("quota names must be distinct and not 'general'")


def draw(
    applicants: Iterable[Applicant],
    capacity: int,
    seed: str,
    *,
    quotas: Sequence[Quota] = (),
    priorities: Sequence[str] = (),
) -> Draw:
    """Draw `capacity` applicants (see the module's doc for the rules)."""
    pool = list(applicants)
    _check(pool, capacity, quotas)
    if not seed:
        raise LotteryError("a draw needs a seed")
    tickets = {a.id: ticket(seed, a.id) for a in pool}
    by_ticket = sorted(pool, key=lambda a: (tickets[a.id], a.id))
    selected: list[Drawn] = []
    taken: set[str] = set()
    for quota in quotas:
        filled = 0
        for applicant in by_ticket:
            if filled >= quota.seats:
                break
            if applicant.id not in taken and quota.tag in applicant.tags:
                selected.append(Drawn(applicant.id, quota.name))
                taken.add(applicant.id)
                filled += 1

    def tier(applicant: Applicant) -> int:
        for index, tag in enumerate(priorities):
            if tag in applicant.tags:
                return index
        return len(priorities)

    rest = sorted(
        (a for a in pool if a.id not in taken),
        key=lambda a: (tier(a), tickets[a.id], a.id),
    )
    general = max(0, capacity - len(selected))
    selected.extend(Drawn(a.id, "general") for a in rest[:general])
    waitlist = tuple(a.id for a in rest[general:])
    return Draw(VERSION, seed, capacity, tuple(selected), waitlist)
