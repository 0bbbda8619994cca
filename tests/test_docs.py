"""The README stays true: it starts with the two commands and names every CLI command and every
route of the HTTP service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup, TyperOption

from api.cli import app
from api.cli import run as raidt
from api.main import create_app
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert lines == ["exec make test"]


def test_readme_mentions_every_command() -> None:
    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names, "no commands registered"
    missing = [name for name in names if f"`raidt {name}" not in README]
    assert not missing, f"README does not describe: {missing}"


def test_readme_mentions_every_keys_command() -> None:
    groups = {group.name: group.typer_instance for group in app.registered_groups}
    names = [
        f"raidt {group} {command.name}"
        for group, sub in groups.items()
        if sub is not None
        for command in sub.registered_commands
    ]
    assert names, "no command groups registered"
    missing = [name for name in names if f"`{name}" not in README]
    assert not missing, f"README does not describe: {missing}"


def _paths() -> dict[str, Any]:
    """The service's routes as its OpenAPI document gives them."""
    service = create_app(Settings(store="sqlite:///:memory:", keys=Path(":memory:")))
    paths: dict[str, Any] = service.openapi()["paths"]
    return paths


def test_readme_mentions_every_api_route() -> None:
    routes = [
        f"{method.upper()} {path}" for path, operations in _paths().items() for method in operations
    ]
    assert routes, "no routes"
    missing = [route for route in routes if f"`{route}" not in README]
    assert not missing, f"README does not describe: {missing}"


def test_the_example_record_records_after_the_demo(tmp_path: Path) -> None:
    example = README.split("## Records", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.json"
    path.write_text(example)
    url = f"sqlite:///{tmp_path / 'raidt.db'}"
    assert raidt(["demo", "--store", url]) == 0
    assert raidt(["record", str(path), "--store", url]) == 0


def _row(name: str) -> str:
    """The README table row of a command or route: the one whose first cell starts with it."""
    (line,) = [
        line
        for line in README.splitlines()
        if line[: len(name) + 4] in (f"| `{name} ", f"| `{name}`")
    ]
    return line


def test_readme_names_every_query_parameter_of_every_route() -> None:
    unnamed = [
        f"{method.upper()} {path} ?{parameter['name']}"
        for path, operations in _paths().items()
        for method, operation in operations.items()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and not {f"`{parameter['name']}`", f"`?{parameter['name']}=`"}
        & set(re.findall(r"`[^`]*`", _row(f"{method.upper()} {path}")))
    ]
    assert not unnamed, f"README's row of the route does not name: {unnamed}"


def _commands() -> Iterator[tuple[str, Any]]:
    """Every command by its full name, those of groups (``raidt keys create``) included."""
    for name, command in typer.main.get_command(app).commands.items():  # type: ignore[attr-defined]
        if isinstance(command, TyperGroup):
            for sub, inner in command.commands.items():
                yield f"raidt {name} {sub}", inner
        else:
            yield f"raidt {name}", command


_EVERYWHERE = {"--help", "--json", "--store", "--keys"}
"""Options every command (or every keys command) takes, described once above the tables."""


def test_readme_names_every_option_of_every_command() -> None:
    rows = [line for line in README.splitlines() if line.startswith("| `raidt ")]
    unnamed = [
        f"{name} {option.opts[0]}"
        for name, command in _commands()
        for option in command.params
        if isinstance(option, TyperOption) and not _EVERYWHERE & set(option.opts)
        for row in [next((r for r in rows if f"`{name} " in r or f"`{name}`" in r), "")]
        if not any(f"{flag} " in row or f"{flag}]" in row for flag in option.opts)
    ]
    assert not unnamed, f"README's row of the command does not name: {unnamed}"
    assert all(f"`{option}" in README for option in _EVERYWHERE - {"--help"})
