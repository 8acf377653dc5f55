"""Reads of the vouchers context: a learner's vouchers and their history, the settlement
report of an institution and month, the budget of a funded project, and the ledger audit
(every balance re-derived from the postings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy, pgettext_lazy

from learncity.algorithms import ledger
from learncity.catalog.selectors import course_brief, institution_brief, institution_names
from learncity.core import events
from learncity.core.errors import NotFound
from learncity.learners.access import Actor, Roles, Scope, allowed, roles_of
from learncity.learners.selectors import learner_id_of_user
from learncity.vouchers import errors
from learncity.vouchers.events import CompletedMinutesAsked
from learncity.vouchers.models import (
    Account,
    BudgetLine,
    FundedProject,
    LedgerTransaction,
    Posting,
    ProjectExpense,
    RegisteredInstitution,
    Voucher,
    VoucherProgramme,
)

KIND_WORDS = {
    "issue": gettext_lazy("지급"),
    "redeem": pgettext_lazy("Paid", "결제"),
    "refund": gettext_lazy("환불"),
    "expire": gettext_lazy("기간 만료 소멸"),
    "settle": pgettext_lazy("Settled", "정산"),
}


def voucher_balances(voucher_ids: list[int]) -> dict[int, int]:
    """Each voucher's balance, derived from its postings."""
    rows = (
        Posting.objects.filter(account__kind=ledger.VOUCHER, account__owner_id__in=voucher_ids)
        .values("account__owner_id")
        .annotate(total=Sum("amount"))
    )
    found = {row["account__owner_id"]: int(row["total"]) for row in rows}
    return {voucher_id: found.get(voucher_id, 0) for voucher_id in voucher_ids}


def vouchers_of_user(user_id: int) -> list[dict[str, Any]]:
    """The signed-in learner's vouchers, newest period first, with balances."""
    learner_id = learner_id_of_user(user_id)
    if learner_id is None:
        return []
    vouchers = list(
        Voucher.objects.filter(learner_id=learner_id)
        .select_related("programme")
        .order_by("-programme__period_start", "-id")
    )
    balances = voucher_balances([v.pk for v in vouchers])
    return [
        {
            "id": v.pk,
            "code": v.code,
            "programme": v.programme.name,
            "programme_en": v.programme.name_en or v.programme.name,
            "kind": v.programme.kind,
            "period_start": v.programme.period_start,
            "period_end": v.programme.period_end,
            "issued_krw": v.issued_krw,
            "balance_krw": balances[v.pk],
            "status": v.status,
        }
        for v in vouchers
    ]


def voucher_get_for_user(user_id: int, voucher_id: int) -> Voucher:
    """The access helper of a voucher for its holder: 404 when unknown, 403 when not theirs."""
    voucher = Voucher.objects.select_related("programme").filter(pk=voucher_id).first()
    if voucher is None:
        raise NotFound(f"no voucher {voucher_id}")
    if voucher.learner_id != learner_id_of_user(user_id):
        raise errors.Forbidden("this voucher is not yours")
    return voucher


def voucher_history(voucher_id: int) -> list[dict[str, Any]]:
    """Every movement of a voucher, oldest first: what changed its balance and by how much,
    with the running balance."""
    postings = list(
        Posting.objects.filter(account__kind=ledger.VOUCHER, account__owner_id=voucher_id)
        .select_related("transaction")
        .order_by("transaction_id", "id")
    )
    names = institution_names(
        sorted({p.transaction.institution_id for p in postings if p.transaction.institution_id})
    )
    titles: dict[int, str] = {}
    rows = []
    running = 0
    for posting in postings:
        entry = posting.transaction
        running += posting.amount
        course = ""
        if entry.course_id:
            if entry.course_id not in titles:
                brief = course_brief(entry.course_id)
                titles[entry.course_id] = brief["title"] if brief else ""
            course = titles[entry.course_id]
        rows.append(
            {
                "transaction_id": entry.pk,
                "kind": entry.kind,
                "words": KIND_WORDS[entry.kind],
                "at": entry.at,
                "change_krw": posting.amount,
                "balance_krw": running,
                "institution": names.get(entry.institution_id or 0, ""),
                "course": course,
                "item": entry.item,
            }
        )
    return rows


# ------------------------------------------------------------------ settlement


def settlement_get_for_staff(actor: Actor | Roles, institution_id: int) -> dict[str, Any]:
    """The access helper of an institution's settlement: 404 unknown, 403 not readable."""
    brief = institution_brief(institution_id)
    if brief is None:
        raise NotFound(f"no institution {institution_id}")
    scope = Scope(institution_id=institution_id, district_code=brief["district_code"])
    if not allowed(actor, "vouchers.settlement_read", scope):
        raise errors.Forbidden("you may not read this institution's settlement")
    return brief


