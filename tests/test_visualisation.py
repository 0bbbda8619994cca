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
from queries.lineage import trace, trace_ids
from tests.conftest import put
from tests.factories import approval, earlier_output, h, iri, review, run
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


def svg_nodes(picture: bytes) -> dict[str, ElementTree.Element]:
    """The node groups of an SVG picture by the id each is drawn for."""
    svg = ElementTree.fromstring(picture)
    return {
        str(group.findtext(f"{SVG}title")): group
        for group in svg.iter(f"{SVG}g")
        if group.get("class") == "node"
    }


def test_a_picture_holds_every_decision_and_person_trace_names(tmp_path: Path) -> None:
    # Run 2 reads run 1's output; run 1's output was approved by bo acting for lu, and the
    # template version they both followed was approved too. Trace of run 2's output names all
    # of them; so must the picture that lights that trace.
    store = SQLiteStore(tmp_path / "v.db")
    first_approval = {**approval("1", iri("out/1-1")), "on_behalf_of": iri("people/lu")}
    put(
        store,
        run(1),
        approval("tpl", iri("tpl/v1"), by="max", at="09:00"),
        first_approval,
        run(2, inputs=[earlier_output(iri("out/1-1"))], minute=20),
    )
    picture = lineage_view(store, iri("runs/2"))
    answer = trace(store, iri("out/2-1"))
    store.close()
    assert trace_ids(answer) <= set(picture.nodes)
    assert {iri("approvals/tpl"), iri("approvals/1"), iri("people/lu")} <= set(picture.nodes)
    claims = [r for r in picture.relations if r.kind == "actedOnBehalfOf"]
    assert (iri("people/bo"), iri("people/lu")) in {(r.src, r.dst) for r in claims}


def centre_x(group: ElementTree.Element) -> float:
    """Where a drawn node stands across: an ellipse's centre, or the middle of a polygon."""
    ellipse = group.find(f".//{SVG}ellipse")
    if ellipse is not None:
        return float(ellipse.get("cx", "nan"))
    polygon = group.find(f".//{SVG}polygon")
    assert polygon is not None
    xs = [float(point.split(",")[0]) for point in str(polygon.get("points")).split()]
    return (min(xs) + max(xs)) / 2


def test_a_rejection_stands_after_the_draft_it_rejected(tmp_path: Path) -> None:
    # The approver is recorded before the run, so that the layout cannot lean on the order
    # nodes were stored in: an invalidation names its older end first, unlike the others.
    store = SQLiteStore(tmp_path / "r.db")
    delegation = {
        "type": "delegation",
        "id": iri("delegations/bo"),
        "delegate": {"id": iri("people/bo")},
        "responsible": {"id": iri("people/boss")},
        "scope": ["other"],
        "valid_from": "2025-01-01T00:00:00+00:00",
    }
    put(store, delegation, run(1), approval("no", iri("out/1-1"), decision="rejected", at="10:05"))
    picture = lineage_view(store, iri("runs/1"))
    store.close()
    assert "wasInvalidatedBy" in {r.kind for r in picture.relations}
    steps = [iri("runs/1"), iri("out/1-1"), iri("approvals/no")]
    x = {node: at[0] for node, at in positions(picture).items()}
    assert [x[s] for s in steps] == sorted({x[s] for s in steps})
    drawn = svg_nodes(render(picture, "svg"))
    across = [centre_x(drawn[s]) for s in steps]
    assert across == sorted(set(across))


def test_pictures_show_text_as_written(tmp_path: Path) -> None:
    # Graphviz reads "\N" as the node's name, "\n" and "\l" as line ends and "&amp;" as "&";
    # the task, the label and the ids must come out as the record wrote them, and each node
    # must have an id of its own though several ids end alike.
    store = SQLiteStore(tmp_path / "t.db")
    task = r"C:\new\Notes \N \G \l &amp; <b>"
    put(store, run(1, task=task, inputs=[{"id": iri("docs/1"), "content_hash": h("d")}]))
    picture = lineage_view(store, iri("runs/1"))
    store.close()
    drawn = svg_nodes(render(picture, "svg"))
    lines = ["".join(t.itertext()) for t in drawn[iri("runs/1")].iter(f"{SVG}text")]
    assert lines == ["1", task]
    ids = [str(group.get("id")) for group in drawn.values()]
    assert len(ids) == len(set(ids)) == len(picture.nodes)  # runs/1, docs/1, …/1 alike


def test_long_labels_are_cut_and_the_whole_text_kept(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "l.db")
    task = "word " * 600 + "end"
    put(store, run(1, task=task))
    picture = lineage_view(store, iri("runs/1"))
    store.close()
    node = picture.nodes[iri("runs/1")]
    name, detail = node.label.split("\n")
    assert name == "1"
    assert len(detail) == 60
    assert task.startswith(detail.removesuffix("…"))
    assert task in node.attributes.values()


def test_a_picture_around_a_person_starts_from_what_they_did(tmp_path: Path) -> None:
    # Ana ran runs 1 and 2; bo approved run 2's output. Around bo: the approval, what it
    # decided on and where that came from; around ana: both runs.
    store = SQLiteStore(tmp_path / "p.db")
    put(store, run(1), run(2, minute=5), approval("2", iri("out/2-1")))
    around_bo = lineage_view(store, iri("people/bo"), depth=2)
    around_ana = lineage_view(store, iri("people/ana"), depth=1)
    store.close()
    assert {iri("approvals/2"), iri("out/2-1"), iri("runs/2")} <= set(around_bo.nodes)
    assert iri("runs/1") not in around_bo.nodes
    assert {iri("runs/1"), iri("runs/2")} <= set(around_ana.nodes)
    assert {(r.src, r.dst) for r in around_bo.relations if r.kind == "wasAssociatedWith"} >= {
        (iri("approvals/2"), iri("people/bo"))
    }


def test_a_picture_has_a_depth_of_one_at_least(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "d.db")
    put(store, run(1))
    with pytest.raises(ValueError, match="depth of at least 1, not 0"):
        lineage_view(store, iri("runs/1"), depth=0)
    store.close()
