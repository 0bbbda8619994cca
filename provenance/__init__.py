"""RAIDT provenance: generative-AI runs as W3C PROV graphs, with their hashes and their stores."""

from provenance.errors import (
    DanglingReference,
    InvalidRecord,
    NotFound,
    ProvenanceError,
    RecordConflict,
    StoreError,
    StoreUnavailable,
    UnsupportedFormat,
)
from provenance.graph import Element, Fragment, Node, Relation
from provenance.stores import Direction, Store, open_store

__all__ = [
    "DanglingReference",
    "Direction",
    "Element",
    "Fragment",
    "InvalidRecord",
    "Node",
    "NotFound",
    "ProvenanceError",
    "RecordConflict",
    "Relation",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "UnsupportedFormat",
    "open_store",
]
