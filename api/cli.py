"""The ``raidt`` command line: thin commands that open the store, call one function and print.

The store is named by ``--store`` or ``RAIDT_STORE`` (default ``sqlite:///./raidt.db``). Every
command that prints data takes ``--json``. Mistakes print one line on standard error and exit 1.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from collections.abc import Sequence

from api import question_commands, server_commands, store_commands
from api.console import app, err
from provenance.errors import ProvenanceError

__all__ = ["app", "main", "run"]

COMMAND_MODULES = (store_commands, question_commands, server_commands)
"""Importing these registers their commands on ``app``."""


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _shown(message: object) -> str:
    """A message as a terminal shows it rather than obeys it, on one line: a control character
    or line break in something a user typed (a path, a name) comes out as its escape."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", str(message))


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; errors become one line on stderr.

    Warnings from the libraries underneath (the PROV parser's about input it will refuse in a
    later version) are held back: printed a line each after a command that succeeds, dropped
    when the command fails and its error says what is wrong.
    """
    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    with warnings.catch_warnings(record=True) as caught:
        try:
            app(args=list(argv) if argv is not None else None, prog_name="raidt")
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else int(done.code is not None)
        except ProvenanceError as error:
            err.print(f"error: {_shown(error)}")
            return 1
        else:
            code = 0
    if code == 0:
        for warning in caught:
            err.print(f"warning: {_shown(warning.message)}")
    return code


def main() -> None:
    sys.exit(run())
