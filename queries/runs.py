"""Listing runs and describing nodes: what a person looks at first."""

from __future__ import annotations

from typing import Any

from provenance.errors import NotFound
from provenance.graph import Attributes, Json, Node, as_iri, as_text
from provenance.identifiers import resolve_id
from provenance.stores.base import Direction, Store
from provenance.vocabulary import PROV, RELATION_KINDS, Attr, Role, Type

__all__ = ["describe_node", "grouped", "list_runs", "node_summary"]


def grouped(pairs: Attributes, *, skip: str | None = None) -> dict[str, Any]:
    """Attribute pairs as a JSON object; an attribute with several values gets a list."""
    attributes: dict[str, list[Json]] = {}
    for name, value in pairs:
        if name != skip:
            attributes.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in attributes.items()}


def node_summary(node: Node) -> dict[str, Any]:
    """A node as plain JSON: id, PROV kinds, types and its other attributes."""
    return {
        "id": node.id,
        "kinds": sorted(node.kinds),
        "types": sorted(node.types),
        "attributes": grouped(node.attributes, skip=Attr.TYPE),
    }


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every run, oldest first, with its task, sector, risk level, initiator and outputs.

    Parameters
    ----------
    store : Store
        The store to read.

    Returns
    -------
    list of dict
        One summary per run, with the keys ``id``, ``started_at``, ``task``, ``sector``,
        ``risk_level``, ``initiator`` and ``outputs``.
    """
    run_ids = store.ids_of_type(Type.RUN)
    runs = store.nodes(run_ids)
    initiators: dict[str, str] = {}
    outputs: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
    near = store.traverse(run_ids, ["wasAssociatedWith", "wasGeneratedBy"], Direction.BOTH, 1)
    for relation in near.relations:
        if relation.kind == "wasAssociatedWith" and relation.src in runs and relation.dst:
            if as_iri(relation.first(Attr.ROLE)) == Role.INITIATOR:
                initiators[relation.src] = relation.dst
        elif relation.kind == "wasGeneratedBy" and relation.dst in outputs and relation.src:
            outputs[relation.dst].append(relation.src)
    summaries = [
        {
            "id": run.id,
            "started_at": as_text(run.first(PROV + "startTime")),
            "task": run.text(Attr.TASK),
            "sector": run.text(Attr.SECTOR),
            "risk_level": run.text(Attr.RISK_LEVEL),
            "initiator": initiators.get(run.id),
            "outputs": sorted(outputs[run.id]),
        }
        for run in runs.values()
    ]
    return sorted(summaries, key=lambda s: (s["started_at"] or "", s["id"]))


def describe_node(store: Store, node_id: str) -> dict[str, Any]:
    """One node with every relation into and out of it.

    Raises
    ------
    NotFound
        When the store holds no node with that id.
    """
    full = resolve_id(node_id, store.namespaces())
    nodes = store.nodes([full])
    if full not in nodes:
        raise NotFound(f"no node {full} in {store.url}")
    near = store.traverse([full], RELATION_KINDS, Direction.BOTH, 1)
    summary = node_summary(nodes[full])
    summary["relations"] = [
        {
            "kind": r.kind,
            "direction": "out" if r.src == full else "in",
            "other": r.dst if r.src == full else r.src,
            "id": r.id,
            "attributes": grouped(r.attributes),
        }
        for r in near.relations
    ]
    record = store.record(full)
    summary["record"] = (
        {
            "kind": record.kind,
            "content_hash": record.content_hash,
            "recorded_at": record.recorded_at,
        }
        if record
        else None
    )
    return summary
