"""Who held authority over a downstream action, and the reverse: what a person was accountable for.

Authority comes from three places: executing the action, approving an output it used (or an output
that one derives from), and standing behind such a person in a chain of ``actedOnBehalfOf``
delegations. A delegation confers authority only inside its validity window and its scope, and
the scope must cover the work of the person it stands behind: the output they approved, or the
action they executed. An approval that claims to act for someone ("on behalf of") needs a chain
of recorded delegations from the approver to that person behind it. An approval withdrawn before
the action (its decision invalidated) confers no valid authority.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from heapq import heapify, heappop, heappush
from typing import Any

from provenance.errors import InvalidRecord
from provenance.graph import Node, Relation, as_datetime, as_text
from provenance.stores.base import Direction, Store
from provenance.vocabulary import PROV, Attr, Role, Type
from queries.context import (
    NOW,
    AsOf,
    Association,
    Moment,
    Withdrawal,
    associations,
    at_text,
    by_src,
    claims,
    moment,
    parse_time,
    reach,
    recorded_after,
    records_of,
    relation_recorded,
    require_agent,
    require_node,
    started,
    steps,
    used_by,
    when_recorded,
    withdrawals_in,
)
from queries.lineage import MAX_DEPTH, time_text

__all__ = ["DERIVATIONS", "MAX_CHAIN", "accountable", "authority", "delegations"]

DERIVATIONS = ("wasDerivedFrom", "wasRevisionOf", "wasQuotedFrom", "hadPrimarySource")
MAX_CHAIN = 10
"""The longest delegation chain followed; real chains are short, cyclic input must end."""

_APPROVING = {"approved", "approved-with-edits"}


@dataclass(slots=True)
class _Holder:
    agent: str
    basis: str
    via: str | None
    path: list[dict[str, Any]]
    problems: list[str] = field(default_factory=list)
    claimed: tuple[str, ...] = ()
    """Whom a direct holder said they acted for, on the activity that makes them a holder."""
    context: dict[str, list[str]] = field(default_factory=dict)
    """The work the delegations above a direct holder must cover: the task, workflow and sector
    of the output they approved, or of the action's outputs for the one who executed it."""
    activity: str | None = None
    """The decision that makes a direct holder one: the approval, or the action."""
    decided: str | None = None
    """When that decision was recorded: a delegation recorded only after it was not there to
    authorise it."""

    def as_dict(self, names: dict[str, str | None]) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "name": names.get(self.agent),
            "basis": self.basis,
            "via": self.via,
            "path": self.path,
            "valid": not self.problems,
            "problems": self.problems,
        }


def _step(relation: str, src: str, dst: str, **extra: Any) -> dict[str, Any]:
    return {"from": src, "relation": relation, "to": dst, **extra}


_CONTEXT_KEYS = (("task", Attr.TASK), ("workflow", Attr.WORKFLOW), ("sector", Attr.SECTOR))


def _contexts(store: Store, outputs: list[str], at: Moment) -> dict[str, dict[str, list[str]]]:
    """For each output, the task, workflow and sector of the run that made it (through the
    revisions it was made by)."""
    up = store.traverse(
        outputs, ["wasGeneratedBy", "wasRevisionOf"], Direction.UP, MAX_DEPTH, as_of=at.as_of
    )
    makers = {r.dst for r in up.relations if r.kind == "wasGeneratedBy" and r.dst}
    runs = {i: n for i, n in store.nodes(makers, as_of=at.as_of).items() if Type.RUN in n.types}
    leads = steps(up, Direction.UP)
    found = {}
    for output in outputs:
        made_by = [runs[i] for i in reach(leads, [output]) if i in runs]
        found[output] = {
            key: sorted({value for run in made_by if (value := run.text(attr))})
            for key, attr in _CONTEXT_KEYS
        }
    return found


