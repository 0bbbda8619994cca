"""Tamper evidence over HTTP: recompute every hash and the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import StoreDep, reader
from api.models import VerifyReportPublic
from api.problems import query_taken
from api.responses import READ
from provenance.integrity import verify

__all__ = ["router", "verify_store"]

router = APIRouter(tags=["integrity"], dependencies=[Depends(reader)])


@router.get("/verify", responses=READ, summary="Verify every hash and the chain")
def verify_store(
    store: StoreDep,
    expect_head: Annotated[
        str | None, Query(description="Report a problem unless the chain ends at this hash")
    ] = None,
) -> VerifyReportPublic:
    """Recompute every record's content hash, graph hash and the hash chain, as
    ``raidt verify --json`` does; ``ok`` is false when anything does not match."""
    with query_taken("expect_head"):
        report = verify(store, expect_head=expect_head)
    return VerifyReportPublic.model_validate(report.as_dict())
