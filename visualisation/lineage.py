"""The neighbourhood of a node as a picture: what it came from, what followed it, who took part.

``lineage_view`` gathers the nodes and relations once, as plain data that every view draws: the
static SVG and PNG here, and the interactive page the service serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provenance.graph import Node, Relation, as_datetime
from provenance.stores.base import Direction, Store
from provenance.vocabulary import PROV, RAIDT, RELATION_KINDS, Attr, Type
from queries.context import LINEAGE, AsOf, moment, require_node

__all__ = ["KIND_STYLE", "LineageView", "ViewNode", "lineage_view", "short_name"]

KIND_STYLE: dict[str, dict[str, str]] = {
    "entity": {"shape": "ellipse", "fill": "#FFFC87", "stroke": "#808080"},
    "activity": {"shape": "box", "fill": "#9FB1FC", "stroke": "#0000FF"},
    "agent": {"shape": "house", "fill": "#FED37F", "stroke": "#000000"},
}
"""PROV's drawing conventions: yellow ellipses, blue rectangles, orange pentagons."""

_AROUND = ("wasAssociatedWith", "wasAttributedTo", "actedOnBehalfOf")
_ANSWERABLE = frozenset({Type.PERSON, Type.ORGANIZATION})
"""Whose delegation chains are drawn: people and organisations. A model's ``actedOnBehalfOf``
is a claim made for one run, never a standing delegation."""
_CHAIN = 4
"""How far up delegation chains the people shown are followed: who stands behind them."""
_FOLLOWED = (*LINEAGE, "wasInformedBy")
"""What came after: later runs, revisions, reviews, decisions and the actions they informed."""
_LABELS = (Attr.LABEL, Attr.TASK, Attr.DESCRIPTION, Attr.DECISION, Attr.MODEL, Attr.VERSION)


def short_name(iri: str) -> str:
    """The last segment of an IRI, which people recognise (``discharge-0412``)."""
    for cut in ("#", "/", ":"):
        head, _, tail = iri.rstrip(cut).rpartition(cut)
        if head and tail:
            return tail
    return iri


@dataclass(frozen=True, slots=True)
class ViewNode:
    id: str
    kind: str
    types: tuple[str, ...]
    label: str
    time: str | None
    depth: int
    attributes: dict[str, Any]

    @property
    def type_name(self) -> str:
        """The most telling type: RAIDT's before PROV's, else the PROV kind."""
        named = [t for t in self.types if t.startswith(RAIDT)] or list(self.types)
        return short_name(named[0]) if named else self.kind


@dataclass(slots=True)
class LineageView:
    """What a lineage picture shows."""

    focus: str
    nodes: dict[str, ViewNode] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "focus": self.focus,
            "nodes": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "type": n.type_name,
                    "types": list(n.types),
                    "label": n.label,
                    "time": n.time,
                    "depth": n.depth,
                    "attributes": n.attributes,
                }
                for n in self.nodes.values()
            ],
            "relations": [
                {"kind": r.kind, "source": r.src, "target": r.dst, "id": r.id}
                for r in self.relations
            ],
        }


def _time(node: Node) -> datetime | None:
    return (
        as_datetime(node.first(PROV + "startTime"))
        or as_datetime(node.first(Attr.CREATED_AT))
        or as_datetime(node.first(PROV + "endTime"))
    )


def _label(node: Node) -> str:
    texts = [node.text(attr) for attr in _LABELS]
    detail = next((t for t in texts if t), None)
    name = short_name(node.id)
    return f"{name}\n{detail}" if detail and detail != name else name


def _view_node(node: Node, depth: int) -> ViewNode:
    attributes: dict[str, Any] = {}
    for name, value in node.attributes:
        if name != Attr.TYPE:
            attributes.setdefault(name, []).append(value)
    kind = next((k for k in ("activity", "entity", "agent") if k in node.kinds), "entity")
    when = _time(node)
    return ViewNode(
        node.id,
        kind,
        tuple(sorted(node.types)),
        _label(node),
        when.isoformat() if when else None,
        depth,
        {k: v[0] if len(v) == 1 else v for k, v in attributes.items()},
    )


def lineage_view(store: Store, node_id: str, *, depth: int = 6, as_of: AsOf = None) -> LineageView:
    """The lineage around a node: ``depth`` relations upstream over lineage, downstream over what
    depended on it, and the people and models associated with the activities found.

    Raises
    ------
    NotFound
        When the store holds no such node.
    """
    at = moment(store, as_of)
    focus = require_node(store, node_id, at)
    start = [focus.id]
    if Type.RUN in focus.types:
        made = store.traverse(start, ["wasGeneratedBy"], Direction.DOWN, 1, as_of=at.as_of)
        start = list(made.depths)
    up = store.traverse(start, LINEAGE, Direction.UP, depth, as_of=at.as_of)
    down = store.traverse(start, _FOLLOWED, Direction.DOWN, depth, as_of=at.as_of)
    depths = {**down.depths, **up.depths}
    activities = list(depths)
    people = store.traverse(activities, _AROUND[:2], Direction.UP, 1, as_of=at.as_of)
    found = store.nodes([a for a in people.depths if a not in depths], as_of=at.as_of)
    humans = [i for i, n in found.items() if n.types & _ANSWERABLE]
    chains = store.traverse(
        humans, ["actedOnBehalfOf"], Direction.UP, _CHAIN, as_of=at.as_of, without_activity=True
    )
    for agent in [*people.depths, *chains.depths]:
        depths.setdefault(agent, depth + 1)
    nodes = store.nodes(depths, as_of=at.as_of)
    view = LineageView(focus.id)
    view.nodes = {i: _view_node(n, depths[i]) for i, n in nodes.items() if n.kinds}
    drawn = [k for k in RELATION_KINDS if k != "actedOnBehalfOf"]
    view.relations = store.relations_between(view.nodes, kinds=drawn, as_of=at.as_of)
    view.relations += chains.relations
    return view
