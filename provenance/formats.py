"""PROV serialisations by name: PROV-N, PROV-JSON, PROV-XML, PROV-O (Turtle) and PROV-JSONLD.

One table names each format, its file suffix and media type, and how the ``prov`` package reads and
writes it; the command line and the HTTP service both choose formats through it.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import prov
from prov.model import ProvDocument

from provenance.errors import InvalidRecord, UnsupportedFormat
from provenance.jsontext import RepeatedKey, parse_json
from provenance.provdoc import with_declared_prefixes
from provenance.turtle import write_turtle

__all__ = [
    "FORMATS",
    "RELATIVE_BASE",
    "Format",
    "format_for",
    "format_of_suffix",
    "parse_document",
    "write_document",
]

RELATIVE_BASE = "https://relative-iri.invalid/"
"""What a relative IRI in an RDF document is resolved against, so that it can be found and
refused: resolved against the reader's working folder, one file would mean other ids on each
machine, and name the folder."""


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    title: str
    suffixes: tuple[str, ...]
    media_type: str
    prov_name: str
    options: dict[str, Any] = field(default_factory=dict)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("json", "PROV-JSON", (".json",), "application/json", "json"),
        Format("provn", "PROV-N", (".provn",), "text/provenance-notation", "provn"),
        Format("xml", "PROV-XML", (".xml", ".provx"), "application/xml", "xml"),
        Format("ttl", "PROV-O (Turtle)", (".ttl",), "text/turtle", "rdf", {"rdf_format": "turtle"}),
        Format("jsonld", "PROV-JSONLD", (".jsonld",), "application/ld+json", "jsonld"),
    )
}


def format_for(name: str | None = None, *, path: str | Path | None = None) -> Format:
    """The format called ``name``, or the one a file's suffix implies.

    Raises
    ------
    UnsupportedFormat
        When the name or suffix is not one of :data:`FORMATS`.
    """
    if name is None and path is not None:
        found = format_of_suffix(path)
        if found is None:
            suffix = Path(path).suffix.lower()
            raise UnsupportedFormat(
                f"cannot tell the PROV format from the suffix {suffix or '(none)'!r}; "
                f"pass --format, one of: {', '.join(FORMATS)}",
                location=str(path),
            )
        return found
    if name in FORMATS:
        return FORMATS[name]
    raise UnsupportedFormat(f"unknown PROV format {name!r}; expected one of: {', '.join(FORMATS)}")


def format_of_suffix(path: str | Path) -> Format | None:
    """The format a file's suffix names (``.ttl`` → Turtle, in any case), or ``None``: what
    ``raidt import`` reads a file as, and ``raidt export -o`` writes one as."""
    suffix = Path(path).suffix.lower()
    return next((f for f in FORMATS.values() if suffix in f.suffixes), None)


_NO_IDENTIFIER = "An identifier is missing"
"""What the ``prov`` package says of an identifier it could not read, and of one not given."""


def _reason(error: Exception) -> str:
    """The parser's own explanation, on one line: its first line, and the next when the first
    only says where (rdflib's "at line 1 of <>:"), so that the cause is not cut off."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    if lines[0].startswith(_NO_IDENTIFIER):
        return (
            "an identifier is missing, or is neither an IRI nor a prefixed name whose prefix "
            "the document declares"
        )
    reason = " ".join(lines[:2]) if lines[0].endswith(":") else lines[0]
    return reason.removesuffix(" at ^ in:")


def parse_document(text: str | bytes, fmt: Format, *, source: str = "document") -> ProvDocument:
    """Read a PROV document.

    Raises
    ------
    InvalidRecord
        When the text is not a valid document in that format; the message keeps the parser's
        own explanation (with its line and column where it gives one).
    """
    data = text.encode() if isinstance(text, str) else text
    root, declared = _xml_start(data, source) if fmt.name == "xml" else (None, False)
    if declared:
        raise InvalidRecord(
            "a document type declaration (<!DOCTYPE …>) is not taken: the entities it declares "
            "would change what the document says",
            location=source,
        )
    if fmt.name in _JSON_FORMATS:
        _refuse_repeated_keys(data, source)
    options = {**fmt.options, **({"publicID": RELATIVE_BASE} if fmt.prov_name == "rdf" else {})}
    content: str | None = None
    try:
        with _PARSING, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            content = data.decode() if fmt.name != "xml" else None
            document = ProvDocument.deserialize(
                content=content,
                source=io.BytesIO(data) if fmt.name == "xml" else None,
                format=fmt.prov_name,
                **options,
            )
    except Exception as error:  # every parser raises its own exception types
        raise InvalidRecord(
            f"not a valid {fmt.title} document: {_reason(error)}", location=source
        ) from error
    if not isinstance(document, ProvDocument):
        raise InvalidRecord(f"not a valid {fmt.title} document", location=source)
    lost = next((w for w in caught if _LOSSY in str(w.message)), None)
    if lost is not None:
        said = str(lost.message).split(". prov ", 1)[0]
        raise InvalidRecord(f"{said}; a document is taken whole or not at all", location=source)
    for other in caught:
        warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    if fmt.name == "xml" and root != _PROV_XML_ROOT:
        raise InvalidRecord(
            f"not a PROV-XML document: its root element is {root}, not prov:document",
            location=source,
        )
    if content is not None and fmt.prov_name == "rdf":
        return with_declared_prefixes(document, _declared_prefixes(content))
    return document


_JSON_FORMATS = frozenset({"json", "jsonld"})


def _refuse_repeated_keys(data: bytes, source: str) -> None:
    """Refuse a JSON document that gives a key twice in one object: its reader would keep one
    value and drop the other, and store less than the document says. JSON that cannot be read
    at all is left to the reader, which says why."""
    try:
        parse_json(data)
    except RepeatedKey as error:
        raise InvalidRecord(
            f"{error.msg}; a document is taken whole or not at all", location=source
        ) from error
    except (ValueError, RecursionError):
        return


_TURTLE_DECLARATION = re.compile(r"^[ \t]*(?:@prefix|prefix)[ \t]+([^\s:]*):", re.I | re.M)


def _declared_prefixes(text: str) -> set[str]:
    """The prefixes a Turtle text declares (``@prefix ex: <…>`` or ``PREFIX ex: <…>``)."""
    return set(_TURTLE_DECLARATION.findall(text))


_PROV_XML_ROOT = "{http://www.w3.org/ns/prov#}document"
_PARSING = threading.Lock()
"""Held while the PROV reader or writer runs: what it warns of is caught in the process's one
warnings state, which two threads of the service must not swap at once."""
_LOSSY = "is dropped"
"""What the PROV reader says of a value it leaves out (a time that is not one)."""
_CHANGED = "changes the IRI"
"""What the PROV-N writer says when it can write a name only as another IRI (a bare ``%``)."""


class _Started(Exception):
    """The root element has begun: all that was wanted of the document is known."""


def _xml_start(data: bytes, source: str) -> tuple[str | None, bool]:
    """The root element's name, and whether a document type was declared before it, read no
    further than the root's start tag: the PROV-XML reader takes any XML, ``<notprov/>``
    included, as an empty document, and would expand the entities a declaration defines."""
    parser = expat.ParserCreate(namespace_separator="}")
    seen: dict[str, Any] = {"root": None, "declared": False}

    def declared(*_: Any) -> None:
        seen["declared"] = True

    def started(name: str, _: Any) -> None:
        seen["root"] = "{" + name if "}" in name else name
        raise _Started

    parser.StartDoctypeDeclHandler = declared
    parser.StartElementHandler = started
    try:
        for offset in range(0, len(data), 1 << 16):
            parser.Parse(data[offset : offset + (1 << 16)], False)
        parser.Parse(b"", True)
    except (_Started, expat.ExpatError):
        pass
    except ValueError as error:  # an encoding the XML parser cannot read (Shift_JIS)
        raise InvalidRecord(
            f"not a PROV-XML document that can be read here: {error}; write it as UTF-8",
            location=source,
        ) from error
    return seen["root"], seen["declared"]


def write_document(document: ProvDocument, fmt: Format) -> str:
    """Serialise a PROV document as text.

    Raises
    ------
    UnsupportedFormat
        When the format cannot carry what the document holds: PROV-XML and control characters
        an imported document brought in, PROV-JSONLD and a mentionOf, PROV-N and a name it
        could write only as another IRI.
    """
    try:
        with _PARSING, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            output = _serialize(document, fmt)
    except (ValueError, prov.Error) as error:  # prov's writers raise errors of their own
        raise UnsupportedFormat(
            f"cannot write it as {fmt.title}: {error}; choose another format"
        ) from error
    changed = next((w for w in caught if _CHANGED in str(w.message)), None)
    if changed is not None:
        said = str(changed.message).split("; ", 1)[0]
        raise UnsupportedFormat(
            f"cannot write it as {fmt.title}: {said}, and writing it otherwise would change "
            "the IRI; choose another format"
        )
    for other in caught:
        warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    return output


def _serialize(document: ProvDocument, fmt: Format) -> str:
    """The document as text. PROV-XML is written as UTF-8 bytes: written as text, it declares
    ASCII and writes a name beyond ASCII (``ex:é``) as a character reference, which is not
    allowed in a name, so no XML reader takes it."""
    if fmt.name == "ttl":
        return write_turtle(document)
    if fmt.name != "xml":
        output = document.serialize(format=fmt.prov_name, **fmt.options)
        assert isinstance(output, str)
        return output
    buffer = io.BytesIO()
    document.serialize(buffer, format=fmt.prov_name, **fmt.options)
    return buffer.getvalue().decode("utf-8")
