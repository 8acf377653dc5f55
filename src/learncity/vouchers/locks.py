"""The row locks of the ledger, in one module (STYLE: each app keeps its locking helpers
together).

`accounts_locked` makes sure the accounts exist, then locks all of them in primary-key order
(`SELECT ... FOR UPDATE ... ORDER BY id` on PostgreSQL; on SQLite the transaction is
IMMEDIATE, so the database is already locked for writing) and returns their balances as read
under the lock. Every writing service calls it first inside `transaction.atomic`, with every
account its transaction will touch, so that two transactions never wait on each other in
opposite orders (no deadlock) and a balance checked under the lock is the balance written.
`balances_apply` then moves the balances by conditional UPDATEs (`... WHERE balance + change
>= 0`); the CHECK constraint `account_balance_not_negative` is the last line.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from learncity.algorithms import ledger
from learncity.vouchers.models import Account


class LockedAccounts(dict[ledger.AccountKey, Account]):
    def balance(self, key: ledger.AccountKey) -> int:
        return self[key].balance


def _ensure(keys: Iterable[ledger.AccountKey]) -> None:
    for key in keys:
        if Account.objects.filter(kind=key.kind, owner_id=key.owner).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint: a concurrent creator may win
                Account.objects.create(kind=key.kind, owner_id=key.owner)
        except IntegrityError:
            pass


def accounts_locked(keys: Iterable[ledger.AccountKey]) -> LockedAccounts:
    """Lock the accounts (created when missing) in primary-key order; needs a transaction."""
    wanted = set(keys)
    _ensure(sorted(wanted))
    which = Q()
    for key in wanted:
        which |= Q(kind=key.kind, owner_id=key.owner)
    rows = list(Account.objects.filter(which).select_for_update().order_by("pk"))  # locks taken
    return LockedAccounts({row.key: row for row in rows})


def balances_apply(accounts: LockedAccounts, transaction_: ledger.Transaction) -> bool:
    """Move each account's balance by the transaction, in primary-key order; False (and the
    caller rolls back) when one would go below zero."""
    changes = transaction_.balance_changes()
    for key in sorted(changes, key=lambda k: accounts[k].pk):
        change = changes[key]
        moved = Account.objects.filter(pk=accounts[key].pk, balance__gte=-change).update(
            balance=F("balance") + change
        )
        if moved != 1:
            return False
        accounts[key].balance += change
    return True
