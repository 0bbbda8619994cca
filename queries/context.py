"""What every question needs around its answer: people's roles on activities and whom they
claimed to act for, who used an entity, which approvals were withdrawn, times, and the point in
the store's history a question is asked at.

These are plain functions over the store contract; each costs one or two store calls for a whole
set of nodes, never one per node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from provenance.errors import InvalidRecord, NotFound
from provenance.graph import Node, Relation, as_datetime, as_iri, as_text
from provenance.records import Instant, in_utc_range
from provenance.stores.base import Direction, Store, StoredRecord, Traversal, resolve_stored
from provenance.vocabulary import PROV, Attr, Type

__all__ = [
    "EARLIEST",
    "LINEAGE",
    "NOW",
    "AsOf",
    "Association",
    "Moment",
    "Withdrawal",
    "association_order",
    "associations",
    "at_text",
    "by_src",
    "claims",
    "ended",
    "in_time_order",
    "introduced",
    "last_record",
    "made_by",
    "moment",
    "parse_time",
    "reach",
    "record_at",
    "recorded_after",
    "records_of",
    "relation_recorded",
    "require_agent",
    "require_come",
    "require_node",
    "require_run",
    "run_node",
    "started",
    "steps",
    "used_by",
    "when_recorded",
    "withdrawals",
    "withdrawals_in",
]

LINEAGE = (
    "wasGeneratedBy",
    "used",
    "wasInformedBy",
    "wasDerivedFrom",
    "wasRevisionOf",
    "wasQuotedFrom",
    "hadPrimarySource",
)
"""Relations that lead from a thing to what it was made from. An activity informed by another
used something the other generated (PROV's ``wasInformedBy``), so the informant is upstream."""


@dataclass(frozen=True, slots=True)
class Association:
    """An agent's part in an activity."""

    activity: str
    agent: str
    role: str | None
    plan: str | None
    position: str | None
    on_behalf_of: str | None = None


@dataclass(frozen=True, slots=True)
class Moment:
    """When a question is asked from: the last record it may see (``as_of``), or all of them."""

    as_of: int | None = None
    time: str | None = None


_TIME: TypeAdapter[datetime] = TypeAdapter(Instant)


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with a time zone, read as a record's times and the service's are read,
    so that the command line takes the times they take, and only those.

    Raises
    ------
    InvalidRecord
        When the text is not such a time.
    """
    try:
        return _TIME.validate_python(value)
    except ValidationError as error:
        raise InvalidRecord(_not_a_time(value, error.errors()[0])) from error


def _not_a_time(value: str, problem: ErrorDetails) -> str:
    if problem["type"] == "value_error":
        return f"{value!r}: {problem.get('ctx', {}).get('error', 'not a time')}"
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        naive = None
    if problem["type"] == "timezone_aware" and naive is not None and naive.tzinfo is None:
        return f"{value!r} has no time zone; add one, e.g. {naive.isoformat()}+00:00"
    return f"{value!r} is not an ISO 8601 time"


def _in_utc(when: datetime) -> datetime:
    try:
        return in_utc_range(when)
    except ValueError as error:
        raise InvalidRecord(f"{when.isoformat()} {error}") from error


NOW = Moment()
"""The store as it is: every record."""

AsOf = str | datetime | Moment | None
"""When to answer from: a time, a :class:`Moment`, or ``None`` for now."""


_END_OF_TIME = "9999-12-31T23:59:59.999999+00:00"
"""Later than any record's time: the store as of then is the store as it is."""


def last_record(store: Store) -> int:
    """The sequence number of the store's last record (0 when it holds none)."""
    return store.seq_at(_END_OF_TIME)


def record_at(store: Store, seq: int) -> StoredRecord | None:
    """Record number ``seq``, if the store holds it."""
    return next(store.records(after=seq - 1), None) if seq > 0 else None


def introduced(store: Store, node_id: str) -> int:
    """The sequence number of the record that first described (or named) a node.

    A review imported inside a PROV document has no record of its own: the graph as that
    document left it, what the review stood on included, is what its reviewer saw.
    """
    return _first_seq(store, lambda seq: bool(store.nodes([node_id], as_of=seq)))


def _first_seq(store: Store, present: Callable[[int], bool]) -> int:
    """The first record as of which ``present`` holds, given that it holds as of the last and
    stays so once it does: found by bisection over ``as_of``, a few lookups on any store."""
    low, high = 1, last_record(store)
    while low < high:
        middle = (low + high) // 2
        if present(middle):
            high = middle
        else:
            low = middle + 1
    return high


def moment(store: Store, as_of: AsOf) -> Moment:
    """The store as it stood at ``as_of`` (records written later are ignored), or as it is."""
    if as_of is None or isinstance(as_of, Moment):
        return as_of or NOW
    when = parse_time(as_of) if isinstance(as_of, str) else _in_utc(as_of)
    iso = when.astimezone(UTC).isoformat(timespec="microseconds")
    require_come(store, when)
    return Moment(store.seq_at(iso), iso)


def require_come(store: Store, when: datetime) -> None:
    """Refuse a time that has not come: an answer (or an evidence pack) as of tomorrow would
    read as final, when the store may yet record more before it. A time the store's last record
    already reaches is taken: a clock that ran ahead stamped it, and pages ask as of their
    records' times.

    Raises
    ------
    InvalidRecord
        When ``when`` is later than now and than the store's last record.
    """
    if when <= datetime.now(UTC):
        return
    iso = when.astimezone(UTC).isoformat(timespec="microseconds")
    last = record_at(store, last_record(store))
    if last is None or last.recorded_at < iso:
        raise InvalidRecord(
            f"no answer as of {iso}: that time has not come, and the store may yet record more "
            "before it; ask without a time for the store as it is"
        )


def require_node(store: Store, node_id: str, at: Moment = NOW, *, referenced: bool = False) -> Node:
    """The node a user named, by IRI or prefixed name.

    ``referenced`` accepts a node that relations name but no record describes, such as a person
    an approver claimed to act for.

    Raises
    ------
    NotFound
        When the store (as of ``at``) holds no such node.
    """
    full = resolve_stored(store, node_id)
    found = store.nodes([full], as_of=at.as_of).get(full)
    if found is None or not (found.kinds or referenced):
        when = f" as of {at.time}" if at.time else ""
        raise NotFound(f"no node {full} in {store.url}{when}{_recorded_later(store, full, at)}")
    return found


def when_recorded(store: Store, node_ids: Iterable[str]) -> dict[str, str]:
    """When each node was first recorded: its own record's time (a run, an approval), else
    that of the first record that described it (a PROV document that brought it in)."""
    return records_of(store, node_ids)[0]


def records_of(store: Store, node_ids: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """When each node was first recorded, as :func:`when_recorded` gives it, and which of them
    a PROV document brought (no record of their own): whom the agents of such an activity
    claimed to act for is read from PROV's statements too (:func:`claims`)."""
    wanted = list(dict.fromkeys(node_ids))
    found = store.record_times(wanted)
    brought = {i for i in wanted if i not in found}
    for node_id in wanted:
        if node_id in brought and store.nodes([node_id]):
            record = record_at(store, introduced(store, node_id))
            if record is not None:
                found[node_id] = record.recorded_at
    return found, brought


def recorded_after(
    ids: Iterable[str], recorded: Mapping[str, str], written: str | None
) -> set[str]:
    """Which of ``ids`` (decisions) were recorded after ``written``, the time of the record of
    what rests on them: dated before it, perhaps, but not there when it was recorded, so not
    what it rested on. Authority and the score checks hold approvals to this one rule."""
    if not written:
        return set()
    return {i for i in ids if recorded.get(i, written) > written}


def relation_recorded(store: Store, relation: Relation) -> str | None:
    """When the first record that states a relation was written (for one without a record of
    its own, such as a delegation a PROV document states), or ``None`` if none does."""
    if relation.src is None:
        return None

    def stated(seq: int) -> bool:
        step = store.traverse([relation.src or ""], [relation.kind], Direction.UP, 1, as_of=seq)
        return any(r.canonical == relation.canonical for r in step.relations)

    if not stated(last_record(store)):
        return None
    record = record_at(store, _first_seq(store, stated))
    return record.recorded_at if record is not None else None


def _recorded_later(store: Store, node_id: str, at: Moment) -> str:
    """Why a node the store holds now is missing as of a time: it was recorded later. ``as of``
    is when records were written, not when the events they tell of happened, and a store loaded
    today with last month's runs holds none of them as of last month."""
    if at.as_of is None or not store.nodes([node_id]):
        return ""
    written = when_recorded(store, [node_id]).get(node_id)
    if written is None or (at.time is not None and written <= at.time):
        return ""  # named by an earlier record, described only by a later one
    return (
        f": it was first recorded at {written} (as of is when records were written, "
        "not when what they tell of happened)"
    )


def require_agent(store: Store, node_id: str, at: Moment = NOW) -> str:
    """The agent a user named: one relations name but no record describes (a person an
    approver acted for) is one too.

    Raises
    ------
    NotFound
        When the store (as of ``at``) holds no such node.
    InvalidRecord
        When the node is described, but not as an agent.
    """
    named = require_node(store, node_id, at, referenced=True)
    if named.kinds and "agent" not in named.kinds:
        raise InvalidRecord(f"{named.id} is not a person or organisation (an agent)")
    return named.id


def require_run(store: Store, node_id: str, at: Moment = NOW) -> Node:
    """The run a user named.

    Raises
    ------
    NotFound
        When the store (as of ``at``) holds no such node.
    InvalidRecord
        When the node is not a run.
    """
    return run_node(require_node(store, node_id, at))


def run_node(node: Node) -> Node:
    """``node``, known to be a run.

    Raises
    ------
    InvalidRecord
        When it is not one.
    """
    if Type.RUN not in node.types:
        raise InvalidRecord(f"{node.id} is not a run (a raidt:Run activity)")
    return node


def started(node: Node) -> datetime | None:
    return as_datetime(node.first(PROV + "startTime"))


def ended(node: Node) -> datetime | None:
    return as_datetime(node.first(PROV + "endTime")) or started(node)


def _association(relation: Relation) -> Association:
    assert relation.src is not None
    assert relation.dst is not None
    return Association(
        relation.src,
        relation.dst,
        as_iri(relation.first(Attr.ROLE)),
        as_iri(relation.first(PROV + "plan")),
        as_text(relation.first(Attr.POSITION)),
        as_iri(relation.first(Attr.ON_BEHALF_OF)),
    )


def associations(
    store: Store, activities: Iterable[str], at: Moment = NOW
) -> dict[str, list[Association]]:
    """Every agent associated with each activity, with role and plan, in
    :func:`association_order`: whoever takes the first in a role (the approver, the reviewer)
    takes the same one on every store, whatever order it lists relations in."""
    wanted = list(activities)
    found: dict[str, list[Association]] = {a: [] for a in wanted}
    step = store.traverse(wanted, ["wasAssociatedWith"], Direction.UP, 1, as_of=at.as_of)
    for relation in step.relations:
        if relation.src in found and relation.dst:
            found[relation.src].append(_association(relation))
    for people in found.values():
        people.sort(key=association_order)
    return found


def association_order(a: Association) -> tuple[str, str, str, bool, str, str]:
    """By role, agent and plan; then one that gives a position before one that does not, as
    it says more (a document restating the association without it takes nothing away); then
    by what is left, so that no two associations that differ tie."""
    return (
        a.role or "",
        a.agent,
        a.plan or "",
        a.position is None,
        a.position or "",
        a.on_behalf_of or "",
    )


def claims(
    store: Store,
    people: Mapping[str, Collection[Association]],
    brought: Collection[str],
    at: Moment = NOW,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """Whom each agent claimed to act for in each activity, by activity and agent: their
    association's ``raidt:onBehalfOf``, and for an activity a PROV document brought
    (``brought``) PROV's ``actedOnBehalfOf`` bound to it as well. A record states its claim on
    the association too, where it is read without every other claim the person made (one for
    each decision taken in another's name), so only the agents of brought activities are asked,
    in one call, and only when there are any."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for activity, associated in people.items():
        for association in associated:
            if association.on_behalf_of:
                found[activity, association.agent].add(association.on_behalf_of)
    asked = {(i, a.agent) for i, associated in people.items() if i in brought for a in associated}
    if asked:
        step = store.traverse(
            {agent for _, agent in asked}, ["actedOnBehalfOf"], Direction.UP, 1, as_of=at.as_of
        )
        for relation in step.relations:
            bound = as_iri(relation.first(PROV + "activity"))
            if bound and relation.src and relation.dst and (bound, relation.src) in asked:
                found[bound, relation.src].add(relation.dst)
    return {key: tuple(sorted(claimed)) for key, claimed in found.items()}


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """An approval withdrawn: the decision it made invalidated, by what and when (``None``
    for a time not recorded)."""

    approval: str
    decision: str
    by: str
    time: datetime | None

    def by_then(self, when: datetime) -> bool:
        """Whether it was withdrawn at or before ``when``: one of no recorded time may have
        been, and is taken to have been, as with any invalidation of no recorded time."""
        return self.time is None or self.time <= when

    def why(self) -> str:
        """How a message names it: authority and the score checks say it alike."""
        return (
            f"{self.approval} was withdrawn: its decision {self.decision} was invalidated by "
            f"{self.by} at {at_text(self.time)}"
        )


def at_text(when: datetime | None) -> str:
    """A time for a message, or what to say of one not recorded."""
    return when.isoformat() if when else "an unrecorded time"


def withdrawals(
    store: Store, decisions: Mapping[str, str], at: Moment = NOW
) -> dict[str, list[Withdrawal]]:
    """When each approval was withdrawn, and by what: the invalidations of the decisions it
    made (``decisions``, each with its approval), read in one call, and none when there are no
    decisions."""
    if not decisions:
        return {}
    step = store.traverse(list(decisions), ["wasInvalidatedBy"], Direction.UP, 1, as_of=at.as_of)
    return withdrawals_in(step.relations, decisions)


def withdrawals_in(
    relations: Iterable[Relation], decisions: Mapping[str, str]
) -> dict[str, list[Withdrawal]]:
    """The withdrawals among ``relations`` of the approvals that made ``decisions`` (each
    decision with its approval), by approval, in time order: for questions that read them in a
    traversal of their own."""
    found: dict[str, list[Withdrawal]] = defaultdict(list)
    for relation in relations:
        approval = decisions.get(relation.src or "")
        if relation.kind == "wasInvalidatedBy" and approval and relation.src and relation.dst:
            when = as_datetime(relation.first(PROV + "time"))
            found[approval].append(Withdrawal(approval, relation.src, relation.dst, when))
    return {a: sorted(found[a], key=_withdrawal_order) for a in sorted(found)}


def _withdrawal_order(withdrawal: Withdrawal) -> tuple[datetime, str, str]:
    return withdrawal.time or EARLIEST, withdrawal.by, withdrawal.decision


def made_by(relations: Iterable[Relation]) -> dict[str, list[str]]:
    """What each activity generated, sorted."""
    found: dict[str, list[str]] = defaultdict(list)
    for relation in relations:
        if relation.kind == "wasGeneratedBy" and relation.src and relation.dst:
            found[relation.dst].append(relation.src)
    return {activity: sorted(made) for activity, made in found.items()}


def used_by(
    store: Store, entities: Iterable[str], at: Moment = NOW, *, ignore_runs: bool = False
) -> dict[str, list[str]]:
    """The activities that used each entity; with ``ignore_runs``, not the runs, which on a long
    lineage are most of an output's users (each run that took it as input), so that those
    looking for its reviews and approvals need not load them."""
    wanted = list(entities)
    found: dict[str, list[str]] = {e: [] for e in wanted}
    skipped = [Type.RUN] if ignore_runs else []
    step = store.traverse(
        wanted, ["used"], Direction.DOWN, 1, as_of=at.as_of, without_types=skipped
    )
    for relation in step.relations:
        if relation.dst in found and relation.src:
            found[relation.dst].append(relation.src)
    return found


def by_src(relations: Iterable[Relation], kinds: Collection[str]) -> dict[str, list[Relation]]:
    """The relations of ``kinds`` grouped by the node they start from."""
    found: dict[str, list[Relation]] = defaultdict(list)
    for relation in relations:
        if relation.kind in kinds and relation.src:
            found[relation.src].append(relation)
    return found


EARLIEST = datetime.min.replace(tzinfo=UTC)
"""Where something with no time sorts: first."""


def in_time_order(item: dict[str, Any]) -> tuple[datetime, str]:
    """An answer's item (with ``time`` and ``id``) by when it happened, whatever offset its time
    was recorded in, then by id."""
    when = datetime.fromisoformat(item["time"]) if item["time"] else EARLIEST
    return when, item["id"]


def steps(traversal: Traversal, direction: Direction) -> dict[str, list[str]]:
    """Where each node leads in one step of ``direction``, for walks in memory over what a
    traversal read once (for several starts at a time)."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    for relation in traversal.relations:
        if relation.src and relation.dst:
            near, far = (
                (relation.src, relation.dst)
                if direction is Direction.UP
                else (relation.dst, relation.src)
            )
            found[near].append(far)
    return found


def reach(
    leads: dict[str, list[str]], starts: Iterable[str], max_depth: int | None = None
) -> set[str]:
    """The nodes within ``max_depth`` steps of ``starts`` (or any number), the starts among
    them: what the store's traversal from these starts alone would have reached."""
    reached = set(starts)
    frontier = list(reached)
    depth = 0
    while frontier and (max_depth is None or depth < max_depth):
        depth += 1
        frontier = list(
            dict.fromkeys(f for n in frontier for f in leads.get(n, ()) if f not in reached)
        )
        reached.update(frontier)
    return reached
