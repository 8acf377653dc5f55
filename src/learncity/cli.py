"""The `learncity` command: one entry point for operators and scripts.

Every command reads LEARNCITY_DATABASE_URL (sqlite:///path or postgresql://...).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

app = typer.Typer(
    help="learncity: the operating system of a lifelong learning city (평생학습도시).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
regions_app = typer.Typer(
    help="Administrative areas: population and boundaries.", no_args_is_help=True
)
app.add_typer(regions_app, name="regions")
catalog_app = typer.Typer(help="The course catalog.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
lottery_app = typer.Typer(help="Enrolment lotteries (추첨): draw and replay.", no_args_is_help=True)
app.add_typer(lottery_app, name="lottery")

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.config.settings")
    import django

    django.setup()


def _run(action: Callable[[], T]) -> T:
    """Start Django, run one action, turn project errors into a message and exit code 2."""
    from learncity.core.errors import LearncityError

    try:
        _django()
        return action()
    except LearncityError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=2) from None


def _print(result: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for line in lines:
            typer.echo(line)


@app.command()
def migrate() -> None:
    """Apply database migrations (creates the SQLite file under var/ by default)."""

    def action() -> None:
        from django.core.management import call_command
        from django.db import connection

        typer.echo(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        call_command("migrate", interactive=False, verbosity=1)

    _run(action)


@app.command()
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
    """Serve the platform over HTTP (gunicorn; --dev for the development server)."""
    _run(lambda: None)
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


@app.command()
def demo(
    synthetic: Annotated[
        bool, typer.Option(help="Load the invented demo city even when real data is present.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load demo content: the real regions from ../shared/data when present, else a demo city."""

    def action() -> dict[str, Any]:
        from learncity.config.env import shared_data_dir

        data_dir = None if synthetic else shared_data_dir()
        if data_dir is not None:
            from learncity.demo.real import real_regions_load

            loaded = real_regions_load(data_dir)
        else:
            from learncity.demo.city import demo_city_load

            loaded = demo_city_load()
        from learncity.demo.offers import demo_offers_open, demo_sessions_expand

        loaded["offers"] = demo_offers_open()
        loaded["sessions"] = demo_sessions_expand()
        from learncity.demo.offers import demo_vouchers_open

        loaded["vouchers"] = demo_vouchers_open()
        return loaded

    result = _run(action)
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
    if result.get("offers"):
        lines.append(f"enrolment opened on {result['offers']} schedules (demo offers)")
    if result.get("sessions"):
        lines.append(f"{result['sessions']} sessions made for the schedules with offers")
    if result.get("vouchers", {}).get("voucher_programmes"):
        lines.append(
            f"a demo learning voucher and {result['vouchers']['projects']} funded projects"
        )
    _print(result, as_json, lines)


@regions_app.command("load-population")
def load_population(
    file: Annotated[Path, typer.Argument(help="MOIS age-by-area CSV (연령별 인구현황).")],
    as_json: JsonOption = False,
) -> None:
    """Load resident population by single year of age (all-or-nothing per file)."""

    def action() -> dict[str, Any]:
        from learncity.regions.services import population_load

        return population_load(path=file)

    result = _run(action)
    _print(
        result,
        as_json,
        [
            f"{result['file']}: {result['status']} (period {result['period']})",
            f"rows {result['rows']:,} = {result['provinces']} provinces (시·도) + "
            f"{result['districts']} districts (시·군·구) + "
            f"{result['neighbourhoods']:,} neighbourhoods (읍·면·동)",
            f"population (sum of the provinces): {result['population']:,}",
        ],
    )


