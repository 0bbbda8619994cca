"""Events on a run: reviews, approvals, escalations, overrides, actions and challenges."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, HTTPException, Response

from api.deps import EventWriter, RunId, StoreDep, WriteLock, event_writer
from api.keys import Role
from api.models import REVIEWER_EVENTS, Event, WriteResultPublic, demo_examples
from api.problems import problem_responses
from api.recording import record
from api.responses import WRITE, RecordRoute, require_json, written

__all__ = ["record_event", "router"]

router = APIRouter(prefix="/runs", tags=["events"], route_class=RecordRoute)


@router.post(
    "/{id:path}/events",
    status_code=201,
    responses={**WRITE, **problem_responses(404)},
    dependencies=[Depends(event_writer), Depends(require_json)],
    summary="Record an event on a run",
)
def record_event(
    run: RunId,
    event: Annotated[
        Event,
        Body(
            openapi_examples=demo_examples(
                "https://bank.example/reviews/credit-memo-2026-0317-r1",
                "https://bank.example/escalations/credit-memo-2026-0317-e1",
                "https://bank.example/overrides/credit-memo-2026-0317-o1",
                "https://bank.example/approvals/credit-memo-2026-0317-a1",
                "https://bank.example/actions/credit-memo-2026-0317-committee-pack",
                "https://council.example/challenges/hb-letter-2026-0319-c1",
            )
        ),
    ],
    caller: EventWriter,
    store: StoreDep,
    lock: WriteLock,
    response: Response,
) -> WriteResultPublic:
    """Record a review, approval, escalation, override, action or challenge on one of the run's
    outputs (or a revision of one). A reviewer's key may record reviews, approvals and
    challenges only."""
    if caller.role is Role.REVIEWER and event.type not in REVIEWER_EVENTS:
        raise HTTPException(
            403,
            f"API key {caller.id} has the role reviewer, which may record "
            f"{', '.join(sorted(REVIEWER_EVENTS))} events, not {event.type}",
        )
    result = record(store, lock, [event], under=run)
    return written(result, response, f"/nodes/{quote(event.id, safe='')}")
