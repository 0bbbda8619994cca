"""The demo runs shipped in ``provenance/demo/``: four sectors, with deliberate governance gaps."""

from __future__ import annotations

from importlib.resources import files

from provenance.ingest import Located, read_records, write_records
from provenance.stores.base import Store, WriteResult

__all__ = ["demo_records", "load_demo"]


def demo_records() -> list[Located]:
    """Every demo record, in the order the files must be loaded."""
    folder = files("provenance") / "demo"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".jsonl"))
    return [item for name in names for item in read_records(str(folder / name))]


def load_demo(store: Store) -> WriteResult:
    """Write the demo into a store, in one transaction; loading it twice changes nothing."""
    return write_records(demo_records(), store)
