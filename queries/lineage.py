"""Where an output came from (``trace``) and what depended on a node (``impact``).

Both are breadth-first traversals over the store contract, bounded in depth and safe on cycles,
followed by a handful of batched look-ups for the people, approvals and reviews around the path.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provenance.errors import InvalidRecord
from provenance.graph import Node, Relation, as_iri, as_text
from provenance.stores.base import Direction, Store
from provenance.vocabulary import PROV, RAIDT, Attr, Role, Type
from queries.context import (
    EARLIEST,
    LINEAGE,
    AsOf,
    Association,
    Moment,
    Withdrawal,
    associations,
    by_src,
    claims,
    ended,
    in_time_order,
    made_by,
    moment,
    require_node,
    started,
    used_by,
    withdrawals,
)

__all__ = [
    "IMPACT",
    "MAX_DEPTH",
    "TRACE_LISTS",
    "impact",
    "role_name",
    "time_text",
    "trace",
    "trace_ids",
]

MAX_DEPTH = 200
"""How far a question follows a lineage: deeper than any real chain of runs, and a bound on bad
input."""

IMPACT = (*LINEAGE, "wasAssociatedWith", "wasAttributedTo")
"""Relations followed backwards to find what depends on a node."""

_IMPACT_GROUPS = (
    (Type.RUN, "runs"),
    (Type.REVIEW, "reviews"),
    (Type.APPROVAL, "approvals"),
    (Type.DECISION, "decisions"),
    (Type.ESCALATION, "escalations"),
    (Type.OVERRIDE, "overrides"),
    (Type.ACTION, "actions"),
    (Type.CHALLENGE, "challenges"),
    (Type.OUTPUT, "outputs"),
    (Type.PROMPT, "prompts"),
    (Type.PROMPT_TEMPLATE, "prompt_templates"),
)


_DECIDED = frozenset({Type.OUTPUT, Type.PROMPT_TEMPLATE})
"""What reviews and approvals decide on; inputs, prompts and configurations are used by every run
that shares them, so looking for decisions there would read half the store."""


TRACE_LISTS = (
    "runs",
    "reviews",
    "activities",
    "inputs",
    "outputs",
    "prompts",
    "prompt_templates",
    "model_configs",
    "models",
    "people",
    "approvals",
)
"""The lists in a trace answer, each of items with an ``id``."""


def trace_ids(answer: dict[str, Any]) -> set[str]:
    """Every node a trace answer names."""
    return {answer["output"], *(item["id"] for key in TRACE_LISTS for item in answer[key])}


def role_name(role: str | None) -> str:
    """``raidt:approver`` as ``approver``; other roles by their full IRI."""
    if role is None:
        return "participant"
    return role.removeprefix(RAIDT)


def time_text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _output(
    node: Node,
    depth: int,
    generated: dict[str, list[Relation]],
    revised: dict[str, list[Relation]],
) -> dict[str, Any]:
    return {
        **_entity(node, depth),
        "generated_by": sorted(r.dst for r in generated.get(node.id, []) if r.dst),
        "revision_of": sorted(r.dst for r in revised.get(node.id, []) if r.dst),
    }


def _entity(node: Node, depth: int) -> dict[str, Any]:
    return {
        "id": node.id,
        "types": sorted(node.types),
        "content_hash": node.text(Attr.CONTENT_HASH),
        "location": as_iri(node.first(Attr.LOCATION)),
        "label": node.text(Attr.LABEL),
        "depth": depth,
    }


def _run(
    node: Node,
    depth: int,
    people: list[Association],
    used: list[Relation],
    generated: list[str],
) -> dict[str, Any]:
    by_role: dict[str, Association] = {}
    for association in people:  # the first in each role, as associations orders them
        by_role.setdefault(role_name(association.role), association)
    uses: dict[str, str | None] = {}
    for relation in sorted(used, key=lambda r: r.dst or ""):  # the smallest id in each role
        uses.setdefault(role_name(as_iri(relation.first(Attr.ROLE))), relation.dst)
    initiator = by_role.get("initiator")
    return {
        "id": node.id,
        "task": node.text(Attr.TASK),
        "purpose": node.text(Attr.PURPOSE),
        "sector": node.text(Attr.SECTOR),
        "risk_level": node.text(Attr.RISK_LEVEL),
        "workflow": node.text(Attr.WORKFLOW),
        "started_at": time_text(started(node)),
        "ended_at": time_text(ended(node)),
        "depth": depth,
        "initiator": initiator.agent if initiator else None,
        "template": initiator.plan if initiator else None,
        "model": by_role["generator"].agent if "generator" in by_role else None,
        "model_config": uses.get("configuration"),
        "prompt": uses.get("prompt"),
        "inputs": sorted(r.dst for r in used if as_iri(r.first(Attr.ROLE)) == Role.INPUT and r.dst),
        "outputs": sorted(generated),
    }


def _attached(
    store: Store, entities: list[str], exclude: set[str], at: Moment
) -> tuple[dict[str, Node], dict[str, str]]:
    """The reviews and approvals of entities on the path, each with the entity it decided on:
    the smallest id, if it used several on the path, whatever order a store lists them in."""
    subject: dict[str, str] = {}
    for entity, activities in sorted(used_by(store, entities, at, ignore_runs=True).items()):
        for activity in activities:
            if activity not in exclude:
                subject.setdefault(activity, entity)
    found = store.nodes(subject, as_of=at.as_of)
    kept = {i: n for i, n in found.items() if n.types & {Type.REVIEW, Type.APPROVAL}}
    return kept, subject


def _approval(
    node: Node, subject: str, people: list[Association], withdrawn: list[dict[str, Any]]
) -> dict[str, Any]:
    approver = next((a.agent for a in people if a.role == Role.APPROVER), None)
    return {
        "id": node.id,
        "decision": node.text(Attr.DECISION),
        "approver": approver,
        "output": subject,
        "time": time_text(started(node)),
        "rationale": node.text(Attr.RATIONALE),
        "withdrawn": withdrawn,
    }


def _made_beside(store: Store, activities: list[str], at: Moment) -> dict[str, list[str]]:
    """What reviews and approvals made: a reviewer may have revised an output into a version that
    went nowhere, and the trace should still say so; an approval's decision may have been
    withdrawn since."""
    made = store.traverse(activities, ["wasGeneratedBy"], Direction.DOWN, 1, as_of=at.as_of)
    return made_by(made.relations)


def _withdrawal(withdrawal: Withdrawal) -> dict[str, Any]:
    """A withdrawal as a trace lists it under its approval."""
    return {"by": withdrawal.by, "time": time_text(withdrawal.time)}


def _review(
    node: Node, subject: str, people: list[Association], revisions: list[str]
) -> dict[str, Any]:
    reviewer = next((a.agent for a in people if a.role == Role.REVIEWER), None)
    return {
        "id": node.id,
        "reviewer": reviewer,
        "output": subject,
        "time": time_text(ended(node)),
        "revision": revisions[0] if revisions else None,
        "comment": node.text(Attr.COMMENT),
    }


def _people(store: Store, roles: dict[str, set[str]], at: Moment) -> list[dict[str, Any]]:
    agents = store.nodes(roles, as_of=at.as_of)
    return [
        {
            "id": agent,
            "name": agents[agent].text(Attr.LABEL) if agent in agents else None,
            "types": sorted(agents[agent].types) if agent in agents else [],
            "roles": sorted(roles[agent]),
        }
        for agent in sorted(roles)
    ]


@dataclass(slots=True)
class _Path:
    """What a trace walked: each node upstream with its depth, the relations followed (each
    once), the nodes, who took part in each activity, and the reviews and approvals beside the
    path with the entity each decided on."""

    depths: dict[str, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    people_of: dict[str, list[Association]] = field(default_factory=dict)
    attached: dict[str, Node] = field(default_factory=dict)
    subject: dict[str, str] = field(default_factory=dict)


def _walk(store: Store, start: str, at: Moment, max_depth: int) -> _Path:
    """Everything upstream of ``start`` over the lineage relations, with the people around it
    and the reviews and approvals beside it; then each plan an agent on it followed that the walk
    did not reach (a template version a run names with no rendered prompt derived from it), one
    relation beyond its activity, and what lies upstream of that. PROV states a plan on the
    association, which no traversal follows, so only a plan off the path costs a walk of its own.
    """
    up = store.traverse([start], LINEAGE, Direction.UP, max_depth, as_of=at.as_of)
    path = _Path(relations=list(up.relations))
    _take(store, path, up.depths, at)
    while plans := _plans_off_the_path(path, max_depth):
        found: dict[str, int] = {}
        held = {r.canonical for r in path.relations}
        for depth, group in sorted(plans.items()):
            beyond = store.traverse(group, LINEAGE, Direction.UP, max_depth - depth, as_of=at.as_of)
            for relation in beyond.relations:
                if relation.canonical not in held:
                    held.add(relation.canonical)
                    path.relations.append(relation)
            for node_id, steps_on in [*((p, 0) for p in group), *beyond.depths.items()]:
                found[node_id] = min(found.get(node_id, depth + steps_on), depth + steps_on)
        _take(store, path, found, at)
    path.attached = {a: n for a, n in path.attached.items() if a not in path.depths}
    return path


def _take(store: Store, path: _Path, depths: dict[str, int], at: Moment) -> None:
    """Add to the path the nodes a walk reached that it did not hold, with the people taking
    part in its activities and the reviews and approvals of its outputs and template versions."""
    new = {i: d for i, d in depths.items() if i not in path.depths}
    path.depths.update(new)
    found = store.nodes(new, as_of=at.as_of)
    path.nodes.update(found)
    on_path = {i for i, n in path.nodes.items() if "activity" in n.kinds}
    decided = [i for i, n in found.items() if n.types & _DECIDED]
    attached, subject = _attached(store, decided, on_path, at) if decided else ({}, {})
    path.attached.update(attached)
    for activity, entity in subject.items():
        path.subject.setdefault(activity, entity)
    taking_part = [*(i for i in found if i in on_path), *attached]
    if taking_part:
        path.people_of.update(associations(store, taking_part, at))


def _plans_off_the_path(path: _Path, max_depth: int) -> dict[int, list[str]]:
    """The plans agents of activities on the path followed that the path does not hold, by
    depth: one relation beyond the nearest activity naming each."""
    placed: dict[str, int] = {}
    for activity, people in path.people_of.items():
        depth = path.depths.get(activity)
        if depth is None or depth >= max_depth:
            continue
        for association in people:
            if association.plan and association.plan not in path.depths:
                placed[association.plan] = min(placed.get(association.plan, depth + 1), depth + 1)
    grouped: dict[int, list[str]] = defaultdict(list)
    for plan, depth in sorted(placed.items()):
        grouped[depth].append(plan)
    return grouped


def trace(
    store: Store, output: str, *, as_of: AsOf = None, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """Where an output came from: every upstream run, input, prompt, template version, model
    configuration and model, every person with their role on that path, and the review and
    approval decisions on each output on it.

    Upstream is what the lineage relations lead to (generation, use, derivation, and the
    activity another was informed by, whose results it used), and the plan each agent on the
    path followed: a template version a run names only as its initiator's plan is on it too.

    Parameters
    ----------
    store : Store
        The store to ask.
    output : str
        The output's IRI or prefixed name.
    as_of : str or datetime, optional
        Answer from the records written up to this time only.
    max_depth : int
        How many relations to follow at most.

    Returns
    -------
    dict
        With the keys ``output``, ``as_of``, ``runs``, ``reviews``, ``activities`` (any other
        activity on the path, such as one a PROV document brought), ``inputs``, ``outputs``,
        ``prompts``, ``prompt_templates``, ``model_configs``, ``models``, ``people`` (each with
        ``id`` and ``roles``; whom an approver claimed to act for is ``responsible``, the claim
        read as :func:`~queries.authority.authority` reads it) and ``approvals`` (each with
        ``id``, ``decision``, ``approver``, ``output``, ``time`` and ``withdrawn``: each
        invalidation of the decision it made, with the activity that withdrew it, ``by``, and
        ``time``). A run's ``outputs`` are those on this lineage. ``depth_limit_reached``
        says the walk went as deep as ``max_depth``, so that more may lie beyond it.

    Raises
    ------
    NotFound
        When the store holds no such node (as of that time).
    InvalidRecord
        When the node is not an entity (a run, a person).

    Examples
    --------
    >>> answer = trace(demo_store, "https://hospital.example/outputs/discharge-0412/summary-rev1")
    >>> [run["id"] for run in answer["runs"]]
    ['https://hospital.example/runs/discharge-0412']
    >>> sorted({p["id"].rsplit("/", 1)[1]: p["roles"] for p in answer["people"]}.items())[:2]
    [('dr-amara-okafor', ['approver']), ('dr-henrik-lund', ['responsible'])]
    """
    at = moment(store, as_of)
    start = require_node(store, output, at)
    if "entity" not in start.kinds:
        raise InvalidRecord(f"{start.id} is not an output or other entity, so it has no lineage")
    path = _walk(store, start.id, at, max_depth)
    relations = path.relations
    generated, revised = (by_src(relations, {k}) for k in ("wasGeneratedBy", "wasRevisionOf"))
    made = made_by(relations)
    used = by_src(relations, {"used"})
    roles, models = _taking_part(path.people_of)
    plans = {a.plan for people in path.people_of.values() for a in people if a.plan}
    reviews = [a for a, n in path.attached.items() if Type.REVIEW in n.types]
    approvals = [i for i, n in {**path.nodes, **path.attached}.items() if Type.APPROVAL in n.types]
    beside = _made_beside(store, [*reviews, *approvals], at) if reviews or approvals else {}
    decisions = {d: a for a in approvals for d in beside.get(a, [])}
    withdrawn = {
        a: [_withdrawal(w) for w in found] for a, found in withdrawals(store, decisions, at).items()
    }
    answer: dict[str, Any] = {
        "output": start.id,
        "as_of": at.time,
        "depth_limit_reached": _at_the_limit(path.depths, max_depth),
        **{key: [] for key in TRACE_LISTS},
    }
    for node_id in sorted(path.nodes, key=lambda i: (path.depths[i], i)):
        node, depth = path.nodes[node_id], path.depths[node_id]
        placed = (
            _path_activity(
                node,
                depth,
                path.people_of[node_id],
                used.get(node_id, []),
                made.get(node_id, []),
                withdrawn.get(node_id, []),
            )
            if "activity" in node.kinds
            else _path_entity(node, depth, node_id in plans, generated, revised)
        )
        if placed is not None:
            answer[placed[0]].append(placed[1])
    for activity_id in sorted(
        path.attached, key=lambda a: (started(path.attached[a]) or EARLIEST, a)
    ):
        node, people = path.attached[activity_id], path.people_of[activity_id]
        if Type.APPROVAL in node.types:
            answer["approvals"].append(
                _approval(node, path.subject[activity_id], people, withdrawn.get(activity_id, []))
            )
        elif Type.REVIEW in node.types:
            answer["reviews"].append(
                _review(node, path.subject[activity_id], people, beside.get(activity_id, []))
            )
    answer["reviews"] = _unique(answer["reviews"])
    answer["approvals"] = sorted(answer["approvals"], key=in_time_order)
    for claimed in _claims(store, path.people_of, approvals, at).values():
        for person in claimed:
            roles[person].add("responsible")
    answer["people"] = _people(store, roles, at)
    model_nodes = store.nodes(models, as_of=at.as_of)
    answer["models"] = [_model(model_nodes[m]) for m in sorted(model_nodes)]
    return answer


def _claims(
    store: Store, people_of: dict[str, list[Association]], approvals: list[str], at: Moment
) -> dict[tuple[str, str], tuple[str, ...]]:
    """Whom the agents of the approvals on a trace claimed to act for, as authority reads it:
    the record's ``raidt:onBehalfOf``, and PROV's ``actedOnBehalfOf`` bound to an approval a
    PROV document brought (one with no record of its own)."""
    if not approvals:
        return {}
    own = store.record_times(approvals)
    brought = {a for a in approvals if a not in own}
    return claims(store, {a: people_of[a] for a in approvals}, brought, at)


def _taking_part(
    people_of: dict[str, list[Association]],
) -> tuple[defaultdict[str, set[str]], set[str]]:
    """Each person's roles in the activities of a trace, and the models that generated."""
    roles: defaultdict[str, set[str]] = defaultdict(set)
    models: set[str] = set()
    for people in people_of.values():
        for association in people:
            if association.role == Role.GENERATOR:
                models.add(association.agent)
            else:
                roles[association.agent].add(role_name(association.role))
    return roles, models


