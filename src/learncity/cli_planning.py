"""The `learncity` commands of the planning area; cli.py registers them on the main app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.algorithms.walking import DETOUR_FACTOR, WALKING_SPEED_KMH
from learncity.cli_common import print_result, run

plan_app = typer.Typer(
    help="Planning: the 15-minute learning zone and sites for learning centres.",
    no_args_is_help=True,
)

Minutes = Annotated[float, typer.Option(help="Walking minutes T (default 15).")]
MinProgrammes = Annotated[
    int, typer.Option(help="Count only venues with at least this many programmes.")
]
Category = Annotated[
    str | None,
    typer.Option(help="Only programmes of this area (literacy, academic, vocational, ...)."),
]
TargetGroup = Annotated[
    str | None, typer.Option(help="Only programmes for this group (어르신, ...).")
]
Weekday = Annotated[int | None, typer.Option(help="Only programmes on this ISO weekday (1 = Mon).")]
Evening = Annotated[bool, typer.Option(help="Only programmes starting at 18:00 or later.")]
Speed = Annotated[
    float, typer.Option(help=f"Walking speed in km/h (default {WALKING_SPEED_KMH:g}).")
]
Detour = Annotated[
    float, typer.Option(help=f"Detour factor of the straight line (default {DETOUR_FACTOR:g}).")
]
Network = Annotated[
    Path | None,
    typer.Option(help="Street network: .osm, .osm.pbf or .graphml (else straight line)."),
]
Grid = Annotated[
    Path | None, typer.Option(help="Population grid CSV: lat, lon, residents[, seniors, children].")
]
District = Annotated[
    list[str] | None, typer.Option(help="Only this 시·군·구 (10-digit code); repeat for more.")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _options(  # noqa: PLR0917 - the commands' options, in order
    minutes: float,
    min_programmes: int,
    category: str | None,
    target_group: str | None,
    weekday: int | None,
    evening: bool,
    speed: float,
    detour: float,
    network: Path | None,
    population_grid: Path | None,
    district: list[str] | None,
) -> Any:
    from learncity.planning.services import Options

    return Options(
        minutes=minutes,
        min_programmes=min_programmes,
        category=category,
        target_group=target_group,
        weekday=weekday,
        evening=evening,
        walking_speed_kmh=speed,
        detour_factor=detour,
        network=str(network) if network else None,
        population_grid=str(population_grid) if population_grid else None,
        districts=tuple(district or ()),
    )


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:5.1f}%"


@plan_app.command("access")
def plan_access(  # noqa: PLR0917 - typer passes options positionally
    minutes: Minutes = 15.0,
    min_programmes: MinProgrammes = 1,
    category: Category = None,
    target_group: TargetGroup = None,
    weekday: Weekday = None,
    evening: Evening = False,
    speed: Speed = WALKING_SPEED_KMH,
    detour: Detour = DETOUR_FACTOR,
    network: Network = None,
    population_grid: Grid = None,
    district: District = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the district table as CSV.")
    ] = None,
    neighbourhoods_csv: Annotated[
        Path | None, typer.Option(help="Write the neighbourhood table as CSV.")
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option(help="Write neighbourhoods and venues as GeoJSON.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Walking time to learning per 읍·면·동 and coverage per 시·군·구 (도보 15분 학습권)."""

    def action() -> dict[str, Any]:
        from learncity.planning import services

        options = _options(
            minutes,
            min_programmes,
            category,
            target_group,
            weekday,
            evening,
            speed,
            detour,
            network,
            population_grid,
            district,
        )
        result = services.access_compute(options)
        if csv_out:
            csv_out.write_text(services.access_csv(result), "utf-8-sig")
        if neighbourhoods_csv:
            neighbourhoods_csv.write_text(services.neighbourhood_csv(result), "utf-8-sig")
        if geojson:
            geojson.write_text(services.to_json(services.access_geojson(result)), "utf-8")
        return services.access_json(result)

    data = run(action)
    totals = data["totals"]
    lines = [
        f"도보 {data['minutes']:g}분 학습권 / {data['minutes']:g}-minute walk ({data['model']}): "
        f"주민 / residents {_percent(totals['residents_share'])}, "
        f"어르신 / seniors {_percent(totals['seniors_share'])}, "
        f"아동 / children {_percent(totals['children_share'])}",
        f"{'code':<10}  {'district':<24} {'venues':>6} {'residents':>10} "
        f"{'covered':>7} {'65+':>7} {'0-14':>7}",
    ]
    for row in data["districts"]:
        lines.append(
            f"{row['code']:<10}  {row['name'][:24]:<24} {row['venues']:>6} {row['residents']:>10} "
            f"{_percent(row['residents_share']):>7} {_percent(row['seniors_share']):>7} "
            f"{_percent(row['children_share']):>7}"
        )
    lines.append(
        f"시·군·구 중심점에 둔 읍·면·동 / neighbourhoods at their district's centroid: "
        f"{len(data['neighbourhoods_at_district_centroid'])}; "
        f"위치 없음 / without any location: {len(data['neighbourhoods_without_centroid'])}"
    )
    if data["venues_placed"]:
        lines.append("좌표 없이 배치한 학습 장소 / venues placed without their own coordinates:")
        for venue in data["venues_placed"]:
            lines.append(
                f"  {venue['id']:>6} {venue['name']} — {venue['placed_ko']} / {venue['placed']}"
            )
    print_result(data, as_json, lines)


