"""The database side of `learncity bench ledger`, in its own process (the database is the
one LEARNCITY_DATABASE_URL names: a scratch one made by bench/ledger.py).

Migrate; make a city administrator, a registered institution, a programme whose voucher
covers LEARNCITY_LEDGER_COVERS payments of 10,000 won, and LEARNCITY_LEDGER_VOUCHERS
learners with a voucher each. Then LEARNCITY_LEDGER_PARALLEL threads, each with its own
database connection, meet at a barrier before every voucher and all try to pay 10,000 won
from it at once (the rush); the same threads, in the same rounds, run the baseline first: the
bare guarded UPDATE of one balance (`UPDATE ... SET balance = balance - 10000 WHERE id = %s
AND balance >= 10000`, one transaction each) on accounts set up the same way and removed
afterwards. Finally every successful request is sent again (a retry with the same key) and
the ledger is audited from its postings.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from learncity.catalog.models import Institution
from learncity.learners.access import Actor
from learncity.learners.models import Learner, StaffRole
from learncity.vouchers import errors, selectors, services
from learncity.vouchers.models import Account, LedgerTransaction

PRICE = 10_000


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rounds(
    parallel: int, rounds: int, work: Callable[[int, int], Any]
) -> tuple[list[Any], float, list[float]]:
    """`parallel` threads meet at a barrier before each round and run work(round, thread)."""
    results: list[Any] = [None] * (parallel * rounds)
    latencies: list[float] = [0.0] * (parallel * rounds)
    barrier = threading.Barrier(parallel)

    def run(thread: int) -> None:
        try:
            for number in range(rounds):
                barrier.wait()
                started = time.perf_counter()
                try:
                    results[number * parallel + thread] = work(number, thread)
                except Exception as exc:  # counted and reported
                    results[number * parallel + thread] = exc
                latencies[number * parallel + thread] = (time.perf_counter() - started) * 1000
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(parallel)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started, latencies


def run() -> dict[str, Any]:
    vouchers = int(os.environ.get("LEARNCITY_LEDGER_VOUCHERS") or 20)
    parallel = int(os.environ.get("LEARNCITY_LEDGER_PARALLEL") or 50)
    covers = int(os.environ.get("LEARNCITY_LEDGER_COVERS") or 10)
    call_command("migrate", verbosity=0)
    now = timezone.now()
    today = timezone.localdate(now)
    admin_user = User.objects.create_user("ledger-admin", password=None)
    StaffRole.objects.create(user=admin_user, role=StaffRole.Role.CITY_ADMIN)
    admin = Actor(admin_user.pk)
    place = Institution.objects.create(name="bench 평생학습관")
    made = services.programme_create(
        actor=admin,
        code=f"bench-{now:%Y%m%d%H%M%S%f}",
        name="bench 이용권",
        kind="city",
        amount_krw=PRICE * covers,
        period_start=today - dt.timedelta(days=1),
        period_end=today + dt.timedelta(days=30),
    )
    services.programme_register_institution(
        actor=admin, programme_id=made.pk, institution_id=place.pk
    )
    holders: list[tuple[int, Actor, int]] = []
    for number in range(vouchers):
        user = User.objects.create_user(f"ledger-{number}", password=None)
        learner = Learner.objects.create(user=user, name=f"bench {number}", birth_year=1980)
        outcome = services.voucher_issue(
            actor=admin,
            programme_id=made.pk,
            learner_id=learner.pk,
            idempotency_key=f"bench-issue-{number:06d}",
        )
        assert outcome.voucher_id is not None
        holders.append((learner.pk, Actor(user.pk), outcome.voucher_id))

    # the baseline: the bare guarded balance update, same threads, same rounds
    base_ids = [
        Account.objects.create(kind="voucher", owner_id=-(number + 1), balance=PRICE * covers).pk
        for number in range(vouchers)
    ]

    def bare(number: int, _: int) -> bool:
        with transaction.atomic():
            moved = Account.objects.filter(pk=base_ids[number], balance__gte=PRICE).update(
                balance=F("balance") - PRICE
            )
        return moved == 1

    base_results, base_s, base_latencies = _rounds(parallel, vouchers, bare)
    Account.objects.filter(pk__in=base_ids).delete()

    def pay(number: int, thread: int) -> services.Outcome:
        learner_id, actor, voucher_id = holders[number]
        return services.voucher_redeem(
            actor=actor,
            voucher_id=voucher_id,
            institution_id=place.pk,
            amount=PRICE,
            idempotency_key=f"bench-pay-{number:06d}-{thread:04d}",
            acting_for_learner_id=learner_id,
        )

    results, rush_s, latencies = _rounds(parallel, vouchers, pay)
    succeeded = [r for r in results if isinstance(r, services.Outcome) and not r.replayed]
    refused = [r for r in results if isinstance(r, errors.InsufficientBalance)]
    failed = [r for r in results if isinstance(r, Exception) and r not in refused]
    transactions_before = LedgerTransaction.objects.count()
    # retries: every request that succeeded is sent again with its key
    keys = {r.transaction_id for r in succeeded}
    won = [
        (index // parallel, index % parallel)
        for index, r in enumerate(results)
        if isinstance(r, services.Outcome) and r.transaction_id in keys
    ]
    replays = [pay(number, thread) for number, thread in won]
    audit = selectors.ledger_audit()
    per_voucher = selectors.voucher_balances([h[2] for h in holders])
    overpaid = sum(
        LedgerTransaction.objects.filter(kind="redeem", voucher_id=h[2]).count() > covers
        for h in holders
    )
    attempts = len(results)
    return {
        "database": connection.vendor,
        "attempts": attempts,
        "succeeded": len(succeeded),
        "expected": vouchers * covers,
        "refused_insufficient_balance": len(refused),
        "errors": len(failed),
        "error_examples": sorted({f"{type(e).__name__}: {e}" for e in failed})[:3],
        "vouchers": vouchers,
        "parallel": parallel,
        "covers": covers,
        "overpaid_vouchers": overpaid,
        "vouchers_left_with_balance": sum(1 for b in per_voucher.values() if b != 0),
        "negative_balances": len(audit["negative_balances"]),
        "unbalanced_transactions": len(audit["unbalanced_transactions"]),
        "balance_mismatch": len(audit["balance_mismatch"]),
        "sum_of_postings": audit["sum_of_postings"],
        "replays": len(replays),
        "replays_changed_nothing": all(r.replayed for r in replays)
        and LedgerTransaction.objects.count() == transactions_before,
        "throughput_per_s": round(attempts / rush_s, 1),
        "baseline_per_s": round(len(base_results) / base_s, 1),
        "ratio": round((attempts / rush_s) / (len(base_results) / base_s), 3),
        "p50_ms": round(_percentile(latencies, 0.5), 2),
        "p99_ms": round(_percentile(latencies, 0.99), 2),
        "baseline_p50_ms": round(_percentile(base_latencies, 0.5), 2),
        "baseline_p99_ms": round(_percentile(base_latencies, 0.99), 2),
        "baseline_succeeded": sum(1 for r in base_results if r is True),
    }
