"""The governance facts around one run, gathered in a few batched store calls.

Scores and weak-point reports judge these facts; gathering them once keeps each check a plain
function of data, and keeps the cost of scoring a run to a fixed number of store round trips.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from provenance.graph import Node, Relation, as_datetime, as_iri
from provenance.stores.base import Direction, Store, Traversal
from provenance.vocabulary import PROV, Attr, Role, Type
from queries.context import (
    NOW,
    Association,
    Moment,
    Withdrawal,
    association_order,
    associations,
    by_src,
    claims,
    ended,
    made_by,
    reach,
    records_of,
    require_node,
    run_node,
    started,
    steps,
    withdrawals,
)

__all__ = ["Event", "RunFacts", "gather", "gather_many"]

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
    withdrawn: tuple[Withdrawal, ...] = ()
    """An approval's withdrawals (its decision invalidated), in time order."""
    claims: tuple[tuple[str, str], ...] = ()
    """Each agent with whom they claimed to act for in it, as authority reads claims."""

    @property
    def id(self) -> str:
        return self.node.id

    def agents(self, role: str) -> list[str]:
        return [a.agent for a in self.people if a.role == role]

    def acting_for(self, agent: str) -> tuple[str, ...]:
        """Whom ``agent`` claimed to act for in this event."""
        return tuple(person for who, person in self.claims if who == agent)


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
    """The earlier runs whose outputs the run took (or outputs they revise), and the runs it was
    informed by (``wasInformedBy``): its upstream, as a trace follows it."""
    at: Moment = field(default_factory=Moment)
    inputs_made: dict[str, datetime] = field(default_factory=dict)
    """When each input that an earlier run (or a review's revision) made was generated."""
    inputs_invalidated: dict[str, list[datetime | None]] = field(default_factory=dict)
    """When each earlier output the run took as input was invalidated (rejected or recalled), if
    ever: ``None`` for an invalidation of no recorded time."""
    recorded: dict[str, str] = field(default_factory=dict)
    """When the run's record and those of the approvals and actions around it were written: an
    approval recorded after the run, or after an action, though dated before it, was not there
    when the run used the template it approved, or when the action rested on it."""
    persons: frozenset[str] = frozenset()
    """The agents of the events around the run that are people, and nothing else: software (a
    model that reviews) or an organisation is no second pair of eyes."""

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


_AGENT_KINDS = frozenset({Type.PERSON, Type.ORGANIZATION, Type.SOFTWARE_AGENT})
"""The kinds of agent: one described as a person and as another kind is not surely a person."""

_ON_RECORD = frozenset({Type.APPROVAL, Type.ACTION})
"""The events whose records' times the checks compare: an approval written up after what rests
on it (an action, a run on the template it approved) counts for nothing."""

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
    return gather_many(store, [run], at)[run.id]


