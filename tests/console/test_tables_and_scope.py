"""The console's tables (sorting, formatting, CSV) and the scope's narrowing, without a
database: exact cases and hypothesis properties."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.analytics.selectors import ConsoleForbidden, ConsoleScope
from learncity.console.tables import Column, Table, bar_chart, csv_response, fmt

COLUMNS = [Column("name", "이름", "name"), Column("value", "값", "value", numeric=True)]


def table(values: list[float | None], names: list[str] | None = None) -> Table:
    names = names or [f"area {i}" for i in range(len(values))]
    rows = [{"name": n, "value": v} for n, v in zip(names, values, strict=True)]
    return Table("t", "표", "table", COLUMNS, rows, {i: f"/x/{i}" for i in range(len(rows))})


values = st.lists(
    st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32)), max_size=30
)


@given(values)
def test_sorting_keeps_rows_and_links_and_puts_empty_last(data: list[float | None]) -> None:
    original = table(data)
    for sort in ("value", "-value"):
        ordered = original.sorted_by(sort)
        assert sorted(map(repr, ordered.rows)) == sorted(map(repr, original.rows))
        present = [r["value"] for r in ordered.rows if r["value"] is not None]
        assert present == sorted(present, reverse=sort.startswith("-"))
        assert all(r["value"] is None for r in ordered.rows[len(present) :])
        # each link still belongs to its row (names are "area <original index>")
        for index, row in enumerate(ordered.rows):
            assert ordered.links[index] == f"/x/{row['name'].split()[1]}"


def test_sort_by_text_and_unknown_column() -> None:
    t = table([3.0, 1.0, 2.0], ["다", "가", "나"])
    assert [r["name"] for r in t.sorted_by("name").rows] == ["가", "나", "다"]
    assert [r["name"] for r in t.sorted_by("-name").rows] == ["다", "나", "가"]
    assert t.sorted_by("-value").links == {0: "/x/0", 1: "/x/2", 2: "/x/1"}
    assert t.sorted_by("nope") is t
    assert t.sorted_by("<script>") is t
    heads = t.sorted_by("-value").headers()
    assert [h["aria_sort"] for h in heads] == ["none", "descending"]
    assert heads[1]["next_sort"] == "value"


def test_formatting() -> None:
    number = Column("v", "값", "v", numeric=True, digits=2)
    assert fmt(1234.5678, number) == "1,234.57"
    assert fmt(12, number) == "12"
    assert fmt(None, number) == "–"
    assert fmt(math.inf, number) == "–"
    assert fmt(3.0, Column("v", "값", "v", numeric=True, digits=0)) == "3"
    assert fmt("강남구", COLUMNS[0]) == "강남구"


def test_csv_has_a_bom_both_languages_and_no_formulas() -> None:
    t = Table(
        "x", "표", "table", COLUMNS,
        [{"name": "=HYPERLINK(\"http://evil\")", "value": 1.5}, {"name": "-3", "value": None},
         {"name": "@SUM(A1)", "value": -2}],
    )  # fmt: skip
    response = csv_response(t)
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["이름 (name)", "값 (value)"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "1.5"]
    assert rows[2] == ["-3", ""]  # a number stays a number
    assert rows[3] == ["'@SUM(A1)", "-2"]


def test_bar_chart_is_a_vega_lite_spec_safe_inside_a_script() -> None:
    spec_text = bar_chart(
        [{"label": "</script><b>", "value": 2.0}, {"label": "b", "value": None}],
        label="label", value="value", title="제목",
    )  # fmt: skip
    assert "</script>" not in spec_text and "<" not in spec_text
    spec = json.loads(spec_text)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert spec["mark"]["type"] == "bar"
    data = spec["data"]["values"] if "values" in spec["data"] else spec["datasets"]
    assert "</script><b>" in json.dumps(data, ensure_ascii=False)
    assert bar_chart([{"label": "a", "value": None}], label="label", value="value", title="t") == ""


CITY = ConsoleScope(city=True, districts=frozenset(), institutions=frozenset(), city_admin=True)
OFFICER = ConsoleScope(city=False, districts=frozenset({"1168000000"}), institutions=frozenset())
STAFF = ConsoleScope(city=False, districts=frozenset(), institutions=frozenset({7}))


def test_scope_narrowing() -> None:
    assert CITY.narrow(None, None) == (None, None)
    assert CITY.narrow("1165000000", 3) == ("1165000000", 3)
    assert OFFICER.narrow(None, None) == ("1168000000", None)
    assert OFFICER.narrow("1168010100", None) == ("1168010100", None)  # a neighbourhood of it
    with pytest.raises(ConsoleForbidden):
        OFFICER.narrow("1165000000", None)
    assert STAFF.narrow(None, None) == (None, 7)
    with pytest.raises(ConsoleForbidden):
        STAFF.narrow(None, 8)
    assert not ConsoleScope(False, frozenset(), frozenset()).has_role
    assert OFFICER.sees_region("1168010100") and not OFFICER.sees_region("1165010100")
    assert not OFFICER.sees_region("") and CITY.sees_region("4111000000")


@given(st.text(alphabet="0123456789", min_size=1, max_size=10))
def test_an_officer_never_gets_another_district(code: str) -> None:
    try:
        district, _ = OFFICER.narrow(code, None)
    except ConsoleForbidden:
        return
    assert district is not None and district[:5] == "11680"