@regions_app.command("load-boundaries")
def load_boundaries(
    file: Annotated[Path, typer.Argument(help="TopoJSON boundary file.")],
    as_json: JsonOption = False,
    show: Annotated[int, typer.Option(help="Unmatched areas to list (0 = all).")] = 20,
) -> None:
    """Load boundaries, compute polygons and centroids, match them to the loaded areas."""

    def action() -> dict[str, Any]:
        from learncity.regions.services import boundaries_load

        return boundaries_load(path=file)

    result = _run(action)
    unmatched = result["unmatched_areas"]
    listed = unmatched if show == 0 else unmatched[:show]
    lines = [
        f"{result['file']}: {result['features']:,} features ({result['level']})",
        f"areas {result['areas']:,}: matched {result['matched']:,}, "
        f"approximate {result['approximate']:,}, unmatched {result['unmatched']:,}",
        f"statuses: {result['statuses']}",
        f"located {result['located_share']:.1%}, located or explained "
        f"{result['explained_share']:.1%}; district unions derived: {result['derived_unions']}",
    ]
    if listed:
        lines.append("unmatched areas:")
        lines += [f"  {u['code']} {u['name']}: {u['reason']}" for u in listed]
        if len(listed) < len(unmatched):
            lines.append(f"  ... and {len(unmatched) - len(listed)} more (--show 0 for all)")
    if result["unused_features"]:
        lines.append(f"2018 features used by no area: {len(result['unused_features'])}")
        lines += [
            f"  {u['code']} {u['name']}: {u['reason']}"
            for u in result["unused_features"][: show or None]
        ]
    if result["repaired_features"]:
        lines.append(f"geometries repaired: {len(result['repaired_features'])}")
    _print(result, as_json, lines)


@regions_app.command("summary")
def regions_summary(as_json: JsonOption = False) -> None:
    """What is loaded: areas by level, population period and total, located share."""

    def action() -> dict[str, Any]:
        from dataclasses import asdict

        from learncity.regions.selectors import region_overview

        return asdict(region_overview())

    result = _run(action)
    _print(result, as_json, [f"{k}: {v}" for k, v in result.items()])