def gather_many(store: Store, runs: Iterable[Node], at: Moment = NOW) -> dict[str, RunFacts]:
    """The facts around each of many runs, from the same dozen store calls that one run takes:
    judging every run in a store one at a time spent most of its time on the calls themselves.

    Raises
    ------
    InvalidRecord
        When a node is not a run.
    """
    chosen = {run.id: run_node(run) for run in runs}
    ids = list(chosen)
    near = _grouped(
        store.traverse(
            ids, ["used", "wasAssociatedWith", "wasInformedBy"], Direction.UP, 1, as_of=at.as_of
        ),
        "src",
    )
    made = _grouped(
        store.traverse(ids, ["wasGeneratedBy", "wasInformedBy"], Direction.DOWN, 1, as_of=at.as_of),
        "dst",
    )
    people = associations(store, ids, at)
    outputs = {
        i: sorted({r.src for r in made[i] if r.kind == "wasGeneratedBy" and r.src}) for i in ids
    }
    products = _products(store, outputs, at)
    custody = _grouped(
        store.traverse(_union(products), _CUSTODY, Direction.UP, 1, as_of=at.as_of), "src"
    )
    initiators = {i: _initiator(people[i]) for i in ids}
    templates = {i: a.plan for i, a in initiators.items() if a and a.plan}
    informed = {i: {r.src for r in made[i] if r.kind == "wasInformedBy" and r.src} for i in ids}
    events, made_by_events = _events(store, products, informed, templates, at)
    informing = _grouped(
        store.traverse(_union(events), ["wasInformedBy"], Direction.UP, 1, as_of=at.as_of), "src"
    )
    used = {i: [r for r in near[i] if r.kind == "used" and r.dst] for i in ids}
    informants = {i: {r.dst for r in near[i] if r.kind == "wasInformedBy" and r.dst} for i in ids}
    inputs = {
        i: sorted(r.dst for r in used[i] if r.dst and as_iri(r.first(Attr.ROLE)) == Role.INPUT)
        for i in ids
    }
    nodes = store.nodes(
        {
            *_union(products),
            *_union(inputs),
            *_union(events),
            *templates.values(),
            *(r.dst for i in ids for r in used[i] if r.dst),
            *_union(informants),
            *(a.agent for a in initiators.values() if a),
        },
        as_of=at.as_of,
    )
    people_of = associations(store, [e for e in _union(events) if e in nodes], at)
    agents = store.nodes({a.agent for found in people_of.values() for a in found}, as_of=at.as_of)
    on_record = {e for e in _union(events) if e in nodes and nodes[e].types & _ON_RECORD}
    recorded, brought = records_of(store, sorted({*ids, *on_record}))
    approvals = [e for e in _union(events) if e in nodes and Type.APPROVAL in nodes[e].types]
    decisions = {d: a for a in approvals for d in made_by_events.get(a, [])}
    withdrawn = withdrawals(store, decisions, at)
    claimed = _by_activity(claims(store, people_of, brought, at))
    persons = frozenset(i for i, n in agents.items() if n.types & _AGENT_KINDS == {Type.PERSON})
    earlier = {
        i: [u for u in inputs[i] if u in nodes and Type.OUTPUT in nodes[u].types] for i in ids
    }
    upstream, made_at = _upstream_runs(store, earlier, at)
    invalidated = _invalidated(store, _union(earlier), at)
    return {
        i: _facts(
            chosen[i],
            people[i],
            nodes,
            outputs=outputs[i],
            products=products[i],
            inputs=inputs[i],
            used={as_iri(r.first(Attr.ROLE)): r.dst for r in used[i]},
            custody=[r for p in products[i] for r in custody[p]],
            events={e: (subject, informing[e]) for e, subject in events[i].items()},
            template_id=templates.get(i),
            people_of=people_of,
            upstream_runs=sorted(
                {
                    *upstream[i],
                    *(r for r in informants[i] if r in nodes and Type.RUN in nodes[r].types),
                }
            ),
            at=at,
            inputs_made={u: made_at[u] for u in inputs[i] if u in made_at},
            inputs_invalidated={u: invalidated[u] for u in earlier[i] if u in invalidated},
            persons=persons,
            recorded=recorded,
            withdrawn=withdrawn,
            claimed=claimed,
        )
        for i in ids
    }


def _products(store: Store, outputs: dict[str, list[str]], at: Moment) -> dict[str, list[str]]:
    """Each run's outputs and every revision of them, sorted."""
    revised = steps(
        store.traverse(_union(outputs), ["wasRevisionOf"], Direction.DOWN, _DEPTH, as_of=at.as_of),
        Direction.DOWN,
    )
    return {i: sorted(reach(revised, made, _DEPTH)) for i, made in outputs.items()}


