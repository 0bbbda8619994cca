"""Tamper evidence: recompute every record's hashes and the chain that links them.

Each record keeps the SHA-256 of its canonical body, the hash of the graph rows it wrote, and a
chain hash over both and over the record before it. Editing any stored row breaks one of them;
``verify`` names the first record where that happens. Anchor the head of the chain somewhere else
(a ticket, a signed log) and even a rewrite of the whole chain is caught with ``expect_head``.

Beside that, the rules every write is checked by are looked at across the whole store: an entity
with two content hashes, or an id that is both an entity and an activity, is listed as a
contradiction. Ingest refuses both, but a store written by other hands, or by older versions,
may hold them; they say nothing about tampering, so they do not fail the check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from pydantic import ValidationError

from provenance.graph import Fragment
from provenance.hashing import GENESIS, chain_hash, sha256_tag
from provenance.mapping import to_fragment
from provenance.records import RECORD_ADAPTER, STORED
from provenance.stores.base import Store, StoredRecord, graph_hash
from provenance.vocabulary import Type

__all__ = ["Problem", "VerifyReport", "verify"]

_VOCABULARY_TYPES = frozenset(value for name, value in vars(Type).items() if name.isupper())


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    record: str
    what: str


@dataclass(slots=True)
class VerifyReport:
    records: int = 0
    head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)
    contradictions: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head": self.head,
            "first_problem": (
                {"seq": p.seq, "record": p.record, "problem": p.what}
                if (p := next(iter(self.problems), None))
                else None
            ),
            "problems": [
                {"seq": p.seq, "record": p.record, "problem": p.what} for p in self.problems
            ],
            "contradictions": [
                {"seq": p.seq, "record": p.record, "problem": p.what} for p in self.contradictions
            ],
        }


def _problems(record: StoredRecord, previous: str, stored: Fragment) -> list[str]:
    found = []
    if sha256_tag(record.body) != record.content_hash:
        found.append("its body does not match its content hash")
    stored_graph = graph_hash(stored)
    if stored_graph != record.graph_hash:
        found.append("its graph rows do not match its graph hash")
    if record.kind != "prov-document":
        try:
            derived = graph_hash(
                to_fragment(RECORD_ADAPTER.validate_json(record.body, context=STORED))
            )
        except ValidationError:
            found.append("its body is no longer a valid record")
        else:
            if derived != record.graph_hash:
                found.append("its graph hash is not what its body maps to")
    expected = chain_hash(
        previous, record.id, record.content_hash, record.graph_hash, record.recorded_at
    )
    if expected != record.chain_hash:
        found.append("the hash chain breaks here")
    return found


def _contradictions(
    stored: Fragment, hashes: dict[str, str | None], kinds: dict[str, str]
) -> list[str]:
    """What this record says that an earlier one (or itself) contradicts: another content hash
    for an entity, or the other kind for an id (an agent may be either). ``hashes`` and
    ``kinds`` keep what was said first: in an earlier record, or within one record first in
    the elements' canonical order, not in the order a store lists them, so that every store
    words its warnings alike."""
    found = []
    for element in sorted(stored.elements, key=lambda e: e.canonical):
        if element.kind != "agent":
            kind = kinds.setdefault(element.id, element.kind)
            if kind != element.kind:
                found.append(f"{element.id} is an {element.kind} here and an {kind} before")
        given = element.content_hashes
        if len(given) > 1:
            found.append(f"{element.id} is given {len(given)} content hashes in one record")
        elif given:
            (value,) = given
            held = hashes.setdefault(element.id, value)
            if held != value:
                found.append(f"{element.id} has content hash {value} here and {held} before")
    return found


def _type_index_problems(store: Store, typed: dict[str, set[str]], last: int) -> list[Problem]:
    """The index the stores keep of nodes by type, which lists ask (``raidt runs``), must say
    what the descriptions say: it is kept beside the hashed rows, not inside them."""
    problems = []
    for type_iri in sorted({*typed, *_VOCABULARY_TYPES}):
        indexed = set(store.ids_of_type(type_iri))
        wanted = typed.get(type_iri, set())
        for node_id in sorted(indexed ^ wanted)[:5]:
            said = "lists" if node_id in indexed else "leaves out"
            problems.append(
                Problem(last, "(type index)", f"the index of {type_iri} {said} {node_id}")
            )
    return problems


def verify(store: Store, *, expect_head: str | None = None) -> VerifyReport:
    """Check every record's hashes and the chain, in write order.

    Returns
    -------
    VerifyReport
        ``ok`` when nothing was found; otherwise each problem with its record, first one first.
    """
    report = VerifyReport()
    previous = GENESIS
    typed: dict[str, set[str]] = defaultdict(set)
    hashes: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    for record in store.records():
        report.records += 1
        stored = store.fragment(record.seq)
        report.problems += [
            Problem(record.seq, record.id, what) for what in _problems(record, previous, stored)
        ]
        report.contradictions += [
            Problem(record.seq, record.id, what) for what in _contradictions(stored, hashes, kinds)
        ]
        for element in stored.elements:
            for type_iri in element.types:
                typed[type_iri].add(element.id)
        previous = record.chain_hash
    report.head = previous
    report.problems += _type_index_problems(store, typed, report.records)
    if expect_head is not None and expect_head != previous:
        report.problems.append(
            Problem(
                report.records, "(head)", f"the chain head is {previous}, expected {expect_head}"
            )
        )
    return report
