"""The `learncity i18n` commands: the translation catalogue (Korean msgids, English
msgstrs in `learncity/locale/en/LC_MESSAGES/django.po`), without GNU gettext."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from learncity.cli_common import JsonOption, print_result, run

i18n_app = typer.Typer(
    help="Translations: compile the catalogue, check it, add new msgids, merge fragments.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the `i18n` group to the main `learncity` app."""
    app.add_typer(i18n_app, name="i18n")


@i18n_app.command("compile")
def compile_command(as_json: JsonOption = False) -> None:
    """Compile every .po catalogue to .mo (what the pages read); `make` runs it."""
    from learncity.core import catalogue

    written = catalogue.compile_all()
    result: dict[str, Any] = {"compiled": [str(p) for p in written]}
    print_result(result, as_json, [f"compiled {p}" for p in written])


@i18n_app.command("check")
def check_command(as_json: JsonOption = False) -> None:
    """List the msgids of the code and templates that the English catalogue lacks, leaves
    empty or marks fuzzy (what `makemessages` would add untranslated); exit 1 if any."""

    def action() -> dict[str, Any]:
        from learncity.core import catalogue

        missing = catalogue.untranslated("en")
        return {"untranslated": [{"context": c, "msgid": i, "plural": p} for c, i, p in missing]}

    result = run(action)
    lines = [
        f"untranslated: {m['msgid']!r}" + (f" (context {m['context']!r})" if m["context"] else "")
        for m in result["untranslated"]
    ] or ["every msgid has its English"]
    print_result(result, as_json, lines)
    if result["untranslated"]:
        raise typer.Exit(code=1)


@i18n_app.command("update")
def update_command(
    prune: Annotated[bool, typer.Option(help="Drop the entries nothing asks for.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Add every new msgid to the English catalogue with an empty msgstr, to translate."""

    def action() -> dict[str, int]:
        from learncity.core import catalogue

        return catalogue.update("en", prune=prune)

    result = run(action)
    print_result(result, as_json, [f"{k}: {v}" for k, v in result.items()])


@i18n_app.command("merge")
def merge_command(
    fragments: Annotated[list[Path], typer.Argument(help=".po fragments to take in.")],
    as_json: JsonOption = False,
) -> None:
    """Take the English of .po fragments into the catalogue (new msgids added, empty ones
    filled, translated ones kept), then compile."""
    from learncity.core import catalogue

    result = catalogue.merge(fragments, "en")
    catalogue.compile_all()
    print_result(result, as_json, [f"{k}: {v}" for k, v in result.items()])