class _ProgressBar:
    """A progress bar on stderr for large files (only when stderr is a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, name: str, done: int, size: int | None, rows: int) -> None:
        import time

        if not self.enabled or time.monotonic() - self.last < 0.2:
            return
        self.last = time.monotonic()
        if size:
            share = min(done / size, 1.0)
            bar = "#" * int(share * 30)
            line = f"[{bar:<30}] {share:4.0%} {rows:>10,} rows  {Path(name).name[:40]}"
        else:
            line = f"{rows:>10,} rows  {Path(name).name[:40]}"
        sys.stderr.write("\r" + line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.last:
            sys.stderr.write("\n")


@app.command("import")
def import_(  # noqa: PLR0917 - typer passes options positionally
    paths: Annotated[
        list[str],
        typer.Argument(
            help="Files (.csv, .json, .xml), folders and .zip archives of the national course "
            "standard data; or the word `quarantine` to list (and --retry) quarantined rows."
        ),
    ],
    as_json: JsonOption = False,
    classify: Annotated[
        bool, typer.Option(help="Classify new and changed programmes after the import.")
    ] = True,
    index: Annotated[
        bool, typer.Option(help="Bring the search index up to date after the import.")
    ] = True,
    retry: Annotated[
        bool, typer.Option(help="With `quarantine`: run the open quarantined rows again.")
    ] = False,
    limit: Annotated[int, typer.Option(help="With `quarantine`: rows to list.")] = 50,
    fix: Annotated[
        list[str] | None,
        typer.Option(
            help="With `quarantine`: correct a cell before --retry, as ID:FIELD=VALUE "
            "(e.g. 12:교육시작일자=2026-03-02). Repeatable."
        ),
    ] = None,
) -> None:
    """Import course data; every row ends created, updated, unchanged or quarantined.

    Exit code 0 when every row is accounted for (even with quarantined rows); 2 when a file
    could not be read at all (nothing from that file is stored).
    """
    if paths == ["quarantine"]:
        _quarantine(as_json=as_json, retry=retry, limit=limit, fixes=fix or [])
        return
    progress = _ProgressBar(enabled=True)

    def action() -> dict[str, Any]:
        from learncity.catalog.importer import catalog_import

        report = catalog_import(
            paths=[Path(p) for p in paths], progress=progress, classify=classify
        )
        if index:
            from learncity.search.services import search_index

            report["search"] = search_index()
        return report

    result = _run(action)
    progress.close()
    lines = []
    for item in result["files"]:
        if item["error"]:
            lines.append(f"{item['name']}: NOT IMPORTED — {item['error']}")
            continue
        lines.append(
            f"{item['name']} ({item['format']}, {item['encoding'] or '-'}): {item['rows']:,} rows: "
            f"{item['created']:,} created, {item['updated']:,} updated, "
            f"{item['unchanged']:,} unchanged, {item['quarantined']:,} quarantined"
        )
        lines += [
            f"    {count:>6,} × {_with_korean_field(reason)}"
            for reason, count in item["reasons"].items()
        ]
        lines += [f"    note: {warning}" for warning in item["warnings"]]
        lines += [
            f"    address not matched ({count}): {address}"
            for address, count in list(item["unresolved_addresses"].items())[:10]
        ]
    lines.append(
        f"total: {result['rows']:,} rows = {result['created']:,} created + "
        f"{result['updated']:,} updated + {result['unchanged']:,} unchanged + "
        f"{result['quarantined']:,} quarantined; {result['classified']:,} classified"
    )
    if result.get("search"):
        found = result["search"]
        lines.append(
            f"search index: {found['indexed']:,} indexed, {found['unchanged']:,} unchanged, "
            f"{found['removed']:,} removed"
        )
    if result["quarantined"]:
        lines.append("see the quarantined rows: learncity import quarantine")
    _print(result, as_json, lines)
    if result["errors"]:
        raise typer.Exit(code=2)


def _with_korean_field(reason: str) -> str:
    """`edcStartDay: ...` -> `교육시작일자(edcStartDay): ...` for the officer reading it."""
    from learncity.algorithms.course_source import KOREAN_HEADERS

    name, colon, rest = reason.partition(":")
    korean = {v: k for k, v in KOREAN_HEADERS.items()}.get(name.strip())
    return f"{korean}({name.strip()}):{rest}" if colon and korean else reason


def _quarantine(*, as_json: bool, retry: bool, limit: int, fixes: list[str]) -> None:
    changes: dict[int, dict[str, str]] = {}
    for item in fixes:
        row, sep, assignment = item.partition(":")
        name, equals, value = assignment.partition("=")
        if not sep or not equals or not row.strip().isdigit():
            typer.echo(f"error: --fix {item!r}: expected ID:FIELD=VALUE", err=True)
            raise typer.Exit(code=2)
        changes.setdefault(int(row), {})[name.strip()] = value

    def action() -> dict[str, Any]:
        from learncity.catalog.importer import quarantine_fix, quarantine_retry
        from learncity.catalog.selectors import quarantine_list

        for row_id, cells in changes.items():
            quarantine_fix(row_id=row_id, changes=cells)

        retried = quarantine_retry() if retry else None
        return {"retried": retried, **quarantine_list(limit=limit)}

    result = _run(action)
    lines = []
    if result["retried"] is not None:
        r = result["retried"]
        lines.append(
            f"retried {r['rows']:,} rows: {r['created']:,} created, {r['updated']:,} updated, "
            f"{r['unchanged']:,} unchanged, {r['quarantined']:,} still quarantined"
        )
    lines.append(f"{result['open']:,} rows in quarantine")
    for row in result["rows"]:
        reasons = "; ".join(_with_korean_field(reason) for reason in row["reasons"])
        lines.append(f"#{row['id']} {row['file']}, line {row['line']}: {reasons}")
        lines.append(f"    {row['preview']}")
    _print(result, as_json, lines)


@catalog_app.command("list")
def catalog_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per programme per line (JSON Lines).")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many programmes (0: all).")] = 0,
) -> None:
    """List the programmes of the catalog."""

    def action() -> None:
        from learncity.catalog.selectors import programme_rows

        for row in programme_rows(limit=limit or None):
            if as_json:
                typer.echo(json.dumps(row, ensure_ascii=False, default=str))
            else:
                typer.echo(
                    f"{row['id']:>7} {row['category'] or '미분류':<8} "
                    f"{row['sigungu'] or '-':<10} {row['display_title']}"
                )

    _run(action)


@catalog_app.command("classify")
def catalog_classify(
    all_programmes: Annotated[
        bool, typer.Option("--all", help="Classify every programme again, not only new ones.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Classify programmes into the 6 + 1 areas (officer overrides are kept)."""

    def action() -> dict[str, Any]:
        from learncity.catalog.classification import programmes_classify

        return {"classified": programmes_classify(all_programmes=all_programmes)}

    result = _run(action)
    _print(result, as_json, [f"classified {result['classified']:,} programmes"])


