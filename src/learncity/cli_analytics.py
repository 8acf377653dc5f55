"""The `learncity` commands of the analytics area (`indicators`, `report`); cli.py registers
them on the main app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `learncity` app."""
    app.command("indicators")(indicators_command)
    app.command("report")(report_command)
    app.command("report-jobs")(report_jobs_command)


def report_command(  # noqa: PLR0917 - typer options
    year: Annotated[int, typer.Option(help="Year of the report, e.g. 2026.")],
    fmt: Annotated[str, typer.Option("--format", help="pdf, xlsx or html.")] = "pdf",
    out: Annotated[
        Path | None, typer.Option(help="File to write (default learncity-report-YEAR.FORMAT).")
    ] = None,
    district: Annotated[
        str | None, typer.Option(help="10-digit code: one district's report.")
    ] = None,
    language: Annotated[
        str, typer.Option(help="Language of the report: ko (Korean) or en (English).")
    ] = "ko",
    as_json: JsonOption = False,
) -> None:
    """Write the learning city's annual evaluation report (연차 평가 보고서)."""
    target = out or Path(f"learncity-report-{year}.{fmt}")

    def action() -> dict[str, Any]:
        from learncity.analytics.report import report_write

        path = report_write(year, fmt, target, district_code=district, language=language)
        return {
            "year": year,
            "format": fmt,
            "language": language,
            "out": str(path),
            "bytes": path.stat().st_size,
        }

    result = run(action)
    print_result(result, as_json, [f"wrote {result['out']} ({result['bytes']:,} bytes)"])


def report_jobs_command(
    limit: Annotated[int, typer.Option(min=1, help="At most this many jobs.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Build the reports asked for in the console that no server thread finished (queued,
    or running for more than 15 minutes): run it from cron or after a restart."""

    def action() -> dict[str, Any]:
        from learncity.analytics.report_jobs import report_jobs_run_pending

        return report_jobs_run_pending(limit=limit)

    result = run(action)
    print_result(
        result,
        as_json,
        [
            f"report jobs: {result['done']} done, {result['failed']} failed, "
            f"{result['requeued']} requeued after their worker stopped"
        ],
    )


def indicators_command(  # noqa: PLR0917 - typer options
    year: Annotated[int | None, typer.Option(help="Year of the courses (start date).")] = None,
    month: Annotated[int | None, typer.Option(help="Month (1-12), with --year.")] = None,
    term: Annotated[str | None, typer.Option(help="Term, e.g. 2026-1.")] = None,
    district: Annotated[str | None, typer.Option(help="10-digit code of one district.")] = None,
    institution: Annotated[int | None, typer.Option(help="Institution id.")] = None,
    breakdown: Annotated[
        bool, typer.Option(help="Include the breakdown by district and neighbourhood.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the console's indicators (지표) for the loaded data, with the previous period."""

    def action() -> dict[str, Any]:
        from learncity.analytics.selectors import (
            Filters,
            indicator_definitions,
            indicator_values,
        )

        filters = Filters(
            year=year,
            month=month,
            term=term,
            district_code=district,
            institution_id=institution,
        )
        definitions = {d.id: d for d in indicator_definitions()}
        values = indicator_values(filters, breakdown=breakdown)
        return {
            "filters": {
                "year": year,
                "month": month,
                "term": term,
                "district_code": district,
                "institution_id": institution,
            },
            "indicators": [
                {
                    "id": v.id,
                    "name_ko": definitions[v.id].name_ko,
                    "name_en": definitions[v.id].name_en,
                    "dimension": definitions[v.id].dimension,
                    "unit": definitions[v.id].unit,
                    "proxy": definitions[v.id].proxy,
                    "value": v.value,
                    "previous": v.previous,
                    "numerator": v.numerator,
                    "denominator": v.denominator,
                    **(
                        {
                            "breakdown": [
                                {
                                    "level": row.level,
                                    "code": row.region_code,
                                    "name": row.region_name,
                                    "value": row.value,
                                    "numerator": row.numerator,
                                    "denominator": row.denominator,
                                }
                                for row in v.breakdown
                            ]
                        }
                        if breakdown
                        else {}
                    ),
                }
                for v in values
            ],
        }

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:,.3f}"

    result = run(action)
    lines = [
        f"{item['id']:<42} {fmt(item['value']):>14}  (prev {fmt(item['previous'])})  "
        f"{item['name_ko']} / {item['name_en']}"
        for item in result["indicators"]
    ]
    print_result(result, as_json, lines)
