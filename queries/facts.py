"""The governance facts around one run, gathered in a few batched store calls.

Scores and weak-point reports judge these facts; gathering them once keeps each check a plain
function of data, and keeps the cost of scoring a run to a fixed number of store round trips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from provenance.errors import InvalidRecord
from provenance.graph import Node, Relation, as_iri
from provenance.stores.base import Direction, Store
from provenance.vocabulary import Attr, Role, Type
from queries.context import (
    NOW,
    Association,
    Moment,
    associations,
    by_src,
    ended,
    require_node,
    started,
)

__all__ = ["Event", "RunFacts", "gather"]

_DEPTH = 50
_CUSTODY = (
    "wasGeneratedBy",
    "wasAttributedTo",
    "wasDerivedFrom",
    "wasRevisionOf",
    "wasInvalidatedBy",
)


@dataclass(frozen=True, slots=True)
class Event:
    """An activity that happened around the run: a review, approval, action …"""

    node: Node
    time: datetime | None
    people: tuple[Association, ...]
    subject: str | None
    informed_by: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.node.id

    def agents(self, role: str) -> list[str]:
        return [a.agent for a in self.people if a.role == role]


@dataclass(slots=True)
class RunFacts:
    """What the graph says about one run and everything done with its outputs."""

    run: Node
    initiator: Association | None
    initiator_node: Node | None
    model: str | None
    template: Node | None
    prompt: Node | None
    config: Node | None
    inputs: list[Node]
    outputs: list[Node]
    revisions: list[Node]
    custody: dict[str, list[Relation]]
    reviews: list[Event] = field(default_factory=list)
    approvals: list[Event] = field(default_factory=list)
    template_approvals: list[Event] = field(default_factory=list)
    actions: list[Event] = field(default_factory=list)
    escalations: list[Event] = field(default_factory=list)
    overrides: list[Event] = field(default_factory=list)
    challenges: list[Event] = field(default_factory=list)
    upstream_runs: list[str] = field(default_factory=list)
    at: Moment = field(default_factory=Moment)

    @property
    def products(self) -> list[Node]:
        """The run's outputs and every revision of them."""
        return [*self.outputs, *self.revisions]

    @property
    def context(self) -> dict[str, list[str]]:
        """What a delegation's scope must cover to authorise work on this run."""
        return {
            key: [value] if (value := self.run.text(attr)) else []
            for key, attr in (
                ("task", Attr.TASK),
                ("workflow", Attr.WORKFLOW),
                ("sector", Attr.SECTOR),
            )
        }


_EVENT_KINDS = (
    (Type.REVIEW, "reviews"),
    (Type.APPROVAL, "approvals"),
    (Type.ACTION, "actions"),
    (Type.ESCALATION, "escalations"),
    (Type.OVERRIDE, "overrides"),
    (Type.CHALLENGE, "challenges"),
)


