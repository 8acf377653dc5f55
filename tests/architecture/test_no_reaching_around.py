"""Nothing in learncity reaches another context in a way the import linter cannot see: no
model looked up by name (`apps.get_model`), no module imported by a string
(`importlib.import_module`, `__import__`). The one loader of files by path is the CLI's
`bench` command, which runs the benchmark scripts of bench/ (outside the package)."""

from __future__ import annotations

import ast
from pathlib import Path

from learncity.core.contracts import PACKAGE

HIDDEN = {"get_model", "get_models", "import_module", "__import__", "spec_from_file_location"}
ALLOWED = {("cli.py", "spec_from_file_location")}  # `learncity bench NAME` runs bench/NAME.py


def _hidden_calls(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else function.id
                if isinstance(function, ast.Name)
                else ""
            )
            if name in HIDDEN:
                found.append((node.lineno, name))
    return sorted(found)


def test_no_module_reaches_around_the_contracts() -> None:
    found = []
    for path in sorted(Path(PACKAGE).rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts:  # historical models are looked up by name there
            continue
        for line, name in _hidden_calls(path.read_text(encoding="utf-8")):
            if (str(relative), name) not in ALLOWED:
                found.append(f"src/learncity/{relative}:{line}: {name}")
    assert not found, "\n".join(found)


def test_the_scan_sees_each_way_around() -> None:
    source = (
        "from django.apps import apps\nimport importlib\n"
        "table = apps.get_model('catalog', 'Session')._meta.db_table\n"
        "planning = importlib.import_module('learncity.planning.services')\n"
        "survey = __import__('learncity.analytics.survey')\n"
    )
    assert _hidden_calls(source) == [(3, "get_model"), (4, "import_module"), (5, "__import__")]
