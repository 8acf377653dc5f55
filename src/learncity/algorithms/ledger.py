"""Voucher money as a double-entry ledger, in integer won. Pure Python: no Django, no app.

Every movement is a `Transaction` of `Posting`s whose amounts sum to zero. A posting's amount
is signed: positive is a debit, negative a credit. An account's *balance* is the sum of its
postings, read on the account's normal side (`NORMAL_SIGN`), and is never negative:

| account                 | normal | what its balance is                                          |
|-------------------------|--------|--------------------------------------------------------------|
| `funding:<programme>`   | credit | won issued into vouchers by the programme (the money source) |
| `voucher:<voucher>`     | debit  | what the learner can still spend                             |
| `institution:<inst>`    | debit  | spent at the institution, not yet settled (paid out)         |
| `recoverable:<inst>`    | credit | refunded after settlement: the institution owes it back      |
| `settled:<inst>`        | debit  | paid out to the institution                                  |
| `lapsed:<programme>`    | debit  | unused balance that lapsed at the end of a period            |

The five operations:

- issue(voucher, a):           voucher +a, funding −a
- redeem(voucher, inst, x):    voucher −x, institution +x       (x ≤ voucher balance)
- refund(redeem, r):           institution −min(r, unsettled), recoverable −(rest); voucher +r
  (or lapsed +r when the voucher has already lapsed: unused money never comes back to life)
- expire(voucher):             voucher −b, lapsed +b            (b = the whole balance)
- settle(inst, month):         institution −u, recoverable +min(rec, u), settled +(u − that)

Unused balance lapses at the period's end: no carry-over to the next period, no cash-out
(there is no operation that moves a voucher's balance anywhere but to an institution for
tuition, back from it by a refund, or to `lapsed`).

The refund rule (`refund_due`) is the schedule of the Lifelong Education Act (평생교육법
시행령 제23조 [별표 3] 학습비 반환기준), documented on the function.

`Ledger` applies transactions in memory with the same checks the database makes (the
vouchers app stores the same transactions in tables and lets the database refuse a negative
balance); the property tests drive it with random operation sequences.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

FUNDING: Final = "funding"
VOUCHER: Final = "voucher"
INSTITUTION: Final = "institution"
RECOVERABLE: Final = "recoverable"
SETTLED: Final = "settled"
LAPSED: Final = "lapsed"

# +1: the balance is the sum of the postings (debit-normal); -1: minus the sum (credit-normal)
NORMAL_SIGN: Final[dict[str, int]] = {
    FUNDING: -1,
    VOUCHER: 1,
    INSTITUTION: 1,
    RECOVERABLE: -1,
    SETTLED: 1,
    LAPSED: 1,
}

ISSUE: Final = "issue"
REDEEM: Final = "redeem"
REFUND: Final = "refund"
EXPIRE: Final = "expire"
SETTLE: Final = "settle"
KINDS: Final = (ISSUE, REDEEM, REFUND, EXPIRE, SETTLE)

# what a voucher may pay for: the course's tuition and that course's textbook, nothing else
PAYABLE_ITEMS: Final = ("tuition", "textbook")


class LedgerRefused(Exception):
    """An operation the rules refuse; `code` is stable (the vouchers app maps it to its
    error of the project hierarchy)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, order=True)
class AccountKey:
    kind: str
    owner: int

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner}"


@dataclass(frozen=True)
class Posting:
    account: AccountKey
    amount: int  # won; + debit, − credit; never 0


@dataclass(frozen=True)
class Transaction:
    kind: str
    key: str  # idempotency key
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown transaction kind {self.kind!r}")
        if not self.postings:
            raise ValueError("a transaction has at least two postings")
        if any(p.amount == 0 or not isinstance(p.amount, int) for p in self.postings):
            raise ValueError("every posting moves a whole, non-zero number of won")
        if sum(p.amount for p in self.postings) != 0:
            raise ValueError(f"unbalanced {self.kind} transaction: {self.postings}")

    def balance_changes(self) -> dict[AccountKey, int]:
        """Change of each account's (normal-side) balance."""
        changes: dict[AccountKey, int] = {}
        for p in self.postings:
            changes[p.account] = changes.get(p.account, 0) + NORMAL_SIGN[p.account.kind] * p.amount
        return changes


def _balance_change(account: AccountKey, change: int) -> Posting:
    """The posting that changes `account`'s normal-side balance by `change`."""
    return Posting(account, NORMAL_SIGN[account.kind] * change)


