"""Getting records into a store: read files, check every record, then write them all or none.

Checks run before anything is written, so a bad record anywhere in a file leaves the store as it
was, and the error names the file, the line and the field.
"""

from __future__ import annotations

import gc
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from prov.model import ProvDocument
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from provenance.errors import DanglingReference, InvalidRecord, RecordConflict
from provenance.formats import RELATIVE_BASE, Format, parse_document
from provenance.graph import (
    Attributes,
    Element,
    Fragment,
    Json,
    Node,
    Relation,
    as_iri,
    as_text,
)
from provenance.hashing import canonical_json, sha256_hex, sha256_tag
from provenance.identifiers import compact, is_iri
from provenance.jsontext import BOM, RepeatedKey, parse_json, printable, unique_keys
from provenance.mapping import Reference, references, to_fragment
from provenance.provdoc import from_document, iris, used_namespaces
from provenance.records import RECORD_ADAPTER, Record, unprintable
from provenance.stores.base import Direction, PreparedRecord, Store, WriteResult, resolve_stored
from provenance.vocabulary import PROV, RAIDT, RELATION_SPECS, XSD, Attr, Type

__all__ = [
    "BATCH",
    "DOCUMENT_KIND",
    "Known",
    "Located",
    "document_id",
    "document_record",
    "import_document",
    "iter_records",
    "prepare",
    "prepare_document",
    "read_records",
    "record_files",
    "refuse_lone_surrogates",
    "write_records",
]

DOCUMENT_KIND = "prov-document"
BATCH = 5000
"""Records checked and written at a time by :func:`record_files`, inside its one transaction."""
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


_BRANCHES = {"str", "int", "float", "bool"}
"""How pydantic names the members of a union of plain types, at the end of an error's location."""


def _explain(error: ValidationError) -> list[tuple[str, str]]:
    """Pydantic's errors as (field, what is wrong) pairs, ``a.b.0`` and ``… (got …)``, one per
    field: a value that fits none of a union's types is one problem, said once."""
    fields: dict[str, list[ErrorDetails]] = {}
    for item in error.errors():
        loc = list(item["loc"])
        if loc and loc[0] in _RECORD_TYPES:
            loc = loc[1:]
        if len(loc) > 1 and loc[-1] in _BRANCHES:
            loc = loc[:-1]
        field = ".".join(str(p) for p in loc) or "record"
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            field = "type"
        fields.setdefault(field, []).append(item)
    inner = {f for f in fields if any(other.startswith(f"{f}.") for other in fields)}
    return [
        _explain_field(field, items)
        for field, items in fields.items()
        # a list whose items failed is also reported too short: once is enough
        if not (field in inner and all(i["type"] == "too_short" for i in items))
    ]


def _explain_field(field: str, items: list[ErrorDetails]) -> tuple[str, str]:
    first = items[0]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return "type", f"missing or unknown; expected one of: {', '.join(_RECORD_TYPES)}"
    specific = [i for i in items if not i["type"].endswith("_type")] or items
    wanted = list(dict.fromkeys(i["msg"].removeprefix("Input should be ") for i in specific))
    message = (
        specific[0]["msg"]
        if len(wanted) == 1
        else f"Input should be {', '.join(wanted[:-1])} or {wanted[-1]}"
    )
    if first["type"] != "missing" and "input" in first and field != "record":
        shown = json.dumps(first["input"], default=str)
        message += f" (got {shown if len(shown) < 80 else shown[:77] + '...'})"
    return field, message


_TOO_DEEP = "malformed JSON: arrays or objects nested too deeply to read"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a surrogate: JSON text holds one only in its escaped form, as half of a pair
(an emoji) or alone (which is not text, and cannot be stored or hashed)."""
_TOO_LONG = "malformed JSON: a number with more digits than can be read"
_BETWEEN_ITEMS = re.compile(r"[ \t\r\n,]*")
"""What may lie before an item of a JSON array that has been read without error so far."""


def _loads(text: str, location: str, *, whole: bool = False) -> Any:
    """JSON text as data, or why it is not JSON that can be read; a ``whole`` file's errors
    say their line, a JSON Lines record's only its column (the location says the line)."""
    try:
        return parse_json(text)
    except RepeatedKey as error:
        raise InvalidRecord(f"malformed JSON: {error.msg}", location=location) from error
    except json.JSONDecodeError as error:
        line = f"line {error.lineno}, " if whole else ""
        raise InvalidRecord(
            f"malformed JSON at {line}column {error.colno}: {error.msg}", location=location
        ) from error
    except RecursionError as error:
        raise InvalidRecord(_TOO_DEEP, location=location) from error
    except ValueError as error:
        raise InvalidRecord(_TOO_LONG, location=location) from error


def _parse_record(line: bytes, location: str) -> Located:
    text = _decoded(line, location)
    data = _loads(text, location)
    if _SURROGATE_ESCAPE.search(text):
        refuse_lone_surrogates(data, location)
    return _validate(data, location)