def _events(
    store: Store,
    products: dict[str, list[str]],
    informed: dict[str, set[str]],
    templates: dict[str, str],
    at: Moment,
) -> tuple[dict[str, dict[str, str | None]], dict[str, list[str]]]:
    """For each run, the activities around it, each with what it decided on: the decisions on
    its products (not the runs that took them as input), what the run informed, whatever those
    led to, and the approvals of its template version; and what each of those activities
    generated (an approval, its decision)."""
    users = _grouped(
        store.traverse(_union(products), ["used"], Direction.DOWN, 1, as_of=at.as_of), "dst"
    )
    subjects = {
        i: {r.src: r.dst for p in made for r in users[p] if r.src and r.dst}
        for i, made in products.items()
    }
    template_users = _grouped(
        store.traverse(
            set(templates.values()),
            ["used"],
            Direction.DOWN,
            1,
            as_of=at.as_of,
            without_types=[Type.RUN],
        ),
        "dst",
    )
    on_template = {
        i: {r.src for r in template_users[t] if r.src and r.src not in subjects[i]}
        for i, t in templates.items()
    }
    users_of = store.nodes({*_union(subjects), *_union(on_template)}, as_of=at.as_of)
    first = {
        i: {
            *(a for a in subjects[i] if a in users_of and Type.RUN not in users_of[a].types),
            *informed[i],
        }
        for i in products
    }
    template_approvals = {
        i: {a for a in found if a in users_of and Type.APPROVAL in users_of[a].types}
        for i, found in on_template.items()
    }
    # what the events made (an approval's decision) is read in the walk that finds them
    walk = store.traverse(
        [*_union(first), *_union(template_approvals)],
        ["wasInformedBy", "wasGeneratedBy"],
        Direction.DOWN,
        _DEPTH,
        as_of=at.as_of,
    )
    follow_ups = steps(
        Traversal(walk.depths, tuple(r for r in walk.relations if r.kind == "wasInformedBy")),
        Direction.DOWN,
    )
    found: dict[str, dict[str, str | None]] = {}
    for i, around in subjects.items():
        found[i] = {e: around.get(e) for e in reach(follow_ups, first[i], _DEPTH)}
        found[i].update((approval, templates[i]) for approval in template_approvals.get(i, ()))
    return found, made_by(walk.relations)


def _upstream_runs(
    store: Store, upstream: dict[str, list[str]], at: Moment
) -> tuple[dict[str, list[str]], dict[str, datetime]]:
    """For each run, the runs that made the earlier outputs it took as input (or the outputs
    they revise), sorted; and when each of those outputs was generated."""
    walk = store.traverse(
        _union(upstream),
        ["wasGeneratedBy", "wasRevisionOf"],
        Direction.UP,
        _DEPTH,
        as_of=at.as_of,
    )
    makers = steps(walk, Direction.UP)
    reached = {i: reach(makers, outputs, _DEPTH) for i, outputs in upstream.items()}
    found = store.nodes(_union(reached), as_of=at.as_of)
    made_at = {
        r.src: made
        for r in walk.relations
        if r.kind == "wasGeneratedBy" and r.src and (made := as_datetime(r.first(PROV + "time")))
    }
    runs = {
        i: sorted(r for r in nodes if r in found and Type.RUN in found[r].types)
        for i, nodes in reached.items()
    }
    return runs, made_at


def _invalidated(store: Store, entities: list[str], at: Moment) -> dict[str, list[datetime | None]]:
    """When each of ``entities`` was invalidated, those that ever were; the store is not asked
    when there are none (most runs take no earlier output)."""
    if not entities:
        return {}
    found: dict[str, list[datetime | None]] = defaultdict(list)
    walk = store.traverse(entities, ["wasInvalidatedBy"], Direction.UP, 1, as_of=at.as_of)
    for relation in walk.relations:
        if relation.src:
            found[relation.src].append(as_datetime(relation.first(PROV + "time")))
    return found


