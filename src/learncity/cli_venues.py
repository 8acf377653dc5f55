"""The `learncity venues` commands: where each venue is, and how precisely (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

venues_app = typer.Typer(
    help="Learning venues: their place on the map and its precision.", no_args_is_help=True
)

_PRECISION_WORDS = {
    "exact": "the building's point",
    "neighbourhood": "the 동 only (its centre)",
    "district": "the district only (its centre)",
    "unknown": "unknown",
}


def register(app: typer.Typer) -> None:
    """Add the `venues` group to the main `learncity` app."""
    app.add_typer(venues_app, name="venues")


def _reindex() -> dict[str, Any]:
    from learncity.search.services import search_index

    return dict(search_index())


def _lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for venue in result["venues"]:
        where = venue["label"] or "-"
        point = (
            f"{venue['latitude']:.5f},{venue['longitude']:.5f}"
            if venue["latitude"] is not None and venue["longitude"] is not None
            else "no point"
        )
        lines.append(
            f"{venue['id']:>5}  {venue['name'][:40]}  [{venue['institution'][:30]}]  "
            f"{venue['precision']} ({_PRECISION_WORDS.get(venue['precision'], '?')}) "
            f"from {venue['source'] or 'nothing'}: {where}  {point}"
            + ("  (changed)" if venue["changed"] else "")
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result["by_precision"].items()))
    sources = ", ".join(f"{k} {v}" for k, v in sorted(result["by_source"].items()))
    lines.append(
        f"{result['count']} venues: {counts or 'none'}; found from: {sources or 'nothing'}; "
        f"{result['changed']} changed" + (" (dry run: nothing stored)" if result["dry_run"] else "")
    )
    lines += [f"note: {note} ({count})" for note, count in result["notes"].items()]
    return lines


@venues_app.command("locate")
def locate(
    geocode: Annotated[
        bool,
        typer.Option(
            help="Ask the geocoder configured by LEARNCITY_GEOCODER (vworld, kakao) first."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option(help="Report what would change; store nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Place every venue as precisely as is known and report each one's precision.

    A point set on purpose (staff on the map, `venues load`, a geocoder) is kept; the others
    are placed from the 동 of their address or name, else their district's centre."""

    def action() -> dict[str, Any]:
        from learncity.catalog.geocoding import geocoder_from_environment
        from learncity.catalog.locations import venues_locate

        geocoder = geocoder_from_environment() if geocode else None
        if geocode and geocoder is None:
            from learncity.core.errors import ConfigurationError

            raise ConfigurationError("--geocode needs LEARNCITY_GEOCODER (vworld or kakao)")
        report = venues_locate(geocoder=geocoder, dry_run=dry_run).as_dict()
        report["dry_run"] = dry_run
        if report["changed"] and not dry_run:
            report["search_index"] = _reindex()
        return report

    result = run(action)
    print_result(result, as_json, _lines(result))


@venues_app.command("load")
def load(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV of venue points: name, address (optional), latitude, longitude "
            "(or 교육장명, 주소, 위도, 경도; 운영기관명 optional)."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Set venues' points from a file (precision: exact); rows that fit no venue are listed."""

    def action() -> dict[str, Any]:
        from learncity.catalog.locations import venues_load

        report = venues_load(path=file)
        if report["venues"]:
            report["search_index"] = _reindex()
        return report

    result = run(action)
    lines = [
        f"{file}: {result['rows']} rows, {result['located']} placed "
        f"({result['venues']} venues now at their building's point)"
    ]
    lines += [f"line {p['line']}: {p['problem']}" for p in result["problems"]]
    print_result(result, as_json, lines)
