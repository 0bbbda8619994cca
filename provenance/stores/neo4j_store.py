"""The Neo4j store: the same graph, records and hash chain on a Neo4j 5 server, cluster or Aura.

Nodes are ``:Node`` with their PROV kind and RAIDT type as labels (``:Node:Entity:Output``); each
distinct description is a ``:Description`` linked to the node it describes, so a node keeps every
record's view of it. Relations are relationships named after PROV (``USED``,
``WAS_GENERATED_BY`` …) carrying their record's sequence number and attributes. Records, the chain
head and namespace prefixes are nodes too. One driver per store object; every write is one managed
transaction, retried by the driver on transient errors, and appends to the chain under its lock.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import exceptions as neo4j_errors

from provenance.errors import StoreError, StoreUnavailable
from provenance.graph import Element, Fragment, Node, Relation
from provenance.hashing import GENESIS
from provenance.identifiers import STANDARD_NAMESPACES
from provenance.stores import cypher
from provenance.stores.base import (
    Direction,
    PreparedRecord,
    StoredRecord,
    Traversal,
    WriteResult,
    read_attributes,
    read_kind,
)
from provenance.stores.plan import Head, Planned, namespace_pairs, new_prefixes, plan, stamp
from provenance.vocabulary import PROV, Attr

__all__ = ["Neo4jStore", "neo4j_settings"]

_T = TypeVar("_T")

_ALL = 2**62
_PAGE = 1000


DEFAULT_TIMEOUT = 15.0
"""Seconds to wait for a server before saying it cannot be reached: the driver's own defaults
(30 s of retries, 60 s for a connection) keep a caller, and a web request, waiting a minute."""


def _timeout() -> float:
    """``RAIDT_NEO4J_TIMEOUT``: how long to connect, and to retry a failed statement, at most."""
    given = os.environ.get("RAIDT_NEO4J_TIMEOUT")
    if not given:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(given)
    except ValueError:
        seconds = math.nan
    if not (seconds > 0 and math.isfinite(seconds)):
        raise StoreUnavailable(
            f"RAIDT_NEO4J_TIMEOUT must be a number of seconds above 0, not {given!r}"
        )
    return seconds


def neo4j_settings(url: str) -> dict[str, Any]:
    """Where and as whom to connect, and how long to wait: the URL, then ``RAIDT_NEO4J_USER``,
    ``RAIDT_NEO4J_PASSWORD``, ``RAIDT_NEO4J_DATABASE`` and ``RAIDT_NEO4J_TIMEOUT`` (credentials
    in the URL win, as ``neo4j://user:pw@host``)."""
    parts = urlsplit(url)
    user = parts.username or os.environ.get("RAIDT_NEO4J_USER", "neo4j")
    password = parts.password or os.environ.get("RAIDT_NEO4J_PASSWORD", "")
    host = parts.hostname or "localhost"
    netloc = f"{host}:{parts.port}" if parts.port else host
    database = parts.path.strip("/") or os.environ.get("RAIDT_NEO4J_DATABASE") or "neo4j"
    return {
        "uri": urlunsplit((parts.scheme, netloc, "", "", "")),
        "user": user,
        "password": password,
        "database": database,
        "timeout": _timeout(),
    }


def _relation(row: neo4j.Record, kind: str | None = None) -> Relation:
    """A relation from a relationship row (its type names the kind) or a loose one (``kind``)."""
    return Relation(
        kind or cypher.kinds_of(row["type"])[0],
        row["src"],
        row["dst"],
        read_attributes(row["attributes"]),
        row["rid"],
        row["bundle"],
    )


def _statement(row: neo4j.Record) -> tuple[Any, ...]:
    """What makes two relationships one PROV statement, whichever records stated it: the same
    relation between the same nodes, with the same attributes."""
    return (row["type"], row["src"], row["dst"], row["attributes"], row["rid"], row["bundle"])


def _properties(relation: Relation, seq: int) -> dict[str, Any]:
    """What a relationship keeps: its record, its PROV attributes, and the attributes queries
    filter on as plain properties (role, time, plan, scope, validity)."""
    props: dict[str, Any] = {
        "seq": seq,
        "rid": relation.id,
        "bundle": relation.bundle,
        "attributes": relation.attributes_json,
    }
    for name, key in (
        (Attr.ROLE, "role"),
        (PROV + "time", "time"),
        (PROV + "plan", "plan"),
        (PROV + "activity", "activity"),
        (Attr.VALID_FROM, "valid_from"),
        (Attr.VALID_TO, "valid_to"),
    ):
        value = relation.first(name)
        if isinstance(value, dict):
            props[key] = next(iter(value.values()))
    scopes = [v for k, v in relation.attributes if k == Attr.SCOPE and isinstance(v, str)]
    if scopes:
        props["scope"] = scopes
    return {k: v for k, v in props.items() if v is not None}


class Neo4jStore:
    """A store on a Neo4j 5 server (5.26 or later: dynamic labels, ``ANY SHORTEST``)."""

    def __init__(self, url: str) -> None:
        settings = neo4j_settings(url)
        self.url = f"{settings['uri']}/{settings['database']}"
        self._database = settings["database"]
        self._local = threading.local()
        self._bookmarks = neo4j.GraphDatabase.bookmark_manager()
        with self._errors("connect to"):
            self._driver = neo4j.GraphDatabase.driver(
                settings["uri"],
                auth=(settings["user"], settings["password"]),
                connection_timeout=settings["timeout"],
                connection_acquisition_timeout=settings["timeout"],
                max_transaction_retry_time=settings["timeout"],
            )
            try:
                self._driver.verify_connectivity()
                with self._session() as session:
                    for statement in cypher.SCHEMA:
                        session.run(statement).consume()
            except BaseException:
                self._driver.close()
                raise

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn the driver's errors into the package's, saying which server and what to check."""
        where = f"Neo4j at {getattr(self, 'url', 'the given URL')}"
        try:
            yield
        except neo4j_errors.AuthError as error:
            raise StoreUnavailable(
                f"cannot {doing} {where}: the server refused the credentials; "
                "check RAIDT_NEO4J_USER and RAIDT_NEO4J_PASSWORD"
            ) from error
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as error:
            raise StoreUnavailable(
                f"cannot {doing} {where}: {error}; check that the server is running and the "
                "address and port are right"
            ) from error
        except neo4j_errors.ConfigurationError as error:
            raise StoreUnavailable(f"cannot {doing} {where}: {error}") from error
        except neo4j_errors.ClientError as error:
            if error.code and "DatabaseNotFound" in error.code:
                raise StoreUnavailable(
                    f"cannot {doing} {where}: there is no database {self._database!r}; "
                    "check RAIDT_NEO4J_DATABASE"
                ) from error
            raise StoreError(f"cannot {doing} {where}: {error.message}") from error
        except neo4j_errors.Neo4jError as error:
            raise StoreError(f"cannot {doing} {where}: {error}") from error
        except neo4j_errors.DriverError as error:
            raise StoreUnavailable(f"cannot {doing} {where}: {error}") from error

    def _session(self) -> neo4j.Session:
        """A session that sees every write this store committed before it: on a cluster, a read
        may go to a server the last write has not reached yet, and the store's one bookmark
        manager makes it wait until it has (a copy checked at once after it is written)."""
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    def _read(self, query: str, **params: Any) -> list[neo4j.Record]:
        """Run a read, inside this thread's open transaction if it has one, so that it sees the
        writes made there, as SQLite's reads do."""
        return self._reads(lambda tx: list(tx.run(query, params)))

    def _reads(self, work: Callable[[Any], _T]) -> _T:
        """Run reads together: in this thread's open transaction, else in one read transaction
        of their own."""
        open_transaction = self._open_transaction()
        with self._errors("read from"):
            if open_transaction is not None:
                return work(open_transaction)
            with self._session() as session:
                return session.execute_read(work)

    def close(self) -> None:
        self._driver.close()

    # -- writing -----------------------------------------------------------------------------

    def write(self, records: Sequence[PreparedRecord]) -> WriteResult:
        open_transaction = self._open_transaction()
        with self._errors("write to"):
            if open_transaction is not None:
                # what it wrote before failing cannot be undone alone: the transaction fails
                with self._joined():
                    return self._write(open_transaction, records)
            with self._session() as session:
                return session.execute_write(self._write, records)

    def record_hashes(self, record_ids: Iterable[str]) -> dict[str, str]:
        rows = self._read(cypher.EXISTING_RECORDS, ids=list(dict.fromkeys(record_ids)))
        return {row["id"]: row["hash"] for row in rows}

    def record_times(self, record_ids: Iterable[str]) -> dict[str, str]:
        rows = self._read(cypher.RECORD_TIMES, ids=list(dict.fromkeys(record_ids)))
        return {row["id"]: row["time"] for row in rows}

    def _open_transaction(self) -> neo4j.Transaction | None:
        """The transaction this thread holds open with :meth:`transaction`, if any."""
        found: neo4j.Transaction | None = getattr(self._local, "transaction", None)
        return found

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """An explicit transaction the writes of this thread join until the block ends; unlike a
        single write, it is not retried on a transient error. It takes the chain's write lock
        as it begins, as SQLite's does, so that checks made inside it see every write another
        writer committed before, and none that lands in between.

        One opened inside another in the same thread joins it, where SQLite nests a savepoint:
        Neo4j has none, and a transaction of its own would wait for ever on the chain lock the
        outer one holds. What the inner block wrote cannot be undone alone, so its failure fails
        the outer transaction too, even if caught there: all of it is written, or none.
        """
        if self._open_transaction() is not None:
            with self._joined():
                yield
            return
        with (
            self._errors("write to"),
            self._session() as session,
            session.begin_transaction() as tx,
        ):
            chain = tx.run(cypher.HEAD, genesis=GENESIS).single(strict=True)
            self._local.transaction = tx
            self._local.stamp = stamp(chain["time"])
            self._local.broken = False
            try:
                yield
                if self._local.broken:
                    raise StoreError(
                        "a write or a transaction nested in this one failed, and Neo4j cannot "
                        "undo part of a transaction: nothing of it is written"
                    )
                tx.commit()
            finally:
                self._local.transaction = None
                self._local.stamp = None

    @contextmanager
    def _joined(self) -> Iterator[None]:
        """A transaction nested in this thread's open one: that one, marked broken if the block
        fails."""
        try:
            yield
        except BaseException:
            self._local.broken = True
            raise

    def _write(
        self, tx: neo4j.ManagedTransaction | neo4j.Transaction, records: Sequence[PreparedRecord]
    ) -> WriteResult:
        chain = tx.run(cypher.HEAD, genesis=GENESIS).single(strict=True)
        stored = {
            row["id"]: row["hash"]
            for row in tx.run(cypher.EXISTING_RECORDS, ids=[r.id for r in records])
        }
        head = Head(chain["seq"], chain["head"], chain["time"])
        planned, result = plan(records, stored, head, getattr(self._local, "stamp", None))
        if not planned:
            return result
        first_seen: dict[str, int] = {}
        for p in planned:
            for node_id in p.record.fragment.ids():
                first_seen.setdefault(node_id, p.seq)
        tx.run(cypher.MERGE_NODES, rows=[{"id": i, "seq": s} for i, s in first_seen.items()])
        tx.run(cypher.MERGE_DESCRIPTIONS, rows=self._descriptions(planned))
        tx.run(cypher.CREATE_RECORDS, rows=[self._record_row(p) for p in planned])
        complete = [
            {
                "src": r.src,
                "dst": r.dst,
                "type": cypher.RELATION_TYPES[r.kind],
                "props": _properties(r, p.seq),
            }
            for p in planned
            for r in p.relations
            if r.src and r.dst
        ]
        tx.run(cypher.CREATE_RELATIONS, rows=complete)
        loose = [
            {
                "seq": p.seq,
                "kind": r.kind,
                "src": r.src,
                "dst": r.dst,
                "rid": r.id,
                "bundle": r.bundle,
                "attributes": r.attributes_json,
            }
            for p in planned
            for r in p.relations
            if not (r.src and r.dst)
        ]
        if loose:
            tx.run(cypher.CREATE_LOOSE, rows=loose)
        known = {row["prefix"]: row["uri"] for row in tx.run(cypher.NAMESPACES)}
        added = new_prefixes({**STANDARD_NAMESPACES, **known}, namespace_pairs(planned, first_seen))
        if added:
            tx.run(cypher.SAVE_NAMESPACES, rows=[{"prefix": p, "uri": u} for p, u in added])
        last = planned[-1]
        tx.run(cypher.SET_HEAD, seq=last.seq, head=last.chain_hash, time=last.recorded_at)
        return result

    @staticmethod
    def _descriptions(planned: list[Planned]) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for p in planned:
            for element in p.elements:
                if element.digest in rows:
                    continue
                types = element.types
                labels = [cypher.KIND_LABELS[element.kind]]
                labels += [cypher.TYPE_LABELS[t] for t in types if t in cypher.TYPE_LABELS]
                rows[element.digest] = {
                    "digest": element.digest,
                    "node": element.id,
                    "kind": element.kind,
                    "bundle": element.bundle,
                    "attributes": element.attributes_json,
                    "types": types,
                    "labels": labels,
                    "seq": p.seq,
                }
        return list(rows.values())

    @staticmethod
    def _record_row(p: Planned) -> dict[str, Any]:
        return {
            "seq": p.seq,
            "id": p.record.id,
            "kind": p.record.kind,
            "body": p.record.body,
            "content_hash": p.record.content_hash,
            "graph_hash": p.graph_hash,
            "chain_hash": p.chain_hash,
            "recorded_at": p.recorded_at,
            "elements": sorted({e.digest for e in p.elements}),
        }

    # -- reading -----------------------------------------------------------------------------

    @staticmethod
    def _stored(node: Any) -> StoredRecord:
        return StoredRecord(
            node["seq"],
            node["id"],
            node["kind"],
            node["body"],
            node["content_hash"],
            node["graph_hash"],
            node["chain_hash"],
            node["recorded_at"],
        )

    def record(self, record_id: str) -> StoredRecord | None:
        rows = self._read(cypher.RECORD, id=record_id)
        return self._stored(rows[0]["r"]) if rows else None

    def records(self, *, after: int = 0) -> Iterator[StoredRecord]:
        while True:
            rows = self._read(cypher.RECORDS_AFTER, after=after, limit=_PAGE)
            for row in rows:
                yield self._stored(row["r"])
            if len(rows) < _PAGE:
                return
            after = rows[-1]["r"]["seq"]

    def fragment(self, seq: int) -> Fragment:
        elements = tuple(
            Element(
                row["id"], read_kind(row["kind"]), read_attributes(row["attributes"]), row["bundle"]
            )
            for row in self._read(cypher.descriptions_of_record(), seq=seq)
        )
        relations = [_relation(row) for row in self._read(cypher.relations_of_record(), seq=seq)]
        relations += [
            _relation(row, row["kind"]) for row in self._read(cypher.LOOSE_OF_RECORD, seq=seq)
        ]
        return Fragment(elements, tuple(relations))

    def seq_at(self, time: str) -> int:
        return int(self._read(cypher.SEQ_AT, time=time)[0]["seq"])

    def nodes(self, ids: Iterable[str], *, as_of: int | None = None) -> dict[str, Node]:
        wanted = list(dict.fromkeys(ids))
        rows = self._read(cypher.NODES, ids=wanted, as_of=_limit(as_of))
        found = {
            row["id"]: Node.merge(
                row["id"],
                (
                    (read_kind(kind), read_attributes(attributes))
                    for kind, _, attributes in row["descriptions"]
                    if kind is not None
                ),
            )
            for row in rows
        }
        return {node_id: found[node_id] for node_id in wanted if node_id in found}

    def descriptions(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Element]:
        rows = self._read(cypher.NODES, ids=list(dict.fromkeys(ids)), as_of=_limit(as_of))
        return [
            Element(row["id"], read_kind(kind), read_attributes(attributes), bundle)
            for row in rows
            for kind, bundle, attributes in row["descriptions"]
            if kind is not None
        ]

    def ids_of_type(self, type_iri: str, *, as_of: int | None = None) -> list[str]:
        rows = self._read(cypher.ids_of_type(type_iri), type=type_iri, as_of=_limit(as_of))
        return [row["id"] for row in rows]

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
        skipped = sorted(set(without_types))
        kind_list = cypher.known_kinds(kinds)
        wanted = list(dict.fromkeys(starts))

        def walk(tx: Any) -> Traversal:
            # the walk takes three statements; a record committed between them must not add a
            # relation whose far end the search did not reach, so all read as of one record
            limit = as_of if as_of is not None else tx.run(cypher.LAST_SEQ).single()["seq"]
            present = [row[0] for row in tx.run(cypher.START_NODES, ids=wanted, as_of=limit)]
            depths = dict.fromkeys(present, 0)
            if not present or not kind_list or max_depth < 1:
                return Traversal(depths, ())
            reach = cypher.reach(kind_list, direction, max_depth, without_activity, bool(skipped))
            for row in tx.run(reach, ids=present, as_of=limit, skipped=skipped):
                depths.setdefault(row["id"], row["depth"])
            expanded = [node for node, depth in depths.items() if depth < max_depth]
            found: dict[tuple[Any, ...], Relation] = {}
            followed = cypher.step(kind_list, direction, without_activity, bool(skipped))
            for row in tx.run(followed, ids=expanded, as_of=limit, skipped=skipped):
                found.setdefault(_statement(row), _relation(row))
            return Traversal(depths, tuple(found.values()))

        return self._reads(walk)

    def relations_between(
        self,
        ids: Iterable[str],
        *,
        kinds: Iterable[str] | None = None,
        as_of: int | None = None,
    ) -> list[Relation]:
        kind_list = cypher.known_kinds(cypher.RELATION_TYPES if kinds is None else kinds)
        if not kind_list:
            return []
        rows = self._read(
            cypher.relations_between(kind_list),
            ids=list(dict.fromkeys(ids)),
            as_of=_limit(as_of),
        )
        return list({_statement(row): _relation(row) for row in rows}.values())

    def relations_named(self, rids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        rows = self._read(
            cypher.relations_named(), rids=list(dict.fromkeys(rids)), as_of=_limit(as_of)
        )
        return [_relation(row, row["kind"]) for row in rows]

    def loose_relations(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        rows = self._read(cypher.LOOSE_OF_NODES, ids=list(dict.fromkeys(ids)), as_of=_limit(as_of))
        found = (_relation(row, row["kind"]) for row in rows)
        return list({r.canonical: r for r in found}.values())

    def namespaces(self) -> dict[str, str]:
        stored = {row["prefix"]: row["uri"] for row in self._read(cypher.NAMESPACES)}
        return {**STANDARD_NAMESPACES, **stored}

    def visibility(self) -> Iterator[tuple[str, str, str, int]]:
        for row in self._read(cypher.VISIBILITY, labels=cypher.TYPE_LABELS):
            yield row["what"], row["id"], row["key"], row["seq"]

    def counts(self) -> dict[str, int]:
        return {
            "records": self._read(cypher.COUNT_RECORDS)[0]["n"],
            "nodes": self._read(cypher.COUNT_NODES)[0]["n"],
            "relations": sum(row["n"] for row in self._read(cypher.COUNT_RELATIONS)),
        }


def _limit(as_of: int | None) -> int:
    return _ALL if as_of is None else as_of
