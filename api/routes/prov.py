"""PROV documents in and out, in every supported format: import one as a record, export the whole
store or one run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response

from api.deps import RunId, StoreDep, WriteLock, admin, reader
from api.media import BY_MEDIA_TYPE, format_for_accept, format_for_content_type
from api.models import ImportResult
from api.problems import UnreadableBody, problem_responses, query_taken
from api.responses import WRITE, json_media_type
from provenance.errors import InvalidRecord, UnsupportedFormat
from provenance.export import export_document
from provenance.formats import parse_document, write_document
from provenance.ingest import document_id, import_document
from provenance.stores import Store

__all__ = ["export_run", "export_store", "import_prov", "router"]

router = APIRouter(tags=["prov"])

_DOCUMENTS: dict[str, Any] = {
    media: {"schema": {"type": "object"} if json_media_type(media) else {"type": "string"}}
    for media in BY_MEDIA_TYPE
}
"""Every PROV format by media type: PROV-JSON and PROV-JSONLD are JSON objects, the rest text."""
_EXPORT = {
    200: {
        "description": "A PROV document in the format the Accept header asks for",
        "content": _DOCUMENTS,
    },
    **problem_responses(401, 403, 406, 422, 503),
}


async def _body(request: Request) -> bytes:
    return await request.body()


def _export(store: Store, target: str | None, accept: str | None) -> Response:
    chosen = format_for_accept(accept)
    try:
        text = write_document(export_document(store, target), chosen)
    except UnsupportedFormat as error:
        raise HTTPException(406, error.message) from error
    media = chosen.media_type + ("; charset=utf-8" if chosen.media_type.startswith("text/") else "")
    return Response(text, media_type=media, headers={"Vary": "Accept"})


@router.post(
    "/prov",
    status_code=201,
    response_model=ImportResult,
    responses={**WRITE, 201: {"description": "Imported as a new record"}},
    openapi_extra={"requestBody": {"required": True, "content": _DOCUMENTS}},
    dependencies=[Depends(admin)],
    summary="Import a PROV document",
)
def import_prov(
    store: StoreDep,
    lock: WriteLock,
    response: Response,
    body: Annotated[bytes, Depends(_body)],
    content_type: Annotated[str | None, Header()] = None,
    record_id: Annotated[
        str | None,
        Query(alias="id", description="The record id (an IRI); derived from content when absent"),
    ] = None,
) -> ImportResult:
    """Import a PROV document, bundles included, as one record. Its format is the
    ``Content-Type``: PROV-JSON, PROV-N, PROV-XML, Turtle (PROV-O) or PROV-JSONLD.

    A document may state anything: a delegation, a decision, more about a node others recorded.
    So it takes an admin's key, as delegations do; recorders write runs and events through the
    typed endpoints, which check what each record may say."""
    chosen = format_for_content_type(content_type)
    if not body.strip():
        raise UnreadableBody("the body is empty; send a PROV document")
    try:
        parse_document(body, chosen, source="body")
    except InvalidRecord as error:
        raise UnreadableBody(error.message) from error
    with query_taken("id"):
        record_id = document_id(store, record_id)
    with lock:
        prepared, result = import_document(body, chosen, store, source="body", record_id=record_id)
    response.status_code = 201 if result.written else 200
    return ImportResult(
        record=prepared.id, written=bool(result.written), content_hash=prepared.content_hash
    )


@router.get(
    "/prov",
    responses=_EXPORT,
    response_class=Response,
    dependencies=[Depends(reader)],
    summary="Export the store",
)
def export_store(store: StoreDep, accept: Annotated[str | None, Header()] = None) -> Response:
    """The whole store as one PROV document, in the format the ``Accept`` header names."""
    return _export(store, None, accept)


@router.get(
    "/runs/{id:path}/prov",
    responses={**_EXPORT, **problem_responses(404)},
    response_class=Response,
    dependencies=[Depends(reader)],
    summary="Export one run",
)
def export_run(
    run: RunId, store: StoreDep, accept: Annotated[str | None, Header()] = None
) -> Response:
    """The run record's PROV, in the format the ``Accept`` header names."""
    return _export(store, run, accept)