def _facts(
    run: Node,
    people: list[Association],
    nodes: dict[str, Node],
    *,
    outputs: list[str],
    products: list[str],
    inputs: list[str],
    used: dict[str | None, str | None],
    custody: list[Relation],
    events: dict[str, tuple[str | None, list[Relation]]],
    template_id: str | None,
    people_of: dict[str, list[Association]],
    upstream_runs: list[str],
    at: Moment,
    inputs_made: dict[str, datetime],
    inputs_invalidated: dict[str, list[datetime | None]],
    persons: frozenset[str],
    recorded: dict[str, str],
    withdrawn: dict[str, list[Withdrawal]],
    claimed: dict[str, tuple[tuple[str, str], ...]],
) -> RunFacts:
    """One run's facts from what was read for all: each event sorted into its kind."""
    initiator = _initiator(people)

    def pick(node_id: str | None) -> Node | None:
        return nodes.get(node_id) if node_id else None

    facts = RunFacts(
        run=run,
        initiator=initiator,
        initiator_node=pick(initiator.agent if initiator else None),
        model=min((a.agent for a in people if a.role == Role.GENERATOR), default=None),
        template=pick(template_id),
        prompt=pick(used.get(Role.PROMPT)),
        config=pick(used.get(Role.CONFIGURATION)),
        inputs=[nodes[i] for i in inputs if i in nodes],
        outputs=[nodes[i] for i in outputs if i in nodes],
        revisions=[nodes[i] for i in products if i in nodes and i not in outputs],
        custody=by_src(custody, _CUSTODY),
        upstream_runs=upstream_runs,
        at=at,
        inputs_made=inputs_made,
        inputs_invalidated=inputs_invalidated,
        persons=persons.intersection(a.agent for e in events for a in people_of.get(e, ())),
        recorded={i: time for i, time in recorded.items() if i == run.id or i in events},
    )
    for event_id in sorted(events):
        node = nodes.get(event_id)
        if node is None:
            continue
        subject, informed_by = events[event_id]
        event = Event(
            node,
            started(node) if Type.REVIEW not in node.types else ended(node),
            tuple(people_of.get(event_id, ())),
            subject,
            tuple(sorted(r.dst for r in informed_by if r.dst)),
            tuple(withdrawn.get(event_id, ())),
            claimed.get(event_id, ()),
        )
        group = next((g for t, g in _EVENT_KINDS if t in node.types), None)
        if group == "actions" and event.subject is None:
            continue  # it cites a decision about this run but acted on another run's output
        if group == "approvals" and template_id and event.subject == template_id:
            facts.template_approvals.append(event)
        elif group:
            getattr(facts, group).append(event)
    return facts


def _by_activity(
    claimed: dict[tuple[str, str], tuple[str, ...]],
) -> dict[str, tuple[tuple[str, str], ...]]:
    """Claims by activity: each agent with each person they claimed to act for in it."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (activity, agent), persons in sorted(claimed.items()):
        found[activity] += [(agent, person) for person in persons]
    return {activity: tuple(pairs) for activity, pairs in found.items()}


def _initiator(people: Iterable[Association]) -> Association | None:
    """Who started a run: of several agents in the initiator's role, the smallest id (then
    template version, then the association that gives a position), whatever order a store
    lists them in; ``list_runs`` picks the agent by the same rule, so that a run has one
    initiator in every answer."""
    return min((a for a in people if a.role == Role.INITIATOR), key=association_order, default=None)


def _union(groups: Mapping[str, Iterable[str]]) -> list[str]:
    """Every id in any group, each once, in a fixed order."""
    return sorted({member for group in groups.values() for member in group})


def _grouped(traversal: Traversal, end: str) -> defaultdict[str, list[Relation]]:
    """A one-step traversal's relations by the node they were reached from (``end``)."""
    found: defaultdict[str, list[Relation]] = defaultdict(list)
    for relation in traversal.relations:
        key = relation.src if end == "src" else relation.dst
        if key:
            found[key].append(relation)
    return found
