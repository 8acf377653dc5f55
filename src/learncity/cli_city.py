"""The `learncity city` commands: the one city (or consortium of areas) a deployment serves."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

city_app = typer.Typer(
    help="The city this deployment serves: its areas, name, colour and emblem.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `city` group to the main `learncity` app."""
    app.add_typer(city_app, name="city")


def _lines(result: dict[str, Any]) -> list[str]:
    if not result["set"]:
        return [
            "no city set: every loaded area counts (home, planning, sign-up, console, report)",
            "set one with: learncity city set AREA... "
            "(e.g. learncity city set '서울특별시 강남구')",
        ]
    areas = ", ".join(f"{a['full_name']} ({a['code']})" for a in result["areas"])
    population = result["population"]
    lines = [
        f"city: {result['name']}" + (f" / {result['name_en']}" if result["name_en"] else ""),
        f"areas: {areas}",
        f"inside: {result['districts']} 시·군·구, {result['neighbourhoods']:,} 읍·면·동, "
        + (f"{population:,} residents" if population is not None else "no population loaded"),
        f"colour: {result['colour'] or '(the site default)'}; "
        f"emblem: {'yes' if result['emblem'] else 'none'}"
        + ("; demo city" if result["demo"] else ""),
    ]
    return lines


@city_app.command("set")
def city_set(  # noqa: PLR0917 - typer passes options positionally
    areas: Annotated[
        list[str] | None,
        typer.Argument(
            help="Codes (2, 5 or 10 digits) or names of a 시·도 or 시·군·구, one or several "
            "(a consortium). Leave out to change only the options of the city already set.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name in the header (default: the areas' names).")
    ] = None,
    name_en: Annotated[str | None, typer.Option(help="Name in English pages.")] = None,
    colour: Annotated[
        str | None,
        typer.Option(help="Colour of links and buttons, #rrggbb (contrast ≥ 4.5:1 on white)."),
    ] = None,
    emblem: Annotated[
        Path | None, typer.Option(help="Emblem image: PNG, JPEG, GIF, WebP or SVG, ≤ 256 KB.")
    ] = None,
    no_emblem: Annotated[
        bool, typer.Option("--no-emblem", help="Remove the emblem.", show_default=False)
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Set the city: its areas (codes or names), and its name, colour and emblem."""

    def action() -> dict[str, Any]:
        from learncity.core.errors import InputFileError
        from learncity.regions.services import city_set as set_city

        data = None
        if emblem is not None:
            try:
                data = emblem.read_bytes()
            except OSError as exc:
                raise InputFileError(
                    f"cannot be read: {exc.strerror or exc}", path=str(emblem)
                ) from None
        return set_city(
            areas=areas if areas else None,
            name=name,
            name_en=name_en,
            colour=colour,
            emblem=data,
            remove_emblem=no_emblem,
            demo=False if areas else None,
        )

    result = run(action)
    lines = _lines(result)
    for area in result.get("absorbed", []):
        lines.append(
            f"note: {area['full_name']} lies inside {area['inside']}, also named, and adds "
            f"nothing: the city is all of {area['inside']}. To set {area['full_name']} alone, "
            f"quote its name: learncity city set '{area['full_name']}'"
        )
    print_result(result, as_json, lines)


@city_app.command("show")
def city_show(as_json: JsonOption = False) -> None:
    """The city set: its areas, name, colour, emblem, and what lies inside."""

    def action() -> dict[str, Any]:
        from learncity.regions.selectors import city_show as show

        return show()

    result = run(action)
    print_result(result, as_json, _lines(result))


@city_app.command("clear")
def city_clear(as_json: JsonOption = False) -> None:
    """Forget the city: every loaded area counts again."""

    def action() -> dict[str, Any]:
        from learncity.regions.services import city_clear as clear

        return clear()

    result = run(action)
    print_result(result, as_json, ["city cleared" if result["cleared"] else "no city was set"])


def demo_city_line(city: dict[str, Any]) -> str:
    """What `learncity demo` says of the city it set (or kept)."""
    areas = ", ".join(f"{a['full_name']} ({a['code']})" for a in city.get("areas", []))
    if city.get("status") == "none":
        return "city: not set (no venue in a known district); set it with `learncity city set`"
    if city.get("status") == "kept":
        return f"city: {city['name']} (set before, kept; `learncity city set` changes it)"
    where = " (the area the course files cover)" if not city.get("demo") else ""
    return f"city set to {city['name']}{where}: {areas}; `learncity city set` changes it"
