"""The one reading of JSON text: records on the command line and over HTTP, and the PROV
documents written in JSON, all refuse a key given twice in one object."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BOM", "RepeatedKey", "parse_json", "printable", "unique_keys"]

BOM = b"\xef\xbb\xbf"


def printable(text: str) -> str:
    """Text a message can carry: a lone surrogate in it written as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class RepeatedKey(json.JSONDecodeError):
    """A key given twice in one JSON object: which value was meant cannot be told, and a reader
    keeps one and drops the other."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {printable(key)!r} is given twice in one object", "", 0)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's pairs as a dict (``object_pairs_hook``), refusing a key given twice."""
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        raise RepeatedKey(next(key for i, key in enumerate(keys) if key in keys[:i]))
    return found


def parse_json(text: str | bytes) -> Any:
    """JSON text as data, a key given twice in one object refused (``json.JSONDecodeError``).
    Bytes are UTF-8 (a byte order mark aside), never guessed at as UTF-16 or UTF-32."""
    if isinstance(text, bytes):
        try:
            text = text.removeprefix(BOM).decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError("not UTF-8 text", "", error.start) from error
    return json.loads(text, object_pairs_hook=unique_keys)