def settlement_report(institution_id: int, month: str) -> dict[str, Any]:
    """The institution's voucher payments and refunds of the month, their totals, and the
    month's settlement when it has been run. A row `without_application` was paid by the
    holder without an application in learncity (a course booked elsewhere): the office
    checks it before paying; the totals count those payments apart."""
    entries = list(
        LedgerTransaction.objects.filter(
            institution_id=institution_id, month=month, kind__in=("redeem", "refund")
        )
        .select_related("voucher", "programme")
        .order_by("at", "id")
    )
    titles: dict[int, str] = {}
    rows: list[dict[str, Any]] = []
    for entry in entries:
        if entry.course_id and entry.course_id not in titles:
            brief = course_brief(entry.course_id)
            titles[entry.course_id] = brief["title"] if brief else ""
        sign = 1 if entry.kind == "redeem" else -1
        rows.append(
            {
                "transaction_id": entry.pk,
                "at": entry.at,
                "kind": entry.kind,
                "words": KIND_WORDS[entry.kind],
                "voucher": entry.voucher.code if entry.voucher else "",
                "programme": entry.programme.name if entry.programme else "",
                "course": titles.get(entry.course_id or 0, ""),
                "item": entry.item,
                "application_id": entry.application_id,
                # paid by the holder without an application in learncity (issue 19): to check
                "without_application": entry.application_id is None,
                "amount_krw": sign * int(entry.amount_krw),
            }
        )
    redeemed = sum(r["amount_krw"] for r in rows if r["kind"] == "redeem")
    unlinked = [r for r in rows if r["kind"] == "redeem" and r["without_application"]]
    refunded = -sum(r["amount_krw"] for r in rows if r["kind"] == "refund")
    settlement = (
        LedgerTransaction.objects.filter(kind="settle", institution_id=institution_id, month=month)
        .prefetch_related("postings__account")
        .first()
    )
    settled: dict[str, Any] | None = None
    if settlement is not None:
        paid = sum(p.amount for p in settlement.postings.all() if p.account.kind == ledger.SETTLED)
        settled = {
            "transaction_id": settlement.pk,
            "at": settlement.at,
            "unsettled_krw": int(settlement.amount_krw),
            "paid_krw": int(paid),
            "recovered_krw": int(settlement.amount_krw) - int(paid),
        }
    return {
        "institution_id": institution_id,
        "month": month,
        "rows": rows,
        "redeemed_krw": redeemed,
        "refunded_krw": refunded,
        "net_krw": redeemed - refunded,
        "without_application_count": len(unlinked),
        "without_application_krw": sum(r["amount_krw"] for r in unlinked),
        "settlement": settled,
    }


def settlement_institutions(month: str) -> list[dict[str, Any]]:
    """Institutions with voucher payments or refunds in the month, with their net."""
    rows = (
        LedgerTransaction.objects.filter(month=month, kind__in=("redeem", "refund"))
        .values("institution_id")
        .annotate(
            redeemed=Sum("amount_krw", filter=Q(kind="redeem")),
            refunded=Sum("amount_krw", filter=Q(kind="refund")),
            count=Count("id"),
        )
        .order_by("institution_id")
    )
    names = institution_names([r["institution_id"] for r in rows])
    return [
        {
            "institution_id": r["institution_id"],
            "name": names.get(r["institution_id"], ""),
            "redeemed_krw": int(r["redeemed"] or 0),
            "refunded_krw": int(r["refunded"] or 0),
            "net_krw": int(r["redeemed"] or 0) - int(r["refunded"] or 0),
            "count": r["count"],
        }
        for r in rows
    ]


# ------------------------------------------------------------------ projects


def project_get_for_staff(actor: Actor, project_id: int) -> FundedProject:
    project = FundedProject.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"no funded project {project_id}")
    if not allowed(actor, "vouchers.office_read", Scope(district_code=project.district_code)):
        raise errors.Forbidden("you may not read this project")
    return project


def _voucher_spend(programme_ids: list[int]) -> tuple[int, int]:
    """Net voucher spending (payments less refunds) of the programmes, and how many learners
    it reached (net spending above zero)."""
    total, learners, _ = _voucher_spend_detail(programme_ids)
    return total, learners


