"""The import contracts that follow from the layout are generated (learncity.core.contracts),
and the layers contract places every context: pyproject.toml may not drift from either."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from django.apps import apps

from learncity.core import contracts

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _pyproject() -> str:
    return PYPROJECT.read_text(encoding="utf-8")


def _contracts() -> list[dict[str, object]]:
    found: list[dict[str, object]] = tomllib.loads(_pyproject())["tool"]["importlinter"][
        "contracts"
    ]
    return found


def _learncity_apps() -> list[str]:
    return sorted(
        config.name.removeprefix("learncity.")
        for config in apps.get_app_configs()
        if config.name.startswith("learncity.")
    )


def test_pyproject_holds_the_generated_models_contracts() -> None:
    expected = contracts.models_contracts()
    assert contracts.generated_part(_pyproject()) == expected, (
        "pyproject.toml's models contracts differ from what learncity.core.contracts generates:"
        " run `python -m learncity.core.contracts --write`"
    )


def test_every_installed_context_with_models_has_its_contract() -> None:
    with_models = sorted(
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("learncity.")
        and config.models_module is not None
        and config.label not in contracts.SHARED_MODELS
    )
    assert contracts.contexts_with_models() == with_models
    protected = {
        tuple(contract["protected_modules"])  # type: ignore[arg-type]
        for contract in _contracts()
        if contract["type"] == "protected"
    }
    assert protected == {(f"learncity.{label}.models",) for label in with_models}


def test_a_new_context_gets_its_contract_and_its_allow_list_with_reasons() -> None:
    generated = contracts.models_contracts(
        contexts=["courses", "rooms"],
        allowed={("learncity.courses.booking", "learncity.rooms.models"): "a reason\non two lines"},
    )
    assert generated.startswith(contracts.BEGIN) and generated.endswith(contracts.END + "\n")
    assert (
        '[[tool.importlinter.contracts]]\nname = "learncity.rooms.models is imported only inside'
        ' rooms"\ntype = "protected"\nprotected_modules = ["learncity.rooms.models"]\n'
        'allowed_importers = ["learncity.rooms"]\nignore_imports = [\n    # a reason\n'
        '    # on two lines\n    "learncity.courses.booking -> learncity.rooms.models",\n]\n'
    ) in generated
    assert 'protected_modules = ["learncity.courses.models"]' in generated
    parsed = tomllib.loads(generated)["tool"]["importlinter"]["contracts"]
    assert [c["allowed_importers"] for c in parsed] == [["learncity.courses"], ["learncity.rooms"]]


def test_an_allow_list_entry_for_models_nobody_owns_is_refused() -> None:
    with pytest.raises(ValueError, match=r"learncity\.gone\.models"):
        contracts.models_contracts(
            contexts=["courses"], allowed={("learncity.courses", "learncity.gone.models"): "why"}
        )


def test_writing_replaces_only_the_generated_part() -> None:
    text = "[tool.x]\na = 1\n\n" + contracts.BEGIN + "\nold\n" + contracts.END + "\n"
    written = contracts.pyproject_with_contracts(text, "new\n")
    assert written == "[tool.x]\na = 1\n\nnew\n"
    assert contracts.pyproject_with_contracts("[tool.x]\n", "new\n") == "[tool.x]\n\nnew\n"


def test_the_layers_contract_places_every_context_once() -> None:
    (layers,) = [contract for contract in _contracts() if contract["type"] == "layers"]
    assert layers["containers"] == ["learncity"]
    assert layers["exhaustive"] is True  # lint-imports itself fails on a module left out
    placed = [
        name.strip()
        for layer in layers["layers"]  # type: ignore[attr-defined]
        for name in layer.replace(":", "|").split("|")
    ]
    assert len(placed) == len(set(placed))
    missing = set(_learncity_apps()) - set(placed)
    assert not missing, f"contexts not in the layers contract: {sorted(missing)}"
    package = Path(contracts.PACKAGE)
    top_level = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert top_level == set(placed)
