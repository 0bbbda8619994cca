"""Where the run page places nodes: Graphviz's layered layout, computed on the server.

A chain of runs that share one model, one template and a few people: the shape that made the
layout take minutes on lineages of 2,000 nodes when every run's tie to them was laid out.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from provenance.stores import SQLiteStore
from provenance.vocabulary import Type
from tests.conftest import put
from tests.factories import approval, earlier_output, iri, review, run
from visualisation.lineage import LineageView, lineage_view
from visualisation.static import _laid_out, positions, render

RUNS = 6
SVG = "{http://www.w3.org/2000/svg}"
PEOPLE = ("ana", "bo", "cy")
START = datetime(2026, 1, 1, 8, tzinfo=UTC)


def chain(runs: int) -> list[dict[str, Any]]:
    """Runs each reading the one before's output, each reviewed and approved."""
    records = []
    for n in range(1, runs + 1):
        start = START + timedelta(minutes=10 * n)
        inputs = [{"id": iri(f"docs/{n}"), "content_hash": f"sha256:{n:064x}"}]
        if n > 1:
            inputs.append(earlier_output(iri(f"out/{n - 1}-1")))
        made = run(n, initiator=PEOPLE[n % 3], inputs=inputs)
        made["started_at"] = start.isoformat()
        made["ended_at"] = (start + timedelta(minutes=1)).isoformat()
        output = iri(f"out/{n}-1")
        checked = review(f"{n}", output, by=PEOPLE[(n + 1) % 3])
        checked["at"] = (start + timedelta(minutes=2)).isoformat()
        decided = approval(f"{n}", output, by=PEOPLE[(n + 2) % 3])
        decided["at"] = (start + timedelta(minutes=3)).isoformat()
        records += [made, checked, decided]
    return records


@pytest.fixture(scope="module")
def view(tmp_path_factory: pytest.TempPathFactory) -> LineageView:
    store = SQLiteStore(tmp_path_factory.mktemp("layout") / "chain.db")
    put(store, *chain(RUNS))
    found = lineage_view(store, iri(f"runs/{RUNS}"), depth=40)
    store.close()
    return found


def test_every_node_is_placed_and_time_runs_left_to_right(view: LineageView) -> None:
    placed = positions(view)
    assert set(placed) == set(view.nodes)
    x = {node: at[0] for node, at in placed.items()}
    steps = [iri("docs/1"), iri("runs/1"), iri("out/1-1"), iri("runs/2"), iri(f"runs/{RUNS}")]
    assert [x[step] for step in steps] == sorted(x[step] for step in steps)
    assert len({x[step] for step in steps}) == len(steps)


def test_people_models_and_templates_are_placed_by_their_first_tie_only(
    view: LineageView,
) -> None:
    laid = _laid_out(view)
    ties = Counter(older for older, _, beside in laid if beside)
    shared = {
        node.id
        for node in view.nodes.values()
        if node.kind == "agent" or {Type.MODEL_CONFIG, Type.PROMPT_TEMPLATE} & set(node.types)
    }
    assert set(ties) == shared
    assert set(ties.values()) == {1}
    # the configuration every run used stands beside the first run
    config = next(n.id for n in view.nodes.values() if Type.MODEL_CONFIG in n.types)
    assert [newer for older, newer, _ in laid if older == config] == [iri("runs/1")]
    # the lineage itself is laid out whole
    drawn = [r for r in view.relations if r.src in view.nodes and r.dst in view.nodes]
    assert len(laid) == len([r for r in drawn if r.dst not in shared]) + len(shared)


def test_a_lineage_of_a_thousand_nodes_is_placed(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "long.db")
    put(store, *chain(250))
    long = lineage_view(store, iri("runs/125"), depth=500)  # the whole chain
    store.close()
    assert len(long.nodes) > 1000
    placed = positions(long)
    assert set(placed) == set(long.nodes)
    # the static picture draws every node where the page does, and in seconds, not minutes
    svg = ElementTree.fromstring(render(long, "svg"))
    centres = {
        group.findtext(f"{SVG}title"): float(shape.get("cx", "nan"))
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "node" and (shape := group.find(f".//{SVG}ellipse")) is not None
    }
    assert {n.id for n in long.nodes.values() if n.kind == "entity"} == set(centres)
    outputs = [iri(f"out/{n}-1") for n in (1, 2, 125, 250)]
    shift = centres[outputs[0]] - placed[outputs[0]][0]
    assert [centres[o] - shift for o in outputs] == pytest.approx(
        [placed[o][0] for o in outputs], abs=5
    )
    assert [centres[o] for o in outputs] == sorted(centres[o] for o in outputs)
