"""Tamper evidence: recompute every record's hashes and the chain that links them.

Each record keeps the SHA-256 of its canonical body, the hash of the graph rows it wrote, and a
chain hash over both and over the record before it. Editing any stored row breaks one of them;
``verify`` names the first record where that happens. Anchor the head of the chain somewhere else
(a ticket, a signed log) and even a rewrite of the whole chain is caught with ``expect_head``: the
chain must still pass through the anchored head, however many records came after it.

The rows no record's hash covers are held to the records instead: which record each node,
description and type is seen from (what answers as of a time filter by), that no relation or
description belongs to no record, and that every prefix is one a record declared or the store
would have chosen for a namespace its ids use.

Beside that, the rules every write is checked by are looked at across the whole store: an entity
with two content hashes, or an id that is both an entity and an activity, is listed as a
contradiction. Ingest refuses both, but a store written by other hands, or by older versions,
may hold them; they say nothing about tampering, so they do not fail the check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from provenance.errors import InvalidRecord, StoreFailsVerify
from provenance.graph import Fragment
from provenance.hashing import GENESIS, canonical_json, chain_hash, sha256_tag
from provenance.identifiers import STANDARD_NAMESPACES, namespace_of, suggest_prefix
from provenance.ingest import DOCUMENT_KIND
from provenance.mapping import to_fragment
from provenance.records import RECORD_ADAPTER, STORED
from provenance.stores.base import Store, StoredRecord, graph_hash, items_hash

__all__ = ["Problem", "VerifyReport", "require_verified", "verify"]


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
    anchored_at: int | None = None
    """The record whose chain hash is the expected head, when one is given and found (0: the
    empty chain): everything up to it is as it was when the head was taken."""

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
            "anchored_at": self.anchored_at,
        }


@dataclass(slots=True)
class _Seen:
    """What the records say, gathered as they are read in order: from which record on each
    node, description and type is seen, how many relations they state, and the prefixes
    documents declare."""

    visible: dict[tuple[str, str, str], int] = field(default_factory=dict)
    relations: int = 0
    declared: set[tuple[str, str]] = field(default_factory=set)

    def add(self, seq: int, stored: Fragment) -> None:
        for node_id in stored.ids():
            self.visible.setdefault(("node", node_id, ""), seq)
        for element in stored.elements:
            self.visible.setdefault(("description", element.id, element.digest), seq)
            for type_iri in element.types:
                self.visible.setdefault(("type", element.id, type_iri), seq)
        self.relations += len(stored.relations)


def _body_problems(record: StoredRecord) -> list[str]:
    """Whether the body is what the record's kind says and maps to its graph hash. The kind is
    in no hash, so it is read from the body: a record that called itself a document would
    otherwise skip the mapping check."""
    if record.kind == DOCUMENT_KIND:
        try:
            items = [canonical_json(item) for item in json.loads(record.body)["items"]]
        except (ValueError, TypeError, KeyError):
            return ["its body is not a PROV document's, as its kind says"]
        if items_hash(items) != record.graph_hash:
            return ["its graph hash is not what its document states"]
        return []
    try:
        parsed = RECORD_ADAPTER.validate_json(record.body, context=STORED)
    except ValidationError:
        return ["its body is no longer a valid record"]
    if parsed.type != record.kind:
        return [f"its kind is {record.kind!r}, but its body is a {parsed.type!r} record"]
    if graph_hash(to_fragment(parsed)) != record.graph_hash:
        return ["its graph hash is not what its body maps to"]
    return []


def _declared(record: StoredRecord) -> list[tuple[str, str]]:
    """The prefixes a document's body declares (a record of another kind declares none)."""
    if record.kind != DOCUMENT_KIND:
        return []
    try:
        return [(str(prefix), str(uri)) for prefix, uri in json.loads(record.body)["namespaces"]]
    except (ValueError, TypeError, KeyError):
        return []


def _problems(record: StoredRecord, previous: str, stored: Fragment) -> list[str]:
    found = []
    if sha256_tag(record.body) != record.content_hash:
        found.append("its body does not match its content hash")
    stored_graph = graph_hash(stored)
    if stored_graph != record.graph_hash:
        found.append("its graph rows do not match its graph hash")
    found += _body_problems(record)
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


_SHOWN = 5
"""The most problems of one sort listed: a wholesale edit need not list a million rows."""


def _named(what: str, node_id: str, key: str) -> str:
    if what == "type":
        return f"{node_id} as a {key}"
    return f"the {what} {node_id}" + (f" ({key})" if key else "")


def _visibility_problems(
    expected: dict[tuple[str, str, str], int],
    stored: Iterable[tuple[str, str, str, int]],
    last: int,
) -> list[Problem]:
    """Each node, description and type (the index ``raidt runs`` lists by) must be seen from
    the record that first gave it: a later one hides it from answers as of the time between, an
    earlier one shows it before it was recorded, and one no record gives was never recorded."""
    problems: list[Problem] = []
    unseen = dict(expected)
    for what, node_id, key, seq in stored:
        wanted = unseen.pop((what, node_id, key), None)
        named = _named(what, node_id, key)
        if wanted is None:
            problems.append(Problem(last, "(index)", f"the store shows {named}; no record does"))
        elif wanted != seq:
            said = f"the store shows {named} from record {seq}, not from record {wanted}"
            problems.append(Problem(min(seq, wanted), "(index)", said))
    for (what, node_id, key), seq in unseen.items():
        said = f"the store leaves out {_named(what, node_id, key)}; record {seq} gives it"
        problems.append(Problem(seq, "(index)", said))
    return sorted(problems, key=lambda p: (p.seq, p.what))[:_SHOWN]


