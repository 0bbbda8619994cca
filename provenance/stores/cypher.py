"""Every Cypher statement the Neo4j store sends, built from fixed allow-lists.

Values always travel as parameters. Only labels, relationship types and the depth bound of a
traversal are written into the text, and each comes from the vocabulary below or is an integer,
so no record can change what a statement does. ``all_statements`` lists every statement the store
can send, for the offline linter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import combinations

from provenance.stores.base import ACTIVITY_BOUND as _BOUND
from provenance.stores.base import Direction
from provenance.vocabulary import PROV, RAIDT, RELATION_KINDS, Type

__all__ = [
    "COUNT_NODES",
    "COUNT_RECORDS",
    "COUNT_RELATIONS",
    "CREATE_LOOSE",
    "CREATE_RECORDS",
    "CREATE_RELATIONS",
    "EXISTING_RECORDS",
    "HEAD",
    "KIND_LABELS",
    "LOOSE_OF_NODES",
    "LOOSE_OF_RECORD",
    "MERGE_DESCRIPTIONS",
    "MERGE_NODES",
    "NAMESPACES",
    "NODES",
    "RECORD",
    "RECORDS_AFTER",
    "RECORD_TIMES",
    "RELATION_TYPES",
    "SAVE_NAMESPACES",
    "SCHEMA",
    "SEQ_AT",
    "SET_HEAD",
    "START_NODES",
    "TYPE_LABELS",
    "VISIBILITY",
    "all_statements",
    "descriptions_of_record",
    "ids_of_type",
    "kinds_of",
    "known_kinds",
    "reach",
    "relations_between",
    "relations_named",
    "relations_of_record",
    "step",
    "type_expression",
]

RELATION_TYPES: dict[str, str] = {
    kind: re.sub(r"(?<!^)(?=[A-Z])", "_", kind).upper() for kind in sorted(RELATION_KINDS)
}
"""PROV relation kind → Neo4j relationship type: ``wasGeneratedBy`` → ``WAS_GENERATED_BY``."""

KIND_LABELS = {"entity": "Entity", "activity": "Activity", "agent": "Agent"}
TYPE_LABELS: dict[str, str] = {
    type_iri: type_iri.removeprefix(RAIDT).removeprefix(PROV)
    for name, type_iri in vars(Type).items()
    if name.isupper() and isinstance(type_iri, str)
}
"""``prov:type`` values that become node labels; other types stay in the ``types`` property."""

SCHEMA = [
    "CREATE CONSTRAINT raidt_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT raidt_record_id IF NOT EXISTS FOR (r:Record) REQUIRE r.id IS UNIQUE",
    "CREATE CONSTRAINT raidt_record_seq IF NOT EXISTS FOR (r:Record) REQUIRE r.seq IS UNIQUE",
    "CREATE CONSTRAINT raidt_description IF NOT EXISTS "
    "FOR (d:Description) REQUIRE d.digest IS UNIQUE",
    "CREATE CONSTRAINT raidt_namespace IF NOT EXISTS FOR (n:Namespace) REQUIRE n.prefix IS UNIQUE",
    "CREATE CONSTRAINT raidt_chain IF NOT EXISTS FOR (c:Chain) REQUIRE c.name IS UNIQUE",
    "CREATE INDEX raidt_record_time IF NOT EXISTS FOR (r:Record) ON (r.recorded_at)",
    "CREATE INDEX raidt_loose_seq IF NOT EXISTS FOR (l:LooseRelation) ON (l.seq)",
    "CREATE INDEX raidt_loose_src IF NOT EXISTS FOR (l:LooseRelation) ON (l.src)",
    "CREATE INDEX raidt_loose_dst IF NOT EXISTS FOR (l:LooseRelation) ON (l.dst)",
    *(
        f"CREATE INDEX raidt_{rel.lower()}_seq IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.seq)"
        for rel in RELATION_TYPES.values()
    ),
    "CREATE INDEX raidt_loose_rid IF NOT EXISTS FOR (l:LooseRelation) ON (l.rid)",
    *(
        f"CREATE INDEX raidt_{rel.lower()}_rid IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.rid)"
        for rel in RELATION_TYPES.values()
    ),
]
"""Created on start when missing; running them twice changes nothing."""

HEAD = (
    "MERGE (c:Chain {name: 'main'}) "
    "ON CREATE SET c.seq = 0, c.head = $genesis, c.time = '' "
    "SET c.writer = randomUUID() "
    "RETURN c.seq AS seq, c.head AS head, c.time AS time"
)
"""Takes the chain's write lock for the transaction: writers append one at a time."""