def _voucher_spend_detail(programme_ids: list[int]) -> tuple[int, int, list[int]]:
    """Net voucher spending of the programmes, the learners it reached, and the enrolment
    applications it paid (net above zero)."""
    if not programme_ids:
        return 0, 0, []
    spend = LedgerTransaction.objects.filter(
        programme_id__in=programme_ids, kind__in=("redeem", "refund")
    )
    per_voucher = spend.values("voucher__learner_id").annotate(
        redeemed=Sum("amount_krw", filter=Q(kind="redeem")),
        refunded=Sum("amount_krw", filter=Q(kind="refund")),
    )
    total = 0
    learners = 0
    for row in per_voucher:
        net = int(row["redeemed"] or 0) - int(row["refunded"] or 0)
        total += net
        learners += net > 0
    paid: dict[int, int] = {}
    for kind, application_id, amount, reversed_application in spend.values_list(
        "kind", "application_id", "amount_krw", "reverses__application_id"
    ):
        if kind == "redeem" and application_id is not None:
            paid[application_id] = paid.get(application_id, 0) + int(amount)
        elif kind == "refund" and reversed_application is not None:
            paid[reversed_application] = paid.get(reversed_application, 0) - int(amount)
    return total, learners, sorted(a for a, net in paid.items() if net > 0)


def _per(amount: int, count: int | None) -> int | None:
    """amount / count in whole won, rounded half up; None when there is nothing to divide by."""
    if not count:
        return None
    return (2 * amount + count) // (2 * count)


def project_budget(project_id: int) -> dict[str, Any]:
    """Spend against budget, per line and in total, and cost per learner and per completed
    hour. Voucher spending counts against the line its programme is linked to (or against the
    project, unassigned, when the programme names no line); other spending is recorded as
    expenses. Completed hours come from the learning record: the attended hours of the
    completed courses that the project's vouchers paid for (None while none is completed),
    asked of records (CompletedMinutesAsked), which stands above vouchers."""
    project = FundedProject.objects.filter(pk=project_id).first()
    if project is None:
        raise NotFound(f"no funded project {project_id}")
    programmes = list(
        VoucherProgramme.objects.filter(project=project).values("id", "budget_line_id", "name")
    )
    lines: list[dict[str, Any]] = []
    for line in BudgetLine.objects.filter(project=project).order_by("id"):
        spend, _ = _voucher_spend([p["id"] for p in programmes if p["budget_line_id"] == line.pk])
        expenses = int(
            ProjectExpense.objects.filter(line=line).aggregate(t=Sum("amount_krw"))["t"] or 0
        )
        spent = spend + expenses
        lines.append(
            {
                "id": line.pk,
                "name": line.name,
                "category": line.category,
                "category_words": BudgetLine.Category(line.category).label,
                "budget_krw": int(line.amount_krw),
                "voucher_spend_krw": spend,
                "expenses_krw": expenses,
                "spent_krw": spent,
                "remaining_krw": int(line.amount_krw) - spent,
                "percent": round(100 * spent / line.amount_krw, 1) if line.amount_krw else None,
            }
        )
    unassigned, _ = _voucher_spend([p["id"] for p in programmes if p["budget_line_id"] is None])
    _, learners, paid_applications = _voucher_spend_detail([p["id"] for p in programmes])
    minutes = int(events.ask(CompletedMinutesAsked(application_ids=tuple(paid_applications))))
    completed_hours = round(minutes / 60, 1) if minutes else None
    spent = sum(line["spent_krw"] for line in lines) + unassigned
    return {
        "id": project.pk,
        "name": project.name,
        "funder": project.funder,
        "district_code": project.district_code,
        "starts_on": project.starts_on,
        "ends_on": project.ends_on,
        "budget_krw": int(project.amount_krw),
        "lines": lines,
        "programmes": [{"id": p["id"], "name": p["name"]} for p in programmes],
        "unassigned_voucher_spend_krw": unassigned,
        "spent_krw": spent,
        "remaining_krw": int(project.amount_krw) - spent,
        "percent": round(100 * spent / project.amount_krw, 1) if project.amount_krw else None,
        "learners": learners,
        "cost_per_learner_krw": _per(spent, learners),
        "completed_hours": completed_hours,
        "completed_courses_paid": len(paid_applications),
        "cost_per_completed_hour_krw": (
            _per(spent * 60, minutes) if completed_hours is not None else None
        ),
    }


def project_list() -> list[dict[str, Any]]:
    return [
        dict(row) for row in FundedProject.objects.order_by("id").values("id", "name", "amount_krw")
    ]


# ------------------------------------------------------------------ audit


def ledger_audit() -> dict[str, Any]:
    """Re-derive the ledger's invariants from the postings: transactions whose postings do
    not sum to zero, accounts whose derived balance is negative or differs from the balance
    kept beside it, and the sum of all postings (zero)."""
    unbalanced = list(
        Posting.objects.values("transaction_id")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .values_list("transaction_id", flat=True)
    )
    empty = list(
        LedgerTransaction.objects.annotate(n=Count("postings"))
        .filter(n__lt=2)
        .values_list("pk", flat=True)
    )
    derived = {
        row["account_id"]: int(row["total"])
        for row in Posting.objects.values("account_id").annotate(total=Sum("amount"))
    }
    negative = []
    mismatch = []
    for account in Account.objects.all():
        balance = ledger.NORMAL_SIGN[account.kind] * derived.get(account.pk, 0)
        if balance < 0:
            negative.append(str(account))
        if balance != account.balance:
            mismatch.append(str(account))
    return {
        "transactions": LedgerTransaction.objects.count(),
        "postings": Posting.objects.count(),
        "unbalanced_transactions": sorted(set(unbalanced) | set(empty)),
        "negative_balances": negative,
        "balance_mismatch": mismatch,
        "sum_of_postings": sum(derived.values()),
    }


