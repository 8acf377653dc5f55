"""The `learncity regions` commands: administrative areas, their population and boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

regions_app = typer.Typer(
    help="Administrative areas: population and boundaries.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the `regions` group to the main `learncity` app."""
    app.add_typer(regions_app, name="regions")


@regions_app.command("load-population")
def load_population(
    file: Annotated[Path, typer.Argument(help="MOIS age-by-area CSV (연령별 인구현황).")],
    as_json: JsonOption = False,
) -> None:
    """Load resident population by single year of age (all-or-nothing per file)."""

    def action() -> dict[str, Any]:
        from learncity.regions.services import population_load

        return population_load(path=file)

    result = run(action)
    print_result(
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

    result = run(action)
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
    print_result(result, as_json, lines)


@regions_app.command("summary")
def regions_summary(as_json: JsonOption = False) -> None:
    """What is loaded: areas by level, population period and total, located share."""

    def action() -> dict[str, Any]:
        from dataclasses import asdict

        from learncity.regions.selectors import region_overview

        return asdict(region_overview())

    result = run(action)
    print_result(result, as_json, [f"{k}: {v}" for k, v in result.items()])
