"""Lineage: where an output came from, and what depended on a node."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import NodeId, OutputId, StoreDep, reader
from api.models import QueryAnswer
from api.responses import READ_ID, JsonAnswer, answer
from provenance.records import Instant
from queries.lineage import impact, trace

__all__ = ["AsOfQuery", "node_impact", "router", "trace_output"]

router = APIRouter(tags=["lineage"], dependencies=[Depends(reader)])

AsOfQuery = Annotated[
    Instant | None,
    Query(description="Answer from the records written up to this time only"),
]


@router.get(
    "/outputs/{id:path}/trace",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="Trace an output",
)
def trace_output(output: OutputId, store: StoreDep, as_of: AsOfQuery = None) -> JsonAnswer:
    """Every upstream run, input, prompt, template version, model configuration and model, every
    person with their role, every approval on the path (``raidt trace --json``)."""
    return answer(trace(store, output, as_of=as_of))


@router.get(
    "/nodes/{id:path}/impact",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="Everything that depended on a node",
)
def node_impact(node: NodeId, store: StoreDep, as_of: AsOfQuery = None) -> JsonAnswer:
    """Runs, outputs, decisions and actions downstream of an input, template version, model
    configuration or person, a person's including approvals given in their name
    (``raidt impact --json``)."""
    return answer(impact(store, node, as_of=as_of))
