"""Graph stores, chosen by URL: ``sqlite:///path/to/file.db`` (the default), ``sqlite:///:memory:``,
or a Neo4j server, ``neo4j://host:7687`` (also ``neo4j+s://``, ``bolt://`` …)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from provenance.errors import StoreUnavailable
from provenance.stores.base import (
    Direction,
    PreparedRecord,
    Store,
    StoredRecord,
    Traversal,
    WriteResult,
    graph_hash,
)
from provenance.stores.neo4j_store import Neo4jStore
from provenance.stores.sqlite import SQLiteStore

__all__ = [
    "DEFAULT_STORE_URL",
    "NEO4J_SCHEMES",
    "Direction",
    "Neo4jStore",
    "PreparedRecord",
    "SQLiteStore",
    "Store",
    "StoredRecord",
    "Traversal",
    "WriteResult",
    "graph_hash",
    "open_store",
    "sqlite_path",
    "store_url",
    "supported",
]

DEFAULT_STORE_URL = "sqlite:///./raidt.db"
NEO4J_SCHEMES = frozenset({"neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc"})


def store_url(url: str | None = None) -> str:
    """The store URL in force: the one given, else ``RAIDT_STORE``, else the default file."""
    return url or os.environ.get("RAIDT_STORE") or DEFAULT_STORE_URL


def sqlite_path(url: str) -> str | None:
    """The file an ``sqlite:///`` URL names, or ``None`` for a store of another kind.

    Raises
    ------
    StoreUnavailable
        When an SQLite URL names no file.
    """
    if urlsplit(url).scheme != "sqlite":
        return None
    path = url.removeprefix("sqlite://")
    if not path.startswith("/") or len(path) < 2:
        raise StoreUnavailable(f"bad store URL {url!r}: expected sqlite:///path/to/file.db")
    return path[1:]


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """Open the store a URL names; an SQLite store that does not exist yet is made, unless
    ``create`` is false.

    Raises
    ------
    StoreUnavailable
        When the URL names no supported store or the store cannot be opened.
    """
    chosen = supported(store_url(url))
    path = sqlite_path(chosen)
    return Neo4jStore(chosen) if path is None else _sqlite_store(path, create)


def supported(url: str) -> str:
    """The URL, if it names a kind of store this package has: checked before a service starts,
    which opens its store only when asked.

    Raises
    ------
    StoreUnavailable
        When it does not, or names no SQLite file.
    """
    if sqlite_path(url) is None and urlsplit(url).scheme not in NEO4J_SCHEMES:
        raise StoreUnavailable(
            f"unsupported store URL {url!r}: expected sqlite:///path/to/file.db or "
            "neo4j://host:7687"
        )
    return url


def _sqlite_store(path: str, create: bool) -> SQLiteStore:
    """An SQLite store, or why not; when a relative path failed where the absolute one it looks
    like would not have (``sqlite:///tmp/x.db`` for ``/tmp/x.db``), the message says how to
    write that one."""
    try:
        return SQLiteStore(path, create=create)
    except StoreUnavailable as error:
        absolute = Path("/" + path)
        if Path(path).is_absolute() or Path(path).parent.is_dir() or not absolute.parent.is_dir():
            raise
        raise StoreUnavailable(
            f"{error}; a path from the root takes a fourth slash: sqlite:///{absolute}"
        ) from error
