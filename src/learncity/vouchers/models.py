"""Vouchers: programmes and who may use them where, the vouchers issued to learners, the
ledger (accounts, transactions, postings), and funded projects with their budget lines.

The ledger's rules are in `learncity.algorithms.ledger`; this module stores them:

- `Account.balance` is the sum of the account's postings on its normal side, kept in the same
  database transaction that inserts the postings, by a conditional UPDATE
  (`... WHERE balance + change >= 0`) after the accounts are locked in primary-key order; a
  CHECK constraint refuses a negative balance as the last line. `vouchers.selectors
  .ledger_audit` re-derives every balance from the postings and must find no difference.
- Transactions and postings are never updated or deleted: a mistake is put right by another
  transaction. Ids of other contexts (institution, application, catalog programme) are plain
  numbers, so that the ledger outlives the rows it mentions.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from learncity.algorithms import ledger
from learncity.core.models import TimeStampedModel


class FundedProject(TimeStampedModel):
    """A funded project: e.g. a national grant for a consortium, a district's own project."""

    name = models.CharField(max_length=200)
    funder = models.CharField(max_length=200, blank=True, default="")
    amount_krw = models.BigIntegerField()
    district_code = models.CharField(
        max_length=10, blank=True, default="", help_text="the district's project; blank: city-wide"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_krw__gte=0), name="project_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="project_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BudgetLine(models.Model):
    class Category(models.TextChoices):
        VOUCHERS = "vouchers", "이용권 (학습비 지원)"
        INSTRUCTORS = "instructors", "강사비"
        VENUES = "venues", "시설·장소"
        MATERIALS = "materials", "교재·재료"
        PROMOTION = "promotion", "홍보"
        OPERATIONS = "operations", "운영"

    project = models.ForeignKey(FundedProject, on_delete=models.CASCADE, related_name="lines")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=Category.choices)
    amount_krw = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_krw__gte=0), name="budget_line_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProjectExpense(models.Model):
    """Spending on a budget line that is not voucher money (instructors, venues, ...)."""

    line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="expenses")
    amount_krw = models.BigIntegerField()
    spent_on = models.DateField()
    memo = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_krw__gt=0), name="expense_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"expense {self.pk}"


class VoucherProgramme(TimeStampedModel):
    """A voucher scheme for one period: who may receive it, how much, where it may be used."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "국가 평생교육이용권"
        CITY = "city", "지자체 이용권"

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount_krw = models.PositiveIntegerField(help_text="issued to each learner for the period")
    period_start = models.DateField()
    period_end = models.DateField(help_text="the last day: unused balance lapses after it")
    min_age = models.PositiveSmallIntegerField(default=0)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    groups = models.JSONField(
        default=list, blank=True, help_text="any of senior/disability/low_income/multicultural"
    )
    district_code = models.CharField(
        max_length=10, blank=True, default="", help_text="residents of this district only"
    )
    project = models.ForeignKey(
        FundedProject, null=True, blank=True, on_delete=models.PROTECT, related_name="programmes"
    )
    budget_line = models.ForeignKey(
        BudgetLine, null=True, blank=True, on_delete=models.PROTECT, related_name="programmes"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="voucher_programme_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_krw__gt=0), name="voucher_programme_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RegisteredInstitution(models.Model):
    """An institution registered to take a programme's vouchers (사용기관 등록)."""

    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.CASCADE, related_name="institutions"
    )
    institution = models.ForeignKey(
        "catalog.Institution", on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "institution"], name="voucher_institution_once"
            )
        ]

    def __str__(self) -> str:
        return f"institution {self.institution_id} in {self.programme_id}"


class Voucher(models.Model):
    """One learner's voucher of one programme's period."""

    class Status(models.TextChoices):
        ACTIVE = "active", "사용 가능"
        EXPIRED = "expired", "기간 만료"

    code = models.CharField(max_length=20, unique=True)
    programme = models.ForeignKey(
        VoucherProgramme, on_delete=models.PROTECT, related_name="vouchers"
    )
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    issued_krw = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "learner"], name="voucher_one_per_learner_and_programme"
            )
        ]

    def __str__(self) -> str:
        return f"voucher {self.code}"


ACCOUNT_KINDS = [(kind, kind) for kind in ledger.NORMAL_SIGN]


class Account(models.Model):
    """A ledger account (`algorithms.ledger.AccountKey`): kind and owner (a voucher, a
    voucher programme or an institution, by id)."""

    kind = models.CharField(max_length=12, choices=ACCOUNT_KINDS)
    owner_id = models.BigIntegerField()
    balance = models.BigIntegerField(
        default=0, help_text="sum of the postings on the normal side, kept with them"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "owner_id"], name="account_once"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="account_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.owner_id}"

    @property
    def key(self) -> ledger.AccountKey:
        return ledger.AccountKey(self.kind, self.owner_id)


TRANSACTION_KINDS = [(kind, kind) for kind in ledger.KINDS]


class LedgerTransaction(models.Model):
    kind = models.CharField(max_length=8, choices=TRANSACTION_KINDS)
    idempotency_key = models.CharField(max_length=100, unique=True)
    request = models.JSONField(default=dict, help_text="what was asked, to recognise a replay")
    amount_krw = models.BigIntegerField(help_text="the headline amount of the operation")
    at = models.DateTimeField()
    month = models.CharField(max_length=7, help_text="YYYY-MM of `at` (Seoul) or the settled month")
    actor_id = models.BigIntegerField(null=True, blank=True)
    programme = models.ForeignKey(
        VoucherProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    institution_id = models.BigIntegerField(null=True, blank=True)
    application_id = models.BigIntegerField(null=True, blank=True)
    course_id = models.BigIntegerField(
        null=True, blank=True, help_text="the catalog programme paid for"
    )
    item = models.CharField(max_length=12, blank=True, default="")
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversals"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_krw__gt=0), name="ledger_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=models.Q(kind="refund"),
                name="ledger_one_refund_per_redemption",
            ),
            models.UniqueConstraint(
                fields=["voucher", "application_id", "item"],
                condition=models.Q(kind="redeem", application_id__isnull=False),
                name="ledger_one_redemption_per_application_item",
            ),
            models.UniqueConstraint(
                fields=["voucher"], condition=models.Q(kind="issue"), name="ledger_issue_once"
            ),
            models.UniqueConstraint(
                fields=["voucher"], condition=models.Q(kind="expire"), name="ledger_expire_once"
            ),
            models.UniqueConstraint(
                fields=["institution_id", "month"],
                condition=models.Q(kind="settle"),
                name="ledger_settle_once_per_month",
            ),
        ]
        indexes = [
            models.Index(fields=["institution_id", "month", "kind"], name="ledger_settlement"),
            models.Index(fields=["application_id"], name="ledger_application"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("ledger transactions are append-only")
        super().save(*args, **kwargs)


class Posting(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField(help_text="won; + debit, − credit")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="posting_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.amount:+} on account {self.account_id}"
