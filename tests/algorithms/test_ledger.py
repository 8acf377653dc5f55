"""The ledger's rules without a database: balanced transactions, no negative balance, the
refund schedule of the Lifelong Education Act, and property tests over random sequences of
issue / redeem / refund / expire / settle with replayed idempotency keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learncity.algorithms import ledger
from learncity.algorithms.ledger import AccountKey, CourseProgress, Ledger, LedgerRefused


def test_a_transaction_must_balance():
    with pytest.raises(ValueError, match="unbalanced"):
        ledger.Transaction("issue", "k", (ledger.Posting(AccountKey("voucher", 1), 10),))
    with pytest.raises(ValueError, match="non-zero"):
        ledger.Transaction(
            "issue",
            "k",
            (
                ledger.Posting(AccountKey("voucher", 1), 0),
                ledger.Posting(AccountKey("funding", 1), 0),
            ),
        )


def test_issue_redeem_refund_settle_by_hand():
    book = Ledger()
    book.apply(ledger.issue(key="i1", programme=1, voucher=7, amount=350_000))
    assert book.balance(AccountKey("voucher", 7)) == 350_000
    assert book.balance(AccountKey("funding", 1)) == 350_000
    book.apply(ledger.redeem(key="r1", voucher=7, institution=3, amount=120_000, balance=350_000))
    assert book.balance(AccountKey("voucher", 7)) == 230_000
    assert book.balance(AccountKey("institution", 3)) == 120_000
    # settled in full, then a refund of 80,000: the institution owes it back
    entry = ledger.settle(key="s1", institution=3, unsettled=120_000, recoverable=0)
    assert entry is not None
    book.apply(entry)
    assert book.balance(AccountKey("settled", 3)) == 120_000
    book.apply(
        ledger.refund(key="f1", voucher=7, programme=1, institution=3, amount=80_000, unsettled=0)
    )
    assert book.balance(AccountKey("voucher", 7)) == 310_000
    assert book.balance(AccountKey("recoverable", 3)) == 80_000
    # the next month: 100,000 earned, 80,000 recovered, 20,000 paid
    book.apply(ledger.redeem(key="r2", voucher=7, institution=3, amount=100_000, balance=310_000))
    entry = ledger.settle(key="s2", institution=3, unsettled=100_000, recoverable=80_000)
    assert entry is not None
    book.apply(entry)
    assert book.balance(AccountKey("settled", 3)) == 140_000
    assert book.balance(AccountKey("recoverable", 3)) == 0
    assert book.raw_sum() == 0


def test_refusals_of_the_rules():
    with pytest.raises(LedgerRefused) as caught:
        ledger.redeem(key="r", voucher=1, institution=1, amount=10_001, balance=10_000)
    assert caught.value.code == "insufficient_balance"
    with pytest.raises(LedgerRefused) as caught:
        ledger.redeem(key="r", voucher=1, institution=1, amount=1, balance=10, item="snacks")
    assert caught.value.code == "not_tuition"
    for amount in (0, -5):
        with pytest.raises(LedgerRefused) as caught:
            ledger.issue(key="i", programme=1, voucher=1, amount=amount)
        assert caught.value.code == "invalid_amount"
    assert ledger.expire(key="e", voucher=1, programme=1, balance=0) is None
    assert ledger.settle(key="s", institution=1, unsettled=0, recoverable=5) is None


def test_replaying_a_key_changes_nothing_and_a_different_request_is_refused():
    book = Ledger()
    entry = ledger.issue(key="same", programme=1, voucher=1, amount=100)
    assert book.apply(entry) is True
    assert book.apply(entry) is False
    assert book.balance(AccountKey("voucher", 1)) == 100
    with pytest.raises(LedgerRefused) as caught:
        book.apply(ledger.issue(key="same", programme=1, voucher=1, amount=200))
    assert caught.value.code == "idempotency_conflict"


# ------------------------------------------------------------------ the refund schedule


@pytest.mark.parametrize(
    ("elapsed", "due"),
    [
        (0, 90_000),  # before the start: all
        (1, 60_000),  # 1 of 6 lessons: before 1/3 → 2/3
        (2, 45_000),  # 2 of 6: 1/3 passed, before 1/2 → 1/2
        (3, 0),  # half passed: nothing
        (6, 0),
    ],
)
def test_one_month_course(elapsed, due):
    assert ledger.refund_due(90_000, CourseProgress((6,), elapsed)) == due


def test_longer_course_current_month_by_the_rule_later_months_in_full():
    # 3 months of 4 lessons, 120,000 won: 40,000 a month
    progress = CourseProgress((4, 4, 4), 5)  # 1 lesson of month 2 held: 2/3 of 40,000 + 40,000
    assert ledger.refund_due(120_000, progress) == 26_666 + 40_000
    assert ledger.refund_due(120_000, CourseProgress((4, 4, 4), 4)) == 80_000
    assert ledger.refund_due(120_000, CourseProgress((4, 4, 4), 0)) == 120_000
    assert ledger.refund_due(120_000, CourseProgress((4, 4, 4), 12)) == 0
    assert ledger.refund_due(120_000, CourseProgress((4, 4, 4), 10)) == 0  # half of month 3


def test_provider_cannot_continue_refunds_pro_rata():
    assert (
        ledger.refund_due(100_000, CourseProgress((10,), 3), provider_cannot_continue=True)
        == 70_000
    )
    assert (
        ledger.refund_due(100_000, CourseProgress((3,), 1), provider_cannot_continue=True) == 66_666
    )


def test_split_by_units_adds_up_exactly():
    assert ledger.split_by_units(100, [1, 1, 1]) == [34, 33, 33]
    assert ledger.split_by_units(350_000, [3, 4]) == [150_000, 200_000]


@given(
    paid=st.integers(min_value=0, max_value=5_000_000),
    units=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=6).filter(
        lambda u: sum(u) > 0
    ),
    data=st.data(),
)
def test_refund_never_exceeds_paid_and_never_grows_with_time(paid, units, data):
    total = sum(units)
    elapsed = data.draw(st.integers(min_value=0, max_value=total))
    due = ledger.refund_due(paid, CourseProgress(tuple(units), elapsed))
    assert 0 <= due <= paid
    if elapsed < total:
        later = ledger.refund_due(paid, CourseProgress(tuple(units), elapsed + 1))
        assert later <= due
    assert ledger.refund_due(paid, CourseProgress(tuple(units), 0)) == paid


# ------------------------------------------------------------------ random sequences

VOUCHERS = (1, 2, 3)
INSTITUTIONS = (10, 11)
PROGRAMME = 5

operation = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(VOUCHERS), st.integers(1, 400_000)),
    st.tuples(
        st.just("redeem"),
        st.sampled_from(VOUCHERS),
        st.sampled_from(INSTITUTIONS),
        st.integers(-5, 200_000),
        st.sampled_from(["tuition", "textbook", "food"]),
    ),
    st.tuples(st.just("refund"), st.integers(0, 40), st.integers(0, 8), st.booleans()),
    st.tuples(st.just("expire"), st.sampled_from(VOUCHERS)),
    st.tuples(st.just("settle"), st.sampled_from(INSTITUTIONS)),
    st.tuples(st.just("replay"), st.integers(0, 60)),
)


def _step(book: Ledger, op: tuple, state: dict) -> None:
    """Build the operation from the ledger's state (as the services do under the lock) and
    apply it; refusals change nothing."""
    number = len(state["keys"])
    kind = op[0]
    entry: ledger.Transaction | None
    if kind == "issue":
        _, voucher, amount = op
        if voucher in state["issued"]:
            return
        entry = ledger.issue(
            key=f"issue-{voucher}", programme=PROGRAMME, voucher=voucher, amount=amount
        )
        state["issued"].add(voucher)
    elif kind == "redeem":
        _, voucher, institution, amount, item = op
        if voucher in state["expired"]:
            return
        entry = ledger.redeem(
            key=f"redeem-{number}",
            voucher=voucher,
            institution=institution,
            amount=amount,
            balance=book.balance(AccountKey("voucher", voucher)),
            item=item,
        )
        state["redemptions"].append((entry, voucher, institution, amount))
    elif kind == "refund":
        _, index, elapsed, provider = op
        if not state["redemptions"]:
            return
        redemption, voucher, institution, paid = state["redemptions"][
            index % len(state["redemptions"])
        ]
        if redemption.key in state["refunded"]:
            return
        state["refunded"].add(redemption.key)
        due = ledger.refund_due(
            paid, CourseProgress((4, 4), elapsed), provider_cannot_continue=provider
        )
        if due == 0:
            return
        entry = ledger.refund(
            key=f"refund-{redemption.key}",
            voucher=voucher,
            programme=PROGRAMME,
            institution=institution,
            amount=due,
            unsettled=book.balance(AccountKey("institution", institution)),
            voucher_lapsed=voucher in state["expired"],
        )
    elif kind == "expire":
        _, voucher = op
        state["expired"].add(voucher)
        entry = ledger.expire(
            key=f"expire-{voucher}",
            voucher=voucher,
            programme=PROGRAMME,
            balance=book.balance(AccountKey("voucher", voucher)),
        )
    elif kind == "settle":
        _, institution = op
        entry = ledger.settle(
            key=f"settle-{number}",
            institution=institution,
            unsettled=book.balance(AccountKey("institution", institution)),
            recoverable=book.balance(AccountKey("recoverable", institution)),
        )
    else:
        _, index = op
        if not book.journal:
            return
        entry = book.journal[index % len(book.journal)]
        before = (dict(book.balances), len(book.journal))
        assert book.apply(entry) is False
        assert (dict(book.balances), len(book.journal)) == before
        return
    if entry is not None:
        assert book.apply(entry) is True
        state["keys"].append(entry.key)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=60))
def test_random_sequences_keep_every_invariant(operations):
    book = Ledger()
    state: dict = {
        "keys": [],
        "issued": set(),
        "expired": set(),
        "redemptions": [],
        "refunded": set(),
    }
    for op in operations:
        try:
            _step(book, op, state)
        except LedgerRefused as refused:
            assert refused.code in {"insufficient_balance", "invalid_amount", "not_tuition"}
        # every transaction balances; no balance is negative; all accounts sum to zero
        assert all(sum(p.amount for p in t.postings) == 0 for t in book.journal)
        assert all(balance >= 0 for balance in book.balances.values())
        assert book.raw_sum() == 0
        assert ledger.balances_from(p for t in book.journal for p in t.postings) == dict(
            book.balances
        )
    # money is conserved: issued = held + at institutions + paid + lapsed − owed back
    issued = book.balance(AccountKey("funding", PROGRAMME))
    held = sum(book.balance(AccountKey("voucher", v)) for v in VOUCHERS)
    at_institutions = sum(
        book.balance(AccountKey(kind, i))
        for i in INSTITUTIONS
        for kind in ("institution", "settled")
    )
    owed = sum(book.balance(AccountKey("recoverable", i)) for i in INSTITUTIONS)
    assert issued == held + at_institutions + book.balance(AccountKey("lapsed", PROGRAMME)) - owed
