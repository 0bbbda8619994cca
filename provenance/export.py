"""Reading PROV documents out of a store: everything, one record, or one node and its relations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from prov.model import ProvDocument

from provenance.errors import NotFound
from provenance.graph import Element, Relation
from provenance.provdoc import to_document
from provenance.stores.base import Direction, Store, resolve_stored
from provenance.vocabulary import RELATION_KINDS

__all__ = ["export_document", "export_nodes"]

_Item = TypeVar("_Item", Element, Relation)


def _everything(store: Store) -> tuple[list[Element], list[Relation]]:
    elements: list[Element] = []
    relations: list[Relation] = []
    for record in store.records():
        fragment = store.fragment(record.seq)
        elements += fragment.elements
        relations += fragment.relations
    return elements, relations


def _merged(store: Store, ids: Iterable[str], as_of: int | None = None) -> list[Element]:
    """One element per node and kind, every description merged."""
    return [
        Element(node.id, kind, node.attributes)
        for node in store.nodes(ids, as_of=as_of).values()
        for kind in sorted(node.kinds)
    ]


def export_nodes(
    store: Store,
    ids: Iterable[str],
    *,
    as_of: int | None = None,
    namespaces: Mapping[str, str] | None = None,
) -> ProvDocument:
    """A PROV document of the given nodes and every relation among them, as the records up to
    ``as_of`` (a sequence number) describe them, or all of them; its ids written with the
    ``namespaces`` given, or with every prefix the store knows."""
    wanted = sorted(set(ids))
    return to_document(
        _merged(store, wanted, as_of),
        store.relations_between(wanted, as_of=as_of),
        store.namespaces() if namespaces is None else namespaces,
    )


def export_document(store: Store, target: str | None = None) -> ProvDocument:
    """A PROV document of the whole store, of one record, or of one node with its relations;
    each statement once, its elements, then its relations, in the order of their canonical forms,
    so that it is the same document, statement for statement, whichever store it comes from
    (Neo4j lists a record's parts in no stated order).

    Raises
    ------
    NotFound
        When ``target`` names neither a record nor a node.
    """
    namespaces = store.namespaces()
    if target is None:
        elements, relations = _everything(store)
    else:
        full = resolve_stored(store, target)
        record = store.record(full)
        if record is not None:
            fragment = store.fragment(record.seq)
            elements, relations = list(fragment.elements), list(fragment.relations)
        elif store.nodes([full]):
            reached = store.traverse([full], RELATION_KINDS, Direction.BOTH, 1)
            elements = store.descriptions(reached.depths)
            relations = [*reached.relations, *store.loose_relations([full])]
        else:
            raise NotFound(f"no record or node {full} in {store.url}")
    return to_document(_in_order(elements), _in_order(relations), namespaces)


def _in_order(items: Iterable[_Item]) -> list[_Item]:
    """Each statement once, in the order of the canonical forms: records that restate a person
    or a relation state it once in the document, so that it reads back as the same graph."""
    return [item for _, item in sorted({item.canonical: item for item in items}.items())]
