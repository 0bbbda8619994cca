"""Reconstruction: what a reviewer or approver saw when they signed off."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import ReviewId, StoreDep, reader
from api.models import QueryAnswer
from api.responses import READ_ID, JsonAnswer, answer
from queries.reconstruction import reconstruct

__all__ = ["reconstruction", "router"]

router = APIRouter(tags=["reviews"], dependencies=[Depends(reader)])


@router.get(
    "/reviews/{id:path}/reconstruction",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="What a reviewer saw",
)
def reconstruction(review: ReviewId, store: StoreDep) -> JsonAnswer:
    """The exact versions in front of a reviewer or approver, with earlier reviews, decisions
    and escalations, as of their review (``raidt reconstruct --json``)."""
    return answer(reconstruct(store, review))
