"""Authority: who held it over an action, and what a person held it over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import ActionId, PersonId, StoreDep, reader
from api.models import QueryAnswer
from api.responses import READ_ID, JsonAnswer, answer
from api.routes.lineage import AsOfQuery
from provenance.records import Instant
from queries.authority import accountable, authority

__all__ = ["action_authority", "person_accountable", "router"]

router = APIRouter(tags=["authority"], dependencies=[Depends(reader)])


@router.get(
    "/actions/{id:path}/authority",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="Who held authority over an action",
)
def action_authority(
    action: ActionId,
    store: StoreDep,
    at: Annotated[
        Instant | None,
        Query(description="Judge delegations at this time (default: when the action happened)"),
    ] = None,
    as_of: AsOfQuery = None,
) -> JsonAnswer:
    """The executor, the approvers of what it used and everyone up their delegation chains, each
    with the path and whether each delegation was valid then (``raidt authority --json``)."""
    return answer(authority(store, action, at=at, as_of=as_of))


@router.get(
    "/people/{id:path}/accountable",
    response_model=QueryAnswer,
    responses=READ_ID,
    summary="What a person held authority over",
)
def person_accountable(person: PersonId, store: StoreDep, as_of: AsOfQuery = None) -> JsonAnswer:
    """The actions a person held authority over, directly or by delegation
    (``raidt accountable --json``)."""
    return answer(accountable(store, person, as_of=as_of))
