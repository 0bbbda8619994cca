"""Plain data for stored provenance graphs: element descriptions, relations and merged nodes.

A PROV attribute value is kept in a JSON form that records its exact PROV type, so that a document
read from any serialisation can be stored and written back equal to what was read. Plain strings,
integers and booleans stay as they are; everything else is a one-key tagged object:

``{"@id": iri}`` qualified name · ``{"@uri": iri}`` plain URI · ``{"@dt": iso}`` xsd:dateTime ·
``{"@double": repr}`` float · ``{"@int": digits}`` integer beyond 64 bits (JSON readers turn those
into floats) · ``{"@value": text, "@type": iri}`` typed literal ·
``{"@value": text, "@lang": tag}`` language-tagged string (``"@type"`` may come with it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

from provenance.hashing import canonical_json, sha256_hex
from provenance.vocabulary import Attr

__all__ = [
    "Attributes",
    "Element",
    "Fragment",
    "Json",
    "Node",
    "NodeKind",
    "Relation",
    "as_datetime",
    "as_iri",
    "as_text",
    "attributes",
    "dt",
    "encode_float",
    "iri",
]

Json: TypeAlias = str | int | bool | dict[str, str]
"""One encoded PROV attribute value (see the module docstring)."""

Attributes: TypeAlias = tuple[tuple[str, Json], ...]
"""Attribute pairs ``(attribute IRI, encoded value)``, sorted, multi-valued by repetition."""

NodeKind: TypeAlias = Literal["entity", "activity", "agent"]


def iri(value: str) -> dict[str, str]:
    """Encode a qualified name given by its full IRI."""
    return {"@id": value}


def dt(value: datetime) -> dict[str, str]:
    """Encode an xsd:dateTime."""
    return {"@dt": value.isoformat()}


def encode_float(value: float) -> Json:
    """Floats keep their own tag so that ``2.0`` never reads back as the integer ``2``."""
    return {"@double": repr(value) if math.isfinite(value) else str(value)}


def _sort_key(name: str, value: Json) -> tuple[str, str, str]:
    """Orders and tells apart values of different types (``True``, ``1`` and ``"1"`` differ)."""
    if isinstance(value, str):
        return name, "s", value
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, text),) = value.items()
            return name, key, text
        return name, "~", "\x1f".join(f"{k}\x1e{v}" for k, v in sorted(value.items()))
    return name, "b" if isinstance(value, bool) else "i", str(value)


def _name(pair: tuple[str, Json]) -> str:
    return pair[0]


def attributes(pairs: Iterable[tuple[str, Json | None]]) -> Attributes:
    """Sort attribute pairs into their canonical order, dropping absent values and repeats.

    Most descriptions name each attribute once; their order is then the order of the names, and
    the costlier key that tells values apart is only needed when a name repeats."""
    present = [(name, value) for name, value in pairs if value is not None]
    if len({name for name, _ in present}) == len(present):
        present.sort(key=_name)
        return tuple(present)
    unique = {_sort_key(name, value): (name, value) for name, value in present}
    return tuple([unique[key] for key in sorted(unique)])


def as_iri(value: Json | None) -> str | None:
    """The IRI of a qualified-name or URI value, else ``None``."""
    if isinstance(value, dict):
        return value.get("@id") or value.get("@uri")
    return None


def as_text(value: Json | None) -> str | None:
    """A value as display text: strings as they are, IRIs and literals by their lexical form."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if "@value" in value:  # a typed or language-tagged literal: its text, not its tag
        return str(value["@value"])
    return next(iter(value.values()))


def as_datetime(value: Json | None) -> datetime | None:
    """An xsd:dateTime value as a ``datetime``, else ``None``; one without a zone (a PROV
    document may give one) is read as UTC, so that every time a question compares is one
    instant on one line."""
    if isinstance(value, dict) and "@dt" in value:
        read = datetime.fromisoformat(value["@dt"])
        return read if read.tzinfo else read.replace(tzinfo=UTC)
    return None


def _first(pairs: Attributes, name: str) -> Json | None:
    """The first value of an attribute, or ``None``: a plain loop, since answers ask it of every
    node and relation they read."""
    for key, value in pairs:
        if key == name:
            return value
    return None


class _Canonical:
    """The canonical JSON that elements and relations are hashed, compared and stored by.

    The forms are made together, once, and kept on the frozen item: a write serialises, hashes
    and dedupes each item several times (``functools.cached_property`` would take a lock per
    read). The attributes are serialised once and the whole item is built around them."""

    attributes: Attributes

    def _head(self) -> list[Any]:
        """The item's parts before its attributes, which always come last."""
        raise NotImplementedError

    def _forms(self) -> dict[str, str]:
        attributes_json = canonical_json(self.attributes)
        forms = {
            "_canonical": f"{canonical_json(self._head())[:-1]},{attributes_json}]",
            "_attributes_json": attributes_json,
        }
        self.__dict__.update(forms)
        return forms

    @property
    def canonical(self) -> str:
        """The whole item as canonical JSON: what is hashed, and what makes two equal."""
        cached: str | None = self.__dict__.get("_canonical")
        return cached or self._forms()["_canonical"]

    @property
    def attributes_json(self) -> str:
        """The attributes as canonical JSON, as the stores keep them."""
        cached: str | None = self.__dict__.get("_attributes_json")
        return cached or self._forms()["_attributes_json"]