def redemptions_of_application(application_id: int) -> list[dict[str, Any]]:
    """The voucher payments of an application (enrolment shows them; refund reads them)."""
    rows = (
        LedgerTransaction.objects.filter(kind="redeem", application_id=application_id)
        .order_by("id")
        .values("id", "voucher_id", "amount_krw", "item", "at")
    )
    return [dict(row) for row in rows]


def today_month(today: dt.date) -> str:
    return today.strftime("%Y-%m")


def voucher_paid_for_application(application_id: int) -> int:
    """What vouchers paid of an application's tuition, less what was refunded of it."""
    paid = LedgerTransaction.objects.filter(
        kind="redeem", application_id=application_id, item="tuition"
    ).aggregate(total=Sum("amount_krw"))["total"]
    refunded = LedgerTransaction.objects.filter(
        kind="refund", reverses__application_id=application_id, reverses__item="tuition"
    ).aggregate(total=Sum("amount_krw"))["total"]
    return int(paid or 0) - int(refunded or 0)


def voucher_programme_count() -> int:
    return VoucherProgramme.objects.count()


# ------------------------------------------------------------------ programmes (staff pages)

_PROGRAMME_FIELDS = (
    "id",
    "code",
    "name",
    "name_en",
    "kind",
    "amount_krw",
    "period_start",
    "period_end",
    "min_age",
    "max_age",
    "groups",
    "district_code",
    "issued",
)


def programme_rows_for_staff(actor: Actor) -> list[dict[str, Any]]:
    """The programmes the office may read, latest period first, with how many vouchers were
    issued and how many institutions are registered."""
    rows = (
        VoucherProgramme.objects.annotate(
            issued=Count("vouchers", distinct=True),
            registered=Count("institutions", distinct=True),
        )
        .order_by("-period_start", "id")
        .values(*_PROGRAMME_FIELDS, "registered")
    )
    roles = roles_of(actor)  # one query; then one policy answer per district
    readable: dict[str, bool] = {}
    found = []
    for row in rows:
        district = row["district_code"]
        if district not in readable:
            readable[district] = allowed(
                roles, "vouchers.office_read", Scope(district_code=district)
            )
        if readable[district]:
            found.append(dict(row))
    return found


def programme_get_for_staff(actor: Actor, programme_id: int) -> dict[str, Any]:
    """The access helper of a programme's page: 404 unknown, 403 not the office's."""
    row = (
        VoucherProgramme.objects.filter(pk=programme_id)
        .annotate(issued=Count("vouchers", distinct=True))
        .values(*_PROGRAMME_FIELDS)
        .first()
    )
    if row is None:
        raise NotFound(f"no voucher programme {programme_id}")
    if not allowed(actor, "vouchers.office_read", Scope(district_code=row["district_code"])):
        raise errors.Forbidden("you may not read this programme")
    return dict(row)


def programme_institutions(programme_id: int) -> list[dict[str, Any]]:
    """The institutions registered for a programme, with their names."""
    rows = list(
        RegisteredInstitution.objects.filter(programme_id=programme_id)
        .order_by("institution_id")
        .values("institution_id", "registered_at")
    )
    names = institution_names([r["institution_id"] for r in rows])
    return [
        {"id": r["institution_id"], "name": names.get(r["institution_id"], ""), **r} for r in rows
    ]


def voucher_code(voucher_id: int | None) -> str:
    if voucher_id is None:
        return ""
    return Voucher.objects.filter(pk=voucher_id).values_list("code", flat=True).first() or ""


def budget_lines_for_staff(actor: Actor) -> list[tuple[int, str]]:
    """The budget lines a new programme may be paid from: the lines of the projects the office
    may read, as (id, "project — line")."""
    rows = (
        BudgetLine.objects.select_related("project")
        .order_by("project_id", "id")
        .values_list("id", "name", "project__name", "project__district_code")
    )
    roles = roles_of(actor)
    readable: dict[str, bool] = {}
    found = []
    for line_id, name, project, district in rows:
        if district not in readable:
            readable[district] = allowed(
                roles, "vouchers.office_read", Scope(district_code=district)
            )
        if readable[district]:
            found.append((line_id, f"{project} — {name}"))
    return found
