"""What a write will add, worked out the same way for every store before it touches the database.

The append-only rule, sequence numbers, hash chain, the distinct descriptions and relations each
record states, and the prefixes to remember are decided here, so that two stores given the same
records hold the same chain and answer ``verify`` alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from provenance.errors import RecordConflict
from provenance.graph import Element, Relation
from provenance.hashing import GENESIS, chain_hash
from provenance.identifiers import (
    STANDARD_NAMESPACES,
    namespace_of,
    reads_as_scheme,
    suggest_prefix,
)
from provenance.stores.base import PreparedRecord, WriteResult, graph_hash

__all__ = ["GENESIS_HEAD", "Head", "Planned", "namespace_pairs", "new_prefixes", "plan", "stamp"]


@dataclass(frozen=True, slots=True)
class Head:
    """The end of the chain: the last record's sequence number, chain hash and time."""

    seq: int
    chain: str
    time: str


GENESIS_HEAD = Head(0, GENESIS, "")


@dataclass(frozen=True, slots=True)
class Planned:
    """One record as it will be stored."""

    seq: int
    record: PreparedRecord
    graph_hash: str
    chain_hash: str
    recorded_at: str
    elements: tuple[Element, ...]
    relations: tuple[Relation, ...]


def stamp(after: str = "") -> str:
    """The time records written now are recorded at. A transaction takes one and gives it to
    every record it writes, whatever batches they come in: a question asked ``as of`` any moment
    then sees all of them or none, as the store did.

    It is later than ``after``, the time of the chain's last record, even when this machine's
    clock reads earlier (another machine's ran ahead, or this one was set back): records written
    now never share a time with those written before, which a question as of that time, or an
    evidence pack as of that record, would otherwise take in too."""
    now = datetime.now(UTC)
    last = _instant(after)
    if last is not None and last >= now:
        now = last + timedelta(microseconds=1)
    return now.isoformat(timespec="microseconds")


def _instant(time: str) -> datetime | None:
    """A record's time as an instant: one without a zone is in UTC, as this package writes
    them; ``None`` for one that cannot be read (a store written by other hands), or that no
    time comes after."""
    try:
        read = datetime.fromisoformat(time)
        read = (read if read.tzinfo else read.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return read if read < datetime.max.replace(tzinfo=UTC) else None


def plan(
    records: Sequence[PreparedRecord],
    stored: Mapping[str, str],
    head: Head,
    now: str | None = None,
) -> tuple[list[Planned], WriteResult]:
    """The records to add after ``head``, given the content hashes already ``stored`` by id,
    recorded at ``now`` (the transaction's :func:`stamp`, by default one of their own).

    Raises
    ------
    RecordConflict
        When a record id is stored (or repeated in the batch) with other content.
    """
    result = WriteResult()
    known = dict(stored)
    planned: list[Planned] = []
    seq, previous, time = head.seq, head.chain, head.time
    now = now or stamp(head.time)
    for record in records:
        held = known.get(record.id)
        if held == record.content_hash:
            result.unchanged.append(record.id)
            continue
        if held is not None:
            raise RecordConflict(
                f"record {record.id} is already stored with other content "
                f"({held}, not {record.content_hash}); records are append-only, so record "
                "a correction as a new record (a revision or an invalidation)",
                record_id=record.id,
            )
        known[record.id] = record.content_hash
        result.written.append(record.id)
        seq += 1
        time = max(record.recorded_at or now, time)
        fragment_hash = graph_hash(record.fragment)
        previous = chain_hash(previous, record.id, record.content_hash, fragment_hash, time)
        elements = {e.canonical: e for e in record.fragment.elements}
        relations = {r.canonical: r for r in record.fragment.relations}
        planned.append(
            Planned(
                seq,
                record,
                fragment_hash,
                previous,
                time,
                tuple(elements.values()),
                tuple(relations.values()),
            )
        )
    return planned, result


def new_prefixes(
    known: Mapping[str, str], pairs: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The prefixes to remember for namespaces not known yet; a prefix taken for another IRI,
    or none at all, gets a readable name of its own."""
    taken = dict(known)
    uris = set(taken.values())
    added = []
    for prefix, uri in pairs:
        if uri in uris:
            continue
        usable = prefix and prefix not in taken and not reads_as_scheme(prefix)
        chosen = prefix if usable else suggest_prefix(uri, taken)
        taken[chosen] = uri
        uris.add(uri)
        added.append((chosen, uri))
    return added


def namespace_pairs(planned: Iterable[Planned], ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    """The prefixes the records declare, then the namespace of each node id given (those the
    records add are enough): worked out once per distinct node at write time, not once per
    mention when each record is prepared."""
    for p in planned:
        yield from p.record.fragment.namespaces
    standard = tuple(STANDARD_NAMESPACES.values())
    for uri in sorted({namespace_of(i) for i in ids if not i.startswith(standard)}):
        yield "", uri
