"""What the run page shows, worked out on the server: the lineage, where each node goes and the
score, from the same questions the command line answers."""

from __future__ import annotations

from typing import Any

from provenance.stores.base import Store
from queries.scores import score
from visualisation.lineage import lineage_view
from visualisation.static import positions

__all__ = ["run_page_data"]


def run_page_data(store: Store, run: str, *, depth: int = 6) -> dict[str, Any]:
    """Everything the run page draws, as JSON: ``view.as_dict()`` plus ``positions`` and
    ``score``. An output's way back is found in the browser, over the relations drawn, the way
    ``trace`` finds it. Who held authority over an action is asked of the service when the action
    is clicked (``GET /actions/{id}/authority``): each answer holds the approvals of everything
    upstream, so answering for every action of a lineage of 2,000 nodes up front took seconds
    and 160 MB.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not a run.
    """
    view = lineage_view(store, run, depth=depth)
    return {
        **view.as_dict(),
        "positions": {node: [x, y] for node, (x, y) in positions(view).items()},
        "depth": depth,
        "score": score(store, view.focus),
    }