SET_HEAD = "MATCH (c:Chain {name: 'main'}) SET c.seq = $seq, c.head = $head, c.time = $time"
EXISTING_RECORDS = (
    "UNWIND $ids AS id MATCH (r:Record {id: id}) RETURN r.id AS id, r.content_hash AS hash"
)
RECORD_TIMES = (
    "UNWIND $ids AS id MATCH (r:Record {id: id}) RETURN r.id AS id, r.recorded_at AS time"
)
MERGE_NODES = (
    "UNWIND $rows AS row MERGE (n:Node {id: row.id}) "
    "ON CREATE SET n.first_seq = row.seq, n.types = []"
)
MERGE_DESCRIPTIONS = (
    "UNWIND $rows AS row "
    "MATCH (n:Node {id: row.node}) "
    "MERGE (d:Description {digest: row.digest}) "
    "ON CREATE SET d.kind = row.kind, d.bundle = row.bundle, d.attributes = row.attributes, "
    "d.types = row.types, d.first_seq = row.seq "
    "MERGE (d)-[:DESCRIBES]->(n) "
    "SET n:$(row.labels), "
    "n.types = n.types + [t IN row.types WHERE NOT t IN n.types]"
)
CREATE_RECORDS = "UNWIND $rows AS row CREATE (r:Record) SET r = row"
CREATE_RELATIONS = (
    "UNWIND $rows AS row "
    "MATCH (a:Node {id: row.src}) MATCH (b:Node {id: row.dst}) "
    "CREATE (a)-[r:$(row.type)]->(b) SET r = row.props"
)
CREATE_LOOSE = "UNWIND $rows AS row CREATE (l:LooseRelation) SET l = row"
SAVE_NAMESPACES = (
    "UNWIND $rows AS row MERGE (n:Namespace {prefix: row.prefix}) ON CREATE SET n.uri = row.uri"
)
NAMESPACES = "MATCH (n:Namespace) RETURN n.prefix AS prefix, n.uri AS uri"
VISIBILITY = (
    "MATCH (n:Node) RETURN 'node' AS what, n.id AS id, '' AS key, n.first_seq AS seq "
    "UNION ALL MATCH (d:Description) OPTIONAL MATCH (d)-[:DESCRIBES]->(n:Node) "
    "RETURN 'description' AS what, n.id AS id, d.digest AS key, d.first_seq AS seq "
    "UNION ALL MATCH (d:Description)-[:DESCRIBES]->(n:Node) UNWIND d.types AS type "
    "WITH n, type, min(d.first_seq) AS seq "
    "WHERE coalesce($labels[type] IN labels(n), type IN n.types) "
    "RETURN 'type' AS what, n.id AS id, type AS key, seq"
)
"""From which record on each node, description and type is seen. A type is listed as
``ids_of_type`` finds it: by its label (``$labels``: type IRI → label), else by the ``types``
property, from the first description that gives it."""
RECORD = "MATCH (r:Record {id: $id}) RETURN r"
RECORDS_AFTER = "MATCH (r:Record) WHERE r.seq > $after RETURN r ORDER BY r.seq LIMIT $limit"
LAST_SEQ = "OPTIONAL MATCH (c:Chain {name: 'main'}) RETURN coalesce(c.seq, 0) AS seq"
SEQ_AT = "MATCH (r:Record) WHERE r.recorded_at <= $time RETURN coalesce(max(r.seq), 0) AS seq"
NODES = (
    "UNWIND $ids AS id MATCH (n:Node {id: id}) WHERE n.first_seq <= $as_of "
    "OPTIONAL MATCH (d:Description)-[:DESCRIBES]->(n) WHERE d.first_seq <= $as_of "
    "RETURN n.id AS id, collect([d.kind, d.bundle, d.attributes]) AS descriptions"
)
START_NODES = "UNWIND $ids AS id MATCH (n:Node {id: id}) WHERE n.first_seq <= $as_of RETURN n.id"
COUNT_RECORDS = "MATCH (r:Record) RETURN count(r) AS n"
COUNT_NODES = "MATCH (n:Node) RETURN count(n) AS n"
COUNT_RELATIONS = (
    f"MATCH ()-[r:{'|'.join(RELATION_TYPES.values())}]->() RETURN count(r) AS n "
    "UNION ALL MATCH (l:LooseRelation) RETURN count(l) AS n"
)
LOOSE_OF_NODES = (
    "MATCH (l:LooseRelation) WHERE (l.src IN $ids OR l.dst IN $ids) AND l.seq <= $as_of "
    "RETURN l.kind AS kind, l.src AS src, l.dst AS dst, l.attributes AS attributes, "
    "l.rid AS rid, l.bundle AS bundle"
)
LOOSE_OF_RECORD = (
    "MATCH (l:LooseRelation) WHERE l.seq = $seq "
    "RETURN l.kind AS kind, l.src AS src, l.dst AS dst, l.attributes AS attributes, "
    "l.rid AS rid, l.bundle AS bundle"
)

