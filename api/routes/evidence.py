"""A run's evidence pack, as a zip to keep or hand over."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Response

from api.deps import RunId, StoreDep, reader
from api.models import RubricName
from api.problems import problem_responses, query_taken
from api.routes.lineage import AsOfQuery
from api.routes.scores import RubricQuery
from queries.context import moment
from queries.evidence import build_pack
from visualisation.static import pack_pictures

__all__ = ["evidence_pack", "router"]

router = APIRouter(tags=["evidence"], dependencies=[Depends(reader)])


@router.get(
    "/runs/{id:path}/evidence-pack",
    response_class=Response,
    responses={
        200: {
            "description": "The evidence pack (check it offline with raidt verify-pack)",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(401, 403, 404, 409, 422, 503),
    },
    summary="A run's evidence pack",
)
def evidence_pack(
    run: RunId,
    store: StoreDep,
    rubric: RubricQuery = RubricName.GENERAL,
    as_of: AsOfQuery = None,
) -> Response:
    """PROV bundle (PROV-JSON, PROV-N), trace, authority, score, timeline, records and a SHA-256
    manifest, as ``raidt evidence`` writes it; with ``as_of``, as the store stood then. A store
    that fails verify gets none (409), nor does an ``as_of`` that has not come (422)."""
    with query_taken("as_of"):
        at = moment(store, as_of)
    data = build_pack(store, run, rubric=rubric.value, at=at, draw=pack_pictures)
    name = run.rstrip("/").rsplit("/", 1)[-1] or "run"
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in name)
    # HTTP headers are Latin-1: an ASCII name for every client, the real one (RFC 6266) for most
    disposition = (
        f'attachment; filename="evidence-{ascii_name}.zip"; '
        f"filename*=UTF-8''{quote(f'evidence-{name}.zip', safe='')}"
    )
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": disposition}
    )
