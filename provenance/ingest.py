"""Getting records into a store: read files, check every record, then write them all or none.

Checks run before anything is written, so a bad record anywhere in a file leaves the store as it
was, and the error names the file, the line and the field.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prov.model import ProvDocument
from pydantic import ValidationError

from provenance.errors import DanglingReference, InvalidRecord
from provenance.formats import Format, parse_document
from provenance.graph import Fragment
from provenance.hashing import canonical_json, sha256_hex, sha256_tag
from provenance.mapping import references, to_fragment
from provenance.provdoc import from_document
from provenance.records import RECORD_ADAPTER, Record
from provenance.stores.base import PreparedRecord, Store, WriteResult

__all__ = [
    "DOCUMENT_KIND",
    "Located",
    "import_document",
    "prepare",
    "prepare_document",
    "read_records",
    "record_files",
    "write_records",
]

DOCUMENT_KIND = "prov-document"
_RECORD_TYPES = (
    "run",
    "review",
    "approval",
    "escalation",
    "override",
    "action",
    "challenge",
    "delegation",
    "template_version",
)


@dataclass(frozen=True, slots=True)
class Located:
    """A record with where it came from, for error messages."""

    record: Record
    location: str


def _explain(error: ValidationError) -> str:
    """Pydantic's errors as ``field a.b.0: what is wrong (got …)``, one per problem."""
    parts = []
    for item in error.errors():
        loc = list(item["loc"])
        if loc and loc[0] in _RECORD_TYPES:
            loc = loc[1:]
        field = ".".join(str(p) for p in loc) or "record"
        if item["type"] == "union_tag_invalid" or item["type"] == "union_tag_not_found":
            field = "type"
            message = f"missing or unknown; expected one of: {', '.join(_RECORD_TYPES)}"
        else:
            message = item["msg"]
        if item["type"] not in ("missing", "union_tag_not_found") and "input" in item:
            shown = json.dumps(item["input"], default=str)
            message += f" (got {shown if len(shown) < 80 else shown[:77] + '...'})"
        parts.append(f"field {field}: {message}")
    return "; ".join(parts)


def _parse_record(text: str, location: str) -> Located:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidRecord(
            f"malformed JSON at column {error.colno}: {error.msg}", location=location
        ) from error
    return _validate(data, location)


def _validate(data: object, location: str) -> Located:
    if not isinstance(data, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(data).__name__}", location=location)
    try:
        return Located(RECORD_ADAPTER.validate_python(data), location)
    except ValidationError as error:
        raise InvalidRecord(_explain(error), location=location) from error


def read_records(path: str | Path) -> list[Located]:
    """The records in a JSON file (one object or an array) or a JSON Lines file.

    Raises
    ------
    InvalidRecord
        At the first record that is not valid, naming the file, line and field.
    """
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidRecord(f"cannot read the file: {error}", location=name) from error
    stripped = text.lstrip()
    if Path(path).suffix.lower() == ".json" or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidRecord(
                f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}",
                location=name,
            ) from error
        items = data if isinstance(data, list) else [data]
        return [_validate(item, f"{name}: record {i + 1}") for i, item in enumerate(items)]
    return [
        _parse_record(line, f"{name}:{number}")
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]


def prepare(record: Record) -> PreparedRecord:
    """A record's canonical body, its hash and its PROV fragment, ready to write."""
    body = canonical_json(record.model_dump(mode="json"))
    return PreparedRecord(record.id, record.type, body, sha256_tag(body), to_fragment(record))


def prepare_document(document: ProvDocument, record_id: str | None = None) -> PreparedRecord:
    """An imported PROV document as one record, named by its content unless an id is given."""
    fragment = from_document(document)
    body = canonical_json(
        {
            "namespaces": fragment.namespaces,
            "items": [json.loads(i) for i in fragment.canonical_items()],
        }
    )
    digest = sha256_hex(body)
    return PreparedRecord(
        record_id or f"urn:raidt:document:{digest}",
        DOCUMENT_KIND,
        body,
        "sha256:" + digest,
        fragment,
    )


def _check_kinds(fragment: Fragment, known: dict[str, set[str]], location: str) -> None:
    for element in fragment.elements:
        kinds = known.get(element.id, set())
        if kinds and element.kind not in kinds:
            raise InvalidRecord(
                f"{element.id} is already an {'/'.join(sorted(kinds))}; it cannot also be an "
                f"{element.kind}",
                location=location,
            )


def _check(located: Sequence[tuple[PreparedRecord, Record | None, str]], store: Store) -> None:
    """Every reference resolves and no id changes kind, against the store and earlier records."""
    wanted = {i for prepared, _, _ in located for i in prepared.fragment.ids()}
    known: dict[str, set[str]] = {i: set(n.kinds) for i, n in store.nodes(wanted).items()}
    for prepared, record, location in located:
        if record is not None:
            for field, ref, kind in references(record):
                if kind not in known.get(ref, set()):
                    stored = known.get(ref)
                    why = f"is an {'/'.join(sorted(stored))}" if stored else "is not in the store"
                    raise DanglingReference(
                        f"field {field}: {ref} {why}; expected an {kind} recorded earlier",
                        location=location,
                    )
            _check_kinds(prepared.fragment, known, location)
        for element in prepared.fragment.elements:
            known.setdefault(element.id, set()).add(element.kind)


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cycle collector while a batch is built: the batch makes many small objects and
    no cycles, and the collector's repeated passes over them would double the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_records(located: Iterable[Located], store: Store) -> WriteResult:
    """Check and write records as one transaction.

    Raises
    ------
    InvalidRecord
        When a record refers to something unknown or reuses an id as another kind of node.
    RecordConflict
        When a record id is already stored with different content.
    """
    with _bulk():
        batch = [(prepare(item.record), item.record, item.location) for item in located]
        _check(batch, store)
        return store.write([prepared for prepared, _, _ in batch])


def record_files(paths: Iterable[str | Path], store: Store) -> WriteResult:
    """Read every file, check every record, and write them all in one transaction."""
    with _bulk():
        located = [item for path in paths for item in read_records(path)]
        return write_records(located, store)


def import_document(
    data: str | bytes, fmt: Format, store: Store, *, source: str, record_id: str | None = None
) -> tuple[PreparedRecord, WriteResult]:
    """Import one PROV document, in one transaction."""
    prepared = prepare_document(parse_document(data, fmt, source=source), record_id)
    _check([(prepared, None, source)], store)
    return prepared, store.write([prepared])
