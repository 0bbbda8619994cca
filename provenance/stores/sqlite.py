"""The embedded store: one SQLite file, no server, every write one transaction.

A description of a node that several records repeat (the same person, model or template version in
every run) is stored once and linked to each record, so reading a node costs one row per distinct
description. Nodes get integer ids; relations are indexed both ways, ``(src, kind, dst)`` and
``(dst, kind, src)``, so that each step of a traversal is an index seek. Traversals run
breadth-first one level per query, keeping the visited set in Python, so a node reached by many
paths is expanded once (a recursive CTE would carry each path).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from provenance.errors import StoreError, StoreUnavailable
from provenance.graph import Attributes, Element, Fragment, Node, NodeKind, Relation
from provenance.identifiers import STANDARD_NAMESPACES
from provenance.stores.base import (
    ACTIVITY_BOUND,
    Direction,
    PreparedRecord,
    StoredRecord,
    Traversal,
    WriteResult,
    read_attributes,
    read_kind,
)
from provenance.stores.plan import (
    GENESIS_HEAD,
    Head,
    Planned,
    namespace_pairs,
    new_prefixes,
    plan,
    stamp,
)
from provenance.vocabulary import RELATION_KINDS

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    graph_hash TEXT NOT NULL,
    chain_hash TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_time ON records (recorded_at);
CREATE TABLE IF NOT EXISTS namespaces (prefix TEXT PRIMARY KEY, uri TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS nodes (
    nid INTEGER PRIMARY KEY,
    iri TEXT NOT NULL UNIQUE,
    first_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS descriptions (
    did INTEGER PRIMARY KEY,
    nid INTEGER NOT NULL REFERENCES nodes (nid),
    kind TEXT NOT NULL,
    bundle TEXT,
    attributes TEXT NOT NULL,
    digest TEXT NOT NULL UNIQUE,
    first_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS descriptions_by_node ON descriptions (nid, first_seq);
CREATE TABLE IF NOT EXISTS record_elements (
    record_seq INTEGER NOT NULL REFERENCES records (seq),
    did INTEGER NOT NULL REFERENCES descriptions (did),
    PRIMARY KEY (record_seq, did)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS node_types (
    type TEXT NOT NULL,
    nid INTEGER NOT NULL REFERENCES nodes (nid),
    first_seq INTEGER NOT NULL,
    PRIMARY KEY (type, nid)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
    eid INTEGER PRIMARY KEY,
    record_seq INTEGER NOT NULL REFERENCES records (seq),
    kind TEXT NOT NULL,
    src INTEGER REFERENCES nodes (nid),
    dst INTEGER REFERENCES nodes (nid),
    rid TEXT,
    bundle TEXT,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edges_out ON edges (src, kind, dst);
CREATE INDEX IF NOT EXISTS edges_in ON edges (dst, kind, src);
CREATE INDEX IF NOT EXISTS edges_by_record ON edges (record_seq);
"""


def _standing(prefix: str = "") -> str:
    """Standing delegations: ``actedOnBehalfOf`` not bound to one activity. They have an index of
    their own, since a person's claims (one for each decision made in another's name) can number
    thousands, and a walk up the chains would read and drop every one at each step."""
    bound = f"instr({prefix}attributes, '{ACTIVITY_BOUND}') = 0"
    return f"{prefix}kind = 'actedOnBehalfOf' AND {bound}"


_STANDING_INDEX = (
    f"CREATE INDEX IF NOT EXISTS edges_standing ON edges (src, dst) WHERE {_standing()}"
)

_RID_INDEX = "CREATE INDEX IF NOT EXISTS edges_by_rid ON edges (rid) WHERE rid IS NOT NULL"
"""Relation ids, which only imported documents give: an import checks that each names one
relation."""

_CHUNK = 500
_STATEMENTS = 512
"""Compiled statements the connection keeps: every shape of query, in every padded length."""
_REMEMBERED = 200_000
"""How many nodes' row ids a store keeps from its traversals (some 30 MB)."""
_PAGE = 1000
_EDGE_COLUMNS = "e.eid, e.kind, s.iri, d.iri, e.attributes, e.rid, e.bundle"
_EDGE_JOIN = "edges e LEFT JOIN nodes s ON s.nid = e.src LEFT JOIN nodes d ON d.nid = e.dst"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    """The items for SQL ``IN`` lists, at most ``size`` at a time, each list padded with NULLs
    (which match nothing) to a power of two: then each query comes in a few lengths that SQLite
    has compiled before, where a new length costs it more than a small query's whole run."""
    for start in range(0, len(items), size):
        chunk = list(items[start : start + size])
        yield chunk + [None] * ((1 << (len(chunk) - 1).bit_length()) - len(chunk))


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _relation(row: sqlite3.Row | tuple[Any, ...]) -> Relation:
    _, kind, src, dst, attributes, rid, bundle = row
    return Relation(kind, src, dst, read_attributes(attributes), rid, bundle)


