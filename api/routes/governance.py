"""What only admins record: delegations of authority and prompt-template versions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Response

from api.deps import StoreDep, TemplateId, WriteLock, admin
from api.models import WriteResultPublic, demo_examples
from api.problems import problem_responses
from api.recording import record
from api.responses import WRITE, RecordRoute, require_json, written
from provenance.errors import InvalidRecord
from provenance.records import Delegation, TemplateVersion

__all__ = ["record_delegation", "record_template_version", "router"]

router = APIRouter(tags=["governance"], route_class=RecordRoute)


@router.post(
    "/delegations",
    status_code=201,
    responses=WRITE,
    dependencies=[Depends(admin), Depends(require_json)],
    summary="Record a delegation",
)
def record_delegation(
    delegation: Annotated[
        Delegation,
        Body(
            openapi_examples=demo_examples(
                "https://hospital.example/delegations/okafor-for-lund-2026"
            )
        ),
    ],
    store: StoreDep,
    lock: WriteLock,
    response: Response,
) -> WriteResultPublic:
    """Record who acts on whose behalf, in what scope, from when to when. A delegation is a
    relation, not a node: ``Location`` is the delegate, whose relations list it."""
    result = record(store, lock, [delegation])
    return written(result, response, f"/nodes/{quote(delegation.delegate.id, safe='')}")


@router.post(
    "/templates/{id:path}/versions",
    status_code=201,
    responses={**WRITE, **problem_responses(404)},
    dependencies=[Depends(admin), Depends(require_json)],
    summary="Record a prompt-template version",
)
def record_template_version(
    template: TemplateId,
    version: Annotated[
        TemplateVersion,
        Body(
            openapi_examples=demo_examples(
                "https://hospital.example/templates/discharge-summary/v1"
            )
        ),
    ],
    store: StoreDep,
    lock: WriteLock,
    response: Response,
) -> WriteResultPublic:
    """Register a version of the template ``{id}`` before it is used; its ``template`` field
    must name that template."""
    if version.template != template:
        raise InvalidRecord.of_fields(
            [("template", f"{version.template} is not the template in the path, {template}")],
            location="body",
        )
    result = record(store, lock, [version])
    return written(result, response, f"/nodes/{quote(version.id, safe='')}")
