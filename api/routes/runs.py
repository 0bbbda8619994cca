"""Runs: record one, list them (filtered, paginated), read one back."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Query, Response
from starlette.convertors import PathConvertor, register_url_convertor

from api.deps import RunId, StoreDep, WriteLock, reader, recorder
from api.models import (
    RecordInfo,
    RunPublic,
    RunsPublic,
    RunSummary,
    WriteResultPublic,
    demo_examples,
)
from api.problems import query_taken
from api.recording import record
from api.responses import READ, READ_ID, WRITE, RecordRoute, require_json, written
from provenance.records import Instant, Run
from queries.runs import list_runs

__all__ = ["item_router", "record_run", "router", "run_detail", "runs"]

router = APIRouter(prefix="/runs", tags=["runs"], route_class=RecordRoute)
item_router = APIRouter(prefix="/runs", tags=["runs"])
"""``GET /runs/{id}`` on its own, included after every ``/runs/{id}/…`` route: an id sent with
unencoded slashes could otherwise swallow their suffixes."""


class _RunItemPath(PathConvertor):
    """The id in ``GET /runs/{id}``: a path, as an id's slashes may be sent unencoded, but not
    one ending in ``/events``. That names a run's events, which are written and never read:
    reading them is 405 naming POST, not "no node …/events". (An id ending so is sent with its
    slashes encoded, as every id may be.)"""

    regex = r"(?!.*/events$).*"


register_url_convertor("run_item", _RunItemPath())


@router.post(
    "",
    status_code=201,
    responses=WRITE,
    dependencies=[Depends(recorder), Depends(require_json)],
    summary="Record a run",
)
def record_run(
    run: Annotated[
        Run,
        Body(
            openapi_examples=demo_examples(
                "https://hospital.example/runs/discharge-0412",
                "https://bank.example/runs/credit-memo-2026-0317",
            )
        ),
    ],
    store: StoreDep,
    lock: WriteLock,
    response: Response,
) -> WriteResultPublic:
    """Record one run. Writing the same run again changes nothing (200); a different run under
    an id already stored is refused (409)."""
    result = record(store, lock, [run])
    return written(result, response, f"/runs/{quote(run.id, safe='')}")


@router.get("", responses=READ, dependencies=[Depends(reader)], summary="List runs")
def runs(
    store: StoreDep,
    since: Annotated[
        Instant | None, Query(description="Only runs started at or after this time")
    ] = None,
    until: Annotated[
        Instant | None, Query(description="Only runs started at or before this time")
    ] = None,
    sector: Annotated[str | None, Query(description="Only runs in this sector")] = None,
    person: Annotated[
        str | None,
        Query(description="Only runs this person initiated: IRI or prefixed name (else 404)"),
    ] = None,
    template: Annotated[
        str | None,
        Query(description="Only runs that used this template or template version (else 404)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RunsPublic:
    """Runs oldest first, as ``raidt runs --json`` lists them, a page at a time."""
    with query_taken():
        found = list_runs(
            store, since=since, until=until, sector=sector, person=person, template=template
        )
    page = [RunSummary(**s) for s in found[offset : offset + limit]]
    return RunsPublic(data=page, count=len(found))


@item_router.get(
    "/{id:run_item}", responses=READ_ID, dependencies=[Depends(reader)], summary="One run"
)
def run_detail(run: RunId, store: StoreDep) -> RunPublic:
    """The run's summary, the record as submitted, and its place in the hash chain."""
    summary = list_runs(store, ids=[run])[0]
    stored = store.record(run)
    return RunPublic(
        **summary,
        record=json.loads(stored.body) if stored and stored.kind == "run" else None,
        stored=RecordInfo(
            kind=stored.kind,
            content_hash=stored.content_hash,
            chain_hash=stored.chain_hash,
            recorded_at=stored.recorded_at,
        )
        if stored
        else None,
    )