def _path_activity(
    node: Node,
    depth: int,
    people: list[Association],
    used: list[Relation],
    made: list[str],
    withdrawn: list[dict[str, Any]],
) -> tuple[str, dict[str, Any]]:
    """Which list of a trace an activity on the path goes in, and as what; a review or approval
    decided on what it used (the smallest id, if it used several)."""
    if Type.RUN in node.types:
        return "runs", _run(node, depth, people, used, made)
    target = min((r.dst for r in used if r.dst), default="")
    if Type.REVIEW in node.types:
        return "reviews", _review(node, target, people, made)
    if Type.APPROVAL in node.types:
        # on the path itself: what is traced was made by the decision (its decision entity)
        return "approvals", _approval(node, target, people, withdrawn)
    return "activities", _activity(node, depth, made)


def _path_entity(
    node: Node,
    depth: int,
    used_as_plan: bool,
    generated: dict[str, list[Relation]],
    revised: dict[str, list[Relation]],
) -> tuple[str, dict[str, Any]] | None:
    """Which list of a trace an entity on the path goes in, and as what; ``None`` for a node
    only referenced, never described."""
    if Type.PROMPT_TEMPLATE in node.types:
        template = {
            **_entity(node, depth),
            "template": as_iri(node.first(Attr.TEMPLATE)),
            "version": node.text(Attr.VERSION),
            "used": used_as_plan,
        }
        return "prompt_templates", template
    if Type.PROMPT in node.types:
        return "prompts", _entity(node, depth)
    if Type.MODEL_CONFIG in node.types:
        return "model_configs", _config(node, depth)
    if "entity" not in node.kinds:
        return None
    if Type.OUTPUT in node.types or node.id in generated:
        return "outputs", _output(node, depth, generated, revised)
    return "inputs", {**_entity(node, depth), "kind": node.text(Attr.INPUT_KIND)}


