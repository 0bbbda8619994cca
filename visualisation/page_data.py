"""What the run page shows, worked out on the server: the lineage, where each node goes and the
score, from the same questions the command line answers."""

from __future__ import annotations

from typing import Any

from provenance.stores.base import Store
from queries.context import AsOf, moment
from queries.scores import score
from visualisation.lineage import lineage_view
from visualisation.static import positions

__all__ = ["run_page_data"]


def run_page_data(store: Store, run: str, *, depth: int = 6, as_of: AsOf = None) -> dict[str, Any]:
    """Everything the run page draws, as JSON: ``view.as_dict()`` plus ``positions``, ``depth``,
    ``as_of`` (the time the page looks from, or ``None`` for now) and ``score``.

    An output's way back and who held authority over an action are asked of the service when
    the node is clicked (``GET /outputs/{id}/trace``, ``GET /actions/{id}/authority``), as of
    the same time: the answers are the questions' own, and each holds everything upstream, so
    answering for every node of a lineage of 2,000 nodes up front took seconds and 160 MB.

    Raises
    ------
    NotFound
        When the store holds no such node.
    InvalidRecord
        When the node is not a run.
    """
    at = moment(store, as_of)
    view = lineage_view(store, run, depth=depth, as_of=at)
    return {
        **view.as_dict(),
        "positions": {node: [x, y] for node, (x, y) in positions(view).items()},
        "depth": depth,
        "as_of": at.time,
        "score": score(store, view.focus, as_of=at),
    }
