"""The `learncity` command after its split into cli.py and one cli_<context> module per
context (issue 17, item 8): the same commands, in the same order, with the same options, and
`learncity --help` still starts without Django."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import typer
from typer._click import Context
from typer.testing import CliRunner

from learncity.cli import app

# the order of `learncity --help`: the commands, then the groups, as before the split
TOP = [
    "migrate",
    "serve",
    "demo",
    "import",
    "search",
    "search-index",
    "bench",
    "indicators",
    "report",
    "report-jobs",
    "regions",
    "city",
    "catalog",
    "venues",
    "lottery",
    "offers",
    "outbox",
    "sessions",
    "completion",
    "reminders",
    "records",
    "credentials",
    "vouchers",
    "plan",
    "staff",
    "tokens",
    "access-log",
    "i18n",
]
GROUPS = {
    "regions": ["load-population", "load-boundaries", "summary"],
    "city": ["set", "show", "clear"],
    "catalog": ["list", "classify", "set-category"],
    "venues": ["locate", "load"],
    "lottery": ["draw", "replay"],
    "offers": ["expire"],
    "outbox": ["send"],
    "sessions": ["expand"],
    "completion": ["run"],
    "reminders": ["send"],
    "records": ["sync"],
    "credentials": ["check", "verify", "keys", "rotate-key", "revoke"],
    "vouchers": ["expire"],
    "plan": ["access", "sites"],
    "staff": ["add", "list", "remove"],
    "tokens": ["issue", "list", "revoke"],
    "access-log": ["prune"],
    "i18n": ["compile", "check", "update", "merge"],
}


def _names(command: Any) -> list[str]:
    return list(command.list_commands(Context(command)))


def test_every_command_and_group_in_the_order_of_the_help() -> None:
    root = typer.main.get_command(app)
    assert _names(root) == TOP
    for group, commands in GROUPS.items():
        assert _names(root.get_command(Context(root), group)) == commands, group


def test_the_help_lists_them_in_that_order() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0
    at = [shown.output.index(f"│ {name} ") for name in TOP]
    assert at == sorted(at)


def test_each_command_keeps_its_options() -> None:
    root = typer.main.get_command(app)
    ctx = Context(root)
    options = {
        ("import",): {"--json"},
        ("search",): {"--district", "--near", "--today", "--sort", "--limit", "--json"},
        ("bench",): {"--db", "--json"},
        ("lottery", "draw"): {"--seed", "--json"},
        ("completion", "run"): {"--offer", "--json"},
        ("credentials", "revoke"): {"--reason", "--json"},
        ("vouchers", "expire"): {"--today", "--json"},
        ("regions", "load-boundaries"): {"--show", "--json"},
    }
    for path, expected in options.items():
        command = root
        for name in path:
            command = command.get_command(ctx, name)
        flags = {flag for param in command.params for flag in param.opts}
        assert expected <= flags, (path, flags)


def test_the_help_starts_without_django() -> None:
    probe = "import sys, learncity.cli; print(sorted(m for m in sys.modules if m == 'django'))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
