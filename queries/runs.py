"""Listing runs and describing nodes: what a person looks at first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterable
from datetime import UTC, datetime
from typing import Any, get_args

from provenance.errors import InvalidRecord, NotFound
from provenance.graph import Attributes, Json, Node, Relation, as_datetime, as_iri, as_text
from provenance.records import Sector
from provenance.stores.base import Direction, Store, resolve_stored
from provenance.vocabulary import PROV, RELATION_KINDS, Attr, Role, Type
from queries.context import parse_time, require_agent

__all__ = ["SECTORS", "describe_node", "grouped", "list_runs", "node_summary"]

SECTORS: tuple[str, ...] = get_args(Sector)
"""The sectors a run record may give; a PROV document may give any other."""


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


def _when(value: str | datetime | None) -> datetime | None:
    return parse_time(value) if isinstance(value, str) else value


def _instant(run: Node) -> str:
    """When a run started, as UTC text that sorts by time whatever zone it was recorded in."""
    start = as_datetime(run.first(PROV + "startTime"))
    return start.astimezone(UTC).isoformat(timespec="microseconds") if start else ""


def _initiators(relations: Iterable[Relation], runs: Container[str]) -> dict[str, tuple[str, str]]:
    """Who started each run, with the template version they ran (``""`` for none): of several
    agents in the initiator's role, the smallest id, then version, whatever order a store lists
    them in; the facts that scores judge pick by the same rule."""
    started: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for relation in relations:
        run_id, agent = relation.src, relation.dst
        if relation.kind != "wasAssociatedWith" or not (run_id in runs and run_id and agent):
            continue
        if as_iri(relation.first(Attr.ROLE)) == Role.INITIATOR:
            started[run_id].append((agent, as_iri(relation.first(PROV + "plan")) or ""))
    return {run_id: min(pairs) for run_id, pairs in started.items()}


def _require_sector(sector: str, runs: Iterable[Node]) -> None:
    """A sector filter must name a sector a run may be recorded in, or one a stored run carries
    (a PROV document may give any): a typo would otherwise read as "no runs there".

    Raises
    ------
    InvalidRecord
        Naming the sectors there are, when it is none of them.
    """
    if sector in SECTORS or any(run.text(Attr.SECTOR) == sector for run in runs):
        return
    raise InvalidRecord(
        f"sector {sector!r} is not one of: {', '.join(SECTORS)}, nor one a stored run has"
    )


def _require_template(store: Store, template: str, plans: Iterable[str]) -> None:
    """A template filter must name a template version (a version a run ran, or a stored one)
    or a template its versions name (a template is not a node of its own); a typo would
    otherwise read as "no run used it".

    Raises
    ------
    InvalidRecord
        When the node is stored, but is not a template version.
    NotFound
        When nothing names it.
    """
    found = store.nodes([template]).get(template)
    if found is not None and found.kinds and Type.PROMPT_TEMPLATE not in found.types:
        raise InvalidRecord(f"{template} is not a template version (a raidt:PromptTemplate)")
    if found is not None or template in set(plans):
        return
    versions = store.nodes(store.ids_of_type(Type.PROMPT_TEMPLATE)).values()
    if not any(as_iri(version.first(Attr.TEMPLATE)) == template for version in versions):
        raise NotFound(f"no template or template version {template} in {store.url}")


def list_runs(
    store: Store,
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    sector: str | None = None,
    person: str | None = None,
    template: str | None = None,
    ids: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Every run, oldest first, with its task, sector, risk level, initiator and outputs; keyword
    filters narrow the list (the command line and the HTTP service share them).

    Parameters
    ----------
    store : Store
        The store to read.
    since, until : str or datetime, optional
        Only runs that started at or after ``since`` and at or before ``until`` (ISO times with
        a time zone).
    sector : str, optional
        Only runs in this sector: one of :data:`SECTORS` (``healthcare``, ``finance`` …), or
        one a stored run has.
    person : str, optional
        Only runs this agent initiated: an IRI or a prefixed name of an agent the store holds.
    template : str, optional
        Only runs that used this template version, or any version of this template: an IRI or a
        prefixed name.
    ids : iterable of str, optional
        Only these runs (full IRIs); ids that are not runs are left out.

    Returns
    -------
    list of dict
        One summary per run, with the keys ``id``, ``started_at``, ``task``, ``sector``,
        ``risk_level``, ``initiator`` and ``outputs``.

    Raises
    ------
    NotFound
        When the store holds no such person, template or template version.
    InvalidRecord
        When a time is not an ISO time with a time zone, a name is neither an IRI nor a known
        prefixed name, the sector is neither one of :data:`SECTORS` nor a stored run's, or a
        person or template names a node of another kind.

    Examples
    --------
    >>> [r["id"] for r in list_runs(demo_store, sector="finance")]
    ['https://bank.example/runs/credit-memo-2026-0317']
    >>> len(list_runs(demo_store, since="2026-04-01T00:00:00+00:00"))
    2
    """
    after, before = _when(since), _when(until)
    initiator = require_agent(store, person) if person else None
    wanted_template = resolve_stored(store, template) if template else None
    if ids is None:
        run_ids = store.ids_of_type(Type.RUN)
        runs = store.nodes(run_ids)
    else:
        runs = {i: n for i, n in store.nodes(ids).items() if Type.RUN in n.types}
        run_ids = list(runs)
    outputs: dict[str, list[str]] = {run_id: [] for run_id in run_ids}
    near = store.traverse(run_ids, ["wasAssociatedWith", "wasGeneratedBy"], Direction.BOTH, 1)
    for relation in near.relations:
        if relation.kind == "wasGeneratedBy" and relation.dst in outputs and relation.src:
            outputs[relation.dst].append(relation.src)
    started = _initiators(near.relations, runs)
    initiators = {run_id: agent for run_id, (agent, _) in started.items()}
    if sector is not None:
        _require_sector(sector, runs.values())
    plans = {run_id: plan for run_id, (_, plan) in started.items() if plan}
    if wanted_template:
        _require_template(store, wanted_template, plans.values())
    families = {
        version.id: version.first(Attr.TEMPLATE)
        for version in (store.nodes(set(plans.values())).values() if wanted_template else ())
    }

    def wanted(run: Node) -> bool:
        start = as_datetime(run.first(PROV + "startTime"))
        plan = plans.get(run.id)
        return (
            (after is None or (start is not None and start >= after))
            and (before is None or (start is not None and start <= before))
            and (sector is None or run.text(Attr.SECTOR) == sector)
            and (initiator is None or initiators.get(run.id) == initiator)
            and (
                wanted_template is None
                or (plan is not None and wanted_template in (plan, as_iri(families.get(plan))))
            )
        )

    chosen = sorted(
        (run for run in runs.values() if wanted(run)),
        key=lambda run: (_instant(run), run.id),
    )
    return [
        {
            "id": run.id,
            "started_at": as_text(run.first(PROV + "startTime")),
            "task": run.text(Attr.TASK),
            "sector": run.text(Attr.SECTOR),
            "risk_level": run.text(Attr.RISK_LEVEL),
            "initiator": initiators.get(run.id),
            "outputs": sorted(outputs[run.id]),
        }
        for run in chosen
    ]


def describe_node(store: Store, node_id: str) -> dict[str, Any]:
    """One node with every relation into and out of it.

    Raises
    ------
    NotFound
        When the store holds no node with that id.
    """
    full = resolve_stored(store, node_id)
    nodes = store.nodes([full])
    if full not in nodes:
        raise NotFound(f"no node {full} in {store.url}")
    near = store.traverse([full], RELATION_KINDS, Direction.BOTH, 1)
    summary = node_summary(nodes[full])
    summary["relations"] = _relations_of(full, [*near.relations, *store.loose_relations([full])])
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


def _relations_of(node_id: str, relations: Iterable[Relation]) -> list[dict[str, Any]]:
    """A node's relations as plain JSON: out before in, then by kind, the node at the other end,
    id and attributes, whatever order a store lists them in."""

    def other(relation: Relation) -> str | None:
        return relation.dst if relation.src == node_id else relation.src

    ordered = sorted(
        relations,
        key=lambda r: (r.src != node_id, r.kind, other(r) or "", r.id or "", r.attributes_json),
    )
    return [
        {
            "kind": r.kind,
            "direction": "out" if r.src == node_id else "in",
            "other": other(r),
            "id": r.id,
            "attributes": grouped(r.attributes),
        }
        for r in ordered
    ]
