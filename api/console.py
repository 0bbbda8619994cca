"""What every ``raidt`` command shares: the app, its options, the store it opens and how it prints.

Commands read their options, open the store named by ``--store`` or ``RAIDT_STORE``, call one
function and print its answer: a table for people, or the same JSON the HTTP service returns.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from provenance.errors import ProvenanceError
from provenance.formats import FORMATS
from provenance.graph import Json, as_iri, as_text
from provenance.identifiers import compact
from provenance.stores import Store, WriteResult, open_store

__all__ = [
    "CannotWrite",
    "FormatOption",
    "JsonOption",
    "StoreOption",
    "app",
    "counted",
    "display",
    "err",
    "heading",
    "open_for_command",
    "out",
    "print_json",
    "progress_bar",
    "report_write",
    "shortener",
    "write_output",
]

app = typer.Typer(
    name="raidt",
    help="Record generative-AI runs as W3C PROV graphs and answer governance questions over them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(asked: bool) -> None:
    if asked:
        print(f"raidt {version('raidt-provenance')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and stop."
        ),
    ] = False,
) -> None:
    """Record generative-AI runs as W3C PROV graphs and answer governance questions over them."""


_WIDTH = shutil.get_terminal_size((160, 24)).columns
out = Console(highlight=False, soft_wrap=True, width=_WIDTH, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
"""Neither reads markup nor emoji codes: what they print comes from records, and a scope of
``[/]``, a name with ``[red]`` in it or an id such as ``urn:x:doc`` is text to show, not styling
or ❌."""

StoreOption = Annotated[
    str,
    typer.Option("--store", envvar="RAIDT_STORE", help="Store URL, e.g. sqlite:///./raidt.db."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", "-f", help=f"PROV format: {', '.join(FORMATS)}."),
]


class CannotWrite(ProvenanceError):
    """A file a command was asked to write cannot be written."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: ``1 record``, ``2 records``, ``0 records``.

    >>> counted(1, "record"), counted(3, "problem"), counted(2, "match", "matches")
    ('1 record', '3 problems', '2 matches')
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def heading(bold: str, rest: str = "") -> None:
    """A line whose first part is bold; both parts are shown as given, brackets and all."""
    out.print(Text.assemble((bold, "bold"), rest))


def write_output(path: Path, data: str | bytes) -> None:
    """Write a command's output file whole or not at all, or fail in one line naming it (no
    directory, a folder, a full disk …): the data goes to a file beside the target first, which
    then takes its place, so a failed write leaves any file already there as it was. A link is
    written through to the file it names; a device or a pipe (``-o /dev/stdout``) is written
    to directly."""
    payload = data.encode() if isinstance(data, str) else data
    partial: Path | None = None
    try:
        if path.exists() and not path.is_file():
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
            path.write_bytes(payload)
            return
        target = path.resolve() if path.is_symlink() else path
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial", delete=False
        ) as written:
            partial = Path(written.name)
            written.write(payload)
        partial.chmod(target.stat().st_mode & 0o7777 if target.exists() else _new_file_mode())
        partial.replace(target)
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise CannotWrite(f"cannot write {path}: {error.strerror or error}") from error


def _new_file_mode() -> int:
    """The mode a new file gets under the process's umask, as ``open`` would give it (a
    temporary file is made readable by its owner only)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def open_for_command(url: str, *, create: bool = False) -> Iterator[Store]:
    """The store a command works on, closed after it; only the commands that write (``create``)
    make an SQLite store that is not there. One made for a command that then failed is left:
    another process may have opened it meanwhile, and removing it would lose what that one
    writes."""
    store = open_store(url, create=create)
    try:
        yield store
    finally:
        store.close()


def progress_bar(doing: str, unit: str, *, counted: bool, quiet: bool) -> Progress:
    """A progress line on stderr for a long command: a bar with the time left when the total is
    ``counted`` in advance, else a count and the time taken. None when the answer is JSON for
    another program, or stderr is not a terminal."""
    columns: list[ProgressColumn] = [TextColumn(doing)]
    columns += [BarColumn()] if counted else []
    columns += [MofNCompleteColumn(), TextColumn(unit)]
    columns += [TimeRemainingColumn() if counted else TimeElapsedColumn()]
    return Progress(*columns, console=err, transient=True, disable=quiet or not err.is_terminal)


def shortener(store: Store) -> Callable[[str], str]:
    """Prefixed names for people to read; JSON output keeps full IRIs."""
    namespaces = store.namespaces()
    return lambda value: compact(value, namespaces)


def display(value: Json, short: Callable[[str], str]) -> str:
    """One attribute value as a person reads it: IRIs shortened, strings quoted."""
    target = as_iri(value)
    if target:
        return short(target)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else as_text(value) or ""


def print_json(data: Any) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False), indent=2, highlight=False)


def report_write(result: WriteResult, as_json: bool, what: str) -> None:
    if as_json:
        print_json({"written": result.written, "unchanged": result.unchanged})
    else:
        out.print(f"{what}: {len(result.written)} written, {len(result.unchanged)} already stored")