def _no_store(path: str) -> StoreUnavailable:
    return StoreUnavailable(f"no store at {path}: `raidt record` or `raidt demo` makes one")


class SQLiteStore:
    """A store in one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """Open the store in ``path``, making an empty one there if there is none, unless
        ``create`` is false: a question asked of a mistyped path should say so, not answer from
        a new empty store."""
        self.path = str(path)
        self.url = f"sqlite:///{self.path}"
        self._lock = threading.RLock()
        self._stamp: str | None = None
        """The time the transaction this thread holds open records its writes at."""
        self._nids: dict[str, int] = {}
        """The row ids of nodes traversals reached lately, so that reading those nodes next seeks
        them by row id, not by IRI; forgotten when a transaction rolls back, which may free
        row ids that new nodes would take."""
        with self._errors("open"):
            if self.path != ":memory:":
                parent = Path(self.path).parent
                if not parent.is_dir():
                    raise StoreUnavailable(f"cannot open {self.path}: no directory {parent}")
                if not create and not Path(self.path).exists():
                    raise _no_store(self.path)
            self._db = sqlite3.connect(
                self.path,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=_STATEMENTS,
            )
            self._refuse_other_files(create)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("PRAGMA cache_size=-262144")
            self._db.executescript(_SCHEMA)
            self._standing = self._indexed("edges_standing", _STANDING_INDEX)
            self._indexed("edges_by_rid", _RID_INDEX)
            self._check_version()

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn SQLite's errors into the package's, naming the file; and take the connection,
        which threads (a web server's workers) share one at a time."""
        try:
            with self._lock:
                yield
        except sqlite3.OperationalError as error:
            message = f"cannot {doing} the store {self.path}: {error}"
            if "locked" in str(error) or "unable to open" in str(error):
                raise StoreUnavailable(message) from error
            raise StoreError(message) from error
        except sqlite3.DatabaseError as error:
            raise StoreUnavailable(
                f"cannot {doing} the store {self.path}: {error} (is it a RAIDT store file?)"
            ) from error

    def _refuse_other_files(self, create: bool) -> None:
        """Touch nothing in a file that is not a store: an application's own database given by
        mistake would otherwise get this store's tables and a changed journal mode; and a
        question asked of an empty file should say there is no store, as for a missing one."""
        tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        problem = None
        if tables and "records" not in tables:
            problem = StoreUnavailable(
                f"{self.path} is a database, but not a RAIDT store: it holds other tables"
            )
        elif not tables and not create:
            problem = _no_store(self.path)
        if problem:
            self._db.close()
            raise problem

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self.path} has store schema {row[0]}; this version reads schema {SCHEMA_VERSION}"
            )

    def _indexed(self, name: str, statement: str) -> bool:
        """Whether the index ``name`` is there: a store made before it existed gets it now,
        unless the file is read-only, when what would seek it reads the table instead (a walk up
        the chains reads the claims too)."""
        found = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
        if found:
            return True
        try:
            self._db.execute(statement)
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise
            return False
        return True

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing -----------------------------------------------------------------------------

    def write(self, records: Sequence[PreparedRecord]) -> WriteResult:
        with self._errors("write to"), self._atomic():
            stored = self.record_hashes(r.id for r in records)
            planned, result = plan(records, stored, self._head(), self._stamp)
            self._insert(planned)
        return result

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._errors("write to"), self._atomic():
            outer = self._stamp is None
            if outer:
                self._stamp = stamp(self._head().time)
            try:
                yield
            finally:
                if outer:
                    self._stamp = None

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """All or nothing: a transaction of its own, which takes the write lock at once, or a
        savepoint inside the one this thread holds open (the connection's lock keeps other
        threads out until it ends)."""
        nested = self._db.in_transaction
        self._db.execute("SAVEPOINT atomic" if nested else "BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._nids.clear()
            self._db.execute("ROLLBACK TO atomic" if nested else "ROLLBACK")
            if nested:
                self._db.execute("RELEASE atomic")
            raise
        try:
            self._db.execute("RELEASE atomic" if nested else "COMMIT")
        except BaseException:
            self._nids.clear()
            raise

    def record_hashes(self, record_ids: Iterable[str]) -> dict[str, str]:
        return self._of_records("content_hash", record_ids)

    def record_times(self, record_ids: Iterable[str]) -> dict[str, str]:
        return self._of_records("recorded_at", record_ids)

    def _of_records(self, column: str, record_ids: Iterable[str]) -> dict[str, str]:
        """One column of each of these records the store holds, by id."""
        stored: dict[str, str] = {}
        with self._errors("read"):
            for chunk in _chunks(list(dict.fromkeys(record_ids))):
                stored.update(
                    self._db.execute(
                        f"SELECT id, {column} FROM records WHERE id IN ({_marks(len(chunk))})",
                        chunk,
                    ).fetchall()
                )
        return stored

    def _head(self) -> Head:
        row = self._db.execute(
            "SELECT seq, chain_hash, recorded_at FROM records ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return Head(*row) if row else GENESIS_HEAD

    def _insert(self, planned: list[Planned]) -> None:
        if not planned:
            return
        nids, new_ids = self._node_ids(planned)
        dids = self._description_ids(planned, nids)
        self._db.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.seq,
                    p.record.id,
                    p.record.kind,
                    p.record.body,
                    p.record.content_hash,
                    p.graph_hash,
                    p.chain_hash,
                    p.recorded_at,
                )
                for p in planned
            ],
        )
        self._db.executemany(
            "INSERT INTO record_elements VALUES (?, ?)",
            [(p.seq, dids[e.digest]) for p in planned for e in p.elements],
        )
        self._db.executemany(
            "INSERT INTO edges (record_seq, kind, src, dst, rid, bundle, attributes) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.seq,
                    r.kind,
                    nids[r.src] if r.src else None,
                    nids[r.dst] if r.dst else None,
                    r.id,
                    r.bundle,
                    r.attributes_json,
                )
                for p in planned
                for r in p.relations
            ],
        )
        self._db.executemany(
            "INSERT INTO namespaces VALUES (?, ?)",
            new_prefixes(self.namespaces(), namespace_pairs(planned, new_ids)),
        )

    def _description_ids(self, planned: list[Planned], nids: dict[str, int]) -> dict[str, int]:
        """Row ids for every distinct element description, keyed by digest; new ones are stored
        once, with the types they assert."""
        first: dict[str, tuple[int, Element]] = {}
        for p in planned:
            for element in p.elements:
                first.setdefault(element.digest, (p.seq, element))
        found: dict[str, int] = {}
        digests = list(first)
        for chunk in _chunks(digests):
            found.update(
                self._db.execute(
                    f"SELECT digest, did FROM descriptions WHERE digest IN ({_marks(len(chunk))})",
                    chunk,
                ).fetchall()
            )
        missing = [digest for digest in digests if digest not in found]
        if missing:
            start = self._db.execute("SELECT COALESCE(MAX(did), 0) FROM descriptions").fetchone()[0]
            description_rows: list[tuple[Any, ...]] = []
            type_rows: list[tuple[Any, ...]] = []
            for did, digest in enumerate(missing, start=start + 1):
                seq, element = first[digest]
                nid = nids[element.id]
                found[digest] = did
                description_rows.append(
                    (did, nid, element.kind, element.bundle, element.attributes_json, digest, seq)
                )
                type_rows.extend((type_iri, nid, seq) for type_iri in element.types)
            self._db.executemany(
                "INSERT INTO descriptions VALUES (?, ?, ?, ?, ?, ?, ?)", description_rows
            )
            self._db.executemany("INSERT OR IGNORE INTO node_types VALUES (?, ?, ?)", type_rows)
        return found

    def _node_ids(self, planned: list[Planned]) -> tuple[dict[str, int], list[str]]:
        """Integer ids for every node the records mention, creating the missing ones; and the
        ids of those new nodes."""
        first_seen: dict[str, int] = {}
        for p in planned:
            for node_id in p.record.fragment.ids():
                first_seen.setdefault(node_id, p.seq)
        ids = list(first_seen)
        nids: dict[str, int] = {}
        for chunk in _chunks(ids):
            nids.update(
                self._db.execute(
                    f"SELECT iri, nid FROM nodes WHERE iri IN ({_marks(len(chunk))})", chunk
                ).fetchall()
            )
        missing = [(iri, first_seen[iri]) for iri in ids if iri not in nids]
        if missing:
            cursor = self._db.execute("SELECT COALESCE(MAX(nid), 0) FROM nodes")
            start = cursor.fetchone()[0] + 1
            self._db.executemany(
                "INSERT INTO nodes (nid, iri, first_seq) VALUES (?, ?, ?)",
                [(start + i, iri, seq) for i, (iri, seq) in enumerate(missing)],
            )
            nids.update((iri, start + i) for i, (iri, _) in enumerate(missing))
        return nids, [iri for iri, _ in missing]

    # -- reading -----------------------------------------------------------------------------

    def record(self, record_id: str) -> StoredRecord | None:
        with self._errors("read"):
            row = self._db.execute("SELECT * FROM records WHERE id = ?", (record_id,)).fetchone()
        return StoredRecord(*row) if row else None

    def records(self, *, after: int = 0) -> Iterator[StoredRecord]:
        while True:
            with self._errors("read"):
                rows = self._db.execute(
                    "SELECT * FROM records WHERE seq > ? ORDER BY seq LIMIT ?", (after, _PAGE)
                ).fetchall()
            yield from (StoredRecord(*row) for row in rows)
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def fragment(self, seq: int) -> Fragment:
        with self._errors("read"):
            elements = tuple(
                Element(iri, kind, read_attributes(attributes), bundle)
                for iri, kind, bundle, attributes in self._db.execute(
                    "SELECT n.iri, d.kind, d.bundle, d.attributes FROM record_elements r "
                    "JOIN descriptions d ON d.did = r.did JOIN nodes n ON n.nid = d.nid "
                    "WHERE r.record_seq = ?",
                    (seq,),
                )
            )
            relations = tuple(
                _relation(row)
                for row in self._db.execute(
                    f"SELECT {_EDGE_COLUMNS} FROM {_EDGE_JOIN} WHERE e.record_seq = ?", (seq,)
                )
            )
        return Fragment(elements, relations)

    def seq_at(self, time: str) -> int:
        with self._errors("read"):
            row = self._db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM records WHERE recorded_at <= ?", (time,)
            ).fetchone()
        return int(row[0])

    def nodes(self, ids: Iterable[str], *, as_of: int | None = None) -> dict[str, Node]:
        wanted = list(dict.fromkeys(ids))
        limit = as_of if as_of is not None else 2**62
        descriptions: dict[str, list[tuple[NodeKind, Attributes]]] = {}
        with self._errors("read"):
            by_nid = [nid for iri in wanted if (nid := self._nids.get(iri)) is not None]
            by_iri = [iri for iri in wanted if iri not in self._nids]
            for column, keys in (("nid", by_nid), ("iri", by_iri)):
                for chunk in _chunks(keys):
                    cursor = self._db.execute(
                        "SELECT n.iri, d.kind, d.attributes FROM nodes n "
                        "LEFT JOIN descriptions d ON d.nid = n.nid AND d.first_seq <= ? "
                        f"WHERE n.{column} IN ({_marks(len(chunk))}) AND n.first_seq <= ?",
                        (limit, *chunk, limit),
                    )
                    for iri, kind, attributes in cursor:
                        found = descriptions.setdefault(iri, [])
                        if kind is not None:
                            found.append((read_kind(kind), read_attributes(attributes)))
        return {iri: Node.merge(iri, descriptions[iri]) for iri in wanted if iri in descriptions}

    def descriptions(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Element]:
        limit = as_of if as_of is not None else 2**62
        found: list[Element] = []
        with self._errors("read"):
            for chunk in _chunks(list(dict.fromkeys(ids))):
                found += (
                    Element(iri, read_kind(kind), read_attributes(attributes), bundle)
                    for iri, kind, bundle, attributes in self._db.execute(
                        "SELECT n.iri, d.kind, d.bundle, d.attributes FROM nodes n "
                        "JOIN descriptions d ON d.nid = n.nid AND d.first_seq <= ? "
                        f"WHERE n.iri IN ({_marks(len(chunk))}) ORDER BY d.did",
                        (limit, *chunk),
                    )
                )
        return found

    def ids_of_type(self, type_iri: str, *, as_of: int | None = None) -> list[str]:
        with self._errors("read"):
            cursor = self._db.execute(
                "SELECT DISTINCT n.iri FROM node_types t JOIN nodes n ON n.nid = t.nid "
                "WHERE t.type = ? AND t.first_seq <= ? ORDER BY n.iri",
                (type_iri, as_of if as_of is not None else 2**62),
            )
            return [row[0] for row in cursor]

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
        kind_list = sorted(set(kinds))
        skipped = sorted(set(without_types))
        limit = as_of if as_of is not None else 2**62
        with self._errors("read"):
            start_ids = list(dict.fromkeys(starts))
            frontier: dict[int, str] = {}
            for chunk in _chunks(start_ids):
                frontier.update(
                    self._db.execute(
                        f"SELECT nid, iri FROM nodes WHERE iri IN ({_marks(len(chunk))}) "
                        "AND first_seq <= ?",
                        (*chunk, limit),
                    ).fetchall()
                )
            depths = dict.fromkeys(frontier.values(), 0)
            visited = dict(frontier)
            seen_edges: set[tuple[Any, ...]] = set()
            relations: list[Relation] = []
            sides = {
                Direction.UP: ("src",),
                Direction.DOWN: ("dst",),
                Direction.BOTH: ("src", "dst"),
            }
            depth = 0
            while frontier and depth < max_depth and kind_list:
                depth += 1
                reached: dict[int, str] = {}
                for side in sides[direction]:
                    rows = self._step(
                        side, list(frontier), kind_list, limit, without_activity, skipped
                    )
                    for kind, near, far_nid, far_iri, attributes, rid, bundle in rows:
                        src, dst = (
                            (frontier[near], far_iri)
                            if side == "src"
                            else (far_iri, frontier[near])
                        )
                        statement = (kind, src, dst, attributes, rid, bundle)
                        if statement not in seen_edges:
                            seen_edges.add(statement)
                            relations.append(
                                Relation(kind, src, dst, read_attributes(attributes), rid, bundle)
                            )
                        if far_nid not in visited:
                            visited[far_nid] = far_iri
                            reached[far_nid] = far_iri
                            depths[far_iri] = depth
                frontier = reached
            self._remember(visited)
        return Traversal(depths, tuple(relations))

    def _remember(self, nodes: dict[int, str]) -> None:
        """Keep the row ids of nodes a traversal reached, up to a bound on memory."""
        if len(self._nids) + len(nodes) > _REMEMBERED:
            self._nids.clear()
        self._nids.update((iri, nid) for nid, iri in nodes.items())

    def _step(
        self,
        side: str,
        nids: list[int],
        kinds: list[str],
        limit: int,
        bound: bool,
        skipped: list[str],
    ) -> Iterator[tuple[Any, ...]]:
        """One breadth-first level: the relations leaving ``nids`` from ``side``, by index seek;
        without those bound to an activity, or leading to a node of a ``skipped`` type. Each row
        is the relation's kind, near and far node, the far node's IRI, attributes, id and bundle:
        the near node's IRI is known already."""
        for chunk in _chunks(nids):
            sql, parameters = _step_query(
                side, len(chunk), kinds, bound, skipped, self._standing, limit
            )
            yield from self._db.execute(sql, (*chunk, *parameters))

    def relations_between(
        self,
        ids: Iterable[str],
        *,
        kinds: Iterable[str] | None = None,
        as_of: int | None = None,
    ) -> list[Relation]:
        wanted = list(dict.fromkeys(ids))
        limit = as_of if as_of is not None else 2**62
        with self._errors("read"):
            # Both ends are matched inside SQLite, so a hub (a model with an edge to every run's
            # initiator) costs index steps there, not a row each in Python. The far end is only
            # checked (``+``): seeking on all three columns probes every (src, kind, dst)
            # combination, which took seconds for a view of a few thousand nodes.
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (nid INTEGER PRIMARY KEY)")
            self._db.execute("DELETE FROM temp.wanted")
            for chunk in _chunks(wanted):
                self._db.execute(
                    "INSERT OR IGNORE INTO temp.wanted "
                    f"SELECT nid FROM nodes WHERE iri IN ({_marks(len(chunk))})",
                    chunk,
                )
            kind_list = sorted(set(kinds if kinds is not None else RELATION_KINDS))
            rows = self._db.execute(
                f"SELECT {_EDGE_COLUMNS} FROM {_EDGE_JOIN} "
                "WHERE e.src IN (SELECT nid FROM temp.wanted) "
                f"AND e.kind IN ({_marks(len(kind_list))}) "
                "AND +e.dst IN (SELECT nid FROM temp.wanted) AND e.record_seq <= ?",
                (*kind_list, limit),
            ).fetchall()
        return list({row[1:]: _relation(row) for row in rows}.values())

    def relations_named(self, rids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        limit = as_of if as_of is not None else 2**62
        rows: list[tuple[Any, ...]] = []
        with self._errors("read"):
            for chunk in _chunks(list(dict.fromkeys(rids))):
                rows += self._db.execute(
                    f"SELECT {_EDGE_COLUMNS} FROM {_EDGE_JOIN} WHERE e.rid IS NOT NULL "
                    f"AND e.rid IN ({_marks(len(chunk))}) AND e.record_seq <= ?",
                    (*chunk, limit),
                )
        return [_relation(row) for row in rows]

    def loose_relations(self, ids: Iterable[str], *, as_of: int | None = None) -> list[Relation]:
        limit = as_of if as_of is not None else 2**62
        rows: list[tuple[Any, ...]] = []
        with self._errors("read"):
            for chunk in _chunks(list(dict.fromkeys(ids))):
                among = f"IN (SELECT nid FROM nodes WHERE iri IN ({_marks(len(chunk))}))"
                rows += self._db.execute(
                    f"SELECT {_EDGE_COLUMNS} FROM {_EDGE_JOIN} WHERE e.record_seq <= ? AND "
                    f"(e.src {among} AND e.dst IS NULL OR e.dst {among} AND e.src IS NULL)",
                    (limit, *chunk, *chunk),
                )
        return list({row[1:]: _relation(row) for row in rows}.values())

    def namespaces(self) -> dict[str, str]:
        with self._errors("read"):
            stored = dict(self._db.execute("SELECT prefix, uri FROM namespaces").fetchall())
        return {**STANDARD_NAMESPACES, **stored}

    def visibility(self) -> Iterator[tuple[str, str, str, int]]:
        with self._errors("read"):
            rows = self._db.execute(
                "SELECT 'node', iri, '', first_seq FROM nodes "
                "UNION ALL SELECT 'description', n.iri, d.digest, d.first_seq "
                "FROM descriptions d LEFT JOIN nodes n ON n.nid = d.nid "
                "UNION ALL SELECT 'type', n.iri, t.type, t.first_seq "
                "FROM node_types t LEFT JOIN nodes n ON n.nid = t.nid"
            ).fetchall()
        return iter(rows)

    def counts(self) -> dict[str, int]:
        with self._errors("read"):
            return {
                name: self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for name, table in (
                    ("records", "records"),
                    ("nodes", "nodes"),
                    ("relations", "edges"),
                )
            }

    def explain_step(
        self, direction: Direction, kinds: Sequence[str], *, without_activity: bool = False
    ) -> list[str]:
        """SQLite's plan for one traversal level: tests check it seeks an index."""
        side = "src" if direction is Direction.UP else "dst"
        sql, parameters = _step_query(
            side, 2, list(kinds), without_activity, [], self._standing, 10
        )
        rows = self._db.execute(f"EXPLAIN QUERY PLAN {sql}", (1, 2, *parameters))
        return [row[-1] for row in rows]


def _step_query(
    side: str,
    count: int,
    kinds: list[str],
    bound: bool,
    skipped: list[str],
    indexed: bool,
    limit: int,
) -> tuple[str, list[str | int]]:
    """The query for one traversal level from ``count`` nodes, as of record ``limit``, and its
    parameters after the nodes' ids. A walk up standing delegations seeks their own index, when
    the store has it (``indexed``); a node's types are looked up by their key, as of the same
    record."""
    far = "dst" if side == "src" else "src"
    edges = "edges e"
    if bound and indexed and side == "src" and kinds == ["actedOnBehalfOf"]:
        edges = "edges e INDEXED BY edges_standing"
        chosen, parameters = _standing("e."), list[str | int]()
    else:
        chosen = f"e.kind IN ({_marks(len(kinds))})"
        chosen += " AND instr(e.attributes, ?) = 0" if bound else ""
        parameters = [*kinds, *([ACTIVITY_BOUND] if bound else [])]
    if skipped:
        chosen += (
            f" AND NOT EXISTS (SELECT 1 FROM node_types t WHERE t.type IN ({_marks(len(skipped))})"
            f" AND t.nid = e.{far} AND t.first_seq <= ?)"
        )
        parameters += [*skipped, limit]
    sql = (
        f"SELECT e.kind, e.{side}, e.{far}, f.iri, e.attributes, e.rid, e.bundle "
        f"FROM {edges} JOIN nodes f ON f.nid = e.{far} "
        f"WHERE e.{side} IN ({_marks(count)}) AND {chosen} AND e.record_seq <= ?"
    )
    return sql, [*parameters, limit]
