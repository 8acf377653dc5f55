"""The `learncity` commands of enrolment and attendance: `lottery draw|replay`, `offers
expire`, `outbox send` (the notifications they queue), `sessions expand`, `completion run` and
`reminders send`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

lottery_app = typer.Typer(help="Enrolment lotteries (추첨): draw and replay.", no_args_is_help=True)
outbox_app = typer.Typer(
    help="Notifications waiting to be sent (e-mail, SMS).", no_args_is_help=True
)
sessions_app = typer.Typer(help="Sessions (회차) of the schedules.", no_args_is_help=True)
completion_app = typer.Typer(help="Completion (수료) of courses.", no_args_is_help=True)
reminders_app = typer.Typer(help="Reminders the day before a session.", no_args_is_help=True)
offers_app = typer.Typer(
    help="Enrolment offers: places offered from a waiting list and not accepted in time.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `lottery`, `offers`, `outbox`, `sessions`, `completion` and `reminders`
    groups."""
    app.add_typer(lottery_app, name="lottery")
    app.add_typer(offers_app, name="offers")
    app.add_typer(outbox_app, name="outbox")
    app.add_typer(sessions_app, name="sessions")
    app.add_typer(completion_app, name="completion")
    app.add_typer(reminders_app, name="reminders")


@offers_app.command("expire")
def offers_expire(
    at: Annotated[
        str | None,
        typer.Option(
            "--now",
            help="The moment to judge by, ISO 8601 (replays; default: now).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Places offered from a waiting list and not accepted by their deadline expire and pass
    to the next person in the queue (every few minutes from cron or a timer; safe to run
    again: an expired place is not expired twice)."""

    def action() -> dict[str, Any]:
        import datetime as dt

        from django.utils import timezone

        from learncity.core.errors import DomainError
        from learncity.enrollment.services import expire_offers

        moment = timezone.now()
        if at is not None:
            try:
                moment = dt.datetime.fromisoformat(at)
            except ValueError:
                raise DomainError(
                    f"--now is not an ISO 8601 moment: {at[:40]!r}", details={"option": "now"}
                ) from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        return {"expired": expire_offers(now=moment), "at": moment.isoformat()}

    result = run(action)
    print_result(result, as_json, [f"expired {result['expired']} offered places"])


@outbox_app.command("send")
def outbox_send(
    loop: Annotated[
        bool, typer.Option(help="Keep running, polling every --every seconds.")
    ] = False,
    every: Annotated[float, typer.Option(help="Seconds between polls with --loop.")] = 5.0,
    as_json: JsonOption = False,
) -> None:
    """Send due notifications (retried with backoff; never the same message twice)."""
    import time

    def action() -> dict[str, Any]:
        from learncity.notifications.services import outbox_counts, send_due
        from learncity.regions.selectors import city_sender_name

        sent = send_due(sender=city_sender_name())
        return {**sent, "outbox": outbox_counts()}

    while True:
        result = run(action)
        print_result(
            result,
            as_json,
            [f"sent {result['sent']}, retried {result['retried']}, failed {result['failed']}"],
        )
        if not loop:
            return
        time.sleep(every)


def _offer_of(schedule_id: int) -> int:
    from learncity.core.errors import NotFound
    from learncity.enrollment.selectors import offer_id_of_schedule

    offer_id = offer_id_of_schedule(schedule_id)
    if offer_id is None:
        raise NotFound(f"schedule {schedule_id} has no enrolment offer")
    return offer_id


@lottery_app.command("draw")
def lottery_draw_command(
    schedule_id: Annotated[int, typer.Argument(help="The schedule whose lottery to draw.")],
    seed: Annotated[str, typer.Option(help="Publish this seed (default: a random one).")] = "",
    as_json: JsonOption = False,
) -> None:
    """Draw a lottery offer's pending applications (after its window closed)."""

    def action() -> dict[str, Any]:
        from learncity.enrollment.services import lottery_draw

        return lottery_draw(actor=None, offer_id=_offer_of(schedule_id), seed=seed or None)

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"drawn with {result['version']}, seed {result['seed']}: {result['selected']}"
            f" selected, {result['waitlisted']} waitlisted; digest {result['digest']}"
        ],
    )


@lottery_app.command("replay")
def lottery_replay_command(
    schedule_id: Annotated[int, typer.Argument(help="The schedule whose lottery to replay.")],
    as_json: JsonOption = False,
) -> None:
    """Re-draw a lottery from its published seed and inputs; exit 1 if the result differs."""

    def action() -> dict[str, Any]:
        from learncity.enrollment.services import lottery_replay

        return lottery_replay(_offer_of(schedule_id))

    result = run(action)
    verdict = "identical" if result["identical"] else "DIFFERENT from the recorded result"
    print_result(
        result,
        as_json,
        [
            f"replayed {result['version']} with seed {result['seed']}: {verdict}",
            f"digest {result['digest']} (recorded {result['recorded_digest']})",
        ],
    )
    if not result["identical"]:
        raise typer.Exit(code=1)


@sessions_app.command("expand")
def sessions_expand_command(
    schedule_id: Annotated[
        int | None, typer.Argument(help="The schedule to expand (or --all).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Expand every schedule.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create the dated sessions of a schedule from its dates, weekdays and times; running it
    again adds none twice and keeps the cancelled/holiday marks."""
    if (schedule_id is None) == (not all_):
        typer.echo("error: give a SCHEDULE_ID or --all", err=True)
        raise typer.Exit(code=2)

    def action() -> dict[str, Any]:
        from learncity.catalog.session_services import sessions_expand_many

        return sessions_expand_many(schedule_ids=None if all_ else [int(schedule_id or 0)])

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"{result['schedules']} schedule(s): {result['created']} sessions created,"
            f" {result['updated']} with new times, {result['unchanged']} unchanged,"
            f" {result['removed']} no longer in the schedule (marked cancelled)"
        ],
    )


@completion_app.command("run")
def completion_run_command(
    offer: Annotated[
        int | None, typer.Option(help="One offer, now (default: every offer that has ended).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate completion and emit each completion event once (safe to run repeatedly)."""

    def action() -> dict[str, Any]:
        from learncity.attendance.services import completion_run
        from learncity.records.services import records_sync

        done: dict[str, Any] = dict(completion_run(offer_id=offer))
        # the new completions reach the learning record and its credentials at once
        done["records"] = records_sync()
        return done

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"{result['offers']} offer(s), {result['evaluated']} learners: {result['completed']}"
            f" completed ({result['emitted']} new events), {result['not_completed']} not"
            f" completed, {result['in_progress']} in progress"
        ],
    )


@reminders_app.command("send")
def reminders_send_command(as_json: JsonOption = False) -> None:
    """Queue tomorrow's session reminders (never twice) and send what the outbox has due."""

    def action() -> dict[str, Any]:
        from learncity.attendance.services import reminders_queue
        from learncity.notifications.services import send_due

        queued = reminders_queue()
        from learncity.regions.selectors import city_sender_name

        return {**queued, "outbox": send_due(sender=city_sender_name())}

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"{result['sessions']} session(s) tomorrow: {result['queued']} reminders queued"
            f" ({result['already']} queued before); outbox sent {result['outbox']['sent']}"
        ],
    )