def _activity(node: Node, depth: int, generated: list[str]) -> dict[str, Any]:
    """An activity on the path that is neither a run nor a review: one a PROV document brought,
    an action or an escalation that made something."""
    return {
        "id": node.id,
        "types": sorted(node.types),
        "label": node.text(Attr.LABEL),
        "started_at": time_text(started(node)),
        "ended_at": time_text(ended(node)),
        "depth": depth,
        "outputs": sorted(generated),
    }


def _at_the_limit(depths: dict[str, int], max_depth: int) -> bool:
    """Whether the walk reached ``max_depth``: there may be more beyond it, left out."""
    return any(depth >= max_depth for depth in depths.values())


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in items:
        seen.setdefault(item["id"], item)
    return list(seen.values())


def _config(node: Node, depth: int) -> dict[str, Any]:
    return {
        "id": node.id,
        "provider": node.text(Attr.PROVIDER),
        "model": node.text(Attr.MODEL),
        "version": node.text(Attr.MODEL_VERSION),
        "parameters": node.text(Attr.PARAMETERS),
        "tools": sorted(as_text(v) or "" for v in node.values(Attr.TOOL)),
        "depth": depth,
    }


def _model(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "provider": node.text(Attr.PROVIDER),
        "model": node.text(Attr.MODEL),
        "version": node.text(Attr.MODEL_VERSION),
    }


