"""Nothing ships without its policy row: every page and API operation that changes anything
declares the actions it does (`learners.access.requires`), every action the code asks the
policy about is a row of the table, and every row is asked somewhere."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.test import Client

from learncity.algorithms.access_policy import POLICY
from learncity.learners.access import actions_of
from tests.access.endpoints import state_changing_operations, state_changing_pages

SRC = Path(__file__).resolve().parents[2] / "src" / "learncity"
POLICY_MODULE = SRC / "algorithms" / "access_policy.py"
# the functions and methods that take an action name (learners.access, ConsoleScope)
ASKING = {"allowed", "require", "requires", "reach_of", "holds_role_for", "may", "reach"}


def test_every_state_changing_page_declares_actions_of_the_table(
    db: None, world: Mapping[str, Any]
) -> None:
    def signed_in() -> Client:
        client = Client()
        client.force_login(world["users"]["citizen"])
        return client

    found = state_changing_pages(signed_in)
    assert len(found) >= 20, "the probe finds the pages that take a POST"
    undeclared = [page.name for page in found if not actions_of(page.view)]
    assert undeclared == [], "declare them with @requires(<action>)"
    unknown = [(p.name, a) for p in found for a in actions_of(p.view) if a not in POLICY]
    assert unknown == []


def test_every_state_changing_operation_declares_actions_of_the_table() -> None:
    found = state_changing_operations()
    assert len(found) >= 15, "the OpenAPI document lists the API's writes"
    undeclared = [f"{op.method} {op.path}" for op in found if not actions_of(op.view)]
    assert undeclared == [], "declare them with @requires(<action>)"
    unknown = [(op.path, a) for op in found for a in actions_of(op.view) if a not in POLICY]
    assert unknown == []


def _asked_in(path: Path) -> set[str]:
    """The action names given to the policy's questions in one module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in ASKING:
            continue
        found |= {
            argument.value
            for argument in node.args
            if isinstance(argument, ast.Constant)
            and isinstance(argument.value, str)
            and "." in argument.value
            and " " not in argument.value
        }
    return found


def test_every_action_asked_has_a_row_and_every_row_is_asked() -> None:
    asked: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        if path == POLICY_MODULE or "migrations" in path.parts:
            continue
        for action in _asked_in(path):
            asked.setdefault(action, set()).add(str(path.relative_to(SRC)))
    assert len(asked) >= 20, "the scan finds the questions"
    without_row = {action: sorted(where) for action, where in asked.items() if action not in POLICY}
    assert without_row == {}, "add the action's row to access_policy.POLICY"
    never_asked = sorted(set(POLICY) - set(asked))
    assert never_asked == [], "a row no code asks: remove it, or ask it"
