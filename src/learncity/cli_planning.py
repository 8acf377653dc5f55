"""The `learncity` commands of the planning area; cli.py registers them on the main app."""

import typer


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main `learncity` app."""
