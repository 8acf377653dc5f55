"""Refusals of the vouchers context (project hierarchy: learncity.core.errors). Each has a
stable `code` and the HTTP status an interface answers with."""

from __future__ import annotations

from learncity.core.errors import DomainError


class VoucherError(DomainError):
    code = "voucher_error"


class Forbidden(VoucherError):
    code = "forbidden"
    http_status = 403


class InvalidAmount(VoucherError):
    code = "invalid_amount"


class InvalidRequest(VoucherError):
    code = "invalid_request"


class NotTuition(VoucherError):
    code = "not_tuition"


class InstitutionNotRegistered(VoucherError):
    code = "institution_not_registered"


class NotEligible(VoucherError):
    code = "voucher_not_eligible"


class InsufficientBalance(VoucherError):
    code = "insufficient_balance"
    http_status = 409


class VoucherExpired(VoucherError):
    code = "voucher_expired"
    http_status = 409


class AlreadyIssued(VoucherError):
    code = "already_issued"
    http_status = 409


class AlreadyRedeemed(VoucherError):
    code = "already_redeemed"
    http_status = 409


class AlreadyRefunded(VoucherError):
    code = "already_refunded"
    http_status = 409


class IdempotencyConflict(VoucherError):
    code = "idempotency_conflict"
    http_status = 409


class SettlementRefused(VoucherError):
    code = "settlement_refused"
    http_status = 409


BY_LEDGER_CODE: dict[str, type[VoucherError]] = {
    "invalid_amount": InvalidAmount,
    "not_tuition": NotTuition,
    "insufficient_balance": InsufficientBalance,
    "idempotency_conflict": IdempotencyConflict,
}


class VoucherNotValidYet(VoucherError):
    code = "voucher_not_valid_yet"
    http_status = 409


class ApplicationRequired(VoucherError):
    """Only the holder, signed in as themselves, pays without an application; anyone else
    (institution staff at the desk, a household proxy, an administrator) pays an
    application's fee, for at most what it still owes (issue 19)."""

    code = "application_required"
