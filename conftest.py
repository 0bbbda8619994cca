"""Doctest set-up: the examples in ``queries`` run against a store holding the demo runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from provenance.demo_data import load_demo
from provenance.stores import SQLiteStore


@pytest.fixture(scope="session")
def demo_store_session() -> Iterator[SQLiteStore]:
    store = SQLiteStore(":memory:")
    load_demo(store)
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, Any], demo_store_session: SQLiteStore) -> None:
    doctest_namespace["demo_store"] = demo_store_session
