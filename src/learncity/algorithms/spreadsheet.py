"""Cells that a spreadsheet must show as text, never run: the one guard every export uses
(CSV and XLSX: the console's tables, the annual report, the voucher settlement).

A cell whose text begins with `=`, `+`, `-` or `@` is a formula to Excel and LibreOffice, and
a leading tab or carriage return hides such a start from a naive check (OWASP, "CSV
injection"). Such text gets a leading apostrophe, which spreadsheets read as "text follows";
a plain number written as text (`-3`, `+82`) stays as it is (it computes to itself and can
run nothing), and numbers themselves (int, float) are never touched. Pure: no Django.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text  # " -3" or "-3\t" is not a plain number


def safe_text(text: str) -> str:
    """The text as a spreadsheet must store it: apostrophe-prefixed when it could run."""
    if text[:1] in FORMULA_STARTS and not _number(text):
        return "'" + text
    return text


def safe_cell(value: Any) -> Any:
    """A cell value for CSV or XLSX: text guarded (safe_text), anything else unchanged."""
    return safe_text(value) if isinstance(value, str) else value
