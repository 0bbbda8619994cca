"""Moving a whole store to another one: the path from one file to a shared Neo4j server.

Records are copied in write order with their original times, so the target rebuilds the very same
hash chain; the copy is checked at the end by counts, by ``verify`` on the target and by comparing
both chain heads. The source is verified first: the target computes its hashes afresh, so a copy
of a tampered store would verify, and the tampering would be laundered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import islice

from provenance.errors import StoreError
from provenance.graph import Fragment
from provenance.integrity import require_verified, verify
from provenance.stores.base import PreparedRecord, Store, StoredRecord

__all__ = ["CopyReport", "copy_store"]

BATCH = 500


@dataclass(frozen=True, slots=True)
class CopyReport:
    records: int
    copied: int
    counts: dict[str, int]
    head: str


def _prepared(source: Store, record: StoredRecord) -> PreparedRecord:
    return PreparedRecord(
        record.id,
        record.kind,
        record.body,
        record.content_hash,
        source.fragment(record.seq),
        recorded_at=record.recorded_at,
    )


def _batches(records: Iterator[StoredRecord]) -> Iterator[list[StoredRecord]]:
    while batch := list(islice(records, BATCH)):
        yield batch


def copy_store(
    source: Store, target: Store, *, progress: Callable[[int], None] | None = None
) -> CopyReport:
    """Copy every record of ``source`` into ``target``, which must be empty or hold a prefix of
    the same records (an interrupted copy resumes).

    Raises
    ------
    StoreError
        When the source does not verify, the target holds other records, or the copy does not
        check out.
    """
    source_report = require_verified(
        source, "a copy would hash the tampered rows afresh, so nothing was copied"
    )
    held = target.counts()["records"]
    if held:
        theirs = [(r.id, r.content_hash, r.chain_hash) for r in target.records()]
        ours = [(r.id, r.content_hash, r.chain_hash) for r in islice(source.records(), held)]
        if theirs != ours:
            raise StoreError(
                f"{target.url} already holds {held} records that are not the start of "
                f"{source.url}; copy into an empty store"
            )
    prefixes = tuple(source.namespaces().items())
    copied = 0
    for batch in _batches(source.records(after=held)):
        prepared = [_prepared(source, record) for record in batch]
        first = prepared[0]
        prepared[0] = replace(
            first,
            fragment=Fragment(first.fragment.elements, first.fragment.relations, prefixes),
        )
        copied += len(target.write(prepared).written)
        if progress:
            progress(len(batch))
    target_report = verify(target)
    if not target_report.ok:
        problem = target_report.problems[0]
        raise StoreError(
            f"the copy in {target.url} does not verify: {problem.record}: {problem.what}"
        )
    counts = target.counts()
    if counts != source.counts() or target_report.head != source_report.head:
        raise StoreError(
            f"the copy differs from its source: {counts} against {source.counts()}, chain head "
            f"{target_report.head} against {source_report.head}"
        )
    return CopyReport(source_report.records, copied, counts, target_report.head)