def refuse_lone_surrogates(data: object, location: str) -> None:
    """Refuse data whose strings (keys or values) hold a lone surrogate: it is not text, and
    neither UTF-8 nor a hash can carry it.

    Raises
    ------
    InvalidRecord
        Naming the first field that holds one.
    """
    found = _with_surrogate(data, "")
    if found is not None:
        field, code = found
        raise InvalidRecord.of_fields(
            [(field or "record", f"holds U+{code:04X}, a lone surrogate, which is not text")],
            location=location,
        )


def _with_surrogate(data: object, path: str) -> tuple[str, int] | None:
    """The dotted path of the first string in ``data`` that holds a lone surrogate, and the
    surrogate."""
    if isinstance(data, str):
        return next(((path, ord(c)) for c in data if 0xD800 <= ord(c) <= 0xDFFF), None)
    if isinstance(data, dict):
        children = [(printable(str(k)), k, v) for k, v in data.items()]
    elif isinstance(data, list):
        children = [(str(i), "", v) for i, v in enumerate(data)]
    else:
        return None
    for name, key, value in children:
        inner = f"{path}.{name}" if path else name
        found = _with_surrogate(key, inner) or _with_surrogate(value, inner)
        if found is not None:
            return found
    return None


def _decoded(data: bytes, location: str) -> str:
    """UTF-8 text, a byte order mark at its start aside; else where the first byte that is not
    UTF-8 is, counted in lines and columns from the start of ``data``."""
    text = data.removeprefix(BOM)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as error:
        before = text[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        where = f"line {line}, column {column}" if b"\n" in before else f"column {column}"
        raise InvalidRecord(
            f"not UTF-8 text: byte 0x{text[error.start]:02x} at {where}", location=location
        ) from error


def _validate(data: object, location: str) -> Located:
    if not isinstance(data, dict):
        raise InvalidRecord(f"expected a JSON object, got {type(data).__name__}", location=location)
    try:
        return Located(RECORD_ADAPTER.validate_python(data), location)
    except ValidationError as error:
        raise InvalidRecord.of_fields(_explain(error), location=location) from error


def read_records(path: str | Path) -> list[Located]:
    """The records in a JSON file (one object or an array) or a JSON Lines file.

    Raises
    ------
    InvalidRecord
        At the first record that is not valid, naming the file, line and field.
    """
    return list(iter_records(path))


def iter_records(path: str | Path) -> Iterator[Located]:
    """The records of a file one at a time, as :func:`read_records` reads them: a JSON Lines file
    is read a line at a time, so its size is not bound by memory. Which of the two a file is, its
    content tells, not its name: the README's pretty-printed record piped to ``record -`` is one
    JSON object, and JSON Lines saved as ``.json`` are still lines."""
    name = str(path)
    try:
        with _opened(path) as lines:
            whole = _one_document(lines)
            lines.seek(0)
            if whole:
                yield from _json_records(_decoded(lines.read(), name), name)
                return
            # lines end at a line feed alone: JSON allows a carriage return as white space
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _parse_record(line, f"{name}:{number}")
    except OSError as error:
        raise InvalidRecord(f"cannot read the file: {error}", location=name) from error


@contextmanager
def _opened(path: str | Path) -> Iterator[BinaryIO]:
    """A file to read twice (its first character tells the format): ``-`` is standard input,
    and a pipe is read into memory, since it cannot go back."""
    if str(path) == "-":
        yield io.BytesIO(sys.stdin.buffer.read())
        return
    with Path(path).open("rb") as raw:
        yield raw if raw.seekable() else io.BytesIO(raw.read())


def _one_document(lines: BinaryIO) -> bool:
    """Whether a file is one JSON document (an array, or an object over several lines) rather
    than JSON Lines: it is when it starts with ``[``, or when its first line that is not blank
    is not a JSON value by itself (``{`` alone, say). A first line that fails for another reason
    fails as well read whole, at the same place."""
    for number, line in enumerate(lines):
        text = (line.removeprefix(BOM) if number == 0 else line).strip()
        if not text:
            continue
        if text.startswith(b"["):
            return True
        try:
            json.loads(text)
        except UnicodeDecodeError:
            return False  # not text: reading it as lines names the line, as for any record
        except (ValueError, RecursionError):
            return True
        return False
    return False


def _json_records(text: str, name: str) -> Iterator[Located]:
    try:
        data = _loads(text, name, whole=True)
    except InvalidRecord as error:
        if isinstance(error.__cause__, RepeatedKey) and (n := _repeating_item(text)) is not None:
            raise InvalidRecord(error.message, location=f"{name}: record {n}") from error
        raise
    items = data if isinstance(data, list) else [data]
    escaped = _SURROGATE_ESCAPE.search(text) is not None
    for i, item in enumerate(items):
        if escaped:
            refuse_lone_surrogates(item, f"{name}: record {i + 1}")
        yield _validate(item, f"{name}: record {i + 1}")


def _repeating_item(text: str) -> int | None:
    """Which item (from 1) of a top-level JSON array gives a key twice, read one item at a
    time: the hook that finds the key cannot tell where it is. ``None`` when the text is not
    an array."""
    decoder = json.JSONDecoder(object_pairs_hook=unique_keys)
    start = _skipped(text, 0)
    if not text.startswith("[", start):
        return None
    position, n = start + 1, 0
    while True:
        position = _skipped(text, position)
        n += 1
        try:
            _, position = decoder.raw_decode(text, position)
        except RepeatedKey:
            return n
        except json.JSONDecodeError:
            return None


def _skipped(text: str, position: int) -> int:
    """Where the next item may start: past white space and commas from ``position``."""
    found = _BETWEEN_ITEMS.match(text, position)
    return found.end() if found else position


def prepare(record: Record) -> PreparedRecord:
    """A record's canonical body, its hash and its PROV fragment, ready to write."""
    body = canonical_json(record.model_dump(mode="json"))
    return PreparedRecord(record.id, record.type, body, sha256_tag(body), to_fragment(record))


def prepare_document(
    document: ProvDocument, record_id: str | None = None, source: str = "document"
) -> PreparedRecord:
    """An imported PROV document as one record, named by its content unless an id is given."""
    return document_record(from_document(document), record_id, source)


def document_record(
    fragment: Fragment, record_id: str | None = None, source: str = "document"
) -> PreparedRecord:
    """The record of a document's fragment: its body lists the fragment's canonical items,
    which is what ``verify`` hashes its graph from."""
    try:
        body = canonical_json(
            {
                "namespaces": fragment.namespaces,
                "items": [json.loads(i) for i in fragment.canonical_items()],
            }
        )
        digest = sha256_hex(body)
    except UnicodeEncodeError as error:
        code = ord(error.object[error.start])
        raise InvalidRecord(
            f"the document holds U+{code:04X}, a lone surrogate, which is not text",
            location=source,
        ) from error
    # the body keeps every prefix the document declared, as ever, so that importing it again
    # finds it stored; the store learns only those its ids use
    return PreparedRecord(
        record_id or f"urn:raidt:document:{digest}",
        DOCUMENT_KIND,
        body,
        "sha256:" + digest,
        used_namespaces(fragment),
    )


@dataclass(slots=True)
class Known:
    """What is already known of each node, from the store and from records checked earlier in
    the same transaction: its kinds, and the content hash that names its content."""

    kinds: dict[str, set[str]] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    hashes: dict[str, Json] = field(default_factory=dict)
    generated: dict[str, set[str]] = field(default_factory=dict)
    """Entity → the activities that generated it: one, but a PROV document may state its
    generation at several granularities (a compilation, and the illustration within it)."""
    records: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Record id → its content hash and where the input first gave it."""
    settings: dict[str, Attributes] = field(default_factory=dict)
    """Model configuration → the settings that are its content (it has no content hash)."""
    nameless: set[str] = field(default_factory=set)
    """Ids of records that describe no node of their own (delegations, documents): no node may
    take one, as none of them may take a node's."""

    def learn_generations(self, relations: Iterable[Relation]) -> None:
        for relation in relations:
            if relation.kind == "wasGeneratedBy" and relation.src and relation.dst:
                self.generated.setdefault(relation.src, set()).add(relation.dst)

    def learn(self, node_id: str, kinds: Iterable[str], attributes: Attributes) -> None:
        self.kinds.setdefault(node_id, set()).update(kinds)
        for name, value in attributes:
            if name == Attr.CONTENT_HASH:
                self.hashes.setdefault(node_id, value)
            elif name == Attr.TYPE and (type_iri := as_iri(value)):
                self.types.setdefault(node_id, set()).add(type_iri)
                if type_iri == Type.MODEL_CONFIG:
                    self.settings.setdefault(node_id, _settings(attributes))


_SETTINGS = (Attr.PROVIDER, Attr.MODEL, Attr.MODEL_VERSION, Attr.PARAMETERS, Attr.TOOL)


def _settings(attributes: Attributes) -> Attributes:
    """What a model configuration is: its model and parameters, named by its id as a document
    is by its content hash."""
    return tuple(pair for pair in attributes if pair[0] in _SETTINGS)


def _clashes(kinds: set[str], kind: str, strict: bool) -> bool:
    """Whether an id already of ``kinds`` cannot also be a ``kind``: for a record, any other
    kind; for an imported document, as PROV itself rules, only an entity and an activity (an
    agent may be either)."""
    if not kinds or kind in kinds:
        return False
    return strict or {kind, *kinds} >= {"entity", "activity"}


class _AboutNode(InvalidRecord):
    """A problem with one node of a record or document: for a record, the field that names the
    node is told too, worked out only when there is a problem."""

    def __init__(self, node: str | None, message: str, *, location: str) -> None:
        super().__init__(message, location=location)
        self.node = node


def _field_of(record: Record, node_id: str | None) -> str | None:
    """The first field of a record that holds the id (``inputs.0.id``), if one does."""
    return _path_to(record.model_dump(mode="json"), node_id, "") if node_id else None


def _path_to(data: object, node_id: str, path: str) -> str | None:
    if data == node_id:
        return path or None
    children: Iterable[tuple[object, object]] = ()
    if isinstance(data, dict):
        children = sorted(data.items(), key=lambda item: item[0] != "id")  # a part's own id first
    elif isinstance(data, list):
        children = enumerate(data)
    for key, value in children:
        found = _path_to(value, node_id, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def _check_elements(fragment: Fragment, known: Known, location: str, *, strict: bool) -> None:
    """No id changes kind, and no entity gets a second content hash: one id names one content,
    so a changed document is a new entity (or a revision), never the old one rewritten. Each
    element is learnt once checked, so two parts of one record cannot clash either."""
    for element in fragment.elements:
        if element.id in known.nameless:
            raise _AboutNode(
                element.id,
                f"{element.id} is already the id of a record that is not a node (a delegation or "
                "a document); a node needs an id of its own",
                location=location,
            )
        kinds = known.kinds.get(element.id, set())
        if _clashes(kinds, element.kind, strict):
            raise _AboutNode(
                element.id,
                f"{element.id} is already an {'/'.join(sorted(kinds))}; it cannot also be an "
                f"{element.kind}",
                location=location,
            )
        held = known.hashes.get(element.id)
        for name, value in element.attributes:
            if name == Attr.CONTENT_HASH and held is not None and value != held:
                raise _AboutNode(
                    element.id,
                    f"{element.id} is already recorded with content hash {as_text(held)}, not "
                    f"{as_text(value)}; other content needs an id of its own (a new version or "
                    "a revision)",
                    location=location,
                )
        if strict:
            _check_settings(element, known, location)
            if element.kind == "agent":
                _check_agent_type(element, known, location)
        known.learn(element.id, (element.kind,), element.attributes)


_AGENT_TYPES = {
    Type.PERSON: "person",
    Type.ORGANIZATION: "organization",
    Type.SOFTWARE_AGENT: "software",
}


def _check_agent_type(element: Element, known: Known, location: str) -> None:
    """A person stays a person: an agent recorded as one of a person, an organisation or a
    piece of software is not another of them in a later record."""
    mine = {t for t in element.types if t in _AGENT_TYPES}
    held = known.types.get(element.id, set()) & _AGENT_TYPES.keys()
    if mine and held and not mine <= held:
        was, now = ("/".join(sorted(_AGENT_TYPES[t] for t in types)) for types in (held, mine))
        raise _AboutNode(
            element.id,
            f"{element.id} is already recorded as {was}; it cannot also be {now}",
            location=location,
        )


def _check_settings(element: Element, known: Known, location: str) -> None:
    """A model configuration's id names one set of settings: a run that ran otherwise ran on
    another configuration, and must not make the recorded one say two things."""
    held = known.settings.get(element.id)
    if held is None:
        return
    mine = _settings(element.attributes)
    if not mine or mine == held:
        return
    differ = [
        name.rsplit("#", 1)[-1]
        for name in _SETTINGS
        if [v for n, v in held if n == name] != [v for n, v in mine if n == name]
    ]
    said = ", ".join(differ)
    raise _AboutNode(
        element.id,
        f"{element.id} is already recorded as a model configuration with other settings "
        f"({said} differ); other settings need a configuration id of their own",
        location=location,
    )


def _type_name(type_iri: str) -> str:
    """``…#PromptTemplate`` as ``prompt template``."""
    local = type_iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return "".join(f" {c.lower()}" if c.isupper() else c for c in local).strip()


def _a(name: str) -> str:
    return f"{'an' if name[:1] in {'a', 'e', 'i', 'o', 'u'} else 'a'} {name}"


def _check_reference(reference: Reference, known: Known, location: str) -> None:
    """What a record points to was recorded earlier, as the kind and type of thing it needs,
    and with the content the record says it has."""
    field_name, ref, kind, wanted, content_hash = reference
    kinds = known.kinds.get(ref, set())
    if kind not in kinds:
        why = f"is an {'/'.join(sorted(kinds))}" if kinds else "is not in the store"
        raise DanglingReference.of_fields(
            [(field_name, f"{ref} {why}; expected an {kind} recorded earlier")], location=location
        )
    types = known.types.get(ref, set())
    if wanted and not types.intersection(wanted):
        named = "/".join(sorted(_type_name(t) for t in types if t.startswith(RAIDT)))
        expected = " or ".join(_a(_type_name(t)) for t in wanted)
        why = f"is {_a(named)}" if named else f"is not {expected}"
        raise DanglingReference.of_fields(
            [(field_name, f"{ref} {why}; expected {expected} recorded earlier")], location=location
        )
    held = known.hashes.get(ref)
    if content_hash and held is not None and held != content_hash:
        raise InvalidRecord.of_fields(
            [
                (
                    field_name,
                    f"{ref} is already recorded with content hash {as_text(held)}, "
                    f"not {content_hash}",
                )
            ],
            location=location,
        )


def _check_repeat(prepared: PreparedRecord, known: Known, location: str) -> None:
    """A record id given twice in one input must be the same record both times."""
    held = known.records.setdefault(prepared.id, (prepared.content_hash, location))
    if held[0] != prepared.content_hash:
        raise InvalidRecord(
            f"record {prepared.id} is given again with other content (first at {held[1]})",
            location=location,
        )


def _check_generations(fragment: Fragment, known: Known, location: str) -> None:
    """An entity is generated once (PROV's generation uniqueness): a run or review may not claim
    an output that another activity already produced, nor anything recorded before it: a result
    is a new entity."""
    for relation in _generations(fragment):
        held = known.generated.get(relation.src or "")
        if others := _other_generators(relation, known):
            raise _AboutNode(
                relation.src,
                f"{relation.src} was already generated by {others}; an entity is generated "
                "once, so a new result needs an id of its own",
                location=location,
            )
        if not held and relation.src in known.kinds:
            raise _AboutNode(
                relation.src,
                f"{relation.src} is already recorded and was not made by {relation.dst}; a new "
                "result needs an id of its own",
                location=location,
            )
        known.learn_generations((relation,))
    _check_made_fresh(fragment, location)


def _check_added_generations(fragment: Fragment, known: Known, location: str) -> None:
    """A document may state one generation at several granularities (the PROV primer's chart is
    generated by a compilation and by the illustration within it), but not give an entity whose
    generation is recorded already another activity that made it: that would rewrite where a
    recorded output came from."""
    for relation in _generations(fragment):
        if others := _other_generators(relation, known):
            raise InvalidRecord(
                f"{relation.src} was already generated by {others}, not by {relation.dst}; an "
                "entity is generated once",
                location=location,
            )


def _generations(fragment: Fragment) -> Iterator[Relation]:
    """The fragment's generations that name both the entity and the activity."""
    return (r for r in fragment.relations if r.kind == "wasGeneratedBy" and r.src and r.dst)


def _other_generators(relation: Relation, known: Known) -> str:
    """The activities known to have generated the relation's entity, when it names none of
    them, else ``""``."""
    held = known.generated.get(relation.src or "", set())
    return ", ".join(sorted(held)) if held and relation.dst not in held else ""


def _check_record_id(prepared: PreparedRecord, known: Known, location: str) -> None:
    """A record that describes no node under its own id (a delegation, an imported document)
    does not take a node's id: ``export ID`` and ``show ID`` would mean two things."""
    if any(e.id == prepared.id for e in prepared.fragment.elements):
        return
    if prepared.id in known.kinds:
        kinds = "/".join(sorted(known.kinds[prepared.id]))
        what = f"an {kinds}" if kinds else "a node other records refer to"
        raise InvalidRecord(
            f"record id {prepared.id} is already the id of {what}; a "
            f"{prepared.kind.replace('_', ' ')} needs an id of its own",
            location=location,
        )
    known.nameless.add(prepared.id)


def _check_made_fresh(fragment: Fragment, location: str) -> None:
    """What a record says its activity made is not also something the record has it use, or
    build on: a run's output cannot be its own prompt, input or template version."""
    made = {r.src: r.dst for r in fragment.relations if r.kind == "wasGeneratedBy" and r.src}
    if not made:
        return
    for relation in fragment.relations:
        plan = relation.kind == "wasAssociatedWith" and as_iri(relation.first(PROV + "plan"))
        for used in (relation.dst, plan):
            if used in made:
                raise _AboutNode(
                    used,
                    f"{used} is made by {made[used]}, and the same record has {relation.src} "
                    f"{relation.kind} it; a result needs an id of its own",
                    location=location,
                )


_AGENT_ENDS = {
    "actedOnBehalfOf": ("src", "dst"),
    "wasAssociatedWith": ("dst",),
    "wasAttributedTo": ("dst",),
}
"""The ends of relations that only an agent can be: whom someone acted for, who took part."""


def _check_agent_ends(fragment: Fragment, known: Known, location: str) -> None:
    """Whom a record says someone acted for, or who took part, is not something recorded as an
    entity or an activity (an output named as the person an approver stood for)."""
    for relation in fragment.relations:
        for end in _AGENT_ENDS.get(relation.kind, ()):
            node = relation.src if end == "src" else relation.dst
            kinds = known.kinds.get(node or "", set())
            if kinds and "agent" not in kinds:
                raise _AboutNode(
                    node,
                    f"{node} is an {'/'.join(sorted(kinds))}; only an agent can be on that end "
                    f"of {relation.kind}",
                    location=location,
                )


def _check(
    located: Sequence[tuple[PreparedRecord, Record | None, str]],
    store: Store,
    known: Known | None = None,
) -> None:
    """Every reference resolves, no id changes kind and no entity changes content, against the
    store and earlier records.

    ``known`` carries what earlier batches of the same transaction described, so a later batch
    may refer to them whether or not the store shows writes not yet committed.
    """
    known = Known() if known is None else known
    wanted = {i for prepared, _, _ in located for i in prepared.fragment.ids()}
    wanted.update(prepared.id for prepared, _, _ in located)
    stored = store.nodes(wanted - known.kinds.keys())
    for node_id, node in stored.items():
        known.learn(node_id, node.kinds, node.attributes)
    # a stored record whose id no described node has is a delegation's or a document's (a bare
    # reference to the id, which makes a node of no kind, does not make it a node's)
    undescribed = {i for i in wanted if not known.kinds.get(i)} - known.records.keys()
    known.nameless.update(store.record_hashes(undescribed))
    generated = {
        r.src
        for prepared, _, _ in located
        for r in prepared.fragment.relations
        if r.kind == "wasGeneratedBy" and r.src in stored
    }
    if generated:
        earlier = store.traverse(generated, ["wasGeneratedBy"], Direction.UP, 1)
        known.learn_generations(earlier.relations)
    for prepared, record, location in located:
        _check_repeat(prepared, known, location)
        _check_record_id(prepared, known, location)
        if record is None:
            _check_added_generations(prepared.fragment, known, location)
            known.learn_generations(prepared.fragment.relations)
            _check_elements(prepared.fragment, known, location, strict=False)
            continue
        try:
            for reference in references(record):
                _check_reference(reference, known, location)
            _check_generations(prepared.fragment, known, location)
            _check_elements(prepared.fragment, known, location, strict=True)
            _check_agent_ends(prepared.fragment, known, location)
        except _AboutNode as problem:
            field = _field_of(record, problem.node)
            if field is None:
                raise InvalidRecord(problem.message, location=location) from problem
            raise InvalidRecord.of_fields(
                [(field, problem.message)], location=location
            ) from problem


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


def write_records(
    located: Iterable[Located], store: Store, known: Known | None = None
) -> WriteResult:
    """Check and write records as one transaction (or as one batch of the caller's).

    Raises
    ------
    InvalidRecord
        When a record refers to something unknown or reuses an id as another kind of node.
    RecordConflict
        When a record id is already stored with different content.
    """
    with _bulk():
        batch = [(prepare(item.record), item.record, item.location) for item in located]
        _check(batch, store, known)
        try:
            return store.write([prepared for prepared, _, _ in batch])
        except RecordConflict as error:
            where = next((w for p, _, w in batch if p.id == error.record_id), None)
            if where is None:
                raise
            raise RecordConflict(
                error.message, record_id=error.record_id, location=where
            ) from error


def record_files(
    paths: Iterable[str | Path], store: Store, *, progress: Callable[[int], None] | None = None
) -> WriteResult:
    """Read, check and write every record of every file in one transaction: all or none.

    Records go in batches of ``BATCH``, so memory holds one batch, not the files; ``progress`` is
    told how many records each batch wrote or found already stored.
    """
    total = WriteResult()
    known = Known()
    records = (item for path in paths for item in iter_records(path))
    with _bulk(), store.transaction():
        while batch := list(islice(records, BATCH)):
            written = write_records(batch, store, known)
            total.add(written)
            if progress:
                progress(len(batch))
    return total


def _check_names(fragment: Fragment, source: str) -> None:
    """Every namespace and every id in a document is an absolute IRI, as a record's are: a
    prefix bound to something else, or a name with a space in it, could be stored but not
    written back in every format."""
    for prefix, uri in fragment.namespaces:
        if not is_iri(uri):
            raise InvalidRecord(f"prefix {prefix} stands for {uri!r}, not an IRI", location=source)
    for name in sorted(_names(fragment)):
        if not is_iri(name):
            raise InvalidRecord(f"{name!r} is not an absolute IRI", location=source)
    _check_texts(fragment, source)
    relative = sorted(i for i in iris(fragment) if i.startswith(RELATIVE_BASE))
    if relative:
        raise InvalidRecord(
            f"<{relative[0].removeprefix(RELATIVE_BASE)}> is a relative IRI; IRIs are absolute, "
            "whoever reads them",
            location=source,
        )


def _names(fragment: Fragment) -> set[str]:
    """Every name a document gives: its nodes', relations' and bundles' ids, its attributes'
    names, and the qualified names among their values (a type, a plan, an activity). A value
    of type ``xsd:anyURI`` is a value, not a name, and any text may be one."""
    found = set(fragment.ids())
    for item in (*fragment.elements, *fragment.relations):
        found.update(name for name, _ in item.attributes)
        found.update(v["@id"] for _, v in item.attributes if isinstance(v, dict) and "@id" in v)
    found.update(i for e in fragment.elements for i in (e.id, e.bundle) if i)
    found.update(i for r in fragment.relations for i in (r.id, r.bundle) if i)
    return found


def _check_texts(fragment: Fragment, source: str) -> None:
    """Every text a document gives (a label, a literal's value or language) is printable, as a
    record's text is."""
    described = [(e.id, e.attributes) for e in fragment.elements]
    described += [(r.id or _said(r), r.attributes) for r in fragment.relations]
    for about, pairs in described:
        for name, value in pairs:
            texts = value.values() if isinstance(value, dict) else [value]
            for text in texts:
                if isinstance(text, str) and (problem := unprintable(text)):
                    raise InvalidRecord(
                        f"the value of {name} on {about} {problem}", location=source
                    )


def _check_statements(fragment: Fragment, store: Store, source: str) -> None:
    """What PROV itself rules out in a document: a relation without its first argument (the
    generated entity, the activity that used), an entity with two content hashes, an element
    typed as the other kind, and a bundle (an entity) named like an activity."""
    for relation in fragment.relations:
        if relation.src is None:
            first = RELATION_SPECS[relation.kind].src.rsplit("#", 1)[-1]
            raise InvalidRecord(f"a {relation.kind} names no {first}", location=source)
    for element in fragment.elements:
        hashes = element.content_hashes
        if len(hashes) > 1:
            raise InvalidRecord(
                f"{element.id} is given {len(hashes)} content hashes; one id names one content",
                location=source,
            )
        other = _OTHER_KIND.get(element.kind)
        if other and other in element.types:
            raise InvalidRecord(
                f"{element.id} is described as an {element.kind} and typed {other}: it cannot "
                "be both",
                location=source,
            )
    bundles = {e.bundle for e in fragment.elements if e.bundle}
    bundles.update(r.bundle for r in fragment.relations if r.bundle)
    activities = {e.id for e in fragment.elements if e.kind == "activity"}
    activities.update(i for i, n in store.nodes(bundles).items() if "activity" in n.kinds)
    for bundle in sorted(bundles):
        if bundle in activities:
            raise InvalidRecord(
                f"{bundle} names a bundle, which is an entity, and an activity", location=source
            )


_OTHER_KIND = {"entity": PROV + "Activity", "activity": PROV + "Entity"}


def _check_relation_ids(fragment: Fragment, store: Store, source: str) -> None:
    """One relation id names one relation, in the document and in the store: given to another
    (another kind, or other ends), it would make the two one in every format that writes
    relations by their ids."""
    named: dict[str, Relation] = {}
    for relation in fragment.relations:
        if relation.id:
            _same_relation(named.setdefault(relation.id, relation), relation, source)
    for stored in store.relations_named(named) if named else ():
        if stored.id:
            _same_relation(stored, named[stored.id], source)


def _said(relation: Relation) -> str:
    """A relation as its kind and ends, ``used(a, -)``."""
    return f"{relation.kind}({relation.src or '-'}, {relation.dst or '-'})"


def _same_relation(held: Relation, given: Relation, source: str) -> None:
    if (held.kind, held.src, held.dst) != (given.kind, given.src, given.dst):
        raise InvalidRecord(
            f"relation id {given.id} names {_said(held)}, and here {_said(given)}; one id names "
            "one relation",
            location=source,
        )


_SHORT_NAMES = {"prov": PROV, "raidt": RAIDT, "xsd": XSD}
"""The prefixes a message shortens attribute names and IRI values by."""


def _governs(node: Node) -> bool:
    """Whether a stored node is a governance node: one with any type in the RAIDT namespace.

    The namespace, not a listed set of its types: every RAIDT type is one the governance answers
    read (runs, reviews, approvals and the other events, and the outputs, inputs, prompts,
    templates, configurations and models they are about), and only RAIDT's records, or
    documents that adopt its vocabulary, give one. A list would leave a type added to the
    vocabulary later open to being rewritten until someone remembered to add it too; the
    namespace closes it from the start. People and organisations carry PROV's types alone, so
    a document may still say more about them."""
    return any(t.startswith(RAIDT) for t in node.types)


def _shown(pair: tuple[str, Json]) -> str:
    """An attribute pair for a message: ``raidt:workflowApproved = true``."""
    name, value = pair
    target = as_iri(value)
    text = compact(target, _SHORT_NAMES) if target else as_text(value) or ""
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{compact(name, _SHORT_NAMES)} = {text}"


_LATER_EVENTS = frozenset({"wasInvalidatedBy"})
"""Relations from a recorded node that a later document may add: they state a new event, the
end of an output (a recall), which withdraws its approval and so makes no answer more lenient;
records have no kind for it."""


def _check_recorded(fragment: Fragment, store: Store, source: str) -> None:
    """A governance node, once recorded, is whole: a document may restate it, or point to it
    (a new activity that used a recorded output, a new entity derived from it), but not add to
    it. Each description of one may only give attribute pairs the stored node holds, as a kind
    it has. Each relation from one (its first argument: the activity that used or was
    associated, the generated, derived or attributed entity, the delegate), and each that says
    a recorded activity made or ended something (``_DONE_BY``), must restate a stored one: the
    same kind and ends, and attributes it holds. An invalidation of a recorded output, a later
    event of its own (``_LATER_EVENTS``), may be added. Otherwise a document could give a run a
    second initiator or output, a rejected approval a decision of approved, or a late approval
    an earlier start, and the answers would read whichever value sorts first.

    Raises
    ------
    InvalidRecord
        Naming the node and the first attribute or relation the document would add.
    """
    described = {e.id for e in fragment.elements}
    described.update(r.src for r in fragment.relations if r.src)
    described.update(r.dst for r in fragment.relations if r.kind in _DONE_BY and r.dst)
    governed = {i: n for i, n in store.nodes(described).items() if _governs(n)}
    if not governed:
        return

    def refuse(node: Node, what: str) -> InvalidRecord:
        named = "/".join(sorted(_type_name(t) for t in node.types if t.startswith(RAIDT)))
        return InvalidRecord(
            f"{node.id} is already recorded ({_a(named)}); {what}", location=source
        )

    for element in fragment.elements:
        node = governed.get(element.id)
        if node is None:
            continue
        held = {canonical_json(pair) for pair in node.attributes}
        added = next((p for p in element.attributes if canonical_json(p) not in held), None)
        if element.kind not in node.kinds or added is not None:
            given = f"as {_a(element.kind)}" if added is None else _shown(added)
            raise refuse(node, f"a document may restate it but not add to it ({given})")
    doing = [r for r in fragment.relations if r.src in governed and r.kind not in _LATER_EVENTS]
    done = [
        r
        for r in fragment.relations
        if r.kind in _DONE_BY and r.dst in governed and "activity" in governed[r.dst].kinds
    ]
    if not doing and not done:
        return
    stored = _stored_between(store, doing, done)
    for relation, by in [*((r, r.src) for r in doing), *((r, r.dst) for r in done)]:
        if not any(_restates(relation, held) for held in stored.get(_ends(relation), [])):
            raise refuse(
                governed[by or ""], f"a document may not add what it did: {_said(relation)}"
            )


_DONE_BY = frozenset({"wasGeneratedBy", "wasInvalidatedBy"})
"""Relations whose second argument is the activity that did it: made the entity, or ended it."""


def _ends(relation: Relation) -> tuple[str, str | None, str | None]:
    return relation.kind, relation.src, relation.dst


def _stored_between(
    store: Store, doing: list[Relation], done: list[Relation]
) -> dict[tuple[str, str | None, str | None], list[Relation]]:
    """The stored relations of the kinds the document states, from the recorded nodes it
    states them of, or into the activities it says made something, by kind and ends."""
    found: list[Relation] = []
    starts = sorted({r.src for r in doing if r.src})
    if starts:
        found += store.traverse(starts, {r.kind for r in doing}, Direction.UP, 1).relations
        if any(r.dst is None for r in doing):
            found += store.loose_relations(starts)
    makers = sorted({r.dst for r in done if r.dst})
    if makers:
        found += store.traverse(makers, {r.kind for r in done}, Direction.DOWN, 1).relations
    grouped: dict[tuple[str, str | None, str | None], list[Relation]] = {}
    for relation in found:
        grouped.setdefault(_ends(relation), []).append(relation)
    return grouped


def _restates(given: Relation, held: Relation) -> bool:
    """Whether a relation says nothing a stored one of the same kind and ends does not: its
    attributes are among the stored one's (a bundle or an id of its own adds nothing)."""
    kept = {canonical_json(pair) for pair in held.attributes}
    return all(canonical_json(pair) in kept for pair in given.attributes)


def document_id(store: Store, given: str | None) -> str | None:
    """The record id an import is given, as a full IRI: an absolute IRI, or a prefixed name
    whose prefix the store knows, as any id a user gives.

    Raises
    ------
    InvalidRecord
        When it is neither.
    """
    if given is None:
        return None
    if not is_iri(given):
        raise InvalidRecord(f"record id {given!r} is not an absolute IRI", location="id")
    return resolve_stored(store, given, new=True)


def import_document(
    data: str | bytes, fmt: Format, store: Store, *, source: str, record_id: str | None = None
) -> tuple[PreparedRecord, WriteResult]:
    """Import one PROV document, in one transaction.

    ``record_id`` may be a prefixed name whose prefix the store knows, as any id a user gives.

    Raises
    ------
    InvalidRecord
        When the document cannot be read, states nothing, ``record_id`` is not an absolute
        IRI, or it adds to a governance node already recorded (see :func:`_check_recorded`).
    """
    record_id = document_id(store, record_id)
    prepared = prepare_document(parse_document(data, fmt, source=source), record_id, source)
    if not prepared.fragment.elements and not prepared.fragment.relations:
        raise InvalidRecord(
            "the document states nothing: no element and no relation", location=source
        )
    _check_names(prepared.fragment, source)
    with store.transaction():
        _check_statements(prepared.fragment, store, source)
        _check_relation_ids(prepared.fragment, store, source)
        _check([(prepared, None, source)], store)
        _check_recorded(prepared.fragment, store, source)
        return prepared, store.write([prepared])
