"""What the run page shows, worked out on the server: the lineage, the score, and for each action
who held authority over it, from the same questions the command line answers."""

from __future__ import annotations

from typing import Any

from provenance.stores.base import Store
from provenance.vocabulary import Type
from queries.authority import authority
from queries.scores import score
from visualisation.lineage import lineage_view
from visualisation.static import positions

__all__ = ["run_page_data"]


def _authority_of(store: Store, action: str) -> dict[str, Any]:
    answer = authority(store, action)
    nodes = {action}
    invalid = []
    for holder in answer["holders"]:
        nodes.add(holder["agent"])
        for step in holder["path"]:
            nodes.update((step["from"], step["to"]))
            if step.get("valid") is False:
                invalid.append({"from": step["from"], "to": step["to"], "why": step["problems"]})
    return {"nodes": sorted(nodes), "invalid": invalid, "holders": answer["holders"]}


def run_page_data(store: Store, run: str, *, depth: int = 6) -> dict[str, Any]:
    """Everything the run page draws, as JSON: ``view.as_dict()`` plus ``authority`` (action →
    holders and invalid delegations) and ``score``. An output's way back is found in the browser,
    over the relations drawn, the way ``trace`` finds it.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not a run.
    """
    view = lineage_view(store, run, depth=depth)
    profile = score(store, view.focus)
    actions = [n.id for n in view.nodes.values() if Type.ACTION in n.types]
    return {
        **view.as_dict(),
        "positions": {node: [x, y] for node, (x, y) in positions(view).items()},
        "depth": depth,
        "authority": {action: _authority_of(store, action) for action in actions},
        "score": profile,
    }