@plan_app.command("sites")
def plan_sites(  # noqa: PLR0917 - typer passes options positionally
    k: Annotated[int, typer.Option("--k", help="How many new sites (K).")] = 5,
    candidates: Annotated[
        Path | None,
        typer.Option(help="Candidate sites CSV: name, lat, lon (default: 읍·면·동 centroids)."),
    ] = None,
    senior_weight: Annotated[
        float, typer.Option(help="A senior counts this many residents (default 1).")
    ] = 1.0,
    low_participation_weight: Annotated[
        float, typer.Option(help="Multiplier for neighbourhoods below the median participation.")
    ] = 1.0,
    participation: Annotated[
        Path | None, typer.Option(help="CSV code, rate: participation per 읍·면·동.")
    ] = None,
    minutes: Minutes = 15.0,
    min_programmes: MinProgrammes = 1,
    category: Category = None,
    target_group: TargetGroup = None,
    weekday: Weekday = None,
    evening: Evening = False,
    speed: Speed = WALKING_SPEED_KMH,
    detour: Detour = DETOUR_FACTOR,
    network: Network = None,
    district: District = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write the sites as CSV.")] = None,
    geojson: Annotated[
        Path | None, typer.Option(help="Write neighbourhoods, venues and sites as GeoJSON.")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds the exact solver may take.")] = 30.0,
    as_json: JsonFlag = False,
) -> None:
    """Choose K new learning-centre sites that newly cover the most residents (MCLP)."""

    def action() -> dict[str, Any]:
        from learncity.planning import services

        options = _options(
            minutes,
            min_programmes,
            category,
            target_group,
            weekday,
            evening,
            speed,
            detour,
            network,
            None,
            district,
        )
        rates = services.participation_read(participation) if participation else None
        result = services.sites_propose(
            options,
            services.SiteOptions(
                k=k,
                senior_weight=senior_weight,
                low_participation_weight=low_participation_weight,
                participation=rates,
                candidates=str(candidates) if candidates else None,
                time_limit_s=time_limit,
            ),
        )
        if csv_out:
            csv_out.write_text(services.sites_csv(result), "utf-8-sig")
        if geojson:
            geojson.write_text(
                services.to_json(services.access_geojson(result.access, result)), "utf-8"
            )
        return services.sites_json(result)

    data = run(action)
    lines = [
        f"새 학습센터 {data['k']}곳 / {data['k']} new sites (T = {data['minutes']:g} min, "
        f"{data['candidates']} candidates): "
        f"새로 포함되는 주민 / residents newly covered {data['residents_newly_covered']:,}",
        f"exact {data['exact']['objective']:,.0f} ({data['exact']['status']}, "
        f"{data['exact']['seconds']} s) · greedy {data['greedy']['objective']:,.0f} "
        f"({data['greedy']['seconds']} s) · gap {100 * data['gap']:.2f}%",
    ]
    for site in data["sites"]:
        lines.append(
            f"  {site['rank']:>2}. {site['name']} ({site['lat']}, {site['lon']}): "
            f"+{site['residents_reached']:,}"
        )
    print_result(data, as_json, lines)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `learncity` app."""
    app.add_typer(plan_app, name="plan")
