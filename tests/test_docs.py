"""The README stays true: it starts with the two commands and names every CLI command."""

from __future__ import annotations

from pathlib import Path

from api.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    lines = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert lines == ["exec make test"]


def test_readme_mentions_every_command() -> None:
    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names, "no commands registered"
    missing = [name for name in names if f"`raidt {name}" not in README]
    assert not missing, f"README does not describe: {missing}"
