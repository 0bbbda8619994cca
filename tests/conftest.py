"""Shared fixtures: a store of every available kind, and helpers to write records into it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provenance.ingest import Located, write_records
from provenance.records import RECORD_ADAPTER
from provenance.stores import SQLiteStore, Store, WriteResult


@pytest.fixture(params=["sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store; every store kind available here runs the same tests."""
    opened = SQLiteStore(tmp_path / "store.db")
    yield opened
    opened.close()


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
