"""Tables of the console: one shape for every table a page shows, sorts (server side, by the
`sort` query parameter: a column key, `-key` for descending) and downloads as CSV (UTF-8 with
a byte-order mark so that Excel reads the Korean text), plus the Vega-Lite bar chart of a
table's column, built with Altair on the server and drawn by the vendored vega-embed."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils.translation import get_language

from learncity.algorithms.spreadsheet import safe_cell


@dataclass(frozen=True)
class Column:
    key: str
    ko: str
    en: str
    numeric: bool = False
    digits: int = 1

    @property
    def label(self) -> str:
        """The heading in the page's language (the CSV download carries both)."""
        return self.en if get_language() == "en" else self.ko


@dataclass
class Table:
    name: str  # file name of the CSV download, ASCII
    title_ko: str
    title_en: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    links: dict[int, str] = field(default_factory=dict)  # row index -> drill-down url
    sort: str = ""

    @property
    def title(self) -> str:
        """The caption in the page's language."""
        return self.title_en if get_language() == "en" else self.title_ko

    def sorted_by(self, sort: str) -> Table:
        """A copy sorted by a known column ("" keeps the order); unknown keys are ignored.
        Empty values go last in both directions."""
        key = sort.lstrip("-")
        column = next((c for c in self.columns if c.key == key), None)
        if column is None:
            return self
        descending = sort.startswith("-")
        indexed = list(enumerate(self.rows))

        def order(item: tuple[int, dict[str, Any]]) -> tuple[int, Any]:
            value = item[1].get(key)
            if value is None or value == "":
                return (1, 0)
            if column.numeric:
                number = float(value)
                return (0, -number if descending else number)
            return (0, str(value))

        present = [i for i in indexed if order(i)[0] == 0]
        missing = [i for i in indexed if order(i)[0] == 1]
        present.sort(key=order, reverse=descending and not column.numeric)
        ordered = present + missing
        return Table(
            self.name,
            self.title_ko,
            self.title_en,
            self.columns,
            [row for _, row in ordered],
            {new: self.links[old] for new, (old, _) in enumerate(ordered) if old in self.links},
            sort,
        )

    def cells(self) -> list[tuple[list[tuple[str, bool]], str | None]]:
        """Each row's cells (text, numeric) formatted for display, with its drill-down link."""
        out = []
        for index, row in enumerate(self.rows):
            cells = [(fmt(row.get(c.key), c), c.numeric) for c in self.columns]
            out.append((cells, self.links.get(index)))
        return out

    def headers(self) -> list[dict[str, Any]]:
        heads = []
        for column in self.columns:
            if self.sort == column.key:
                state, next_sort = "ascending", f"-{column.key}"
            elif self.sort == f"-{column.key}":
                state, next_sort = "descending", column.key
            else:
                state, next_sort = "none", column.key
            heads.append({"column": column, "aria_sort": state, "next_sort": next_sort})
        return heads


def fmt(value: Any, column: Column) -> str:
    if value is None or value == "":
        return "–"
    if column.numeric and isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "–"
        if isinstance(value, int) or (float(value).is_integer() and column.digits == 0):
            return f"{int(value):,}"
        return f"{float(value):,.{column.digits}f}"
    return str(value)


def csv_response(table: Table) -> HttpResponse:
    """The table as CSV: a header row in Korean and English, numbers unformatted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{c.ko} ({c.en})" for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(c.key)) for c in table.columns])
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    return safe_cell(value)  # a spreadsheet must not read a programme title as a formula


def bar_chart(
    rows: list[dict[str, Any]], *, label: str, value: str, title: str, unit: str = ""
) -> str:
    """A horizontal bar chart of one numeric column as a Vega-Lite spec (JSON text), or ""
    when no row has a value. Built with Altair; the table beside it is the fallback."""
    import altair as alt

    data = [
        {"label": str(row.get(label) or ""), "value": float(row[value])}
        for row in rows
        if isinstance(row.get(value), int | float) and math.isfinite(float(row[value]))
    ]
    if not data:
        return ""
    chart = (
        alt.Chart(alt.Data(values=data[:60]), title=title)  # type: ignore[no-untyped-call]
        .mark_bar(color="#21918c")
        .encode(
            x=alt.X("value:Q", title=unit or None),
            y=alt.Y("label:N", sort="-x", title=None),
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(width=420, height=alt.Step(18))
        .configure(font="NanumGothic, 'Noto Sans KR', sans-serif")
    )
    # "<" escaped so that the spec can sit inside a <script> element of the page
    return json.dumps(chart.to_dict(), ensure_ascii=False).replace("<", "\\u003c")
