"""What every `learncity` command shares: starting Django, turning the project's errors into
a message and exit code 2, and printing a result as lines or as one JSON object."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learncity.config.settings")
    import django

    django.setup()


def run(action: Callable[[], T]) -> T:
    """Start Django, run one action, turn project errors into a message and exit code 2."""
    from learncity.core.errors import LearncityError

    try:
        django_setup()
        return action()
    except LearncityError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=2) from None


def print_result(result: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for line in lines:
            typer.echo(line)