@catalog_app.command("set-category")
def catalog_set_category(
    programme_id: int,
    category: Annotated[str, typer.Argument(help="literacy, academic, vocational, ...")],
    middle: Annotated[str, typer.Option(help="Middle category, e.g. 생활문화예술.")] = "",
    officer: Annotated[str, typer.Option(help="Who decides (kept with the decision).")] = "",
) -> None:
    """An officer's category for a programme: kept over the model and over re-imports."""

    def action() -> None:
        from learncity.catalog.classification import programme_category_set

        programme_category_set(
            programme_id=programme_id,
            category=category,
            middle_category=middle,
            officer=officer or os.environ.get("USER", "officer"),
        )

    _run(action)
    typer.echo(f"programme {programme_id}: {category} {middle}".strip())


@app.command("search")
def search(  # noqa: PLR0917 - typer passes options positionally
    query: Annotated[str, typer.Argument(help="What to look for, e.g. 영어 회화, 요가, AI.")] = "",
    district: Annotated[
        list[str] | None, typer.Option(help="시·군·구 name or code. Repeatable.")
    ] = None,
    neighbourhood: Annotated[
        list[str] | None, typer.Option(help="읍·면·동 name or code. Repeatable.")
    ] = None,
    near: Annotated[
        str, typer.Option(help="A 읍·면·동 or 시·군·구 name, an address, or 'lat,lon'.")
    ] = "",
    minutes: Annotated[int, typer.Option(help="With --near: minutes on foot.")] = 15,
    weekday: Annotated[
        list[str] | None, typer.Option(help="월..일 or 1..7 (1 = Monday). Repeatable.")
    ] = None,
    time: Annotated[
        list[str] | None, typer.Option(help="morning, afternoon or evening. Repeatable.")
    ] = None,
    weekend: Annotated[bool, typer.Option(help="Only programmes that meet at weekends.")] = False,
    group: Annotated[
        list[str] | None, typer.Option(help="Target group, e.g. 어르신. Repeatable.")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Area, e.g. 문화예술. Repeatable.")
    ] = None,
    free: Annotated[bool, typer.Option(help="Only free programmes.")] = False,
    fee_max: Annotated[int | None, typer.Option(help="Highest fee in won.")] = None,
    credit_bank: Annotated[bool, typer.Option(help="Credit-bank recognised only.")] = False,
    learning_account: Annotated[
        bool, typer.Option(help="Learning-account recognised only.")
    ] = False,
    mode: Annotated[
        list[str] | None, typer.Option(help="offline, online or hybrid. Repeatable.")
    ] = None,
    open_now: Annotated[bool, typer.Option(help="Registration open today.")] = False,
    status: Annotated[
        list[str] | None, typer.Option(help="upcoming, open or closed. Repeatable.")
    ] = None,
    today: Annotated[str, typer.Option(help="Take this date (YYYY-MM-DD) as today.")] = "",
    sort: Annotated[str, typer.Option(help="relevance, start, distance or fee.")] = "relevance",
    limit: Annotated[int, typer.Option(help="Results to print (1-100).")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Search the catalog with the ranking the API and the pages use."""
    import datetime as dt

    def action() -> Any:
        from learncity.search.selectors import (
            SearchInputError,
            SearchParams,
            parse_weekdays,
            programme_search,
        )

        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError:
            raise SearchInputError("--today must be a date, YYYY-MM-DD") from None
        params = SearchParams(
            q=query,
            districts=tuple(district or ()),
            neighbourhoods=tuple(neighbourhood or ()),
            near=near,
            minutes=minutes,
            weekdays=parse_weekdays(weekday or []),
            times=tuple(time or ()),
            weekend=weekend,
            groups=tuple(group or ()),
            categories=tuple(category or ()),
            free=free,
            fee_max=fee_max,
            credit_bank=credit_bank,
            learning_account=learning_account,
            modes=tuple(mode or ()),
            statuses=tuple(status or ()) + (("open",) if open_now else ()),
            today=day,
            sort=sort,
            per_page=limit,
        )
        return programme_search(params)

    page = _run(action)
    if as_json:
        keys = (
            "id",
            "title",
            "display_title",
            "score",
            "category",
            "institution",
            "venue",
            "sigungu",
            "start_date",
            "weekdays",
            "start_time",
            "fee_krw",
            "registration_status",
            "registration_days",
            "distance_m",
            "walking_minutes",
            "index_location_precision",
        )
        typer.echo(
            json.dumps(
                [{k: r.get(k) for k in keys} for r in page.results],
                ensure_ascii=False,
                default=str,
            )
        )
        return
    typer.echo(f"{page.total:,} programmes for {page.query.text!r}")
    if page.suggestion:
        typer.echo(f"did you mean: {page.suggestion}")
    for note in page.notes:
        typer.echo(f"note: {note}")
    for r in page.results:
        typer.echo(f"{r['id']:>8}  {r['score']:8.3f}  {r['display_title']}  ({r['venue'] or '-'})")


@app.command("search-index")
def search_index_command(as_json: JsonOption = False) -> None:
    """Bring the search index in line with the catalog (runs after every import)."""

    def action() -> dict[str, Any]:
        from learncity.search.services import search_index

        return search_index()

    result = _run(action)
    _print(
        result,
        as_json,
        [
            f"{result['indexed']:,} indexed, {result['unchanged']:,} unchanged, "
            f"{result['removed']:,} removed; {result['terms']:,} terms"
        ],
    )


outbox_app = typer.Typer(
    help="Notifications waiting to be sent (e-mail, SMS).", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")


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

        sent = send_due()
        return {**sent, "outbox": outbox_counts()}

    while True:
        result = _run(action)
        _print(
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

    result = _run(action)
    _print(
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

    result = _run(action)
    verdict = "identical" if result["identical"] else "DIFFERENT from the recorded result"
    _print(
        result,
        as_json,
        [
            f"replayed {result['version']} with seed {result['seed']}: {verdict}",
            f"digest {result['digest']} (recorded {result['recorded_digest']})",
        ],
    )
    if not result["identical"]:
        raise typer.Exit(code=1)


sessions_app = typer.Typer(help="Sessions (회차) of the schedules.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")
completion_app = typer.Typer(help="Completion (수료) of courses.", no_args_is_help=True)
app.add_typer(completion_app, name="completion")
reminders_app = typer.Typer(help="Reminders the day before a session.", no_args_is_help=True)
app.add_typer(reminders_app, name="reminders")


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

    result = _run(action)
    _print(
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

    result = _run(action)
    _print(
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
        return {**queued, "outbox": send_due()}

    result = _run(action)
    _print(
        result,
        as_json,
        [
            f"{result['sessions']} session(s) tomorrow: {result['queued']} reminders queued"
            f" ({result['already']} queued before); outbox sent {result['outbox']['sent']}"
        ],
    )


@app.command()
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

    result = _run(action)
    _print(result, as_json, [f"{k}: {v}" for k, v in result.items()])


# ------------------------------------------------------------------ records and credentials

records_app = typer.Typer(
    help="The lifelong learning record (평생학습 이력).", no_args_is_help=True
)
app.add_typer(records_app, name="records")
credentials_app = typer.Typer(
    help="Verifiable credentials (Open Badges 3.0, VC-JWT): verify, keys, revoke.",
    no_args_is_help=True,
)
app.add_typer(credentials_app, name="credentials")


@records_app.command("sync")
def records_sync_command(as_json: JsonOption = False) -> None:
    """Take new completion events into learners' records and issue their credentials (once)."""

    def action() -> dict[str, Any]:
        from learncity.records.services import records_sync

        return records_sync()

    result = _run(action)
    _print(result, as_json, [f"{k}: {v}" for k, v in result.items()])


@credentials_app.command("verify")
def credentials_verify_command(
    file: Annotated[Path, typer.Argument(help="A credential: VC-JWT text or its JSON envelope.")],
    as_json: JsonOption = False,
) -> None:
    """Verify a credential file as the public page does; exit 1 when it is not valid."""

    def action() -> dict[str, Any]:
        from learncity.records.credentials import credential_verify

        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return {"valid": False, "reason": "unreadable", "message": str(exc)}
        return credential_verify(text).out()

    result = _run(action)
    shown = {k: result.get(k) for k in ("valid", "reason", "message", "key_id")}
    _print(shown, as_json, [f"{'valid' if result['valid'] else 'NOT valid'}: {result['message']}"])
    if not result["valid"]:
        raise typer.Exit(code=1)


@credentials_app.command("keys")
def credentials_keys_command(as_json: JsonOption = False) -> None:
    """The city's signing keys (public halves), active and retired."""

    def action() -> dict[str, Any]:
        from learncity.records.keys import key_jwk, key_list

        return {"keys": [key_jwk(k) for k in key_list()]}

    result = _run(action)
    _print(result, as_json, [f"{k['kid']} {k['status']}" for k in result["keys"]])


@credentials_app.command("rotate-key")
def credentials_rotate_command(
    key_file: Annotated[
        Path | None, typer.Option(help="PEM file of the new Ed25519 key (else one is generated).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign with a new key from now on; earlier keys are retired and keep verifying."""

    def action() -> dict[str, Any]:
        from learncity.records.keys import key_jwk, signing_key_rotate

        return key_jwk(signing_key_rotate(key_file=key_file))

    result = _run(action)
    _print(result, as_json, [f"now signing with {result['kid']}"])


@credentials_app.command("revoke")
def credentials_revoke_command(
    credential: Annotated[str, typer.Argument(help="The credential's UUID.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the revocation).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a credential (the status list shows it at once)."""

    def action() -> dict[str, Any]:
        from learncity.records.credentials import credential_revoke

        return {"revoked": credential_revoke(credential_uuid=credential, reason=reason)}

    result = _run(action)
    _print(result, as_json, ["revoked" if result["revoked"] else "was revoked before"])


vouchers_app = typer.Typer(
    help="Learning vouchers (평생교육이용권): the period's end.", no_args_is_help=True
)
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

    result = _run(action)
    lines = [f"{result['expired']} voucher(s) expired, {result['lapsed_krw']:,} won lapsed"]
    lines += [f"  refused: voucher {r['voucher_id']}: {r['reason']}" for r in result["refused"]]
    _print(result, as_json, lines)


from learncity import cli_analytics, cli_planning  # noqa: E402 - they use the helpers above

cli_analytics.register(app)  # indicators, report (issue 8)
cli_planning.register(app)  # plan access, plan sites (issue 9)


def main() -> None:
    app()
