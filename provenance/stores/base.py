"""The store contract: the few operations every graph store implements, and the data they exchange.

Everything else — verification, export, the governance questions — is written once over this
contract, so that every store gives the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import orjson

from provenance.errors import NotFound, StoreError
from provenance.graph import Attributes, Element, Fragment, Node, NodeKind, Relation
from provenance.hashing import canonical_json, sha256_hex
from provenance.identifiers import is_iri, known_prefixes, reads_as_scheme, resolve_id
from provenance.vocabulary import PROV

__all__ = [
    "ACTIVITY_BOUND",
    "Direction",
    "PreparedRecord",
    "Store",
    "StoredRecord",
    "Traversal",
    "WriteResult",
    "graph_hash",
    "items_hash",
    "read_attributes",
    "read_kind",
    "resolve_stored",
]


class Direction(StrEnum):
    """Which way to follow relations, which always point from a thing to what it depends on."""

    UP = "up"
    """Towards origins: from an output to its run, inputs and approvers."""
    DOWN = "down"
    """Towards dependants: from an input to the runs, outputs and actions that depend on it."""
    BOTH = "both"


ACTIVITY_BOUND = canonical_json([PROV + "activity"])[:-1] + ","
"""How a ``prov:activity`` attribute starts in a relation's canonical attributes JSON
(``["…#activity",``): both stores tell a relation bound to one activity by it, so they agree on
any value. A string value that spells it out has its quotes escaped and cannot match."""


def read_attributes(text: str) -> Attributes:
    """Attributes back from the canonical JSON both stores keep them in."""
    return tuple(map(tuple, orjson.loads(text))) if text != "[]" else ()


def read_kind(value: str) -> NodeKind:
    """An element kind as stored, checked: anything else means the store was written by other
    hands."""
    if value in ("entity", "activity", "agent"):
        return value  # type: ignore[return-value]
    raise StoreError(f"corrupt element kind {value!r}")


def resolve_stored(store: Store, value: str, *, new: bool = False) -> str:
    """The full IRI a user means by ``value`` in this store: a prefixed name with a known prefix
    is expanded, unless nothing is stored under the expansion and something is under ``value``
    itself, which is also an IRI (``test:runs/57``, of scheme ``test``). A ``new`` id (an
    import's record id) is one nothing is stored under yet: an unknown prefix leaves it the IRI
    it reads as (``did:example:1``).

    Raises
    ------
    InvalidRecord
        When the value is neither a known prefixed name nor an absolute IRI.
    NotFound
        Unless ``new``, when it reads as a prefixed name whose prefix the store does not know
        (``hospitl:outputs/x``) and nothing is stored under it as an IRI either: the message
        says so and lists the known prefixes, as for an unprefixed name.
    """
    namespaces = store.namespaces()
    full = resolve_id(value, namespaces)
    if full == value:
        prefix, _, local = value.partition(":")
        if (
            not new
            and _PREFIX.fullmatch(prefix)
            and not local.startswith("//")
            and not reads_as_scheme(prefix)
            and not _stored(store, value)
        ):
            raise NotFound(
                f"no node or record {value}: {prefix!r} is not a prefix the store knows "
                f"(known: {known_prefixes(namespaces)}), and nothing is stored under it as an IRI"
            )
        return full
    if not is_iri(value):
        return full
    if _stored(store, full):
        return full
    return value if _stored(store, value) else full


_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
"""What a prefix of a prefixed name looks like (PROV-N's and Turtle's, without the rarer
characters): ``hospitl`` in ``hospitl:outputs/x``."""


def _stored(store: Store, iri: str) -> bool:
    """Whether a node or a record is stored under ``iri``: a record's hash tells, without
    reading the record."""
    return bool(store.nodes([iri])) or bool(store.record_hashes([iri]))


def graph_hash(fragment: Fragment) -> str:
    """The hash of what a record wrote into the graph, independent of the order of its parts."""
    return items_hash(fragment.canonical_items())


def items_hash(items: Iterable[str]) -> str:
    """The hash of a graph given as its items in canonical form: each distinct one once, in
    sorted order, so that neither order nor repeats change it."""
    return sha256_hex("\n".join(sorted(set(items))))


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record ready to write: its canonical body, the body's hash and its graph fragment."""

    id: str
    kind: str
    body: str
    content_hash: str
    fragment: Fragment
    recorded_at: str | None = None
    """When it was first recorded, for records copied from another store; else now."""


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored, with its place in the hash chain."""

    seq: int
    id: str
    kind: str
    body: str
    content_hash: str
    graph_hash: str
    chain_hash: str
    recorded_at: str


@dataclass(slots=True)
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def add(self, other: WriteResult) -> None:
        """Count another batch of the same transaction in."""
        self.written += other.written
        self.unchanged += other.unchanged


@dataclass(frozen=True, slots=True)
class Traversal:
    """What a traversal reached: each node with the depth it was first reached at, and the
    relations followed (each once), in the order they were found.

    That order is each store's own: a question that picks one of several relations or nodes
    states its rule (the smallest id, say), so that every store gives the same answer."""

    depths: dict[str, int]
    relations: tuple[Relation, ...]


class Store(Protocol):
    """A provenance graph store. Writes are atomic per call; records are append-only."""

    url: str

    def write(self, records: Sequence[PreparedRecord]) -> WriteResult:
        """Write all records in one transaction, or none.

        A record whose id is stored with the same content hash is left as it is; one stored with a
        different hash raises ``RecordConflict`` and nothing is written.
        """
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction around several writes in this thread: all of them, or none if the
        block raises; reads in this thread see its writes. A file of a million records is written
        in batches this way, each held in memory only while it is written, and still lands whole
        or not at all."""
        ...

    def record(self, record_id: str) -> StoredRecord | None: ...

    def record_hashes(self, record_ids: Iterable[str]) -> dict[str, str]:
        """The content hash of each of these records the store holds, by id: many at once."""
        ...

    def record_times(self, record_ids: Iterable[str]) -> dict[str, str]:
        """When each of these records the store holds was written, by id: many at once, for
        the checks that tell evidence written up after the fact."""
        ...

    def records(self, *, after: int = 0) -> Iterator[StoredRecord]:
        """Every record with a sequence number above ``after``, in write order."""
        ...

    def fragment(self, seq: int) -> Fragment:
        """The elements and relations as stored for one record (what ``verify`` rehashes)."""
        ...

    def seq_at(self, time: str) -> int:
        """The last sequence number recorded at or before an ISO time (0 if none)."""
        ...

    def nodes(self, ids: Iterable[str], *, as_of: int | None = None) -> dict[str, Node]:
        """The stored nodes among ``ids``, in the order asked, each with all its descriptions
        merged."""
        ...

    def ids_of_type(self, type_iri: str, *, as_of: int | None = None) -> list[str]:
        """The ids of every node with that ``prov:type``, sorted."""
        ...

    def traverse(
        self,
        starts: Iterable[str],
        kinds: Iterable[str],
        direction: Direction,
        max_depth: int,
        *,
        as_of: int | None = None,
        without_activity: bool = False,
        without_types: Collection[str] = (),
    ) -> Traversal:
        """Breadth-first from ``starts`` over relations of the given kinds, to ``max_depth`` hops;
        a kind PROV does not have is followed nowhere, as no relation is of it.

        Each node is expanded once, however many paths reach it, so cycles terminate.
        ``without_activity`` follows only relations not bound to one activity (no
        ``prov:activity``): standing delegations, not the per-decision claims beside them, which
        outnumber them a hundredfold in a busy store. ``without_types`` reaches no node with one
        of these ``prov:type`` values (given in any record): the decisions on an output are
        found without reading every run that took it as input.
        """
        ...

    def relations_between(
        self,
        ids: Iterable[str],
        *,
        kinds: Iterable[str] | None = None,
        as_of: int | None = None,
    ) -> list[Relation]:
        """Every relation (of ``kinds``, or of any kind) whose two ends are both among ``ids``;
        none for no kinds, and none of a kind PROV does not have."""
        ...

    def descriptions(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Element]:
        """Every description of the nodes ``ids``, each as its record (or bundle) stated it: a
        node merges them, and an export of one node must not move a bundle's statements out."""
        ...

    def relations_named(self, rids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        """Every relation whose id is among ``rids``: an id names one relation, and a document
        that gives it to another is refused."""
        ...

    def loose_relations(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        """Every relation with one end among ``ids`` and the other missing (``used(a, -)``, which
        PROV allows): a traversal goes from node to node, so it passes these by."""
        ...

    def namespaces(self) -> dict[str, str]:
        """Prefix → namespace IRI for every prefix the store knows."""
        ...

    def visibility(self) -> Iterator[tuple[str, str, str, int]]:
        """From which record on each node, description and type is seen: ``("node", id, "",
        seq)``, ``("description", id, digest, seq)`` and ``("type", id, type IRI, seq)``.
        Answers as of a time filter by these, and no record's hash covers them, so ``verify``
        holds them to what the records say."""
        ...

    def counts(self) -> dict[str, int]:
        """How many records, nodes and relations the store holds."""
        ...

    def close(self) -> None: ...