def _positive(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise LedgerRefused("invalid_amount", "the amount must be a positive whole number of won")


# ------------------------------------------------------------------ the five transactions


def issue(*, key: str, programme: int, voucher: int, amount: int) -> Transaction:
    _positive(amount)
    return Transaction(
        ISSUE,
        key,
        (
            _balance_change(AccountKey(VOUCHER, voucher), amount),
            _balance_change(AccountKey(FUNDING, programme), amount),
        ),
    )


def redeem(
    *, key: str, voucher: int, institution: int, amount: int, balance: int, item: str = "tuition"
) -> Transaction:
    """Pay `amount` of a fee from a voucher whose balance is `balance`."""
    _positive(amount)
    if item not in PAYABLE_ITEMS:
        raise LedgerRefused(
            "not_tuition",
            f"a learning voucher pays only tuition and that course's textbook, not {item!r}",
        )
    if amount > balance:
        raise LedgerRefused(
            "insufficient_balance",
            f"the voucher holds {balance:,} won, less than the {amount:,} won asked",
        )
    return Transaction(
        REDEEM,
        key,
        (
            _balance_change(AccountKey(VOUCHER, voucher), -amount),
            _balance_change(AccountKey(INSTITUTION, institution), amount),
        ),
    )


def refund(
    *,
    key: str,
    voucher: int,
    programme: int,
    institution: int,
    amount: int,
    unsettled: int,
    voucher_lapsed: bool = False,
) -> Transaction:
    """Give `amount` back from the institution. What the institution has not been paid yet
    (`unsettled`) is taken back first; the rest the institution owes back (`recoverable`,
    deducted from its next settlement). Into a voucher whose period has ended the refund
    lapses at once (no carry-over, no cash-out)."""
    _positive(amount)
    from_unsettled = min(amount, max(unsettled, 0))
    postings = []
    if from_unsettled:
        postings.append(_balance_change(AccountKey(INSTITUTION, institution), -from_unsettled))
    if amount - from_unsettled:
        postings.append(
            _balance_change(AccountKey(RECOVERABLE, institution), amount - from_unsettled)
        )
    target = AccountKey(LAPSED, programme) if voucher_lapsed else AccountKey(VOUCHER, voucher)
    postings.append(_balance_change(target, amount))
    return Transaction(REFUND, key, tuple(postings))


def expire(*, key: str, voucher: int, programme: int, balance: int) -> Transaction | None:
    """The whole remaining balance lapses; None when there is nothing left to lapse."""
    if balance <= 0:
        return None
    return Transaction(
        EXPIRE,
        key,
        (
            _balance_change(AccountKey(VOUCHER, voucher), -balance),
            _balance_change(AccountKey(LAPSED, programme), balance),
        ),
    )


def settle(*, key: str, institution: int, unsettled: int, recoverable: int) -> Transaction | None:
    """Pay the institution what it has earned and not been paid, less what it owes back;
    None when there is nothing to settle. What it owes beyond this settlement stays owed."""
    if unsettled <= 0:
        return None
    recovered = min(unsettled, max(recoverable, 0))
    postings = [_balance_change(AccountKey(INSTITUTION, institution), -unsettled)]
    if recovered:
        postings.append(_balance_change(AccountKey(RECOVERABLE, institution), -recovered))
    if unsettled - recovered:
        postings.append(_balance_change(AccountKey(SETTLED, institution), unsettled - recovered))
    return Transaction(SETTLE, key, tuple(postings))


# ------------------------------------------------------------------ the refund rule


@dataclass(frozen=True)
class CourseProgress:
    """How far a course has gone when a learner cancels.

    `units_by_month`: the course's sessions (or hours) in each calendar month it runs, in
    order (one entry for a course of one month or less); `units_elapsed`: how many of them
    had taken place when the refund reason arose (0: before the start)."""

    units_by_month: tuple[int, ...]
    units_elapsed: int

    def __post_init__(self) -> None:
        if not self.units_by_month or any(u < 0 for u in self.units_by_month):
            raise ValueError("a course has at least one month and no negative session count")
        if sum(self.units_by_month) <= 0:
            raise ValueError("a course has at least one session")
        if not 0 <= self.units_elapsed <= sum(self.units_by_month):
            raise ValueError("elapsed sessions must lie between 0 and the course's total")


def split_by_units(amount: int, units: Sequence[int]) -> list[int]:
    """`amount` split in proportion to `units`, in whole won that add up exactly (largest
    remainder; ties to the earlier month)."""
    total = sum(units)
    shares = [amount * u // total for u in units]
    remainders = sorted(range(len(units)), key=lambda i: (-(amount * units[i] % total), i))
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def _within_month_refund(paid: int, total: int, elapsed: int) -> int:
    """[별표 3] for a course of one month or less (or the month in which the reason arose):
    before the start, all; before 1/3 of the lessons, 2/3 of it; before 1/2, 1/2 of it;
    after 1/2, nothing. Fractions of a won are rounded down."""
    if elapsed <= 0:
        return paid
    if 3 * elapsed < total:
        return paid * 2 // 3
    if 2 * elapsed < total:
        return paid // 2
    return 0


def refund_due(
    paid: int, progress: CourseProgress, *, provider_cannot_continue: bool = False
) -> int:
    """What is refunded of `paid` won when a learner leaves a course, by the schedule of the
    Lifelong Education Act (평생교육법 시행령 제23조, [별표 3] 학습비 반환기준):

    1. The institution cannot run the course (or provide the place): the share of the fee
       for the lessons that will not take place (pro rata, 일할 계산):
       paid × remaining / total, rounded down to the won.
    2. The learner gives up, course of **one month or less**:
       - before the start: the whole fee;
       - before 1/3 of the total lessons have taken place: 2/3 of the fee;
       - before 1/2: 1/2 of the fee;
       - after 1/2: nothing.
    3. The learner gives up, course of **more than one month**: before the start, the whole
       fee; after it, the fee of the month in which the reason arose refunded by rule 2
       (on that month's lessons), plus the fee of every later month in full. The fee is
       split into months in proportion to their lessons (`split_by_units`).

    "Lessons" may be sessions or hours: the same rule, whichever the caller counts.
    """
    if paid < 0:
        raise ValueError("paid must not be negative")
    units = progress.units_by_month
    total = sum(units)
    elapsed = progress.units_elapsed
    if paid == 0:
        return 0
    if provider_cannot_continue:
        return paid * (total - elapsed) // total
    if elapsed == 0:
        return paid
    if len(units) == 1:
        return _within_month_refund(paid, total, elapsed)
    fees = split_by_units(paid, units)
    before = 0
    for month, (fee, month_units) in enumerate(zip(fees, units, strict=True)):
        if elapsed < before + month_units or (
            elapsed == before + month_units and month == len(units) - 1
        ):
            current = _within_month_refund(fee, month_units, elapsed - before)
            return current + sum(fees[month + 1 :])
        before += month_units
    return 0  # pragma: no cover - elapsed ≤ total always ends in the loop


# ------------------------------------------------------------------ an in-memory ledger


@dataclass
class Ledger:
    """Applies transactions with the database's rules: a replayed idempotency key changes
    nothing (and must carry the same transaction), and no balance may go below zero."""

    balances: dict[AccountKey, int] = field(default_factory=dict)
    journal: list[Transaction] = field(default_factory=list)
    by_key: dict[str, Transaction] = field(default_factory=dict)

    def balance(self, account: AccountKey) -> int:
        return self.balances.get(account, 0)

    def apply(self, transaction: Transaction) -> bool:
        """True when applied, False when it is a replay of a key already applied."""
        earlier = self.by_key.get(transaction.key)
        if earlier is not None:
            if earlier != transaction:
                raise LedgerRefused(
                    "idempotency_conflict",
                    "this idempotency key was already used for a different operation",
                )
            return False
        changes = transaction.balance_changes()
        for account, change in changes.items():
            if self.balance(account) + change < 0:
                raise LedgerRefused("insufficient_balance", f"{account} would go below zero")
        for account, change in changes.items():
            self.balances[account] = self.balance(account) + change
        self.journal.append(transaction)
        self.by_key[transaction.key] = transaction
        return True

    def raw_sum(self) -> int:
        """The sum of every posting ever made: zero in a consistent ledger."""
        return sum(p.amount for t in self.journal for p in t.postings)


def balances_from(postings: Iterable[Posting]) -> dict[AccountKey, int]:
    """Normal-side balances derived from postings (the only way a balance is known)."""
    out: dict[AccountKey, int] = {}
    for p in postings:
        out[p.account] = out.get(p.account, 0) + NORMAL_SIGN[p.account.kind] * p.amount
    return out
