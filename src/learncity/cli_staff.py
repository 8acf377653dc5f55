"""The `learncity staff`, `learncity tokens` and `learncity access-log` commands: the city
office's accounts, their scoped roles and their API tokens, run by the operator on the server
(recorded in the staff audit log as "command line"), and the daily prune of the personal-data
access log past its retention."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

ROLE_NAMES = "city_admin|district_officer|institution_staff|instructor|auditor|coach"

staff_app = typer.Typer(
    help="Staff accounts and their roles (city administrators, officers, institution staff, "
    "instructors, auditors, coaches).",
    no_args_is_help=True,
)
tokens_app = typer.Typer(help="API tokens: issue (shown once), list, revoke.", no_args_is_help=True)
access_log_app = typer.Typer(
    help="The personal-data access log (who among the staff read whose data): prune.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `staff`, `tokens` and `access-log` groups to the main `learncity` app."""
    app.add_typer(staff_app, name="staff")
    app.add_typer(tokens_app, name="tokens")
    app.add_typer(access_log_app, name="access-log")


RoleOption = Annotated[str, typer.Option("--role", help=f"One of {ROLE_NAMES}.")]
DistrictOption = Annotated[
    str,
    typer.Option(
        "--district",
        help="The 시·군·구 of a district officer (or a coach): its 10-digit code or its name "
        "(강남구, '서울특별시 강남구').",
    ),
]
InstitutionOption = Annotated[
    str,
    typer.Option(
        "--institution",
        help="The institution of an instructor or institution staff: its number or exact name.",
    ),
]


