"""The export guard (issue 19, finding 17): a formula-like text never reaches a spreadsheet
as a formula, whatever hides its start; numbers and plain text are unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learncity.algorithms.spreadsheet import FORMULA_STARTS, safe_cell, safe_text


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "-",
        "+1+1",
        "-3-3",
    ],
)
def test_formula_like_text_is_kept_as_text(text: str) -> None:
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["3", "-3", "+82", "-0.5", "요가 초급", "", "1,000", "a=b", "010-1234-5678"]
)
def test_numbers_and_plain_text_are_unchanged(text: str) -> None:
    assert safe_text(text) == text


@given(st.text(max_size=40))
def test_no_guarded_cell_starts_a_formula(text: str) -> None:
    guarded = safe_text(text)
    assert guarded in (text, "'" + text)
    if guarded[:1] in FORMULA_STARTS:  # only a plain number may still start so
        float(guarded)


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.booleans()))
def test_non_text_values_pass_unchanged(value: object) -> None:
    assert safe_cell(value) is value
