"""Shared fixtures: a store of every available kind, and helpers to write records into it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from hypothesis import settings
from testcontainers.community.neo4j import Neo4jContainer

from provenance.ingest import Located, write_records
from provenance.records import RECORD_ADAPTER
from provenance.stores import Neo4jStore, SQLiteStore, Store, WriteResult
from provenance.stores.neo4j_store import neo4j_settings

NEO4J_IMAGE = "neo4j:5.26.2-community"

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    # CI replays the same examples every run, so that a red run is the code's doing, not chance.
    settings.load_profile("ci")


def _docker_runs() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def neo4j_url() -> Iterator[str]:
    """A Neo4j server for the tests: ``NEO4J_URI`` (a disposable database: the tests empty it),
    else a throw-away container where Docker runs, else the Neo4j tests are skipped."""
    given = os.environ.get("NEO4J_URI")
    if given:
        yield given
        return
    if not _docker_runs():
        pytest.skip(
            "no Neo4j server: set NEO4J_URI (with RAIDT_NEO4J_USER / RAIDT_NEO4J_PASSWORD) to a "
            "disposable database, or run where a Docker engine is available"
        )
    with Neo4jContainer(NEO4J_IMAGE, password="raidt-tests") as server:
        os.environ["RAIDT_NEO4J_USER"] = "neo4j"
        os.environ["RAIDT_NEO4J_PASSWORD"] = "raidt-tests"
        yield server.get_connection_url()


@pytest.fixture(params=["sqlite", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store; every store kind available here runs the same tests."""
    opened: Store
    if request.param == "sqlite":
        opened = SQLiteStore(tmp_path / "store.db")
    else:
        url = request.getfixturevalue("neo4j_url")
        empty_neo4j(url)
        opened = Neo4jStore(url)
    yield opened
    opened.close()


def empty_neo4j(url: str) -> None:
    """Remove everything from the test database, schema included."""
    settings = neo4j_settings(url)
    with (
        neo4j.GraphDatabase.driver(
            settings["uri"], auth=(settings["user"], settings["password"])
        ) as driver,
        driver.session(database=settings["database"]) as session,
    ):
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "raidt.db"


def put(store: Store, *records: dict[str, Any]) -> WriteResult:
    """Validate and write records as one batch, the way `raidt record` does."""
    located = [
        Located(RECORD_ADAPTER.validate_python(r), f"record {i + 1}") for i, r in enumerate(records)
    ]
    return write_records(located, store)


def dump(path: Path) -> list[str]:
    """Every row of every table, to show a store unchanged row for row."""
    with sqlite3.connect(path) as db:
        return list(db.iterdump())
