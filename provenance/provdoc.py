"""Between the stored graph and W3C PROV documents (``prov.model.ProvDocument``).

``from_document`` reads any PROV document, bundles included, into a :class:`Fragment` without
losing a record, an attribute or a value's type; ``to_document`` writes fragments back. A document
read and written back compares equal to what was read.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from prov.constants import PROV_N_MAP, PROV_RECORD_IDS_MAP
from prov.identifier import Identifier, Namespace, QualifiedName
from prov.model import (
    Literal,
    ProvActivity,
    ProvAgent,
    ProvBundle,
    ProvDocument,
    ProvElement,
    ProvEntity,
    ProvRecord,
)

from provenance.errors import InvalidRecord
from provenance.graph import (
    Element,
    Fragment,
    Json,
    NodeKind,
    Relation,
    as_iri,
    attributes,
    encode_float,
)
from provenance.identifiers import STANDARD_NAMESPACES, is_iri, namespace_of, suggest_prefix
from provenance.vocabulary import DERIVATION_SUBTYPES, PROV, RELATION_SPECS

__all__ = [
    "Namespaces",
    "from_document",
    "iris",
    "to_document",
    "used_namespaces",
    "with_declared_prefixes",
]

_ELEMENT_KINDS: dict[type[ProvElement], NodeKind] = {
    ProvEntity: "entity",
    ProvActivity: "activity",
    ProvAgent: "agent",
}
_SUBTYPE_KINDS = {kind: subtype for subtype, kind in DERIVATION_SUBTYPES.items()}


def _encode(value: Any, where: str) -> Json:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else {"@int": str(value)}
    if isinstance(value, float):
        return encode_float(value)
    if isinstance(value, datetime.datetime):
        return {"@dt": value.isoformat()}
    if isinstance(value, QualifiedName):
        return {"@id": value.uri}
    if isinstance(value, Identifier):
        return {"@uri": value.uri}
    if isinstance(value, Literal):
        encoded = {"@value": value.value}
        if value.datatype is not None:
            encoded["@type"] = value.datatype.uri
        if value.langtag is not None:
            encoded["@lang"] = value.langtag
        return encoded
    raise InvalidRecord(f"{where}: unsupported attribute value {value!r} ({type(value).__name__})")


def _element(record: ProvElement, bundle: str | None) -> Element:
    where = f"{PROV_N_MAP[record.get_type()]}({record.identifier})"
    kind = next(k for cls, k in _ELEMENT_KINDS.items() if isinstance(record, cls))
    pairs = attributes((name.uri, _encode(value, where)) for name, value in record.attributes)
    assert record.identifier is not None  # PROV requires an element to have an identifier
    return Element(record.identifier.uri, kind, pairs, bundle)


def _relation(record: ProvRecord, bundle: str | None) -> Relation:
    kind = PROV_N_MAP[record.get_type()]
    where = f"{kind}({record.identifier or '-'})"
    (src_name, src), (dst_name, dst) = record.formal_attributes[:2]
    pairs = attributes(
        (name.uri, _encode(value, where))
        for name, value in record.attributes
        if name not in (src_name, dst_name)
    )
    if kind == "wasDerivedFrom":
        subtypes = [
            DERIVATION_SUBTYPES[uri]
            for v in record.get_asserted_types()
            if (uri := getattr(v, "uri", None)) in DERIVATION_SUBTYPES
        ]
        kind = subtypes[0] if len(subtypes) == 1 else kind
    return Relation(
        kind,
        src.uri if src is not None else None,
        dst.uri if dst is not None else None,
        pairs,
        record.identifier.uri if record.identifier else None,
        bundle,
    )


def _records(bundle: ProvBundle, bundle_id: str | None) -> tuple[list[Element], list[Relation]]:
    elements: list[Element] = []
    relations: list[Relation] = []
    for record in bundle.get_records():
        if isinstance(record, ProvElement):
            elements.append(_element(record, bundle_id))
        else:
            relations.append(_relation(record, bundle_id))
    return elements, relations


def _namespaces(bundle: ProvBundle) -> Iterable[tuple[str, str]]:
    for namespace in bundle.namespaces:
        yield namespace.prefix, namespace.uri
    default = bundle.get_default_namespace()
    if default is not None:
        yield "", default.uri


def from_document(document: ProvDocument) -> Fragment:
    """Every record of ``document`` and of its bundles, as one fragment.

    Raises
    ------
    InvalidRecord
        When a record holds a value that PROV does not define, or a bundle is empty: the store
        keeps records, and an empty bundle has none to keep.
    """
    elements, relations = _records(document, None)
    namespaces = dict(_namespaces(document))
    for bundle in document.bundles:
        assert bundle.identifier is not None  # a named bundle always has its identifier
        if not bundle.get_records():
            raise InvalidRecord(
                f"bundle {bundle.identifier} is empty; an empty bundle cannot be stored, so add "
                "its records or leave it out"
            )
        inner_elements, inner_relations = _records(bundle, bundle.identifier.uri)
        elements += inner_elements
        relations += inner_relations
        namespaces.update(_namespaces(bundle))
    return Fragment(tuple(elements), tuple(relations), tuple(sorted(namespaces.items())))


def iris(fragment: Fragment) -> set[str]:
    """Every IRI a fragment writes: ids, attribute names and IRI values."""
    found: set[str] = set()
    items = (*fragment.elements, *fragment.relations)
    for pairs in (item.attributes for item in items):
        found.update(name for name, _ in pairs)
        found.update(i for _, value in pairs if (i := as_iri(value)))
    found.update(i for e in fragment.elements for i in (e.id, e.bundle) if i)
    found.update(i for r in fragment.relations for i in (r.src, r.dst, r.id, r.bundle) if i)
    return found


def used_namespaces(fragment: Fragment) -> Fragment:
    """The fragment with only the prefixes some IRI of it starts with: an RDF reader declares
    dozens of its own, which are not the document's to teach a store."""
    used = iris(fragment)
    kept = tuple((p, u) for p, u in fragment.namespaces if any(i.startswith(u) for i in used))
    return Fragment(fragment.elements, fragment.relations, kept)


