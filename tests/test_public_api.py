"""Every module says what it exports: ``__all__`` lists exactly its public functions and classes."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

from api.cli import app

PACKAGES = ["provenance", "queries", "visualisation", "api"]
COMMANDS = {command.callback for command in app.registered_commands}
"""Command-line commands are reached through ``app``, not imported."""


def modules() -> list[ModuleType]:
    found = []
    for name in PACKAGES:
        package = importlib.import_module(name)
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            found.append(importlib.import_module(info.name))
    return found


@pytest.mark.parametrize("module", modules(), ids=lambda m: m.__name__)
def test_all_lists_exactly_the_public_definitions(module: ModuleType) -> None:
    if module.__name__ in PACKAGES and not hasattr(module, "__all__"):
        return  # a package with nothing to re-export
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module.__name__} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name}"
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module.__name__
        and value not in COMMANDS
    }
    assert defined <= set(exported), f"{module.__name__} does not export {defined - set(exported)}"
