"""One node: its types, attributes and every relation in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import NodeId, StoreDep, reader
from api.models import QueryAnswer
from api.responses import READ_ID, JsonAnswer, answer
from queries.runs import describe_node

__all__ = ["node", "router"]

router = APIRouter(tags=["nodes"], dependencies=[Depends(reader)])


@router.get("/nodes/{id:path}", response_model=QueryAnswer, responses=READ_ID, summary="One node")
def node(node: NodeId, store: StoreDep) -> JsonAnswer:
    """A node with its kinds, types, attributes, relations and record (``raidt show --json``)."""
    return answer(describe_node(store, node))