_RETURN_RELATION = (
    "RETURN type(r) AS type, startNode(r).id AS src, endNode(r).id AS dst, "
    "r.attributes AS attributes, r.rid AS rid, r.bundle AS bundle"
)
_ARROWS = {
    Direction.UP: ("-", "->"),
    Direction.DOWN: ("<-", "-"),
    Direction.BOTH: ("-", "-"),
}


def kinds_of(types: str) -> list[str]:
    """The relation kinds back from a relationship type."""
    return [kind for kind, rel in RELATION_TYPES.items() if rel == types]


def known_kinds(kinds: Iterable[str]) -> list[str]:
    """The PROV relation kinds among ``kinds``, each once, in a fixed order: a store asked for a
    kind PROV does not have finds no relation of it, as SQLite's does, rather than refusing."""
    return sorted(set(kinds) & RELATION_TYPES.keys())


def type_expression(kinds: Iterable[str]) -> str:
    """``USED|WAS_GENERATED_BY`` for the kinds asked for, in a fixed order.

    Raises
    ------
    ValueError
        When a kind is not a PROV relation kind.
    """
    chosen = sorted(set(kinds))
    unknown = [k for k in chosen if k not in RELATION_TYPES]
    if unknown:
        raise ValueError(f"not PROV relation kinds: {', '.join(unknown)}")
    return "|".join(RELATION_TYPES[k] for k in chosen)


def _followed(without_activity: bool) -> str:
    """The condition on a relationship a traversal may follow."""
    bound = f" AND NOT r.attributes CONTAINS '{_BOUND}'" if without_activity else ""
    return "r.seq <= $as_of" + bound


_SKIPPED = (
    "NOT EXISTS { MATCH (d:Description)-[:DESCRIBES]->(b) "
    "WHERE d.first_seq <= $as_of AND any(t IN d.types WHERE t IN $skipped) }"
)
"""The node ``b`` a step reaches has none of the types in ``$skipped``, as the descriptions
recorded up to ``$as_of`` give them (a type a later record adds does not count before it)."""


def reach(
    kinds: Iterable[str],
    direction: Direction,
    max_depth: int,
    without_activity: bool = False,
    skipping: bool = False,
) -> str:
    """Every node within ``max_depth`` hops of the start nodes, with its least depth.

    ``ANY SHORTEST`` makes Neo4j search breadth-first and keep one path per node reached, so a
    node that many paths lead to is expanded once, not once per path.
    """
    left, right = _ARROWS[direction]
    depth = int(max_depth)
    return (
        "UNWIND $ids AS id MATCH (s:Node {id: id}) WHERE s.first_seq <= $as_of "
        f"MATCH p = ANY SHORTEST (s)(()"
        f"{left}[r:{type_expression(kinds)} WHERE {_followed(without_activity)}]{right}"
        f"({f'b WHERE {_SKIPPED}' if skipping else ''})){{1,{depth}}}(m:Node) "
        "RETURN m.id AS id, min(length(p)) AS depth"
    )