def impact(
    store: Store, node: str, *, as_of: AsOf = None, max_depth: int = MAX_DEPTH
) -> dict[str, Any]:
    """Everything downstream of a node: the runs, outputs, revisions, reviews, decisions and
    actions that depend on an input, a template version, a model configuration or a person —
    a person's including what others did in their name (an approval given on their behalf).
    A template version's runs are found through the prompts rendered from it: PROV states a plan
    on the association, which no traversal follows back from the plan.

    Parameters
    ----------
    store : Store
        The store to ask.
    node : str
        The IRI or prefixed name of the node that turned out to be wrong.
    as_of : str or datetime, optional
        Answer from the records written up to this time only.
    max_depth : int
        How many relations to follow at most.

    Returns
    -------
    dict
        ``node``, ``count`` and one list per kind of dependant (``runs``, ``outputs``,
        ``reviews``, ``approvals``, ``decisions``, ``escalations``, ``overrides``, ``actions``,
        ``challenges``, ``prompts``, ``prompt_templates``, ``other``), each item with its ``id``
        and ``depth`` (how many relations away it is); ``depth_limit_reached`` when the walk
        went as deep as ``max_depth`` and more may lie beyond.

    Raises
    ------
    NotFound
        When the store holds no such node.

    Examples
    --------
    >>> hit = impact(demo_store, "https://hospital.example/lab/reports/lr-88213")
    >>> [a["id"].rsplit("/", 1)[1] for a in hit["actions"]]
    ['discharge-0412-ehr-entry', 'gp-referral-0412-sent']
    """
    at = moment(store, as_of)
    start = require_node(store, node, at, referenced=True)
    down = store.traverse([start.id], IMPACT, Direction.DOWN, max_depth, as_of=at.as_of)
    depths = dict(down.depths)
    for node_id, depth in _done_in_the_name_of(store, start.id, max_depth, at).items():
        depths[node_id] = min(depth, depths.get(node_id, depth))
    reached = store.nodes([i for i in depths if i != start.id], as_of=at.as_of)
    answer: dict[str, Any] = {
        "node": start.id,
        "as_of": at.time,
        "count": len(reached),
        "depth_limit_reached": _at_the_limit(depths, max_depth),
    }
    answer.update({group: [] for _, group in _IMPACT_GROUPS})
    answer["other"] = []
    for node_id in sorted(reached, key=lambda i: (depths[i], i)):
        found = reached[node_id]
        group = next((g for t, g in _IMPACT_GROUPS if t in found.types), "other")
        answer[group].append(
            {"id": node_id, "depth": depths[node_id], "types": sorted(found.types)}
        )
    return answer


def _done_in_the_name_of(store: Store, agent: str, max_depth: int, at: Moment) -> dict[str, int]:
    """What depends on an agent because someone acted on their behalf for one activity (an
    approval given in their name), with its depth: the activity is two relations away, through
    the agent who acted. Only that activity counts, not everything else the one who acted did."""
    if max_depth < 2:
        return {}
    claims = store.traverse([agent], ["actedOnBehalfOf"], Direction.DOWN, 1, as_of=at.as_of)
    activities = {
        activity
        for relation in claims.relations
        if relation.dst == agent and (activity := as_iri(relation.first(PROV + "activity")))
    }
    if not activities:
        return {}
    further = store.traverse(activities, IMPACT, Direction.DOWN, max_depth - 2, as_of=at.as_of)
    return {node_id: depth + 2 for node_id, depth in further.depths.items()}
