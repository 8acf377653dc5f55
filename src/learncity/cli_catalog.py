"""The `learncity` commands of the catalog and its search: `import` (course data and its
quarantine), `catalog list|classify|set-category`, `search` and `search-index`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

catalog_app = typer.Typer(help="The course catalog.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `import`, the `catalog` group, `search` and `search-index` to the main app."""
    app.command("import")(import_)
    app.add_typer(catalog_app, name="catalog")
    app.command("search")(search)
    app.command("search-index")(search_index_command)


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

    result = run(action)
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
            f"search index: {found['applied']:,} changes applied"
            f" ({found['programmes']:,} programmes)"
        )
    if result["quarantined"]:
        lines.append("see the quarantined rows: learncity import quarantine")
    print_result(result, as_json, lines)
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
        if not sep or not equals or not row.strip().isdecimal():
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

    result = run(action)
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
    print_result(result, as_json, lines)


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

    run(action)


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

    result = run(action)
    print_result(result, as_json, [f"classified {result['classified']:,} programmes"])


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

    run(action)
    typer.echo(f"programme {programme_id}: {category} {middle}".strip())


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

    page = run(action)
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


def search_index_command(
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="build the index anew from the catalogue")
    ] = False,
    prune_days: Annotated[
        int | None,
        typer.Option("--prune-days", help="also forget applied changes older than this many days"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Bring the search index in line with the catalogue (every waiting change), or build it
    anew (--rebuild: after restoring a backup, moving the data folder, or a damaged index)."""

    def action() -> dict[str, Any]:
        from learncity.search.services import search_index, search_prune, search_rebuild

        report = search_rebuild() if rebuild else search_index()
        if prune_days is not None:
            report["pruned"] = search_prune(max(1, prune_days))
        return report

    result = run(action)
    if rebuild:
        lines = [
            f"rebuilt: {result['documents']:,} programmes in {result['seconds']} s;"
            f" the index holds change {result['change_no']:,}"
        ]
    else:
        lines = [
            f"{result['applied']:,} changes applied ({result['programmes']:,} programmes);"
            f" the index holds change {result['change_no']:,}"
        ]
    if "pruned" in result:
        lines.append(f"{result['pruned']:,} old changes forgotten")
    print_result(result, as_json, lines)
