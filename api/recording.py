"""Writing records through the service: the same checks and transaction as ``raidt record``, plus
the one rule only HTTP has — an event posted under a run must be about that run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from provenance.errors import InvalidRecord
from provenance.ingest import Located, refuse_lone_surrogates, write_records
from provenance.records import Escalation, Override, Record
from provenance.stores import Direction, Store, WriteResult

__all__ = ["check_event_belongs", "record", "run_scope"]


def record(
    store: Store,
    lock: threading.Lock,
    records: Sequence[Record],
    *,
    where: str = "body",
    under: str | None = None,
) -> WriteResult:
    """Check and write records in one transaction, one request at a time; events posted
    ``under`` a run must be about it. The checks run inside the transaction, which in SQLite
    holds the write lock from its start, so that another writer (``raidt record`` on the same
    file) cannot slip in between a check and the write it allows.

    Raises
    ------
    InvalidRecord
        When a record refers to something not recorded, or reuses an id as another kind.
    RecordConflict
        When a record id is already stored with different content.
    """
    for item in records:
        refuse_lone_surrogates(item.model_dump(), where)
    with lock, store.transaction():
        if under is not None:
            for event in records:
                check_event_belongs(store, under, event)
        return write_records([Located(r, where) for r in records], store)


def run_scope(store: Store, run: str) -> tuple[set[str], set[str]]:
    """What belongs to a run: its outputs and their revisions (entities), and the run with every
    activity that used them or was informed by one of those (the triggers events may name)."""
    made = store.traverse([run], ["wasGeneratedBy"], Direction.DOWN, 1)
    outputs = {r.src for r in made.relations if r.src and r.dst == run}
    revised = store.traverse(outputs, ["wasRevisionOf"], Direction.DOWN, 64)
    entities = set(revised.depths) | outputs
    users = store.traverse(entities, ["used"], Direction.DOWN, 1)
    activities = {run} | {r.src for r in users.relations if r.src and r.dst in entities}
    informed = store.traverse(activities, ["wasInformedBy"], Direction.DOWN, 64)
    return entities, activities | set(informed.depths)


def check_event_belongs(store: Store, run: str, event: Record) -> None:
    """An event's target must be one of the run's outputs or their revisions, and an escalation's
    or override's trigger the run or an activity about it.

    Raises
    ------
    InvalidRecord
        Naming the field that points outside the run.
    """
    entities, activities = run_scope(store, run)
    target = getattr(event, "target", None)
    if target is not None and target not in entities:
        raise InvalidRecord.of_fields(
            [("target", f"{target} is not an output of {run} nor a revision of one")],
            location="body",
        )
    if isinstance(event, Escalation | Override) and event.trigger not in activities:
        raise InvalidRecord.of_fields(
            [("trigger", f"{event.trigger} is neither {run} nor an activity about its outputs")],
            location="body",
        )
