"""Doctest set-up: the examples in ``queries`` run against a store holding the demo runs."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest

from provenance.ingest import read_records, write_records
from provenance.stores import SQLiteStore


@pytest.fixture(scope="session")
def demo_store_session() -> Iterator[SQLiteStore]:
    store = SQLiteStore(":memory:")
    folder = files("provenance") / "demo"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".jsonl"))
    write_records([item for name in names for item in read_records(str(folder / name))], store)
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, Any], demo_store_session: SQLiteStore) -> None:
    doctest_namespace["demo_store"] = demo_store_session