def with_declared_prefixes(document: ProvDocument, declared: Collection[str]) -> ProvDocument:
    """The document with its names written under the prefixes its text declared (and PROV's
    own), each bound to an IRI.

    A PROV-O reader makes up a prefix for each IRI under no declared namespace: ``ns1`` for
    ``https://hospital.example/people/``, or one bound to ``urn:``, which is no IRI. Learnt, such
    a prefix would rename ids the store already shows under a prefix of its own. In RDF a prefix
    is only a way of writing IRIs, so writing them under others loses nothing.
    """

    def kept(prefix: str, uri: str) -> bool:
        return is_iri(uri) and (prefix in declared or uri in _STANDARD_URIS)

    containers: list[ProvBundle] = [document, *document.bundles]
    if all(kept(n.prefix, n.uri) for c in containers for n in c.namespaces):
        return document
    fragment = from_document(document)
    usable = {prefix: uri for prefix, uri in fragment.namespaces if kept(prefix, uri)}
    return to_document(fragment.elements, fragment.relations, usable)


_STANDARD_URIS = frozenset(STANDARD_NAMESPACES.values())


class Namespaces:
    """Turns stored IRIs back into qualified names, preferring the prefixes the store knows.

    A known prefix bound to what is not an IRI (``https:``, which older stores learnt for ids
    with nothing after their host) is passed over: a PROV reader, this project's included,
    refuses a document that declares it.
    """

    def __init__(self, known: Mapping[str, str]) -> None:
        usable = {p: u for p, u in known.items() if p and is_iri(u)}
        self._by_prefix = {**STANDARD_NAMESPACES, **usable}
        self._uris = sorted(set(self._by_prefix.values()), key=len, reverse=True)
        self._prefix_of = {
            uri: prefix for prefix, uri in sorted(self._by_prefix.items(), reverse=True)
        }
        self._cache: dict[str, QualifiedName] = {}

    def qname(self, value: str) -> QualifiedName:
        cached = self._cache.get(value)
        if cached is not None:
            return cached
        uri = next((u for u in self._uris if value.startswith(u)), None)
        if uri is None:
            uri = namespace_of(value)
            prefix = suggest_prefix(uri, self._by_prefix)
            self._by_prefix[prefix] = uri
            self._prefix_of[uri] = prefix
            self._uris = sorted([*self._uris, uri], key=len, reverse=True)
        qualified = QualifiedName(Namespace(self._prefix_of[uri], uri), value[len(uri) :])
        self._cache[value] = qualified
        return qualified

    def decode(self, value: Json) -> Any:
        if not isinstance(value, dict):
            return value
        if "@id" in value:
            return self.qname(value["@id"])
        if "@uri" in value:
            return Identifier(value["@uri"])
        if "@dt" in value:
            return datetime.datetime.fromisoformat(value["@dt"])
        if "@double" in value:
            return float(value["@double"])
        if "@int" in value:
            return int(value["@int"])
        datatype = value.get("@type")
        return Literal(
            value["@value"], self.qname(datatype) if datatype else None, value.get("@lang")
        )


def to_document(
    elements: Iterable[Element], relations: Iterable[Relation], namespaces: Mapping[str, str]
) -> ProvDocument:
    """A PROV document holding the given elements and relations, bundles restored."""
    document = ProvDocument()
    names = Namespaces(namespaces)
    bundles: dict[str | None, ProvBundle] = {None: document}

    def target(bundle: str | None) -> ProvBundle:
        if bundle not in bundles:
            bundles[bundle] = document.bundle(names.qname(bundle))  # type: ignore[arg-type]
        return bundles[bundle]

    for element in elements:
        record_type = PROV_RECORD_IDS_MAP[element.kind]
        pairs = [(names.qname(name), names.decode(value)) for name, value in element.attributes]
        target(element.bundle).new_record(record_type, names.qname(element.id), pairs)
    for relation in relations:
        kind = "wasDerivedFrom" if relation.kind in _SUBTYPE_KINDS else relation.kind
        spec = RELATION_SPECS[kind]
        pairs = [
            (names.qname(PROV + end_name), names.qname(end))
            for end_name, end in ((spec.src, relation.src), (spec.dst, relation.dst))
            if end is not None
        ]
        pairs += [(names.qname(name), names.decode(value)) for name, value in relation.attributes]
        identifier = names.qname(relation.id) if relation.id else None
        target(relation.bundle).new_record(PROV_RECORD_IDS_MAP[kind], identifier, pairs)
    for container in bundles.values():
        _declare_datatypes(container)
    return document


def _declare_datatypes(container: ProvBundle) -> None:
    """Declare the namespaces of literals' datatypes, which prov does not register on its own:
    unregistered, a serialiser would drop the datatype or write a prefix it never declared."""
    for record in container.get_records():
        for _, value in record.attributes:
            if isinstance(value, Literal) and value.datatype is not None:
                container.add_namespace(value.datatype.namespace)
