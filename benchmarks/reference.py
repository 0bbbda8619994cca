"""Trace, impact and authority answered again from the generated records alone, to check stores.

The records are mapped to PROV as ``raidt record`` maps them and kept in a plain networkx graph, in
memory: no store and no code of ``queries`` is involved (only its limits and the lists of a
trace's answer), so what a store lost at ingest, or a question got wrong, shows as a difference.
Each question is restated from the rules its docstring gives, and its answer reduced to what
those rules decide:

- trace: the ids in ``runs``, ``reviews``, ``activities``, ``inputs``, ``outputs``, ``prompts``,
  ``prompt_templates``, ``model_configs``, ``models`` and ``approvals``, and each person's id with
  their roles;
- impact: each dependant's id with its depth;
- authority: the action's context, what it rests on, the approvals of that, and each holder's
  agent, basis, ``via`` and valid flag.

Not compared: the fields of each item beyond those (labels, times, hashes, an approval's decision
and the output it names, a review's revision), impact's grouping of dependants by type, the order
of any list, and a holder's path and the wording of its problems. Where several delegation chains
lead to one person, only whether a valid one exists is compared, not which chain is given.
Questions asked ``as_of`` an earlier time, or authority judged ``at`` another moment, are not
restated; nor is ``score``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

import networkx as nx

from provenance.graph import Node, NodeKind, Relation, as_datetime, as_iri, as_text
from provenance.mapping import to_fragment
from provenance.records import RECORD_ADAPTER
from provenance.vocabulary import PROV, RAIDT, Attr, Role, Type
from queries.authority import MAX_CHAIN
from queries.lineage import MAX_DEPTH, TRACE_LISTS

LINEAGE = (
    "wasGeneratedBy",
    "used",
    "wasInformedBy",
    "wasDerivedFrom",
    "wasRevisionOf",
    "wasQuotedFrom",
    "hadPrimarySource",
)
"""What a thing was made from: trace follows these up (an informant activity among them)."""
IMPACT = (*LINEAGE, "wasAssociatedWith", "wasAttributedTo")
"""What depends on a thing: impact follows these down."""
DERIVATIONS = ("wasDerivedFrom", "wasRevisionOf", "wasQuotedFrom", "hadPrimarySource")
"""What an output was derived from: the outputs an action rests on."""
MAKERS = ("wasGeneratedBy", "wasRevisionOf")
"""From an output to the run that made it, through revisions: the work it belongs to."""
CONTEXT = (("task", Attr.TASK), ("workflow", Attr.WORKFLOW), ("sector", Attr.SECTOR))
APPROVING = {"approved", "approved-with-edits"}

Comparable = dict[str, Counter[Any]]
"""An answer reduced to what is compared: every part a multiset of hashable items."""


class Reference:
    """The PROV graph of a list of records, and the three questions answered over it."""

    def __init__(self, records: Iterable[dict[str, Any]]) -> None:
        self.graph = nx.MultiDiGraph()
        descriptions: dict[str, dict[str, tuple[NodeKind, Any]]] = defaultdict(dict)
        for data in records:
            fragment = to_fragment(RECORD_ADAPTER.validate_python(data))
            for element in fragment.elements:
                descriptions[element.id][element.canonical] = (element.kind, element.attributes)
            for relation in fragment.relations:
                self.graph.add_edge(relation.src, relation.dst, relation.canonical, rel=relation)
        self.nodes = {i: Node.merge(i, d.values()) for i, d in descriptions.items()}
        self._views: dict[tuple[str, ...], nx.DiGraph] = {}

    def along(self, kinds: tuple[str, ...]) -> nx.DiGraph:
        """The relations of these kinds, from the thing to what it depends on."""
        if kinds not in self._views:
            view = nx.DiGraph()
            view.add_nodes_from(self.graph)
            view.add_edges_from(
                (u, v) for u, v, r in self.graph.edges(data="rel") if r.kind in kinds
            )
            self._views[kinds] = view
        return self._views[kinds]

    def node(self, node_id: str) -> Node:
        """A node as described, or with no kinds when records only point to it."""
        return self.nodes.get(node_id) or Node(node_id, frozenset())

    def out(self, node_id: str, kind: str) -> list[Relation]:
        return [r for _, _, r in self.graph.out_edges(node_id, data="rel") if r.kind == kind]

    def into(self, node_id: str, kind: str) -> list[Relation]:
        return [r for _, _, r in self.graph.in_edges(node_id, data="rel") if r.kind == kind]

    def trace(self, output: str) -> Comparable:
        """Everything upstream of an output by lineage relations, and by the plan of each
        association of an activity on the path that the path does not reach otherwise, sorted
        into the trace's lists; the reviews and approvals of every output and template version
        on the path; and the people associated with any of those activities, by role, models
        apart."""
        depths = self._upstream(output)
        found: dict[str, set[str]] = defaultdict(set)
        for node_id, depth in depths.items():
            generated = depth < MAX_DEPTH and bool(self.out(node_id, "wasGeneratedBy"))
            place = _placed(self.node(node_id), generated)
            if place:
                found[place].add(node_id)
        path = {i for i in depths if "activity" in self.node(i).kinds}
        for decision in self._decisions_beside(depths, path):
            found["reviews" if Type.REVIEW in self.node(decision).types else "approvals"].add(
                decision
            )
        roles: dict[str, set[str]] = defaultdict(set)
        for activity in path | found["reviews"] | found["approvals"]:
            for association in self.out(activity, "wasAssociatedWith"):
                role = as_iri(association.first(Attr.ROLE))
                if role == Role.GENERATOR:
                    found["models"].add(association.dst or "")
                else:
                    roles[association.dst or ""].add(_role_name(role))
        for approval in found["approvals"]:
            for association in self.out(approval, "wasAssociatedWith"):
                if claimed := as_iri(association.first(Attr.ON_BEHALF_OF)):
                    roles[claimed].add("responsible")
        found["models"] &= set(self.nodes)
        compared: Comparable = {key: Counter(found[key]) for key in TRACE_KEYS}
        compared["people"] = Counter((agent, frozenset(r)) for agent, r in roles.items())
        return compared

    def _upstream(self, output: str) -> dict[str, int]:
        """What lies upstream of an output: over lineage relations, then from each plan off the
        path, one relation beyond its activity, until no plan is left off it."""
        depths = _depths(self.along(LINEAGE), output, MAX_DEPTH)
        while plans := self._plans_off(depths):
            found: dict[str, int] = {}
            for plan, depth in plans.items():
                for node_id, far in _depths(self.along(LINEAGE), plan, MAX_DEPTH - depth).items():
                    found[node_id] = min(found.get(node_id, depth + far), depth + far)
            depths.update((i, d) for i, d in found.items() if i not in depths)
        return depths

    def _plans_off(self, depths: dict[str, int]) -> dict[str, int]:
        """The plans of activities on the path that it does not hold, with their depth."""
        found: dict[str, int] = {}
        for activity, depth in depths.items():
            if depth >= MAX_DEPTH:
                continue
            for association in self.out(activity, "wasAssociatedWith"):
                plan = as_iri(association.first(PROV + "plan"))
                if plan and plan not in depths:
                    found[plan] = min(found.get(plan, depth + 1), depth + 1)
        return found

    def _decisions_beside(self, depths: dict[str, int], path: set[str]) -> set[str]:
        """The reviews and approvals, off the path, that used an output or template on it."""
        decided = [i for i in depths if self.node(i).types & {Type.OUTPUT, Type.PROMPT_TEMPLATE}]
        users = {r.src for entity in decided for r in self.into(entity, "used") if r.src}
        return {
            user
            for user in users - path
            if Type.RUN not in self.node(user).types
            and self.node(user).types & {Type.REVIEW, Type.APPROVAL}
        }

    def impact(self, start: str) -> Comparable:
        """Everything downstream of a node by impact relations, with its depth; and, two steps
        further, what depends on each activity someone did claiming to act for it."""
        down = self.along(IMPACT).reverse(copy=False)
        depths = _depths(down, start, MAX_DEPTH)
        claims = {as_iri(r.first(PROV + "activity")) for r in self.into(start, "actedOnBehalfOf")}
        for activity in sorted(a for a in claims if a):
            for node_id, depth in _depths(down, activity, MAX_DEPTH - 2).items():
                depths[node_id] = min(depth + 2, depths.get(node_id, depth + 2))
        depths.pop(start)
        return {"dependants": Counter(depths.items())}

    def authority(self, action: str) -> Comparable:
        """The executors, the approvers of any output the action used or one it derives from,
        and everyone above them by standing delegations."""
        acted = _started(self.node(action))
        assert acted is not None
        used = sorted({r.dst for r in self.out(action, "used") if r.dst})
        rests_on = set(_reach(self.along(DERIVATIONS), used, MAX_DEPTH))
        approvals = self._approvals(rests_on)
        holders = [
            *self._executors(action, used),
            *self._approvers(approvals, used, rests_on, acted),
        ]
        above = [h for origin in holders for h in self._delegates_above(origin, acted)]
        context = _merged([self.context(o) for o in used])
        return {
            "context": Counter((k, tuple(v)) for k, v in context.items()),
            "rests_on": Counter(rests_on),
            "approvals": Counter(list(approvals)),
            "holders": Counter(h[:4] for h in [*holders, *above]),
        }

    def _approvals(self, outputs: set[str]) -> dict[str, str]:
        """Each approval of these outputs, with the output it decided on."""
        found: dict[str, str] = {}
        for output in sorted(outputs):
            for usage in self.into(output, "used"):
                if usage.src and Type.APPROVAL in self.node(usage.src).types:
                    found.setdefault(usage.src, output)
        return found

    def _executors(self, action: str, used: list[str]) -> list[_Origin]:
        """Who executed the action: authority over the work of every output it used."""
        context = _merged([self.context(o) for o in used])
        return [
            (r.dst or "", "executor", None, True, context, as_iri(r.first(Attr.ON_BEHALF_OF)))
            for r in self.out(action, "wasAssociatedWith")
            if as_iri(r.first(Attr.ROLE)) == Role.EXECUTOR
        ]

    def _approvers(
        self, approvals: dict[str, str], used: list[str], outputs: set[str], acted: datetime
    ) -> list[_Origin]:
        """Who approved an output the action rests on, before it: valid unless the approval was
        withdrawn before the action (its decision invalidated), the output was invalidated after
        the approval, or every line of descent from the action to it passes an output whose
        invalidation still stood when the action took place."""
        withdrawn = {a for a in approvals if self._withdrawn(a, acted)}
        standing = {o for o in outputs if self._standing(o, approvals, withdrawn, acted)}
        clear = _reach(self.along(DERIVATIONS), used, MAX_DEPTH, stop=standing)
        found: list[_Origin] = []
        for approval, output in sorted(approvals.items()):
            node = self.node(approval)
            decided = _started(node)
            if node.text(Attr.DECISION) not in APPROVING or (decided and decided > acted):
                continue
            later = [
                when
                for when in self._invalidations(output, acted)
                if when is None or decided is None or when >= decided
            ]
            valid = not later and output in clear and approval not in withdrawn
            for r in self.out(approval, "wasAssociatedWith"):
                if as_iri(r.first(Attr.ROLE)) == Role.APPROVER and r.dst:
                    claimed = as_iri(r.first(Attr.ON_BEHALF_OF))
                    found.append((r.dst, "approver", output, valid, self.context(output), claimed))
        return found

    def _invalidations(self, entity: str, acted: datetime) -> list[datetime | None]:
        """When the entity was invalidated, at or before the action."""
        times = [as_datetime(r.first(PROV + "time")) for r in self.out(entity, "wasInvalidatedBy")]
        return [t for t in times if t is None or t <= acted]

    def _withdrawn(self, approval: str, acted: datetime) -> bool:
        """Whether a decision the approval generated was invalidated at or before the action."""
        made = [r.src for r in self.into(approval, "wasGeneratedBy") if r.src]
        return any(self._invalidations(decision, acted) for decision in made)

    def _standing(
        self, output: str, approvals: dict[str, str], withdrawn: set[str], acted: datetime
    ) -> bool:
        """Whether an invalidation of the output still stood at the action: no approval that
        was not withdrawn by then approved it again, later and before the action."""
        approved = [
            when
            for approval, subject in approvals.items()
            if subject == output
            and approval not in withdrawn
            and self.node(approval).text(Attr.DECISION) in APPROVING
            and (when := _started(self.node(approval))) is not None
            and when <= acted
        ]
        return any(
            when is None or not any(later > when for later in approved)
            for when in self._invalidations(output, acted)
        )

    def context(self, output: str) -> dict[str, list[str]]:
        """The task, workflow and sector of the runs that made an output, through revisions."""
        makers = _reach(self.along(MAKERS), [output], MAX_DEPTH)
        runs = [self.node(i) for i in makers if Type.RUN in self.node(i).types]
        return {
            key: sorted({value for run in runs if (value := run.text(attr))})
            for key, attr in CONTEXT
        }

    def _delegates_above(self, origin: _Origin, acted: datetime) -> list[_Origin]:
        """Everyone within ``MAX_CHAIN`` standing delegations above a direct holder: valid when
        the holder is and a chain of delegations all valid at the action, for the holder's work,
        leads there; and whom the holder claimed to act for, if no chain leads there."""
        agent, _, _, valid, context, claimed = origin
        chains = self._standing_delegations()
        if agent not in chains:
            chains.add_node(agent)
        reached = nx.single_source_shortest_path_length(chains, agent, cutoff=MAX_CHAIN)
        good = nx.subgraph_view(
            chains,
            filter_edge=lambda u, v, k: _delegation_valid(chains[u][v][k]["rel"], acted, context),
        )
        valid_reached = nx.single_source_shortest_path_length(good, agent, cutoff=MAX_CHAIN)
        found: list[_Origin] = [
            (person, "delegation", agent, valid and person in valid_reached, context, None)
            for person in reached
            if person != agent
        ]
        if claimed and claimed not in reached:
            found.append((claimed, "claimed delegation", agent, False, context, None))
        return found

    def _standing_delegations(self) -> nx.MultiDiGraph:
        """The delegations that stand for any activity (no ``prov:activity``): claims made for
        one decision are not links of a chain."""
        if ("standing",) not in self._views:
            chains = nx.MultiDiGraph()
            chains.add_edges_from(
                (u, v, {"rel": r})
                for u, v, r in self.graph.edges(data="rel")
                if r.kind == "actedOnBehalfOf" and r.first(PROV + "activity") is None
            )
            self._views[("standing",)] = chains
        return self._views[("standing",)]


_Origin = tuple[str, str, str | None, bool, dict[str, list[str]], str | None]
"""A holder: agent, basis, via, valid, the work its delegations must cover, whom it claimed."""

TRACE_KEYS = tuple(key for key in TRACE_LISTS if key != "people")
"""The lists of a trace compared by their ids; people are compared with their roles."""


def _placed(node: Node, generated: bool) -> str | None:
    """The trace list a node on the path goes in; ``None`` for one only pointed to."""
    if "activity" in node.kinds:
        kinds = ((Type.RUN, "runs"), (Type.REVIEW, "reviews"), (Type.APPROVAL, "approvals"))
        return next((key for t, key in kinds if t in node.types), "activities")
    for kind, key in (
        (Type.PROMPT_TEMPLATE, "prompt_templates"),
        (Type.PROMPT, "prompts"),
        (Type.MODEL_CONFIG, "model_configs"),
    ):
        if kind in node.types:
            return key
    if "entity" not in node.kinds:
        return None
    return "outputs" if Type.OUTPUT in node.types or generated else "inputs"


def _role_name(role: str | None) -> str:
    return role.removeprefix(RAIDT) if role else "participant"


def _depths(graph: nx.DiGraph, start: str, cutoff: int) -> dict[str, int]:
    if start not in graph:
        return {start: 0}
    return dict(nx.single_source_shortest_path_length(graph, start, cutoff=cutoff))


def _reach(
    graph: nx.DiGraph, starts: Iterable[str], cutoff: int, stop: Collection[str] = ()
) -> dict[str, int]:
    """The nodes within ``cutoff`` steps of any start, with their distance; nodes in ``stop`` are
    reached but not gone past."""
    found = dict.fromkeys(starts, 0)
    frontier = list(found)
    while frontier and found[frontier[0]] < cutoff:
        upper = []
        for node in frontier:
            if node in stop or node not in graph:
                continue
            for far in graph.successors(node):
                if far not in found:
                    found[far] = found[node] + 1
                    upper.append(far)
        frontier = upper
    return found


def _started(node: Node) -> datetime | None:
    return as_datetime(node.first(PROV + "startTime"))


def _merged(contexts: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    return {key: sorted({v for c in contexts for v in c.get(key, [])}) for key, _ in CONTEXT}


def _delegation_valid(relation: Relation, when: datetime, context: dict[str, list[str]]) -> bool:
    """Inside its validity window at ``when``, and with a scope ('*', or none, covers all) that
    names the task, workflow or sector of the work."""
    valid_from = as_datetime(relation.first(Attr.VALID_FROM))
    valid_to = as_datetime(relation.first(Attr.VALID_TO))
    if (valid_from and when < valid_from) or (valid_to and when > valid_to):
        return False
    scopes = {(as_text(v) or "").lower() for k, v in relation.attributes if k == Attr.SCOPE}
    covered = {v.lower() for values in context.values() for v in values}
    return not scopes or "*" in scopes or bool(scopes & covered)


def traced(answer: dict[str, Any]) -> Comparable:
    compared = {key: Counter(item["id"] for item in answer[key]) for key in TRACE_KEYS}
    compared["people"] = Counter((p["id"], frozenset(p["roles"])) for p in answer["people"])
    return compared


def impacted(answer: dict[str, Any]) -> Comparable:
    items = (item for value in answer.values() if isinstance(value, list) for item in value)
    return {"dependants": Counter((item["id"], item["depth"]) for item in items)}


def authorised(answer: dict[str, Any]) -> Comparable:
    return {
        "context": Counter((k, tuple(v)) for k, v in answer["context"].items()),
        "rests_on": Counter(answer["rests_on"]),
        "approvals": Counter(answer["approvals"]),
        "holders": Counter(
            (h["agent"], h["basis"], h["via"], h["valid"]) for h in answer["holders"]
        ),
    }


CHECKED: dict[str, tuple[Callable[[Reference, str], Comparable], Callable[..., Comparable]]] = {
    "trace": (Reference.trace, traced),
    "impact": (Reference.impact, impacted),
    "authority": (Reference.authority, authorised),
}
"""For each question checked: the reference's answer, and the store's answer reduced alike."""


def difference(expected: Comparable, found: Comparable) -> str | None:
    """What the store's answer misses and adds, part by part; ``None`` when they agree."""
    parts = []
    for key in sorted(expected.keys() | found.keys()):
        missing = expected.get(key, Counter()) - found.get(key, Counter())
        extra = found.get(key, Counter()) - expected.get(key, Counter())
        if missing or extra:
            parts.append(
                f"{key}: missing {_few(missing)}, extra {_few(extra)} "
                f"(reference {sum(expected.get(key, Counter()).values())}, "
                f"store {sum(found.get(key, Counter()).values())})"
            )
    return "; ".join(parts) or None


def _few(items: Counter[Any]) -> str:
    shown = sorted(map(repr, items.elements()))
    return "[" + ", ".join(shown[:3]) + (", …" if len(shown) > 3 else "") + "]"


def first_mismatch(
    reference: Reference, name: str, targets: list[str], answers: list[dict[str, Any]]
) -> str | None:
    """How the first answer that differs from the reference's differs, with its target."""
    ask, reduce = CHECKED[name]
    for target, answer in zip(targets, answers, strict=True):
        if differs := difference(ask(reference, target), reduce(answer)):
            return f"{name} of {target}: {differs}"
    return None