@dataclass(frozen=True)
class Element(_Canonical):
    """One description of an entity, activity or agent, as one record (or bundle) states it.

    Formal attributes (an activity's ``prov:startTime`` and ``prov:endTime``) sit among the
    attributes under their PROV names, as they do in the PROV data model.
    """

    id: str
    kind: NodeKind
    attributes: Attributes = ()
    bundle: str | None = None

    @property
    def types(self) -> list[str]:
        """The IRIs this description asserts as ``prov:type``."""
        return [t for name, value in self.attributes if name == Attr.TYPE and (t := as_iri(value))]

    @property
    def content_hashes(self) -> set[str | None]:
        """The distinct content hashes this description gives: one id names one content, so
        more than one is a contradiction."""
        return {as_text(value) for name, value in self.attributes if name == Attr.CONTENT_HASH}

    @property
    def digest(self) -> str:
        """The SHA-256 of the canonical form: the key a store keeps one description under."""
        cached: str | None = self.__dict__.get("_digest")
        return cached or self._forms()["_digest"]

    def _forms(self) -> dict[str, str]:
        forms = super()._forms()
        forms["_digest"] = self.__dict__["_digest"] = sha256_hex(forms["_canonical"])
        return forms

    def _head(self) -> list[Any]:
        return ["element", self.id, self.kind, self.bundle]


@dataclass(frozen=True)
class Relation(_Canonical):
    """One PROV relation: an edge from ``src`` to ``dst`` (the thing it depends on).

    ``kind`` is the PROV-N name (``used``, ``wasGeneratedBy`` …, plus ``wasRevisionOf``,
    ``wasQuotedFrom`` and ``hadPrimarySource`` for typed derivations). Formal arguments beyond the
    two ends (``prov:time``, ``prov:plan``, ``prov:activity`` …) are attributes under their PROV
    names. Either end may be missing, as PROV allows.
    """

    kind: str
    src: str | None
    dst: str | None
    attributes: Attributes = ()
    id: str | None = None
    bundle: str | None = None

    def _head(self) -> list[Any]:
        return ["relation", self.kind, self.src, self.dst, self.id, self.bundle]

    def first(self, name: str) -> Json | None:
        return _first(self.attributes, name)


@dataclass(frozen=True, slots=True)
class Fragment:
    """The part of the graph one record contributes, with the namespace prefixes it prefers."""

    elements: tuple[Element, ...] = ()
    relations: tuple[Relation, ...] = ()
    namespaces: tuple[tuple[str, str], ...] = ()

    def canonical_items(self) -> list[str]:
        """Every distinct element and relation in canonical form, sorted: what the graph hash
        covers. A record stating the same thing twice states it once."""
        elements = (e.canonical for e in self.elements)
        return sorted({*elements, *(r.canonical for r in self.relations)})

    def ids(self) -> Iterator[str]:
        """Every node id the fragment mentions, described or only referenced."""
        for element in self.elements:
            yield element.id
        for relation in self.relations:
            if relation.src:
                yield relation.src
            if relation.dst:
                yield relation.dst


_ONE_KIND: dict[NodeKind, frozenset[NodeKind]] = {
    kind: frozenset({kind}) for kind in ("entity", "activity", "agent")
}
"""The kinds of a node with one description, made once: most nodes have one."""


@dataclass(frozen=True, slots=True)
class Node:
    """A node as the store knows it: every description of one id, merged."""

    id: str
    kinds: frozenset[NodeKind]
    attributes: Attributes = ()
    types: frozenset[str] = field(default=frozenset())

    @classmethod
    def merge(cls, node_id: str, descriptions: Iterable[tuple[NodeKind, Attributes]]) -> Node:
        """One node from its stored descriptions (each a kind and attributes already in canonical
        order): one description is taken as it is, several are merged."""
        described = list(descriptions)
        if len(described) == 1:
            kind, pairs = described[0]
            kinds = _ONE_KIND[kind]
        else:
            pairs = attributes(pair for _, each in described for pair in each)
            kinds = frozenset(kind for kind, _ in described)
        types = frozenset(t for name, value in pairs if name == Attr.TYPE and (t := as_iri(value)))
        return cls(node_id, kinds, pairs, types)

    def values(self, name: str) -> list[Json]:
        return [value for key, value in self.attributes if key == name]

    def first(self, name: str) -> Json | None:
        return _first(self.attributes, name)

    def text(self, name: str) -> str | None:
        return as_text(self.first(name))
