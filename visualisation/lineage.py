"""The neighbourhood of a node as a picture: what it came from, what followed it, who took part.

``lineage_view`` gathers the nodes and relations once, as plain data that every view draws: the
static SVG and PNG here, and the interactive page the service serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provenance.graph import Node, Relation, as_datetime, as_iri
from provenance.stores.base import Direction, Store
from provenance.vocabulary import PROV, RAIDT, RELATION_KINDS, Attr, Type
from queries.context import LINEAGE, AsOf, Moment, moment, require_node, used_by

__all__ = [
    "AGENT_ACTIVITIES",
    "KIND_STYLE",
    "LineageView",
    "ViewNode",
    "in_time",
    "lineage_view",
    "short_name",
]

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
_DECISIONS = frozenset({Type.REVIEW, Type.APPROVAL})
_OLDER_FIRST = frozenset({"wasInvalidatedBy"})
_CHAIN = 4
"""How far up delegation chains the people shown are followed: who stands behind them."""
_LABELS = (Attr.TASK, Attr.LABEL, Attr.DESCRIPTION, Attr.DECISION, Attr.MODEL, Attr.VERSION)
"""What a node is captioned by, the first it has: a run by its task, since the label a run
record gives it is its policy's name, the same for every run under that policy."""


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


_LABEL_LENGTH = 60
"""How much of a name or a detail a label shows: a task of pages would make a node of metres.
The whole text is in the node's attributes."""


def _label(node: Node) -> str:
    texts = [node.text(attr) for attr in _LABELS]
    detail = next((t for t in texts if t), None)
    name = short_name(node.id)
    shown = _shortened(name)
    return f"{shown}\n{_shortened(detail)}" if detail and detail != name else shown


def _shortened(text: str) -> str:
    return text if len(text) <= _LABEL_LENGTH else text[: _LABEL_LENGTH - 1] + "…"


def in_time(relation: Relation) -> tuple[str | None, str | None]:
    """A relation's ends, older first. PROV names the newer thing first (what was generated,
    the activity that used, what was derived), except an invalidation, whose activity came
    after the entity it ended."""
    if relation.kind in _OLDER_FIRST:
        return relation.src, relation.dst
    return relation.dst, relation.src


def _view_node(node: Node, depth: int, undescribed: str = "entity") -> ViewNode:
    """A node as drawn; one no record describes (only relations name it) as ``undescribed``."""
    attributes: dict[str, Any] = {}
    for name, value in node.attributes:
        if name != Attr.TYPE:
            attributes.setdefault(name, []).append(value)
    kind = next((k for k in ("activity", "entity", "agent") if k in node.kinds), undescribed)
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
    depended on it; the reviews and approvals of every entity drawn; and the people and models
    associated with the activities found, with whom they acted for.

    Around a person or a model, the lineage of the latest activities they took part in, as many
    as :data:`AGENT_ACTIVITIES`: a model may have run thousands of times.

    Raises
    ------
    NotFound
        When the store holds no such node.
    ValueError
        When ``depth`` is below 1.
    """
    if depth < 1:
        raise ValueError(f"a lineage is drawn to a depth of at least 1, not {depth}")
    at = moment(store, as_of)
    focus = require_node(store, node_id, at)
    start = _starts(store, focus, at)
    up = store.traverse(start, LINEAGE, Direction.UP, depth, as_of=at.as_of)
    down = store.traverse(start, LINEAGE, Direction.DOWN, depth, as_of=at.as_of)
    depths = {**down.depths, **up.depths}
    for decision, level in _decisions(store, depths, at).items():
        depths.setdefault(decision, level)
    people = store.traverse(list(depths), _AROUND[:2], Direction.UP, 1, as_of=at.as_of)
    claimed = {
        whom for r in people.relations if (whom := as_iri(r.first(Attr.ON_BEHALF_OF))) is not None
    }
    found = store.nodes([a for a in {*people.depths, *claimed} if a not in depths], as_of=at.as_of)
    humans = [i for i, n in found.items() if n.types & _ANSWERABLE]
    chains = store.traverse(
        humans, ["actedOnBehalfOf"], Direction.UP, _CHAIN, as_of=at.as_of, without_activity=True
    )
    for agent in [*people.depths, *sorted(claimed), *chains.depths]:
        depths.setdefault(agent, depth + 1)
    nodes = store.nodes(depths, as_of=at.as_of)
    view = LineageView(focus.id)
    view.nodes = {
        i: _view_node(n, depths[i], "agent")
        for i, n in nodes.items()
        if n.kinds or i in claimed  # whom an approver acted for may be named and nothing more
    }
    drawn = [k for k in RELATION_KINDS if k != "actedOnBehalfOf"]
    view.relations = store.relations_between(view.nodes, kinds=drawn, as_of=at.as_of)
    view.relations += _delegations_drawn(store, view.nodes, at)
    return view


AGENT_ACTIVITIES = 50
"""How many of a person's or model's activities a picture around them starts from, latest
first."""


def _starts(store: Store, focus: Node, at: Moment) -> list[str]:
    """Where the walks start: a run's outputs, an agent's latest activities, else the node."""
    if Type.RUN in focus.types:
        made = store.traverse([focus.id], ["wasGeneratedBy"], Direction.DOWN, 1, as_of=at.as_of)
        return list(made.depths)
    if "agent" not in focus.kinds:
        return [focus.id]
    took_part = store.traverse([focus.id], _AROUND[:2], Direction.DOWN, 1, as_of=at.as_of)
    around = store.nodes([i for i in took_part.depths if i != focus.id], as_of=at.as_of)
    latest = sorted(around.values(), key=lambda n: ((t := _time(n)) is not None, t, n.id))
    return [focus.id, *(n.id for n in latest[-AGENT_ACTIVITIES:])]


def _decisions(store: Store, depths: dict[str, int], at: Moment) -> dict[str, int]:
    """The reviews and approvals of the entities found, each at its entity's depth, as trace
    lists them for every output and template version on a path."""
    deciders = used_by(store, depths, at, ignore_runs=True)
    candidates = {a: depths[e] for e, activities in deciders.items() for a in activities}
    found = store.nodes(candidates, as_of=at.as_of)
    return {i: candidates[i] for i, n in found.items() if n.types & _DECISIONS}


def _delegations_drawn(store: Store, nodes: dict[str, ViewNode], at: Moment) -> list[Relation]:
    """The delegations among the agents drawn: standing ones, and claims made for an activity
    drawn (an approver acting for someone, a model for whoever ran it). A person's claims for
    activities elsewhere, one per decision, are left out."""
    agents = [i for i, n in nodes.items() if n.kind == "agent"]
    between = store.relations_between(agents, kinds=["actedOnBehalfOf"], as_of=at.as_of)
    return [
        r
        for r in between
        if (activity := as_iri(r.first(PROV + "activity"))) is None or activity in nodes
    ]
