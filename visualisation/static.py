"""Static pictures of a lineage for reports and evidence packs: SVG, PNG, or a self-contained page.

Graphviz lays the graph out left to right in time order (inputs, run, output, review, approval,
action). Each edge is laid out from its older end (see ``in_time``: PROV mostly names the newer
thing first) and drawn with its arrow at the relation's second argument, as PROV draws it. The
Graphviz library comes inside the pygraphviz wheel, so no system package is needed.
"""

from __future__ import annotations

import html

import pygraphviz

from provenance.stores.base import Store
from provenance.vocabulary import Type
from queries.context import Moment
from visualisation.lineage import KIND_STYLE, LineageView, in_time, lineage_view

__all__ = ["FORMATS", "pack_pictures", "positions", "render", "to_agraph"]

FORMATS = ("svg", "png", "html")
_QUICK = {"mclimit": "0.1", "nslimit": "2", "nslimit1": "2"}
"""Fewer passes at crossing and rank optimisation: seconds instead of minutes on hundreds of
nodes, for a picture that is barely less tidy."""
_QUICKER = {**_QUICK, "nslimit": "0.2"}
"""For views of more than ``_LARGE`` nodes, fewer passes again at placing nodes within a rank,
the part whose cost grows fastest: 3 s instead of 40 for 5,000 nodes. Ranks, so time order, are
untouched; the edges are a little longer."""
_LARGE = 150
"""Views with more nodes than this are drawn at the run page's positions, not laid out by dot."""
_BESIDE = frozenset({"wasAssociatedWith", "wasAttributedTo", "actedOnBehalfOf"})
"""People and models stand beside the activities they took part in; their relations pull less."""
_REUSED = frozenset({Type.MODEL_CONFIG, Type.PROMPT_TEMPLATE})
"""Model configurations and template versions: like people and models, used all over a lineage."""


def to_agraph(view: LineageView) -> pygraphviz.AGraph:
    """The view as a Graphviz graph in PROV's conventions, ranked by time."""
    graph = pygraphviz.AGraph(directed=True, strict=False)
    graph.graph_attr.update(rankdir="LR", fontname="Helvetica", nodesep="0.3", ranksep="0.6")
    graph.node_attr.update(fontname="Helvetica", fontsize="10", style="filled")
    graph.edge_attr.update(fontname="Helvetica", fontsize="8", color="#555555")
    for node in view.nodes.values():
        style = KIND_STYLE[node.kind]
        graph.add_node(
            node.id,
            label=_literal(node.label),
            shape=style["shape"],
            fillcolor=style["fill"],
            color=style["stroke"],
            penwidth="3" if node.id == view.focus else "1",
            tooltip=_literal(f"{node.type_name}: {node.id}"),
            id=f"node-{node.id}",
        )
    for relation in view.relations:
        older, newer = in_time(relation)
        if older in view.nodes and newer in view.nodes:
            graph.add_edge(
                older,
                newer,
                label=relation.kind,
                dir="back" if older == relation.dst else "forward",
                weight="0" if relation.kind in _BESIDE else "1",
            )
    return graph


def _literal(text: str) -> str:
    """Text as Graphviz shows it as written: in its labels a backslash starts an escape (``\\N``
    is the node's name, ``\\l`` ends a line) and ``&…;`` an entity."""
    return text.replace("\\", "\\\\").replace("&", "&amp;")


