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
    dev: Annotated[bool, typer.Option(help="Django's development server with reload.")] = False,
) -> None:
    """Serve the platform over HTTP (gunicorn; --dev for the development server)."""
    _run(lambda: None)
    if dev:
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}")
        return
    typer.echo(f"learncity: serving on http://{host}:{port} with {workers} worker(s)")
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

            return real_regions_load(data_dir)
        from learncity.demo.city import demo_city_load

        return demo_city_load()

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
    else:
        lines = [
            "no real data found: loaded the demo city 데모배움시 (invented data, labelled demo)",
            f"{result['regions']} areas, {result['population']:,} residents, "
            f"{result['institutions']} institutions, {result['venues']} venues, "
            f"{result['programmes']} programmes",
        ]
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


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help="Benchmark name (a module in bench/).")],
    as_json: JsonOption = False,
) -> None:
    """Run a benchmark from bench/ and print its figures against a same-run baseline."""
    import importlib.util

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


def main() -> None:
    app()
