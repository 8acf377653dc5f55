"""The `learncity` command: one entry point for operators and scripts.

Every command reads LEARNCITY_DATABASE_URL (sqlite:///path or postgresql://...). This module
holds the platform's own commands (migrate, serve, demo, bench); each context's commands live
in a `cli_<context>` module that registers them here. The order of the registrations below
is the order of `learncity --help`: the commands first, then the groups, each in the order
they are added.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from learncity import (
    cli_analytics,
    cli_catalog,
    cli_city,
    cli_enrolment,
    cli_i18n,
    cli_planning,
    cli_records,
    cli_regions,
    cli_staff,
    cli_venues,
    cli_vouchers,
)
from learncity.cli_common import JsonOption, print_result, run

app = typer.Typer(
    help="learncity: the operating system of a lifelong learning city (평생학습도시).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def migrate() -> None:
    """Apply database migrations (creates the SQLite file under var/ by default)."""

    def action() -> None:
        from django.core.management import call_command
        from django.db import connection

        typer.echo(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        call_command("migrate", interactive=False, verbosity=1)

    run(action)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (gunicorn).")] = 2,
    threads: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Threads per worker (gunicorn gthread): a request waiting for the database "
            "(a row lock on registration day) then does not hold its whole worker.",
        ),
    ] = 1,
    dev: Annotated[bool, typer.Option(help="Django's development server with reload.")] = False,
) -> None:
    """Serve the platform over HTTP (gunicorn; --dev for the development server).

    Refuses to start (exit 2, the reasons on stderr) when the deployment checks fail: with
    DEBUG off, no LEARNCITY_CREDENTIAL_KEY_FILE or the default LEARNCITY_PUBLIC_URL."""
    refusals = run(_start_refusals)
    if refusals:
        for refusal in refusals:
            typer.echo(f"learncity serve: refusing to start: {refusal}", err=True)
        raise typer.Exit(code=2)
    if dev:
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}")
        return
    typer.echo(
        f"learncity: serving on http://{host}:{port} with {workers} worker(s) × {threads} thread(s)"
    )
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "learncity.config.wsgi:application",
            "--config",
            "python:learncity.config.gunicorn_conf",  # each worker warms up when it starts
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "-",
        ],
    )


def _start_refusals() -> list[str]:
    from learncity.records.checks import start_refusals

    return start_refusals()


def demo(
    synthetic: Annotated[
        bool, typer.Option(help="Load the invented demo city even when real data is present.")
    ] = False,
    demo_activity: Annotated[
        bool,
        typer.Option(
            help="With the real data: also open demo enrolment on a few real schedules and a "
            "demo voucher with demo projects, all labelled (데모). Never done without it."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load demo content: the real regions from ../shared/data when present, else a demo city."""

    def action() -> dict[str, Any]:
        from learncity.config.env import shared_data_dir
        from learncity.demo.load import demo_load

        data_dir = None if synthetic else shared_data_dir()
        return demo_load(data_dir=data_dir, demo_activity=demo_activity)

    result = run(action)
    if result["mode"] == "real":
        population = result["population"]
        lines = [
            f"real data found in {result['data_dir']}: loading it instead of the demo city",
            f"population {population['period']} ({population['status']}): "
            f"{population['rows']:,} rows, {population['population']:,} residents",
        ]
        lines += [
            f"boundaries {b['level']}: {b['matched']:,}/{b['areas']:,} matched, "
            f"{b['approximate']} approximate, {b['unmatched']} unmatched with a reason"
            for b in result["boundaries"]
        ]
        if result.get("courses"):
            c = result["courses"]
            lines.append(
                f"courses: {c['rows']:,} rows: {c['created']:,} created, "
                f"{c['unchanged']:,} unchanged, {c['quarantined']:,} quarantined"
            )
    else:
        lines = [
            "no real data found: loaded the demo city 데모배움시 (invented data, labelled demo)",
            f"{result['regions']} areas, {result['population']:,} residents, "
            f"{result['institutions']} institutions, {result['venues']} venues, "
            f"{result['programmes']} programmes",
        ]
    if result.get("city"):
        from learncity.cli_city import demo_city_line

        lines.append(demo_city_line(result["city"]))
    if result.get("demo_activity"):
        lines.append("--demo-activity: demo enrolment, a demo voucher and projects added")
    if result.get("offers"):
        lines.append(f"enrolment opened on {result['offers']} schedules (demo offers)")
    if result.get("story"):
        story = result["story"]
        lines.append(
            f"the demo learner: {story['applications']} applications, "
            f"{story['completions']} completions, {story['records']} record entries"
        )
    if result.get("accounts"):
        lines.append("demo accounts (passwords shown once here and on the demo home, /demo/):")
        lines += [
            f"  {a['role']:<18} {a['username']:<24} {a['password']}" for a in result["accounts"]
        ]
    if result.get("sessions"):
        lines.append(f"{result['sessions']} sessions made for the schedules with offers")
    if result.get("vouchers", {}).get("voucher_programmes"):
        lines.append(
            f"a demo learning voucher and {result['vouchers']['projects']} funded projects"
        )
    print_result(result, as_json, lines)


def bench(
    name: Annotated[str, typer.Argument(help="Benchmark name (a module in bench/).")],
    db: Annotated[
        str, typer.Option(help="sqlite or postgresql, for benchmarks that take it (rush).")
    ] = "",
    as_json: JsonOption = False,
) -> None:
    """Run a benchmark from bench/ and print its figures against a same-run baseline."""
    import importlib.util

    if db:
        if db not in {"sqlite", "postgresql"}:
            typer.echo("error: --db must be sqlite or postgresql", err=True)
            raise typer.Exit(code=2)
        os.environ["LEARNCITY_BENCH_DB"] = db

    root = Path(os.environ.get("LEARNCITY_BENCH_DIR") or Path.cwd() / "bench")
    path = root / f"{name.replace('-', '_')}.py"
    if not path.is_file():
        available = sorted(p.stem for p in root.glob("*.py") if not p.stem.startswith("_"))
        typer.echo(f"error: no benchmark {name!r} in {root}; available: {available}", err=True)
        raise typer.Exit(code=2)
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)

    def action() -> dict[str, Any]:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        figures: dict[str, Any] = module.run()
        return figures

    result = run(action)
    print_result(result, as_json, [f"{k}: {v}" for k, v in result.items()])


app.command()(migrate)
app.command()(serve)
app.command()(demo)
cli_regions.register(app)  # regions load-population | load-boundaries | summary
cli_city.register(app)  # city set | show | clear (issue 18)
cli_catalog.register(app)  # import, catalog list | classify | set-category, search, search-index
cli_venues.register(app)  # venues locate | load (issue 18)
app.command()(bench)
cli_analytics.register(app)  # indicators, report (issue 8)
cli_enrolment.register(app)  # lottery, outbox, sessions, completion, reminders
cli_records.register(app)  # records sync, credentials verify | keys | rotate-key | revoke
cli_vouchers.register(app)  # vouchers expire
cli_planning.register(app)  # plan access, plan sites (issue 9)
cli_staff.register(app)  # staff add | list | remove, tokens issue | list | revoke
cli_i18n.register(app)  # i18n compile | check | update | merge


def main() -> None:
    app()