def _merged(contexts: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    return {key: sorted({v for c in contexts for v in c.get(key, [])}) for key, _ in _CONTEXT_KEYS}


def _delegation_problems(
    relation: Relation, when: datetime, context: dict[str, list[str]]
) -> list[str]:
    """Why a delegation did not confer authority at ``when`` for this context (empty: it did)."""
    problems = []
    name = relation.id or f"{relation.src} for {relation.dst}"
    valid_from = as_datetime(relation.first(Attr.VALID_FROM))
    valid_to = as_datetime(relation.first(Attr.VALID_TO))
    if valid_from and when < valid_from:
        problems.append(f"delegation {name} starts {_utc(valid_from)}, after {_utc(when)}")
    if valid_to and when > valid_to:
        problems.append(f"delegation {name} expired {_utc(valid_to)}, before {_utc(when)}")
    if not _covers(relation, context):
        problems.append(
            f"delegation {name} covers {', '.join(sorted(_scopes(relation)))}, not "
            f"{', '.join(sorted(_work(context))) or 'this work'}"
        )
    return problems


def _utc(moment: datetime) -> str:
    """A time for a message that compares two: both in UTC, so that the earlier reads earlier
    (``12:00+05:00`` is before ``11:00Z``). A time without a zone is shown as given."""
    return (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat()


def _covers(relation: Relation, context: dict[str, list[str]]) -> bool:
    """Whether a delegation's scope takes in this work (its task, workflow or sector)."""
    scopes = _scopes(relation)
    return not scopes or "*" in scopes or bool(scopes & _work(context))


def _work(context: dict[str, list[str]]) -> set[str]:
    """The names a scope may give this work by: its task, workflow and sector, in lower case."""
    return {v.lower() for values in context.values() for v in values}


def _scopes(relation: Relation) -> set[str]:
    return {(as_text(v) or "").lower() for k, v in relation.attributes if k == Attr.SCOPE}


def _scoped_above(agent: str, general: dict[str, list[Relation]]) -> bool:
    """Whether a delegation above ``agent`` limits its scope: only then does the work they did
    need to be known."""
    seen, frontier = {agent}, [agent]
    while frontier:
        for relation in general[frontier.pop()]:
            scopes = _scopes(relation)
            if scopes and "*" not in scopes:
                return True
            if relation.dst and relation.dst not in seen:
                seen.add(relation.dst)
                frontier.append(relation.dst)
    return False


def _delegations_above(store: Store, agents: set[str], at: Moment) -> dict[str, list[Relation]]:
    """The recorded delegations above ``agents``, up to ``MAX_CHAIN`` links and one more, which
    tells whether a chain goes further than those followed, by delegate.

    A claim (an ``actedOnBehalfOf`` tied to one activity) holds for that activity alone and is
    read from its association, so the walk follows standing delegations only.
    """
    graph = store.traverse(
        agents,
        ["actedOnBehalfOf"],
        Direction.UP,
        MAX_CHAIN + 1,
        as_of=at.as_of,
        without_activity=True,
    )
    return by_src(graph.relations, {"actedOnBehalfOf"})


def _unbacked_claims(origin: _Holder, reached: set[str], cut: bool) -> list[_Holder]:
    """Whom a direct holder claimed to act for, when no chain of recorded delegations from
    them reaches that person; ``cut`` when the walk stopped at ``MAX_CHAIN`` links, so that a
    longer chain may exist."""
    return [_unbacked(origin, claimed, cut) for claimed in origin.claimed if claimed not in reached]


def _unbacked(origin: _Holder, claimed: str, cut: bool) -> _Holder:
    why = (
        f"{origin.agent} claimed to act for {claimed}, but no chain of at most {MAX_CHAIN} "
        "recorded delegations leads there"
        if cut
        else f"{origin.agent} claimed to act for {claimed}, but no delegation is recorded"
    )
    step = _step("actedOnBehalfOf", origin.agent, claimed, id=None, valid=False, problems=[why])
    return _Holder(
        claimed, "claimed delegation", origin.agent, [*origin.path, step], [*origin.problems, why]
    )


def _recorded(store: Store, general: dict[str, list[Relation]]) -> dict[str, str]:
    """When each delegation above the holders was recorded, by its canonical form: its own
    record's time, read for all at once, else (one a PROV document stated) that of the first
    record to state it."""
    relations = [r for found in general.values() for r in found]
    own = store.record_times(r.id for r in relations if r.id)
    times: dict[str, str] = {}
    for relation in relations:
        time = own.get(relation.id or "") or relation_recorded(store, relation)
        if time is not None:
            times[relation.canonical] = time
    return times


def _recorded_late(relation: Relation, origin: _Holder, recorded: dict[str, str]) -> list[str]:
    """A delegation recorded after the decision it would authorise: written up afterwards and
    dated back, it is not what the decision was taken under, whatever its validity window. Both
    are times records were written, which no record can set back."""
    written = recorded.get(relation.canonical)
    if origin.decided is None or written is None or written <= origin.decided:
        return []
    name = relation.id or f"{relation.src} for {relation.dst}"
    return [
        f"delegation {name} was recorded {written}, after the decision it would authorise "
        f"({origin.activity}, recorded {origin.decided}): a delegation recorded after the "
        "decision does not authorise it, whatever its validity window"
    ]


def _chains(
    origins: list[_Holder],
    general: dict[str, list[Relation]],
    when: datetime,
    recorded: dict[str, str],
) -> list[_Holder]:
    """Everyone up the delegation chains of the direct holders, at most ``MAX_CHAIN`` links
    away: each person once per direct holder, by their chain with the fewest delegations that
    were not valid, then the shortest; valid holders first. Each delegation is judged at
    ``when``, for the work of the direct holder it stands behind.

    Settling each person once keeps the answer linear in the delegations, where listing every
    path would grow factorially in a web of people who delegate to one another. A claim to act
    for someone counts only for the activity it was made in: an approver's claim on the approval
    that gives them authority (read from their association with it, as ``claimed``), not on any
    other decision they took.
    """
    found: list[_Holder] = []
    for origin in origins:
        best, cut = _walk(origin, general, when, recorded)
        ranked = sorted(best.values(), key=lambda b: (b[0] > 0, b[1]))
        found += (holder for _, _, holder in ranked)
        found += _unbacked_claims(origin, {origin.agent, *best}, cut)
    return found


def _walk(
    origin: _Holder, general: dict[str, list[Relation]], when: datetime, recorded: dict[str, str]
) -> tuple[dict[str, tuple[int, int, _Holder]], bool]:
    """Level by level up the delegations above a direct holder: for each person reached within
    ``MAX_CHAIN`` links, the fewest delegations on a chain to them that were not valid, that
    chain's length and the holder it makes; and whether a delegation leads further, to someone
    not reached, so that a longer chain may exist.

    Counting the invalid links, not settling each person on first sight, is what lets a long
    valid chain to someone and a short invalid one both count: whoever stands above them is
    reached by the short one within the limit, and still explained by the valid one below."""
    best: dict[str, tuple[int, int, _Holder]] = {}
    level: dict[str, tuple[int, _Holder]] = {origin.agent: (0, origin)}
    for depth in range(1, MAX_CHAIN + 2):
        upper: dict[str, tuple[int, _Holder]] = {}
        for agent, (cost, holder) in level.items():
            for relation in sorted(general[agent], key=_delegation_order):
                assert relation.dst is not None
                if relation.dst == origin.agent:
                    continue
                if depth > MAX_CHAIN:
                    if relation.dst not in best:
                        return best, True
                    continue
                own = _delegation_problems(relation, when, origin.context)
                own += _recorded_late(relation, origin, recorded)
                total = cost + bool(own)
                held = best.get(relation.dst)
                if (held is not None and held[0] <= total) or (
                    relation.dst in upper and upper[relation.dst][0] <= total
                ):
                    continue
                step = _step(
                    "actedOnBehalfOf",
                    holder.agent,
                    relation.dst,
                    id=relation.id,
                    valid=not own,
                    problems=own,
                )
                above = _Holder(
                    relation.dst,
                    "delegation",
                    origin.agent,
                    [*holder.path, step],
                    holder.problems + own,
                )
                upper[relation.dst] = (total, above)
        for agent, (cost, holder) in upper.items():
            best[agent] = (cost, depth, holder)
        level = upper
    return best, False


def _delegation_order(relation: Relation) -> tuple[str, str, str]:
    """By whom a delegation is to and its id; then by all it says, so that two delegations
    between the same people that PROV documents stated without ids are not taken in the order
    a store lists them."""
    return (relation.dst or "", relation.id or "", relation.canonical)


def delegations(
    store: Store,
    agent: str,
    *,
    when: datetime,
    context: dict[str, list[str]],
    claimed: Collection[str] = (),
    decision: str | None = None,
    at: Moment = NOW,
) -> list[dict[str, Any]]:
    """The chains of delegations above ``agent`` that authorise a decision, each judged at
    ``when`` for ``context``; and, when ``decision`` names the decision's record, against when
    it was recorded: a delegation recorded only after it is not valid for it.

    ``claimed`` is whom ``agent`` said they acted for on the decision being judged, read as
    :func:`authority` reads it (:func:`~queries.context.claims`): then only the chains that
    reach one of them, and those that go on above them, count, however valid the others; for
    each one no chain reaches there is one invalid item saying so. Otherwise every chain is
    given. Each item has ``agent`` (who stands behind), ``path``, ``valid``, ``problems`` and
    ``top``: whether that person stands under no one at all, so that a valid chain to them is
    authority that goes all the way up. A delegation of theirs in any scope, at any time, shows
    they are not the root of authority (a scoped one gives authority within its scope only, not
    beside it), if it was recorded by the decision.
    """
    origin = _Holder(
        agent,
        "self",
        None,
        [],
        claimed=tuple(claimed),
        context=context,
        activity=decision,
        decided=when_recorded(store, [decision]).get(decision) if decision else None,
    )
    general = _delegations_above(store, {agent}, at)
    recorded = _recorded(store, general)
    chains = [
        {
            **chain.as_dict({}),
            # one written up only after the decision was not above them when it was taken
            "top": not any(
                not _recorded_late(r, origin, recorded) for r in general.get(chain.agent, [])
            ),
        }
        for chain in _chains([origin], general, when, recorded)
    ]
    others = set(claimed) - {agent}
    if not others:
        return chains
    return [
        chain
        for chain in chains
        if chain["agent"] in others or any(s["to"] in others for s in chain["path"])
    ]


def authority(
    store: Store,
    action: str,
    *,
    at: str | datetime | None = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """Who held authority over a downstream action, by what basis, and whether it was valid.

    Parameters
    ----------
    store : Store
        The store to ask.
    action : str
        The action's IRI or prefixed name.
    at : str or datetime, optional
        The moment to judge delegations' validity windows at; by default, when the action took
        place. Which approvals count is always judged at the action's own time.
    as_of : str or datetime, optional
        Answer from the records written up to this time only.

    Returns
    -------
    dict
        ``action``, ``time``, ``context`` (the task, workflow and sector of the outputs the
        action used, which the executor's delegations must cover; an approver's must cover the
        output they approved), ``rests_on`` (what the action used and everything that was
        derived from, inputs included; ``outputs`` is the same list under its earlier name),
        ``approvals`` (of any of those) and ``holders``: each with ``agent``, ``basis``
        (``executor``, ``approver``, ``delegation`` or ``claimed delegation``), ``via`` (the
        output approved, or the holder a delegation stands behind), ``path`` (the relations that
        give the authority, delegations marked valid or not), ``valid`` and ``problems`` (why
        not: an approval withdrawn, its output invalidated before the action, a delegation out of
        its window or scope, or recorded only after the decision it would authorise).

        Whom an executor or approver claimed to act for is read from their association
        (``raidt:onBehalfOf``), and for an activity a PROV document brought also from PROV's
        ``actedOnBehalfOf`` bound to it; a claim no chain of delegations backs makes that person
        a ``claimed delegation`` holder, not valid.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not an action, or ``at`` is not a time.

    Examples
    --------
    >>> answer = authority(demo_store, "https://bank.example/actions/credit-memo-2026-0317-committee-pack")
    >>> [(h["agent"].rsplit("/", 1)[1], h["valid"]) for h in answer["holders"]][:2]
    [('miriam-osei', True), ('dr-katrin-vogel', True)]
    """
    moment_ = moment(store, as_of)
    node = require_node(store, action, moment_)
    if Type.ACTION not in node.types:
        raise InvalidRecord(f"{node.id} is not an action (a raidt:Action activity)")
    acted = started(node)
    when = parse_time(at) if isinstance(at, str) else at or acted
    if when is None or acted is None:
        raise InvalidRecord(f"{node.id} has no time, so authority over it cannot be judged")
    step = store.traverse(
        [node.id], ["used", "wasInformedBy"], Direction.UP, 1, as_of=moment_.as_of
    )
    used = sorted({r.dst for r in step.relations if r.kind == "used" and r.dst})
    informed = sorted({r.dst for r in step.relations if r.kind == "wasInformedBy" and r.dst})
    lineage = store.traverse(used, DERIVATIONS, Direction.UP, MAX_DEPTH, as_of=moment_.as_of)
    rests_on = sorted({*used, *lineage.depths})
    approvals, subject = _approvals(store, rests_on, informed, moment_)
    conferring = {i: n for i, n in approvals.items() if _confers(n, acted)}
    decisions = _decisions(store, conferring, moment_)
    step = store.traverse(
        [*rests_on, *decisions], ["wasInvalidatedBy"], Direction.UP, 1, as_of=moment_.as_of
    )
    retracted = _retracted(withdrawals_in(step.relations, decisions), acted)
    withdrawn = _invalidated(_invalidations(step.relations, acted), rests_on)
    recorded, brought = records_of(store, [node.id, *conferring])
    late = _recorded_after_the_action(node.id, conferring, recorded)
    counted = {i: n for i, n in conferring.items() if i not in retracted and i not in late}
    standing = _standing(withdrawn, counted, subject, acted)
    routes = _routes(node.id, used, lineage.relations, set(standing))
    contexts = _contexts(store, used, moment_)
    context = _merged(list(contexts.values()))
    people = associations(store, [node.id, *conferring], moment_)
    claimed = claims(store, people, brought, moment_)
    holders = _executors(node.id, people[node.id], context, claimed)
    for approval_id, approval in conferring.items():
        target = subject[approval_id]
        route = routes.get(target, [])
        problems = _withdrawn(route, target, started(approval), withdrawn, standing)
        problems += retracted.get(approval_id, []) + late.get(approval_id, [])
        holders += _approvers(approval, people[approval_id], target, route, problems, claimed)
    for holder in holders:
        holder.decided = recorded.get(holder.activity or "")
    general = _delegations_above(store, {h.agent for h in holders}, moment_)
    _judge_work(store, holders, general, contexts, moment_)
    holders += _chains(holders, general, when, _recorded(store, general))
    names = {
        i: n.text(Attr.LABEL)
        for i, n in store.nodes({h.agent for h in holders}, as_of=moment_.as_of).items()
    }
    return {
        "action": node.id,
        "time": when.isoformat(),
        "as_of": moment_.time,
        "context": context,
        "rests_on": sorted(routes),
        "outputs": sorted(routes),
        "approvals": sorted(approvals),
        "holders": [h.as_dict(names) for h in holders],
    }


def _recorded_after_the_action(
    action: str, approvals: dict[str, Node], recorded: dict[str, str]
) -> dict[str, list[str]]:
    """The approvals written up only after the action's record, though dated before it: not what
    the action was taken on, as for the score's ``action-on-approved``; each with why."""
    written = recorded.get(action)
    return {
        approval: [
            f"{approval} was recorded {recorded[approval]}, after the action's record "
            f"({written}): an approval written up afterwards is not what it was taken on"
        ]
        for approval in sorted(recorded_after(approvals, recorded, written))
    }


def _confers(approval: Node, acted: datetime) -> bool:
    """Whether an approval could stand behind an action: it approved, and not after it."""
    decided_at = started(approval)
    return approval.text(Attr.DECISION) in _APPROVING and not (decided_at and decided_at > acted)


def _executors(
    action: str,
    people: list[Association],
    context: dict[str, list[str]],
    claimed: dict[tuple[str, str], tuple[str, ...]],
) -> list[_Holder]:
    """Who executed the action: their delegations must cover the work of what it used."""
    return [
        _Holder(
            a.agent,
            "executor",
            None,
            [_step("wasAssociatedWith", action, a.agent, role="executor")],
            claimed=claimed.get((action, a.agent), ()),
            context=context,
            activity=action,
        )
        for a in people
        if a.role == Role.EXECUTOR
    ]


def _approvers(
    approval: Node,
    people: list[Association],
    target: str,
    route: list[dict[str, Any]],
    problems: list[str],
    claimed: dict[tuple[str, str], tuple[str, ...]],
) -> list[_Holder]:
    """Who gave an approval of ``target``, reached from the action by ``route``; ``problems``
    say why it does not stand behind the action, if it does not."""
    decision = approval.text(Attr.DECISION)
    decided_at = time_text(started(approval))
    return [
        _Holder(
            a.agent,
            "approver",
            target,
            [
                *route,
                _step("used", approval.id, target, decision=decision, time=decided_at),
                _step("wasAssociatedWith", approval.id, a.agent, role="approver"),
            ],
            list(problems),
            claimed=claimed.get((approval.id, a.agent), ()),
            activity=approval.id,
        )
        for a in people
        if a.role == Role.APPROVER
    ]


def _judge_work(
    store: Store,
    holders: list[_Holder],
    general: dict[str, list[Relation]],
    known: dict[str, dict[str, list[str]]],
    at: Moment,
) -> None:
    """Give each approver the context of the output they approved, which the delegations above
    them must cover; looked up only for approvers with a scoped delegation above them."""
    approvers = [(h.via, h) for h in holders if h.basis == "approver" and h.via]
    wanted = sorted(
        {via for via, h in approvers if via not in known and _scoped_above(h.agent, general)}
    )
    contexts = {**known, **_contexts(store, wanted, at)} if wanted else known
    for via, holder in approvers:
        holder.context = contexts.get(via, {})


def _routes(
    action: str, used: list[str], relations: tuple[Relation, ...], withdrawn: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each output the action rests on, the relations leading from the action to it: the
    route through the fewest outputs ``withdrawn`` at the action, then the shortest, so that an
    approval carried by one line of descent is not lost to another that was rejected. Ties go
    by the ids, so the answer does not depend on the order the records were written in."""
    leaving = by_src(relations, DERIVATIONS)
    # each entry: (outputs withdrawn passed through, length, ids along it, kinds along it); the
    # route is built from the ids and kinds once an output is reached, and two entries left
    # equal (one relation stated twice) are the same steps
    queue: list[tuple[int, int, tuple[str, ...], tuple[str, ...]]] = [
        (0, 1, (output,), ("used",)) for output in sorted(used)
    ]
    heapify(queue)
    routes: dict[str, list[dict[str, Any]]] = {}
    while queue:
        passed, length, ids, kinds = heappop(queue)
        current = ids[-1]
        if current in routes:
            continue
        routes[current] = [_step(*step) for step in zip(kinds, (action, *ids), ids, strict=False)]
        through = passed + (current in withdrawn)
        for relation in leaving[current]:
            assert relation.dst is not None
            if relation.dst not in routes:
                entry = (through, length + 1, (*ids, relation.dst), (*kinds, relation.kind))
                heappush(queue, entry)
    return routes


def _invalidations(
    relations: tuple[Relation, ...], acted: datetime
) -> dict[str, list[tuple[datetime | None, str | None]]]:
    """When, and by what, each entity was invalidated (an output rejected or recalled) at or
    before the action; ``None`` for a time not recorded."""
    found: dict[str, list[tuple[datetime | None, str | None]]] = {}
    for relation in relations:
        when = as_datetime(relation.first(PROV + "time"))
        if relation.src and (when is None or when <= acted):
            found.setdefault(relation.src, []).append((when, relation.dst))
    return found


def _invalidated(
    ended: dict[str, list[tuple[datetime | None, str | None]]], outputs: list[str]
) -> dict[str, list[tuple[datetime | None, str]]]:
    """The invalidations of each output the action rests on, with why each counts against it."""
    return {
        output: [
            (when, f"{output} was invalidated by {by} at {at_text(when)}, before the action")
            for when, by in ended[output]
        ]
        for output in outputs
        if output in ended
    }


def _decisions(store: Store, approvals: dict[str, Node], at: Moment) -> dict[str, str]:
    """The decision entities the approvals generated, each with its approval."""
    if not approvals:
        return {}
    made = store.traverse(approvals, ["wasGeneratedBy"], Direction.DOWN, 1, as_of=at.as_of)
    return {r.src: r.dst for r in made.relations if r.src and r.dst in approvals}


def _retracted(withdrawn: dict[str, list[Withdrawal]], acted: datetime) -> dict[str, list[str]]:
    """Why each approval withdrawn before the action (its decision invalidated) stands behind
    it no more."""
    found = {
        approval: [f"{w.why()}, before the action" for w in ended if w.by_then(acted)]
        for approval, ended in withdrawn.items()
    }
    return {approval: whys for approval, whys in found.items() if whys}


def _standing(
    invalidated: dict[str, list[tuple[datetime | None, str]]],
    approvals: dict[str, Node],
    subject: dict[str, str],
    acted: datetime,
) -> dict[str, list[str]]:
    """The invalidations of each output that still stood when the action took place: an
    approval of the same output after one, and before the action, overrules it."""
    approved: dict[str, list[datetime]] = defaultdict(list)
    for approval_id, approval in approvals.items():
        when = started(approval)
        if approval.text(Attr.DECISION) in _APPROVING and when is not None and when <= acted:
            approved[subject[approval_id]].append(when)
    standing: dict[str, list[str]] = {}
    for output, found in invalidated.items():
        whys = [
            why
            for when, why in found
            if when is None or not any(later > when for later in approved[output])
        ]
        if whys:
            standing[output] = whys
    return standing


def _withdrawn(
    route: list[dict[str, Any]],
    target: str,
    decided_at: datetime | None,
    invalidated: dict[str, list[tuple[datetime | None, str]]],
    standing: dict[str, list[str]],
) -> list[str]:
    """Why an approval of ``target`` does not stand behind the action: the target was
    invalidated after the approval, or something the action reached it through (the revision it
    used, say) was invalidated before the action and not approved again since. A rejection
    before the approval is overruled by it; one at the same instant is not, as an approval at
    the instant of a rejection does not overrule that (``_standing``): of two decisions at one
    instant, the refusal holds."""
    problems = [
        why
        for when, why in invalidated.get(target, [])
        if when is None or decided_at is None or when >= decided_at
    ]
    between = [step["to"] for step in route if step["to"] != target]
    return problems + [why for output in between for why in standing.get(output, [])]


def _approvals(
    store: Store, outputs: list[str], informed: list[str], at: Moment
) -> tuple[dict[str, Node], dict[str, str]]:
    """The approvals among the activities that used these outputs, and what each one decided on."""
    subject: dict[str, str] = {}
    for output, activities in used_by(store, outputs, at, ignore_runs=True).items():
        for activity in activities:
            subject.setdefault(activity, output)
    nodes = store.nodes([*subject, *informed], as_of=at.as_of)
    approvals = {i: n for i, n in nodes.items() if Type.APPROVAL in n.types and i in subject}
    return approvals, subject


def accountable(store: Store, person: str, *, as_of: AsOf = None) -> dict[str, Any]:
    """The actions a person held authority over, directly, through delegation, or as the one an
    executor or approver claimed to act for.

    Parameters
    ----------
    store : Store
        The store to ask.
    person : str
        The agent's IRI or prefixed name.
    as_of : str or datetime, optional
        Answer from the records written up to this time only.

    Returns
    -------
    dict
        ``person`` and ``actions``: each with ``action``, ``basis``, ``valid`` and ``path``, as
        :func:`authority` gives them for that action; and ``unjudged``, the actions near the
        person that have no time (a PROV document may bring one), so that no authority over
        them can be judged.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is described, but not as an agent.

    Examples
    --------
    >>> found = accountable(demo_store, "https://bank.example/organisation")
    >>> [a["action"].rsplit("/", 1)[1] for a in found["actions"]]
    ['credit-memo-2026-0317-committee-pack']
    """
    moment_ = moment(store, as_of)
    agent = require_agent(store, person, moment_)
    below = store.traverse(
        [agent], ["actedOnBehalfOf"], Direction.DOWN, MAX_CHAIN, as_of=moment_.as_of
    )
    acted = store.traverse(
        below.depths, ["wasAssociatedWith"], Direction.DOWN, 1, as_of=moment_.as_of
    )
    activities = [i for i in acted.depths if i not in below.depths]
    decided = store.traverse(activities, ["used"], Direction.UP, 1, as_of=moment_.as_of)
    later = store.traverse(
        decided.depths, DERIVATIONS, Direction.DOWN, MAX_DEPTH, as_of=moment_.as_of
    )
    users = store.traverse(later.depths, ["used"], Direction.DOWN, 1, as_of=moment_.as_of)
    candidates = store.nodes({*users.depths, *activities}, as_of=moment_.as_of)
    actions = sorted(i for i, n in candidates.items() if Type.ACTION in n.types)
    unjudged = [i for i in actions if started(candidates[i]) is None]
    found = []
    for action_id in (i for i in actions if i not in unjudged):
        answer = authority(store, action_id, as_of=moment_)
        for holder in answer["holders"]:
            if holder["agent"] == agent:
                found.append(
                    {
                        "action": action_id,
                        "time": answer["time"],
                        "basis": holder["basis"],
                        "via": holder["via"],
                        "valid": holder["valid"],
                        "path": holder["path"],
                    }
                )
    return {"person": agent, "as_of": moment_.time, "actions": found, "unjudged": unjudged}