def _relation_count_problems(store: Store, seen: _Seen, last: int) -> list[Problem]:
    """Every relation the store holds belongs to a record: traversals read them all, and one
    that belongs to none is read by no record's hash."""
    held = store.counts()["relations"]
    if held == seen.relations:
        return []
    return [
        Problem(
            last,
            "(relations)",
            f"the store holds {held} relations, and its records state {seen.relations}",
        )
    ]


def _namespace_problems(store: Store, seen: _Seen, last: int) -> list[Problem]:
    """Every prefix is one a document declared for its namespace, or the one the store would
    choose for a namespace its ids use given the prefixes it holds (a prefix once taken stays
    taken, so each tried before it must be another namespace's): prefixed names are read and
    written by them, so a swapped prefix would show one organisation's runs under another's."""
    used = {namespace_of(key[1]) for key in seen.visible if key[0] == "node"}
    taken = store.namespaces()
    problems = []
    for prefix, uri in sorted(taken.items()):
        if STANDARD_NAMESPACES.get(prefix) == uri or (prefix, uri) in seen.declared:
            continue
        if uri not in used and uri not in {u for _, u in seen.declared}:
            problems.append(
                Problem(last, "(prefixes)", f"prefix {prefix} names {uri}, which no record uses")
            )
        elif suggest_prefix(uri, taken) != prefix:
            problems.append(
                Problem(
                    last,
                    "(prefixes)",
                    f"prefix {prefix} names {uri}, but no record declares it and it is not "
                    "one the store chooses",
                )
            )
    return problems[:_SHOWN]


def verify(store: Store, *, expect_head: str | None = None) -> VerifyReport:
    """Check every record's hashes and the chain, in write order; then the rows no hash
    covers (what each node, description and type is seen from, relations of no record, the
    prefixes) against what the records say; then that the chain passes through the head
    expected, if one is: a head taken earlier still holds when records were added since, and
    fails when anything up to it was rewritten.

    Returns
    -------
    VerifyReport
        ``ok`` when nothing was found; otherwise each problem with its record: the records'
        own in write order, then the rest in that order.
    """
    anchor = _head(expect_head) if expect_head is not None else None
    report = VerifyReport()
    previous = GENESIS
    if anchor == GENESIS:
        report.anchored_at = 0
    hashes: dict[str, str | None] = {}
    kinds: dict[str, str] = {}
    seen = _Seen()
    for record in store.records():
        report.records += 1
        stored = store.fragment(record.seq)
        seen.add(record.seq, stored)
        seen.declared.update(_declared(record))
        report.problems += [
            Problem(record.seq, record.id, what) for what in _problems(record, previous, stored)
        ]
        report.contradictions += [
            Problem(record.seq, record.id, what) for what in _contradictions(stored, hashes, kinds)
        ]
        previous = record.chain_hash
        if report.anchored_at is None and previous == anchor:
            report.anchored_at = record.seq
    report.head = previous
    report.problems += _visibility_problems(seen.visible, store.visibility(), report.records)
    report.problems += _relation_count_problems(store, seen, report.records)
    report.problems += _namespace_problems(store, seen, report.records)
    if anchor is not None and report.anchored_at is None:
        report.problems.append(
            Problem(
                report.records,
                "(head)",
                f"the chain never passes through the expected head {expect_head}: a record up "
                "to it was rewritten or removed, or it is another store's head",
            )
        )
    return report


def _head(given: str) -> str:
    """A chain head as kept (any case, spaces around it): a value that is no chain head at all,
    a typo or a cut copy, is a mistake to say as such, not a rewritten chain.

    Raises
    ------
    InvalidRecord
        When it is not 64 hexadecimal digits.
    """
    head = given.strip().lower()
    if len(head) != len(GENESIS) or not all(c in "0123456789abcdef" for c in head):
        raise InvalidRecord(
            f"expected head {given!r} is not a chain head: one is 64 hexadecimal digits, "
            "as `raidt verify` prints it"
        )
    return head


def require_verified(store: Store, refused: str) -> VerifyReport:
    """The store's report, once it verifies: what is built to vouch for its records (a pack, a
    copy that hashes them afresh) would vouch for tampering too.

    Raises
    ------
    StoreFailsVerify
        Naming the first problem and ``refused``, what is not done because of it.
    """
    report = verify(store)
    if not report.ok:
        first = report.problems[0]
        raise StoreFailsVerify(
            f"{store.url} fails verification at record {first.seq} ({first.record}): "
            f"{first.what}; {refused} (`raidt verify` lists every problem)"
        )
    return report
