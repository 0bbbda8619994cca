"""The benchmark's check: a store's answers agree with those worked out from the generated records,
and a wrong answer, or a reference that lost a relation, is told apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.reference import CHECKED, Reference, first_mismatch
from benchmarks.run import QUESTIONS, delegation_depths, sample_targets
from benchmarks.synthetic import generate, write_jsonl
from provenance.ingest import record_files
from provenance.stores import SQLiteStore
from queries.lineage import trace

RUNS = 300
SEED = 7


@pytest.fixture(scope="module")
def organisation(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[list[dict[str, Any]], SQLiteStore]]:
    """A small synthetic organisation, recorded as ``raidt record`` would."""
    records = generate(RUNS, SEED)
    data = tmp_path_factory.mktemp("benchmark") / "organisation.jsonl"
    write_jsonl(records, data)
    store = SQLiteStore(data.with_suffix(".db"))
    record_files([data], store)
    yield records, store
    store.close()


@pytest.fixture(scope="module")
def targets(organisation: tuple[list[dict[str, Any]], SQLiteStore]) -> dict[str, list[str]]:
    return {name: found[:60] for name, found in sample_targets(organisation[0], SEED).items()}


@pytest.fixture(scope="module")
def reference(organisation: tuple[list[dict[str, Any]], SQLiteStore]) -> Reference:
    return Reference(organisation[0])


@pytest.mark.parametrize("name", list(CHECKED))
def test_every_answer_matches_the_reference(
    organisation: tuple[list[dict[str, Any]], SQLiteStore],
    reference: Reference,
    targets: dict[str, list[str]],
    name: str,
) -> None:
    store = organisation[1]
    answers = [QUESTIONS[name](store, target) for target in targets[name]]
    assert first_mismatch(reference, name, targets[name], answers) is None


_DROPPED = {"trace": "runs", "impact": "runs", "authority": "holders"}
"""A list in each answer that is never empty for the targets the test picks."""


@pytest.mark.parametrize("name", list(CHECKED))
def test_an_answer_missing_an_item_is_a_mismatch(
    organisation: tuple[list[dict[str, Any]], SQLiteStore],
    reference: Reference,
    targets: dict[str, list[str]],
    name: str,
) -> None:
    store, key = organisation[1], _DROPPED[name]
    answers = ((t, QUESTIONS[name](store, t)) for t in targets[name])
    target, answer = next((t, a) for t, a in answers if a[key])
    answer[key].pop()
    found = first_mismatch(reference, name, [target], [answer])
    assert found is not None
    assert found.startswith(f"{name} of {target}:")
    assert "missing" in found


def test_a_relation_lost_from_the_records_is_a_mismatch(
    organisation: tuple[list[dict[str, Any]], SQLiteStore], targets: dict[str, list[str]]
) -> None:
    """The reference stands for the records, not for any store: one that lacks a run's
    generation of the output no longer agrees with the store's trace of it."""
    records, store = organisation
    output = targets["trace"][0]
    reference = Reference(records)
    generation = next(
        (u, v, k)
        for u, v, k, relation in reference.graph.out_edges(output, keys=True, data="rel")
        if relation.kind == "wasGeneratedBy"
    )
    reference.graph.remove_edge(*generation)
    found = first_mismatch(reference, "trace", [output], [trace(store, output)])
    assert found is not None
    assert "runs: missing [], extra ['" in found


@pytest.mark.parametrize("runs", [500, 2000])
def test_delegation_chains_reach_every_depth_up_to_four(runs: int) -> None:
    depths = delegation_depths(generate(runs, SEED))
    assert len(depths) == 5
    assert all(depths[1:])
