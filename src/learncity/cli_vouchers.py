"""The `learncity vouchers` commands: learning vouchers (평생교육이용권)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

vouchers_app = typer.Typer(
    help="Learning vouchers (평생교육이용권): the period's end.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the `vouchers` group to the main `learncity` app."""
    app.add_typer(vouchers_app, name="vouchers")


@vouchers_app.command("expire")
def vouchers_expire_command(
    today: Annotated[
        str | None, typer.Option(help="The day to judge by, YYYY-MM-DD (default: today, Seoul).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Lapse the unused balance of every voucher whose period has ended (run it daily; a
    second run changes nothing)."""

    def action() -> dict[str, Any]:
        import datetime as dt

        from learncity.vouchers.services import vouchers_expire_due

        day = None
        if today:
            try:
                day = dt.date.fromisoformat(today)
            except ValueError:
                raise typer.BadParameter(f"--today {today!r}: not a YYYY-MM-DD date") from None
        return vouchers_expire_due(actor=None, today=day)

    result = run(action)
    lines = [f"{result['expired']} voucher(s) expired, {result['lapsed_krw']:,} won lapsed"]
    lines += [f"  refused: voucher {r['voucher_id']}: {r['reason']}" for r in result["refused"]]
    print_result(result, as_json, lines)
