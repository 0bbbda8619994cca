"""Every error the package raises on purpose, in one tree, so callers catch at the level they need.

::

    ProvenanceError
    ├── InvalidRecord          a record or document is malformed; says where and what was expected
    │   ├── UnsupportedFormat  a serialisation the package does not read or write
    │   └── DanglingReference  a record names a node the store does not hold
    ├── RecordConflict         a different record under an id that is already stored
    ├── NotFound               no node or record with that id
    └── StoreError             the store failed
        ├── StoreUnavailable   the store cannot be reached or opened
        └── StoreFailsVerify   the store's records do not verify, so nothing vouching for them
                               is built (an evidence pack, a copy)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

__all__ = [
    "DanglingReference",
    "InvalidRecord",
    "NotFound",
    "ProvenanceError",
    "RecordConflict",
    "StoreError",
    "StoreFailsVerify",
    "StoreUnavailable",
    "UnsupportedFormat",
]


class ProvenanceError(Exception):
    """Base of every error raised on purpose by this package."""


class InvalidRecord(ProvenanceError):
    """Input that cannot be stored as it is. ``location`` says where (file, line); ``fields``
    which fields of a record are at fault, each with what is wrong with it."""

    def __init__(
        self,
        message: str,
        *,
        location: str | None = None,
        fields: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.message = message
        self.location = location
        self.fields = tuple(fields)
        super().__init__(f"{location}: {message}" if location else message)

    @classmethod
    def of_fields(cls, fields: Sequence[tuple[str, str]], *, location: str | None = None) -> Self:
        """The error of a record whose ``fields`` (name, what is wrong) are at fault, said as
        ``field inputs.0.id: …; field …``, and kept apart for those that list them."""
        message = "; ".join(f"field {name}: {what}" for name, what in fields)
        return cls(message, location=location, fields=fields)

    def at(self, location: str) -> InvalidRecord:
        """The same error, placed inside ``location`` (a file, a line)."""
        inner = f"{location}: {self.location}" if self.location else location
        return type(self)(self.message, location=inner, fields=self.fields)


class UnsupportedFormat(InvalidRecord):
    """A serialisation name or media type the package does not support."""


class DanglingReference(InvalidRecord):
    """A record refers to a node that is neither stored nor written with it."""


class RecordConflict(ProvenanceError):
    """A record id already holds different content; records are append-only. ``location`` says
    where the input gave it, when known."""

    def __init__(self, message: str, *, record_id: str, location: str | None = None) -> None:
        self.message = message
        self.record_id = record_id
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class NotFound(ProvenanceError):
    """No node or record has the requested id."""


class StoreError(ProvenanceError):
    """The store failed while reading or writing."""


class StoreUnavailable(StoreError):
    """The store cannot be opened or reached."""


class StoreFailsVerify(StoreError):
    """The store's records do not verify, so what would vouch for them is refused: the store's
    state conflicts with the request, rather than the store failing."""