def _laid_out(view: LineageView) -> list[tuple[str, str, bool]]:
    """The edges Graphviz places nodes by, older end first, each marked if it ties a node beside
    another.

    A person, model, configuration or template version can take part in runs from one end of a
    large lineage to the other. Laid out by every such tie, each drags edges through all the ranks
    in between: tens of thousands of virtual nodes, which take Graphviz minutes on 2,000 nodes. So
    each is placed by its earliest tie only, beside the first thing it took part in; the browser
    draws its other relations all the same.
    """
    edges = []
    for relation in view.relations:
        older, newer = in_time(relation)
        if older and newer and older in view.nodes and newer in view.nodes:
            beside = relation.kind in _BESIDE or not _REUSED.isdisjoint(view.nodes[older].types)
            edges.append((older, newer, beside))
    first: dict[str, int] = {}
    for index, (older, newer, beside) in enumerate(edges):
        held = first.get(older)
        if beside and (held is None or _when(view, newer) < _when(view, edges[held][1])):
            first[older] = index
    ties = set(first.values())
    return [edge for index, edge in enumerate(edges) if index in ties or not edge[2]]


def _when(view: LineageView, node: str) -> tuple[bool, str]:
    """Earliest first, timeless last: ISO times in one zone sort as text."""
    time = view.nodes[node].time
    return time is None, time or ""


def positions(view: LineageView) -> dict[str, tuple[float, float]]:
    """Where Graphviz places each node (points, y downwards as browsers count): the page draws
    the layered layout of the static pictures, computed here in C rather than in the browser,
    where a layered layout of a few hundred nodes takes seconds. People, models, configurations
    and template versions stand beside the first thing they took part in (see ``_laid_out``)."""
    graph = pygraphviz.AGraph(directed=True, strict=False)
    quick = _QUICKER if len(view.nodes) > _LARGE else _QUICK
    graph.graph_attr.update(rankdir="LR", splines="false", nodesep="0.3", ranksep="0.9", **quick)
    for node in view.nodes.values():
        graph.add_node(node.id, label="", shape="box", width="2.1", height="0.6", fixedsize="true")
    for older, newer, beside in _laid_out(view):
        graph.add_edge(older, newer, weight="0" if beside else "1")
    graph.layout(prog="dot")
    placed = {}
    for node in graph.nodes():
        x, y = (float(v) for v in node.attr["pos"].split(","))
        placed[str(node)] = (x, -y)
    return placed


def _laid_out_graph(view: LineageView) -> pygraphviz.AGraph:
    """The styled graph with every node placed: by dot itself for a small view, where its curved
    edges read best; beyond ``_LARGE`` nodes at the run page's positions with straight edges, as
    dot's own layout and routing of every tie take minutes on a thousand nodes."""
    graph = to_agraph(view)
    if len(view.nodes) <= _LARGE:
        graph.layout(prog="dot")
        return graph
    graph.graph_attr.update(splines="line", inputscale="72", overlap="true")
    for node, (x, y) in positions(view).items():
        graph.get_node(node).attr["pos"] = f"{x},{-y}!"
    graph.layout(prog="neato")
    return graph


def render(view: LineageView, fmt: str) -> bytes:
    """The picture as bytes in ``svg``, ``png`` or ``html`` (the SVG in a page with a legend).

    Raises
    ------
    ValueError
        When the format is none of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown picture format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    graph = _laid_out_graph(view)
    if fmt != "html":
        drawn: bytes = graph.draw(format=fmt)
        return drawn
    svg = graph.draw(format="svg").decode()
    body = svg[svg.index("<svg") :]
    legend = "".join(
        f'<li><span style="background:{style["fill"]};border:1px solid {style["stroke"]}">'
        f"&nbsp;&nbsp;&nbsp;</span> {kind}</li>"
        for kind, style in KIND_STYLE.items()
    )
    title = html.escape(f"Lineage of {view.focus}")
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
        f"<style>body{{font-family:Helvetica,sans-serif}}ul{{list-style:none;display:flex;gap:2em}}"
        f"</style><h1>{title}</h1><ul>{legend}</ul>{body}</html>"
    ).encode()


def pack_pictures(store: Store, run: str, at: Moment) -> dict[str, bytes]:
    """The pictures a run's evidence pack carries, as the store stood at ``at``: its lineage in
    SVG. Both doors that build packs, and ``verify-pack`` checking one, draw them here."""
    return {"lineage.svg": render(lineage_view(store, run, as_of=at), "svg")}