def step(
    kinds: Iterable[str],
    direction: Direction,
    without_activity: bool = False,
    skipping: bool = False,
) -> str:
    """The relations of the given kinds at the given nodes, in the given direction."""
    left, right = _ARROWS[direction]
    return (
        "UNWIND $ids AS id MATCH (a:Node {id: id})"
        f"{left}[r:{type_expression(kinds)}]{right}(b:Node) "
        f"WHERE {_followed(without_activity)}{f' AND {_SKIPPED}' if skipping else ''} "
        f"{_RETURN_RELATION}"
    )


def relations_between(kinds: Iterable[str]) -> str:
    return (
        f"UNWIND $ids AS id MATCH (a:Node {{id: id}})-[r:{type_expression(kinds)}]->(b:Node) "
        f"WHERE b.id IN $ids AND r.seq <= $as_of {_RETURN_RELATION}"
    )


def relations_of_record() -> str:
    """The relations one record wrote, one index seek per relationship type."""
    parts = [
        f"MATCH ()-[r:{rel}]->() WHERE r.seq = $seq {_RETURN_RELATION}"
        for rel in RELATION_TYPES.values()
    ]
    return (
        "CALL () { "
        + " UNION ALL ".join(parts)
        + " } RETURN type, src, dst, attributes, rid, bundle"
    )


def descriptions_of_record() -> str:
    return (
        "MATCH (rec:Record {seq: $seq}) UNWIND rec.elements AS digest "
        "MATCH (d:Description {digest: digest})-[:DESCRIBES]->(n:Node) "
        "RETURN n.id AS id, d.kind AS kind, d.bundle AS bundle, d.attributes AS attributes"
    )


def relations_named() -> str:
    """Relations by their ids: one indexed search per relationship type, and the loose ones."""
    typed = [
        f"MATCH (s:Node)-[r:{rel}]->(d:Node) WHERE r.rid IN $rids AND r.seq <= $as_of "
        "RETURN type(r) AS type, null AS kind, s.id AS src, d.id AS dst, "
        "r.attributes AS attributes, r.rid AS rid, r.bundle AS bundle"
        for rel in sorted(set(RELATION_TYPES.values()))
    ]
    loose = (
        "MATCH (l:LooseRelation) WHERE l.rid IN $rids AND l.seq <= $as_of "
        "RETURN null AS type, l.kind AS kind, l.src AS src, l.dst AS dst, "
        "l.attributes AS attributes, l.rid AS rid, l.bundle AS bundle"
    )
    return " UNION ALL ".join([*typed, loose])


def ids_of_type(type_iri: str) -> str:
    """Nodes of one type: by label when the type has one, else by the ``types`` property."""
    label = TYPE_LABELS.get(type_iri)
    match = f"MATCH (n:{label})" if label else "MATCH (n:Node) WHERE $type IN n.types"
    return (
        f"{match} "
        "WITH n WHERE EXISTS { MATCH (d:Description)-[:DESCRIBES]->(n) "
        "WHERE d.first_seq <= $as_of AND $type IN d.types } "
        "RETURN n.id AS id ORDER BY id"
    )


def all_statements() -> list[str]:
    """Every statement the store can send: each fixed one, and each built one for every kind,
    direction and type it can be built for (traversals with one and with two relation kinds)."""
    kinds = sorted(RELATION_TYPES)
    kind_sets = [[k] for k in kinds] + [list(pair) for pair in combinations(kinds[:4], 2)]
    kind_sets.append(kinds)
    built = [
        builder(kind_set, direction, without, skipping)
        for kind_set in kind_sets
        for direction in Direction
        for without in (False, True)
        for skipping in (False, True)
        for builder in (lambda k, d, w, s: reach(k, d, 7, w, s), step)
    ]
    built += [relations_between(k) for k in kind_sets]
    built += [ids_of_type(t) for t in [*TYPE_LABELS, "https://example.org/Other"]]
    fixed = [
        value
        for name, value in globals().items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    ]
    return [
        *SCHEMA,
        *fixed,
        *built,
        relations_of_record(),
        descriptions_of_record(),
        relations_named(),
    ]