@staff_app.command("add")
def staff_add(  # noqa: PLR0917 - typer options
    user: Annotated[str, typer.Argument(help="The user name (created when it does not exist).")],
    role: RoleOption,
    district: DistrictOption = "",
    institution: InstitutionOption = "",
    email: Annotated[str, typer.Option(help="E-mail address of a new account.")] = "",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the new account's password from standard input; without it a one-time "
            "set-password link is printed.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Give USER a staff role (making the account when it does not exist)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None

    def action() -> dict[str, Any]:
        from django.conf import settings
        from django.contrib.auth.models import User
        from django.db import transaction

        from learncity.learners import staff_services as staff

        scope = staff.role_scope(role=role, institution=institution or None, district=district)
        with transaction.atomic():
            existing = User.objects.filter(username=user.strip()).first()
            created = existing is None
            if existing is None:
                account = staff.staff_account_create(username=user, email=email, password=password)
            else:
                account = existing
                if password is not None:
                    raise staff.StaffError(
                        f"the account {user!r} exists: --password-stdin sets the password of a "
                        "new account only (use the set-password link or the password reset)"
                    )
            staff.role_grant(actor=None, user_id=account.pk, scope=scope)
        link = "" if account.has_usable_password() else staff.password_link(account.pk)
        return {
            "user": account.username,
            "user_id": account.pk,
            "created": created,
            "role": scope.role,
            "institution_id": scope.institution_id,
            "district_code": scope.district_code,
            "set_password_link": link,
            "link_valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }

    result = run(action)
    where = (
        f" of institution {result['institution_id']}"
        if result["institution_id"]
        else (f" of district {result['district_code']}" if result["district_code"] else "")
    )
    lines = [
        f"{'created the account' if result['created'] else 'account'} {result['user']}: "
        f"{result['role']}{where} granted"
    ]
    if result["set_password_link"]:
        lines.append(
            f"set the password once at this link (valid {result['link_valid_minutes']} minutes;"
            f" it stops working once used): {result['set_password_link']}"
        )
    print_result(result, as_json, lines)


@staff_app.command("list")
def staff_list_command(as_json: JsonOption = False) -> None:
    """Every staff member with their roles and scopes (and the Django superusers)."""

    def action() -> dict[str, Any]:
        from learncity.learners.staff_selectors import staff_list

        return {"staff": staff_list()}

    result = run(action)
    lines = []
    for person in result["staff"]:
        held = [
            f"{r['role']}{' (' + r['scope'] + ')' if r['scope'] else ''}" for r in person["roles"]
        ]
        if person.get("superuser"):
            held.append("superuser (city_admin)")
        state = "" if person["active"] else " [inactive]"
        lines.append(f"{person['username']}{state}: {', '.join(held)}")
    if not lines:
        lines = ["no staff yet: learncity staff add USER --role city_admin"]
    print_result(result, as_json, lines)


@staff_app.command("remove")
def staff_remove(
    user: Annotated[str, typer.Argument(help="The user name.")],
    role: RoleOption,
    district: DistrictOption = "",
    institution: InstitutionOption = "",
    as_json: JsonOption = False,
) -> None:
    """Withdraw USER's role (of that institution or district, when given)."""

    def action() -> dict[str, Any]:
        from learncity.learners import staff_services as staff

        if role not in ROLE_NAMES.split("|"):
            raise staff.UnknownRole(f"--role must be one of {ROLE_NAMES.replace('|', ', ')}")
        scope = staff.RoleScope(
            role,
            institution_id=staff.institution_resolve(institution) if institution else None,
            district_code=staff.district_resolve(district) if district else "",
        )
        user_id = staff.user_id_of(user)
        removed = staff.role_withdraw_matching(actor=None, user_id=user_id, scope=scope)
        if not removed:
            raise staff.StaffError(f"{user} holds no {role} role like that")
        return {"user": user, "role": role, "removed": removed}

    result = run(action)
    print_result(
        result,
        as_json,
        [f"{result['user']}: {result['removed']} {result['role']} role(s) withdrawn"],
    )


@tokens_app.command("issue")
def tokens_issue(
    user: Annotated[str, typer.Argument(help="The user name the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="A label: what the token is for.")] = "",
    days: Annotated[
        int, typer.Option("--days", help="Days until it expires: 1 to 365 (default 90).")
    ] = 90,
    scope: Annotated[
        str,
        typer.Option(
            "--scope", help="read: GET requests only; write: whatever USER may do (default read)."
        ),
    ] = "read",
    as_json: JsonOption = False,
) -> None:
    """Issue an API token for USER: printed once (only its digest is kept); it expires after
    --days and may only read unless --scope write."""

    def action() -> dict[str, Any]:
        from learncity.learners import staff_services as staff
        from learncity.learners.staff_selectors import token_get

        token_id, token = staff.token_issue(
            actor=None, user_id=staff.user_id_of(user), label=name, days=days, scope=scope
        )
        row = token_get(token_id) or {}
        return {
            "id": token_id,
            "user": user,
            "label": row.get("label", ""),
            "scope": row.get("scope", scope),
            "expires_at": row.get("expires_at"),
            "token": token,
        }

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"token {result['id']} for {result['user']}, {result['scope']}, expires "
            f"{result['expires_at']:%Y-%m-%d %H:%M} (shown once, keep it now):",
            result["token"],
            "use it as: Authorization: Bearer <token>",
        ],
    )


@tokens_app.command("list")
def tokens_list_command(
    user: Annotated[str, typer.Option(help="Only this user's tokens.")] = "",
    as_json: JsonOption = False,
) -> None:
    """API tokens: number, holder, label, scope, issued, expires, state (never the token
    itself)."""

    def action() -> dict[str, Any]:
        from learncity.learners.staff_selectors import tokens_list
        from learncity.learners.staff_services import user_id_of

        return {"tokens": tokens_list(user_id=user_id_of(user) if user else None)}

    result = run(action)
    lines = [
        f"{t['id']}\t{t['username']}\t{t['label'] or '-'}\t{t['scope']}\t"
        f"{t['created_at']:%Y-%m-%d %H:%M}\texpires {t['expires_at']:%Y-%m-%d %H:%M}\t"
        + (f"revoked {t['revoked_at']:%Y-%m-%d %H:%M}" if t["revoked_at"] else t["state"])
        for t in result["tokens"]
    ] or ["no API tokens"]
    print_result(result, as_json, lines)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number (from tokens list).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API token: it no longer authenticates the API."""

    def action() -> dict[str, Any]:
        from learncity.learners.staff_services import token_revoke

        token_revoke(actor=None, token_id=token_id)
        return {"id": token_id, "revoked": True}

    result = run(action)
    print_result(result, as_json, [f"token {token_id} revoked"])


@access_log_app.command("prune")
def access_log_prune_command(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Keep this many days (default: settings LEARNCITY_ACCESS_LOG_DAYS, 730).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Delete access-log entries older than the retention period (a daily job; a second run
    the same day deletes nothing)."""

    def action() -> dict[str, Any]:
        from learncity.learners.services import access_log_prune

        return access_log_prune(days=days)

    result = run(action)
    print_result(
        result,
        as_json,
        [f"deleted {result['deleted']} access-log entries older than {result['days']} days"],
    )
