"""The Neo4j store's own parts: settings, relationship properties and connection errors.

Its behaviour as a store is held to the SQLite store's by the shared ``store`` fixture; these
tests cover what only it has. Tests marked as needing a server run where one is available.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import neo4j
import pytest

from api.cli import run as raidt
from provenance.errors import StoreError, StoreUnavailable
from provenance.graph import Fragment, Relation, attributes, iri
from provenance.hashing import sha256_tag
from provenance.stores import Neo4jStore, PreparedRecord, cypher, open_store
from provenance.stores.neo4j_store import DEFAULT_TIMEOUT, _properties, neo4j_settings
from provenance.vocabulary import PROV, Attr, Role
from tests.conftest import empty_neo4j, put
from tests.factories import iri as at_test
from tests.factories import run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_settings_come_from_the_url_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAIDT_NEO4J_USER", "auditor")
    monkeypatch.setenv("RAIDT_NEO4J_PASSWORD", "s3cret")
    monkeypatch.setenv("RAIDT_NEO4J_DATABASE", "provenance")
    assert neo4j_settings("neo4j://graph.internal:7687") == {
        "uri": "neo4j://graph.internal:7687",
        "user": "auditor",
        "password": "s3cret",
        "database": "provenance",
        "timeout": DEFAULT_TIMEOUT,
    }
    assert neo4j_settings("neo4j+s://ops:pw@db.example/audit") == {
        "uri": "neo4j+s://db.example",
        "user": "ops",
        "password": "pw",
        "database": "audit",
        "timeout": DEFAULT_TIMEOUT,
    }


def test_defaults_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAIDT_NEO4J_USER", "RAIDT_NEO4J_PASSWORD", "RAIDT_NEO4J_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    settings = neo4j_settings("bolt://localhost:7687")
    assert (settings["user"], settings["database"]) == ("neo4j", "neo4j")


@pytest.mark.parametrize("given", ["0", "-3", "soon", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused(
    given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAIDT_NEO4J_TIMEOUT", given)
    with pytest.raises(StoreUnavailable, match=f"RAIDT_NEO4J_TIMEOUT .* not '{given}'"):
        neo4j_settings("neo4j://graph.internal:7687")


def test_the_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAIDT_NEO4J_TIMEOUT", "2.5")
    assert neo4j_settings("neo4j://graph.internal:7687")["timeout"] == 2.5
    monkeypatch.setenv("RAIDT_NEO4J_TIMEOUT", "")
    assert neo4j_settings("neo4j://graph.internal:7687")["timeout"] == DEFAULT_TIMEOUT


def test_relationship_properties_keep_the_prov_attributes() -> None:
    delegation = Relation(
        "actedOnBehalfOf",
        "https://x.example/people/a",
        "https://x.example/people/b",
        attributes(
            [
                (Attr.SCOPE, "discharge-summary"),
                (Attr.SCOPE, "healthcare"),
                (Attr.VALID_FROM, {"@dt": "2026-01-01T00:00:00+00:00"}),
                (Attr.ROLE, iri(Role.APPROVER)),
            ]
        ),
        "https://x.example/delegations/1",
    )
    props = _properties(delegation, 7)
    assert props["seq"] == 7
    assert props["rid"] == "https://x.example/delegations/1"
    assert props["scope"] == ["discharge-summary", "healthcare"]
    assert props["valid_from"] == "2026-01-01T00:00:00+00:00"
    assert props["role"] == Role.APPROVER
    assert "bundle" not in props
    usage = Relation(
        "used", "a:1", "b:2", attributes([(PROV + "time", {"@dt": "2026-01-01T10:00:00+00:00"})])
    )
    assert _properties(usage, 1)["time"] == "2026-01-01T10:00:00+00:00"


@pytest.mark.parametrize("scheme", ["neo4j", "bolt"])
def test_a_server_that_is_down_is_one_clear_error(scheme: str) -> None:
    url = f"{scheme}://127.0.0.1:{free_port()}"
    with pytest.raises(StoreUnavailable, match="check that the server is running"):
        open_store(url)


def test_the_command_line_says_it_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert raidt(["verify", "--store", f"neo4j://127.0.0.1:{free_port()}"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot connect to Neo4j at neo4j://127.0.0.1:")
    assert error.count("\n") == 1


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers, as a hung server or a wrong service
    behind a load balancer does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


def test_a_server_that_never_answers_is_given_up_on_in_time(
    silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The driver alone would wait 60 s for its handshake; the bound is far from both.
    monkeypatch.setenv("RAIDT_NEO4J_TIMEOUT", "1")
    began = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot connect to Neo4j"):
        Neo4jStore(f"bolt://127.0.0.1:{silent_port}")
    assert time.monotonic() - began < 30


def test_a_read_from_a_server_that_never_answers_stops_retrying_in_time(
    silent_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The driver alone retries a failed read for 30 s before it gives up.
    monkeypatch.setenv("RAIDT_NEO4J_TIMEOUT", "1")
    monkeypatch.setattr(neo4j.Driver, "verify_connectivity", lambda self, **config: None)
    monkeypatch.setattr(cypher, "SCHEMA", [])
    store = Neo4jStore(f"neo4j://127.0.0.1:{silent_port}")
    began = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot read from Neo4j"):
        store.nodes([at_test("runs/1")])
    assert time.monotonic() - began < 20
    store.close()


def test_a_wrong_password_is_one_clear_error(
    neo4j_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAIDT_NEO4J_PASSWORD", "certainly-not-the-password")
    settings = neo4j_settings(neo4j_url)
    with pytest.raises(StoreUnavailable, match="refused the credentials"):
        Neo4jStore(f"{settings['uri']}/{settings['database']}")


def test_an_unknown_database_is_one_clear_error(neo4j_url: str) -> None:
    settings = neo4j_settings(neo4j_url)
    with pytest.raises(StoreUnavailable, match="there is no database 'nosuchdb'"):
        Neo4jStore(f"{settings['uri']}/nosuchdb")


def test_starting_twice_creates_the_schema_once(neo4j_url: str) -> None:
    Neo4jStore(neo4j_url).close()
    Neo4jStore(neo4j_url).close()


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The settings of every session a driver opens from now on."""
    opened: list[dict[str, Any]] = []
    real = neo4j.Driver.session

    def session(self: neo4j.Driver, **config: Any) -> neo4j.Session:
        opened.append(config)
        return real(self, **config)

    monkeypatch.setattr(neo4j.Driver, "session", session)
    return opened


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Neo4jStore]:
    """A store on a port nothing listens on. Its driver connects only when a statement is sent,
    so with the start-up check and the schema left out, what the store does before it sends one
    is seen without a server; any statement it sends fails at once or after retrying."""
    monkeypatch.setattr(neo4j.Driver, "verify_connectivity", lambda self, **config: None)
    monkeypatch.setattr(cypher, "SCHEMA", [])
    store = Neo4jStore(f"neo4j://127.0.0.1:{free_port()}")
    yield store
    store.close()