def gather(store: Store, run_id: str, at: Moment = NOW) -> RunFacts:
    """The facts around a run.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not a run.
    """
    run = require_node(store, run_id, at)
    if Type.RUN not in run.types:
        raise InvalidRecord(f"{run.id} is not a run (a raidt:Run activity)")
    near = store.traverse([run.id], ["used", "wasAssociatedWith"], Direction.UP, 1, as_of=at.as_of)
    made = store.traverse(
        [run.id], ["wasGeneratedBy", "wasInformedBy"], Direction.DOWN, 1, as_of=at.as_of
    )
    outputs = sorted({r.src for r in made.relations if r.kind == "wasGeneratedBy" and r.src})
    informed = {r.src for r in made.relations if r.kind == "wasInformedBy" and r.src}
    revised = store.traverse(outputs, ["wasRevisionOf"], Direction.DOWN, _DEPTH, as_of=at.as_of)
    products = sorted(revised.depths)
    custody = store.traverse(products, _CUSTODY, Direction.UP, 1, as_of=at.as_of)
    users = store.traverse(products, ["used"], Direction.DOWN, 1, as_of=at.as_of)
    subjects = {r.src: r.dst for r in users.relations if r.src and r.dst}

    people = [a for assoc in associations(store, [run.id], at).values() for a in assoc]
    initiator = next((a for a in people if a.role == Role.INITIATOR), None)
    model = next((a.agent for a in people if a.role == Role.GENERATOR), None)
    used = {as_iri(r.first(Attr.ROLE)): r.dst for r in near.relations if r.kind == "used"}
    inputs = sorted(
        r.dst
        for r in near.relations
        if r.kind == "used" and r.dst and as_iri(r.first(Attr.ROLE)) == Role.INPUT
    )
    template_id = initiator.plan if initiator else None
    template_users = store.traverse(
        [template_id] if template_id else [], ["used"], Direction.DOWN, 1, as_of=at.as_of
    )
    on_template = {r.src for r in template_users.relations if r.src and r.src not in subjects}

    users_of = store.nodes([*subjects, *on_template], as_of=at.as_of)
    governance = {i for i in subjects if i in users_of and Type.RUN not in users_of[i].types}
    template_approvals = {
        i for i in on_template if i in users_of and Type.APPROVAL in users_of[i].types
    }
    subjects.update((i, template_id) for i in template_approvals if template_id)
    first_events = {*governance, *informed}
    follow_ups = store.traverse(
        first_events, ["wasInformedBy"], Direction.DOWN, _DEPTH, as_of=at.as_of
    )
    event_ids = {*first_events, *follow_ups.depths, *template_approvals}
    informing = store.traverse(event_ids, ["wasInformedBy"], Direction.UP, 1, as_of=at.as_of)
    informed_by = by_src(informing.relations, {"wasInformedBy"})
    wanted = {
        *products,
        *inputs,
        *event_ids,
        *(i for i in (template_id, used.get(Role.PROMPT), used.get(Role.CONFIGURATION)) if i),
        *((initiator.agent,) if initiator else ()),
    }
    nodes = store.nodes(wanted, as_of=at.as_of)
    people_of = associations(store, [i for i in event_ids if i in nodes], at)
    upstream = [i for i in inputs if i in nodes and Type.OUTPUT in nodes[i].types]
    makers = store.traverse(
        upstream, ["wasGeneratedBy", "wasRevisionOf"], Direction.UP, _DEPTH, as_of=at.as_of
    )
    upstream_runs = sorted(
        i for i, n in store.nodes(makers.depths, as_of=at.as_of).items() if Type.RUN in n.types
    )

    def pick(node_id: str | None) -> Node | None:
        return nodes.get(node_id) if node_id else None

    facts = RunFacts(
        run=run,
        initiator=initiator,
        initiator_node=pick(initiator.agent if initiator else None),
        model=model,
        template=pick(template_id),
        prompt=pick(used.get(Role.PROMPT)),
        config=pick(used.get(Role.CONFIGURATION)),
        inputs=[nodes[i] for i in inputs if i in nodes],
        outputs=[nodes[i] for i in outputs if i in nodes],
        revisions=[nodes[i] for i in products if i in nodes and i not in outputs],
        custody=by_src(custody.relations, _CUSTODY),
        upstream_runs=upstream_runs,
        at=at,
    )
    for event_id in sorted(event_ids):
        node = nodes.get(event_id)
        if node is None:
            continue
        event = Event(
            node,
            started(node) if Type.REVIEW not in node.types else ended(node),
            tuple(people_of.get(event_id, ())),
            subjects.get(event_id),
            tuple(sorted(r.dst for r in informed_by.get(event_id, []) if r.dst)),
        )
        group = next((g for t, g in _EVENT_KINDS if t in node.types), None)
        if group == "actions" and event.subject is None:
            continue  # it cites a decision about this run but acted on another run's output
        if group == "approvals" and template_id and event.subject == template_id:
            facts.template_approvals.append(event)
        elif group:
            getattr(facts, group).append(event)
    return facts
