"""Every Cypher statement the Neo4j store can send passes Neo4j's own linter, and statements are
built only from allow-listed names."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from provenance.stores import cypher
from provenance.stores.base import Direction
from provenance.vocabulary import RELATION_KINDS

ROOT = Path(__file__).resolve().parent.parent
LINTER = Path(__file__).resolve().parent / "cypher_lint"
CYPHER_WORDS = ("MATCH ", "MERGE ", "CREATE ", "RETURN ", "UNWIND ")


def lint(statements: list[str]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "@neo4j-cypher").is_dir():
        pytest.skip(
            "Neo4j's Cypher linter is not installed: run `make test` (npm ci in tests/cypher_lint)"
        )
    done = subprocess.run(
        [node, str(LINTER / "lint.js")],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout)


def test_every_statement_passes_the_linter() -> None:
    statements = cypher.all_statements()
    assert len(statements) > 100
    flagged = [r for r in lint(statements) if r["problems"]]
    assert flagged == [], json.dumps(flagged[:3], indent=2)


def test_the_linter_catches_what_it_should() -> None:
    """A linter that passes everything would make the test above worthless."""
    results = lint(["MATCH (n) RETRUN n", "MATCH (n:Node) RETURN m", "MATCH (n) RETURN n"])
    assert [bool(r["problems"]) for r in results] == [True, True, False]


def test_the_store_sends_no_cypher_of_its_own() -> None:
    """All Cypher lives in provenance/stores/cypher.py, where the linter sees it."""
    source = ast.parse((ROOT / "provenance/stores/neo4j_store.py").read_text())
    literals = [
        node.value
        for node in ast.walk(source)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not [text for text in literals if any(word in text for word in CYPHER_WORDS)]


def test_relation_types_cover_every_kind_and_are_distinct() -> None:
    assert set(cypher.RELATION_TYPES) == set(RELATION_KINDS)
    assert len(set(cypher.RELATION_TYPES.values())) == len(RELATION_KINDS)
    assert cypher.RELATION_TYPES["wasGeneratedBy"] == "WAS_GENERATED_BY"
    assert cypher.RELATION_TYPES["actedOnBehalfOf"] == "ACTED_ON_BEHALF_OF"
    assert cypher.kinds_of("WAS_REVISION_OF") == ["wasRevisionOf"]


def test_unknown_relation_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="not PROV relation kinds: DETACH DELETE"):
        cypher.reach(["used", "DETACH DELETE"], Direction.UP, 3)


def test_the_store_asks_only_for_known_kinds() -> None:
    """It drops the others before building a statement, so that no kind, or none PROV has,
    finds nothing, as in SQLite."""
    assert cypher.known_kinds(["used", "DETACH DELETE", "wasGeneratedBy", "used"]) == [
        "used",
        "wasGeneratedBy",
    ]
    assert cypher.known_kinds([]) == []


@pytest.mark.parametrize(
    ("direction", "pattern"),
    [
        (Direction.UP, "-[r:USED|WAS_GENERATED_BY WHERE r.seq <= $as_of]->"),
        (Direction.DOWN, "<-[r:USED|WAS_GENERATED_BY WHERE r.seq <= $as_of]-"),
        (Direction.BOTH, "-[r:USED|WAS_GENERATED_BY WHERE r.seq <= $as_of]-("),
    ],
)
def test_reach_is_a_bounded_shortest_path_search(direction: Direction, pattern: str) -> None:
    query = cypher.reach(["wasGeneratedBy", "used", "used"], direction, 12)
    assert pattern in query
    assert "ANY SHORTEST" in query
    assert "{1,12}" in query
    assert "$ids" in query


def test_node_labels_come_from_the_vocabulary() -> None:
    assert cypher.TYPE_LABELS["https://w3id.org/raidt#Output"] == "Output"
    assert cypher.TYPE_LABELS["http://www.w3.org/ns/prov#Person"] == "Person"
    assert "MATCH (n:Output)" in cypher.ids_of_type("https://w3id.org/raidt#Output")
    other = cypher.ids_of_type("https://example.org/Unlisted`) DETACH DELETE n //")
    assert "Unlisted" not in other
    assert "$type IN n.types" in other