def test_every_session_shares_the_store_bookmark_manager(
    sessions: list[dict[str, Any]], offline: Neo4jStore
) -> None:
    # Reads then see the store's own earlier writes, on whichever cluster member they land.
    with pytest.raises(StoreUnavailable), offline.transaction():
        pass
    assert len(sessions) == 2  # the schema's, then the transaction's
    manager = sessions[0]["bookmark_manager"]
    assert isinstance(manager, neo4j.api.BookmarkManager)
    assert all(s["bookmark_manager"] is manager for s in sessions)


def test_no_kinds_or_unknown_kinds_send_no_statement(offline: Neo4jStore) -> None:
    ids = [at_test("runs/1"), at_test("out/1-1")]
    assert offline.relations_between(ids, kinds=[]) == []
    assert offline.relations_between(ids, kinds=["wasFoundBy"]) == []


def test_a_nested_transaction_joins_the_open_one(
    offline: Neo4jStore, sessions: list[dict[str, Any]]
) -> None:
    # A transaction of its own would wait for ever on the chain lock the open one holds.
    outer = object()
    offline._local.transaction = outer
    with offline.transaction():
        assert offline._open_transaction() is outer
    with pytest.raises(RuntimeError, match="abandoned"), offline.transaction():
        raise RuntimeError("abandoned")
    assert offline._open_transaction() is outer
    assert sessions == []


def test_a_failure_inside_a_nested_transaction_fails_the_outer_one(neo4j_url: str) -> None:
    # SQLite rolls back to a savepoint; Neo4j has none, so it keeps none of the outer one.
    empty_neo4j(neo4j_url)
    store = Neo4jStore(neo4j_url)

    def caught_inside() -> None:
        with store.transaction():
            put(store, run(1))
            try:
                with store.transaction():
                    put(store, run(2))
                    raise RuntimeError("abandoned")
            except RuntimeError:
                pass

    try:
        with pytest.raises(StoreError, match="nothing of it is written"):
            caught_inside()
        assert store.counts()["records"] == 0
    finally:
        store.close()


def test_a_write_that_fails_inside_a_transaction_fails_it(neo4j_url: str) -> None:
    # It fails after its nodes are merged (no relation type for its kind), and Neo4j cannot
    # take those back alone; SQLite rolls back to a savepoint.
    empty_neo4j(neo4j_url)
    store = Neo4jStore(neo4j_url)
    body = '{"id": "urn:test:broken"}'
    relation = Relation("wasFoundBy", at_test("out/1-1"), at_test("people/ana"))
    broken = PreparedRecord(
        "urn:test:broken", "prov-document", body, sha256_tag(body), Fragment((), (relation,))
    )

    def caught_inside() -> None:
        with store.transaction():
            put(store, run(1))
            with pytest.raises(KeyError):
                store.write([broken])

    try:
        with pytest.raises(StoreError, match="nothing of it is written"):
            caught_inside()
        assert store.counts()["records"] == 0
    finally:
        store.close()
